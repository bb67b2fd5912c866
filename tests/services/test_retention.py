"""Retention: a dry-run list first, then personal data removed while the cases and chains stay."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from desk_app.db.models import Complaint, Customer
from desk_app.db.uow import Database
from desk_app.errors import PermissionDeniedError
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import CustomerDraft
from desk_app.services.integrity import run_checks
from desk_app.services.retention import ANONYMOUS, anonymise, candidates
from tests.support.staff import Staff, draft


def test_dry_run_then_anonymise(database: Database, staff: Staff) -> None:
    old = register_complaint(database, staff.clerk, draft(customer=CustomerDraft(name="钱老", phone="13500000001")))
    recent = register_complaint(database, staff.clerk, draft(customer=CustomerDraft(name="孙新", phone="13500000002")))
    with database.unit_of_work() as session:  # closed four years ago / last month
        session.execute(update(Complaint).where(Complaint.id == old.id).values(
            status="closed", closed_at=datetime.now(UTC) - timedelta(days=4 * 366)))
        session.execute(update(Complaint).where(Complaint.id == recent.id).values(
            status="closed", closed_at=datetime.now(UTC) - timedelta(days=30)))
    today = date.today()
    with pytest.raises(PermissionDeniedError):
        candidates(database, staff.supervisor, 3, today)
    listed = candidates(database, staff.admin, 3, today)
    assert [c.case_number for c in listed] == [old.case_number]
    assert anonymise(database, staff.admin, 3, today) == 1
    with database.unit_of_work() as session:
        names = dict(session.execute(select(Customer.phone, Customer.name)).all())
        assert names == {"": ANONYMOUS, "13500000002": "孙新"}
        assert session.scalar(select(Complaint.case_number).where(Complaint.id == old.id)) == old.case_number
    assert candidates(database, staff.admin, 3, today) == []
    # The chains stay intact; the only findings are the two case rows this test closed behind the app's back
    # (their seals tell), none from the anonymisation.
    failing = [line for line in run_checks(database).lines if line.startswith("FAIL")]
    assert len(failing) == 2 and all("case row changed outside the app" in line for line in failing)
    assert {old.case_number, recent.case_number} == {n for line in failing for n in (old.case_number,
                                                                                     recent.case_number) if n in line}
