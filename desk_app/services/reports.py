"""Reports for branches and headquarters: the statistics workbook, the case-by-case detail export and
the dashboard figures.

Figures are aggregated in the database, never by loading cases: the statistics read each branch's
cases of a period once, from a covering index, into one row of counts and concatenated codes that
Python counts (SQLite sorts every row of a GROUP BY; this does not sort), and read the outcomes
(resolutions, callbacks, root causes) in case-id order, so a million cases take seconds.
Definitions (also written into the workbook's "Definitions" sheet):

- period: cases *received* from ``date_from`` to ``date_to`` inclusive, on the office's local calendar;
  the previous period is the same number of whole months before (when the period is whole months,
  e.g. a quarter) or else the same number of days before;
- decided on time: the decision was communicated (responded_at) on or before the due date; the
  on-time rate divides by the cases that needed a decision by the report day (decided, or past
  their due date; refused and withdrawn cases need none);
- median days to first contact / to decision: from receipt, in days (fractions kept);
- satisfaction: the last scored callback of each case;
- repeat complaint: the customer had complained before (an earlier case, any branch);
- upheld rate and compensation: approved resolutions only;
- open overdue: the statutory clock still runs (not responded, closed, refused or withdrawn) and the
  due date is before the report day.

Scope: staff see their own branch; HQ analysts and HQ administrators every branch
(``desk_app.services.access``). Who may run reports: supervisors, branch managers, HQ analysts and
administrators (``Permission.REPORTS``). Personal data in the detail export (ID number, phone, e-mail,
address) is masked unless the caller asks for it *and* the user's role is supervisor, branch manager
or administrator (``Permission.EXPORT_PERSONAL_DATA``); HQ analysts always get masked data.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, bindparam, case, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from desk_app.config import DEFAULT_TIMEZONE
from desk_app.db.models import (
    Branch,
    Callback,
    Complaint,
    ImprovementAction,
    ReferenceItem,
    Resolution,
    RootCause,
    TaxonomyCode,
    User,
    improvement_action_cases,
)
from desk_app.db.models.complaints import FLAG_COLUMNS
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import (
    ActionState,
    Channel,
    IdType,
    InstitutionType,
    RootCauseLevel,
    SpecialFlag,
    Status,
)
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.reference import axis_label
from desk_app.domain.workflow import FINISHED_STATES, STOPPED_STATES
from desk_app.errors import PermissionDeniedError, UserError, ValidationError
from desk_app.files import disk_full_error, is_disk_full
from desk_app.i18n import _
from desk_app.reports.detail import (
    Labels,
    LocalClock,
    case_rows_query,
    detail_columns,
    record_sections,
    render_case_row,
)
from desk_app.reports.figures import (
    ActionRow,
    BranchRow,
    GroupRow,
    ParetoRow,
    Period,
    RootCauseRow,
    Statistics,
    Summary,
    ratio,
)
from desk_app.reports.records import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_SHEET,
    RECORDS_CONTENT_TYPE,
    RECORDS_PART,
    RECORDS_RELATIONSHIP,
)
from desk_app.reports.records_db import RecordsFileJob
from desk_app.reports.snapshot import read_snapshot, read_snapshots
from desk_app.reports.sqlexpr import (
    JOIN_SEPARATOR,
    Dialect,
    count_joined,
    driving_join,
    joined,
    local_midnight_utc,
)
from desk_app.reports.xlsx_common import atomic_path
from desk_app.reports.xlsx_stream import StreamingWorkbook
from desk_app.services import audit
from desk_app.services.access import can_see_branch, require, sees_all_branches
from desk_app.services.reference import label_for
from desk_app.signing import signed_rows

MAX_PERIOD_DAYS = 3660
PARETO_SIZE = 10

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]

_RUNNING = tuple(s.value for s in Status if s not in STOPPED_STATES)
_FINISHED = tuple(s.value for s in FINISHED_STATES)
_NO_DECISION = (Status.REFUSED.value, Status.WITHDRAWN.value)


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: cases received in ``date_from``…``date_to`` (inclusive, local dates) at
    the branches named by code (none = every branch the user may see)."""

    date_from: date
    date_to: date
    branch_codes: tuple[str, ...] = ()
    timezone: str = DEFAULT_TIMEZONE


