"""Service tests: a set-up database with a branch, staff of every role, and reference data.

Only the fixture lives here; the factories and passwords are in tests/support (import them from there).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from tests.support.branch_files import branch_database, headquarters
from tests.support.staff import Staff, make_staff


@pytest.fixture
def staff(database: Database) -> Staff:
    return make_staff(database)


@pytest.fixture
def branch_db(tmp_path: Path, _sqlite_template: Path) -> Iterator[Database]:
    """A branch's own SQLite database with a year of cases (consolidation tests)."""
    db = branch_database(tmp_path / "branch.sqlite3", _sqlite_template)
    yield db
    db.dispose()


@pytest.fixture
def hq(database: Database) -> Actor:
    """An HQ database with only its own branch, SH01's signing key registered, and an analyst."""
    return headquarters(database)
