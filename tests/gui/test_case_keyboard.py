"""One registered complaint through the six steps of a case with key events only, from sign-in to the closed
case: the supervisor assigns it, the handler walks 听 → 查 → (议) → 析 → 谈 → 行, proposes a refund, the
supervisor approves it, and the handler records the customer's answer, issues the decision letter, records the
response, waits for the callback, records it and closes the case. Every key goes to
``QApplication.focusWidget()`` (no setText, no mouse, no widget calls beyond reading results); then every
stored field is read back through the backend. The keys pressed beyond the typed text are counted per part and
printed (``pytest -s``)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from desk_steps import local_context, set_up_branch, settle
from keyboard import CTRL, KeyCount, choose, focus_widget, key, mnemonic, tab_to, type_text
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QMenu
from pytestqt.qtbot import QtBot
from remote_support import activate, when_popup, when_shown

from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import ApprovalState, LetterKind, Stage, Status
from desk_app.domain.workflow import Action
from desk_app.services import checklists, handling, letters
from desk_app.services.accounts import authenticate
from desk_app.services.complaints import get_complaint, register_complaint
from tests.support.passwords import PASSWORD
from tests.support.staff import draft
from ui.cases.action_dialogs import ActionDialog
from ui.cases.case_view import CaseView
from ui.dialogs.login_dialog import LoginDialog
from ui.letters.case_letters import CaseLettersWidget
from ui.letters.issue_dialog import IssueLetterDialog
from ui.letters.preview_dialog import LetterPreviewDialog
from ui.main_window import MainWindow
from ui.session import ask_sign_in


class Parts:
    """Keys beyond the typed text, per part of the flow."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._mark = 0

    def start(self) -> None:
        self._mark = KeyCount.pressed

    def end(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + KeyCount.pressed - self._mark
        self._mark = KeyCount.pressed


def _signed_in(qtbot: QtBot, db: Database, username: str) -> MainWindow:
    """The sign-in dialog typed into (user name, Tab, password, Enter), then the main window, active."""
    backend = local_context(db).backend

    def answer(dialog: LoginDialog) -> None:
        assert focus_widget() is dialog.username_edit
        type_text(qtbot, username)
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, PASSWORD)
        key(qtbot, Qt.Key.Key_Return)

    when_shown(LoginDialog, answer)
    actor = ask_sign_in(backend)
    assert actor is not None and actor.username == username
    window = MainWindow(local_context(db), actor)
    qtbot.addWidget(window)
    window.resize(1366, 740)
    window.show()
    qtbot.waitExposed(window)
    activate(window)
    return window


def _shown_case(window: MainWindow) -> CaseView | None:
    holder = window.pages.currentWidget()
    view = holder.widget() if hasattr(holder, "widget") else holder
    return view if isinstance(view, CaseView) and view.file is not None and not view.busy else None


def _open_case(qtbot: QtBot, window: MainWindow, number: str) -> CaseView:
    """Ctrl+<row> (the case list), Ctrl+F (its search), the case number, Enter searches, Down to the row, Enter
    opens it."""
    page = window.case_list_page
    row = window.page_titles().index(page.nav_title())
    key(qtbot, getattr(Qt.Key, f"Key_{row + 1}"), CTRL)
    key(qtbot, Qt.Key.Key_F, CTRL)
    assert focus_widget() is page.filter_bar.search_edit
    type_text(qtbot, number)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.case_id(0) is not None, timeout=15_000)
    key(qtbot, Qt.Key.Key_Down)
    assert focus_widget() is page.table
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _shown_case(window) is not None, timeout=20_000)
    view = _shown_case(window)
    assert view is not None
    _settle(qtbot, view)
    return view


def _settle(qtbot: QtBot, view: CaseView) -> None:
    qtbot.waitUntil(lambda: not view.busy and not view.checklists.loading, timeout=20_000)


def _dialog(qtbot: QtBot, view: CaseView) -> ActionDialog:
    """The dialog the view opened (some read their choices first), active."""
    qtbot.waitUntil(lambda: view.active_dialog is not None and view.active_dialog.isVisible(), timeout=20_000)
    dialog = view.active_dialog
    assert dialog is not None
    activate(dialog)
    return dialog


def _done(qtbot: QtBot, view: CaseView, dialog: ActionDialog, letter: str | None = None) -> None:
    """OK by its mnemonic (or Enter when ``letter`` is None); once the call has run the dialog has closed."""
    closed: list[int] = []
    dialog.finished.connect(closed.append)
    if letter is None:
        key(qtbot, Qt.Key.Key_Return)
    else:
        mnemonic(qtbot, letter)
    qtbot.waitUntil(lambda: bool(closed) or (not dialog.pending and bool(dialog.error.text())), timeout=20_000)
    assert closed, dialog.error.text()
    _settle(qtbot, view)
    activate(view.window())


