"""The case view driven like a user would, from assignment to closing, with the real widgets and services."""

from __future__ import annotations

import uuid

import pytest
from gui_support import SetUp, Shown, local_db
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QSpinBox
from pytestqt.qtbot import QtBot

from desk_app.domain.actor import Actor
from desk_app.domain.enums import ApprovalState, Stage, Status
from desk_app.domain.workflow import Action
from desk_app.services.complaints import get_complaint, register_complaint
from tests.support import case_view
from tests.support.case_view import Desk, click, make_desk, opened, settle
from tests.support.staff import draft
from ui.cases.action_dialogs import ActionDialog, find_data
from ui.cases.case_view import CaseView


@pytest.fixture
def desk(set_up: SetUp) -> Desk:
    return make_desk(set_up.db, set_up.admin)


def open_view(qtbot: QtBot, desk: Desk, actor: Actor, complaint_id: uuid.UUID) -> CaseView:
    return case_view.open_view(qtbot, desk, actor, complaint_id, size=(1300, 720))


def tick(qtbot: QtBot, view: CaseView, checklist: str, step: str) -> None:
    """Tick a checklist step in the case view's checklist tab (the note dialog is answered with ""); the view
    then reloads the case."""
    with qtbot.waitSignal(view.checklists.sig_changed, timeout=10_000):
        view.checklists.checkbox(checklist, step).click()
    settle(qtbot, view)


def set_field(dialog: ActionDialog, key: str, value: object) -> None:
    """Fill a dialog field like a user (setText: QTest.keyClicks aborts on non-ASCII text)."""
    widget = dialog.fields[key]
    if isinstance(widget, QComboBox):
        index = find_data(widget, value)
        assert index >= 0, f"{value!r} is not offered in {key}"
        widget.setCurrentIndex(index)
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText(str(value))
    elif isinstance(widget, QLineEdit):
        widget.setText(str(value))
    elif isinstance(widget, QSpinBox):
        widget.setValue(int(str(value)))
    else:
        raise TypeError(key)


def run_dialog(qtbot: QtBot, view: CaseView, **values: object) -> None:
    """Fill the dialog the view just opened and press its OK button; once its call has run, the dialog
    must have closed (and is deleted)."""
    dialog = opened(qtbot, view)
    for key, value in values.items():
        set_field(dialog, key, value)
    closed: list[int] = []
    dialog.finished.connect(closed.append)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(closed) or not dialog.pending, timeout=10_000)
    settle(qtbot, view)
    assert closed, dialog.error.text()


