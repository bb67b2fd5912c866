"""The start page's figures: cases by status, overdue and due-soon counts, the most urgent open cases, and the
work queues (cases to assign, overdue cases; the approvals come from desk_app.services.approvals).

Scope: a branch's own cases; HQ analysts and headquarters administrators see every branch. "Overdue" and "due
soon" only count cases whose statutory clock is still running (workflow.STOPPED_STATES excluded): a
case that has been answered on time is not overdue while it waits for its callback.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from desk_app.db.models import Branch, Complaint, Customer, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Severity, Status
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.validation import mask_name
from desk_app.domain.workflow import FINISHED_STATES, STOPPED_STATES
from desk_app.services.access import sees_all_branches
from desk_app.services.approvals import PendingApproval, approval_queue

DUE_SOON_DAYS = 2
URGENT_LIMIT = 50
#: Rows each work queue shows (its count says how many there are in all).
QUEUE_LIMIT = 50
#: The count of cases to assign stops here (shown as "1000+"): counting a big backlog exactly costs more than
#: it tells.
QUEUE_COUNT_CAP = 1000
#: The states in which a case without a handler waits to be assigned: ``case_workflow.ASSIGNABLE`` (not
#: imported: the overview is on the first window, the workflow module loads with the first case opened).
ASSIGNABLE = frozenset({Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.UNDER_REVIEW})
_ASSIGNABLE = tuple(sorted(s.value for s in ASSIGNABLE))
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
class QueueCase:
    """A row of a work queue (cases to assign, overdue cases)."""

    complaint_id: uuid.UUID
    case_number: str
    branch_code: str
    received_at: datetime
    customer_name: str
    """Masked, as in the urgent list."""
    status: Status
    severity: Severity
    owner_name: str
    """Empty when nobody handles the case."""
    due_on: date
    days_left: int


@dataclass(frozen=True)
class WorkQueues:
    """What waits for a supervisor's hand: cases nobody handles yet (oldest first) and overdue cases (most
    overdue first), each at most ``QUEUE_LIMIT`` rows with the full count beside."""

    to_assign: tuple[QueueCase, ...] = ()
    to_assign_count: int = 0
    """How many wait, at most ``QUEUE_COUNT_CAP``."""
    overdue: tuple[QueueCase, ...] = ()
    handlers_may_take: bool = True
    """The rule of the actor's own branch (``Branch.handlers_may_take``)."""


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
    queues: WorkQueues = field(default_factory=WorkQueues)

    @property
    def total(self) -> int:
        """Every case but the duplicates merged into their main case (the complaint counts once)."""
        return sum(n for status, n in self.counts.items() if status is not Status.MERGED)

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
        queues = _queues(session, actor, today)
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
                    approvals=tuple(approval_queue(db, actor)), queues=queues)


def work_queues(db: Database, actor: Actor, today: date) -> WorkQueues:
    """Only the work queues of ``actor``'s scope as of ``today`` (the office's local date)."""
    with db.unit_of_work() as session:
        return _queues(session, actor, today)


def _queue_rows(session: Session, today: date, where: Sequence[ColumnElement[bool]],
                order: Sequence[InstrumentedAttribute[Any]]) -> tuple[QueueCase, ...]:
    rows = session.execute(
        select(Complaint.id, Complaint.case_number, Branch.code, Complaint.received_at, Customer.name,
               Complaint.status, Complaint.severity, User.display_name, Complaint.due_on)
        .join(Customer, Customer.id == Complaint.customer_id)
        .join(Branch, Branch.id == Complaint.branch_id)
        .outerjoin(User, User.id == Complaint.owner_id)
        .where(*where).order_by(*order).limit(QUEUE_LIMIT)).all()
    return tuple(QueueCase(complaint_id=cid, case_number=number, branch_code=code, received_at=received,
                           customer_name=mask_name(name), status=Status(status), severity=Severity(severity),
                           owner_name=owner or "", due_on=due, days_left=(due - today).days)
                 for cid, number, code, received, name, status, severity, owner, due in rows)


def assigns_cases(actor: Actor) -> bool:
    """Who sees the cases nobody handles: a branch's supervisors and managers (they assign), and its handlers
    (they may take them when the branch allows it). Headquarters does not assign a branch's cases."""
    return not sees_all_branches(actor) and (has_permission(actor.role, Permission.ASSIGN)
                                             or has_permission(actor.role, Permission.HANDLE_CASE))


def watches_overdue(actor: Actor) -> bool:
    """Who gets the list of overdue cases with their handlers: a branch's supervisors and managers, who act on
    it (headquarters follows the urgent list, which starts with the overdue cases of every branch)."""
    return has_permission(actor.role, Permission.ASSIGN) and not sees_all_branches(actor)


def _queues(session: Session, actor: Actor, today: date) -> WorkQueues:
    """Only the queues ``actor`` gets (a clerk's overview reads none). Cases to assign come oldest first by
    the (owner, branch, received) index: over 1,000,000 cases a branch's oldest 50 are read in milliseconds;
    their count stops at ``QUEUE_COUNT_CAP``."""
    scope = _in_scope(actor)
    to_assign: tuple[QueueCase, ...] = ()
    to_assign_count = 0
    if assigns_cases(actor):
        unassigned = (scope, Complaint.owner_id.is_(None), Complaint.status.in_(_ASSIGNABLE))
        capped = select(Complaint.id).where(*unassigned).limit(QUEUE_COUNT_CAP).subquery()
        to_assign_count = int(session.scalar(select(func.count()).select_from(capped)) or 0)
        to_assign = _queue_rows(session, today, unassigned, (Complaint.received_at,))
    overdue: tuple[QueueCase, ...] = ()
    if watches_overdue(actor):
        overdue = _queue_rows(session, today, (scope, Complaint.status.in_(_RUNNING), Complaint.due_on < today),
                              (Complaint.due_on, Complaint.received_at, Complaint.case_number))
    may_take = bool(session.scalar(select(Branch.handlers_may_take).where(Branch.id == actor.branch_id)))
    return WorkQueues(to_assign=to_assign, to_assign_count=to_assign_count, overdue=overdue,
                      handlers_may_take=may_take)


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
