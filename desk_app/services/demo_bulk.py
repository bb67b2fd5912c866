"""Bulk demo data for benchmarks: the demo generator's cases, written fast enough to fill 1,000,000.

The cases are the demo data's own (``demo._Generator``: customers, complaints with their keyed hash-chained
timelines, resolutions, follow-up calls and root causes); only the making and writing differ (measured with
``benchmarks/bulk.py``):

- the rows are made in forked producer processes (one per CPU, each with its own branches so their
  case-number counters never meet) while this process writes, and converted there to the driver's values
  (SQLAlchemy's bind processors, or the same text from one C call for the commonest SQLite types); event
  hashes are made from the canonical payload JSON, once per recurring payload;
- SQLite: plain ``executemany`` of tuples on the driver connection, ``synchronous = OFF``, foreign keys
  not checked (the rows are made consistent) and a large page cache for this connection only, restored
  after; the complaints get explicit rowids and each chunk lands with its rows in both full-text tables
  (trigram and word tokens), the search queue its insert trigger filled emptied in the same transaction;
  PostgreSQL: ``COPY`` (its GIN indexes are rebuilt with the other plain indexes);
- the plain indexes of the tables written are dropped first and built again at the end (keeping a
  random-UUID B-tree current for every row is what made demo data slow down as the database grew);
- committed every ``CHUNK`` cases with the number counters they used, so an interrupted run leaves whole,
  valid, indexed chunks behind (the counter table ``case_counts`` is kept by its triggers).

Unlike ``generate_demo_data`` this is not one transaction: it is for filling a benchmark database, not for a
database people work in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import multiprocessing
import operator
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Dialect, Table, Uuid, text

from desk_app.db import search
from desk_app.db.migrate import SQLITE_ANALYSIS_LIMIT
from desk_app.db.models import Base, Callback, Complaint, ComplaintEvent, Customer, Resolution, RootCause, User
from desk_app.db.types import UTCDateTime
from desk_app.db.uow import Database
from desk_app.domain.enums import Status
from desk_app.domain.events import EventPayload, stored_payload
from desk_app.domain.timeline import GENESIS_HASH
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
#: Each table's rows as the driver takes them (tuples in ``_Shape.columns`` order); on SQLite also, under
#: ``SEARCH``, each complaint's number, customer (name and phone) and text for the full-text tables.
Batch = dict[str, list[tuple[Any, ...]]]
SEARCH = "search"


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


# --- rows as the driver takes them ------------------------------------------------------------------------

_SQLITE_DATETIME = "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
_SQLITE_DATE = "%(year)04d-%(month)02d-%(day)02d"


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _fast_processor(column_type: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """SQLite: the same text as SQLAlchemy's bind processor for the commonest types, from one C call instead
    of a format with a dict (converting was a fifth of making a case); None: use SQLAlchemy's."""
    if dialect.name != "sqlite":
        return None
    if isinstance(column_type, UTCDateTime):
        impl = column_type.impl.dialect_impl(dialect)
        return _utc_text if getattr(impl, "_storage_format", None) == _SQLITE_DATETIME else None
    impl = column_type.dialect_impl(dialect)
    if isinstance(impl, Uuid) and impl.as_uuid and not (dialect.supports_native_uuid and impl.native_uuid):
        return operator.attrgetter("hex")
    if isinstance(impl, Boolean) and not dialect.supports_native_boolean:
        return int
    if isinstance(impl, Date) and not isinstance(impl, DateTime) and \
            getattr(impl, "_storage_format", None) == _SQLITE_DATE:
        return date.isoformat
    return None


