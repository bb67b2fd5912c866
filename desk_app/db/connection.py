"""The shared PostgreSQL server: connection settings, the password in the OS keyring, a connection test,
and opening the configured database (Qt-free; the GUI's connection dialog and first-run wizard use it).

The settings live in ``config.toml`` as ``db_url`` *without* the password (the discovery order of
``desk_app.config`` is unchanged: ``--database-url`` > ``DESK_DATABASE_URL`` > ``config.toml`` > the
local file). The password lives in the OS keyring (Windows Credential Manager, macOS Keychain, the
Secret Service on Linux desktops). Where no keyring works (a headless Linux), the user types it at each
start; scheduled CLI runs use ``~/.pgpass`` or a URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import keyring
import keyring.errors
from sqlalchemy import Engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from desk_app.config import save_config, sqlite_url
from desk_app.db.engine import describe_connection_error, make_engine, normalise_url
from desk_app.db.migrate import SchemaState, open_at_head, require_head, schema_state, upgrade_to_head
from desk_app.db.uow import Database
from desk_app.errors import DatabaseUnavailableError, UserError, ValidationError
from desk_app.i18n import _
from desk_app.paths import default_database_path

log = logging.getLogger(__name__)
DRIVER = "postgresql+psycopg"
DEFAULT_PORT = 5432
SSL_MODES = ("disable", "prefer", "require", "verify-full")
KEYRING_SERVICE = "complaint-desk"
TEST_TIMEOUT_S = 5


class KeyringUnavailableError(UserError):
    """No usable OS keyring (e.g. a Linux machine without a Secret Service): the password is asked each start."""


@dataclass(frozen=True)
class ServerSettings:
    """Where the shared database is. Never holds the password."""

    host: str
    port: int = DEFAULT_PORT
    database: str = "complaint_desk"
    user: str = "desk"
    sslmode: str = "prefer"

    def cleaned(self) -> ServerSettings:
        """Trimmed and checked; raises ValidationError naming the field."""
        settings = replace(self, host=self.host.strip(), database=self.database.strip(), user=self.user.strip(),
                           sslmode=self.sslmode.strip() or "prefer")
        if not settings.host:
            raise ValidationError(_("Enter the server's name or IP address."), "host")
        if not 0 < settings.port < 65536:
            raise ValidationError(_("A port is a number from 1 to 65535."), "port")
        if not settings.database:
            raise ValidationError(_("Enter the name of the database."), "database")
        if not settings.user:
            raise ValidationError(_("Enter the user name for the database server."), "user")
        if settings.sslmode not in SSL_MODES:
            raise ValidationError(_("Unknown SSL mode: {mode}").format(mode=settings.sslmode), "sslmode")
        return settings

    def url(self, password: str | None = None) -> URL:
        query = {"sslmode": self.sslmode} if self.sslmode and self.sslmode != "prefer" else {}
        return URL.create(DRIVER, username=self.user, password=password or None, host=self.host,
                          port=self.port, database=self.database, query=query)

    def url_string(self, password: str | None = None) -> str:
        """The URL as text; without ``password`` it is safe to store."""
        return self.url(password).render_as_string(hide_password=False)

    def label(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    @classmethod
    def from_url(cls, url: str) -> ServerSettings | None:
        """The settings of a PostgreSQL URL (its password, if any, is ignored); None for other databases."""
        try:
            parsed = make_url(normalise_url(url))
        except ArgumentError:
            return None
        if parsed.get_backend_name() != "postgresql":
            return None
        mode = parsed.query.get("sslmode", "prefer")
        return cls(host=parsed.host or "localhost", port=parsed.port or DEFAULT_PORT,
                   database=parsed.database or "", user=parsed.username or "",
                   sslmode=mode if isinstance(mode, str) else mode[0])


def url_password(url: str) -> str | None:
    try:
        return make_url(normalise_url(url)).password
    except ArgumentError:
        return None


def with_password(url: str, password: str | None) -> str:
    """``url`` with ``password`` set (or left as it is when ``password`` is empty)."""
    if not password:
        return url
    return make_url(normalise_url(url)).set(password=password).render_as_string(hide_password=False)


# -- config.toml ------------------------------------------------------------------------------------
def save_server_settings(settings: ServerSettings, path: Path | None = None) -> Path:
    """Make the shared server the configured database (the password is never written)."""
    return save_config({"db_url": settings.cleaned().url_string()}, path)


def save_local_database(path: Path | None = None) -> Path:
    """Make this computer's database file the configured database."""
    return save_config({"db_url": sqlite_url(default_database_path())}, path)


def load_server_settings(db_url: str) -> ServerSettings | None:
    return ServerSettings.from_url(db_url)


# -- the keyring --------------------------------------------------------------------------------------
def _keyring_key(settings: ServerSettings) -> str:
    return settings.label()


def _keyring_problem(exc: Exception) -> KeyringUnavailableError:
    log.info("keyring unavailable: %s", exc)
    return KeyringUnavailableError(_(
        "The system keyring is not available on this computer, so the password cannot be remembered; "
        "it will be asked at each start."))


