"""``desk-server init`` and ``desk-server run --workers 2`` as an operator runs them: real processes, TLS,
the health endpoint, a sign-in and a registration through the client, structured logs without personal
data; on PostgreSQL as a runtime login that does not own the tables."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_support import free_port
from sqlalchemy import text
from sqlalchemy.engine import make_url

from desk_app.api.pinning import fetch_certificate, fingerprint_of
from desk_app.api.remote import RemoteBackend
from desk_app.db.uow import Database
from desk_app.domain.enums import Role
from desk_app.services.accounts import create_user
from desk_app.services.complaints import register_complaint
from tests.support.staff import draft

ADMIN_PASSWORD = "admin-2026-server"
SERVER = [sys.executable, "-c", "import sys; from desk_app.server.cli import main; sys.exit(main())"]


def _server(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SERVER, "--config", str(cwd / "server.toml"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "DESK_LANGUAGE": "en"})


def _urls(database: Database, folder: Path) -> tuple[str, str]:
    """(runtime URL, owner URL): a fresh login role on PostgreSQL; on SQLite a new file that init creates."""
    owner = database.engine.url.render_as_string(hide_password=False)
    if database.dialect != "postgresql":
        fresh = f"sqlite:///{folder / 'server.sqlite3'}"
        return fresh, fresh
    with database.engine.begin() as conn:
        conn.execute(text("DROP ROLE IF EXISTS desk_server_cli"))
        conn.execute(text("CREATE ROLE desk_server_cli LOGIN PASSWORD 'cli-secret'"))
    runtime = make_url(owner)._replace(username="desk_server_cli", password="cli-secret")
    return runtime.render_as_string(hide_password=False), owner


@pytest.fixture
def running(database: Database, tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    runtime, owner = _urls(database, tmp_path)
    port = free_port()
    done = _server("init", "--database-url", runtime, "--owner-url", owner, "--port", str(port), "--bind",
                   "127.0.0.1", "--host-name", "127.0.0.1", "--admin-password", ADMIN_PASSWORD, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    fingerprint = done.stdout.strip().splitlines()[-1]
    assert (tmp_path / "server.toml").stat().st_mode & 0o077 == 0
    assert (tmp_path / "server.key").stat().st_mode & 0o077 == 0
    if database.dialect == "sqlite":  # the small office's database file is the server account's alone
        assert Path(make_url(runtime).database or "").stat().st_mode & 0o077 == 0
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen([*SERVER, "--config", str(tmp_path / "server.toml"), "run", "--workers", "2"],
                               cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch_certificate(f"https://127.0.0.1:{port}", timeout=1)
                break
            except Exception:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.2)
        yield f"https://127.0.0.1:{port}", tmp_path, fingerprint
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
        if database.dialect == "postgresql":
            database.engine.dispose()
            with database.engine.begin() as conn:
                conn.execute(text("DROP ROLE desk_server_cli"))


def test_init_then_run_serves_the_api_over_tls(database: Database, running: tuple[str, Path, str]) -> None:
    url, folder, printed = running
    certificate = fetch_certificate(url)
    assert certificate.fingerprint == printed == fingerprint_of((folder / "server.crt").read_text())
    backend = RemoteBackend(url, certificate)
    try:
        health = backend.health()
        assert health.status == "ok" and health.schema is not None
        admin = backend.sign_in("admin", ADMIN_PASSWORD)
        assert admin.is_hq and admin.branch_code == "HQ"
        backend.call(admin, create_user, username="clerk", display_name="柜员", password="Teller-2026-pass",
                     role=Role.COUNTER_CLERK, must_change_password=False)
        clerk = backend.sign_in("clerk", "Teller-2026-pass")
        case = backend.call(clerk, register_complaint, draft())
        assert case.case_number.startswith("HQ-")
        backend.sign_out(clerk)
        backend.sign_out(admin)
    finally:
        backend.close()
    logged = (folder / "server.log").read_text(encoding="utf-8")
    assert '"event":"complaints.register_complaint"' in logged
    for personal in ("王芳", "13812345678", "11010519491231002X", ADMIN_PASSWORD):
        assert personal not in logged


def test_init_refuses_to_overwrite_a_configuration(database: Database, running: tuple[str, Path, str]) -> None:
    _url, folder, _fp = running
    again = _server("init", "--database-url", "sqlite:///x.sqlite3", "--admin-password", "x", cwd=folder)
    assert again.returncode == 1
    assert "exists already" in again.stderr
