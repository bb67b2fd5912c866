"""Raw HTTP against a live desk server, as an attacker with a counter PC's network access would send it.

Each request is refused with a clear, typed error and nothing is written (the database digest, taken
after the attacker's own sign-in, is unchanged).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from db_digest import database_digest
from server_support import LiveServer
from sqlalchemy import update

from desk_app.api.protocol import API_PREFIX, PROTOCOL_HEADER, PROTOCOL_VERSION
from desk_app.db.models import ApiSession
from desk_app.db.types import utcnow
from desk_app.domain.enums import Role
from desk_app.services.accounts import update_user
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import ComplaintDetail
from tests.support.passwords import ADMIN_PASSWORD, PASSWORD
from tests.support.raw_http import Raw, refused
from tests.support.staff import Staff, draft


@pytest.fixture
def raw(server: LiveServer) -> Iterator[Raw]:
    client = Raw(server)
    yield client
    client.http.close()


@pytest.fixture
def case(server: LiveServer, staff: Staff) -> ComplaintDetail:
    return register_complaint(server.db, staff.clerk, draft())


def test_a_request_naming_another_actor_is_refused(raw: Raw, staff: Staff, case: ComplaintDetail) -> None:
    token = raw.sign_in("clerk")
    before = database_digest(raw.server.db)
    admin = {"user_id": str(staff.admin.user_id), "username": "admin", "display_name": "x", "role": "administrator",
             "branch_id": str(staff.admin.branch_id), "branch_code": "SH01", "is_hq": True}
    response = raw.post("/call/accounts.create_user", {
        "actor": admin, "username": "mole", "display_name": "Mole", "password": "mole-2026-pass",
        "role": "administrator"}, token)
    message = refused(response, 422, "ValidationError")
    assert "actor" in message
    response = raw.post("/call/accounts.create_user", {
        "username": "mole", "display_name": "Mole", "password": "mole-2026-pass", "role": "administrator"}, token)
    refused(response, 403, "PermissionDeniedError")
    assert database_digest(raw.server.db) == before


def test_another_branchs_case_is_refused(raw: Raw, case: ComplaintDetail) -> None:
    token = raw.sign_in("bjclerk")
    before = database_digest(raw.server.db)
    refused(raw.post("/call/complaints.get_complaint", {"complaint_id": str(case.id)}, token),
            403, "PermissionDeniedError")
    refused(raw.post("/call/case_workflow.add_note", {"complaint_id": str(case.id), "text": "写入他行案件"}, token),
            403, "PermissionDeniedError")
    refused(raw.post("/call/personal_data.reveal_customer", {"complaint_id": str(case.id), "purpose": "x"}, token),
            403, "PermissionDeniedError")
    assert database_digest(raw.server.db) == before


@pytest.mark.parametrize("how", ["idle", "absolute", "signed_out", "garbage", "missing"])
def test_expired_revoked_or_forged_tokens_are_refused(raw: Raw, case: ComplaintDetail, how: str) -> None:
    token: str | None = raw.sign_in("clerk")
    assert token is not None
    with raw.server.db.unit_of_work() as session:
        if how == "idle":
            session.execute(update(ApiSession).values(last_used_at=utcnow() - timedelta(hours=1)))
        elif how == "absolute":
            session.execute(update(ApiSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    if how == "signed_out":
        assert raw.post("/sign-out", {}, token).status_code == 200
    elif how == "garbage":
        token = token[:-4] + "AAAA"
    elif how == "missing":
        token = None
    before = database_digest(raw.server.db)
    response = raw.post("/call/case_workflow.add_note", {"complaint_id": str(case.id), "text": "迟到的备注"}, token)
    refused(response, 401, "SessionExpiredError")
    assert database_digest(raw.server.db) == before


def test_a_disabled_users_old_session_is_refused(raw: Raw, staff: Staff, case: ComplaintDetail) -> None:
    token = raw.sign_in("clerk")
    info = next(u for u in _users(raw) if u["username"] == "clerk")
    update_user(raw.server.db, staff.admin, uuid.UUID(info["id"]), active=False, version=info["version"])
    before = database_digest(raw.server.db)
    refused(raw.post("/call/case_workflow.add_note", {"complaint_id": str(case.id), "text": "停用后"}, token),
            401, "SessionExpiredError")
    assert database_digest(raw.server.db) == before


def test_a_demoted_users_old_session_gets_the_new_role(raw: Raw, staff: Staff, case: ComplaintDetail) -> None:
    token = raw.sign_in("supervisor")
    info = next(u for u in _users(raw) if u["username"] == "supervisor")
    body = {"complaint_id": str(case.id), "version": case.version, "owner_id": str(staff.handler.user_id)}
    update_user(raw.server.db, staff.admin, uuid.UUID(info["id"]), role=Role.COUNTER_CLERK, version=info["version"])
    before = database_digest(raw.server.db)
    message = refused(raw.post("/call/case_workflow.assign", body, token), 403, "PermissionDeniedError")
    assert "counter clerk" in message.lower()
    assert database_digest(raw.server.db) == before


@pytest.mark.parametrize("protocol", [None, "0", str(PROTOCOL_VERSION + 1), "abc"])
def test_a_wrong_protocol_version_is_refused_with_update_advice(raw: Raw, case: ComplaintDetail,
                                                                protocol: str | None) -> None:
    before = database_digest(raw.server.db)
    response = raw.post("/sign-in", {"username": "clerk", "password": PASSWORD}, protocol=protocol)
    message = refused(response, 426, "ProtocolMismatchError")
    assert "update" in message.lower()
    assert database_digest(raw.server.db) == before


def test_malformed_bodies_and_unknown_calls_are_refused(raw: Raw, case: ComplaintDetail) -> None:
    token = raw.sign_in("clerk")
    before = database_digest(raw.server.db)
    refused(raw.post("/call/case_workflow.add_note", {"complaint_id": "not-a-uuid", "text": "x"}, token),
            422, "ValidationError")
    refused(raw.post("/call/case_workflow.add_note", {"complaint_id": str(case.id), "text": 5}, token),
            422, "ValidationError")
    refused(raw.post("/call/demo.generate_demo_data", {"count": 10}, token), 422, "ValidationError")
    receipt = {"complaint_id": str(case.id), "kind": "receipt", "inputs": {"type": "ReceiptInputs", "value": {}}}
    message = refused(raw.post("/call/letters.issue_letter", {**receipt, "templates_dir": "/etc"}, token),
                      422, "ValidationError")
    assert "templates_dir" in message
    refused(raw.post("/call/self_test.run_self_test", {}, token), 422, "ValidationError")
    response = raw.http.post(API_PREFIX + "/call/case_workflow.add_note", content=b"\xff\xfe{",
                             headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Authorization": f"Bearer {token}"})
    refused(response, 422, "ValidationError")
    assert database_digest(raw.server.db) == before


def test_failed_sign_ins_are_audited_and_lock_the_account(raw: Raw, case: ComplaintDetail) -> None:
    for _attempt in range(5):
        refused(raw.post("/sign-in", {"username": "clerk", "password": "wrong-password"}), 401,
                "AuthenticationError" if _attempt < 4 else "AccountLockedError")
    refused(raw.post("/sign-in", {"username": "clerk", "password": PASSWORD}), 401, "AccountLockedError")
    admin = raw.sign_in("admin", ADMIN_PASSWORD)
    entries = raw.post("/call/audit.list_entries", {}, admin).json()
    actions = [e["action"] for e in entries]
    assert actions.count("sign_in_failed") == 6
    assert "sign_in" in actions


def test_messages_come_in_the_callers_language(raw: Raw, case: ComplaintDetail) -> None:
    response = raw.http.post(API_PREFIX + "/sign-in", content=b'{"username": "clerk", "password": "nope"}',
                             headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def _users(raw: Raw) -> list[dict[str, object]]:
    admin = raw.sign_in("admin", ADMIN_PASSWORD)
    response = raw.post("/call/accounts.list_users", {}, admin)
    assert response.status_code == 200, response.text
    users: list[dict[str, object]] = response.json()
    return users


@pytest.mark.parametrize("bad", ["王\u0000芳", "王芳\u202e"])
def test_control_characters_in_a_call_are_refused_before_any_query(raw: Raw, case: ComplaintDetail,
                                                                   bad: str) -> None:
    """A NUL or a direction override, escaped in the JSON: a clear refusal naming the field, nothing written
    (on PostgreSQL a NUL used to reach the driver and come back as a crash carrying the row's values)."""
    token = raw.sign_in("clerk")
    before = database_digest(raw.server.db)
    message = refused(raw.post("/call/case_workflow.add_note", {"complaint_id": str(case.id), "text": bad}, token),
                      422, "ValidationError")
    assert "control character" in message and "text" in message
    assert database_digest(raw.server.db) == before
