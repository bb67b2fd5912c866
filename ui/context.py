"""What the windows need to know about the running application (passed in, never global)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from desk_app.config import AppConfig
from desk_app.db.engine import sqlite_path
from desk_app.db.uow import Database


@dataclass(frozen=True)
class AppContext:
    config: AppConfig
    db: Database
    schema_revision: str | None

    @property
    def office_tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.office_timezone)


def database_label(url: str) -> str:
    """The SQLite file path, or the URL with its password masked."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)
