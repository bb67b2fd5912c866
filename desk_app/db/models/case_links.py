"""Links between related cases (same customer by several channels, a regulator's duplicate, members of one
group complaint). A merge is not a link row: it is ``Complaint.merged_into_id`` with the status ``merged``."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, UuidPk
from desk_app.db.types import UTCDateTime, utcnow


class CaseLink(UuidPk, Base):
    """One undirected link, stored once with the smaller id first (``case_a_id < case_b_id``), so the same
    pair cannot be linked twice whichever case it was made from."""

    __tablename__ = "case_links"

    case_a_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    case_b_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    #: A ``desk_app.domain.enums.LinkKind`` value.
    kind: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))

    __table_args__ = (
        UniqueConstraint("case_a_id", "case_b_id"),
        CheckConstraint("case_a_id <> case_b_id", name="distinct_cases"),
    )
