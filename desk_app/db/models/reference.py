"""Reference data maintained by headquarters: taxonomy codes, lists, the holiday table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, UuidPk
from desk_app.db.types import UTCDateTime, utcnow


class TaxonomyCode(UuidPk, Base):
    """One node of the A/B/C/D classification tree. Codes in use are retired, never deleted."""

    __tablename__ = "taxonomy_codes"

    axis: Mapped[str] = mapped_column(String(1), index=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    parent_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    level: Mapped[int] = mapped_column(Integer, default=1)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    since_version: Mapped[int] = mapped_column(Integer, default=1)


class ReferenceItem(UuidPk, Base):
    """Flat lists: severities, request kinds, resolution types."""

    __tablename__ = "reference_items"

    list_name: Mapped[str] = mapped_column(String(30), index=True)
    code: Mapped[str] = mapped_column(String(30))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("list_name", "code"),)


class ReferenceVersion(UuidPk, Base):
    """Each load of a reference dataset: which version, from which file (sha256), by whom."""

    __tablename__ = "reference_versions"

    dataset: Mapped[str] = mapped_column(String(30), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(64), default="system")
    summary: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("dataset", "version"),)


class CalendarEntry(Base):
    """A day that differs from the weekday/weekend rule: an official holiday or a make-up working day."""

    __tablename__ = "calendar_entries"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(40), default="")


class CalendarYear(Base):
    """A year whose official schedule is known (seeded from the package or entered by HQ)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    entered_by: Mapped[str] = mapped_column(String(64), default="system")
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeToken(Base):
    """A random token per kind of reference data ("calendar", "taxonomy"), set anew by a trigger at every
    change of its tables (migration 0024), whoever writes them. Processes keep what they built from those
    tables under the token they read (``desk_app.services.change_tokens``)."""

    __tablename__ = "change_tokens"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
