"""The look into this PC's SQLite file before SQLAlchemy loads (desk_app.api.sqlite_peek, issue 21): only a file
that already holds accounts lets the start show the sign-in dialog first; every doubt sends it the usual way."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desk_app.api.sqlite_peek import has_accounts, sqlite_file
from desk_app.db.uow import Database
from desk_app.domain.enums import InstitutionType
from desk_app.services import setup


def test_a_set_up_file_has_accounts_and_an_empty_one_has_none(sqlite_database: Database) -> None:
    url = str(sqlite_database.engine.url)
    assert not has_accounts(url)  # at schema head, no account yet: the first-run wizard's case
    setup.initialise(sqlite_database, setup.SetupRequest("SH01", "上海分行", InstitutionType.BANK, "admin", "王管理",
                                                         "Peek-Start-2026", is_headquarters=True))
    assert has_accounts(url)


def test_anything_else_is_not_taken_for_a_set_up_file(tmp_path: Path) -> None:
    assert not has_accounts(f"sqlite:///{tmp_path / 'missing.sqlite3'}")
    notes = tmp_path / "notes.sqlite3"
    notes.write_text("this is not SQLite " * 100, encoding="utf-8")
    assert not has_accounts(f"sqlite:///{notes}")
    other = tmp_path / "other.sqlite3"  # a SQLite file without the app's tables
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    assert not has_accounts(f"sqlite:///{other}")
    assert not has_accounts("postgresql+psycopg://desk@127.0.0.1/desk")
    assert not has_accounts("sqlite://")


def test_the_file_of_a_sqlite_url() -> None:
    assert sqlite_file("sqlite:////srv/desk/desk.sqlite3") == Path("/srv/desk/desk.sqlite3")
    assert sqlite_file("sqlite:///desk.sqlite3") == Path("desk.sqlite3")
    assert sqlite_file("sqlite+pysqlite:////srv/desk%20data/desk.sqlite3") == Path("/srv/desk data/desk.sqlite3")
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("sqlite:////srv/desk.sqlite3?mode=ro") is None
    assert sqlite_file("postgresql://desk@host/desk") is None
