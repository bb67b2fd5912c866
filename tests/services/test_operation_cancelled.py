"""One OperationCancelled for every long operation the user may cancel (issue 20.5): here the demo data;
the detail export, the import and consolidation are checked beside their own tests."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk_app.db.models import Complaint
from desk_app.db.uow import Database
from desk_app.errors import OperationCancelled, UserError
from desk_app.services.demo import generate_demo_data


def test_cancelled_demo_data_adds_no_case(database: Database) -> None:
    with pytest.raises(OperationCancelled, match="nothing was added") as cancelled:
        generate_demo_data(database, 50, cancelled=lambda: True)
    assert isinstance(cancelled.value, UserError)  # shown to the user as it is, never as a bug
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 0
