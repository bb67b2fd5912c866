"""Taking a case through a live desk server, by raw HTTP as a counter PC would send it: the server decides who
takes the case from the session (never from the request), and refuses another branch's case, a clerk, a
branch that does not allow it and a smuggled ``actor``, writing nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from db_digest import database_digest
from server_support import LiveServer
from sqlalchemy import select

from desk_app.db.models import Branch, Complaint
from desk_app.domain.enums import Role, Status
from desk_app.services.accounts import create_user
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import ComplaintDetail
from tests.support.passwords import PASSWORD
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


def _owner(raw: Raw, case: ComplaintDetail) -> tuple[object, str]:
    with raw.server.db.unit_of_work() as session:
        row = session.execute(select(Complaint.owner_id, Complaint.status).where(Complaint.id == case.id)).one()
    return row[0], row[1]


def test_the_handler_takes_the_case_as_themselves(raw: Raw, staff: Staff, case: ComplaintDetail) -> None:
    token = raw.sign_in("handler")
    body = {"complaint_id": str(case.id), "version": case.version}
    smuggled = {**body, "actor": {"user_id": str(staff.supervisor.user_id)}}
    before = database_digest(raw.server.db)
    assert "actor" in refused(raw.post("/call/case_workflow.take_case", smuggled, token), 422, "ValidationError")
    assert database_digest(raw.server.db) == before
    response = raw.post("/call/case_workflow.take_case", body, token)
    assert response.status_code == 200, response.text
    assert _owner(raw, case) == (staff.handler.user_id, Status.ASSIGNED.value)


def test_refusals_over_http_write_nothing(raw: Raw, staff: Staff, case: ComplaintDetail) -> None:
    with raw.server.db.unit_of_work() as session:
        bj = session.scalars(select(Branch.id).where(Branch.code == "BJ01")).one()
    create_user(raw.server.db, staff.admin, username="bjhandler", display_name="BJ handler", password=PASSWORD,
                role=Role.HANDLER, branch_id=bj, must_change_password=False)
    body = {"complaint_id": str(case.id)}
    bj_handler, clerk, handler = raw.sign_in("bjhandler"), raw.sign_in("clerk"), raw.sign_in("handler")
    before = database_digest(raw.server.db)
    assert "another branch" in refused(raw.post("/call/case_workflow.take_case", body, bj_handler),
                                       403, "PermissionDeniedError")
    assert "does not handle cases" in refused(raw.post("/call/case_workflow.take_case", body, clerk),
                                              403, "PermissionDeniedError")
    refused(raw.post("/call/branches.set_handlers_may_take", {"allowed": False}, handler),
            403, "PermissionDeniedError")
    assert database_digest(raw.server.db) == before
    supervisor = raw.sign_in("supervisor")
    assert raw.post("/call/branches.set_handlers_may_take", {"allowed": False}, supervisor).status_code == 200
    message = refused(raw.post("/call/case_workflow.take_case", body, handler), 403, "PermissionDeniedError")
    assert "does not let handlers take cases" in message
    assert _owner(raw, case) == (None, Status.REGISTERED.value)
