"""Registering and updating complaints against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from desk_app.db.models import Complaint, ComplaintEvent, Customer, NumberCounter
from desk_app.db.uow import Database
from desk_app.domain.enums import PartyRole, SpecialFlag, Status
from desk_app.errors import (
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
    UnknownCodeError,
    ValidationError,
)
from desk_app.services.complaints import get_complaint, register_complaint, update_complaint
from desk_app.services.dto import CustomerDraft, PartyDraft
from tests.support.staff import Staff, draft


def _counts(db: Database) -> tuple[int, int, int]:
    with db.unit_of_work() as s:
        return (s.scalar(select(func.count()).select_from(Complaint)) or 0,
                s.scalar(select(func.count()).select_from(Customer)) or 0,
                s.scalar(select(func.count()).select_from(ComplaintEvent)) or 0)


def test_register_numbers_dates_and_starts_the_timeline(database: Database, staff: Staff) -> None:
    received = datetime(2026, 2, 6, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, Friday before 春节
    case = register_complaint(database, staff.clerk, draft(received_at=received))
    assert case.case_number == "SH01-20260206-0001"
    assert case.status is Status.REGISTERED
    assert case.due_on == date(2026, 2, 24)  # 15 calendar days end 2-21 (holiday) → rolls to 2-24
    assert case.claimed_amount == Decimal("3200.00")
    assert [e.kind for e in case.events] == ["registered"]
    second = register_complaint(database, staff.clerk, draft(received_at=received))
    assert second.case_number == "SH01-20260206-0002"
    assert second.customer.id == case.customer.id  # same ID number → same customer


def test_event_payload_holds_no_personal_data(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    text = repr(case.events[0].payload)
    assert "11010519491231002X" not in text and "13812345678" not in text and "王芳" not in text


def test_special_flags_escalate(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft(flags=frozenset({SpecialFlag.MEDIA})))
    assert case.escalated and case.flags == {SpecialFlag.MEDIA}
    assert [e.kind for e in case.events] == ["registered", "escalated"]
    assert case.deliberation_required


@pytest.mark.parametrize(("overrides", "error", "field"), [
    ({"facts_what": "  "}, ValidationError, "facts_what"),
    ({"request_kinds": (), "request_text": ""}, ValidationError, "request_kinds"),
    ({"customer": CustomerDraft(name="")}, ValidationError, "customer.name"),
    ({"customer": CustomerDraft(name="李四", id_number="110105194912310021")}, ValidationError, "id_number"),
    ({"customer": CustomerDraft(name="李四", phone="12")}, ValidationError, "phone"),
    ({"claimed_amount": "-5"}, ValidationError, "claimed_amount"),
    ({"axis_b": "B77"}, UnknownCodeError, None),
    ({"request_kinds": ("teleport",)}, UnknownCodeError, None),
])
def test_bad_input_is_refused_and_nothing_is_written(database: Database, staff: Staff,
                                                     overrides: dict[str, object], error: type[Exception],
                                                     field: str | None) -> None:
    before = _counts(database)
    with pytest.raises(error) as err:
        register_complaint(database, staff.clerk, draft(**overrides))
    if field is not None:
        assert getattr(err.value, "field", None) == field
    assert str(err.value)
    assert _counts(database) == before


def test_unknown_code_after_customer_creation_rolls_back(database: Database, staff: Staff) -> None:
    """A new customer is created before the codes are checked in some orders; the transaction undoes it."""
    before = _counts(database)
    with pytest.raises(UnknownCodeError):
        register_complaint(database, staff.clerk, draft(axis_d="D77",
                                                        customer=CustomerDraft(name="赵六", phone="13900000000")))
    assert _counts(database) == before


def test_an_id_number_match_wins_over_a_phone_and_name_match(database: Database, staff: Staff) -> None:
    """The customer lookup is one statement; an ID number found names the customer even when another
    customer has the same phone and name."""
    by_phone = register_complaint(database, staff.clerk, draft(
        customer=CustomerDraft(name="周敏", id_type=None, phone="13700000001"))).customer
    by_id = register_complaint(database, staff.clerk, draft(
        customer=CustomerDraft(name="周敏", id_number="310101199001011234", phone="13700000002"))).customer
    both = register_complaint(database, staff.clerk, draft(
        customer=CustomerDraft(name="周敏", id_number="310101199001011234", phone="13700000001"))).customer
    assert both.id == by_id.id != by_phone.id
    again = register_complaint(database, staff.clerk, draft(
        customer=CustomerDraft(name="周敏", id_type=None, phone="13700000001"))).customer
    assert again.id == by_phone.id
    assert _counts(database)[1] == 2  # no third customer was made


def test_a_refused_write_at_the_end_leaves_nothing_written(database: Database, staff: Staff) -> None:
    """The new customer, the case and its events are written in one flush: a case number that is taken
    already refuses all of them, with the database's own error, and gives the number back."""
    received = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    register_complaint(database, staff.clerk, draft(received_at=received))
    with database.unit_of_work() as s:  # the counter set back, as a restored backup could leave it
        s.execute(update(NumberCounter).values(value=0))
    before = _counts(database)
    with pytest.raises(IntegrityError):
        register_complaint(database, staff.clerk, draft(
            received_at=received, customer=CustomerDraft(name="钱七", id_type=None, phone="13600000000")))
    assert _counts(database) == before
    with database.unit_of_work() as s:
        assert s.scalar(select(NumberCounter.value)) == 0  # the number taken was given back
        s.execute(update(NumberCounter).values(value=1))
    assert register_complaint(database, staff.clerk, draft(received_at=received)).case_number == \
        "SH01-20260302-0002"


