"""Every migration can be undone: from head down to base, each step is downgraded and upgraded again, and the
schema (tables, columns, indexes, constraints) must come back exactly as it was, on SQLite and PostgreSQL.

A downgrade that leaves an index behind, forgets a column or cannot run at all fails here, not on the day
an administrator has to step back a release.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from desk_app.db.engine import make_engine
from desk_app.db.migrate import alembic_config, upgrade_to_head

Schema = dict[str, Any]


def _revisions() -> list[str]:
    """The revisions from base to head, in upgrade order."""
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions("base", "heads")))]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database; on PostgreSQL the shared test schema is rebuilt at head afterwards."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'round-trip.sqlite3'}")
        yield engine
        engine.dispose()
        return
    url: str = request.getfixturevalue("_pg_server")
    engine = make_engine(url)
    _reset_public_schema(engine)
    try:
        yield engine
    finally:
        _reset_public_schema(engine)  # other tests expect the session's schema at head, whatever happened here
        upgrade_to_head(engine)
        engine.dispose()


def _reset_public_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def _migrate(engine: Engine, direction: str, revision: str) -> None:
    """One Alembic step on its own connection, with SQLite's foreign keys off as ``upgrade_to_head`` runs it."""
    cfg = alembic_config()
    with engine.connect() as conn:
        _sqlite_foreign_keys(conn, enabled=False)
        cfg.attributes["connection"] = conn
        getattr(command, direction)(cfg, revision)
        conn.commit()
        _sqlite_foreign_keys(conn, enabled=True)


def _sqlite_foreign_keys(conn: Connection, *, enabled: bool) -> None:
    if conn.dialect.name == "sqlite":
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")


def _schema(engine: Engine) -> Schema:
    """Everything SQLAlchemy's inspector reports, in a comparable form (names sorted, types as SQL text)."""
    with engine.connect() as conn:
        inspector = inspect(conn)
        tables: Schema = {}
        for table in sorted(inspector.get_table_names()):
            tables[table] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                            for c in inspector.get_columns(table)],
                "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
                "indexes": sorted((i["name"] or "", tuple(map(str, i["column_names"])), bool(i["unique"]))
                                  for i in inspector.get_indexes(table)),
                "unique": sorted((u["name"] or "", tuple(u["column_names"]))
                                 for u in inspector.get_unique_constraints(table)),
                "foreign_keys": sorted((tuple(f["constrained_columns"]), f["referred_table"],
                                        tuple(f["referred_columns"]), str(f.get("options")))
                                       for f in inspector.get_foreign_keys(table)),
                "checks": sorted((c["name"] or "", " ".join(c["sqltext"].split()))
                                 for c in inspector.get_check_constraints(table)),
            }
        return {"tables": tables, "views": sorted(inspector.get_view_names()),
                "triggers": _triggers(conn), "revision": _recorded(conn)}


def _triggers(conn: Connection) -> list[str]:
    """Triggers, which the inspector does not list (the search index is kept by them)."""
    if conn.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    else:
        sql = ("SELECT tgname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
               "WHERE NOT tgisinternal AND relnamespace = 'public'::regnamespace ORDER BY tgname")
    return list(conn.execute(text(sql)).scalars())


def _recorded(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def test_every_migration_downgrades_and_upgrades_again(empty_engine: Engine) -> None:
    revisions = _revisions()
    schemas: dict[str, Schema] = {}
    for revision in revisions:
        _migrate(empty_engine, "upgrade", revision)
        schemas[revision] = _schema(empty_engine)
        assert schemas[revision]["revision"] == revision
    below = [None, *revisions[:-1]]
    for revision, previous in reversed(list(zip(revisions, below, strict=True))):
        _migrate(empty_engine, "downgrade", previous or "base")
        if previous is not None:
            assert _schema(empty_engine) == schemas[previous], f"downgrading {revision} did not restore {previous}"
        _migrate(empty_engine, "upgrade", revision)
        assert _schema(empty_engine) == schemas[revision], f"{revision} differs after a downgrade and upgrade"
        _migrate(empty_engine, "downgrade", previous or "base")
    assert _schema(empty_engine)["tables"].keys() <= {"alembic_version"}
