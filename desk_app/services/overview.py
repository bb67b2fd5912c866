"""The start page's figures: cases by status, overdue and due-soon counts, the most urgent open cases.

Scope: a branch's own cases; HQ analysts and headquarters administrators see every branch. "Overdue" and "due
soon" only count cases whose statutory clock is still running (workflow.STOPPED_STATES excluded): a
case that has been answered on time is not overdue while it waits for its callback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.orm import Session

from desk_app.db.models import Complaint, Customer
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Severity, Status
from desk_app.domain.validation import mask_name
from desk_app.domain.workflow import FINISHED_STATES, STOPPED_STATES
from desk_app.services.access import sees_all_branches
from desk_app.services.approvals import PendingApproval, approval_queue

DUE_SOON_DAYS = 2
URGENT_LIMIT = 50
_RUNNING = tuple(s.value for s in Status if s not in STOPPED_STATES)
_SEVERITY_RANK = {Severity.CRITICAL.value: 0, Severity.SERIOUS.value: 1, Severity.GENERAL.value: 2}


@dataclass(frozen=True)
class UrgentCase:
    case_number: str
    received_at: datetime
    customer_name: str
    """Masked (张**): the overview is often on screen in front of customers."""
    status: Status
    severity: Severity
    due_on: date
    days_left: int
    """Days until the due date; 0 = due today, negative = overdue by that many days."""

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def due_soon(self) -> bool:
        return 0 <= self.days_left <= DUE_SOON_DAYS


@dataclass(frozen=True)
class MyWork:
    """The signed-in user's own cases (as owner)."""

    open: int = 0
    due_today: int = 0
    overdue: int = 0
    awaiting_callback: int = 0


@dataclass(frozen=True)
class Overview:
    today: date
    all_branches: bool
    counts: dict[Status, int] = field(default_factory=dict)
    """Every status, zero included."""
    overdue: int = 0
    due_soon: int = 0
    urgent: tuple[UrgentCase, ...] = ()
    mine: MyWork = field(default_factory=MyWork)
    approvals: tuple[PendingApproval, ...] = ()
    """What waits for the signed-in approver's own decision (desk_app.services.approvals)."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def open(self) -> int:
        return sum(n for status, n in self.counts.items() if status not in FINISHED_STATES)


def _in_scope(actor: Actor) -> ColumnElement[bool]:
    return true() if sees_all_branches(actor) else Complaint.branch_id == actor.branch_id


def case_overview(db: Database, actor: Actor, today: date) -> Overview:
    """Figures for ``actor``'s scope as of ``today`` (the office's local date)."""
    soon_limit = today + timedelta(days=DUE_SOON_DAYS)
    scope = _in_scope(actor)
    running = Complaint.status.in_(_RUNNING)
    with db.unit_of_work() as session:
        by_status = session.execute(
            select(Complaint.status, func.count()).where(scope).group_by(Complaint.status)).all()
        overdue = session.scalar(
            select(func.count()).select_from(Complaint).where(scope, running, Complaint.due_on < today)) or 0
        due_soon = session.scalar(
            select(func.count()).select_from(Complaint)
            .where(scope, running, Complaint.due_on >= today, Complaint.due_on <= soon_limit)) or 0
        rank = case(_SEVERITY_RANK, value=Complaint.severity, else_=3)
        rows = session.execute(
            select(Complaint.case_number, Complaint.received_at, Customer.name, Complaint.status,
                   Complaint.severity, Complaint.due_on)
            .join(Customer, Customer.id == Complaint.customer_id)
            .where(scope, running)
            .order_by(Complaint.due_on, rank, Complaint.received_at, Complaint.case_number)
            .limit(URGENT_LIMIT)).all()
        mine = _my_work(session, actor, today)
    counts = {status: 0 for status in Status}
    for status, n in by_status:
        counts[Status(status)] = n
    urgent = tuple(
        UrgentCase(case_number=number, received_at=received, customer_name=mask_name(name),
                   status=Status(status), severity=Severity(severity), due_on=due,
                   days_left=(due - today).days)
        for number, received, name, status, severity, due in rows)
    return Overview(today=today, all_branches=sees_all_branches(actor), counts=counts,
                    overdue=overdue, due_soon=due_soon, urgent=urgent, mine=mine,
                    approvals=tuple(approval_queue(db, actor)))


def _my_work(session: Session, actor: Actor, today: date) -> MyWork:
    owned = Complaint.owner_id == actor.user_id
    running = Complaint.status.in_(_RUNNING)

    def count(*where: ColumnElement[bool]) -> int:
        return int(session.scalar(select(func.count()).select_from(Complaint).where(owned, *where)) or 0)

    return MyWork(
        open=count(Complaint.status.not_in([s.value for s in FINISHED_STATES])),
        due_today=count(running, Complaint.due_on == today),
        overdue=count(running, Complaint.due_on < today),
        awaiting_callback=count(Complaint.status == Status.AWAITING_CALLBACK.value),
    )
