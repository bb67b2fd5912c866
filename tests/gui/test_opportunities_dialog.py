"""Opportunities (投诉经营) in the GUI, with key events only: a supervisor records one heard in a case by the
case number, and the list shows it; the services' rules on both databases are in tests/services."""

from __future__ import annotations

import pytest
from desk_steps import PASSWORD, local_context, set_up_branch, settle
from keyboard import focus_widget, mnemonic, type_text
from pytestqt.qtbot import QtBot
from remote_support import activate

from desk_app.db.uow import Database
from desk_app.reports.prevention_figures import OpportunityKind
from desk_app.services.accounts import authenticate
from desk_app.services.complaints import register_complaint
from desk_app.services.opportunities import list_for_case
from tests.support.staff import draft
from ui.grumbles.opportunities_dialog import OpportunitiesDialog


def test_an_opportunity_recorded_on_a_case_by_its_number(qtbot: QtBot, gui_db: Database) -> None:
    if gui_db.engine.dialect.name != "sqlite":
        pytest.skip("the dialog does not depend on the database")
    set_up_branch(gui_db)
    clerk, supervisor = (authenticate(gui_db, name, PASSWORD) for name in ("clerk", "supervisor"))
    case = register_complaint(gui_db, clerk, draft())
    dialog = OpportunitiesDialog(local_context(gui_db), supervisor)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    activate(dialog)
    assert focus_widget() is dialog.case_number
    type_text(qtbot, case.case_number)
    mnemonic(qtbot, "t")
    type_text(qtbot, "客户希望开通境外消费短信提醒")
    mnemonic(qtbot, "r")
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=15_000)
    settle()
    stored = list_for_case(gui_db, supervisor, case.id)
    assert [(o.kind, o.product, o.text) for o in stored] == [
        (OpportunityKind.SUGGESTION, "B0302", "客户希望开通境外消费短信提醒")]
    assert dialog.table.item(0, 5).text() == "客户希望开通境外消费短信提醒"
    assert dialog.table.item(0, 4).text() == case.case_number
