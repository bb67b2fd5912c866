"""What the handling produces: portraits, checklist runs, resolutions, letters, callbacks, root causes,
improvement actions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, Timestamps, UuidPk, Versioned
from desk_app.db.types import UTCDateTime, utcnow


class Portrait(UuidPk, Base):
    """One version of a complainant portrait; every save is a new row (history kept)."""

    __tablename__ = "portraits"

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    emotion: Mapped[int] = mapped_column(Integer)
    risk: Mapped[int] = mapped_column(Integer)
    responsibility: Mapped[int] = mapped_column(Integer)
    rationality: Mapped[int] = mapped_column(Integer)
    demand: Mapped[int] = mapped_column(Integer)
    personality: Mapped[int] = mapped_column(Integer)
    notes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    primary_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    secondary_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("complaint_id", "version_no"),)


class ChecklistRun(UuidPk, Base):
    """A checklist applied to a case, pinned to the checklist version it started with."""

    __tablename__ = "checklist_runs"

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    checklist_key: Mapped[str] = mapped_column(String(60))
    checklist_version: Mapped[int] = mapped_column(Integer)
    started_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("complaint_id", "checklist_key"),)


class ChecklistTick(UuidPk, Base):
    __tablename__ = "checklist_ticks"

    run_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("checklist_runs.id"), index=True)
    step_key: Mapped[str] = mapped_column(String(60))
    ticked_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    ticked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("run_id", "step_key"),)


class Resolution(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "resolutions"

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    resolution_type: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    basis: Mapped[str] = mapped_column(Text, default="")
    upheld: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    approval_state: Mapped[str] = mapped_column(String(20), default="proposed")
    #: Indexed: each proposer's returned proposals are a reminder (desk_app.services.notifications).
    proposed_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    customer_accepted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    carry_out_by: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The approval level whose queue the proposal is in (desk_app.domain.approvals); None without money.
    approval_level: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    #: Why the approver returned the proposal (empty when approved or still open).
    decision_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class Letter(UuidPk, Base):
    """An issued letter: the exact bytes handed to the customer. Reprints return these bytes."""

    __tablename__ = "letters"

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(60), unique=True)
    version_no: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("letters.id"), nullable=True)
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    template_version: Mapped[int] = mapped_column(Integer, default=1)
    content: Mapped[bytes] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    issued_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivery_method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    delivered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: What the letter says the complaint is about (written for the customer; never the intake facts).
    complaint_summary: Mapped[str] = mapped_column(Text, default="", server_default="")


class Callback(UuidPk, Base):
    """A follow-up call (回访) with the satisfaction score (1–5)."""

    __tablename__ = "callbacks"

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    called_at: Mapped[datetime] = mapped_column(UTCDateTime)
    called_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(20), default="phone")
    reached: Mapped[bool] = mapped_column(Boolean, default=True)
    satisfaction: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class RootCause(UuidPk, Base):
    """The root cause recorded when a case is closed (溯源)."""

    __tablename__ = "root_causes"

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), unique=True)
    level: Mapped[str] = mapped_column(String(12))
    cause_code: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(Text, default="")
    #: One of the course's four cause types (desk_app.domain.cause_types); empty for causes recorded before.
    cause_type: Mapped[str] = mapped_column(String(24), default="", server_default="")
    #: What the analysis found on each of the three levels (any may be empty).
    data_finding: Mapped[str] = mapped_column(Text, default="", server_default="")
    rules_finding: Mapped[str] = mapped_column(Text, default="", server_default="")
    process_finding: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


improvement_action_cases = Table(
    "improvement_action_cases",
    Base.metadata,
    Column("action_id", Uuid, ForeignKey("improvement_actions.id"), primary_key=True),
    Column("complaint_id", Uuid, ForeignKey("complaints.id"), primary_key=True),
)


class ImprovementAction(UuidPk, Timestamps, Versioned, Base):
    """An improvement (整改) tracked to completion, linked to the cases and causes it addresses."""

    __tablename__ = "improvement_actions"

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("branches.id"), nullable=True)
    cause_code: Mapped[str] = mapped_column(String(12), default="")
    level: Mapped[str] = mapped_column(String(12), default="process")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    state: Mapped[str] = mapped_column(String(20), default="planned")
    completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    department: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: What shows the action was carried out (required to mark it done).
    evidence: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The reviewer's conclusion once it is done (复核), who reviewed it and when.
    review: Mapped[str] = mapped_column(Text, default="", server_default="")
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
