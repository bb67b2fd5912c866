"""The dashboard's figures: the trend per week or month, the Pareto of causes, cases and overdue share
per branch, the satisfaction trend, early warnings, the improvement actions and the prevention funnel
(grumbles, as ``desk_app.services.prevention`` computes them for the workbook), aggregated in the
database."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_, select

from desk_app.config import DEFAULT_TIMEZONE
from desk_app.db.models import Branch, Callback, Complaint
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Status
from desk_app.domain.workflow import STOPPED_STATES
from desk_app.reports.figures import ActionRow, ParetoRow, ratio
from desk_app.reports.prevention_figures import PreventionFunnel
from desk_app.reports.snapshot import read_snapshot
from desk_app.reports.sqlexpr import Dialect, count_if, local_midnight_utc
from desk_app.services.prevention import funnel_in
from desk_app.services.reference import label_for, taxonomy_codes
from desk_app.services.report_scope import ReportScope, counted, office_today, resolve_scope
from desk_app.services.statistics import PARETO_SIZE, improvement_actions

_RUNNING = tuple(s.value for s in Status if s not in STOPPED_STATES)


class Granularity(StrEnum):
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class DashboardQuery:
    date_from: date
    date_to: date
    branch_codes: tuple[str, ...] = ()
    granularity: Granularity = Granularity.MONTH
    timezone: str = DEFAULT_TIMEZONE
    baseline_periods: int = 8
    """Early warning: how many weeks/months before the latest one make a branch × cause's baseline."""
    warning_ratio: float = 2.0
    """Early warning when the latest count is at least this many times the baseline average …"""
    warning_min_cases: int = 5
    """… and at least this many cases (and well above the baseline's spread)."""

    def scope(self) -> ReportScope:
        return ReportScope(self.date_from, self.date_to, self.branch_codes, self.timezone)


@dataclass(frozen=True)
class TrendPoint:
    start: date
    end: date
    count: int


@dataclass(frozen=True)
class BranchBar:
    id: uuid.UUID
    code: str
    name: str
    count: int
    overdue: int
    """Cases of the period decided late or still open past their due date."""

    @property
    def overdue_share(self) -> float | None:
        return ratio(self.overdue, self.count)


@dataclass(frozen=True)
class SatisfactionPoint:
    start: date
    end: date
    average: float | None
    count: int


@dataclass(frozen=True)
class EarlyWarning:
    branch_code: str
    branch_name: str
    cause_code: str
    cause_name: str
    period_start: date
    count: int
    baseline_average: float
    baseline_max: int

    @property
    def ratio(self) -> float | None:
        return self.count / self.baseline_average if self.baseline_average else None


@dataclass(frozen=True)
class Dashboard:
    query: DashboardQuery
    scope_label: str
    today: date
    total: int
    trend: tuple[TrendPoint, ...]
    pareto: tuple[ParetoRow, ...]
    branches: tuple[BranchBar, ...]
    satisfaction: tuple[SatisfactionPoint, ...]
    warnings: tuple[EarlyWarning, ...]
    actions: tuple[ActionRow, ...]
    funnel: PreventionFunnel
    """Grumbles of the period: settled on the spot, turned into complaints, by branch and cause, and the causes
    rising among grumbles (against the previous period) beside their complaints."""


def bucket_start(day: date, granularity: Granularity) -> date:
    return day.replace(day=1) if granularity is Granularity.MONTH else day - timedelta(days=day.weekday())


def next_bucket(start: date, granularity: Granularity) -> date:
    if granularity is Granularity.WEEK:
        return start + timedelta(days=7)
    return date(start.year + (start.month == 12), start.month % 12 + 1, 1)


def buckets(date_from: date, date_to: date, granularity: Granularity) -> list[tuple[date, date]]:
    """(first day, last day) of each week/month touching the period, clipped to it."""
    out, start = [], bucket_start(date_from, granularity)
    while start <= date_to:
        following = next_bucket(start, granularity)
        out.append((max(start, date_from), min(following - timedelta(days=1), date_to)))
        start = following
    return out


