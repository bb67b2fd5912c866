"""The technical records as a SQLite database file: how a detail export carries its cases to HQ.

Format 2 of the detail export (``records.FORMAT_VERSION``) embeds, gzip-compressed, a small SQLite
database whose tables have the names of the application's tables and the record columns of each
kind (``records.columns``), holding exactly the rows of the exported cases, personal data masked as
the export is. Why a database and not worksheet rows (format 1): a 100,000-case export holds about
800,000 records; SQLite copies them with one INSERT … SELECT per table in about two seconds, on the
second core, where rendering them as JSON in worksheet cells took over twenty (Excel keeps binary
parts in workbooks the same way, e.g. its data model in ``xl/model/item.data``).

Reading is the same as for a branch's own database file: ``record_sections(None, raw=True)`` over
the file gives every record, encoded by ``records.encode_raw``.
"""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Column, Connection, MetaData, Table, create_engine, func, insert, select

from desk_app.reports.detail import users_referenced_by
from desk_app.reports.records import KINDS, PERSONAL_COLUMNS, TABLES, USER_REFERENCES, columns, mask_value
from desk_app.reports.snapshot import Prepare

SCHEMA = "desk_records"
"""The name the records file is attached under while it is written (SQLite)."""
MASK_FUNCTION = "desk_mask"
GZIP_LEVEL = 1  # the fastest: a third of the size, at about 100 MB/s
_COPY_CHUNK = 1 << 24  # few, large writes: each one waits for the interpreter lock the other thread holds


def record_table(kind: str, metadata: MetaData) -> Table:
    """The table of ``kind`` in the records file: the record columns with their types, no constraints."""
    source = TABLES[kind]
    return Table(source.name, metadata, *(Column(c.name, c.type) for c in columns(kind)))


def register_mask_function(connection: sqlite3.Connection) -> None:
    connection.create_function(MASK_FUNCTION, 2, lambda column, value: mask_value(column, value) if value else value,
                               deterministic=True)


def masked_select(kind: str, query: Any) -> Any:
    """``query`` (a section query selecting ``columns(kind)``) with its personal data masked by SQLite."""
    personal = PERSONAL_COLUMNS.get(kind, ())
    if not personal:
        return query
    selected = [getattr(func, MASK_FUNCTION)(c.name, c).label(c.name) if c.name in personal else c
                for c in query.selected_columns]
    return query.with_only_columns(*selected, maintain_column_froms=True)


