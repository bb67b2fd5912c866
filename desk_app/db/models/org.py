"""Branches (offices) and the staff who sign in."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, Uuid, true
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, Timestamps, UuidPk, Versioned
from desk_app.db.types import UTCDateTime


class Branch(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "branches"

    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    institution_type: Mapped[str] = mapped_column(String(20))
    regime: Mapped[str] = mapped_column(String(30))
    is_headquarters: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str] = mapped_column(String(300), default="")
    hotline: Mapped[str] = mapped_column(String(40), default="")
    superior_institution: Mapped[str] = mapped_column(String(200), default="")
    superior_contact: Mapped[str] = mapped_column(Text, default="")
    logo_path: Mapped[str] = mapped_column(String(500), default="")
    group_rep_cap: Mapped[int] = mapped_column(Integer, default=5)
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    first_contact_hours: Mapped[int] = mapped_column(Integer, default=24)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    signing_public_key: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """At headquarters: the branch's public signing key (``desk_app.signing``); its files need its signature."""
    handlers_may_take: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """Whether a handler may take an unassigned case of this branch themselves (``case_workflow.take_case``)."""


class User(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("branches.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Where the desk server sends the reminder digest (desk_app.services.digest); empty for none.
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
