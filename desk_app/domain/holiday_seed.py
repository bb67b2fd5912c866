"""Official holidays and make-up working days from the ``chinese_calendar`` package.

Used to seed the holiday table that HQ then extends: the package only knows the years published
when it was released (1.11.0: 2004–2026), so a later year simply yields no entries here.
"""

from __future__ import annotations

from collections.abc import Iterable

import chinese_calendar

from desk_app.domain.calendar import CalendarDay, DayKind


def available_years() -> list[int]:
    """The years for which the installed package has a schedule."""
    return sorted({d.year for d in chinese_calendar.holidays})


def _chinese_name(english: str) -> str:
    """The package stores English names; the Chinese one ("春节") is what the notices and the app use."""
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def holiday_entries(years: Iterable[int]) -> list[CalendarDay]:
    """Holiday and make-up working-day entries for ``years``, sorted by date; unknown years give none.

    The package lists every day of a holiday block, weekends included, as a holiday, and the
    make-up days (weekend days worked) as workdays.
    """
    wanted = set(years)
    entries = [
        CalendarDay(day, DayKind.HOLIDAY, _chinese_name(name))
        for day, name in chinese_calendar.holidays.items()
        if day.year in wanted
    ]
    entries += [
        CalendarDay(day, DayKind.WORKDAY, _chinese_name(name))
        for day, name in chinese_calendar.workdays.items()
        if day.year in wanted
    ]
    return sorted(entries, key=lambda e: e.day)
