"""The case view's rules: what is offered to whom, required fields, stale versions, deadlines, timeline texts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from gui_support import SetUp, Shown, local_db
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from desk_app.domain.enums import Complexity, Severity, Stage, Status
from desk_app.domain.workflow import Action
from desk_app.services import case_workflow as wf
from desk_app.services import checklists
from desk_app.services.case_workflow import Command
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.dto import ComplaintDetail
from desk_app.services.timeline import EventInfo
from tests.support.case_view import Desk, click, make_desk, open_view, opened, settle
from tests.support.staff import draft
from ui.cases.action_dialogs import ActionDialog, find_data
from ui.cases.case_view import CaseView
from ui.cases.timeline_widget import TimelineNames, describe_events


@pytest.fixture
def desk(set_up: SetUp) -> Desk:
    return make_desk(set_up.db, set_up.admin)


def submit(qtbot: QtBot, view: CaseView, dialog: ActionDialog) -> bool:
    """Press OK and wait for the dialog's call; True when the dialog has closed (it is then deleted)."""
    closed: list[int] = []
    dialog.finished.connect(closed.append)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(closed) or not dialog.pending, timeout=10_000)
    settle(qtbot, view)
    return bool(closed)


def started(desk: Desk, **overrides: object) -> ComplaintDetail:
    case = register_complaint(local_db(desk.ctx), desk.clerk, draft(**overrides))
    case = wf.assign(local_db(desk.ctx), desk.supervisor, case.id, case.version, desk.handler.user_id)
    return wf.perform(local_db(desk.ctx), desk.handler, case.id, case.version, Action.START)


def fill(dialog: ActionDialog, key: str, value: object) -> None:
    widget = dialog.fields[key]
    if isinstance(widget, QComboBox):
        widget.setCurrentIndex(find_data(widget, value))
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText(str(value))
    else:
        assert isinstance(widget, QLineEdit)
        widget.setText(str(value))


def test_only_allowed_actions_for_the_role_are_offered(qtbot: QtBot, desk: Desk) -> None:
    case = register_complaint(local_db(desk.ctx), desk.clerk, draft())
    clerk = open_view(qtbot, desk, desk.clerk, case.id)
    assert clerk.offered_actions() == [Action.WITHDRAW]
    assert clerk.action_buttons[Action.ASSIGN].isHidden() and clerk.action_buttons[Action.CLOSE].isHidden()
    assert clerk.offered_commands() == [Command.ESCALATE, Command.FIRST_CONTACT, Command.NOTE]
    handler = open_view(qtbot, desk, desk.handler, case.id)
    assert handler.offered_actions() == [Action.REFUSE, Action.WITHDRAW]  # assigning is for supervisors
    assert Command.TRANSFER not in handler.offered_commands()
    boss = open_view(qtbot, desk, desk.supervisor, case.id)
    assert boss.offered_actions() == [Action.ASSIGN, Action.REFUSE, Action.WITHDRAW]
    assert Command.TRANSFER in boss.offered_commands() and Command.REASSIGN not in boss.offered_commands()

    case = wf.assign(local_db(desk.ctx), desk.supervisor, case.id, case.version, desk.handler.user_id)
    wf.perform(local_db(desk.ctx), desk.handler, case.id, case.version, Action.START)
    handler.reload()
    settle(qtbot, handler)
    assert handler.offered_actions() == [Action.RESPOND, Action.WITHDRAW]
    assert Command.PAUSE in handler.offered_commands() and Command.RESUME not in handler.offered_commands()
    # the step forms of a case in progress are read-only for a clerk, and the clerk cannot propose
    clerk.reload()
    settle(qtbot, clerk)
    assert clerk.stages.forms[Stage.LISTEN].editors["real_demand"].isReadOnly()
    assert clerk.stages.forms[Stage.LISTEN].save_button.isHidden()
    assert not clerk.stages.resolution.propose_button.isEnabled()


