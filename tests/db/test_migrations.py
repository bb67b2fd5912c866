"""Alembic history: one head, upgrade from empty, and the models match what the migrations build."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from desk_app.db.engine import make_engine
from desk_app.db.migrate import alembic_config, backup_sqlite, is_search_object, schema_state, upgrade_to_head
from desk_app.db.models import Base
from desk_app.db.uow import Database


def test_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1


def test_upgrade_from_empty_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert schema_state(engine).current is None
    state = upgrade_to_head(engine, tmp_path / "backups")
    assert state.at_head
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    assert not (tmp_path / "backups").exists()  # nothing to back up on an empty database
    engine.dispose()


def test_models_match_migrations(database: Database) -> None:
    """Runs on SQLite and PostgreSQL: autogenerate finds no difference between models and schema."""
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": lambda o, name, *_: not is_search_object(name)})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_sqlite_backup_includes_wal_content(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO number_counters (key, value) VALUES ('probe', 42)"))
    # The row may still be only in the WAL file; the online backup must contain it.
    backup = backup_sqlite(engine, tmp_path / "backups")
    assert backup is not None
    copy = make_engine(f"sqlite:///{backup}")
    with copy.connect() as conn:
        assert conn.execute(text("SELECT value FROM number_counters WHERE key='probe'")).scalar_one() == 42
    copy.dispose()
    engine.dispose()
