"""What the windows need to know about the running application (passed in, never global), and opening
this PC's database for the in-process mode."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from desk_app.api.backend import Backend, LocalBackend
from desk_app.config import AppConfig
from desk_app.db.engine import url_label
from desk_app.db.migrate import open_at_head
from desk_app.db.uow import Database


@dataclass(frozen=True)
class AppContext:
    """``backend`` runs every use case: in this process (``LocalBackend``) or on a desk server."""

    config: AppConfig
    backend: Backend
    schema_revision: str | None

    @property
    def office_tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.office_timezone)


def local_database(ctx: AppContext) -> Database | None:
    """The database on this PC when the use cases run in this process, None on a desk server. Only the
    features that belong to this PC use it: set-up, demo data, the daily SQLite backup, the settings
    dialog's database section and the self-test."""
    backend = ctx.backend
    return backend.db if isinstance(backend, LocalBackend) else None


def local_backend(db: Database) -> LocalBackend:
    """The in-process backend on ``db``, labelled with the file path (or the URL, password masked)."""
    return LocalBackend(db, url_label(str(db.engine.url)))


def database_label(ctx: AppContext) -> str:
    """Where the data is, for the status bar: the backend's label (a file, a database or a desk server)."""
    return ctx.backend.label


def open_local_database(url: str, backup_dir: Path | None = None) -> tuple[Database, str | None]:
    """The database the use cases run on in this process, and its schema revision (``open_at_head``: a
    SQLite file is migrated, any other database — ``--database-url`` for IT and tests — must be at head)."""
    return open_at_head(url, backup_dir)


def close_backend(backend: Backend) -> None:
    """Release what ``backend`` holds: this PC's database connections, or a desk server's HTTP connections."""
    if isinstance(backend, LocalBackend):
        backend.db.dispose()
        return
    close = getattr(backend, "close", None)
    if callable(close):
        close()