def test_required_fields_are_checked_in_the_dialog(qtbot: QtBot, desk: Desk) -> None:
    case = register_complaint(local_db(desk.ctx), desk.clerk, draft())
    view = open_view(qtbot, desk, desk.supervisor, case.id)
    view.action_buttons[Action.REFUSE].click()
    dialog = view.active_dialog
    assert dialog is not None and dialog.objectName() == "refuseDialog"
    assert dialog.labels["reason"].text() == "&Grounds *"
    assert not submit(qtbot, view, dialog)
    assert dialog.isVisible() and dialog.error.text() == "Please fill in: Grounds."
    assert get_complaint(local_db(desk.ctx), desk.supervisor, case.id).status is Status.REGISTERED
    fill(dialog, "reason", "不属于本机构受理范围")
    assert submit(qtbot, view, dialog)
    assert view.file is not None and view.file.detail.status is Status.REFUSED


def test_a_service_refusal_stays_in_the_dialog(qtbot: QtBot, desk: Desk) -> None:
    case = started(desk)
    view = open_view(qtbot, desk, desk.handler, case.id)
    view.action_buttons[Action.RESPOND].click()
    dialog = view.active_dialog
    assert dialog is not None
    assert not submit(qtbot, view, dialog)
    assert dialog.isVisible()
    assert "only at the negotiate (谈) or act (行) step" in dialog.error.text()


def test_a_stale_save_says_who_changed_the_case_and_keeps_the_typing(qtbot: QtBot, desk: Desk,
                                                                      message_boxes: list[Shown]) -> None:
    case = started(desk)
    view = open_view(qtbot, desk, desk.handler, case.id)
    form = view.stages.forms[Stage.LISTEN]
    form.set_text("real_demand", "客户要求退还款项并道歉")
    form.set_text("emotion", "愤怒")
    # meanwhile a supervisor changes the case from another desk
    changed = wf.escalate(local_db(desk.ctx), desk.supervisor, case.id, case.version, "媒体关注")
    assert changed.version != view.version

    click(qtbot, view, form.save_button)
    banner = view.banner.text()
    assert banner.startswith(f"Case {case.case_number} was changed by Supervisor at ")
    assert "Reload and try again" in banner and "what you typed is kept" in banner
    assert not view.banner.isHidden()
    assert view.version == changed.version  # reloaded
    assert "Escalated" in view.flags_chip.text()
    assert form.editors["real_demand"].toPlainText() == "客户要求退还款项并道歉"
    assert form.editors["emotion"].toPlainText() == "愤怒"
    assert message_boxes == []

    click(qtbot, view, form.save_button)  # now against the fresh version
    assert view.banner.isHidden()
    assert view.file is not None and view.file.stage_records[Stage.LISTEN]["emotion"] == "愤怒"
    assert not form.is_dirty()


def test_a_stale_dialog_stays_open_and_succeeds_on_retry(qtbot: QtBot, desk: Desk) -> None:
    case = started(desk)
    view = open_view(qtbot, desk, desk.handler, case.id)
    view.command_actions[Command.PAUSE].trigger()
    dialog = view.active_dialog
    assert dialog is not None and dialog.objectName() == "pauseDialog"
    fill(dialog, "reason", "送司法鉴定")
    wf.escalate(local_db(desk.ctx), desk.supervisor, case.id, case.version, "客户情绪激动")
    assert not submit(qtbot, view, dialog)
    assert dialog.isVisible() and "was changed by Supervisor" in dialog.error.text()
    assert dialog.text("reason") == "送司法鉴定"
    assert submit(qtbot, view, dialog)
    assert view.file is not None and view.file.detail.paused
    assert "PAUSED" in view.clock_label.text() and "clock paused" in view.due_label.text()
    assert Command.RESUME in view.offered_commands()


