"""The statistics workbook's figures for branches and headquarters (written by
``desk_app.reports.statistics_workbook``).

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
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

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
from desk_app.domain.enums import ActionState, Channel, InstitutionType, RootCauseLevel, SpecialFlag, Status
from desk_app.domain.reference import axis_label
from desk_app.domain.workflow import FINISHED_STATES, STOPPED_STATES
from desk_app.i18n import _
from desk_app.reports.figures import ActionRow, BranchRow, GroupRow, ParetoRow, RootCauseRow, Statistics, Summary, ratio
from desk_app.reports.snapshot import read_snapshot
from desk_app.reports.sqlexpr import Dialect, count_if, count_joined, driving_join, joined, joined_ints
from desk_app.services import audit, team
from desk_app.services.access import sees_all_branches
from desk_app.services.reference import label_for, taxonomy_codes
from desk_app.services.report_scope import (
    ReportScope,
    ResolvedScope,
    counted,
    office_today,
    report_scope,
    resolve_scope,
)

PARETO_SIZE = 10
"""How many causes the Pareto tables list."""

_RUNNING = tuple(s.value for s in Status if s not in STOPPED_STATES)
_FINISHED = tuple(s.value for s in FINISHED_STATES)
_NO_DECISION = (Status.REFUSED.value, Status.WITHDRAWN.value)


_DIMENSIONS = ("channel", "severity", "flag", "A", "B", "C", "D")
# The outcome code of a case (_StatisticsQuery._case_code), one character per case in a tally: the bits
# say what the deadline figures and the flag breakdown need to know of the case.
_NO_DECISION_BIT, _FINISHED_BIT, _RUNNING_BIT = 1, 2, 4
_DECIDED_BIT, _PAST_DUE_BIT, _ON_DAY_BIT = 8, 16, 32
_FLAG_BITS = {flag: 64 << i for i, flag in enumerate(FLAG_COLUMNS)}
_CODE_BASE = 48
"""Codes are shifted to printable characters (SQLite's char(), PostgreSQL's chr())."""
MS_PER_DAY = 86_400_000


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
        self.first_contact += joined_ints(row[1], int(row[0]))
        self.decision[branch_id] = joined_ints(row[3], int(row[2]))

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
            repeat = exists().where(earlier.customer_id == c.customer_id, earlier.received_at < c.received_at,
                                    counted(earlier))
            columns += [count_if(repeat),
                        func.count(c.first_contact_at),
                        joined(self.sql.text(self.sql.milliseconds_between(c.received_at, c.first_contact_at))),
                        func.count(c.responded_at),
                        joined(self.sql.text(self.sql.milliseconds_between(c.received_at, c.responded_at)))]
        return select(*columns).where(c.branch_id == bindparam("branch_id"), c.received_at >= bindparam("start"),
                                      c.received_at < bindparam("end"), counted())

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
                       func.sum(outcome.c.amount), count_if(outcome.c.amount > 0))
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


def improvement_actions(session: Session, scope: ResolvedScope, taxonomy: dict[str, TaxonomyCode],
                        today: date) -> tuple[ActionRow, ...]:
    """The improvement actions of the scope's branches that existed during the period and were not
    finished before it, due dates first; ``overdue`` as of ``today``."""
    a, reviewer = ImprovementAction, aliased(User)
    linked = (select(improvement_action_cases.c.action_id, func.count().label("n"))
              .group_by(improvement_action_cases.c.action_id).subquery())
    rows = session.execute(
        select(a.title, Branch.code, a.department, a.cause_code, a.level, User.display_name, a.due_on, a.state,
               a.completed_on, a.evidence, a.review, reviewer.display_name, a.reviewed_at,
               func.coalesce(linked.c.n, 0))
        .outerjoin(Branch, Branch.id == a.branch_id)
        .outerjoin(User, User.id == a.owner_id)
        .outerjoin(reviewer, reviewer.id == a.reviewed_by_id)
        .outerjoin(linked, linked.c.action_id == a.id)
        .where(scope.condition(a.branch_id), a.created_at < scope.end,
               or_(a.completed_on.is_(None), a.completed_on >= scope.period.date_from))
        .order_by(a.due_on.is_(None), a.due_on, a.title)).all()
    tz = ZoneInfo(scope.timezone)
    return tuple(
        ActionRow(title=title, branch_code=branch_code or "", department=department or "", cause_code=cause or "",
                  cause_name=_code_name(taxonomy, cause or ""), level=level, level_name=_level_name(level),
                  owner=owner or "", due_on=due_on, state=state, state_name=_state_name(state),
                  completed_on=completed_on, evidence=evidence or "", review=review or "",
                  reviewed_by=reviewed_by or "",
                  reviewed_on=reviewed_at.astimezone(tz).date() if reviewed_at is not None else None,
                  linked_cases=int(linked),
                  overdue=bool(due_on and due_on < today
                               and state not in (ActionState.DONE.value, ActionState.CANCELLED.value)))
        for (title, branch_code, department, cause, level, owner, due_on, state, completed_on, evidence, review,
             reviewed_by, reviewed_at, linked) in rows)


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
        taxonomy = taxonomy_codes(session)
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
        action_rows = improvement_actions(session, resolved, taxonomy, today)
        team_rows, team_branches = team.figures_of(session, resolved.branch_ids, scope.date_from, scope.date_to,
                                                   resolved.timezone, today)
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
        axis_names={axis: axis_label(axis) for axis in "ABCD"}, team=team_rows,
        team_branches=team_branches if sees_all_branches(actor) else ()), resolved


def export_statistics(db: Database, actor: Actor, scope: ReportScope, path: Path, today: date | None = None,
                      now: datetime | None = None) -> Statistics:
    """Compute the statistics and write them as an Excel workbook at ``path``; returns the figures."""
    from dataclasses import replace

    from desk_app.reports.statistics_workbook import write_statistics_workbook
    from desk_app.services.prevention import prevention_figures

    stats, resolved = _statistics(db, actor, scope, today, now)
    stats = replace(stats, prevention=prevention_figures(db, actor, scope))  # grumbles, opportunities
    write_statistics_workbook(stats, path)  # a full disk is reported before anything is recorded
    audit.record_now(db, actor, audit.AuditAction.EXPORT, detail={
        "export": "statistics", "file": Path(path).name, "personal_data": "none", **report_scope(resolved)})
    return stats


