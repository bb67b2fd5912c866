"""The case library (案例库): anonymised copies of closed model cases, with the lesson a supervisor drew."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Numeric, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, UuidPk
from desk_app.db.types import UTCDateTime, utcnow


class LibraryCase(UuidPk, Base):
    """One model case. It holds no name, ID, phone, address, account, e-mail, case number or customer id:
    the texts and JSON are scrubbed by ``desk_app.domain.anonymise`` when the case is added. Its source
    case is kept (``source_complaint_id``) only so a case is added once and its branch may remove it; the
    services never show it."""

    __tablename__ = "library_cases"

    source_complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("complaints.id"), nullable=True,
                                                                  unique=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("branches.id"))
    channel: Mapped[str] = mapped_column(String(20))
    axis_a: Mapped[str] = mapped_column(String(12))
    axis_b: Mapped[str] = mapped_column(String(12))
    axis_c: Mapped[str] = mapped_column(String(12), index=True)
    severity: Mapped[str] = mapped_column(String(12))
    flag_irrational: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_group: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_media: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_regulator: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_litigation: Mapped[bool] = mapped_column(Boolean, default=False)
    primary_type: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    secondary_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    summary: Mapped[str] = mapped_column(String(200), default="")
    facts: Mapped[str] = mapped_column(Text, default="")
    request_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    request_text: Mapped[str] = mapped_column(Text, default="")
    claimed_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    #: The last portrait: ``ratings`` (six dimensions, 1–5), ``notes``, and ``emotion_trend`` over its versions.
    portrait: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The checklists used: each with its title and the steps ticked, in order, with their wording and note.
    checklist_path: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: The wording used: the six steps' records and the contact log (what was said, the customer's reaction).
    wording: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The accepted (or last) resolution: type, amount, description, basis, upheld, customer's answer.
    resolution: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: How it ended: status, days to close, on time, satisfaction, the root cause found.
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lesson: Mapped[str] = mapped_column(Text)
    #: Lower-cased text of the lesson, summary, facts and wording, for the library's LIKE search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: The character bigrams of the search text, space-separated (``desk_app.domain.library.bigrams``): what
    #: ``similar_to`` compares, stored so that ranking the library does not split every text again.
    words: Mapped[str] = mapped_column(Text, default="")
    marked_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_library_cases_marked_at", "marked_at"),)
