"""Engine factory: SQLite pragmas (WAL, foreign keys, busy timeout, BEGIN IMMEDIATE) or PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from desk_app.errors import DatabaseUnavailableError
from desk_app.i18n import _

SQLITE_BUSY_TIMEOUT_MS = 15000


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as the psycopg 3 driver; leave others alone."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's deferred BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # e.g. VACUUM or a WAL checkpoint, which must run outside a transaction
        # Writers take the lock at BEGIN, so concurrent number allocation never gets SQLITE_BUSY mid-way.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine for ``url``; raise DatabaseUnavailableError with a clear message on a bad URL."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailableError(_("The database address is not valid: {url}").format(url=url)) from exc
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            path = sqlite_path(url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, **kwargs)
            _configure_sqlite(engine)
            return engine
        if backend == "postgresql":
            return create_engine(url, pool_pre_ping=True, **kwargs)
    except NoSuchModuleError as exc:
        raise DatabaseUnavailableError(_("No driver is installed for this database: {url}").format(
            url=url)) from exc
    raise DatabaseUnavailableError(_("Unsupported database type: {backend}").format(backend=backend))
