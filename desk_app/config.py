"""Application configuration: which database, which office time zone, which language.

Database discovery order (DESIGN.md): ``--database-url`` > ``DESK_DATABASE_URL`` > ``db_url`` in
``config.toml`` in the user config dir > ``desk.sqlite3`` in the user data dir. ``config.toml`` never
holds a database password (``save_config`` strips one); the GUI keeps it in the OS keyring
(``desk_app.db.connection``).

A counter PC on a desk server keeps the server's address as ``server_url`` in ``config.toml``; the server's
pinned certificate is kept beside it (``desk_app.api.pinning``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import MISSING, dataclass, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

from desk_app.errors import ValidationError
from desk_app.files import write_bytes_atomic
from desk_app.i18n import _
from desk_app.paths import default_database_path, private_dir, user_config_dir

ENV_DATABASE_URL = "DESK_DATABASE_URL"
ENV_SERVER_URL = "DESK_SERVER_URL"
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class AppConfig:
    """The settings of this PC. The field defaults are the one source of defaults; ``load_config`` checks each
    value from config.toml against ``_LIMITS`` / its type and says which key is wrong."""

    db_url: str
    office_timezone: str = DEFAULT_TIMEZONE
    language: str = "zh_CN"
    idle_lock_minutes: int = 5
    first_contact_hours: int = 24
    retention_years: int = 3
    server_url: str = ""
    """The desk server this PC works with (empty: the database above, in this process)."""

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")


#: Whole-number settings and the values they may take (inclusive).
_LIMITS: dict[str, tuple[int, int]] = {
    "idle_lock_minutes": (1, 240),
    "first_contact_hours": (1, 240),
    "retention_years": (1, 100),
}
_LANGUAGES = ("zh_CN", "en")
_DEFAULTS = {f.name: f.default for f in fields(AppConfig) if f.default is not MISSING}


def _setting(data: dict[str, object], key: str, path: Path) -> Any:  # checked to be of its field type
    """The value of ``key`` from config.toml checked against its type and range, or its default."""
    default = _DEFAULTS[key]
    if key not in data:
        return default
    value = data[key]
    if isinstance(default, int):
        low, high = _LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(_("In the configuration file {path}, {key} must be a whole number from {low} "
                                    "to {high}, not {value!r}.").format(path=path, key=key, low=low, high=high,
                                                                        value=value))
        return value
    if not isinstance(value, str):
        raise ValidationError(_("In the configuration file {path}, {key} must be text in quotes, not "
                                "{value!r}.").format(path=path, key=key, value=value))
    if key == "language" and value not in _LANGUAGES:
        raise ValidationError(_("In the configuration file {path}, language must be one of {choices}, not "
                                "{value!r}.").format(path=path, choices=", ".join(_LANGUAGES), value=value))
    if key == "office_timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(_("In the configuration file {path}, office_timezone {value!r} is not a "
                                    "known time zone (for example Asia/Shanghai).").format(
                path=path, value=value)) from exc
    return value


def config_file() -> Path:
    return user_config_dir() / "config.toml"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def first_run_needed(database_url: str | None = None, path: Path | None = None) -> bool:
    """True when nothing names a database yet (no option, no environment variable, no ``db_url`` in
    config.toml) and the default local file does not exist: the first-run wizard then asks where it is."""
    if database_url or os.environ.get(ENV_DATABASE_URL):
        return False
    path = path or config_file()
    if path.exists():
        try:
            with path.open("rb") as fh:
                if tomllib.load(fh).get("db_url"):
                    return False
        except (OSError, tomllib.TOMLDecodeError):
            return False  # load_config reports the unreadable file
    return not default_database_path().exists()


def without_password(url: str) -> str:
    """``url`` with any password removed (what may be written to config.toml)."""
    from sqlalchemy.engine import make_url  # here, not at start-up: the first window does not need SQLAlchemy
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.password is None:
        return url
    return parsed._replace(password=None).render_as_string(hide_password=False)


def load_config(database_url: str | None = None, path: Path | None = None) -> AppConfig:
    """Build the configuration, applying the discovery order for the database URL."""
    data: dict[str, object] = {}
    path = path or config_file()
    if path.exists():
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValidationError(_("The configuration file {path} cannot be read: {error}").format(
                path=path, error=exc)) from exc
    url = database_url or os.environ.get(ENV_DATABASE_URL) or data.get("db_url")
    if not url:
        url = sqlite_url(default_database_path())
    return replace(AppConfig(db_url=str(url)), **{key: _setting(data, key, path) for key in _DEFAULTS})


def save_config(values: dict[str, str | int], path: Path | None = None) -> Path:
    """Write ``values`` into config.toml (merged with what is there), atomically, with a real TOML writer.
    A password in ``db_url`` is dropped: passwords belong in the keyring, never in this file."""
    path = path or config_file()
    current: dict[str, object] = {}
    if path.exists():
        with path.open("rb") as fh:
            current = tomllib.load(fh)
    current.update(values)
    if isinstance(current.get("db_url"), str):
        current["db_url"] = without_password(str(current["db_url"]))
    private_dir(path.parent)  # beside config.toml: this PC's keys and pinned certificates
    return write_bytes_atomic(path, tomli_w.dumps(dict(sorted(current.items()))).encode("utf-8"))
