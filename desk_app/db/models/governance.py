"""HQ-maintained guidance and the access audit: checklist definitions (versioned) and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, UuidPk
from desk_app.db.types import UTCDateTime, utcnow


class ChecklistDefinition(UuidPk, Base):
    """One version of a checklist (its TOML source as loaded); cases keep the version they started with."""

    __tablename__ = "checklist_definitions"

    key: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_by: Mapped[str] = mapped_column(String(64), default="system")
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("key", "version"),)


class WordListVersion(UuidPk, Base):
    """One version of an HQ-maintained word list (e.g. the risk-signal words)."""

    __tablename__ = "word_list_versions"

    name: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_by: Mapped[str] = mapped_column(String(64), default="system")
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("name", "version"),)


class AuditEntry(UuidPk, Base):
    """Who did or saw what outside the case timelines: views of unmasked personal data, exports,
    sign-ins, administration. Hash-linked like the timelines (one chain for the whole log)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("complaints.id"), nullable=True,
                                                          index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class DatabaseFact(Base):
    """Facts about the database itself, fixed when it is made: ``purpose = demo`` marks a database created
    as a demo, the only kind that may receive demo data (with its published password)."""

    __tablename__ = "database_facts"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