def test_an_extension_to_60_days_is_a_request_for_the_manager(qtbot: QtBot, desk: Desk) -> None:
    case = started(desk)
    view = open_view(qtbot, desk, desk.handler, case.id)
    view.command_actions[Command.EXTEND].trigger()
    dialog = opened(qtbot, view)
    assert "extension notice" in dialog.notice.text() and not dialog.notice.isHidden()
    assert "approver" not in dialog.fields  # the branch manager decides in person, from their overview
    fill(dialog, "complexity", Complexity.SPECIAL)
    fill(dialog, "reason", "需外部鉴定")
    assert submit(qtbot, view, dialog)
    assert view.file is not None and view.file.detail.complexity is Complexity.SIMPLE  # not counting yet
    assert view.file.detail.extension_requested is Complexity.SPECIAL
    assert view.timeline.entries[0].title == ("Extension asked for: Especially complex (counts once the notice "
                                              "is issued)")
    assert "Needs the branch manager's approval" in view.timeline.entries[0].details
    assert Command.EXTEND not in view.offered_commands()


def test_overdue_case_is_shown_in_red_with_an_icon_and_words(qtbot: QtBot, desk: Desk) -> None:
    received = datetime.now(UTC) - timedelta(days=40)
    case = register_complaint(local_db(desk.ctx), desk.clerk, draft(received_at=received, severity=Severity.SERIOUS))
    view = open_view(qtbot, desk, desk.supervisor, case.id)
    assert "Overdue by" in view.due_label.text() and "#b3261e" in view.due_label.styleSheet()
    assert not view.due_icon.isHidden()
    assert "First contact overdue" in view.contact_label.text()
    assert view.severity_chip.text() == "Serious"
    assert view.stages.bar.buttons[Stage.DELIBERATE].state_label.text() == ""  # required for a serious case


def test_optional_deliberation_can_still_be_done(qtbot: QtBot, desk: Desk) -> None:
    case = started(desk)
    view = open_view(qtbot, desk, desk.handler, case.id)
    listen = view.stages.forms[Stage.LISTEN]
    listen.set_text("real_demand", "退款")
    for step in ("active_listening", "true_demand"):
        checklists.tick_step(local_db(desk.ctx), desk.handler, case.id, "strategic_empathy", step)
    click(qtbot, view, listen.move_button)
    view.stages.bar.buttons[Stage.DELIBERATE].click()
    assert view.stages.selected() is Stage.DELIBERATE and "it may be skipped" in view.stages.hint.text()
    deliberate = view.stages.forms[Stage.DELIBERATE]
    assert deliberate.move_button.text() == "&Do this step"
    click(qtbot, view, deliberate.move_button)  # leaving 查 needs its record
    assert "Record the step 'Investigate' first" in deliberate.error.text()
    view.stages.forms[Stage.INVESTIGATE].set_text("findings", "境外交易")
    click(qtbot, view, deliberate.move_button)  # the typed 查 record is saved on the way
    assert view.file is not None and view.file.detail.stage is Stage.DELIBERATE
    view.stages.bar.buttons[Stage.LISTEN].click()
    assert view.stages.forms[Stage.LISTEN].move_button.text() == "&Go back to this step"


def test_notes_and_first_contact_from_the_menu(qtbot: QtBot, desk: Desk) -> None:
    case = register_complaint(local_db(desk.ctx), desk.clerk, draft())
    view = open_view(qtbot, desk, desk.clerk, case.id)
    view.command_actions[Command.NOTE].trigger()
    dialog = view.active_dialog
    assert dialog is not None
    fill(dialog, "text", "客户来电询问进度")
    assert submit(qtbot, view, dialog)
    assert view.timeline.entries[0].title == "Note" and view.timeline.entries[0].details == ("客户来电询问进度",)
    view.command_actions[Command.FIRST_CONTACT].trigger()
    assert view.active_dialog is not None
    assert submit(qtbot, view, view.active_dialog)
    assert "(target met)" in view.contact_label.text()
    assert Command.FIRST_CONTACT not in view.offered_commands()


def _event(seq: int, kind: str, payload: dict[str, object]) -> EventInfo:
    return EventInfo(seq, kind, datetime(2026, 12, 1, 2, 30, tzinfo=UTC), "李处理", payload)


