"""The figures of the statistics report, as plain data (computed by ``desk_app.services.statistics``,
rendered by ``desk_app.reports.statistics_workbook``). Rates are fractions (0.25 = 25 %), or None
when their denominator is zero."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from desk_app.domain.team_figures import BranchFigures, HandlerFigures
from desk_app.reports.prevention_figures import PreventionFigures


def ratio(part: int | float, whole: int | float) -> float | None:
    return part / whole if whole else None


def change_ratio(current: int, previous: int) -> float | None:
    """Relative change on the previous period; None when the previous period had nothing."""
    return (current - previous) / previous if previous else None


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date
    """Inclusive, office-local dates."""
    previous_from: date
    previous_to: date


@dataclass(frozen=True)
class Summary:
    total: int
    previous_total: int
    decided: int
    """Cases of the period with a decision communicated (responded_at recorded)."""
    due_for_decision: int
    """Cases of the period that needed a decision by now: decided, or past their due date
    (refused and withdrawn cases need none)."""
    decided_on_time: int
    median_days_to_first_contact: float | None
    median_days_to_decision: float | None
    satisfaction_distribution: dict[int, int]
    """Score 1–5 → cases (the last scored callback of each case)."""
    repeat_cases: int
    """Cases whose customer had complained before (any branch)."""
    judged_cases: int
    """Cases with an approved resolution that says whether the complaint was upheld."""
    upheld_cases: int
    compensation_cases: int
    compensation_total: Decimal
    """Sum of the amounts of approved resolutions."""
    open_overdue: int
    """Cases of the period whose statutory clock still runs after their due date (as of the report day)."""
    finished: int

    @property
    def change(self) -> int:
        return self.total - self.previous_total

    @property
    def change_pct(self) -> float | None:
        return change_ratio(self.total, self.previous_total)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.decided_on_time, self.due_for_decision)

    @property
    def satisfaction_count(self) -> int:
        return sum(self.satisfaction_distribution.values())

    @property
    def satisfaction_average(self) -> float | None:
        count = self.satisfaction_count
        return sum(s * n for s, n in self.satisfaction_distribution.items()) / count if count else None

    @property
    def repeat_rate(self) -> float | None:
        return ratio(self.repeat_cases, self.total)

    @property
    def upheld_rate(self) -> float | None:
        return ratio(self.upheld_cases, self.judged_cases)


@dataclass(frozen=True)
class GroupRow:
    """One line of a breakdown: a code with its name, this period's and the previous period's count."""

    code: str
    name: str
    count: int
    previous: int
    share: float | None
    level: int = 1
    """Taxonomy level (1 major class, 2 minor class); 1 for flat lists."""
    parent: str = ""

    @property
    def change(self) -> int:
        return self.count - self.previous

    @property
    def change_pct(self) -> float | None:
        return change_ratio(self.count, self.previous)


@dataclass(frozen=True)
class BranchRow:
    rank: int
    code: str
    name: str
    count: int
    previous: int
    share: float | None
    due_for_decision: int
    decided_on_time: int
    median_days_to_decision: float | None
    open_overdue: int
    repeat_cases: int
    satisfaction_count: int
    satisfaction_sum: int
    judged_cases: int
    upheld_cases: int
    compensation_total: Decimal

    @property
    def change(self) -> int:
        return self.count - self.previous

    @property
    def change_pct(self) -> float | None:
        return change_ratio(self.count, self.previous)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.decided_on_time, self.due_for_decision)

    @property
    def repeat_rate(self) -> float | None:
        return ratio(self.repeat_cases, self.count)

    @property
    def satisfaction_average(self) -> float | None:
        return ratio(self.satisfaction_sum, self.satisfaction_count)

    @property
    def upheld_rate(self) -> float | None:
        return ratio(self.upheld_cases, self.judged_cases)


@dataclass(frozen=True)
class ParetoRow:
    rank: int
    code: str
    name: str
    count: int
    share: float | None
    cumulative_share: float | None


@dataclass(frozen=True)
class RootCauseRow:
    level: str
    level_name: str
    cause_code: str
    cause_name: str
    count: int


@dataclass(frozen=True)
class ActionRow:
    title: str
    branch_code: str
    department: str
    cause_code: str
    cause_name: str
    level: str
    level_name: str
    owner: str
    due_on: date | None
    state: str
    state_name: str
    completed_on: date | None
    evidence: str
    """Evidence of completion, as recorded when the action was completed."""
    review: str
    """The review of the completed action (its effect), with who reviewed it and when."""
    reviewed_by: str
    reviewed_on: date | None
    linked_cases: int
    overdue: bool


@dataclass(frozen=True)
class Statistics:
    generated_at: datetime
    today: date
    timezone: str
    period: Period
    scope_label: str
    branch_codes: tuple[str, ...]
    summary: Summary
    branches: tuple[BranchRow, ...]
    channels: tuple[GroupRow, ...]
    axes: dict[str, tuple[GroupRow, ...]]
    """"A", "B", "C" and, when insurance cases are in scope, "D" → rows in taxonomy tree order."""
    severities: tuple[GroupRow, ...]
    flags: tuple[GroupRow, ...]
    """One row per special flag, then "any special flag"; a case may carry several flags."""
    pareto: tuple[ParetoRow, ...]
    root_causes: tuple[RootCauseRow, ...]
    actions: tuple[ActionRow, ...]
    axis_names: dict[str, str] = field(default_factory=dict)
    prevention: PreventionFigures | None = None
    """The grumble funnel and the opportunities (``desk_app.services.prevention``); in the exported workbook."""
    team: tuple[HandlerFigures, ...] = ()
    """The team page's figures per handler of the branches in scope (``desk_app.services.team``)."""
    team_branches: tuple[BranchFigures, ...] = ()
    """… and per branch, for headquarters (empty for a branch's own report)."""
