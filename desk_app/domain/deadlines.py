"""The deadline engine: when a complaint must be decided, per regime (REGULATION.md §6).

- Banking/insurance: calendar days from the day after receipt — 15 (simple), 30 (complex), 60
  (especially complex, only with a superior's approval and notice to the complainant). A last day
  that is not a working day rolls to the next working day.
- Market regulation: working days on the official calendar — accept or refuse within 7, mediation
  ends after 45 (counted from receipt, DESIGN.md settled decision). Complexity does not apply.

Pauses (external appraisal, testing, evaluation) are not counted: each paused day after the
receipt day (a calendar day, or a working day for market regulation) moves the due date one day
(or working day) later. Years with no official schedule are counted with weekends only, and the
result carries a warning naming them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desk_app.domain.calendar import WorkCalendar
from desk_app.domain.enums import Complexity, Regime
from desk_app.errors import ValidationError
from desk_app.i18n import _

BANKING_LIMITS: dict[Complexity, int] = {
    Complexity.SIMPLE: 15,
    Complexity.COMPLEX: 30,
    Complexity.SPECIAL: 60,
}
MARKET_ACCEPTANCE_DAYS = 7
MARKET_MEDIATION_DAYS = 45
UNIT_CALENDAR = "calendar"
UNIT_WORKING = "working"

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class PauseInterval:
    """Days the clock is stopped, inclusive local dates; ``end`` None means still paused."""

    start: date
    end: date | None = None


@dataclass(frozen=True)
class DeadlineInput:
    regime: Regime
    received_at: datetime  # aware (UTC)
    office_tz: str = "Asia/Shanghai"
    complexity: Complexity = Complexity.SIMPLE
    special_extension_approved: bool = False
    pauses: tuple[PauseInterval, ...] = ()
    first_contact_hours: int = 24
    today: date | None = None
    """Only used to end open pauses (paused up to and including today); default: today in office_tz."""


@dataclass(frozen=True)
class DeadlineResult:
    due_on: date  # local date by which the decision must be notified
    limit: int  # 15/30/60 calendar days or 45 working days
    unit: str  # UNIT_CALENDAR or UNIT_WORKING
    acceptance_due_on: date | None  # market regulation only
    first_contact_due: datetime  # aware UTC
    paused_days: int  # paused days that moved the due date
    warnings: tuple[str, ...]  # translated texts


class DeadlineState(StrEnum):
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    STOPPED = "stopped"


def compute_deadline(inp: DeadlineInput, calendar: WorkCalendar) -> DeadlineResult:
    """Compute the due dates of a case; raises ValidationError on input that breaks a rule."""
    tz = _zone(inp.office_tz)
    if inp.received_at.tzinfo is None or inp.received_at.utcoffset() is None:
        raise ValidationError(_("The receipt time must include a time zone."), field="received_at")
    if inp.first_contact_hours < 0:
        raise ValidationError(_("The first-contact target cannot be negative."), field="first_contact_hours")
    received_on = inp.received_at.astimezone(tz).date()
    today = inp.today if inp.today is not None else datetime.now(tz).date()
    paused = _paused_dates(inp.pauses, received_on, today)
    warnings: list[str] = []
    if any(p.end is None for p in inp.pauses):
        warnings.append(_("The clock is paused: the due date moves later each day the pause lasts."))

    acceptance_due_on: date | None = None
    if inp.regime is Regime.MARKET_REGULATION:
        limit, unit = MARKET_MEDIATION_DAYS, UNIT_WORKING
        acceptance_due_on = calendar.add_working_days(received_on, MARKET_ACCEPTANCE_DAYS)
        due_on, paused_days = _count(received_on, limit, paused, calendar.is_working_day)
    else:
        if inp.complexity is Complexity.SPECIAL and not inp.special_extension_approved:
            raise ValidationError(
                _(
                    "The 60-day limit for an especially complex case needs a superior's approval "
                    "and notice to the complainant. Record the approval first."
                ),
                field="special_extension_approved",
            )
        limit, unit = BANKING_LIMITS[inp.complexity], UNIT_CALENDAR
        last_day, paused_days = _count(received_on, limit, paused, lambda _day: True)
        due_on = calendar.next_working_day(last_day)

    for year in calendar.unknown_years(received_on + _ONE_DAY, due_on):
        warnings.append(
            _(
                "No official holiday schedule for {year}: counting weekends only. "
                "Ask headquarters to enter the {year} schedule."
            ).format(year=year)
        )
    first_contact_due = inp.received_at.astimezone(UTC) + timedelta(hours=inp.first_contact_hours)
    return DeadlineResult(
        due_on=due_on,
        limit=limit,
        unit=unit,
        acceptance_due_on=acceptance_due_on,
        first_contact_due=first_contact_due,
        paused_days=paused_days,
        warnings=tuple(warnings),
    )


def days_left(due_on: date, today: date) -> int:
    """Calendar days until ``due_on``: 0 = due today, negative when overdue."""
    return (due_on - today).days


def deadline_state(
    due_on: date | None, today: date, *, soon_days: int = 2, stopped: bool = False
) -> DeadlineState:
    """Traffic-light state of a deadline; a stopped clock (paused, answered) wins over the dates."""
    if stopped:
        return DeadlineState.STOPPED
    if due_on is None:
        return DeadlineState.OK
    left = days_left(due_on, today)
    if left < 0:
        return DeadlineState.OVERDUE
    if left <= soon_days:
        return DeadlineState.DUE_SOON
    return DeadlineState.OK


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: {name}").format(name=name), field="office_tz") from exc


def _paused_dates(pauses: tuple[PauseInterval, ...], received_on: date, today: date) -> set[date]:
    """Every paused local date after the receipt day (overlapping pauses count once)."""
    days: set[date] = set()
    for pause in pauses:
        end = pause.end if pause.end is not None else today
        if end < pause.start and pause.end is not None:
            raise ValidationError(_("A pause cannot end before it starts."), field="pauses")
        day = max(pause.start, received_on + _ONE_DAY)
        while day <= end:
            days.add(day)
            day += _ONE_DAY
    return days


def _count(
    received_on: date, limit: int, paused: set[date], counts: Callable[[date], bool]
) -> tuple[date, int]:
    """Walk from the day after receipt to the ``limit``-th counted, unpaused day.

    Returns that day and how many paused days were skipped on the way; a pause after the due date
    does not move it.
    """
    day = received_on
    counted = skipped = 0
    while counted < limit:
        day += _ONE_DAY
        if not counts(day):
            continue
        if day in paused:
            skipped += 1
        else:
            counted += 1
    return day, skipped
