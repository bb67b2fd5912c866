"""The schema check without Alembic (start-up time, issue 21): ``HEAD_REVISION`` is the scripts' head, and the
revision a database records is read with plain SQL, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from desk_app.db import migrate
from desk_app.db.engine import make_engine
from desk_app.db.migrate import HEAD_REVISION, head_revision, known_head, recorded_revision, schema_state
from desk_app.db.uow import Database
from desk_app.errors import DatabaseUnavailableError


def test_head_revision_is_the_head_of_the_migration_scripts() -> None:
    assert head_revision() == HEAD_REVISION, (
        "a migration was added: set desk_app.db.migrate.HEAD_REVISION to its revision")


@pytest.mark.parametrize("constant", ["0001", "9999"])
def test_a_stale_or_unknown_constant_only_costs_time(monkeypatch: pytest.MonkeyPatch, constant: str) -> None:
    """A migration added without moving HEAD_REVISION (or a value ahead of the scripts) must not make a database
    look at head, or a server refuse the newest schema: the head then comes from Alembic."""
    monkeypatch.setattr(migrate, "HEAD_REVISION", constant)
    known_head.cache_clear()
    try:
        assert known_head() == head_revision() != constant
    finally:
        known_head.cache_clear()


def test_the_recorded_revision_is_what_alembic_reads(database: Database) -> None:
    with database.engine.connect() as conn:
        assert recorded_revision(conn) == MigrationContext.configure(conn).get_current_revision() == HEAD_REVISION
    assert schema_state(database.engine).at_head and known_head() == HEAD_REVISION


def test_an_empty_database_records_no_revision(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        state = schema_state(engine)
        assert state.current is None and not state.at_head
    finally:
        engine.dispose()


def test_two_recorded_revisions_are_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'odd.sqlite3'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            conn.execute(text("INSERT INTO alembic_version VALUES ('0010'), ('0011')"))
        with pytest.raises(DatabaseUnavailableError, match="several schema revisions"):
            schema_state(engine)
    finally:
        engine.dispose()