def may_see_personal_data(actor: Actor) -> bool:
    return has_permission(actor.role, Permission.EXPORT_PERSONAL_DATA)


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """Whole months → the same number of months before (quarter on quarter); else as many days before."""
    if date_from.day == 1 and (date_to + timedelta(days=1)).day == 1:
        months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
        index = date_from.year * 12 + date_from.month - 1 - months
        return date(index // 12, index % 12 + 1, 1), date_from - timedelta(days=1)
    length = (date_to - date_from).days + 1
    previous_to = date_from - timedelta(days=1)
    return previous_to - timedelta(days=length - 1), previous_to


@dataclass(frozen=True)
class ResolvedScope:
    """A scope checked against the user's rights, with the UTC bounds of both periods."""

    period: Period
    timezone: str
    branch_ids: tuple[uuid.UUID, ...] | None
    """None = every branch."""
    branches: tuple[tuple[uuid.UUID, str, str, str], ...]
    """(id, code, name, institution type) of the branches listed in the report."""
    start: datetime
    end: datetime
    previous_start: datetime
    label: str

    def condition(self, column: Any = Complaint.branch_id) -> ColumnElement[bool]:
        return true() if self.branch_ids is None else column.in_(self.branch_ids)

    @property
    def current(self) -> ColumnElement[bool]:
        return and_(Complaint.received_at >= self.start, Complaint.received_at < self.end)

    @property
    def previous(self) -> ColumnElement[bool]:
        return and_(Complaint.received_at >= self.previous_start, Complaint.received_at < self.start)

    @property
    def both(self) -> ColumnElement[bool]:
        return and_(Complaint.received_at >= self.previous_start, Complaint.received_at < self.end)


def report_scope(resolved: ResolvedScope) -> dict[str, object]:
    """The scope of a report or export as its audit entry records it."""
    return {"branches": "all" if resolved.branch_ids is None else [code for _i, code, _n, _k in resolved.branches],
            "from": resolved.period.date_from, "to": resolved.period.date_to}


def resolve_scope(session: Session, actor: Actor, scope: ReportScope) -> ResolvedScope:
    """Check the period and the branches against the user's rights (PermissionDeniedError,
    ValidationError) and compute the UTC bounds."""
    require(actor, Permission.REPORTS)
    if scope.date_from > scope.date_to:
        raise ValidationError(_("The period starts after it ends."), "date_from")
    if (scope.date_to - scope.date_from).days > MAX_PERIOD_DAYS:
        raise ValidationError(_("The period may cover at most ten years."), "date_to")
    try:
        ZoneInfo(scope.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: {tz}").format(tz=scope.timezone), "timezone") from exc
    rows = session.execute(select(Branch.id, Branch.code, Branch.name, Branch.institution_type, Branch.active,
                                  Branch.is_headquarters).order_by(Branch.code)).all()
    by_code = {row.code.upper(): row for row in rows}
    branch_ids: tuple[uuid.UUID, ...] | None
    if scope.branch_codes:
        chosen = []
        for code in dict.fromkeys(c.strip().upper() for c in scope.branch_codes if c.strip()):
            row = by_code.get(code)
            if row is None:
                raise ValidationError(_("There is no branch with the code {code}.").format(code=code), "branch")
            if not can_see_branch(actor, row.id):
                raise PermissionDeniedError(
                    _("You may not see the figures of branch {code}.").format(code=row.code))
            chosen.append(row)
        branch_ids = tuple(row.id for row in chosen)
        label = _("Branches: {codes}").format(codes=", ".join(row.code for row in chosen))
    elif sees_all_branches(actor):
        chosen = [row for row in rows if row.active and not row.is_headquarters]
        branch_ids = None
        label = _("All branches")
    else:
        chosen = [row for row in rows if row.id == actor.branch_id]
        branch_ids = (actor.branch_id,)
        label = _("Branch {code}").format(code=actor.branch_code)
    previous_from, previous_to = previous_period(scope.date_from, scope.date_to)
    tz = scope.timezone
    return ResolvedScope(
        period=Period(scope.date_from, scope.date_to, previous_from, previous_to), timezone=tz,
        branch_ids=branch_ids,
        branches=tuple((row.id, row.code, row.name, row.institution_type) for row in chosen),
        start=local_midnight_utc(scope.date_from, tz),
        end=local_midnight_utc(scope.date_to + timedelta(days=1), tz),
        previous_start=local_midnight_utc(previous_from, tz), label=label)


def office_today(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


# ---- statistics ---------------------------------------------------------------------------------

def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_DIMENSIONS = ("channel", "severity", "flag", "A", "B", "C", "D")
# The outcome code of a case (_StatisticsQuery._case_code), one character per case in a tally: the bits
# say what the deadline figures and the flag breakdown need to know of the case.
_NO_DECISION_BIT, _FINISHED_BIT, _RUNNING_BIT = 1, 2, 4
_DECIDED_BIT, _PAST_DUE_BIT, _ON_DAY_BIT = 8, 16, 32
_FLAG_BITS = {flag: 64 << i for i, flag in enumerate(FLAG_COLUMNS)}
_CODE_BASE = 48
"""Codes are shifted to printable characters (SQLite's char(), PostgreSQL's chr())."""
MS_PER_DAY = 86_400_000


def _ints(text: str | None, n: int) -> list[int]:
    return list(map(int, text.split(JOIN_SEPARATOR))) if n and text is not None else []


def _median_days(values: list[int]) -> float | None:
    """The median of durations in milliseconds, in days (the mean of the middle two for an even count).
    Sorts ``values`` in place."""
    if not values:
        return None
    values.sort()
    middle = len(values) // 2
    ms = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    return ms / MS_PER_DAY


@dataclass
class _Durations:
    """Milliseconds from receipt to first contact (all cases) and to decision (per branch) of the
    period's cases, for the medians: exact, sorted in Python (SQL has no portable median)."""

    first_contact: list[int] = field(default_factory=list)
    decision: dict[uuid.UUID, list[int]] = field(default_factory=dict)

    def add(self, branch_id: uuid.UUID, row: Any) -> None:
        """``row``: the count and joined durations to first contact, then to decision."""
        self.first_contact += _ints(row[1], int(row[0]))
        self.decision[branch_id] = _ints(row[3], int(row[2]))

    def medians(self) -> tuple[float | None, float | None, dict[uuid.UUID, float]]:
        """Median days to first contact, to decision, and to decision per branch."""
        per_branch = {b: m for b, values in self.decision.items() if (m := _median_days(values)) is not None}
        every = [v for values in self.decision.values() for v in values]  # sorted runs: a quick merge
        return _median_days(self.first_contact), _median_days(every), per_branch


class _StatisticsQuery:
    """The aggregate queries of one statistics report, inside one session."""

    def __init__(self, session: Session, scope: ResolvedScope, today: date) -> None:
        self.session, self.scope, self.today = session, scope, today
        self.sql = Dialect.of(session, scope.timezone, scope.period.date_from)
        self.in_scope = scope.condition()
        c = Complaint
        self.open_overdue = and_(c.status.in_(_RUNNING), c.due_on < today)  # for the dashboard

    def _case_code(self) -> ColumnElement[int]:
        """The outcome code of a case (the _BIT constants): its state class, decided, past its due
        date, decided by its due date (office-local day), and its special flags."""
        c = Complaint
        state_bits = {s.value: (_NO_DECISION_BIT * (s.value in _NO_DECISION)
                                + _FINISHED_BIT * (s.value in _FINISHED)
                                + _RUNNING_BIT * (s.value in _RUNNING)) for s in Status}
        code: ColumnElement[int] = case({k: v for k, v in state_bits.items() if v}, value=c.status, else_=0)
        decided = c.responded_at.is_not(None)
        for condition, bit in ((decided, _DECIDED_BIT), (c.due_on < self.today, _PAST_DUE_BIT),
                               (and_(decided, self.sql.local_date(c.responded_at) <= c.due_on), _ON_DAY_BIT),
                               *((getattr(c, FLAG_COLUMNS[f]), b) for f, b in _FLAG_BITS.items())):
            code = code + case((condition, bit), else_=0)
        return code

    def _tally_statement(self, outcomes: bool) -> Any:
        """One branch's cases of one period (parameters branch_id, start, end), read once from the
        covering index ix_complaints_branch_report into a single row: the count, the codes of each
        breakdown joined into texts, the outcome code of each case as one character; with ``outcomes``
        also the repeat complaints (one index probe per case) and the durations for the medians."""
        c = Complaint
        columns: list[Any] = [func.count(), func.count(c.axis_d), joined(c.channel), joined(c.severity),
                              joined(c.axis_a), joined(c.axis_b), joined(c.axis_c), joined(c.axis_d),
                              func.aggregate_strings(self.sql.char(self._case_code() + _CODE_BASE), "")]
        if outcomes:
            earlier = aliased(Complaint)
            repeat = exists().where(earlier.customer_id == c.customer_id, earlier.received_at < c.received_at)
            columns += [_flag(repeat),
                        func.count(c.first_contact_at),
                        joined(self.sql.text(self.sql.milliseconds_between(c.received_at, c.first_contact_at))),
                        func.count(c.responded_at),
                        joined(self.sql.text(self.sql.milliseconds_between(c.received_at, c.responded_at)))]
        return select(*columns).where(c.branch_id == bindparam("branch_id"), c.received_at >= bindparam("start"),
                                      c.received_at < bindparam("end"))

    def _branch_ids(self) -> list[uuid.UUID]:
        if self.scope.branch_ids is not None:
            return list(self.scope.branch_ids)
        return list(self.session.scalars(select(Branch.id).order_by(Branch.code)))

    def base_counts(self) -> tuple[dict[uuid.UUID, dict[str, Any]], dict[str, dict[Any, tuple[int, int]]],
                                   _Durations]:
        """Every count of the cases themselves, by branch and by breakdown, and their durations: one
        read of each branch's cases of each period (``_tally_statement``), no sort."""
        s = self.scope
        conn = self.session.connection()
        figures: dict[uuid.UUID, dict[str, Any]] = {}
        dims: dict[str, dict[Any, list[int]]] = {k: defaultdict(lambda: [0, 0]) for k in _DIMENSIONS}
        durations = _Durations()
        current, previous = self._tally_statement(outcomes=True), self._tally_statement(outcomes=False)
        for branch_id in self._branch_ids():
            now = conn.execute(current, {"branch_id": branch_id, "start": s.start, "end": s.end}).one()
            before = conn.execute(previous, {"branch_id": branch_id, "start": s.previous_start, "end": s.start}).one()
            if not now[0] and not before[0]:
                continue
            f: dict[str, Any] = defaultdict(int)
            figures[branch_id] = f
            for index, row in ((0, now), (1, before)):
                self._add_tally(row, index, f, dims)
            f["repeat"] = int(now[9])
            durations.add(branch_id, now[10:])
        return figures, {k: {key: (v[0], v[1]) for key, v in d.items()} for k, d in dims.items()}, durations

    def _add_tally(self, row: Any, index: int, f: dict[str, Any], dims: dict[str, dict[Any, list[int]]]) -> None:
        """Add one tally row (``_tally_statement``) to a branch's figures (``index`` 0: this period,
        1: the previous one) and to the breakdowns."""
        n, with_d = int(row[0]), int(row[1])
        f["previous" if index else "count"] += n
        for dim, text, items in zip(("channel", "severity", "A", "B", "C", "D"), row[2:8],
                                    (n, n, n, n, n, with_d), strict=True):
            for code, cases in count_joined(text, items).items():
                dims[dim][code][index] += cases
        for char, cases in Counter(row[8] or "").items():
            outcome = ord(char) - _CODE_BASE
            flags = [flag.value for flag, bit in _FLAG_BITS.items() if outcome & bit]
            for flag in flags + (["any"] if flags else []):
                dims["flag"][flag][index] += cases
            if index == 0:
                self._add_outcome(outcome, cases, f)

    def _add_outcome(self, code: int, cases: int, f: dict[str, Any]) -> None:
        """The deadline figures of ``cases`` cases with outcome ``code`` (definitions: module docstring)."""
        decided, past_due = bool(code & _DECIDED_BIT), bool(code & _PAST_DUE_BIT)
        due = not code & _NO_DECISION_BIT and (decided or past_due)
        f["due"] += cases * due
        f["on_time"] += cases * (due and decided and bool(code & _ON_DAY_BIT))
        f["overdue"] += cases * (bool(code & _RUNNING_BIT) and past_due)
        f["finished"] += cases * bool(code & _FINISHED_BIT)
        f["decided"] += cases * decided

    def _case_of(self, complaint_id: Any) -> ColumnElement[bool]:
        """The outcome belongs to a case of the period in scope (matched through ix_complaints_id_branch_received)."""
        return and_(Complaint.id == complaint_id, self.in_scope, self.scope.current)

    def branch_figures(self) -> tuple[
            dict[uuid.UUID, dict[str, Any]], dict[str, dict[Any, tuple[int, int]]], _Durations]:
        """``base_counts`` plus the outcomes: the last satisfaction score of each case, and the approved
        resolutions (judged, upheld, compensation). Outcomes are read in case-id order from their own
        covering indexes, each matched to its case by one probe (DrivingJoin keeps that order)."""
        c = Complaint
        figures, dims, durations = self.base_counts()
        cb, later = Callback, aliased(Callback)
        newer = exists().where(later.complaint_id == cb.complaint_id, later.satisfaction.is_not(None),
                               or_(later.called_at > cb.called_at, and_(later.called_at == cb.called_at,
                                                                        later.id > cb.id)))
        for branch_id, score, n in self.session.execute(  # the last scored callback of each case
                select(c.branch_id, cb.satisfaction, func.count())
                .select_from(driving_join(cb, c, self._case_of(cb.complaint_id)))
                .where(cb.satisfaction.is_not(None), ~newer)
                .group_by(c.branch_id, cb.satisfaction)):
            figures[branch_id].setdefault("scores", defaultdict(int))[int(score or 0)] += int(n)
        outcome = self._resolution_outcome()
        for branch_id, judged, upheld, amount, paid_cases in self.session.execute(
                select(c.branch_id, func.sum(outcome.c.judged), func.sum(outcome.c.upheld),
                       func.sum(outcome.c.amount), _flag(outcome.c.amount > 0))
                .select_from(driving_join(outcome, c, self._case_of(outcome.c.complaint_id)))
                .group_by(c.branch_id)):
            figures[branch_id].update(judged=int(judged or 0), upheld=int(upheld or 0),
                                      compensation=Decimal(amount or 0).quantize(Decimal("0.01")),
                                      compensation_cases=int(paid_cases or 0))
        return figures, dims, durations

    def _resolution_outcome(self) -> Any:
        """Per case with an approved resolution: judged (one says upheld or not), upheld, amount. Every
        such case, in case-id order; the period and scope are applied when matched to the case."""
        r = Resolution
        return (select(r.complaint_id,
                       func.max(case((r.upheld.is_not(None), 1), else_=0)).label("judged"),
                       func.max(case((r.upheld.is_(True), 1), else_=0)).label("upheld"),
                       func.sum(r.amount).label("amount"))
                .where(r.approval_state == "approved")
                .group_by(r.complaint_id).subquery())

    def root_causes(self) -> list[tuple[str, str, int]]:
        rc = RootCause
        rows = self.session.execute(
            select(rc.level, rc.cause_code, func.count())
            .select_from(driving_join(rc, Complaint, self._case_of(rc.complaint_id)))
            .group_by(rc.level, rc.cause_code)).all()
        return [(level, code, int(n)) for level, code, n in rows]

    def actions(self) -> list[Any]:
        s, a = self.scope, ImprovementAction
        linked = (select(improvement_action_cases.c.action_id, func.count().label("n"))
                  .group_by(improvement_action_cases.c.action_id).subquery())
        scope_condition = (true() if s.branch_ids is None
                           else a.branch_id.in_(s.branch_ids))
        return list(self.session.execute(
            select(a.title, Branch.code, a.cause_code, a.level, User.display_name, a.due_on, a.state,
                   a.completed_on, func.coalesce(linked.c.n, 0))
            .outerjoin(Branch, Branch.id == a.branch_id)
            .outerjoin(User, User.id == a.owner_id)
            .outerjoin(linked, linked.c.action_id == a.id)
            .where(scope_condition, a.created_at < s.end,
                   or_(a.completed_on.is_(None), a.completed_on >= s.period.date_from))
            .order_by(a.due_on.is_(None), a.due_on, a.title)).all())


def _taxonomy(session: Session) -> dict[str, TaxonomyCode]:
    return {row.code: row for row in session.scalars(select(TaxonomyCode))}


def _tree_rows(axis: str, taxonomy: dict[str, TaxonomyCode], counts: dict[Any, tuple[int, int]],
               total: int) -> tuple[GroupRow, ...]:
    """Rows in tree order: each major class (its count includes its minor classes), then its minor
    classes; retired codes only when used; codes unknown to the taxonomy at the end."""
    nodes = [node for node in taxonomy.values() if node.axis == axis]
    children: dict[str, list[TaxonomyCode]] = defaultdict(list)
    for node in nodes:
        if node.parent_code:
            children[node.parent_code].append(node)
    rows: list[GroupRow] = []

    def add(node: TaxonomyCode, cur: int, prev: int) -> None:
        if node.active or cur or prev:
            rows.append(GroupRow(node.code, label_for(node), cur, prev, ratio(cur, total), node.level,
                                 node.parent_code or ""))

    for top in sorted((n for n in nodes if not n.parent_code), key=lambda n: (n.sort_order, n.code)):
        kids = sorted(children.get(top.code, []), key=lambda n: (n.sort_order, n.code))
        own_cur, own_prev = counts.get(top.code, (0, 0))
        cur = own_cur + sum(counts.get(k.code, (0, 0))[0] for k in kids)
        prev = own_prev + sum(counts.get(k.code, (0, 0))[1] for k in kids)
        add(top, cur, prev)
        for kid in kids:
            add(kid, *counts.get(kid.code, (0, 0)))
    known = {node.code for node in nodes}
    for code in sorted(k for k in counts if k is not None and k not in known):
        cur, prev = counts[code]
        rows.append(GroupRow(code, _("(unknown code)"), cur, prev, ratio(cur, total)))
    return tuple(rows)


def _flat_rows(items: Iterable[tuple[str, str]], counts: dict[Any, tuple[int, int]],
               total: int) -> tuple[GroupRow, ...]:
    rows = []
    seen = set()
    for code, name in items:
        seen.add(code)
        cur, prev = counts.get(code, (0, 0))
        rows.append(GroupRow(code, name, cur, prev, ratio(cur, total)))
    for code in sorted(k for k in counts if k is not None and k not in seen):
        cur, prev = counts[code]
        rows.append(GroupRow(code, _("(unknown code)"), cur, prev, ratio(cur, total)))
    return tuple(rows)


def _code_name(taxonomy: dict[str, TaxonomyCode], code: str) -> str:
    node = taxonomy.get(code)
    return label_for(node) if node else (_("(unknown code)") if code else "")


def _level_name(level: str) -> str:
    try:
        return RootCauseLevel(level).label
    except ValueError:
        return level


def _state_name(state: str) -> str:
    try:
        return ActionState(state).label
    except ValueError:
        return state


def _action_rows(rows: Iterable[Any], taxonomy: dict[str, TaxonomyCode], today: date) -> tuple[ActionRow, ...]:
    """ActionRows from the rows of ``_StatisticsQuery.actions``."""
    return tuple(
        ActionRow(title=title, branch_code=branch_code or "", cause_code=cause or "",
                  cause_name=_code_name(taxonomy, cause or ""), level=level, level_name=_level_name(level),
                  owner=owner or "", due_on=due_on, state=state, state_name=_state_name(state),
                  completed_on=completed_on, linked_cases=int(linked),
                  overdue=bool(due_on and due_on < today
                               and state not in (ActionState.DONE.value, ActionState.CANCELLED.value)))
        for title, branch_code, cause, level, owner, due_on, state, completed_on, linked in rows)


def _competition_ranks(counts: list[int]) -> list[int]:
    """1, 2, 2, 4 … for counts sorted high to low."""
    ranks, previous, rank = [], None, 0
    for index, count in enumerate(counts, start=1):
        if count != previous:
            rank, previous = index, count
        ranks.append(rank)
    return ranks


def compute_statistics(db: Database, actor: Actor, scope: ReportScope, today: date | None = None,
                       now: datetime | None = None) -> Statistics:
    """All the figures of the statistics workbook for ``scope`` as of ``today`` (office-local date); the run
    is audited as a report."""
    stats, resolved = _statistics(db, actor, scope, today, now)
    audit.record_now(db, actor, audit.AuditAction.REPORT, detail={"report": "statistics", **report_scope(resolved)})
    return stats


def _statistics(db: Database, actor: Actor, scope: ReportScope, today: date | None,
                now: datetime | None) -> tuple[Statistics, ResolvedScope]:
    today = today or office_today(scope.timezone)
    with read_snapshot(db) as session:
        resolved = resolve_scope(session, actor, scope)
        q = _StatisticsQuery(session, resolved, today)
        taxonomy = _taxonomy(session)
        severities = [(item.code, label_for(item)) for item in session.scalars(
            select(ReferenceItem).where(ReferenceItem.list_name == "severity")
            .order_by(ReferenceItem.sort_order, ReferenceItem.code))]
        per_branch, dims, durations = q.branch_figures()
        total = sum(f.get("count", 0) for f in per_branch.values())
        axis_counts = {axis: dims[axis] for axis in "ABC"}
        insurer_in_scope = any(kind == InstitutionType.INSURER.value for *_x, kind in resolved.branches)
        d_counts = dict(dims["D"])
        d_counts.pop(None, None)
        if d_counts or insurer_in_scope:
            axis_counts["D"] = d_counts
        channel_counts, severity_counts, flag_counts = dims["channel"], dims["severity"], dims["flag"]
        root_causes = q.root_causes()
        actions = q.actions()
        all_branches = {bid: (code, name) for bid, code, name in session.execute(
            select(Branch.id, Branch.code, Branch.name))}

    first_contact_median, decision_median, branch_medians = durations.medians()
    known_branches = {bid: (code, name) for bid, code, name, _kind in resolved.branches}
    known_branches.update({bid: all_branches[bid] for bid in per_branch if bid not in known_branches})
    ordered = sorted(known_branches, key=lambda b: (-per_branch.get(b, {}).get("count", 0), known_branches[b][0]))
    ranks = _competition_ranks([per_branch.get(b, {}).get("count", 0) for b in ordered])
    branch_rows = []
    for rank, bid in zip(ranks, ordered, strict=True):
        f = per_branch.get(bid, {})
        scores: dict[int, int] = f.get("scores", {})
        branch_rows.append(BranchRow(
            rank=rank, code=known_branches[bid][0], name=known_branches[bid][1], count=f.get("count", 0),
            previous=f.get("previous", 0), share=ratio(f.get("count", 0), total),
            due_for_decision=f.get("due", 0), decided_on_time=f.get("on_time", 0),
            median_days_to_decision=branch_medians.get(bid), open_overdue=f.get("overdue", 0),
            repeat_cases=f.get("repeat", 0), satisfaction_count=sum(scores.values()),
            satisfaction_sum=sum(s * n for s, n in scores.items()), judged_cases=f.get("judged", 0),
            upheld_cases=f.get("upheld", 0), compensation_total=f.get("compensation", Decimal("0.00"))))

    distribution = {score: 0 for score in range(1, 6)}
    for f in per_branch.values():
        for score, n in f.get("scores", {}).items():
            distribution[score] = distribution.get(score, 0) + n

    def total_of(key: str) -> int:
        return sum(int(f.get(key, 0)) for f in per_branch.values())

    summary = Summary(
        total=total, previous_total=total_of("previous"), decided=total_of("decided"),
        due_for_decision=total_of("due"), decided_on_time=total_of("on_time"),
        median_days_to_first_contact=first_contact_median, median_days_to_decision=decision_median,
        satisfaction_distribution=distribution, repeat_cases=total_of("repeat"), judged_cases=total_of("judged"),
        upheld_cases=total_of("upheld"), compensation_cases=total_of("compensation_cases"),
        compensation_total=sum((f.get("compensation", Decimal(0)) for f in per_branch.values()), Decimal("0.00")),
        open_overdue=total_of("overdue"), finished=total_of("finished"))

    axes = {axis: _tree_rows(axis, taxonomy, counts, total) for axis, counts in axis_counts.items()}
    c_counts = axis_counts["C"]
    top = sorted(((code, cur) for code, (cur, _prev) in c_counts.items() if cur), key=lambda x: (-x[1], x[0]))
    pareto, cumulative = [], 0
    for rank, (code, count) in enumerate(top[:PARETO_SIZE], start=1):
        cumulative += count
        node = taxonomy.get(code)
        pareto.append(ParetoRow(rank, code, label_for(node) if node else _("(unknown code)"), count,
                                ratio(count, total), ratio(cumulative, total)))

    root_rows = tuple(sorted(
        (RootCauseRow(level, _level_name(level), code, _code_name(taxonomy, code), n)
         for level, code, n in root_causes),
        key=lambda r: (-r.count, r.level, r.cause_code)))
    action_rows = _action_rows(actions, taxonomy, today)
    return Statistics(
        generated_at=(now or datetime.now(UTC)), today=today, timezone=resolved.timezone,
        period=resolved.period, scope_label=resolved.label,
        branch_codes=tuple(code for _bid, code, _name, _kind in resolved.branches),
        summary=summary, branches=tuple(branch_rows),
        channels=_flat_rows(((c.value, c.label) for c in Channel), channel_counts, total),
        axes=axes, severities=_flat_rows(severities, severity_counts, total),
        flags=_flat_rows([(f.value, f.label) for f in SpecialFlag] + [("any", _("Any special flag"))],
                         flag_counts, total),
        pareto=tuple(pareto), root_causes=root_rows, actions=action_rows,
        axis_names={axis: axis_label(axis) for axis in "ABCD"}), resolved


def export_statistics(db: Database, actor: Actor, scope: ReportScope, path: Path, today: date | None = None,
                      now: datetime | None = None) -> Statistics:
    """Compute the statistics and write them as an Excel workbook at ``path``; returns the figures."""
    from desk_app.reports.statistics_workbook import write_statistics_workbook

    stats, resolved = _statistics(db, actor, scope, today, now)
    write_statistics_workbook(stats, path)  # a full disk is reported before anything is recorded
    audit.record_now(db, actor, audit.AuditAction.EXPORT, detail={
        "export": "statistics", "file": Path(path).name, "personal_data": "none", **report_scope(resolved)})
    return stats


# ---- detail export -------------------------------------------------------------------------------

_STREAM = {"yield_per": 2000}


class ExportCancelled(UserError):
    """The user cancelled an export; no file was written."""


@dataclass(frozen=True)
class DetailExportResult:
    path: Path
    cases: int
    records: dict[str, int]
    masked: bool
    sha256: str


class _Ticker:
    """Calls ``progress`` now and then, and raises ExportCancelled when ``cancelled()`` says so."""

    def __init__(self, total: int, progress: ProgressFn | None, cancelled: CancelFn | None,
                 every: int = 1000) -> None:
        self.total, self.progress, self.cancelled, self.every = total, progress, cancelled, every
        self.done = 0

    def tick(self) -> None:
        self.done += 1
        if self.done % self.every == 0:
            self.check()

    def advance(self, n: int) -> None:
        """``n`` more done (a batch of rows): checks at most once."""
        before, self.done = self.done, self.done + n
        if before // self.every != self.done // self.every:
            self.check()

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ExportCancelled(_("The export was cancelled; no file was written."))
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)


def _detail_labels(session: Session) -> Labels:
    items = session.execute(select(ReferenceItem.list_name, ReferenceItem.code, ReferenceItem.name_zh,
                                   ReferenceItem.name_en)).all()

    def names(list_name: str) -> dict[str, str]:
        return {code: label_for(_Name(zh, en)) for name, code, zh, en in items if name == list_name}

    return Labels(taxonomy={code: label_for(node) for code, node in _taxonomy(session).items()},
                  severity=names("severity"), resolution=names("resolution_type"),
                  id_type={t.value: t.label for t in IdType})


@dataclass(frozen=True)
class _Name:
    name_zh: str
    name_en: str


def export_detail(db: Database, actor: Actor, scope: ReportScope, path: Path, *,
                  reveal_personal_data: bool = False, include_records: bool = True,
                  progress: ProgressFn | None = None, cancelled: CancelFn | None = None,
                  today: date | None = None, now: datetime | None = None) -> DetailExportResult:
    """Every case received in ``scope``'s period, one row each, streamed to ``path`` (.xlsx).

    Personal data (ID number, phone, e-mail, address) is masked unless ``reveal_personal_data`` is
    asked for by a user whose role may (Permission.EXPORT_PERSONAL_DATA: supervisor, branch manager,
    administrator); asking without that right is refused. With ``include_records`` (the default)
    the workbook also carries the cases as technical records for consolidation at headquarters,
    masked the same way; they are written on a second connection to the same snapshot, in a second
    thread, while this one writes the readable sheet. ``progress(done, total)`` is called now and
    then; when ``cancelled()`` returns True the export stops with ExportCancelled and no file is left
    behind.
    """
    if reveal_personal_data:
        require(actor, Permission.EXPORT_PERSONAL_DATA)
    masked = not reveal_personal_data
    today = today or office_today(scope.timezone)
    now = now or datetime.now(UTC)
    tz = ZoneInfo(scope.timezone)
    path = Path(path)
    with atomic_path(path) as tmp, tempfile.TemporaryDirectory(prefix=".desk-records-", dir=tmp.parent) as folder:
        records_file, records_gz = Path(folder) / "records.sqlite3", Path(folder) / "records.sqlite3.gz"
        sessions = 2 if include_records else 1
        prepare = [None, RecordsFileJob.attach(records_file)] if include_records else []
        with read_snapshots(db, sessions, prepare) as (session, *records_session):
            resolved = resolve_scope(session, actor, scope)
            case_filter = and_(resolved.condition(), resolved.current)
            cases = session.scalar(select(func.count()).select_from(Complaint).where(case_filter)) or 0
            labels = _detail_labels(session)
            job = None
            if include_records:
                action_filter = (None if resolved.branch_ids is None
                                 else ImprovementAction.branch_id.in_(resolved.branch_ids))
                job = RecordsFileJob(records_session[0].connection(), record_sections(case_filter, action_filter),
                                     records_file, records_gz, masked)
            ticker = _Ticker(cases + (1 if job else 0), progress, cancelled)
            ticker.check()
            p = resolved.period
            heading = [_("Complaint cases {start} – {end}").format(start=p.date_from.isoformat(),
                                                                    end=p.date_to.isoformat()),
                       _("{scope} · {n} cases · personal data {state} · exported {at} by {user}").format(
                           scope=resolved.label, n=cases, state=_("masked") if masked else _("NOT masked"),
                           at=now.astimezone(tz).strftime("%Y-%m-%d %H:%M"), user=actor.username)]
            with _running(job), StreamingWorkbook(tmp, title=heading[0]) as wb:
                sheet = wb.add_sheet(_("Case details"), detail_columns(), heading=heading, freeze_columns=1)
                conn = session.connection()  # Core rows: no ORM bookkeeping per row
                query = case_rows_query(case_filter, every_branch=resolved.branch_ids is None)
                clock = LocalClock(tz)
                with closing(conn.execute(query, execution_options=_STREAM)) as result:
                    for rows in result.partitions(500):
                        for row in rows:
                            sheet.append(render_case_row(row, labels, clock, today, masked))
                        ticker.advance(len(rows))
                if job is not None:
                    _wait(job, ticker, path)
                    manifest = wb.add_sheet(MANIFEST_SHEET, [], hidden=True, autofilter=False)
                    for key, value in _manifest(actor, resolved, masked, now, cases, job, db.dialect):
                        manifest.append([key, value])
                    wb.add_part(RECORDS_PART, records_gz, RECORDS_CONTENT_TYPE, RECORDS_RELATIONSHIP,
                                cancelled=ticker.check)
                ticker.advance(1 if job else 0)
                ticker.check()
    audit.record_now(db, actor, audit.AuditAction.EXPORT, detail={
        "export": "detail", "file": path.name, "cases": cases, "personal_data": "masked" if masked else "UNMASKED",
        "records": include_records, **report_scope(resolved)})
    return DetailExportResult(path, cases, {k: n for k, n in job.counts.items() if n} if job else {}, masked,
                              job.sha256 if job else "")


@contextmanager
def _running(job: RecordsFileJob | None) -> Iterator[None]:
    """Runs ``job`` in a thread for the duration of the block; an error or a cancel in the block stops it."""
    if job is None:
        yield
        return
    thread = threading.Thread(target=job.run, name="detail-export-records", daemon=True)
    thread.start()
    try:
        yield
    except BaseException:
        job.cancel()
        raise
    finally:
        thread.join()


def _wait(job: RecordsFileJob, ticker: _Ticker, path: Path) -> None:
    """Wait for the records (checking for a cancel meanwhile); their error, if any, becomes ours."""
    while not job.done.wait(0.2):
        ticker.check()
    if job.error is not None:
        if is_disk_full(getattr(job.error, "orig", None) or job.error):  # the driver's error inside SQLAlchemy's
            raise disk_full_error(path) from job.error
        raise job.error


def _manifest(actor: Actor, resolved: ResolvedScope, masked: bool, now: datetime, cases: int,
              job: RecordsFileJob, dialect: str) -> list[tuple[str, str | int]]:
    from desk_app import __version__

    rows: list[tuple[str, str | int]] = [
        ("format", FORMAT_NAME), ("format_version", FORMAT_VERSION), ("app_version", __version__),
        ("exported_at", now.astimezone(UTC).isoformat()), ("exported_by", actor.username),
        ("exported_by_role", actor.role.value), ("source_database", dialect),
        ("branches", ",".join(code for _bid, code, _name, _kind in resolved.branches)),
        ("all_branches", "yes" if resolved.branch_ids is None else "no"),
        ("period_from", resolved.period.date_from.isoformat()), ("period_to", resolved.period.date_to.isoformat()),
        ("timezone", resolved.timezone), ("personal_data", "masked" if masked else "full"), ("cases", cases),
    ]
    rows += [(f"count_{kind}", n) for kind, n in job.counts.items()]
    rows += [("records_part", RECORDS_PART), ("sha256", job.sha256)]
    return signed_rows(rows, actor.branch_code)  # headquarters accepts the file only with this signature


# ---- dashboard ------------------------------------------------------------------------------------

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
        q = _StatisticsQuery(session, resolved, today)
        sql, c = q.sql, Complaint
        bucket = sql.month_start if g is Granularity.MONTH else sql.week_start
        in_period = and_(q.in_scope, resolved.current)
        trend_counts = {_as_date(start): int(n) for start, n in session.execute(
            select(bucket(c.received_at), func.count()).where(in_period).group_by(bucket(c.received_at)))}
        late = or_(q.open_overdue, and_(c.responded_at.is_not(None), sql.local_date(c.responded_at) > c.due_on))
        branch_rows = session.execute(
            select(Branch.id, Branch.code, Branch.name, func.count(), _flag(late))
            .join(Branch, Branch.id == c.branch_id).where(in_period)
            .group_by(Branch.id, Branch.code, Branch.name).order_by(func.count().desc(), Branch.code)).all()
        cause_counts = {code: int(n) for code, n in session.execute(
            select(c.axis_c, func.count()).where(in_period).group_by(c.axis_c))}
        cb = Callback
        called_in_period = and_(cb.called_at >= resolved.start, cb.called_at < resolved.end)
        scores = {_as_date(start): (float(avg) if avg is not None else None, int(n)) for start, avg, n in
                  session.execute(select(bucket(cb.called_at), func.avg(cb.satisfaction), func.count())
                                  .join(c, c.id == cb.complaint_id)
                                  .where(q.in_scope, called_in_period, cb.satisfaction.is_not(None))
                                  .group_by(bucket(cb.called_at)))}
        latest = bucket_start(query.date_to, g)
        baseline_start = latest
        for _i in range(query.baseline_periods):
            baseline_start = bucket_start(baseline_start - timedelta(days=1), g)
        window = and_(c.received_at >= local_midnight_utc(baseline_start, query.timezone),
                      c.received_at < resolved.end)
        series: dict[tuple[str, str], dict[date, int]] = defaultdict(dict)
        for code, cause, start, n in session.execute(
                select(Branch.code, c.axis_c, bucket(c.received_at), func.count())
                .join(Branch, Branch.id == c.branch_id).where(q.in_scope, window)
                .group_by(Branch.code, c.axis_c, bucket(c.received_at))):
            series[(code, cause)][_as_date(start)] = int(n)
        names = {code: name for code, name in session.execute(select(Branch.code, Branch.name))}
        taxonomy = _taxonomy(session)
        actions = q.actions()

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
    action_rows = _action_rows(actions, taxonomy, today)
    return Dashboard(query=query, scope_label=resolved.label, today=today, total=total, trend=trend,
                     pareto=tuple(pareto),
                     branches=tuple(BranchBar(bid, code, name, int(n), int(o))
                                    for bid, code, name, n, o in branch_rows),
                     satisfaction=satisfaction, warnings=tuple(warnings), actions=action_rows)


def _as_date(value: Any) -> date:
    """Bucket starts come back as dates (typed columns), or as text from some SQLite expressions."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