def test_group_representative_cap_and_agent_authorisation(database: Database, staff: Staff) -> None:
    reps = tuple(PartyDraft(PartyRole.REPRESENTATIVE, f"代表{i}") for i in range(6))
    with pytest.raises(ValidationError, match="at most 5"):
        register_complaint(database, staff.clerk, draft(flags=frozenset({SpecialFlag.GROUP}), parties=reps))
    ok = register_complaint(database, staff.clerk, draft(flags=frozenset({SpecialFlag.GROUP}), parties=reps[:5]))
    assert len(ok.parties) == 5
    with pytest.raises(ValidationError, match="authorisation"):
        register_complaint(database, staff.clerk, draft(parties=(PartyDraft(PartyRole.AGENT, "代理人"),)))


def test_future_receipt_time_refused(database: Database, staff: Staff) -> None:
    with pytest.raises(ValidationError, match="future"):
        register_complaint(database, staff.clerk, draft(received_at=datetime(2999, 1, 1, tzinfo=UTC)))


def test_update_logs_old_and_new_and_refuses_stale_version(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    updated = update_complaint(database, staff.handler, case.id, case.version,
                               {"claimed_amount": "4000", "axis_c": "C01"})
    assert updated.version == case.version + 1
    assert updated.events[-1].kind == "updated"
    assert updated.events[-1].payload["changes"]["claimed_amount"] == ["3200.00", "4000.00"]
    with pytest.raises(StaleVersionError) as err:
        update_complaint(database, staff.handler, case.id, case.version, {"facts_where": "手机银行"})
    assert re.search(r"changed by Handler at \d{4}-\d\d-\d\d \d\d:\d\d", str(err.value))
    with pytest.raises(UnknownCodeError):
        update_complaint(database, staff.handler, case.id, updated.version, {"axis_c": "C77"})
    assert get_complaint(database, staff.handler, case.id).axis_c == "C01"


def test_other_branch_cannot_see_the_case(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    with pytest.raises(PermissionDeniedError):
        get_complaint(database, staff.other_branch_clerk, case.id)
    assert get_complaint(database, staff.admin, case.id).case_number == case.case_number  # admin is at HQ


def test_missing_case(database: Database, staff: Staff) -> None:
    import uuid

    with pytest.raises(NotFoundError):
        get_complaint(database, staff.clerk, uuid.uuid4())


def test_personal_data_masked_unless_revealed_and_audited(database: Database, staff: Staff) -> None:
    from desk_app.services.audit import list_entries
    from desk_app.services.personal_data import reveal_customer

    case = register_complaint(database, staff.clerk, draft())
    assert case.customer.id_number == "1101**********002X" and case.customer.phone == "138****5678"
    shown = reveal_customer(database, staff.handler, case.id, purpose="回访客户")
    assert shown.id_number == "11010519491231002X" and shown.phone == "13812345678"
    with pytest.raises(PermissionDeniedError):
        reveal_customer(database, staff.admin, case.id)  # administrators administer; they do not read cases
    entries = list_entries(database, staff.admin, complaint_id=case.id)
    assert [(e.action, e.user_name, e.case_number) for e in entries] == [
        ("view_personal_data", "Handler", case.case_number)]
    assert "13812345678" not in repr(entries[0].detail)
