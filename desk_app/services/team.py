"""The team page: figures per handler for a period, and each handler's open-case load for assigning.

Definitions: ``desk_app.domain.team_figures``.

Who sees what: supervisors and branch managers their branch, HQ analysts and HQ administrators every
branch or the one they choose (``Permission.REPORTS``).
"""

from __future__ import annotations

import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from desk_app.config import DEFAULT_TIMEZONE
from desk_app.db.models import Branch, Callback, Complaint, ComplaintEvent, User
from desk_app.db.models.quality import QualitySample
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role, Status
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.team_figures import BranchFigures, HandlerFigures
from desk_app.domain.timeline import EventKind
from desk_app.domain.workflow import FINISHED_STATES, STOPPED_STATES, Action
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.services.access import require, require_branch, sees_all_branches
from desk_app.services.report_scope import counted

MAX_PERIOD_DAYS = 3660
_RUNNING = frozenset(s.value for s in Status if s not in STOPPED_STATES)
_FINISHED = frozenset(s.value for s in FINISHED_STATES)
_NO_DECISION = frozenset({Status.REFUSED.value, Status.WITHDRAWN.value})
_REOPENING = frozenset({Action.REOPEN.value, Action.APPLY_REVIEW.value})
MS_PER_DAY = 86_400_000


@dataclass(frozen=True)
class TeamFigures:
    date_from: date
    date_to: date
    today: date
    all_branches: bool
    rows: tuple[HandlerFigures, ...] = field(default_factory=tuple)
    branches: tuple[BranchFigures, ...] = field(default_factory=tuple)
    """The same figures per branch (head office compares branches); cases without an owner count here too."""


@dataclass(frozen=True)
class HandlerLoad:
    user_id: uuid.UUID
    open_cases: int
    overdue: int


@dataclass
class _Tally:
    """A team's counts by their CaseFigures name, the milliseconds from receipt to decision (for the
    median) and the sum and number of the satisfaction scores (for the mean)."""

    counts: Counter[str] = field(default_factory=Counter)
    decision_ms: list[int] = field(default_factory=list)
    score_sum: int = 0

    def figures(self) -> dict[str, Any]:
        scored = self.counts["satisfaction_count"]
        return {**self.counts,
                "median_days_to_respond": statistics.median(self.decision_ms) / MS_PER_DAY if self.decision_ms
                else None,
                "satisfaction": self.score_sum / scored if scored else None}


def _office_tz(session: Session, actor: Actor) -> str:
    return session.scalar(select(Branch.timezone).where(Branch.id == actor.branch_id)) or DEFAULT_TIMEZONE


def _within(column: Any, branch_ids: Collection[uuid.UUID] | None) -> ColumnElement[bool]:
    return true() if branch_ids is None else column.in_(list(branch_ids))


def team_figures(db: Database, actor: Actor, date_from: date, date_to: date, branch_id: uuid.UUID | None = None,
                 today: date | None = None) -> TeamFigures:
    """Figures per handler of ``actor``'s branch (HQ: every branch, or ``branch_id``) for the period."""
    require(actor, Permission.REPORTS)
    if date_from > date_to:
        raise ValidationError(_("The period starts after it ends."), "date_from")
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        raise ValidationError(_("The period may cover at most ten years."), "date_to")
    branch_ids: tuple[uuid.UUID, ...] | None = (actor.branch_id,)
    if branch_id is not None:
        require_branch(actor, branch_id)
        branch_ids = (branch_id,)
    elif sees_all_branches(actor):
        branch_ids = None
    with db.unit_of_work() as session:
        tz = _office_tz(session, actor)
        today = today or utcnow().astimezone(ZoneInfo(tz)).date()
        rows, branches = figures_of(session, branch_ids, date_from, date_to, tz, today)
    return TeamFigures(date_from, date_to, today, branch_id is None and sees_all_branches(actor), rows, branches)


def figures_of(session: Session, branch_ids: Collection[uuid.UUID] | None, date_from: date, date_to: date,
               tz: str, today: date) -> tuple[tuple[HandlerFigures, ...], tuple[BranchFigures, ...]]:
    """The figures per handler and per branch of ``branch_ids`` (None: every branch) for the period, as of
    ``today`` on the calendar of ``tz`` (the team page, and the team sheet of the statistics workbook)."""
    tallies: dict[uuid.UUID, _Tally] = defaultdict(_Tally)
    by_branch: dict[uuid.UUID, _Tally] = defaultdict(_Tally)
    for owner, branch, counts, durations, score_sum in _grouped_counts(session, branch_ids, date_from, date_to,
                                                                       tz, today):
        # cases nobody owns yet count for their branch only
        for t in ([tallies[owner]] if owner is not None else []) + [by_branch[branch]]:
            t.counts.update(counts)
            t.decision_ms += durations
            t.score_sum += score_sum
    branch_rows = session.execute(
        select(Branch.id, Branch.name, Branch.code, Branch.is_headquarters)
        .where(_within(Branch.id, branch_ids)).order_by(Branch.code)).all()
    users = session.execute(
        select(User.id, User.display_name, User.role, User.active, Branch.code)
        .join(Branch, Branch.id == User.branch_id)
        .where(_within(User.branch_id, branch_ids))
        .order_by(Branch.code, User.display_name)).all()
    inspected = (QualitySample.total.is_not(None), QualitySample.month >= f"{date_from:%Y-%m}",
                 QualitySample.month <= f"{date_to:%Y-%m}")
    quality = {handler: (float(mean), int(n)) for handler, mean, n in session.execute(
        select(QualitySample.handler_id, func.avg(QualitySample.total), func.count())
        .where(*inspected).group_by(QualitySample.handler_id))}
    branch_quality = {branch: (float(mean), int(n)) for branch, mean, n in session.execute(
        select(QualitySample.branch_id, func.avg(QualitySample.total), func.count())
        .where(*inspected).group_by(QualitySample.branch_id))}
    rows = []
    handlers: dict[str, int] = defaultdict(int)
    for uid, name, role, active, code in users:
        if uid not in tallies and not (active and has_permission(Role(role), Permission.HANDLE_CASE)):
            continue
        handlers[code] += 1
        score, count = quality.get(uid, (None, 0))
        rows.append(HandlerFigures(user_id=uid, name=name, branch_code=code, role=Role(role),
                                   **tallies.get(uid, _Tally()).figures(), quality_score=score, quality_count=count))
    branches = tuple(BranchFigures(branch_id=bid, name=name, branch_code=code, handlers=handlers[code],
                                   **by_branch[bid].figures(), quality_score=branch_quality.get(bid, (None, 0))[0],
                                   quality_count=branch_quality.get(bid, (None, 0))[1])
                     for bid, name, code, hq in branch_rows if bid in by_branch or (handlers[code] and not hq))
    return tuple(rows), branches