def _action(qtbot: QtBot, view: CaseView, action: Action) -> ActionDialog:
    """A lifecycle button of the action bar: Tab to it, Space; the dialog it opens."""
    tab_to(qtbot, view.action_buttons[action])
    key(qtbot, Qt.Key.Key_Space)
    return _dialog(qtbot, view)


def _tick(qtbot: QtBot, view: CaseView, checklist: str, step: str, note: str = "") -> None:
    """Tab to the step's box (or its inline note), Space (or the note and Enter); no dialog asks for the mouse."""
    row = view.checklists.step_row(checklist, step)
    tab_to(qtbot, row.note if note else row.checkbox)
    if note:
        type_text(qtbot, note)
    with qtbot.waitSignal(view.checklists.sig_changed, timeout=20_000):
        key(qtbot, Qt.Key.Key_Return if note else Qt.Key.Key_Space)
    assert QApplication.activeModalWidget() is None
    _settle(qtbot, view)


def _next_step(qtbot: QtBot, view: CaseView, expected: Stage) -> None:
    """Alt+N (&Next step, saving the typed record first); the focus lands in the new step's first field."""
    mnemonic(qtbot, "n")
    _settle(qtbot, view)
    qtbot.waitUntil(lambda: view.file is not None and view.file.detail.stage is expected, timeout=20_000)
    qtbot.waitUntil(lambda: focus_widget() is next(iter(view.stages.forms[expected].editors.values())),
                    timeout=5000)


def _sign_out(window: MainWindow) -> None:
    window.close()
    settle()


def _handler_walks_the_steps(qtbot: QtBot, view: CaseView, parts: Parts) -> None:
    assert view.file is not None
    confirm = _action(qtbot, view, Action.START)
    _done(qtbot, view, confirm)                           # Enter: the confirmation's default button
    assert view.file.detail.stage is Stage.LISTEN
    qtbot.waitUntil(lambda: focus_widget() is view.stages.forms[Stage.LISTEN].editors["real_demand"],
                    timeout=5000)
    parts.end("handler: open and start")
    type_text(qtbot, "客户真实诉求是退还被盗刷款项")
    key(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "情绪激动，担心资金安全")
    mnemonic(qtbot, "k")                                  # Chec&klists
    assert view.side_tabs.currentWidget() is view.checklists
    first = view.checklists.step_row("strategic_empathy", "active_listening")
    assert focus_widget() is first.checkbox              # the keyboard is on the first step to tick
    _tick(qtbot, view, "strategic_empathy", "active_listening", note="客户情绪已平复")
    _tick(qtbot, view, "strategic_empathy", "true_demand")
    _next_step(qtbot, view, Stage.INVESTIGATE)
    parts.end("听 listen")
    type_text(qtbot, "交易发生在境外，客户当时在境内")
    key(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "交易授权记录、出入境记录")
    deliberation = view.file.detail.deliberation_required
    _next_step(qtbot, view, Stage.DELIBERATE if deliberation else Stage.ANALYSE)
    parts.end("查 investigate")
    if deliberation:
        type_text(qtbot, "主管王姐、经办人老张")
        key(qtbot, Qt.Key.Key_Tab)
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "同意全额退款")
        _next_step(qtbot, view, Stage.ANALYSE)
        parts.end("议 deliberate")
    type_text(qtbot, "盗刷事实清楚")
    key(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "《银行卡章程》第十二条")
    _next_step(qtbot, view, Stage.NEGOTIATE)
    parts.end("析 analyse")
    type_text(qtbot, "先致歉后说明退款时间")
    mnemonic(qtbot, "c")                                  # Log a &contact…
    contact = _dialog(qtbot, view)
    assert contact.objectName() == "contactDialog"
    assert focus_widget() is contact.fields["summary"]    # the first required field (When is now, How a call)
    type_text(qtbot, "电话告知处理方案")
    mnemonic(qtbot, "r")                                  # Customer's &reaction
    type_text(qtbot, "客户表示接受")
    _done(qtbot, view, contact, "a")                      # &Add to the log
    _next_step(qtbot, view, Stage.ACT)
    parts.end("谈 negotiate")
    type_text(qtbot, "已退还3,200.00元")
    mnemonic(qtbot, "s")                                  # &Save record
    _settle(qtbot, view)
    mnemonic(qtbot, "p")                                  # &Propose…
    propose = _dialog(qtbot, view)
    assert focus_widget() is propose.fields["type"]
    kinds = propose.fields["type"]
    assert isinstance(kinds, QComboBox)
    choose(qtbot, kinds, "refund")
    mnemonic(qtbot, "a")                                  # &Amount
    type_text(qtbot, "3200")
    mnemonic(qtbot, "d")
    type_text(qtbot, "全额退还被盗刷款项")
    mnemonic(qtbot, "b")
    type_text(qtbot, "《银行卡章程》第十二条")
    mnemonic(qtbot, "c")                                  # &Complaint upheld?
    upheld = propose.fields["upheld"]
    assert isinstance(upheld, QComboBox)
    choose(qtbot, upheld, True)
    _done(qtbot, view, propose, "p")                      # &Propose
    parts.end("行 act: record and proposal")


