"""Service tests: a set-up database with a branch, staff of every role, and reference data.

The factories live in tests/support; the names below stay importable from here only for the modules that
have not moved to tests.support yet.
"""

from __future__ import annotations

import pytest

from desk_app.db.uow import Database
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff, draft, make_staff

__all__ = ["PASSWORD", "Staff", "draft", "staff"]


@pytest.fixture
def staff(database: Database) -> Staff:
    return make_staff(database)
