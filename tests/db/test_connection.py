"""The shared-server connection: settings ↔ URL, the password in the keyring (never in config.toml), the
connection test against real PostgreSQL servers, and opening an empty server database.

The test server of ``TEST_DATABASE_URL`` trusts every local connection (any password works), so the
wrong-password case runs on a throwaway server of our own that asks for passwords (SCRAM), started
with the recipe of ``.ci/run`` (root → ``runuser -u postgres``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import psycopg
import pytest
from keyring_support import MemoryKeyring
from sqlalchemy.engine import make_url

from desk_app.config import load_config
from desk_app.db import connection
from desk_app.db.connection import KeyringUnavailableError, ServerSettings
from desk_app.db.migrate import head_revision
from desk_app.errors import DatabaseUnavailableError, ValidationError

SUPER_PASSWORD = "super-Secret-1"
DESK_PASSWORD = "desk-Secret-2"


# -- an in-memory keyring ---------------------------------------------------------------------------
@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_of(url: str) -> tuple[ServerSettings, str]:
    parsed = make_url(url)
    settings = ServerSettings(parsed.host or "127.0.0.1", parsed.port or 5432, parsed.database or "",
                              parsed.username or "")
    return settings, parsed.password or ""


# -- settings, config.toml and the keyring -------------------------------------------------------------
def test_settings_round_trip_through_a_url_without_the_password() -> None:
    settings = ServerSettings("db.branch.local", 5433, "desk", "clerk", "verify-full")
    url = settings.url_string("p@ss/word")
    assert make_url(url).password == "p@ss/word"
    assert "p@ss" not in settings.url_string() and ":" not in settings.url_string().split("@")[0][20:]
    assert ServerSettings.from_url(url) == settings
    assert ServerSettings.from_url("postgresql://u@h/d") == ServerSettings("h", 5432, "d", "u", "prefer")
    assert ServerSettings.from_url("sqlite:////tmp/x.sqlite3") is None


@pytest.mark.parametrize(("field", "settings"), [
    ("host", ServerSettings("  ")), ("port", ServerSettings("h", 0)), ("database", ServerSettings("h", 5432, "")),
    ("user", ServerSettings("h", 5432, "d", "")), ("sslmode", ServerSettings("h", 5432, "d", "u", "maybe"))])
def test_incomplete_settings_name_their_field(field: str, settings: ServerSettings) -> None:
    with pytest.raises(ValidationError) as info:
        settings.cleaned()
    assert info.value.field == field


def test_saved_settings_are_the_configured_database_and_the_password_stays_in_the_keyring(
        tmp_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESK_DATABASE_URL", raising=False)
    path = tmp_path / "config.toml"
    settings = ServerSettings(" db.branch.local ", 5433, "desk", "clerk", "require")
    connection.save_server_settings(settings, path)
    connection.save_password(settings.cleaned(), "Very-Secret-9")
    assert "Very-Secret-9" not in path.read_text(encoding="utf-8")
    db_url = load_config(path=path).db_url
    assert connection.load_server_settings(db_url) == settings.cleaned()
    assert connection.password_from_keyring(db_url) == "Very-Secret-9"
    assert list(memory_keyring.store) == [("complaint-desk", "clerk@db.branch.local:5433/desk")]
    # a URL that carries its own password does not look in the keyring
    assert connection.password_from_keyring(connection.with_password(db_url, "other")) is None
    connection.forget_password(settings.cleaned())
    connection.forget_password(settings.cleaned())  # twice is harmless
    assert connection.password_from_keyring(db_url) is None
    connection.save_local_database(path)
    assert load_config(path=path).db_url.startswith("sqlite:///")


def test_without_a_keyring_the_message_says_the_password_is_asked_each_start(no_keyring: None) -> None:
    settings = ServerSettings("h", 5432, "d", "u")
    with pytest.raises(KeyringUnavailableError) as info:
        connection.save_password(settings, "x")
    assert "asked at each start" in str(info.value)
    with pytest.raises(KeyringUnavailableError):
        connection.get_saved_password(settings)
    assert connection.password_from_keyring(settings.url_string()) is None
    connection.forget_password(settings)  # nothing to forget, no error


# -- the connection test on the test server -----------------------------------------------------------------
def test_right_password_connects_and_reports_the_schema(pg_url: str, _pg_migrated: str) -> None:
    settings, password = settings_of(_pg_migrated)
    summary = connection.test_connection(settings, password)
    assert summary.startswith("Connected to PostgreSQL 1")
    assert "ready" in summary
    probe = connection.probe_server(settings, password)
    assert probe.state.current == head_revision() and probe.usable


def test_closed_port_is_refused_clearly(pg_url: str) -> None:
    settings, password = settings_of(pg_url)
    port = free_port()
    with pytest.raises(DatabaseUnavailableError) as info:
        connection.test_connection(ServerSettings(settings.host, port, settings.database, settings.user), password)
    assert str(info.value) == (f"The server {settings.host}, port {port}, refused the connection. Check the host and "
                               "port, and that PostgreSQL is running and accepts network connections.")


def test_ssl_required_by_the_client_but_not_offered(pg_url: str) -> None:
    settings, password = settings_of(pg_url)
    with psycopg.connect(pg_url.replace("+psycopg", "")) as conn:
        if conn.execute("SHOW ssl").fetchone() == ("on",):
            pytest.skip("this test server offers SSL")
    with pytest.raises(DatabaseUnavailableError) as info:
        connection.test_connection(ServerSettings(settings.host, settings.port, settings.database, settings.user,
                                                  "require"), password)
    assert "does not offer SSL" in str(info.value)


def test_unknown_database_is_named(pg_url: str) -> None:
    settings, password = settings_of(pg_url)
    with pytest.raises(DatabaseUnavailableError) as info:
        connection.test_connection(ServerSettings(settings.host, settings.port, "no_such_db", settings.user),
                                   password)
    assert str(info.value) == "The database no_such_db does not exist on the server."


# -- a throwaway server that asks for passwords ------------------------------------------------------------
@dataclass(frozen=True)
class PasswordServer:
    port: int

    def url(self, user: str, password: str, database: str) -> str:
        return f"postgresql+psycopg://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", password=SUPER_PASSWORD,
                               dbname="postgres", autocommit=True)


def _pg_bin() -> Path | None:
    roots = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return roots[-1] if roots else None


@pytest.fixture(scope="module")
def password_server(pg_url: str) -> Iterator[PasswordServer]:
    """Our own PostgreSQL with SCRAM password authentication on a free port (root + runuser, as in CI)."""
    pg_bin = _pg_bin()
    if pg_bin is None or os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root, runuser and the PostgreSQL server binaries to start a password-checking server")
    folder = Path(tempfile.mkdtemp(prefix="desk-pgpass-"))
    data, pwfile = folder / "data", folder / "pw"
    pwfile.write_text(SUPER_PASSWORD + "\n", encoding="utf-8")
    data.mkdir()
    shutil.chown(folder, "postgres", "postgres")
    shutil.chown(data, "postgres", "postgres")
    shutil.chown(pwfile, "postgres", "postgres")
    run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*run_as, str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "scram-sha-256",
                    f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
    port = free_port()
    subprocess.run([*run_as, str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60",
                    "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    server = PasswordServer(port)
    try:
        with server.admin() as conn:
            conn.execute(f"CREATE ROLE desk LOGIN PASSWORD '{DESK_PASSWORD}'")
            conn.execute("CREATE DATABASE desk_empty OWNER desk")
            conn.execute("CREATE DATABASE desk_foreign OWNER desk")
        yield server
    finally:
        subprocess.run([*run_as, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_wrong_password_is_refused_clearly_and_never_echoed(password_server: PasswordServer) -> None:
    settings = ServerSettings("127.0.0.1", password_server.port, "desk_empty", "desk")
    with pytest.raises(DatabaseUnavailableError) as info:
        connection.test_connection(settings, "Wrong-Guess-7")
    assert str(info.value) == "The server refused the password for user desk."
    with pytest.raises(DatabaseUnavailableError) as info:
        connection.test_connection(settings, None)
    assert str(info.value) == "The server asks for a password for user desk."
    assert connection.needs_password(info.value)


def test_right_password_connects_to_an_empty_database(password_server: PasswordServer) -> None:
    settings = ServerSettings("127.0.0.1", password_server.port, "desk_empty", "desk")
    probe = connection.probe_server(settings, DESK_PASSWORD)
    assert probe.empty and probe.usable and not probe.initialised
    assert probe.summary().endswith("The database is empty; the set-up creates its tables.")


def test_opening_an_empty_server_database_creates_the_tables(password_server: PasswordServer) -> None:
    url = password_server.url("desk", DESK_PASSWORD, "desk_empty")
    db, revision = connection.open_database(url)
    try:
        assert revision == head_revision()
    finally:
        db.dispose()
    settings = ServerSettings("127.0.0.1", password_server.port, "desk_empty", "desk")
    probe = connection.probe_server(settings, DESK_PASSWORD)
    assert probe.state.at_head and probe.users == 0 and not probe.initialised
    db, revision = connection.open_database(url)  # the second time: already at head
    db.dispose()
    assert revision == head_revision()


def test_a_database_of_another_program_is_not_touched(password_server: PasswordServer) -> None:
    url = password_server.url("desk", DESK_PASSWORD, "desk_foreign")
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS invoices (id int)")
    settings = ServerSettings("127.0.0.1", password_server.port, "desk_foreign", "desk")
    probe = connection.probe_server(settings, DESK_PASSWORD)
    assert not probe.usable and "not a Complaint Desk database" in probe.summary()
    with pytest.raises(DatabaseUnavailableError, match="not a Complaint Desk database"):
        connection.open_database(url)
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        assert conn.execute("SELECT count(*) FROM invoices").fetchone() == (0,)
        assert conn.execute("SELECT to_regclass('alembic_version')").fetchone() == (None,)
