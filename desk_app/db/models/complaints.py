"""Complaints, the people acting for the complainant, and the hash-chained timeline."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk_app.db.base import Base, Timestamps, UuidPk, Versioned
from desk_app.db.types import UTCDateTime, utcnow
from desk_app.domain.enums import SpecialFlag

if TYPE_CHECKING:
    from desk_app.db.models.customers import Customer

#: The column of the complaints table that holds each special flag (filters, reports and imports use it).
FLAG_COLUMNS: dict[SpecialFlag, str] = {
    SpecialFlag.IRRATIONAL: "flag_irrational",
    SpecialFlag.GROUP: "flag_group",
    SpecialFlag.MEDIA: "flag_media",
    SpecialFlag.REGULATOR: "flag_regulator",
    SpecialFlag.LITIGATION: "flag_litigation",
}


class Complaint(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "complaints"

    case_number: Mapped[str] = mapped_column(String(40), unique=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("branches.id"))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id"))  # indexed below
    channel: Mapped[str] = mapped_column(String(20))
    axis_a: Mapped[str] = mapped_column(String(12), index=True)
    axis_b: Mapped[str] = mapped_column(String(12))
    axis_c: Mapped[str] = mapped_column(String(12))
    axis_d: Mapped[str | None] = mapped_column(String(12), nullable=True)
    severity: Mapped[str] = mapped_column(String(12))
    flag_irrational: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_group: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_media: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_regulator: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_litigation: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(24))
    stage: Mapped[str | None] = mapped_column(String(16), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    regime: Mapped[str] = mapped_column(String(30))
    complexity: Mapped[str] = mapped_column(String(12), default="simple")
    special_extension_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A requested extension (the complexity asked for) that does not count yet: it waits for the branch
    #: manager's approval (60 days) and then for the extension notice to be issued.
    extension_requested: Mapped[str | None] = mapped_column(String(20), nullable=True)
    extension_approved_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    due_on: Mapped[date] = mapped_column(Date)
    acceptance_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    first_contact_due: Mapped[datetime] = mapped_column(UTCDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str] = mapped_column(String(200), default="")
    request_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    request_text: Mapped[str] = mapped_column(Text, default="")
    claimed_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    facts_what: Mapped[str] = mapped_column(Text, default="")
    facts_when: Mapped[date | None] = mapped_column(Date, nullable=True)
    facts_where: Mapped[str] = mapped_column(String(300), default="")
    facts_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    respondent: Mapped[str] = mapped_column(String(200), default="")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), nullable=True)
    created_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    recusal_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    reference_version: Mapped[int] = mapped_column(Integer, default=1)
    stage_records: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The main case this duplicate was merged into (status ``merged``); no foreign key, because SQLite adds
    #: one only by rebuilding the table and its triggers (desk_app.services.case_links checks it).
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)

    parties: Mapped[list[ComplaintParty]] = relationship(
        back_populates="complaint", cascade="all, delete-orphan", order_by="ComplaintParty.position")
    #: Never loaded (``lazy="raise"``): it tells the unit of work to write a new customer before the case when
    #: both are in one flush, as a registration writes them (the case's first events likewise follow it).
    customer_row: Mapped[Customer] = relationship(lazy="raise")

    # No single-column index on branch, axes B and C, severity, status, receipt, due date or owner: each column
    # leads a composite index here or in desk_app.db.models.case_counts, which serves every lookup by it, and
    # every registration would write eight more index entries (migration 0021).
    __table_args__ = (
        Index("ix_complaints_branch_status_due", "branch_id", "status", "due_on"),
        # The case list's default sort, a branch's own list, overdue/due-soon lists and "my cases"
        # (measured with benchmarks/case_list.py at 1,000,000 cases).
        Index("ix_complaints_received_number", "received_at", "case_number"),
        Index("ix_complaints_branch_received_number", "branch_id", "received_at", "case_number"),
        # Overdue and due-soon lists, counted and sorted (by any column here, or by owner) from the index alone.
        Index("ix_complaints_status_due_severity_owner", "status", "due_on", "severity", "received_at", "case_number",
              "owner_id"),
        # A customer's cases; a branch's list sorted by customer walks the customers' names and reads each one's
        # cases of the branch from here alone.
        Index("ix_complaints_customer_branch_number", "customer_id", "branch_id", "case_number"),
        Index("ix_complaints_owner_branch_received", "owner_id", "branch_id", "received_at"),
    )


class ComplaintParty(UuidPk, Base):
    """An agent (代理人, with authorisation) or a representative of a group complaint."""

    __tablename__ = "complaint_parties"

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100))
    id_type: Mapped[str] = mapped_column(String(30), default="")
    id_number: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    authorisation: Mapped[str] = mapped_column(String(300), default="")

    complaint: Mapped[Complaint] = relationship(back_populates="parties")


class ComplaintEvent(UuidPk, Base):
    """One entry of a complaint's append-only timeline; ``hash`` covers the entry and ``prev_hash``."""

    __tablename__ = "complaint_events"

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    #: Digest of the case's rows (complaint, resolutions, customer) as this event left them; covered by ``hash``.
    seal: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: Never loaded: it orders a new case's first events after the case in one flush (see Complaint.customer_row).
    case_row: Mapped[Complaint] = relationship(lazy="raise")

    __table_args__ = (UniqueConstraint("complaint_id", "seq"),)


class Attachment(UuidPk, Base):
    __tablename__ = "attachments"

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    mime_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column()
    description: Mapped[str] = mapped_column(String(300), default="")
    added_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NumberCounter(Base):
    """Per-key sequence (case numbers per branch per day, letter numbers per branch/kind/year)."""

    __tablename__ = "number_counters"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)

