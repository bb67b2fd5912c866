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
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

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
    column: InstrumentedAttribute[bool] = getattr(Complaint, f"flag_{name}")
    return column == true()


def _any_flag() -> ColumnElement[bool]:
    # the same expression as the case list's "any special flag" condition: a partial index is only used
    # when the query's condition reads exactly like its WHERE
    return or_(*(_flag(name) for name in FLAG_NAMES))


# One partial index per special flag and one for "any flag" (a few per cent of the cases each), in the
# list's default order, once for every branch and once for one branch's list.
FLAG_INDEXES = tuple(
    Index(f"ix_complaints_flag_{name}{suffix}", *columns, sqlite_where=_flag(name), postgresql_where=_flag(name))
    for name in FLAG_NAMES
    for suffix, columns in (("", (Complaint.received_at, Complaint.case_number, Complaint.branch_id)),
                            ("_branch", (Complaint.branch_id, Complaint.received_at, Complaint.case_number)))
)
ANY_FLAG_INDEXES = (
    Index("ix_complaints_any_flag", Complaint.received_at, Complaint.case_number, Complaint.branch_id,
          sqlite_where=_any_flag(), postgresql_where=_any_flag()),
    Index("ix_complaints_any_flag_branch", Complaint.branch_id, Complaint.received_at, Complaint.case_number,
          sqlite_where=_any_flag(), postgresql_where=_any_flag()),
    # Overdue (or due soon, or of a status) flagged cases, a supervisor's first list: counted and sorted from the
    # index alone instead of testing every open case's flags (1M cases, PostgreSQL: 200 ms -> a few ms).
    Index("ix_complaints_any_flag_status_due", Complaint.status, Complaint.due_on, Complaint.received_at,
          Complaint.case_number, sqlite_where=_any_flag(), postgresql_where=_any_flag()),
)
# Each sort of the list with its tie-break (the case number), so the first page of a sort is read in order
# instead of sorting every case of the first value (80 % of all cases are "general" severity).
SORT_INDEXES = {
    "severity": Index("ix_complaints_severity_number", Complaint.severity, Complaint.case_number),
    "status": Index("ix_complaints_status_number", Complaint.status, Complaint.case_number),
    "business": Index("ix_complaints_axis_b_number", Complaint.axis_b, Complaint.case_number),
    "cause": Index("ix_complaints_axis_c_number", Complaint.axis_c, Complaint.case_number),
    "due": Index("ix_complaints_due_number", Complaint.due_on, Complaint.case_number),
    "owner": Index("ix_complaints_owner_number", Complaint.owner_id, Complaint.case_number),  # owner by owner
    "branch owner": Index("ix_complaints_branch_owner_number", Complaint.branch_id, Complaint.owner_id,
                          Complaint.case_number),
}
# One status in the default order (closed cases are old: walking the order from the newest would pass
# every open one first).
STATUS_RECEIVED_INDEX = Index("ix_complaints_status_received", Complaint.status, Complaint.received_at,
                              Complaint.case_number)
# A handler's open or overdue cases ("my cases" with a status or overdue).
OWNER_STATUS_INDEX = Index("ix_complaints_owner_status_due", Complaint.owner_id, Complaint.status, Complaint.due_on)
