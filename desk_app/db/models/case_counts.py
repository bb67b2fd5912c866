"""What keeps the case list fast at a million cases: the case counter table and the list's extra indexes.

``case_counts`` holds the number of cases per branch, status and severity. Triggers on ``complaints``
(migration 0009) keep it exact through every writer — registration, workflow, transfer, retention,
imports, demo data, a DELETE in a console — in the writer's own transaction, so the case list counts
its unfiltered, status and severity lists from a few hundred rows instead of counting up to a million.

The indexes live here rather than in ``Complaint.__table_args__`` to keep that model readable; they are
on the complaints table all the same (``Index`` on its columns). Timings: ``benchmarks/case_list.py``.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Index, Integer, String, Uuid, or_, true
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base
from desk_app.db.models.complaints import Complaint

FLAG_NAMES = ("irrational", "group", "media", "regulator", "litigation")


class CaseCount(Base):
    """Cases per branch, status and severity (maintained by triggers, never written by the application)."""

    __tablename__ = "case_counts"
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[str] = mapped_column(String(24), primary_key=True)
    severity: Mapped[str] = mapped_column(String(12), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


def _flag(name: str) -> ColumnElement[bool]:
    return getattr(Complaint, f"flag_{name}") == true()


def _any_flag() -> ColumnElement[bool]:
    # the same expression as the case list's "any special flag" condition: a partial index is only used
    # when the query's condition reads exactly like its WHERE
    return or_(*(_flag(name) for name in FLAG_NAMES))


# One partial index per special flag and one for "any flag": a few per cent of the cases each, in the
# list's default order, with the branch for a branch's list (read from the index, not the table).
FLAG_INDEXES = tuple(
    Index(f"ix_complaints_flag_{name}", Complaint.received_at, Complaint.case_number, Complaint.branch_id,
          sqlite_where=_flag(name), postgresql_where=_flag(name))
    for name in FLAG_NAMES
)
ANY_FLAG_INDEX = Index("ix_complaints_any_flag", Complaint.received_at, Complaint.case_number, Complaint.branch_id,
                       sqlite_where=_any_flag(), postgresql_where=_any_flag())