def test_timeline_texts_are_readable() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    entries = describe_events([
        _event(1, "deadline_recomputed", {"old_due_on": "2026-12-09", "new_due_on": "2026-12-14",
                                          "reason": "Clock resumed"}),
        _event(2, "status_changed", {"action": "start", "from": "assigned", "to": "in_progress", "reason": ""}),
        _event(3, "paused", {"from": date(2026, 12, 1).isoformat(), "reason": "送司法鉴定"}),
        _event(4, "resolution_proposed", {"type": "refund", "amount": "3200.00", "needs_approval": True}),
        _event(5, "mystery", {"x": 1}),
    ], tz, TimelineNames(resolution_types={"refund": "退款"}))
    assert [e.seq for e in entries] == [5, 4, 3, 2, 1]
    by_seq = {e.seq: e for e in entries}
    assert by_seq[1].title == "Due date recomputed: 2026-12-09 → 2026-12-14"
    assert by_seq[1].details == ("Reason: Clock resumed",)
    assert by_seq[2].title == "Status: Assigned → In progress" and by_seq[2].details == ("Action: Start handling",)
    assert by_seq[3].title == "Clock paused from 2026-12-01"
    assert by_seq[4].title == "Resolution proposed: 退款" and "Amount: 3,200.00" in by_seq[4].details
    assert by_seq[5].title == "mystery" and by_seq[5].details == ("x: 1",)
    assert by_seq[2].when.hour == 10 and by_seq[2].who == "李处理"  # local office time


def test_transfer_hands_the_case_to_another_branch(qtbot: QtBot, desk: Desk) -> None:
    from desk_app.db.models import Branch

    with local_db(desk.ctx).unit_of_work() as session:
        other = Branch(code="SH02", name="上海第二支行", institution_type="bank", regime="banking_insurance")
        session.add(other)
        session.flush()
        other_id = other.id
    case = register_complaint(local_db(desk.ctx), desk.clerk, draft())
    view = open_view(qtbot, desk, desk.supervisor, case.id)
    changed: list[uuid.UUID] = []
    view.sig_changed.connect(changed.append)
    closed: list[bool] = []
    view.sig_closed.connect(lambda: closed.append(True))
    view.command_actions[Command.TRANSFER].trigger()  # the branches it may go to are read first
    dialog = opened(qtbot, view)
    assert dialog.objectName() == "transferDialog"
    branch_combo = dialog.fields["branch"]
    assert isinstance(branch_combo, QComboBox)
    assert [branch_combo.itemText(i) for i in range(branch_combo.count())][1:] == ["SH02 上海第二支行"]
    fill(dialog, "branch", other_id)
    fill(dialog, "reason", "客户在上海办理业务，属地管理")
    assert submit(qtbot, view, dialog) and changed == [case.id]
    # the case now belongs to a branch this supervisor cannot see: said so, nothing more is offered
    assert view.banner.text() == "This case belongs to another branch."
    assert view.offered_actions() == [] and not view.more_button.isEnabled()
    view.back_button.click()
    assert closed == [True]


def test_approval_above_the_limit_is_for_the_level_that_covers_it(qtbot: QtBot, desk: Desk) -> None:
    from desk_app.services import handling

    case = started(desk)
    handling.propose_resolution(local_db(desk.ctx), desk.handler, case.id, resolution_type="compensation",
                                amount="8000", description="赔偿损失", basis="合同第5条", upheld=True)
    view = open_view(qtbot, desk, desk.supervisor, case.id)
    box = view.stages.resolution
    assert view.stages.selected() is Stage.LISTEN and not box.approve_button.isHidden()
    box.approve_button.click()
    dialog = view.active_dialog
    assert dialog is not None and "Branch manager" in dialog.notice.text()
    assert "reference" not in dialog.fields  # no free-text substitute for the approver's own decision
    assert not submit(qtbot, view, dialog)
    assert dialog.isVisible() and "needs the approval of: Branch manager" in dialog.error.text()
    dialog.reject()
    view = open_view(qtbot, desk, desk.manager, case.id)
    box = view.stages.resolution
    box.approve_button.click()
    dialog = view.active_dialog
    assert dialog is not None and submit(qtbot, view, dialog)
    assert box.current is not None and box.current.approval_state.value == "approved"
    assert view.timeline.entries[0].details == ("Amount: 8,000.00",)