class RecordsFileJob:
    """Writes the records of ``sections`` to ``path`` from ``conn`` (a read session's connection, on the
    export's snapshot), then compresses it to ``gz_path``. Meant to run in its own thread: on SQLite the
    copy runs inside SQLite (attached as SCHEMA by ``attach``), without holding Python's lock; on
    PostgreSQL the rows go through Python into a new SQLite file. ``cancel()`` stops it from another
    thread. After ``run``, ``error`` holds what went wrong, or ``counts`` and ``sha256`` the result."""

    def __init__(self, conn: Connection, sections: Sequence[tuple[str, Any]], path: Path, gz_path: Path,
                 masked: bool) -> None:
        self.conn, self.sections, self.path, self.gz_path, self.masked = conn, sections, path, gz_path, masked
        self.counts: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.sha256 = ""
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._cancelled = threading.Event()

    @staticmethod
    def attach(path: Path) -> Prepare:
        """The ``prepare`` of ``read_snapshots`` that attaches a new records file to a SQLite connection."""

        def prepare(conn: Connection) -> None:
            register_mask_function(conn.connection.driver_connection)  # type: ignore[arg-type]
            conn.exec_driver_sql(f"ATTACH DATABASE ? AS {SCHEMA}", (str(path),))
            conn.exec_driver_sql(f"PRAGMA {SCHEMA}.journal_mode = MEMORY")  # a scratch file: no journal on disk
            conn.exec_driver_sql(f"PRAGMA {SCHEMA}.synchronous = OFF")

        return prepare

    def cancel(self) -> None:
        self._cancelled.set()
        if self.conn.dialect.name == "sqlite":
            driver = self.conn.connection.driver_connection
            if driver is not None:
                driver.interrupt()  # ends a running INSERT … SELECT

    def run(self) -> None:
        try:
            if self.conn.dialect.name == "sqlite":
                self._copy_in_sqlite()
            else:
                self._copy_through_python()
            self._compress()
        except BaseException as exc:  # handed to the waiting thread
            self.error = exc
        finally:
            self.done.set()

    def _check(self) -> None:
        if self._cancelled.is_set():
            raise InterruptedError("cancelled")

    def _copy_in_sqlite(self) -> None:
        """One INSERT … SELECT per table (unordered: the reader orders). The users are those the copied
        rows name, found in the records file's own tables (cheaper than in the whole database)."""
        conn = self.conn
        metadata = MetaData(schema=SCHEMA)
        tables = {kind: record_table(kind, metadata) for kind, _query in self.sections}
        for kind, query in [*(section for section in self.sections if section[0] != "user"),
                            ("user", users_referenced_by({k: t for k, t in tables.items() if k in USER_REFERENCES}))]:
            self._check()
            table = tables[kind]
            table.create(conn)
            query = query.order_by(None)
            conn.execute(insert(table).from_select([c.name for c in table.columns],
                                                   masked_select(kind, query) if self.masked else query))
            self.counts[kind] = conn.execute(select(func.count()).select_from(table)).scalar_one()
        conn.exec_driver_sql("COMMIT")  # the records file is written; this connection's snapshot ends here
        conn.exec_driver_sql(f"DETACH DATABASE {SCHEMA}")

    def _copy_through_python(self) -> None:
        target = create_engine(f"sqlite:///{self.path}")
        try:
            metadata = MetaData()
            with target.begin() as out:
                for kind, query in self.sections:
                    table = record_table(kind, metadata)
                    table.create(out)
                    names = [c.name for c in table.columns]
                    personal = [i for i, name in enumerate(names) if name in PERSONAL_COLUMNS.get(kind, ())]
                    for rows in self.conn.execute(query).partitions(5000):
                        self._check()
                        batch = [list(row) for row in rows]
                        if self.masked:
                            for values in batch:
                                for i in personal:
                                    values[i] = mask_value(names[i], values[i]) if values[i] else values[i]
                        out.execute(insert(table), [dict(zip(names, values, strict=True)) for values in batch])
                        self.counts[kind] += len(batch)
        finally:
            target.dispose()

    def _compress(self) -> None:
        digest = hashlib.sha256()
        with (self.path.open("rb") as src, self.gz_path.open("wb") as raw,
              gzip.GzipFile(filename="", mode="wb", fileobj=_Hashing(raw, digest), compresslevel=GZIP_LEVEL,
                            mtime=0) as out):
            while chunk := src.read(_COPY_CHUNK):
                self._check()
                out.write(chunk)
        self.sha256 = digest.hexdigest()


class _Hashing:
    """A binary file that hashes what is written to it."""

    def __init__(self, raw: Any, digest: Any) -> None:
        self.raw, self.digest = raw, digest

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return int(self.raw.write(data))

    def flush(self) -> None:
        self.raw.flush()


class DamagedRecordsError(ValueError):
    """The records part does not decompress (cut short, or not gzip data)."""


def extract(part: IO[bytes], path: Path) -> str:
    """Decompress the records part (a binary file object) to ``path``; the SHA-256 of the part's bytes."""
    digest = hashlib.sha256()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip framing
    try:
        with path.open("wb") as out:
            while chunk := part.read(_COPY_CHUNK):
                digest.update(chunk)
                out.write(inflater.decompress(chunk))
            out.write(inflater.flush())
    except zlib.error as exc:
        raise DamagedRecordsError(str(exc)) from exc
    if not inflater.eof or inflater.unused_data:
        raise DamagedRecordsError("the compressed data is cut short or followed by other data")
    return digest.hexdigest()