def test_a_case_from_assignment_to_close(qtbot: QtBot, desk: Desk, message_boxes: list[Shown],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    case = register_complaint(local_db(desk.ctx), desk.clerk, draft())
    assert not case.deliberation_required

    # the supervisor assigns the case to the handler
    boss = open_view(qtbot, desk, desk.supervisor, case.id)
    assert boss.offered_actions() == [Action.ASSIGN, Action.REFUSE, Action.WITHDRAW]
    changed: list[uuid.UUID] = []
    boss.sig_changed.connect(changed.append)
    boss.action_buttons[Action.ASSIGN].click()  # the branch's handlers are read first
    assert opened(qtbot, boss).objectName() == "assignDialog"
    run_dialog(qtbot, boss, owner=desk.handler.user_id)
    assert changed == [case.id]
    assert boss.file is not None and boss.file.detail.status is Status.ASSIGNED
    assert boss.owner_label.text() == "Handler: Handler"

    # the handler starts and walks the steps 听 → 查 → (议 not required) → 析 → 谈 → 行
    view = open_view(qtbot, desk, desk.handler, case.id)
    assert Action.ASSIGN not in view.offered_actions()
    view.action_buttons[Action.START].click()
    run_dialog(qtbot, view)
    assert view.file is not None and view.file.detail.stage is Stage.LISTEN
    checklists_tab = view.side_tabs.indexOf(view.checklists)
    assert view.side_tabs.tabText(checklists_tab) == "Chec&klists (2 to tick)"
    assert view.stages.selected() is Stage.LISTEN
    assert view.stages.bar.buttons[Stage.LISTEN].property("state") == "current"
    assert view.stages.bar.buttons[Stage.DELIBERATE].state_label.text() == "not required"

    listen = view.stages.forms[Stage.LISTEN]
    assert "*" in listen.captions["real_demand"].text()
    click(qtbot, view, listen.move_button)  # the required record is missing
    assert "Record the step 'Listen' first" in listen.error.text()
    assert "border" in listen.editors["real_demand"].styleSheet()
    listen.set_text("real_demand", "客户真实诉求是退还被盗刷款项")
    assert "unsaved changes" in listen.state_label.text()
    click(qtbot, view, listen.save_button)
    assert listen.error.text() == "" and "unsaved" not in listen.state_label.text()
    assert view.file.stage_records[Stage.LISTEN]["real_demand"] == "客户真实诉求是退还被盗刷款项"
    assert listen.move_button.text() == "&Next step: 查 Investigate →"
    click(qtbot, view, listen.move_button)  # the strategic-empathy checklist must be ticked first: its tab is shown
    assert "Tick the required checklist steps" in listen.error.text()
    assert view.side_tabs.currentWidget() is view.checklists
    tick(qtbot, view, "strategic_empathy", "active_listening")
    tick(qtbot, view, "strategic_empathy", "true_demand")
    assert view.side_tabs.tabText(checklists_tab) == "Chec&klists"
    click(qtbot, view, listen.move_button)
    assert view.file.detail.stage is Stage.INVESTIGATE and view.stages.selected() is Stage.INVESTIGATE

    investigate = view.stages.forms[Stage.INVESTIGATE]
    assert investigate.move_button.text() == "&Next step: 析 Analyse →"  # 议 is skipped when not required
    investigate.set_text("findings", "交易发生在境外，客户当时在境内")
    click(qtbot, view, investigate.move_button)  # saves the typed record first, then moves on
    assert view.file.detail.stage is Stage.ANALYSE
    assert view.file.stage_records[Stage.INVESTIGATE]["findings"] == "交易发生在境外，客户当时在境内"
    assert view.stages.bar.buttons[Stage.DELIBERATE].state_label.text() == "skipped"

    analyse = view.stages.forms[Stage.ANALYSE]
    analyse.set_text("analysis", "盗刷事实清楚")
    analyse.set_text("basis", "《银行卡章程》第十二条")
    click(qtbot, view, analyse.move_button)
    assert view.file.detail.stage is Stage.NEGOTIATE

    negotiate = view.stages.forms[Stage.NEGOTIATE]
    click(qtbot, view, negotiate.move_button)
    assert "at least one contact" in negotiate.error.text()
    view.stages.contacts.add_button.click()
    run_dialog(qtbot, view, method="phone", summary="电话告知处理方案", reaction="客户表示接受")
    assert view.stages.contacts.table.rowCount() == 1
    assert view.stages.contacts.table.item(0, 2).text() == "电话告知处理方案"
    assert view.file.detail.first_contact_at is not None  # the first contact is recorded with it
    negotiate.set_text("plan", "先致歉后说明退款时间")
    click(qtbot, view, negotiate.move_button)
    assert view.file.detail.stage is Stage.ACT and view.stages.selected() is Stage.ACT

    act = view.stages.forms[Stage.ACT]
    act.set_text("action_taken", "已退还3,200.00元")
    click(qtbot, view, act.save_button)
    assert act.move_button.isHidden()  # 行 is the last step

    # the handler proposes, and may not approve their own proposal
    box = view.stages.resolution
    box.propose_button.click()
    run_dialog(qtbot, view, type="refund", amount="3200", description="全额退还", basis="《银行卡章程》第十二条",
               upheld=True)
    assert box.current is not None and box.current.approval_state is ApprovalState.PROPOSED
    assert box.approve_button.isHidden() and box.reject_button.isHidden()
    assert "waiting for approval" in box.summary.text()

    # the supervisor approves (3,200 is within a supervisor's limit)
    click(qtbot, boss, boss.reload_button)
    assert not boss.stages.resolution.approve_button.isHidden()
    boss.stages.resolution.approve_button.click()
    run_dialog(qtbot, boss)
    assert boss.stages.resolution.current is not None
    assert boss.stages.resolution.current.approval_state is ApprovalState.APPROVED

    # back at the handler's desk: customer's answer, response, callback, close
    click(qtbot, view, view.reload_button)
    assert "approved by Supervisor" in box.summary.text()
    box.accepts_button.click()
    run_dialog(qtbot, view, note="客户当场同意")
    assert box.accepts_button.isHidden() and "The customer accepted." in box.summary.text()
    view.action_buttons[Action.RESPOND].click()
    run_dialog(qtbot, view)
    assert view.file.detail.status is Status.RESPONDED
    assert "clock stopped" in view.due_label.text()
    view.action_buttons[Action.AWAIT_CALLBACK].click()
    run_dialog(qtbot, view)
    assert view.stages.callbacks.record_button.isEnabled()
    view.stages.callbacks.record_button.click()
    run_dialog(qtbot, view, method="phone", satisfaction=4, note="满意")
    assert view.stages.callbacks.table.item(0, 3).text() == "4/5"
    view.action_buttons[Action.CLOSE].click()
    run_dialog(qtbot, view)
    assert view.file.detail.status is Status.CLOSED
    assert view.offered_actions() == [Action.REOPEN, Action.APPLY_REVIEW]
    assert get_complaint(local_db(desk.ctx), desk.handler, case.id).status is Status.CLOSED
    assert message_boxes == []

    # the timeline lists every event, newest first, in words
    entries = view.timeline.entries
    assert [e.seq for e in entries] == sorted((e.seq for e in entries), reverse=True)
    assert len(entries) == len(view.file.detail.events)
    kinds = {e.kind for e in entries}
    assert {"registered", "assigned", "status_changed", "stage_changed", "stage_record", "first_contact", "contact",
            "resolution_proposed", "resolution_decided", "customer_decision", "callback"} <= kinds
    titles = [e.title for e in entries]
    assert titles[0] == "Status: Awaiting callback → Closed"
    assert "Status: Assigned → In progress" in titles
    assert "Step: 查 Investigate → 析 Analyse" in titles
    assert "Assigned to Handler" in titles and "Resolution approved" in titles
    assert "Callback: satisfaction 4/5" in titles
    assert "Checklist step ticked: Active listening" in titles
    text = view.timeline.plain_text()
    assert "What was said: 电话告知处理方案" in text and "Supervisor" in text


def test_the_view_follows_the_language(qtbot: QtBot, desk: Desk, language_support: object) -> None:
    from ui.i18n import switch_language

    case = register_complaint(local_db(desk.ctx), desk.clerk, draft())
    view = open_view(qtbot, desk, desk.supervisor, case.id)
    assert view.status_chip.text() == "Registered"
    try:
        switch_language("zh_CN")
        assert view.status_chip.text() == "已受理"
        assert view.action_buttons[Action.ASSIGN].text().startswith("分派")
        assert view.stages.bar.buttons[Stage.LISTEN].char.text() == "听"
    finally:
        switch_language("en")
    assert view.status_chip.text() == "Registered"
