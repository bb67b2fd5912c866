"""Service tests: a set-up database with a branch, staff of every role, and reference data.

Only the fixture lives here; the factories and passwords are in tests/support (import them from there).
"""

from __future__ import annotations

import pytest

from desk_app.db.uow import Database
from tests.support.staff import Staff, make_staff


@pytest.fixture
def staff(database: Database) -> Staff:
    return make_staff(database)
