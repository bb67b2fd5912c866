"""The figures of a team for a period — one handler's cases, or a whole branch's — as plain values
(computed by ``desk_app.services.team``; shown on the team page and in the statistics workbook).

Definitions (the same words as the statistics workbook; a handler's cases are those they own now):

- open: cases not closed, refused or withdrawn; due this week: the statutory clock still runs and the due
  date falls from today to Sunday; overdue: the clock still runs and the due date is before today;
- the period's cases: received from ``date_from`` to ``date_to`` inclusive (office-local days);
- on-time rate: of the period's cases that needed a decision by today (decided, or past their due date;
  refused and withdrawn cases need none), those decided on or before their due date;
- median days to respond: from receipt to the decision (responded_at), fractions kept;
- satisfaction: the mean of the last scored callback (1–5) of each of the period's cases;
- reopen rate: of the period's decided cases, those re-opened or taken to review (核查) since;
- quality score: the mean total (out of 100) of the inspected cases (质检) in the months of the period.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from desk_app.domain.enums import Role


@dataclass(frozen=True, kw_only=True)
class CaseFigures:
    """The figures of one team's cases (a branch's are over all its cases, not means of its handlers')."""

    name: str
    branch_code: str
    open_cases: int = 0
    due_this_week: int = 0
    overdue: int = 0
    period_cases: int = 0
    needed_decision: int = 0
    decided_on_time: int = 0
    median_days_to_respond: float | None = None
    satisfaction: float | None = None
    satisfaction_count: int = 0
    decided: int = 0
    reopened: int = 0
    quality_score: float | None = None
    quality_count: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.decided_on_time / self.needed_decision if self.needed_decision else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.decided if self.decided else None


@dataclass(frozen=True, kw_only=True)
class HandlerFigures(CaseFigures):
    user_id: uuid.UUID
    role: Role


@dataclass(frozen=True, kw_only=True)
class BranchFigures(CaseFigures):
    branch_id: uuid.UUID
    handlers: int = 0
