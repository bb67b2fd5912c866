"""The team page: figures per handler for a period, and each handler's open-case load for assigning.

Definitions: ``desk_app.domain.team_figures``.

Who sees what: supervisors and branch managers their branch, HQ analysts and HQ administrators every
branch or the one they choose (``Permission.REPORTS``).
"""

from __future__ import annotations

import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import Session

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

MAX_PERIOD_DAYS = 3660
_RUNNING = frozenset(s.value for s in Status if s not in STOPPED_STATES)
_FINISHED = frozenset(s.value for s in FINISHED_STATES)
_NO_DECISION = frozenset({Status.REFUSED.value, Status.WITHDRAWN.value})
_REOPENING = frozenset({Action.REOPEN.value, Action.APPLY_REVIEW.value})


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
    """A team's cases counted one by one: the counts by their CaseFigures name, the days to respond and the
    satisfaction scores for the median and the mean."""

    counts: Counter[str] = field(default_factory=Counter)
    days: list[float] = field(default_factory=list)
    scores: list[int] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        return {**self.counts, "median_days_to_respond": statistics.median(self.days) if self.days else None,
                "satisfaction": statistics.fmean(self.scores) if self.scores else None,
                "satisfaction_count": len(self.scores)}


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
    from desk_app.reports.sqlexpr import local_midnight_utc  # the reports package: not loaded at start-up

    scope = _within(Complaint.branch_id, branch_ids)
    week_end = today + timedelta(days=6 - today.weekday())
    start, end = local_midnight_utc(date_from, tz), local_midnight_utc(date_to + timedelta(days=1), tz)
    tallies: dict[uuid.UUID, _Tally] = defaultdict(_Tally)
    by_branch: dict[uuid.UUID, _Tally] = defaultdict(_Tally)
    unowned = _Tally()  # cases nobody owns yet count for their branch only
    for owner, branch, status, due in session.execute(
            select(Complaint.owner_id, Complaint.branch_id, Complaint.status, Complaint.due_on)
            .where(scope, Complaint.status.not_in(_FINISHED))):
        for t in (tallies[owner] if owner is not None else unowned, by_branch[branch]):
            t.counts["open_cases"] += 1
            if status in _RUNNING:
                t.counts["overdue"] += due < today
                t.counts["due_this_week"] += today <= due <= week_end
    period = session.execute(
        select(Complaint.id, Complaint.owner_id, Complaint.branch_id, Complaint.status, Complaint.due_on,
               Complaint.received_at, Complaint.responded_at)
        .where(scope, Complaint.received_at >= start, Complaint.received_at < end)).all()
    ids = [row.id for row in period]
    reopened = _reopened(session, [row.id for row in period if row.responded_at is not None])
    last_scores = _last_scores(session, ids)
    zone = ZoneInfo(tz)
    for row in period:
        for t in (tallies[row.owner_id] if row.owner_id is not None else unowned, by_branch[row.branch_id]):
            t.counts["period_cases"] += 1
            decided = row.responded_at is not None
            if decided or (row.due_on < today and row.status not in _NO_DECISION):
                t.counts["needed_decision"] += 1
            if decided:
                t.counts["decided"] += 1
                t.counts["decided_on_time"] += row.responded_at.astimezone(zone).date() <= row.due_on
                t.days.append((row.responded_at - row.received_at).total_seconds() / 86400)
                t.counts["reopened"] += row.id in reopened
            if row.id in last_scores:
                t.scores.append(last_scores[row.id])
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


def _reopened(session: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Cases among ``ids`` re-opened or taken to review after their decision."""
    found: set[uuid.UUID] = set()
    action = ComplaintEvent.payload["action"].as_string()  # filtered in SQL: no payload is decoded
    for chunk in range(0, len(ids), 500):
        found.update(session.scalars(
            select(ComplaintEvent.complaint_id)
            .where(ComplaintEvent.kind == EventKind.STATUS_CHANGED.value,
                   ComplaintEvent.complaint_id.in_(ids[chunk:chunk + 500]), action.in_(sorted(_REOPENING)))))
    return found


def _last_scores(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The last scored callback of each case among ``ids``."""
    scores: dict[uuid.UUID, tuple[datetime, int]] = {}
    for chunk in range(0, len(ids), 500):
        for cid, at, score in session.execute(
                select(Callback.complaint_id, Callback.called_at, Callback.satisfaction)
                .where(Callback.satisfaction.is_not(None), Callback.complaint_id.in_(ids[chunk:chunk + 500]))):
            if cid not in scores or at >= scores[cid][0]:
                scores[cid] = (at, int(score or 0))
    return {cid: score for cid, (_at, score) in scores.items()}


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
