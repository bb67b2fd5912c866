"""Bulk demo data for benchmarks: the demo generator's cases, written fast enough to fill 1,000,000.

The rows are the demo data's own (``demo._Generator``: customers, complaints with their hash-chained
timelines, resolutions, follow-up calls and root causes); only the writing differs:

- the plain indexes of the tables written are dropped first and built again at the end (keeping a
  random-UUID B-tree current for every row is what made demo data slow down as the database grew);
- rows go in as driver-level batches, committed every ``CHUNK`` cases with the number counters they
  used, so the write-ahead log stays small; an interrupted run leaves whole, valid chunks behind;
- SQLite: ``synchronous = OFF`` and a large page cache for this connection only.

Unlike ``generate_demo_data`` this is not one transaction: it is for filling a benchmark database,
not for a database people work in. Timings: ``benchmarks/bulk.py``.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, text

from desk_app.db.models import Base, Callback, Complaint, ComplaintEvent, Customer, Resolution, RootCause
from desk_app.db.uow import Database
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.services import demo
from desk_app.services.calendar import load_work_calendar, seed_calendar
from desk_app.services.reference import seed_reference_data
from desk_app.services.setup import seed_guidance

#: Cases written and committed together.
CHUNK = 20_000
#: From this many cases on, the tables' plain indexes are dropped during the fill and rebuilt after.
DROP_INDEXES_FROM = 20_000
_TABLES = (Customer, Complaint, ComplaintEvent, Resolution, Callback, RootCause)

ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BulkFigures:
    cases: int
    events: int
    outcomes: int
    rows_s: float
    index_s: float
    total_s: float


def _table_names() -> list[str]:
    return [demo._table(model).name for model in _TABLES]


def plain_indexes(conn: Connection) -> list[tuple[str, str]]:
    """Name and CREATE statement of each index of the bulk tables that backs no constraint."""
    names = _table_names()
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
            "(" + ", ".join(f"'{n}'" for n in names) + ") ORDER BY name")).all()
    else:
        rows = conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(:t) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = "
            "CAST(current_schema() AS regnamespace)) ORDER BY indexname"), {"t": names}).all()
    return [(str(name), str(sql)) for name, sql in rows]


def _quoted(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))


class _BulkGenerator(demo._Generator):
    """The demo generator with its batch returned instead of written (the writer is the caller)."""

    def rows(self, size: int) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {demo._table(m).name: [] for m in _TABLES}
        customers, complaints, events = out["customers"], out["complaints"], out["complaint_events"]
        outcome_tables: dict[type[Base], list[dict[str, Any]]] = {
            m: out[demo._table(m).name] for m in (Resolution, Callback, RootCause)}
        for _i in range(size):
            cid, customer_row = self._customer()
            if customer_row:
                customers.append(customer_row)
            complaint, case_events = self._complaint(cid)
            complaints.append(complaint)
            events.extend(case_events)
            if self.with_outcomes:
                for model, row in self._outcomes(complaint):
                    outcome_tables[model].append(row)
        return out


Batch = dict[str, list[dict[str, Any]]]


def _produce(generator: _BulkGenerator, count: int, chunk: int, queue: Any) -> None:
    """In the producer process: every chunk's rows and the counters so far, then None."""
    done = 0
    while done < count:
        size = min(chunk, count - done)
        queue.put((generator.rows(size), dict(generator.counters)))
        done += size
    queue.put(None)


def _batches(generator: _BulkGenerator, count: int, chunk: int) -> Iterator[tuple[Batch, dict[str, int]]]:
    """The chunks of rows, made in a forked producer process where there is one (making the rows and writing
    them take about the same time, so the two overlap), else here."""
    if "fork" not in multiprocessing.get_all_start_methods() or count < 2 * chunk:
        done = 0
        while done < count:
            size = min(chunk, count - done)
            yield generator.rows(size), dict(generator.counters)
            done += size
        return
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue(maxsize=2)
    producer = ctx.Process(target=_produce, args=(generator, count, chunk, queue), daemon=True)
    producer.start()
    try:
        while (item := queue.get(timeout=600)) is not None:
            yield item
        producer.join(60)
    finally:
        if producer.is_alive():
            producer.terminate()
            producer.join(10)


def _save_counters(conn: Connection, counters: dict[str, int]) -> None:
    """The case-number counters the cases so far used (they only move forward)."""
    bigger = "max" if conn.dialect.name == "sqlite" else "greatest"
    conn.execute(text(
        "INSERT INTO number_counters (key, value) VALUES (:key, :value) ON CONFLICT (key) DO UPDATE "
        f"SET value = {bigger}(number_counters.value, excluded.value)"),
        [{"key": key, "value": value} for key, value in counters.items()])


def generate_bulk(db: Database, count: int, *, seed: int | None = None, now: datetime | None = None,
                  progress: ProgressFn | None = None, chunk: int = CHUNK,
                  drop_indexes_from: int = DROP_INDEXES_FROM) -> BulkFigures:
    """Add ``count`` demo cases (with demo branches and staff if missing) the fast way; see the module."""
    if count < 1 or count > 5_000_000:
        raise ValidationError(_("The number of demo cases must be between 1 and 5,000,000."), "count")
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    with db.unit_of_work() as session:
        seed_reference_data(session)
        seed_calendar(session)
        seed_guidance(session)
        demo._ensure_branches(session)
    engine = db.engine
    events = outcomes = 0
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        raw: Any = conn.connection.dbapi_connection
        if sqlite:  # on the driver's connection: outside the transaction SQLAlchemy begins
            raw.execute("PRAGMA synchronous = OFF")
            raw.execute("PRAGMA cache_size = -262144")  # 256 MiB
        else:
            conn.exec_driver_sql("SET synchronous_commit = off")
            conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            conn.commit()
        with db.unit_of_work() as session:  # the generator reads branches, staff, axes, calendar, counters
            branches = demo._ensure_branches(session)
            generator = _BulkGenerator(session, random.Random(seed), now, load_work_calendar(session),
                                       {axis: demo._codes(session, axis) for axis in "ABCD"}, branches, True)
            session.expunge_all()  # plain attribute reads from here on (ids, codes, names)
        dropped = plain_indexes(conn) if count >= drop_indexes_from else []
        for name, _sql in dropped:
            conn.exec_driver_sql(f"DROP INDEX {_quoted(conn, name)}")
        conn.commit()
        try:
            done = 0
            for batch, counters in _batches(generator, count, chunk):
                size = len(batch["complaints"])
                for model in _TABLES:
                    rows = batch[demo._table(model).name]
                    if rows:
                        conn.execute(insert(demo._table(model)), rows)
                events += len(batch["complaint_events"])
                outcomes += sum(len(batch[demo._table(m).name]) for m in (Resolution, Callback, RootCause))
                _save_counters(conn, counters)
                conn.commit()
                done += size
                if progress is not None:
                    progress("cases", done, count)
        finally:
            conn.rollback()
            rows_s = time.perf_counter() - started
            for n, (name, sql) in enumerate(dropped, 1):
                conn.exec_driver_sql(sql)
                conn.commit()
                if progress is not None:
                    progress(name, n, len(dropped))
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
        if sqlite:  # the connection goes back to the pool: the engine's settings again
            raw.execute("PRAGMA synchronous = NORMAL")
            raw.execute("PRAGMA cache_size = -2000")
    total = time.perf_counter() - started
    return BulkFigures(count, events, outcomes, rows_s, total - rows_s, total)