def _issue_decision_letter(qtbot: QtBot, view: CaseView) -> None:
    """Lett&ers, Ne&w letter, Down to the decision letter, Enter; the elements typed; &Issue; Esc."""
    panel = view.findChild(CaseLettersWidget)
    assert panel is not None
    qtbot.waitUntil(lambda: LetterKind.DECISION in panel.kinds, timeout=20_000)
    mnemonic(qtbot, "e")                                  # Lett&ers
    assert view.side_tabs.currentWidget() is panel
    offered: list[str] = []

    def pick(menu: QMenu) -> None:  # an open menu takes the keys (it is the active popup, not the focus)
        offered.extend(a.text() for a in menu.actions())
        for _ in range(offered.index(LetterKind.DECISION.label) + 1):
            KeyCount.pressed += 1
            qtbot.keyClick(menu, Qt.Key.Key_Down)
        KeyCount.pressed += 1
        qtbot.keyClick(menu, Qt.Key.Key_Return)

    menus = when_popup(QMenu, pick)
    mnemonic(qtbot, "w")                                  # Ne&w letter: its menu runs its own loop
    qtbot.waitUntil(lambda: len(menus) == 1, timeout=5000)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), IssueLetterDialog), timeout=10_000)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, IssueLetterDialog)
    activate(dialog)
    qtbot.waitUntil(lambda: dialog.prefilled, timeout=20_000)
    for name in ("summary", "verification", "decision", "basis", "reasons"):  # prefilled from the step records
        assert dialog.widgets[name].toPlainText().strip(), name  # type: ignore[attr-defined]
    mnemonic(qtbot, "i")                                  # &Issue
    qtbot.waitUntil(lambda: dialog.issued is not None or bool(dialog.error.text()), timeout=30_000)
    assert dialog.issued is not None, dialog.error.text()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), LetterPreviewDialog), timeout=20_000)
    preview = QApplication.activeModalWidget()
    assert preview is not None
    activate(preview)
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not preview.isVisible(), timeout=5000)
    activate(view.window())


