"""Portable SQL expressions for reports: local dates, week/month buckets, durations, concatenated
codes to count, and a join whose order SQLite keeps.

The same report runs on SQLite and PostgreSQL and aggregates in the database, never by loading cases
into Python. Times are stored in UTC; reports count them on the
office's local calendar. SQLite has no time-zone database, so it shifts by the zone's UTC offset at
the start of the period (exact for Asia/Shanghai, which has no daylight saving time).
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Date, Float, Integer, String, case, cast, func, literal, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Join

from desk_app.errors import BugError


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """The number of rows where ``condition`` holds (0 when there are none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def utc_offset_minutes(tz: str, at: date) -> int:
    offset = datetime(at.year, at.month, at.day, 12, tzinfo=ZoneInfo(tz)).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def local_midnight_utc(day: date, tz: str) -> datetime:
    """The UTC instant at which ``day`` starts in ``tz``."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)).astimezone(UTC)


class Dialect:
    """Builds dialect-specific expressions for one database and office time zone."""

    def __init__(self, name: str, tz: str, reference_day: date) -> None:
        if name not in ("sqlite", "postgresql"):
            raise BugError(f"reports do not support the {name!r} database")
        self.name = name
        self.tz = tz
        self._modifier = f"{utc_offset_minutes(tz, reference_day):+d} minutes"
        # Inline literals, not bound parameters: PostgreSQL must see the SELECT and GROUP BY expressions
        # as the same expression (with bound parameters they become $1 and $3, and GROUP BY fails).
        self._tz_sql = _quoted(tz)

    @classmethod
    def of(cls, session: Session, tz: str, reference_day: date) -> Dialect:
        return cls(session.get_bind().dialect.name, tz, reference_day)

    def local_date(self, column: Any) -> ColumnElement[date]:
        """The office-local calendar date of a UTC timestamp column."""
        if self.name == "sqlite":
            return func.date(column, self._modifier, type_=Date)
        return cast(func.timezone(self._tz_sql, column), Date)

    def month_start(self, column: Any) -> ColumnElement[date]:
        if self.name == "sqlite":
            return func.strftime("%Y-%m-01", column, self._modifier, type_=Date)
        return cast(func.date_trunc(_quoted("month"), func.timezone(self._tz_sql, column)), Date)

    def week_start(self, column: Any) -> ColumnElement[date]:
        """The Monday of the (ISO) week the local date falls in."""
        if self.name == "sqlite":
            return func.date(column, self._modifier, "weekday 0", "-6 days", type_=Date)
        return cast(func.date_trunc(_quoted("week"), func.timezone(self._tz_sql, column)), Date)

    def days_between(self, start: Any, end: Any) -> ColumnElement[Any]:
        """``end - start`` in (fractional) days."""
        if self.name == "sqlite":
            return func.julianday(end) - func.julianday(start)
        return cast(func.extract("epoch", end - start), Float) / literal(86400.0)

    def milliseconds_between(self, start: Any, end: Any) -> ColumnElement[int]:
        """``end - start`` in whole milliseconds (SQLite keeps times to the millisecond in julianday)."""
        if self.name == "sqlite":
            return cast(func.round((func.julianday(end) - func.julianday(start)) * 86_400_000), Integer)
        return cast(func.round(func.extract("epoch", end - start) * 1000), BigInteger)

    def text(self, value: Any) -> ColumnElement[str]:
        """``value`` as text for ``joined`` (SQLite converts by itself; PostgreSQL's STRING_AGG needs text)."""
        return value if self.name == "sqlite" else cast(value, String)

    def char(self, code: Any) -> ColumnElement[str]:
        """The character with this code point."""
        return func.char(code) if self.name == "sqlite" else func.chr(code)


def _quoted(text: str) -> ColumnElement[str]:
    return literal_column("'" + text.replace("'", "''") + "'")


class DrivingJoin(Join):
    """An inner join whose left side drives the loop: SQLite (which only does nested loops) is told
    so with CROSS JOIN, its documented way to fix the join order. The statistics read resolutions,
    callbacks and root causes in case-id order and match each to its case by id: left to itself,
    SQLite would rather walk the period's cases and probe the outcomes at random."""

    inherit_cache = True


@compiles(DrivingJoin)
def _plain_join(join: DrivingJoin, compiler: Any, **kw: Any) -> str:
    return str(compiler.visit_join(join, **kw))


@compiles(DrivingJoin, "sqlite")
def _sqlite_cross_join(join: DrivingJoin, compiler: Any, asfrom: bool = False, from_linter: Any = None,
                       **kw: Any) -> str:
    if from_linter:
        from_linter.edges.update(itertools.product(join.left._from_objects, join.right._from_objects))
    left = join.left._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
    right = join.right._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
    assert join.onclause is not None
    on = join.onclause._compiler_dispatch(compiler, from_linter=from_linter, **kw)
    return f"{left} CROSS JOIN {right} ON {on}"


def driving_join(left: Any, right: Any, onclause: ColumnElement[bool]) -> DrivingJoin:
    return DrivingJoin(left, right, onclause)


JOIN_SEPARATOR = "\x1f"
"""Between the items of ``joined`` (the ASCII unit separator: never part of a code)."""


def joined(value: Any) -> ColumnElement[str]:
    """The values of ``value`` over the rows, as one text (GROUP_CONCAT / STRING_AGG; NULLs left out).

    SQLite has no hash aggregation: every GROUP BY sorts all the rows it reads (about a microsecond a
    row). Splitting one concatenated text and counting its items in Python (C loops) is several times
    cheaper for the few codes a report counts by, and works the same on PostgreSQL."""
    return func.aggregate_strings(value, JOIN_SEPARATOR)


def joined_ints(text: str | None, n: int) -> list[int]:
    """The integers of a ``joined`` text of ``n`` items."""
    return list(map(int, text.split(JOIN_SEPARATOR))) if n and text is not None else []


def count_joined(text: str | None, n: int) -> Counter[str]:
    """The items of a ``joined`` text of ``n`` items, counted."""
    return Counter(text.split(JOIN_SEPARATOR)) if n and text is not None else Counter()
