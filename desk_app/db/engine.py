"""Engine factory: SQLite pragmas (WAL, foreign keys, busy timeout, BEGIN IMMEDIATE) or PostgreSQL
(a connection the server dropped is replaced at the next checkout, see ``_configure_postgresql``; a connect
timeout).
``describe_connection_error`` turns a driver's connection failure into a translated, actionable message."""

from __future__ import annotations

import os
import selectors
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, NoSuchModuleError

from desk_app.db.wal import AUTOCHECKPOINT_PAGES
from desk_app.errors import DatabaseUnavailableError
from desk_app.i18n import _

SQLITE_BUSY_TIMEOUT_MS = 15000
PG_CONNECT_TIMEOUT_S = 10  # a dead host fails in seconds instead of the OS's minutes


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
        # checkpoints run in the background after commits (desk_app.db.wal); a commit only past this many pages
        cursor.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # e.g. VACUUM or a WAL checkpoint, which must run outside a transaction
        # Writers take the lock at BEGIN, so concurrent number allocation never gets SQLITE_BUSY mid-way.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _closed_by_server(dbapi_connection: Any) -> bool | None:
    """True: the connection is closed; None: something arrived on the idle connection's socket (the server
    ended it, or sent a notice), so only a ping can tell; False: nothing arrived, it is as it was returned."""
    if dbapi_connection.closed or getattr(dbapi_connection, "broken", False):
        return True
    try:  # a selector, not select.select: a busy server's sockets may be numbered past FD_SETSIZE (1024)
        with selectors.DefaultSelector() as selector:
            selector.register(dbapi_connection.fileno(), selectors.EVENT_READ)
            readable = selector.select(0)
    except (OSError, ValueError):
        return True
    return None if readable else False


def _configure_postgresql(engine: Engine) -> None:
    """Pre-ping without a round trip per checkout: a connection the server closed (a restart, a terminated
    backend, a cut network) has its end-of-file or error waiting on its socket, so only a connection with
    something to read is pinged, and a failed ping replaces it. A busy desk server checks out a connection
    twice per call; a ``SELECT 1`` before each was a fifth of a registration's round trips."""

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        state = _closed_by_server(dbapi_connection)
        if state is False:
            return
        if state is None:
            try:
                if engine.dialect.do_ping(dbapi_connection):
                    return
            except Exception as exc:  # any failure of the ping: this connection is gone
                raise DisconnectionError(str(exc)) from exc
        raise DisconnectionError("the database server closed this connection")


def url_label(url: str) -> str:
    """How a database is named to a person: the SQLite file's path, or the URL with its password masked."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine for ``url``; raise DatabaseUnavailableError with a clear message on a bad URL."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailableError(_("The database address is not valid: {url}").format(url=url)) from exc
    backend = parsed.get_backend_name()
    # A failed statement's parameters are a customer's name, phone, ID number: never in an error or a log.
    kwargs.setdefault("hide_parameters", True)
    try:
        if backend == "sqlite":
            path = sqlite_path(url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                # A new database file is its owner's only (SQLite gives its journal files the same rights).
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            engine = create_engine(url, **kwargs)
            _configure_sqlite(engine)
            return engine
        if backend == "postgresql":
            if "connect_timeout" not in parsed.query:
                connect_args = dict(kwargs.pop("connect_args", {}))
                connect_args.setdefault("connect_timeout", PG_CONNECT_TIMEOUT_S)
                kwargs["connect_args"] = connect_args
            engine = create_engine(url, **kwargs)
            _configure_postgresql(engine)
            return engine
    except NoSuchModuleError as exc:
        raise DatabaseUnavailableError(_("No driver is installed for this database: {url}").format(
            url=url)) from exc
    raise DatabaseUnavailableError(_("Unsupported database type: {backend}").format(backend=backend))


def describe_connection_error(exc: BaseException, url: str | None = None) -> str:
    """A translated message for a failed or lost database connection: wrong password, unknown host,
    refused, SSL… The driver's own first line is kept for anything not recognised. Never shows a password."""
    original = getattr(exc, "orig", None) or exc
    detail = str(original).strip()
    text = detail.lower()
    host = port = user = database = "?"
    if url:
        try:
            parsed = make_url(url)
        except ArgumentError:
            parsed = None
        if parsed is not None:
            host, port = parsed.host or "localhost", str(parsed.port or 5432)
            user, database = parsed.username or "?", parsed.database or "?"
            if parsed.password:
                detail = detail.replace(str(parsed.password), "***")
    first = detail.splitlines()[0] if detail else type(exc).__name__
    if "password authentication failed" in text:
        return _("The server refused the password for user {user}.").format(user=user)
    if "no password supplied" in text:
        return _("The server asks for a password for user {user}.").format(user=user)
    if "failed to resolve host" in text or "could not translate host name" in text \
            or "name or service not known" in text:
        return _("The server name {host} is unknown. Check the name, or use the server's IP address.").format(
            host=host)
    if "connection refused" in text:
        return _("The server {host}, port {port}, refused the connection. Check the host and port, and that "
                 "PostgreSQL is running and accepts network connections.").format(host=host, port=port)
    if "timeout expired" in text or "timed out" in text:
        return _("The server {host}, port {port}, did not answer in time. Check the network and the "
                 "address.").format(host=host, port=port)
    if "server does not support ssl" in text:
        return _("The server does not offer SSL, but the SSL mode requires it. Choose the SSL mode "
                 "\"prefer\" or \"disable\", or ask the administrator to enable SSL on the server.")
    if "pg_hba.conf" in text and ("no encryption" in text or "ssl off" in text):
        return _("The server accepts only encrypted connections from this computer: choose the SSL mode "
                 "\"require\".")
    if "pg_hba.conf" in text:
        return _("The server does not accept connections from this computer for user {user} and database "
                 "{database}. Ask the administrator to allow it (pg_hba.conf).").format(user=user, database=database)
    if "certificate" in text or "root.crt" in text:
        return _("The server's SSL certificate cannot be verified: {error}").format(error=first)
    if "database" in text and "does not exist" in text:
        return _("The database {database} does not exist on the server.").format(database=database)
    if "role" in text and "does not exist" in text:
        return _("The user {user} does not exist on the server.").format(user=user)
    if "terminating connection" in text or "server closed the connection" in text \
            or "connection is closed" in text or "connection is lost" in text or "consuming input failed" in text:
        return _("The connection to the database server was lost.")
    return _("The database server cannot be reached: {error}").format(error=first)
