"""Application configuration: which database, which office time zone, which language.

Database discovery order (DESIGN.md): ``--database-url`` > ``DESK_DATABASE_URL`` > ``db_url`` in
``config.toml`` in the user config dir > ``desk.sqlite3`` in the user data dir. ``config.toml`` never
holds a database password (``save_config`` strips one); the GUI keeps it in the OS keyring
(``desk_app.db.connection``).

A counter PC on a desk server keeps the server's address as ``server_url`` in ``config.toml``, and each
trusted server's pinned certificate (public; its SHA-256 fingerprint is what the user confirmed) as
``certificates/<host>-<port>.pem`` beside it: ``pinned_certificate`` / ``pin_certificate``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from desk_app.api.pinning import ServerCertificate, server_address
from desk_app.errors import ValidationError
from desk_app.files import write_bytes_atomic
from desk_app.i18n import _
from desk_app.paths import default_database_path, user_config_dir

ENV_DATABASE_URL = "DESK_DATABASE_URL"
ENV_SERVER_URL = "DESK_SERVER_URL"
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class AppConfig:
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
    return AppConfig(
        db_url=str(url),
        office_timezone=str(data.get("office_timezone", DEFAULT_TIMEZONE)),
        language=str(data.get("language", "zh_CN")),
        idle_lock_minutes=int(str(data.get("idle_lock_minutes", 5))),
        first_contact_hours=int(str(data.get("first_contact_hours", 24))),
        retention_years=int(str(data.get("retention_years", 3))),
        server_url=str(data.get("server_url", "")),
    )


def save_config(values: dict[str, str | int], path: Path | None = None) -> Path:
    """Write ``values`` into config.toml (merged with what is there). Only flat scalar keys are used.
    A password in ``db_url`` is dropped: passwords belong in the keyring, never in this file."""
    path = path or config_file()
    current: dict[str, object] = {}
    if path.exists():
        with path.open("rb") as fh:
            current = tomllib.load(fh)
    current.update(values)
    if isinstance(current.get("db_url"), str):
        current["db_url"] = without_password(str(current["db_url"]))
    lines = []
    for key, value in sorted(current.items()):
        if isinstance(value, int):
            lines.append(f"{key} = {value}")
        else:
            escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{key} = "{escaped}"')
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def certificate_file(url: str, folder: Path | None = None) -> Path:
    """Where the pinned certificate of the desk server at ``url`` is kept (one file per host and port)."""
    host, port = server_address(url)
    safe = "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in host)
    return (folder or user_config_dir() / "certificates") / f"{safe}-{port}.pem"


def pinned_certificate(url: str, folder: Path | None = None) -> ServerCertificate | None:
    """The certificate this PC trusts for the desk server at ``url``, or None when none was confirmed yet."""
    path = certificate_file(url, folder)
    try:
        return ServerCertificate(path.read_text(encoding="ascii"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValidationError(_("The pinned certificate {path} cannot be read: {error}").format(
            path=path, error=exc)) from exc


def pin_certificate(url: str, certificate: ServerCertificate, folder: Path | None = None) -> Path:
    """Trust ``certificate`` (and only it) for the desk server at ``url`` from now on."""
    return write_bytes_atomic(certificate_file(url, folder), certificate.pem.encode("ascii"))