@dataclass(frozen=True)
class _Shape:
    """How one table's demo rows (dicts) become driver values: the columns written, each with its default
    when the demo row leaves it out, and SQLAlchemy's bind processor for it (what a Core insert applies)."""

    table: str
    columns: tuple[str, ...]
    defaults: tuple[Any, ...]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    @classmethod
    def of(cls, table: Table, present: set[str], dialect: Dialect) -> _Shape:
        columns: list[str] = []
        defaults: list[Any] = []
        processors: list[tuple[int, Callable[[Any], Any]]] = []
        for column in table.columns:
            default = column.default
            if column.name not in present and not (default is not None and getattr(default, "is_scalar", False)):
                continue  # NULL or the server's default, as a Core insert leaves it
            processor = _fast_processor(column.type, dialect) or column.type._cached_bind_processor(dialect)
            if processor is not None:
                processors.append((len(columns), processor))
            columns.append(column.name)
            defaults.append(getattr(default, "arg", None) if column.name not in present else None)
        return cls(table.name, tuple(columns), tuple(defaults), tuple(processors))

    def convert(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        pairs = tuple(zip(self.columns, self.defaults, strict=True))
        processors = self.processors
        out = []
        for row in rows:
            values = [row.get(name, default) for name, default in pairs]
            for i, processor in processors:
                value = values[i]
                if value is not None:
                    values[i] = processor(value)
            out.append(tuple(values))
        return out


def _json_default(value: Any) -> Any:
    """``timeline.json_safe`` for the values json cannot write itself (the same text, in one pass)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} in an event payload")


_canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                              default=_json_default).encode


def event_body(complaint: str, seq: int, kind: str, actor: uuid.UUID | None, at: datetime, payload: str) -> str:
    """``timeline._body`` of an unsealed event whose stored payload's canonical JSON is ``payload``, built
    without the intermediate dict (tests compare the two)."""
    who = f'"{actor}"' if actor else "null"
    return (f'{{"actor":{who},"at":"{at.astimezone(UTC).isoformat(timespec="microseconds")}",'
            f'"complaint":"{complaint}","kind":{_canonical(kind)},"payload":{payload},"seq":{seq}}}')


class _BulkGenerator(demo._Generator):
    """The demo generator with its batches returned as driver values (the writer is the caller)."""

    shapes: dict[str, _Shape]
    search_rows: bool  # SQLite: each complaint's number, customer and text for the full-text tables

    def prepare(self, dialect: Dialect) -> None:
        probe = _BulkGenerator.__new__(_BulkGenerator)  # rows to learn each table's keys from, rng untouched
        probe.__dict__.update(self.__dict__, rng=random.Random(0), counters={}, customers=[], contact={},
                              stored={})
        sample = probe._dicts(100)
        while not all(sample.values()):  # a closed case has every kind of row
            sample = probe._dicts(1000)
        self.shapes = {name: _Shape.of(demo._table(model), set().union(*(r.keys() for r in sample[name])), dialect)
                       for model in _TABLES if (name := demo._table(model).name)}
        self.search_rows = dialect.name == "sqlite"
        self.contact: dict[uuid.UUID, str] = {}
        #: the stored form and canonical JSON of each hashable payload (assignments, status changes recur)
        self.stored: dict[Any, tuple[dict[str, Any], str]] = {}

    def _payload(self, payload: EventPayload) -> tuple[dict[str, Any], str]:
        try:
            found = self.stored.get(payload)
        except TypeError:  # a list inside (the registration's axes): made each time
            safe = stored_payload(payload)
            return safe, _canonical(safe)
        if found is None:
            safe = stored_payload(payload)
            found = self.stored[payload] = (safe, _canonical(safe))
        return found

    def _events(self, row: dict[str, Any], clerk: User, owner: User | None, status: Status,
                finished_at: datetime | None) -> list[dict[str, Any]]:
        events, prev, key, complaint = [], GENESIS_HASH, self.key, str(row["id"])
        for seq, (payload, actor, when) in enumerate(self._steps(row, clerk, owner, status, finished_at), start=1):
            kind = payload.KIND.value
            safe, canonical = self._payload(payload)
            body = event_body(complaint, seq, kind, actor, when, canonical)
            digest = hmac.new(key, (prev + body).encode("utf-8"), hashlib.sha256).hexdigest()
            events.append({"id": uuid.uuid4(), "complaint_id": row["id"], "seq": seq, "kind": kind,
                           "actor_id": actor, "occurred_at": when, "payload": safe, "prev_hash": prev,
                           "hash": digest})
            prev = digest
        return events

    def _dicts(self, size: int) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {demo._table(m).name: [] for m in _TABLES}
        customers, complaints, events = out["customers"], out["complaints"], out["complaint_events"]
        outcome_tables: dict[type[Base], list[dict[str, Any]]] = {
            m: out[demo._table(m).name] for m in (Resolution, Callback, RootCause)}
        for _i in range(size):
            cid, customer_row = self._customer()
            if customer_row:
                customers.append(customer_row)
                self.contact[cid] = f"{customer_row['name']} {customer_row['phone']}"
            complaint, case_events = self._complaint(cid)
            complaints.append(complaint)
            events.extend(case_events)
            for model, row in self._outcomes(complaint) if self.with_outcomes else ():
                outcome_tables[model].append(row)
        return out

    def rows(self, size: int) -> Batch:
        dicts = self._dicts(size)
        batch = {name: shape.convert(dicts[name]) for name, shape in self.shapes.items()}
        if self.search_rows:  # the writer gives them their rowids
            batch[SEARCH] = [(r["case_number"], self.contact[r["customer_id"]],
                              r["summary"] + " " + r["facts_what"] + " " + r["request_text"])
                             for r in dicts["complaints"]]
        return batch

    def share(self, part: int, parts: int, seed: int | None) -> None:
        """Make this generator (in a producer process) one of ``parts``: its own branches, so the case-number
        counters of the producers never meet, and its own random stream."""
        self.branches = self.branches[part::parts]
        self.rng = random.Random(None if seed is None else f"{seed}:{part}")


def _produce(generator: _BulkGenerator, part: int, parts: int, seed: int | None, count: int, chunk: int,
             queue: Any) -> None:
    """In a producer process: its chunks' rows and its counters so far, then None."""
    generator.share(part, parts, seed)
    done = 0
    while done < count:
        size = min(chunk, count - done)
        queue.put((generator.rows(size), dict(generator.counters)))
        done += size
    queue.put(None)


def producers_for(count: int, chunk: int, branches: int) -> int:
    """How many producer processes make the rows (0: this process makes them): one per CPU, at most one per
    branch; none for fewer than two chunks or where processes cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods() or count < 2 * chunk:
        return 0
    return max(1, min(os.cpu_count() or 1, branches, count // chunk))


def _batches(generator: _BulkGenerator, count: int, chunk: int, seed: int | None
             ) -> Iterator[tuple[Batch, dict[str, int]]]:
    """The chunks of rows, made in forked producer processes (making the rows takes longer than writing
    them; they overlap), else here."""
    parts = producers_for(count, chunk, len(generator.branches))
    if parts == 0:
        done = 0
        while done < count:
            size = min(chunk, count - done)
            yield generator.rows(size), dict(generator.counters)
            done += size
        return
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue(maxsize=parts + 1)
    shares = [count // parts + (1 if k < count % parts else 0) for k in range(parts)]
    producers = [ctx.Process(target=_produce, args=(generator, k, parts, seed, shares[k], chunk, queue), daemon=True)
                 for k in range(parts)]
    for producer in producers:
        producer.start()
    try:
        running = parts
        while running:
            item = queue.get(timeout=600)
            if item is None:
                running -= 1
            else:
                yield item
        for producer in producers:
            producer.join(60)
    finally:
        for producer in producers:
            if producer.is_alive():
                producer.terminate()
                producer.join(10)


# --- writing -----------------------------------------------------------------------------------------------

def _counter_rows(counters: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counters.items())


class _SqliteWriter:
    """Chunks on the driver connection, each one transaction with its search rows and counters."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.next_rowid = int(raw.execute(  # past any rowid the search queue still holds, too
            f"SELECT max(coalesce((SELECT max(rowid) FROM complaints), 0), "
            f"coalesce((SELECT max(complaint_rowid) FROM {search.QUEUE}), 0)) + 1").fetchone()[0])
        raw.execute("PRAGMA foreign_keys = OFF")  # outside a transaction, or SQLite ignores it
        raw.execute("PRAGMA synchronous = OFF")
        raw.execute("PRAGMA cache_size = -262144")  # 256 MiB

    def write(self, batch: Batch, shapes: dict[str, _Shape], counters: dict[str, int]) -> None:
        raw, first = self.raw, self.next_rowid
        found = batch[SEARCH]
        last = first + len(found) - 1
        raw.execute("BEGIN IMMEDIATE")
        try:
            for name, shape in shapes.items():
                rows = batch[name]
                if not rows:
                    continue
                if name == "complaints":  # explicit rowids: those of the search rows below
                    raw.executemany(
                        f"INSERT INTO complaints (rowid, {', '.join(shape.columns)}) "
                        f"VALUES ({', '.join('?' * (len(shape.columns) + 1))})",
                        ((first + i, *row) for i, row in enumerate(rows)))
                else:
                    raw.executemany(f"INSERT INTO {name} ({', '.join(shape.columns)}) "
                                    f"VALUES ({', '.join('?' * len(shape.columns))})", rows)
            raw.executemany(f"INSERT INTO {search.TRIGRAMS} (rowid, case_number, customer, body) "
                            "VALUES (?, ?, ?, ?)", ((first + i, *row) for i, row in enumerate(found)))
            raw.executemany(f"INSERT INTO {search.WORDS} (rowid, grams) VALUES (?, ?)",
                            ((first + i, search.grams(body)) for i, (_n, _c, body) in enumerate(found)))
            raw.execute(f"DELETE FROM {search.QUEUE} WHERE complaint_rowid BETWEEN ? AND ? "
                        "AND indexed_body IS NULL", (first, last))  # what the insert trigger queued
            raw.executemany("INSERT INTO number_counters (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                            "SET value = max(number_counters.value, excluded.value)", _counter_rows(counters))
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        self.next_rowid = last + 1

    def close(self) -> None:  # the connection goes back to the pool: the engine's settings again
        self.raw.execute("PRAGMA synchronous = NORMAL")
        self.raw.execute("PRAGMA cache_size = -2000")
        self.raw.execute("PRAGMA foreign_keys = ON")


class _PostgresWriter:
    """Chunks by COPY on the driver connection, each one transaction with its counters."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        with raw.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
            cur.execute("SET maintenance_work_mem = '512MB'")
        raw.commit()

    def write(self, batch: Batch, shapes: dict[str, _Shape], counters: dict[str, int]) -> None:
        raw = self.raw
        try:
            with raw.cursor() as cur:
                for name, shape in shapes.items():
                    if batch[name]:
                        with cur.copy(f"COPY {name} ({', '.join(shape.columns)}) FROM STDIN") as copy:
                            for row in batch[name]:
                                copy.write_row(row)
                cur.executemany("INSERT INTO number_counters (key, value) VALUES (%s, %s) ON CONFLICT (key) DO "
                                "UPDATE SET value = greatest(number_counters.value, excluded.value)",
                                _counter_rows(counters))
            raw.commit()
        except BaseException:
            raw.rollback()
            raise

    def close(self) -> None:
        with self.raw.cursor() as cur:
            cur.execute("RESET synchronous_commit")
            cur.execute("RESET maintenance_work_mem")
        self.raw.commit()


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
    with db.unit_of_work() as session:  # the generator reads branches, staff, axes, calendar, counters
        branches = demo._ensure_branches(session)
        generator = _BulkGenerator(session, random.Random(seed), now, load_work_calendar(session),
                                   {axis: demo._codes(session, axis) for axis in "ABCD"}, branches, True)
        session.expunge_all()  # plain attribute reads from here on (ids, codes, names)
    sqlite = db.dialect == "sqlite"
    events = outcomes = 0
    with db.engine.connect() as conn:
        generator.prepare(conn.dialect)
        dropped = plain_indexes(conn) if count >= drop_indexes_from else []
        for name, _sql in dropped:
            conn.exec_driver_sql(f"DROP INDEX {_quoted(conn, name)}")
        conn.commit()
        raw: Any = conn.connection.dbapi_connection
        writer = _SqliteWriter(raw) if sqlite else _PostgresWriter(raw)
        try:
            done = 0
            for batch, counters in _batches(generator, count, chunk, seed):
                writer.write(batch, generator.shapes, counters)
                events += len(batch["complaint_events"])
                outcomes += sum(len(batch.get(demo._table(m).name, ())) for m in (Resolution, Callback, RootCause))
                done += len(batch["complaints"])
                if progress is not None:
                    progress("cases", done, count)
        finally:
            rows_s = time.perf_counter() - started
            for n, (name, sql) in enumerate(dropped, 1):
                conn.exec_driver_sql(sql)
                conn.commit()
                if progress is not None:
                    progress(name, n, len(dropped))
            writer.close()
        if sqlite:
            conn.exec_driver_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
        if sqlite:
            conn.exec_driver_sql("PRAGMA analysis_limit = 0")
    total = time.perf_counter() - started
    return BulkFigures(count, events, outcomes, rows_s, total - rows_s, total)
