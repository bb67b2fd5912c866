"""Desk-server sign-in sessions: a random token, stored only as its SHA-256, with idle and absolute expiry.

Kept in the database (not in a worker's memory) so any worker or host behind a load balancer can serve
any call, and so an administrator's change to an account takes effect at its next call.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, UuidPk
from desk_app.db.types import UTCDateTime


class ApiSession(UuidPk, Base):
    __tablename__ = "api_sessions"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    client: Mapped[str] = mapped_column(String(200), default="")