def get_saved_password(settings: ServerSettings) -> str | None:
    """The remembered password, or None. Raises KeyringUnavailableError when there is no keyring."""
    try:
        return keyring.get_password(KEYRING_SERVICE, _keyring_key(settings))
    except keyring.errors.KeyringError as exc:
        raise _keyring_problem(exc) from exc


def save_password(settings: ServerSettings, password: str) -> None:
    """Remember ``password`` in the OS keyring. Raises KeyringUnavailableError when there is no keyring."""
    try:
        keyring.set_password(KEYRING_SERVICE, _keyring_key(settings), password)
    except keyring.errors.KeyringError as exc:
        raise _keyring_problem(exc) from exc


def forget_password(settings: ServerSettings) -> None:
    """Remove a remembered password (nothing happens if there is none or no keyring)."""
    try:
        keyring.delete_password(KEYRING_SERVICE, _keyring_key(settings))
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        log.info("no keyring to forget the password in: %s", exc)


def password_from_keyring(db_url: str) -> str | None:
    """For start-up: the remembered password of a PostgreSQL URL without one; None if none or no keyring."""
    settings = ServerSettings.from_url(db_url)
    if settings is None or url_password(db_url):
        return None
    try:
        return get_saved_password(settings)
    except KeyringUnavailableError:
        return None


def needs_password(exc: BaseException) -> bool:
    """Whether a connection failure is about the password (so asking for it may help)."""
    message = str(getattr(exc, "orig", None) or exc).lower()
    return "password" in message


# -- testing a connection ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ServerProbe:
    """What a connection test found."""

    version: str
    state: SchemaState
    users: int
    foreign_tables: bool = False

    @property
    def empty(self) -> bool:
        return self.state.current is None and not self.foreign_tables

    @property
    def usable(self) -> bool:
        """This program can work here (possibly after creating the tables in an empty database)."""
        return self.state.at_head or self.empty

    @property
    def initialised(self) -> bool:
        return self.state.at_head and self.users > 0

    def summary(self) -> str:
        connected = _("Connected to PostgreSQL {version}.").format(version=self.version)
        if self.foreign_tables and self.state.current is None:
            return connected + " " + _("The database holds other tables and is not a Complaint Desk database: "
                                       "choose an empty database or the right one.")
        if self.empty:
            return connected + " " + _("The database is empty; the set-up creates its tables.")
        if not self.state.at_head:
            return connected + " " + _(
                "The database schema is at revision {current}, this program needs {head}. "
                "Ask the administrator to run 'desk-cli migrate'.").format(current=self.state.current,
                                                                          head=self.state.head)
        if self.users:
            return connected + " " + _("The database is ready and already set up ({n} accounts).").format(
                n=self.users)
        return connected + " " + _("The database is ready; it has no accounts yet.")


def _probe_engine(url: str, timeout: int) -> Engine:
    return make_engine(url, poolclass=NullPool, connect_args={"connect_timeout": timeout})


def probe_server(settings: ServerSettings, password: str | None, timeout: int = TEST_TIMEOUT_S) -> ServerProbe:
    """Connect once and look: server version, schema revision, accounts. Raises DatabaseUnavailableError
    with a clear message (wrong password, unknown host, refused, SSL required…)."""
    settings = settings.cleaned()
    url = settings.url_string(password)
    engine = _probe_engine(url, timeout)
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one()).split(" ")[0]
            tables = inspect(conn).get_table_names()
        state = schema_state(engine)
        users = 0
        if state.at_head:
            with engine.connect() as conn:
                users = int(conn.execute(select(func.count()).select_from(table("users"))).scalar_one())
        foreign = state.current is None and any(name != "alembic_version" for name in tables)
        return ServerProbe(version, state, users, foreign)
    except DBAPIError as exc:
        raise DatabaseUnavailableError(describe_connection_error(exc, url)) from exc
    finally:
        engine.dispose()


def test_connection(settings: ServerSettings, password: str | None, timeout: int = TEST_TIMEOUT_S) -> str:
    """A translated one-paragraph result of connecting to the server, or DatabaseUnavailableError."""
    return probe_server(settings, password, timeout).summary()


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite its name


# -- opening the configured database ------------------------------------------------------------------
def open_database(url: str, backup_dir: Path | None = None) -> tuple[Database, str | None]:
    """Engine + schema: SQLite is migrated to head (after a backup); an *empty* PostgreSQL database gets
    its tables (under the migration lock); any other PostgreSQL schema must already be at head.
    Raises DatabaseUnavailableError with a translated message."""
    return open_at_head(url, backup_dir, prepare_server=lambda engine: _open_postgresql(engine, str(engine.url)))


def _open_postgresql(engine: Engine, url: str) -> SchemaState:
    with engine.connect():
        pass  # a refused connection or a wrong password is explained by open_database
    state = schema_state(engine)
    if state.current is None:
        with engine.connect() as conn:
            tables = [name for name in inspect(conn).get_table_names() if name != "alembic_version"]
        if tables:
            raise DatabaseUnavailableError(_(
                "The database {database} holds other tables and is not a Complaint Desk database.").format(
                    database=engine.url.database))
        log.info("creating the tables in the empty database %s", make_url(url).render_as_string())
        return upgrade_to_head(engine)
    return require_head(engine)

