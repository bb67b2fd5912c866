"""Customer look-up by phone or ID number, earlier complaints in the actor's scope, repeat detection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from desk_app.db.models import AuditEntry, Branch, Complaint
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.enums import CustomerKind, IdType, InstitutionType, Regime, Status
from desk_app.errors import NotFoundError, PermissionDeniedError
from desk_app.services.complaints import register_complaint
from desk_app.services.customers import (
    REPEAT_WINDOW_DAYS,
    find_customers,
    intake_options,
    lookup_phone,
    open_customer,
)
from desk_app.services.dto import CustomerDraft
from tests.support.staff import Staff, draft

WANG = CustomerDraft(name="王芳", id_number="11010519491231002X", phone="13812345678", address="上海市浦东新区")


def _close(db: Database, case_id: object) -> None:
    with db.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == case_id).values(status=Status.CLOSED.value))


def test_nothing_to_search_finds_nothing(database: Database, staff: Staff) -> None:
    register_complaint(database, staff.clerk, draft(customer=WANG))
    assert find_customers(database, staff.clerk) == []
    assert find_customers(database, staff.clerk, phone="  ", id_number="") == []
    assert find_customers(database, staff.clerk, phone="13900000000") == []


@pytest.mark.parametrize("phone", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "008613812345678"])
def test_found_by_phone_in_any_usual_spelling(database: Database, staff: Staff, phone: str) -> None:
    case = register_complaint(database, staff.clerk, draft(customer=WANG))
    [match] = find_customers(database, staff.clerk, phone=phone)
    assert match.customer_id == case.customer.id
    assert (match.name, match.kind, match.id_type) == ("王芳", CustomerKind.PERSON, IdType.RESIDENT_ID)
    # personal data is masked in look-up results
    assert (match.id_number, match.phone, match.address) == ("1101**********002X", "138****5678", "上海市浦东新*")
    assert match.matched_on == {"phone"}
    assert [c.case_number for c in match.complaints] == [case.case_number]


def test_found_by_second_phone_and_landline_with_or_without_dash(database: Database, staff: Staff) -> None:
    register_complaint(database, staff.clerk, draft(customer=CustomerDraft(
        name="李雷", id_type=None, phone="021-58881234", phone2="13911112222")))
    assert [m.name for m in find_customers(database, staff.clerk, phone="02158881234")] == ["李雷"]
    assert [m.name for m in find_customers(database, staff.clerk, phone="021-58881234")] == ["李雷"]
    assert [m.name for m in find_customers(database, staff.clerk, phone="13911112222")] == ["李雷"]


def test_found_by_id_number_lower_case_x(database: Database, staff: Staff) -> None:
    register_complaint(database, staff.clerk, draft(customer=WANG))
    [match] = find_customers(database, staff.clerk, id_number=" 11010519491231002x ")
    assert match.matched_on == {"id_number"}
    assert match.id_number.endswith("002X")


def test_both_keys_matching_come_first(database: Database, staff: Staff) -> None:
    register_complaint(database, staff.clerk, draft(customer=WANG))
    # another person sharing the phone (family member), no ID number
    register_complaint(database, staff.clerk, draft(customer=CustomerDraft(
        name="王强", id_type=None, phone="13812345678")))
    matches = find_customers(database, staff.clerk, phone="13812345678", id_number="11010519491231002X")
    assert [m.name for m in matches] == ["王芳", "王强"]
    assert matches[0].matched_on == {"phone", "id_number"}


def test_recent_complaint_is_a_repeat(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft(customer=WANG,
                                                           received_at=utcnow() - timedelta(days=100)))
    _close(database, case.id)
    [match] = find_customers(database, staff.clerk, phone="13812345678")
    assert match.is_repeat
    assert match.complaints[0].status is Status.CLOSED and not match.complaints[0].is_open
    assert match.recent_complaints == match.complaints and match.open_complaints == ()


def test_old_closed_complaint_is_not_a_repeat(database: Database, staff: Staff) -> None:
    old = utcnow() - timedelta(days=REPEAT_WINDOW_DAYS + 5)
    case = register_complaint(database, staff.clerk, draft(customer=WANG, received_at=old))
    _close(database, case.id)
    [match] = find_customers(database, staff.clerk, phone="13812345678")
    assert not match.is_repeat
    assert match.complaint_count == 1


def test_old_but_still_open_complaint_is_a_repeat(database: Database, staff: Staff) -> None:
    old = utcnow() - timedelta(days=REPEAT_WINDOW_DAYS + 40)
    register_complaint(database, staff.clerk, draft(customer=WANG, received_at=old))
    [match] = find_customers(database, staff.clerk, phone="13812345678")
    assert match.is_repeat and len(match.open_complaints) == 1


def test_earlier_complaints_newest_first(database: Database, staff: Staff) -> None:
    first = register_complaint(database, staff.clerk, draft(customer=WANG,
                                                            received_at=datetime(2025, 1, 6, 2, tzinfo=UTC)))
    second = register_complaint(database, staff.clerk, draft(customer=WANG,
                                                             received_at=datetime(2025, 6, 9, 2, tzinfo=UTC)))
    [match] = find_customers(database, staff.clerk, id_number="11010519491231002X")
    assert [c.case_number for c in match.complaints] == [second.case_number, first.case_number]
    assert match.complaints[0].summary and match.complaints[0].branch_code == "SH01"


def test_other_branches_complaints_are_counted_not_shown(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.other_branch_clerk, draft(customer=WANG))
    [match] = find_customers(database, staff.clerk, phone="13812345678")
    assert match.complaints == () and match.complaint_count == 0
    assert match.elsewhere_count == 1 and match.known_elsewhere_only
    # known at another branch only: nothing personal, not even masked, and the record cannot be opened here
    assert (match.name, match.id_number, match.phone, match.phone2, match.address, match.email) == ("",) * 6
    assert match.matched_on == frozenset({"phone"})
    before = len(_audit(database))
    with pytest.raises(PermissionDeniedError, match="another branch"):
        open_customer(database, staff.clerk, case.customer.id)
    assert len(_audit(database)) == before
    assert not match.is_repeat  # the repeat rule looks at the actor's scope only
    # the other branch sees its own case
    [theirs] = find_customers(database, staff.other_branch_clerk, phone="13812345678")
    assert theirs.complaint_count == 1 and theirs.is_repeat and theirs.elsewhere_count == 0
    assert not theirs.known_elsewhere_only and theirs.name == "王芳"


def test_a_customer_of_both_branches_is_shown_masked_with_the_local_cases(database: Database, staff: Staff) -> None:
    register_complaint(database, staff.other_branch_clerk, draft(customer=WANG))
    mine = register_complaint(database, staff.clerk, draft(customer=WANG))
    [match] = find_customers(database, staff.clerk, id_number="11010519491231002x")
    assert not match.known_elsewhere_only and match.name == "王芳" and match.elsewhere_count == 1
    assert match.id_number != WANG.id_number and "*" in match.id_number
    assert open_customer(database, staff.clerk, mine.customer.id).draft.id_number == WANG.id_number


def test_anonymised_customers_are_never_found(database: Database, staff: Staff) -> None:
    from desk_app.db.models import Customer

    register_complaint(database, staff.clerk, draft(customer=WANG))
    with database.unit_of_work() as session:
        session.execute(update(Customer).values(anonymised=True))
    assert find_customers(database, staff.clerk, phone="13812345678") == []


def test_administrators_may_not_look_up_customers(database: Database, staff: Staff) -> None:
    with pytest.raises(PermissionDeniedError):
        find_customers(database, staff.admin, phone="13812345678")


def test_intake_options_follow_the_branch(database: Database, staff: Staff) -> None:
    options = intake_options(database, staff.clerk)
    assert (options.branch_code, options.institution_type, options.regime) == (
        "SH01", InstitutionType.BANK, Regime.BANKING_INSURANCE)
    assert options.group_rep_cap == 5 and not options.uses_insurance_axis
    with database.unit_of_work() as session:
        session.execute(update(Branch).values(institution_type="insurer", group_rep_cap=3))
    options = intake_options(database, staff.clerk)
    assert options.uses_insurance_axis and options.group_rep_cap == 3


def test_lookup_phone_normalises_without_judging() -> None:
    assert lookup_phone(" +86 (138) 1234-5678 ") == "13812345678"
    assert lookup_phone("12") == "12"


def _audit(db: Database) -> list[AuditEntry]:
    from sqlalchemy import select

    with db.unit_of_work() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_opening_a_match_unmasks_it_and_is_audited(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft(customer=CustomerDraft(
        name="王芳", id_number="11010519491231002X", phone="13812345678", phone2="010-66668888",
        address="上海市浦东新区世纪大道100号", email="wangfang@example.com")))
    before = len(_audit(database))
    known = open_customer(database, staff.clerk, case.customer.id)
    assert known.customer_id == case.customer.id
    assert (known.draft.id_number, known.draft.phone, known.draft.phone2) == (
        "11010519491231002X", "13812345678", "010-66668888")
    assert (known.draft.address, known.draft.email) == ("上海市浦东新区世纪大道100号", "wangfang@example.com")
    entries = _audit(database)
    assert len(entries) == before + 1
    entry = entries[-1]
    assert entry.action == "view_personal_data" and entry.user_id == staff.clerk.user_id
    assert entry.detail["customer_id"] == str(case.customer.id) and entry.detail["purpose"] == "intake"
    assert "13812345678" not in repr(entry.detail) and "王芳" not in repr(entry.detail)


def test_opening_needs_an_intake_role_and_a_live_customer(database: Database, staff: Staff) -> None:
    import uuid

    case = register_complaint(database, staff.clerk, draft(customer=WANG))
    with pytest.raises(PermissionDeniedError):
        open_customer(database, staff.admin, case.customer.id)
    with pytest.raises(NotFoundError):
        open_customer(database, staff.clerk, uuid.uuid4())
