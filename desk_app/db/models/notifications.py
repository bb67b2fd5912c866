"""What each user has been told: one row per (user, rule, case, occasion), so a reminder is shown once.

The reminders themselves are computed from the cases (desk_app.services.notifications); only the fact that
a user was told (``told_at``) and has read or opened it (``read_at``) is stored.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, UuidPk
from desk_app.db.types import UTCDateTime


class NotificationReceipt(UuidPk, Base):
    __tablename__ = "notification_receipts"
    __table_args__ = (UniqueConstraint("user_id", "rule", "complaint_id", "occasion"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    #: What makes this reminder a new one: the due date it warns of, the proposal or the timeline event.
    occasion: Mapped[str] = mapped_column(String(80))
    told_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