def test_a_case_through_the_six_steps_to_closing_with_keys_only(qtbot: QtBot, gui_db: Database,
                                                                  tmp_path: Path) -> None:
    if gui_db.engine.dialect.name != "sqlite":
        pytest.skip("the key flow does not depend on the database")
    set_up_branch(gui_db)
    clerk = authenticate(gui_db, "clerk", PASSWORD)
    case = register_complaint(gui_db, clerk, draft(facts_where="建国路支行营业厅", respondent="信用卡中心"))
    number = case.case_number
    KeyCount.reset()
    parts = Parts()

    # the supervisor assigns the case to the handler
    window = _signed_in(qtbot, gui_db, "supervisor")
    view = _open_case(qtbot, window, number)
    assign = _action(qtbot, view, Action.ASSIGN)
    owner = assign.fields["owner"]
    assert focus_widget() is owner and isinstance(owner, QComboBox)
    handler_id = authenticate(gui_db, "handler", PASSWORD).user_id
    choose(qtbot, owner, handler_id)
    mnemonic(qtbot, "n")                                  # &Note
    type_text(qtbot, "请尽快联系客户")
    _done(qtbot, view, assign)                            # Enter
    parts.end("supervisor: assign")
    _sign_out(window)

    # the handler walks the steps and proposes the refund
    window = _signed_in(qtbot, gui_db, "handler")
    view = _open_case(qtbot, window, number)
    _handler_walks_the_steps(qtbot, view, parts)
    _sign_out(window)

    # the supervisor approves the refund (within a supervisor's limit)
    window = _signed_in(qtbot, gui_db, "supervisor")
    view = _open_case(qtbot, window, number)
    mnemonic(qtbot, "p")                                  # A&pprove…
    _done(qtbot, view, _dialog(qtbot, view))              # Enter: &Approve
    parts.end("supervisor: approval")
    _sign_out(window)

    # the handler: the customer's answer, the decision letter, response, callback, close
    window = _signed_in(qtbot, gui_db, "handler")
    view = _open_case(qtbot, window, number)
    mnemonic(qtbot, "c")                                  # Customer a&ccepts…
    accepts = _dialog(qtbot, view)
    type_text(qtbot, "客户当场同意")
    _done(qtbot, view, accepts, "r")                      # &Record
    _issue_decision_letter(qtbot, view)
    parts.end("handler: customer's answer and decision letter")
    _done(qtbot, view, _action(qtbot, view, Action.RESPOND))
    _done(qtbot, view, _action(qtbot, view, Action.AWAIT_CALLBACK))
    mnemonic(qtbot, "u")                                  # Record the call res&ult…
    callback = _dialog(qtbot, view)
    mnemonic(qtbot, "s")                                  # &Satisfaction
    key(qtbot, Qt.Key.Key_Down)
    mnemonic(qtbot, "c")                                  # &Comment
    type_text(qtbot, "满意，感谢及时处理")
    _done(qtbot, view, callback, "r")                     # &Record
    _done(qtbot, view, _action(qtbot, view, Action.CLOSE))
    parts.end("handler: response, callback, close")
    assert view.file is not None and view.file.detail.status is Status.CLOSED
    _sign_out(window)

    total = KeyCount.pressed
    print(f"\nkeys beyond the typed text: {total}; characters typed: {KeyCount.typed}")
    for name, count in parts.counts.items():
        print(f"  {name}: {count}")

    # every stored field, read back through the backend
    backend = local_context(gui_db).backend
    handler = authenticate(gui_db, "handler", PASSWORD)
    stored = backend.call(handler, get_complaint, case.id)
    assert (stored.status, stored.stage, stored.owner_id) == (Status.CLOSED, Stage.ACT, handler.user_id)
    assert stored.first_contact_at is not None
    file = backend.call(handler, handling.case_file, case.id)
    records = file.stage_records
    assert (records[Stage.LISTEN]["real_demand"], records[Stage.LISTEN]["emotion"]) == (
        "客户真实诉求是退还被盗刷款项", "情绪激动，担心资金安全")
    assert (records[Stage.INVESTIGATE]["findings"], records[Stage.INVESTIGATE]["evidence"]) == (
        "交易发生在境外，客户当时在境内", "交易授权记录、出入境记录")
    assert (records[Stage.ANALYSE]["analysis"], records[Stage.ANALYSE]["basis"]) == (
        "盗刷事实清楚", "《银行卡章程》第十二条")
    assert records[Stage.NEGOTIATE]["plan"] == "先致歉后说明退款时间"
    assert records[Stage.ACT]["action_taken"] == "已退还3,200.00元"
    [contact] = file.contacts
    assert (contact.method, contact.summary, contact.reaction) == ("phone", "电话告知处理方案", "客户表示接受")
    [resolution] = file.resolutions
    assert (resolution.resolution_type, resolution.amount, resolution.description, resolution.basis,
            resolution.upheld) == ("refund", Decimal("3200"), "全额退还被盗刷款项", "《银行卡章程》第十二条", True)
    assert resolution.approval_state is ApprovalState.APPROVED and resolution.approved_by == "主管王姐"
    assert resolution.customer_accepted is True
    [callback_info] = file.callbacks
    assert (callback_info.method, callback_info.reached, callback_info.satisfaction, callback_info.note) == (
        "phone", True, 4, "满意，感谢及时处理")
    empathy = backend.call(handler, checklists.get_checklist, case.id, "strategic_empathy")
    steps = {s.key: s for s in empathy.steps}
    assert steps["active_listening"].ticked and steps["active_listening"].note == "客户情绪已平复"
    assert steps["true_demand"].ticked and steps["true_demand"].note == ""
    issued = backend.call(handler, letters.list_letters, case.id)
    assert [letter.kind for letter in issued] == [LetterKind.DECISION]
    kinds = [e.kind for e in file.detail.events]
    assert {"assigned", "stage_changed", "contact", "resolution_proposed", "resolution_decided",
            "customer_decision", "callback"} <= set(kinds)
    assert isinstance(case.id, uuid.UUID) and isinstance(handler, Actor)