def _grouped_counts(session: Session, branch_ids: Collection[uuid.UUID] | None, date_from: date, date_to: date,
                    tz: str, today: date) -> Iterator[tuple[uuid.UUID | None, uuid.UUID, Counter[str], list[int], int]]:
    """(owner, branch, counts, milliseconds to decision, sum of the last scores) per owner and branch, counted
    in the database (a million cases are not loaded): the open cases, then the period's cases."""
    from desk_app.reports.sqlexpr import (  # the reports package: not loaded at start-up
        Dialect,
        count_if,
        joined,
        joined_ints,
        local_midnight_utc,
    )

    c, sql = Complaint, Dialect.of(session, tz, date_from)
    scope = _within(c.branch_id, branch_ids)
    running = c.status.in_(_RUNNING)
    week_end = today + timedelta(days=6 - today.weekday())
    for owner, branch, n, overdue, this_week in session.execute(
            select(c.owner_id, c.branch_id, func.count(), count_if(and_(running, c.due_on < today)),
                   count_if(and_(running, c.due_on >= today, c.due_on <= week_end)))
            .where(scope, c.status.not_in(_FINISHED)).group_by(c.owner_id, c.branch_id)):
        yield owner, branch, Counter(open_cases=n, overdue=overdue, due_this_week=this_week), [], 0
    decided = c.responded_at.is_not(None)
    action = ComplaintEvent.payload["action"].as_string()  # filtered in SQL: no payload is decoded
    reopened = exists().where(ComplaintEvent.complaint_id == c.id,
                              ComplaintEvent.kind == EventKind.STATUS_CHANGED.value, action.in_(sorted(_REOPENING)))
    cb, later = Callback, aliased(Callback)
    newer = exists().where(later.complaint_id == cb.complaint_id, later.satisfaction.is_not(None),
                           or_(later.called_at > cb.called_at, and_(later.called_at == cb.called_at, later.id > cb.id)))
    last_score = (select(func.max(cb.satisfaction)).where(cb.complaint_id == c.id, cb.satisfaction.is_not(None), ~newer)
                  .correlate(c).scalar_subquery())
    for (owner, branch, n, needed, n_decided, on_time, n_reopened, ms, scored,
         score_sum) in session.execute(
            select(c.owner_id, c.branch_id, func.count(),
                   count_if(or_(decided, and_(c.due_on < today, c.status.not_in(_NO_DECISION)))),
                   func.count(c.responded_at), count_if(and_(decided, sql.local_date(c.responded_at) <= c.due_on)),
                   count_if(and_(decided, reopened)),
                   joined(sql.text(sql.milliseconds_between(c.received_at, c.responded_at))),
                   func.count(last_score), func.coalesce(func.sum(last_score), 0))
            .where(scope, c.received_at >= local_midnight_utc(date_from, tz),
                   c.received_at < local_midnight_utc(date_to + timedelta(days=1), tz), counted())
            .group_by(c.owner_id, c.branch_id)):
        yield owner, branch, Counter(period_cases=n, needed_decision=needed, decided=n_decided,
                                     decided_on_time=on_time, reopened=n_reopened,
                                     satisfaction_count=scored), joined_ints(ms, n_decided), int(score_sum)


def handler_loads(db: Database, actor: Actor, branch_id: uuid.UUID) -> list[HandlerLoad]:
    """Open and overdue cases of each owner in ``branch_id`` (the assign dialog shows them next to the names)."""
    require(actor, Permission.VIEW_CASE)
    require_branch(actor, branch_id)
    with db.unit_of_work() as session:
        today = utcnow().astimezone(ZoneInfo(_office_tz(session, actor))).date()
        rows = session.execute(
            select(Complaint.owner_id, func.count(),
                   func.coalesce(func.sum(case((and_(Complaint.status.in_(list(_RUNNING)), Complaint.due_on < today),
                                                1), else_=0)), 0))
            .where(Complaint.branch_id == branch_id, Complaint.owner_id.is_not(None),
                   Complaint.status.not_in(_FINISHED))
            .group_by(Complaint.owner_id)).all()
    return [HandlerLoad(owner, int(n), int(late)) for owner, n, late in rows]
