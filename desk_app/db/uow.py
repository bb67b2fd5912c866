"""Unit of work: one Session and one transaction per use case. Repositories never commit.

A connection that fails or drops inside a unit of work (server restarted, network cut, backend
terminated) becomes a DatabaseUnavailableError with a translated message; the transaction is rolled
back by the server, so nothing is half-written, and SQLAlchemy discards the dead pooled connections, so
the next unit of work reconnects (PostgreSQL engines also pre-ping each checkout)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from desk_app.db.engine import describe_connection_error, sqlite_path
from desk_app.db.text_guard import guard_text
from desk_app.db.wal import checkpoint_in_background
from desk_app.errors import DatabaseUnavailableError, StaleVersionError, ValidationError
from desk_app.i18n import _


class Database:
    """Owns the engine and the session factory for one configured database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.disposed = False
        self._background: set[threading.Thread] = set()
        self._background_lock = threading.Lock()
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        guard_text(self._sessions)
        if sqlite_path(engine.url.render_as_string(hide_password=False)) is not None:
            checkpoint_in_background(self)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Yield a Session inside a transaction: commit on success, roll back on any error."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        except DataError as exc:
            if "NUL" not in str(exc.orig):
                raise
            # PostgreSQL refuses a NUL in a parameter, with the statement and its values in the message.
            raise ValidationError(_("A text contains a NUL character, which cannot be stored. Remove it and "
                                    "try again.")) from None
        except StaleDataError as exc:
            raise StaleVersionError(
                _("This record was changed by someone else since you opened it. Reload and try again.")
            ) from exc
        except DBAPIError as exc:
            if not (exc.connection_invalidated or _is_connection_problem(exc)):
                raise
            if self.dialect == "sqlite":
                raise DatabaseUnavailableError(
                    _("The database cannot be reached: {error}").format(error=_first_line(exc))
                ) from exc
            raise DatabaseUnavailableError(
                describe_connection_error(exc, self.engine.url.render_as_string(hide_password=False)) + "\n"
                + _("The last action was not completed. Try again when the connection is back.")
            ) from exc
        finally:
            session.close()

    def in_background(self, name: str, work: Callable[[], object]) -> None:
        """Run ``work`` in a thread that ``dispose`` waits for; a failure is logged, never raised into nothing.

        Without the wait, a database closed while the work still held a connection dropped that connection
        open (psycopg then warns at garbage collection) and could cut a file line short."""
        def run() -> None:
            try:
                work()
            except Exception:
                logging.getLogger(__name__).warning("background work %s failed", name, exc_info=True)
            finally:
                with self._background_lock:
                    self._background.discard(threading.current_thread())

        thread = threading.Thread(target=run, name=name, daemon=True)
        with self._background_lock:
            self._background.add(thread)
        try:
            thread.start()
        except BaseException:  # never started (no thread left): nothing for dispose to wait for
            with self._background_lock:
                self._background.discard(thread)
            raise

    def dispose(self, wait_s: float = 60.0) -> None:
        """Close the connections once this database's background work has ended (waiting at most ``wait_s``);
        the upkeep threads (the search index, the write-ahead log) stop."""
        self.disposed = True
        self.wait_for_background(wait_s)
        self.engine.dispose()

    def wait_for_background(self, wait_s: float = 60.0) -> None:
        """Wait (at most ``wait_s`` for each) until the work started by ``in_background`` has ended."""
        with self._background_lock:
            running = list(self._background)
        for thread in running:
            thread.join(wait_s)


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)


def _is_connection_problem(exc: DBAPIError) -> bool:
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    text = str(exc.orig).lower()
    markers = ("connection", "could not connect", "server closed", "file is not a database",
               "unable to open database", "disk i/o error", "database is locked", "terminating")
    return any(marker in text for marker in markers)
