"""Portable SQL expressions for reports: local dates, week/month buckets, durations and medians.

The same report runs on SQLite and PostgreSQL and aggregates in the database (GROUP BY, window
functions), never by loading cases into Python. Times are stored in UTC; reports count them on the
office's local calendar. SQLite has no time-zone database, so it shifts by the zone's UTC offset at
the start of the period (exact for Asia/Shanghai, which has no daylight saving time).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, Integer, and_, cast, func, literal, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from desk_app.errors import BugError


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


def _quoted(text: str) -> ColumnElement[str]:
    return literal_column("'" + text.replace("'", "''") + "'")


MEDIAN_BUCKETS_PER_UNIT = 24
"""The histogram step of ``medians`` groups values (days) by the hour."""


def medians(session: Session, value: ColumnElement[Any], conditions: list[ColumnElement[bool]],
            group: Any = None) -> tuple[float | None, dict[Any, float]]:
    """The exact median of ``value`` over all rows, and per ``group``, in two aggregate scans.

    1. A histogram: rows counted per (group, hour bucket) — a GROUP BY, no sort of the rows.
    2. Only the rows of the buckets holding the middle ranks are fetched, and the median is read
       from them (the mean of the two middle values when the count is even).
    Cheaper than window functions over a million rows, and exact.
    """
    bucket = cast(value * MEDIAN_BUCKETS_PER_UNIT, Integer)
    key = group if group is not None else literal(0)
    base = and_(value.is_not(None), *conditions)
    histogram: dict[Any, dict[int, int]] = {}
    for g, b, n in session.execute(select(key, bucket, func.count()).where(base).group_by(key, bucket)):
        histogram.setdefault(g if group is not None else None, {})[int(b)] = int(n)
    overall: dict[int, int] = {}
    for counts in histogram.values():
        for b, n in counts.items():
            overall[b] = overall.get(b, 0) + n

    def targets(counts: dict[int, int]) -> list[tuple[int, int]]:
        """(bucket, rank within the bucket, 1-based) of the middle rank(s)."""
        total = sum(counts.values())
        wanted = sorted({(total + 1) // 2, (total + 2) // 2}) if total else []
        out, seen = [], 0
        for b in sorted(counts):
            for rank in wanted:
                if seen < rank <= seen + counts[b]:
                    out.append((b, rank - seen))
            seen += counts[b]
        return out

    plan = {g: targets(counts) for g, counts in histogram.items()} if group is not None else {}
    overall_plan = targets(overall)
    needed = {b for b, _r in overall_plan} | {b for items in plan.values() for b, _r in items}
    if not needed:
        return None, {}
    values: dict[tuple[Any, int], list[float]] = {}
    for g, b, v in session.execute(select(key, bucket, value).where(base, bucket.in_(sorted(needed)))):
        values.setdefault((g if group is not None else None, int(b)), []).append(float(v))
    by_bucket: dict[int, list[float]] = {}
    for (_g, b), items in values.items():
        by_bucket.setdefault(b, []).extend(items)
    for items in (*values.values(), *by_bucket.values()):
        items.sort()

    def pick(items: list[tuple[int, int]], rows: Any) -> float | None:
        chosen = [rows(b)[rank - 1] for b, rank in items]
        return sum(chosen) / len(chosen) if chosen else None

    result_overall = pick(overall_plan, lambda b: by_bucket[b])
    per_group = {}
    for g, middle in plan.items():
        found = pick(middle, lambda b, g=g: values[(g, b)])
        if found is not None:
            per_group[g] = found
    return result_overall, per_group
