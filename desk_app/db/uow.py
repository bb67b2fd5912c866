"""Unit of work: one Session and one transaction per use case. Repositories never commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from desk_app.errors import DatabaseUnavailableError, StaleVersionError
from desk_app.i18n import _


class Database:
    """Owns the engine and the session factory for one configured database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)

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
        except StaleDataError as exc:
            raise StaleVersionError(
                _("This record was changed by someone else since you opened it. Reload and try again.")
            ) from exc
        except OperationalError as exc:
            if exc.connection_invalidated or _is_connection_problem(exc):
                raise DatabaseUnavailableError(
                    _("The database cannot be reached: {error}").format(error=_first_line(exc))
                ) from exc
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)


def _is_connection_problem(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    markers = ("connection", "could not connect", "server closed", "file is not a database",
               "unable to open database", "disk i/o error", "database is locked", "terminating")
    return any(marker in text for marker in markers)
