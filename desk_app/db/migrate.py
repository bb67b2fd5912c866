"""Programmatic Alembic: upgrade to head, check the schema revision, back up SQLite first.

SQLite files are upgraded at start-up after an online backup (``sqlite3.Connection.backup`` — a file
copy would miss the WAL). PostgreSQL is upgraded only by ``desk-cli migrate``, under an advisory lock;
a client refuses to run on a schema it does not match. Alembic is loaded only to migrate: a database already
at ``HEAD_REVISION`` is recognised with one query (start-up time).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DatabaseError, DBAPIError, InterfaceError, OperationalError

from desk_app.db.engine import describe_connection_error, make_engine, sqlite_path
from desk_app.db.uow import Database
from desk_app.errors import DatabaseUnavailableError, DiskFullError
from desk_app.i18n import _

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
PG_MIGRATION_LOCK = 7_160_405  # arbitrary advisory-lock key owned by this app
#: The newest migration's revision (tests/db/test_head_revision.py checks it against the scripts). Only used once
#: the script files confirm it (``known_head``): a stale value makes the start slower, never wrong.
HEAD_REVISION = "0024"
VERSION_TABLE = "alembic_version"
_DECLARED = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
log = logging.getLogger(__name__)


SEARCH_PREFIX = "complaint_search"


def is_search_object(name: str | None) -> bool:
    """Full-text search tables (SQLite FTS5 and its shadow tables) live outside the ORM models, so
    autogenerate and the models-vs-migrations check must not see them."""
    return bool(name and name.startswith(SEARCH_PREFIX))


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def at_head(self) -> bool:
        return self.current == self.head


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    """The head of the migration scripts, as Alembic reads them (``HEAD_REVISION`` without loading Alembic)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


@cache
def known_head() -> str:
    """``HEAD_REVISION`` if a script declares it and none revises it (a glance at the script files, without
    Alembic); otherwise, when the constant is stale or ahead of the scripts, the head Alembic reads."""
    declared: dict[str, set[str]] = {"revision": set(), "down_revision": set()}
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for key, value in _DECLARED.findall(script.read_text(encoding="utf-8")):
            declared[key].add(value)
    if HEAD_REVISION in declared["revision"] and HEAD_REVISION not in declared["down_revision"]:
        return HEAD_REVISION
    log.warning("HEAD_REVISION %s is not the newest migration: asking Alembic (a slower start)", HEAD_REVISION)
    return head_revision()


