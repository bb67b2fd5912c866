"""Test harness: Qt offscreen, isolated user directories, and a migrated database per test.

The ``database`` fixture is parametrised over SQLite (always) and PostgreSQL (when
``TEST_DATABASE_URL`` names a server). With ``CI=true`` a missing PostgreSQL server is a failure,
not a skip, so CI can never pass without having run the PostgreSQL half.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_ISOLATED_HOME = Path(tempfile.mkdtemp(prefix="desk-test-home-"))
for _var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = str(_ISOLATED_HOME / _var.lower())
os.environ.pop("DESK_DATABASE_URL", None)

import keyring  # noqa: E402
import pytest  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from keyring_support import MemoryKeyring  # noqa: E402
from server_support import LiveServer, live_server  # noqa: E402
from sqlalchemy import text  # noqa: E402

from desk_app import i18n, security  # noqa: E402
from desk_app.db.engine import make_engine  # noqa: E402
from desk_app.db.migrate import upgrade_to_head  # noqa: E402
from desk_app.db.models import Base  # noqa: E402
from desk_app.db.uow import Database  # noqa: E402

# Production argon2 parameters cost ~0.3 s a hash here; tests use cheap ones (same algorithm and code path).
security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "database" in fixtures or "pg_url" in fixtures:
            item.add_marker(pytest.mark.db)
        if "qtbot" in fixtures or "qapp" in fixtures:
            item.add_marker(pytest.mark.gui)
        if {"_pg_server", "_pg_migrated"} & set(fixtures) and not _on_postgresql(item.nodeid):
            raise pytest.UsageError(f"{item.nodeid} uses PostgreSQL without 'postgresql' in its id: "
                                    "request the pg_url or database fixture (see pytest_xdist_make_scheduler)")


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """pytest-xdist: every test that touches PostgreSQL runs on one worker, one at a time.

    They share one server, one schema and cluster-wide runtime roles. Each such test carries
    ``postgresql`` in its parameter id (the ``database`` and ``pg_url`` fixtures); every other test is
    its own unit of work. (xdist's ``--dist loadgroup`` marks do not reach its scheduler under pytest 9,
    whose node ids are no longer a writable string.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class PostgresqlOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "postgresql" if _on_postgresql(nodeid) else nodeid

    return PostgresqlOnOneWorker(config, log)


def _on_postgresql(nodeid: str) -> bool:
    params = nodeid.rpartition("[")[2].rstrip("]") if nodeid.endswith("]") else ""
    return "postgresql" in params.split("-")


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Tests read messages in English unless they switch language themselves."""
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def _pg_server() -> str:
    """URL of a PostgreSQL server for tests; skipped locally without one, a failure in CI."""
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL tests must run in CI")
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    return PG_URL


@pytest.fixture(scope="session", params=["postgresql"])  # the id marks the test for the xdist scheduler
def pg_url(_pg_server: str) -> str:
    """The PostgreSQL server's URL, for tests about connections themselves."""
    return _pg_server


@pytest.fixture(scope="session")
def _pg_migrated(_pg_server: str) -> str:
    pg_url = _pg_server
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade_to_head(engine)
    engine.dispose()
    return pg_url


def _truncate_all(database: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A Database at schema head with no rows, on each backend in turn."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "desk.sqlite3"
        shutil.copyfile(template, path)
        db = Database(make_engine(f"sqlite:///{path}"))
    else:
        url: str = request.getfixturevalue("_pg_migrated")
        db = Database(make_engine(url))
        _truncate_all(db)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path, _sqlite_template: Path) -> Iterator[Database]:
    """SQLite only, for tests about SQLite files themselves (backup, corrupt files)."""
    path = tmp_path / "desk.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    db = Database(make_engine(f"sqlite:///{path}"))
    yield db
    db.dispose()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The OS keyring replaced by a dict for one test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def server(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live desk server (HTTPS, uvicorn) on the test's database, on each backend in turn; on PostgreSQL
    it connects as a runtime login (member of desk_runtime), not as the tables' owner."""
    with live_server(database, tmp_path_factory.getbasetemp() / "tls") as running:
        yield running
