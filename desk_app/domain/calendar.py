"""The Chinese working-day calendar: weekends, official holidays and make-up working days (调休上班).

The data comes from outside (the database table HQ maintains, seeded from ``chinese_calendar``);
this module only answers questions about it. A year HQ has not entered yet is "unknown": the
calendar then counts weekends only, and callers warn the user (see ``deadlines``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

_ONE_DAY = timedelta(days=1)


class DayKind(StrEnum):
    HOLIDAY = "holiday"
    WORKDAY = "workday"  # a weekend day that is a make-up working day (调休上班)


@dataclass(frozen=True)
class CalendarDay:
    """One entry of an official schedule; ``name`` is the festival it belongs to, e.g. "春节"."""

    day: date
    kind: DayKind
    name: str = ""


class WorkCalendar:
    """Working days on the official calendar.

    A day with an entry is decided by the entry; any other day is a working day when it is Monday
    to Friday. ``known_years`` says which years have a complete schedule; it does not change the
    answers (an entry is trusted even in an otherwise unknown year, e.g. a 2027 New Year's Eve day
    published in the 2028 notice), it only drives ``is_known_year``/``unknown_years`` and the warnings.
    """

    def __init__(self, entries: Iterable[CalendarDay] = (), known_years: Iterable[int] = ()) -> None:
        self._entries: dict[date, CalendarDay] = {e.day: e for e in entries}
        self._known_years: frozenset[int] = frozenset(known_years)

    @property
    def known_years(self) -> frozenset[int]:
        return self._known_years

    @property
    def entries(self) -> tuple[CalendarDay, ...]:
        return tuple(sorted(self._entries.values(), key=lambda e: e.day))

    def is_known_year(self, year: int) -> bool:
        return year in self._known_years

    def is_working_day(self, day: date) -> bool:
        entry = self._entries.get(day)
        if entry is not None:
            return entry.kind is DayKind.WORKDAY
        return day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself not counted); before it if n < 0."""
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        day = start
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative (the count in (end, start]) when end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return count

    def unknown_years(self, start: date, end: date) -> list[int]:
        """Years touched by [start, end] (either order) that have no schedule."""
        first, last = sorted((start.year, end.year))
        return [y for y in range(first, last + 1) if y not in self._known_years]

    def holiday_name(self, day: date) -> str | None:
        """The festival's name when ``day`` is an official holiday, else None."""
        entry = self._entries.get(day)
        if entry is None or entry.kind is not DayKind.HOLIDAY:
            return None
        return entry.name
