"""Control characters at input: a NUL byte or a text-direction override in any text is refused with a clear
message naming the field, and nothing is written (on PostgreSQL a NUL used to crash with a driver error
that carried the customer's name and phone into the crash dialog and the log)."""

from __future__ import annotations

import re

import pytest
from db_digest import database_digest

from desk_app.api.backend import LocalBackend
from desk_app.db.uow import Database
from desk_app.domain.validation import reject_control_characters
from desk_app.errors import ValidationError
from desk_app.services.complaints import register_complaint, update_complaint
from desk_app.services.dto import CustomerDraft
from tests.support.staff import Staff, draft


@pytest.mark.parametrize(("bad", "code"), [("\x00", "U+0000"), ("\u202e", "U+202E"), ("\x1b", "U+001B"),
                                           ("\u2066", "U+2066"), ("\x85", "U+0085")])
def test_each_kind_is_named(bad: str, code: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(code)) as caught:
        reject_control_characters(f"王芳{bad}", "name")
    assert caught.value.field == "name"


def test_line_breaks_and_tabs_are_text() -> None:
    text = "第一行\n第二行\r\n\t缩进"
    assert reject_control_characters(text, "facts") == text


@pytest.mark.parametrize("customer", [
    CustomerDraft(name="王\x00芳", phone="13812345678"),
    CustomerDraft(name="王芳", phone="13812345678", address="上海市\u202e号001路京南"),
])
def test_registration_with_a_control_character_writes_nothing(database: Database, staff: Staff,
                                                              customer: CustomerDraft) -> None:
    """Through the backend, as the GUI calls it: the field is named before any query runs."""
    before = database_digest(database)
    with pytest.raises(ValidationError, match="control character") as caught:
        LocalBackend(database).call(staff.clerk, register_complaint, draft(customer=customer))
    assert caught.value.field in {"name", "address"}
    assert "13812345678" not in str(caught.value)
    assert database_digest(database) == before


def test_a_direct_service_call_is_refused_too(database: Database, staff: Staff) -> None:
    """Without the backend (the command line, an import): the database layer refuses, with no row values."""
    before = database_digest(database)
    with pytest.raises(ValidationError) as caught:
        register_complaint(database, staff.clerk, draft(customer=CustomerDraft(name="王\x00芳", phone="13812345678")))
    assert "13812345678" not in str(caught.value) and "王" not in str(caught.value)
    assert database_digest(database) == before


def test_a_change_with_a_nul_is_refused(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    before = database_digest(database)
    with pytest.raises(ValidationError, match=re.escape("U+0000")):
        LocalBackend(database).call(staff.clerk, update_complaint, case.id, case.version,
                                    {"facts_what": "客户反映\x00被盗刷"})
    assert database_digest(database) == before