def recorded_revision(conn: Connection) -> str | None:
    """The revision in Alembic's version table (None for an empty database), read with plain SQL."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    revisions = list(conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
    if len(revisions) > 1:
        raise DatabaseUnavailableError(_("The database records several schema revisions ({revisions}).").format(
            revisions=", ".join(revisions)))
    return revisions[0] if revisions else None


def schema_state(engine: Engine) -> SchemaState:
    try:
        with engine.connect() as conn:
            current = recorded_revision(conn)
    except (OperationalError, DatabaseError) as exc:
        raise DatabaseUnavailableError(
            _("The database cannot be opened: {error}").format(error=str(exc.orig).splitlines()[0])
        ) from exc
    return SchemaState(current=current, head=known_head())


def backup_sqlite(engine: Engine, target_dir: Path, label: str = "pre-migrate") -> Path | None:
    """Copy the live SQLite database (WAL included) with the online backup API; None if nothing to copy."""
    source = sqlite_path(str(engine.url))
    if source is None or not source.exists() or source.stat().st_size == 0:
        return None
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = target_dir / f"{source.stem}-{label}-{stamp}.sqlite3"
    src = sqlite3.connect(str(source))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        for leftover in (target, *(target.with_name(target.name + suffix) for suffix in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)  # a failed write can leave SQLite's rollback journal behind
        if _target_write_failed(exc):
            raise DiskFullError(_("The backup {path} could not be written ({error}): the disk may be full. Free "
                                  "some space or choose another folder; the database itself is unchanged.").format(
                path=target, error=exc)) from exc
        raise DatabaseUnavailableError(
            _("The file {path} is not a Complaint Desk database: {error}").format(path=source, error=exc)
        ) from exc
    finally:
        src.close()
    return target


def _target_write_failed(exc: sqlite3.DatabaseError) -> bool:
    """SQLITE_FULL, or an I/O error while writing (a file too big for the volume reports SQLITE_IOERR_WRITE)."""
    code = getattr(exc, "sqlite_errorcode", 0)
    return code & 0xFF == sqlite3.SQLITE_FULL or code == sqlite3.SQLITE_IOERR_WRITE


def upgrade_to_head(engine: Engine, backup_dir: Path | None = None) -> SchemaState:
    """Bring the schema to head. Backs up an existing SQLite file first; locks on PostgreSQL."""
    state = schema_state(engine)
    if state.at_head:
        return state
    if engine.dialect.name == "sqlite" and backup_dir is not None and state.current is not None:
        backup_sqlite(engine, backup_dir)
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_MIGRATION_LOCK})
            conn.commit()
        try:
            cfg.attributes["connection"] = conn
            _set_sqlite_foreign_keys(conn, enabled=False)
            command.upgrade(cfg, "head")
            conn.commit()
            _set_sqlite_foreign_keys(conn, enabled=True)
            _refresh_sqlite_statistics(conn)
        finally:
            if conn.dialect.name == "postgresql":
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_MIGRATION_LOCK})
                conn.commit()
    return schema_state(engine)


def _set_sqlite_foreign_keys(conn: Connection, *, enabled: bool) -> None:
    """Batch migrations recreate tables; foreign keys must be off, which only works outside a transaction,
    so the pragma goes straight to the driver connection (autocommit mode, see db.engine)."""
    if conn.dialect.name != "sqlite":
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")


#: SQLite's ANALYZE reads this many entries of each index (statistics for the planner, not an exact census): about
#: a second at 1M cases. With 1,000 the estimates of a few indexes went wrong by enough to change plans
#: (overdue + any flag at 1M cases: 12 -> 165 ms).
SQLITE_ANALYSIS_LIMIT = 4000


def _refresh_sqlite_statistics(conn: Connection) -> None:
    """New indexes are only chosen well with statistics; a sampled ANALYZE."""
    if conn.dialect.name != "sqlite":
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
    driver.execute("ANALYZE")


def require_head(engine: Engine) -> SchemaState:
    """Refuse to work on a schema this client does not match."""
    state = schema_state(engine)
    if not state.at_head:
        raise DatabaseUnavailableError(
            _("The database schema is at revision {current}, this program needs {head}. "
              "Ask the administrator to run 'desk-cli migrate'.").format(
                current=state.current or _("(empty)"), head=state.head)
        )
    return state


def open_at_head(url: str, backup_dir: Path | None = None,
                 prepare_server: Callable[[Engine], SchemaState] = require_head) -> tuple[Database, str | None]:
    """The database of ``url`` and its schema revision: a SQLite file is migrated to head (after a backup
    into ``backup_dir``); a server database goes through ``prepare_server`` (by default it must already be at
    head: only ``desk-cli migrate`` upgrades one). Raises DatabaseUnavailableError with a translated message."""
    engine = make_engine(url)
    try:
        state = upgrade_to_head(engine, backup_dir) if engine.dialect.name == "sqlite" else prepare_server(engine)
    except (OperationalError, InterfaceError) as exc:
        engine.dispose()
        raise DatabaseUnavailableError(describe_connection_error(exc, url)) from exc
    except DBAPIError as exc:  # e.g. no right to create the tables or an extension
        engine.dispose()
        raise DatabaseUnavailableError(_("The database could not be prepared: {error}").format(
            error=str(exc.orig).strip().splitlines()[0] if exc.orig else exc)) from exc
    except Exception:
        engine.dispose()
        raise
    return Database(engine), state.current
