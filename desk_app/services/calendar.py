"""The holiday table in the database: seeded from the chinese-calendar package, extended by HQ.

When HQ enters or changes a year's schedule, every open case's due date is recomputed and each
change is written to that case's timeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from desk_app.db.models import CalendarEntry, CalendarYear, Complaint
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.calendar import CalendarDay, DayKind, WorkCalendar
from desk_app.domain.holiday_seed import holiday_entries
from desk_app.domain.permissions import Permission
from desk_app.domain.workflow import FINISHED_STATES
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.services.change_tokens import CALENDAR, Kept

PACKAGE_YEARS = range(2004, 2027)


@dataclass(frozen=True)
class YearInfo:
    year: int
    source: str
    holidays: int
    make_up_workdays: int


@dataclass(frozen=True)
class ScheduleChange:
    year: int
    cases_rechecked: int
    cases_changed: int


def seed_calendar(session: Session) -> int:
    """Load the package's official schedules into an empty table; returns the number of years added."""
    if session.scalar(select(CalendarYear.year).limit(1)) is not None:
        return 0
    added = 0
    for year in PACKAGE_YEARS:
        entries = holiday_entries([year])
        if not entries:
            continue
        session.add_all(CalendarEntry(day=e.day, kind=e.kind.value, name=e.name) for e in entries)
        session.add(CalendarYear(year=year, source="package"))
        added += 1
    session.flush()
    return added


def _build_calendar(session: Session) -> WorkCalendar:
    # Plain rows, not ORM objects (building entities took half of a registration's time on PostgreSQL).
    entries = [CalendarDay(day, DayKind(kind), name) for day, kind, name in session.execute(
        select(CalendarEntry.day, CalendarEntry.kind, CalendarEntry.name))]
    return WorkCalendar(entries, list(session.scalars(select(CalendarYear.year))))


_CALENDARS = Kept(CALENDAR, _build_calendar)


def load_work_calendar(session: Session, token: str | None = None) -> WorkCalendar:
    """The holiday table as a WorkCalendar, built once per process and change of the table (``token``: the
    calendar's change token when the caller has read it with another statement)."""
    return _CALENDARS.get(session, token)


def list_years(db: Database) -> list[YearInfo]:
    with db.unit_of_work() as session:
        years = session.scalars(select(CalendarYear).order_by(CalendarYear.year)).all()
        entries = session.scalars(select(CalendarEntry)).all()
        return [
            YearInfo(
                y.year, y.source,
                sum(1 for e in entries if e.day.year == y.year and e.kind == DayKind.HOLIDAY),
                sum(1 for e in entries if e.day.year == y.year and e.kind == DayKind.WORKDAY),
            )
            for y in years
        ]


def _validate_schedule(year: int, entries: Iterable[CalendarDay]) -> list[CalendarDay]:
    checked: list[CalendarDay] = []
    seen: set[date] = set()
    for entry in entries:
        if entry.day.year != year:
            raise ValidationError(_("{day} is not in {year}.").format(day=entry.day.isoformat(), year=year))
        if entry.day in seen:
            raise ValidationError(_("{day} appears twice.").format(day=entry.day.isoformat()))
        if entry.kind is DayKind.WORKDAY and entry.day.weekday() < 5:
            raise ValidationError(
                _("{day} is a weekday: only a Saturday or Sunday can be a make-up working day.").format(
                    day=entry.day.isoformat()))
        seen.add(entry.day)
        checked.append(entry)
    if not any(e.kind is DayKind.HOLIDAY for e in checked):
        raise ValidationError(_("The {year} schedule has no holidays.").format(year=year))
    return checked


def enter_year_schedule(db: Database, actor: Actor, year: int, entries: Iterable[CalendarDay]) -> ScheduleChange:
    """HQ enters (or replaces) the official schedule of ``year``; open cases are re-dated in the same
    transaction, each change logged on its timeline."""
    require(actor, Permission.MANAGE_REFERENCE_DATA)
    checked = _validate_schedule(year, entries)
    from desk_app.services.deadline_refresh import refresh_due_dates  # avoids an import cycle

    with db.unit_of_work() as session:
        session.execute(delete(CalendarEntry).where(CalendarEntry.day >= date(year, 1, 1),
                                                    CalendarEntry.day <= date(year, 12, 31)))
        session.add_all(CalendarEntry(day=e.day, kind=e.kind.value, name=e.name) for e in checked)
        known = session.get(CalendarYear, year)
        if known is None:
            session.add(CalendarYear(year=year, source="hq", entered_by=actor.username))
        else:
            known.source, known.entered_by = "hq", actor.username
        session.flush()
        calendar = load_work_calendar(session)
        open_cases = session.scalars(select(Complaint).where(Complaint.status.not_in(list(FINISHED_STATES)))).all()
        changed = refresh_due_dates(session, open_cases, calendar, actor,
                                    reason=_("Holiday schedule for {year} changed").format(year=year))
        audit.record(session, actor, audit.AuditAction.SETTINGS_CHANGED, None,
                     {"setting": "holiday_calendar", "year": year, "days": len(checked), "cases_redated": changed})
        return ScheduleChange(year, len(open_cases), changed)
