"""The approver's queue on the overview: the branch manager signs in, sees the ¥30,000 proposal waiting for
them, and approves it (or returns it with a reason) from the keyboard; a handler has no queue."""

from __future__ import annotations

import pytest
from gui_support import SetUp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.domain.actor import Actor
from desk_app.domain.enums import ApprovalState, Role
from desk_app.domain.workflow import Action
from desk_app.services import case_workflow as wf
from desk_app.services import handling
from desk_app.services.complaints import register_complaint
from tests.support.staff import draft, make_accounts
from ui.context import AppContext
from ui.overview.page import OverviewPage


def _people(set_up: SetUp) -> dict[Role, Actor]:
    logins = (("clerk", Role.COUNTER_CLERK), ("handler", Role.HANDLER), ("super", Role.SUPERVISOR),
              ("manager", Role.BRANCH_MANAGER))
    accounts = make_accounts(set_up.db, set_up.admin, logins)
    return {role: accounts[login] for login, role in logins}


def _proposal(set_up: SetUp, people: dict[Role, Actor], amount: str) -> handling.ResolutionInfo:
    db = set_up.db
    case = register_complaint(db, people[Role.COUNTER_CLERK], draft())
    case = wf.assign(db, people[Role.SUPERVISOR], case.id, case.version, people[Role.HANDLER].user_id)
    case = wf.perform(db, people[Role.HANDLER], case.id, case.version, Action.START)
    return handling.propose_resolution(db, people[Role.HANDLER], case.id, resolution_type="compensation",
                                       amount=amount, description="赔偿损失", basis="合约第五条", upheld=True)


def _page(qtbot: QtBot, set_up: SetUp, actor: Actor) -> OverviewPage:
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    page = OverviewPage(ctx, actor)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.refresh()
    qtbot.waitUntil(lambda: page.overview is not None, timeout=10_000)
    return page


@pytest.mark.parametrize("approve", [True, False])
def test_the_manager_decides_from_the_queue(qtbot: QtBot, set_up: SetUp, approve: bool) -> None:
    people = _people(set_up)
    proposal = _proposal(set_up, people, "30000")
    supervisor_page = _page(qtbot, set_up, people[Role.SUPERVISOR])
    assert supervisor_page.approvals.model.rowCount() == 0 and supervisor_page.approvals.empty_label.isVisible()
    page = _page(qtbot, set_up, people[Role.BRANCH_MANAGER])
    queue = page.approvals
    assert queue.isVisible() and queue.model.rowCount() == 1
    assert queue.model.index(0, 3).data() == "30,000.00"
    button = queue.approve_button if approve else queue.return_button
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    dialog = queue.active_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    if not approve:
        reason = dialog.fields["reason"]
        assert isinstance(reason, QPlainTextEdit)
        reason.setFocus()
        qtbot.keyClicks(reason, "basis missing")
        dialog.ok_button.setFocus()
        qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Space)
    else:
        qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: queue.model.rowCount() == 0, timeout=10_000)
    decided = handling.resolutions(set_up.db, people[Role.HANDLER], proposal_case(set_up, proposal))[-1]
    assert decided.approval_state is (ApprovalState.APPROVED if approve else ApprovalState.REJECTED)
    assert decided.approved_by == "Manager"
    assert decided.decision_reason == ("" if approve else "basis missing")


def proposal_case(set_up: SetUp, proposal: handling.ResolutionInfo) -> object:
    from desk_app.db.models import Resolution

    with set_up.db.unit_of_work() as session:
        return session.get_one(Resolution, proposal.id).complaint_id


def test_a_handler_has_no_queue(qtbot: QtBot, set_up: SetUp) -> None:
    people = _people(set_up)
    page = _page(qtbot, set_up, people[Role.HANDLER])
    assert not page.approvals.isVisible()
