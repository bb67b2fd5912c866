"""Quality inspection (质检): closed cases drawn each month per handler, scored on the scorecard."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, UuidPk, Versioned
from desk_app.db.types import UTCDateTime, utcnow


class QualitySample(UuidPk, Versioned, Base):
    """One closed case drawn for a month's inspection of its handler, and its score once inspected."""

    __tablename__ = "quality_samples"
    __table_args__ = (UniqueConstraint("month", "complaint_id"),)

    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"))
    handler_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("branches.id"))
    seed: Mapped[int] = mapped_column(Integer)
    drawn_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scorecard_version: Mapped[int] = mapped_column(Integer, default=0)
    #: Points per criterion code, once scored (the scorecard's data says the criteria and their weights).
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The weighted score out of 100; None until inspected.
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    inspector_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), nullable=True)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
