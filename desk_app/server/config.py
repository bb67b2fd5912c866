"""The desk server's configuration file (``server.toml``), written by ``desk-server init``.

It holds the database URL of the server's runtime role, with its password: the file is written readable
by its owner only, on the server host. Nothing in it ever reaches a counter PC.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import MISSING, asdict, dataclass, fields
from datetime import timedelta
from pathlib import Path
from typing import Any

import tomli_w

from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.services.digest import SmtpSettings
from desk_app.services.sessions import SessionLimits

ENV_SERVER_CONFIG = "DESK_SERVER_CONFIG"
DEFAULT_PORT = 8443


@dataclass(frozen=True)
class ServerConfig:
    database_url: str
    tls_certificate: str
    tls_key: str
    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    #: Refuse to run as the role that owns the tables (least privilege) unless this is true (SQLite
    #: has no roles: a small office's server runs on a file only the server's account may read).
    allow_table_owner: bool = False
    #: The reminder digest (``desk-server digest``): the mail server; empty smtp_host = no digest.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = ""
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False

    @property
    def limits(self) -> SessionLimits:
        return SessionLimits(idle=timedelta(minutes=self.session_idle_minutes),
                             absolute=timedelta(hours=self.session_absolute_hours))

    @property
    def smtp(self) -> SmtpSettings:
        return SmtpSettings(self.smtp_host, self.smtp_port, self.smtp_sender, self.smtp_username, self.smtp_password,
                            self.smtp_starttls)

    def path(self, value: str, base: Path) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else base / path


def load_server_config(path: Path) -> ServerConfig:
    """Read ``server.toml``; a missing key, an unknown key or a wrong type is a translated ValidationError."""
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(_("The configuration file {path} cannot be read: {error}").format(
            path=path, error=exc)) from exc
    known = {f.name: f for f in fields(ServerConfig)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValidationError(_("Unknown setting in {path}: {keys}").format(path=path, keys=", ".join(unknown)))
    for name, field in known.items():
        if name not in data:
            if field.default is MISSING:
                raise ValidationError(_("{path} lacks the setting {key}.").format(path=path, key=name))
            continue
        expected = {"str": str, "int": int, "bool": bool}[str(field.type)]
        if type(data[name]) is not expected:
            raise ValidationError(_("The setting {key} in {path} has the wrong type.").format(key=name, path=path))
    return ServerConfig(**data)


def save_server_config(config: ServerConfig, path: Path) -> None:
    """Write ``server.toml`` with owner-only rights (it holds the runtime role's password)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as fh:
        tomli_w.dump(asdict(config), fh)
    os.replace(tmp, path)
