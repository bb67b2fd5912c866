"""A live desk server for tests: the real Starlette app under uvicorn, over TLS, on a free loopback port,
in a thread of the test process (so it shares the tests' cheap password hashing), on the test's database.

On PostgreSQL the server connects as a login role in ``desk_runtime``, as in production; the test keeps
the owner's connection for setting up and checking rows.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from sqlalchemy import text
from sqlalchemy.engine import make_url

from desk_app.api.pinning import ServerCertificate
from desk_app.api.remote import RemoteBackend
from desk_app.db.engine import make_engine
from desk_app.db.privileges import RUNTIME_ROLE
from desk_app.db.uow import Database
from desk_app.server.app import create_app
from desk_app.server.tls import write_self_signed
from desk_app.services.sessions import SessionLimits

RUNTIME_LOGIN = "desk_server_rt"
RUNTIME_PASSWORD = "runtime-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tls_files(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "server.crt", folder / "server.key"
    if not certificate.exists():
        write_self_signed(certificate, key, ["127.0.0.1"])
    return certificate, key


def runtime_url(owner: Database) -> str:
    """The server's URL for this database: the same file on SQLite, the runtime login on PostgreSQL."""
    url = make_url(str(owner.engine.url.render_as_string(hide_password=False)))
    if url.get_backend_name() != "postgresql":
        return url.render_as_string(hide_password=False)
    with owner.engine.begin() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": RUNTIME_LOGIN})
        if not exists:
            conn.execute(text(f"CREATE ROLE {RUNTIME_LOGIN} LOGIN PASSWORD '{RUNTIME_PASSWORD}' "
                              f"IN ROLE {RUNTIME_ROLE}"))
    return url._replace(username=RUNTIME_LOGIN, password=RUNTIME_PASSWORD).render_as_string(hide_password=False)


@dataclass
class LiveServer:
    url: str
    certificate: ServerCertificate
    db: Database  # the owner's connection: set up and check rows behind the server's back
    server_db: Database  # the server's own (runtime role)

    def backend(self) -> RemoteBackend:
        return RemoteBackend(self.url, self.certificate)


@contextmanager
def live_server(owner: Database, folder: Path, limits: SessionLimits | None = None) -> Iterator[LiveServer]:
    certificate, key = tls_files(folder)
    server_db = Database(make_engine(runtime_url(owner)))
    port = free_port()
    config = uvicorn.Config(create_app(server_db, limits or SessionLimits()), host="127.0.0.1", port=port,
                            ssl_certfile=str(certificate), ssl_keyfile=str(key), log_config=None, lifespan="off",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="desk-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test desk server did not start")
        time.sleep(0.01)
    try:
        yield LiveServer(f"https://127.0.0.1:{port}", ServerCertificate(certificate.read_text(encoding="ascii")),
                         owner, server_db)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        server_db.dispose()
