"""Unit of work: one Session and one transaction per use case. Repositories never commit.

A connection that fails or drops inside a unit of work (server restarted, network cut, backend
terminated) becomes a DatabaseUnavailableError with a translated message; the transaction is rolled
back by the server, so nothing is half-written, and SQLAlchemy discards the dead pooled connections, so
the next unit of work reconnects (PostgreSQL engines also pre-ping each checkout)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from desk_app.db.engine import describe_connection_error, sqlite_path
from desk_app.db.text_guard import guard_text
from desk_app.db.wal import checkpoint_in_background
from desk_app.errors import DatabaseUnavailableError, StaleVersionError, ValidationError
from desk_app.i18n import _

#: The psycopg pipeline of a ``flush_new_rows`` running in this thread, if any.
_open_pipeline: ContextVar[Any] = ContextVar("open_pipeline", default=None)


def _settle_failed_pipeline(context: ExceptionContext) -> None:
    """A statement of a pipelined flush failed while the flush was still sending (its error came back
    early): take the remaining results now (each only "pipeline aborted"), so that the rollback SQLAlchemy
    runs next finds the pipeline in sync, and the caller gets the statement's own error (a unique
    violation, say) instead of the rollback's "pipeline aborted"."""
    pipeline = _open_pipeline.get()
    if pipeline is not None:
        with suppress(Exception):  # the aborted results' errors; the first error is already being raised
            pipeline.sync()


class Database:
    """Owns the engine and the session factory for one configured database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.disposed = False
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        guard_text(self._sessions)
        if engine.dialect.name == "postgresql":
            event.listen(engine, "handle_error", _settle_failed_pipeline)
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

    def flush_new_rows(self, session: Session) -> None:
        """Write the session's pending rows. On PostgreSQL, when they are all new rows, their INSERTs travel
        in one round trip (psycopg's pipeline mode) instead of one each.

        Only INSERTs: in pipeline mode a statement's result arrives at the end, so an UPDATE whose row count
        the ORM checks (the version column) or a query would be read before it is there. A registration
        writes its customer, case, parties and first events while its branch's number counter stays locked,
        so every round trip saved there is saved for every registration waiting at that branch."""
        if self.dialect != "postgresql" or session.dirty or session.deleted:
            session.flush()
            return
        import psycopg  # only PostgreSQL databases use it

        driver = session.connection().connection.driver_connection
        try:
            with driver.pipeline() as pipeline:  # type: ignore[union-attr]
                token = _open_pipeline.set(pipeline)
                try:
                    session.flush()
                finally:
                    _open_pipeline.reset(token)
        except psycopg.Error as exc:  # raised when the pipeline ends, outside SQLAlchemy's own wrapping
            raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc

    def dispose(self) -> None:
        """Close the connections; background work on this database (the search index upkeep) stops."""
        self.disposed = True
        self.engine.dispose()


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)


def _is_connection_problem(exc: DBAPIError) -> bool:
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    text = str(exc.orig).lower()
    markers = ("connection", "could not connect", "server closed", "file is not a database",
               "unable to open database", "disk i/o error", "database is locked", "terminating")
    return any(marker in text for marker in markers)