def dashboard_data(db: Database, actor: Actor, query: DashboardQuery, today: date | None = None) -> Dashboard:
    """The dashboard's figures, aggregated in the database: the trend per week or month, the Pareto of
    causes, cases and overdue share per branch, the satisfaction trend (callback scores by the week or
    month of the call), early warnings (a branch × cause whose count in the latest week/month rises well
    above its own baseline) and the improvement actions."""
    today = today or office_today(query.timezone)
    g = query.granularity
    with read_snapshot(db) as session:
        resolved = resolve_scope(session, actor, query.scope())
        sql, c = Dialect.of(session, resolved.timezone, resolved.period.date_from), Complaint
        in_scope = resolved.condition()
        open_overdue = and_(c.status.in_(_RUNNING), c.due_on < today)
        bucket = sql.month_start if g is Granularity.MONTH else sql.week_start
        in_period = and_(in_scope, resolved.current)
        trend_counts = {_as_date(start): int(n) for start, n in session.execute(
            select(bucket(c.received_at), func.count()).where(in_period).group_by(bucket(c.received_at)))}
        late = or_(open_overdue, and_(c.responded_at.is_not(None), sql.local_date(c.responded_at) > c.due_on))
        branch_rows = session.execute(
            select(Branch.id, Branch.code, Branch.name, func.count(), count_if(late))
            .join(Branch, Branch.id == c.branch_id).where(in_period)
            .group_by(Branch.id, Branch.code, Branch.name).order_by(func.count().desc(), Branch.code)).all()
        cause_counts = {code: int(n) for code, n in session.execute(
            select(c.axis_c, func.count()).where(in_period).group_by(c.axis_c))}
        cb = Callback
        called_in_period = and_(cb.called_at >= resolved.start, cb.called_at < resolved.end)
        scores = {_as_date(start): (float(avg) if avg is not None else None, int(n)) for start, avg, n in
                  session.execute(select(bucket(cb.called_at), func.avg(cb.satisfaction), func.count())
                                  .join(c, c.id == cb.complaint_id)
                                  .where(in_scope, counted(), called_in_period, cb.satisfaction.is_not(None))
                                  .group_by(bucket(cb.called_at)))}
        latest = bucket_start(query.date_to, g)
        baseline_start = latest
        for _i in range(query.baseline_periods):
            baseline_start = bucket_start(baseline_start - timedelta(days=1), g)
        window = and_(c.received_at >= local_midnight_utc(baseline_start, query.timezone),
                      c.received_at < resolved.end, counted())
        series: dict[tuple[str, str], dict[date, int]] = defaultdict(dict)
        for code, cause, start, n in session.execute(
                select(Branch.code, c.axis_c, bucket(c.received_at), func.count())
                .join(Branch, Branch.id == c.branch_id).where(in_scope, window)
                .group_by(Branch.code, c.axis_c, bucket(c.received_at))):
            series[(code, cause)][_as_date(start)] = int(n)
        names = {code: name for code, name in session.execute(select(Branch.code, Branch.name))}
        taxonomy = taxonomy_codes(session)
        action_rows = improvement_actions(session, resolved, taxonomy, today)
        funnel = funnel_in(session, resolved)

    total = sum(trend_counts.values())
    trend = tuple(TrendPoint(a, b, trend_counts.get(bucket_start(a, g), 0)) for a, b in
                  buckets(query.date_from, query.date_to, g))
    satisfaction = tuple(SatisfactionPoint(a, b, *scores.get(bucket_start(a, g), (None, 0))) for a, b in
                         buckets(query.date_from, query.date_to, g))
    top = sorted(((code, n) for code, n in cause_counts.items()), key=lambda x: (-x[1], x[0]))[:PARETO_SIZE]
    pareto, running = [], 0
    for rank, (code, n) in enumerate(top, start=1):
        running += n
        node = taxonomy.get(code)
        pareto.append(ParetoRow(rank, code, label_for(node) if node else code, n, ratio(n, total),
                                ratio(running, total)))
    baseline_starts, start = [], baseline_start
    while start < latest:
        baseline_starts.append(start)
        start = next_bucket(start, g)
    warnings = []
    for (code, cause), counts in series.items():
        current = counts.get(latest, 0)
        history = [counts.get(s, 0) for s in baseline_starts]
        mean = sum(history) / len(history) if history else 0.0
        spread = (sum((h - mean) ** 2 for h in history) / len(history)) ** 0.5 if history else 0.0
        if current >= query.warning_min_cases and current >= query.warning_ratio * mean and current > mean + 2 * spread:
            node = taxonomy.get(cause)
            warnings.append(EarlyWarning(code, names.get(code, code), cause, label_for(node) if node else cause,
                                         latest, current, mean, max(history, default=0)))
    warnings.sort(key=lambda w: (-(w.count - w.baseline_average), w.branch_code, w.cause_code))
    return Dashboard(query=query, scope_label=resolved.label, today=today, total=total, trend=trend,
                     pareto=tuple(pareto),
                     branches=tuple(BranchBar(bid, code, name, int(n), int(o))
                                    for bid, code, name, n, o in branch_rows),
                     satisfaction=satisfaction, warnings=tuple(warnings), actions=action_rows, funnel=funnel)


def _as_date(value: Any) -> date:
    """Bucket starts come back as dates (typed columns), or as text from some SQLite expressions."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
