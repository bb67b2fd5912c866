"""The case view calls the services off the GUI thread: while a (slow) call is blocked the window keeps
processing events, the view shows that it waits, no second action starts, an action dialog waits open
and closes once its call has succeeded, and a view closed meanwhile gets nothing back."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import shiboken6
from gui_support import SetUp, Shown
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role, Stage
from desk_app.domain.workflow import Action
from desk_app.services import case_workflow as wf
from desk_app.services import handling
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.case_workflow import Command
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import ComplaintDetail
from tests.support.gui import drain_events, wait_until_idle
from tests.support.passwords import PASSWORD
from tests.support.staff import draft
from ui.cases.case_view import CaseView
from ui.context import AppContext


class GatedBackend(LocalBackend):
    """This PC's backend, except that a call of a function in ``gated`` waits until ``release`` is set:
    a desk server that is slow to answer."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.gated: set[Callable[..., Any]] = set()
        self.waiting = threading.Event()  # a gated call has started and waits
        self.release = threading.Event()

    def call(self, actor: Actor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        if fn in self.gated:
            self.waiting.set()
            assert self.release.wait(30), "the test never released the call"
        return super().call(actor, fn, *args, **kwargs)


@pytest.fixture
def backend(set_up: SetUp) -> Iterator[GatedBackend]:
    gated = GatedBackend(set_up.db)
    yield gated
    gated.release.set()  # never leave a worker blocked, even when the test failed


def _account(set_up: SetUp, username: str, role: Role) -> Actor:
    create_user(set_up.db, set_up.admin, username=username, display_name=username.title(), password=PASSWORD,
                role=role, branch_id=set_up.admin.branch_id, must_change_password=False)
    return authenticate(set_up.db, username, PASSWORD)


@pytest.fixture
def handler(set_up: SetUp) -> Actor:
    return _account(set_up, "handler", Role.HANDLER)


def started_case(set_up: SetUp, handler: Actor) -> ComplaintDetail:
    """A case in progress, handled by ``handler``."""
    clerk = _account(set_up, "clerk", Role.COUNTER_CLERK)
    supervisor = _account(set_up, "supervisor", Role.SUPERVISOR)
    case = register_complaint(set_up.db, clerk, draft())
    case = wf.assign(set_up.db, supervisor, case.id, case.version, handler.user_id)
    return wf.perform(set_up.db, handler, case.id, case.version, Action.START)


def new_view(qtbot: QtBot, backend: GatedBackend, actor: Actor, case: ComplaintDetail) -> CaseView:
    ctx = AppContext(AppConfig(db_url=str(backend.db.engine.url)), backend, "head")
    view = CaseView(ctx, actor, case.id)
    qtbot.addWidget(view)
    view.resize(1300, 720)
    view.show()
    return view


def settle(qtbot: QtBot, view: CaseView) -> None:
    qtbot.waitUntil(lambda: not view.busy and not view.checklists.loading, timeout=10_000)


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_the_window_keeps_working_while_the_case_is_read(qtbot: QtBot, set_up: SetUp, backend: GatedBackend,
                                                        handler: Actor, message_boxes: list[Shown]) -> None:
    case = started_case(set_up, handler)
    backend.gated = {handling.case_file}
    view = new_view(qtbot, backend, handler, case)
    assert backend.waiting.wait(10)  # the worker is blocked inside the call

    # the view says it waits, and offers nothing meanwhile
    assert view.busy and view.file is None
    assert view.busy_label.isVisible() and view.busy_label.text() == "Loading the case…"
    assert view.busy_bar.isVisible()
    assert not view.reload_button.isEnabled() and not view.stages.isEnabled()

    # the event loop runs: a timer fires, the window repaints, another widget takes typing
    fired: list[bool] = []
    QTimer.singleShot(20, lambda: fired.append(True))
    qtbot.waitUntil(lambda: bool(fired), timeout=2000)
    painted = PaintCounter()
    view.busy_label.installEventFilter(painted)
    view.busy_label.update()
    qtbot.waitUntil(lambda: painted.count > 0, timeout=2000)
    view.busy_label.removeEventFilter(painted)
    other = QLineEdit()
    qtbot.addWidget(other)
    other.show()
    qtbot.keyClicks(other, "still typing")
    assert other.text() == "still typing"
    assert view.busy and view.file is None  # and the call is still blocked

    backend.release.set()
    settle(qtbot, view)
    assert view.file is not None and view.case_label.text() == case.case_number
    assert view.busy_label.isHidden() and view.busy_bar.isHidden()
    assert view.reload_button.isEnabled() and view.stages.isEnabled()
    assert Action.RESPOND in view.offered_actions()
    assert message_boxes == []


def test_a_dialog_waits_for_its_call_and_nothing_else_starts(qtbot: QtBot, set_up: SetUp, backend: GatedBackend,
                                                             handler: Actor) -> None:
    case = started_case(set_up, handler)
    view = new_view(qtbot, backend, handler, case)
    settle(qtbot, view)
    backend.gated = {wf.add_note}
    view.command_actions[Command.NOTE].trigger()
    dialog = view.active_dialog
    assert dialog is not None
    note = dialog.fields["text"]
    assert isinstance(note, QPlainTextEdit)
    note.setPlainText("客户来电询问进度")
    closed: list[int] = []
    dialog.finished.connect(closed.append)
    dialog.ok_button.click()
    assert backend.waiting.wait(10)
    drain_events()  # the call is held, so no task can end: handle what is queued, then look

    # the dialog stays open, its fields and buttons disabled, saying it saves; Esc does not close it
    assert dialog.isVisible() and dialog.pending and not closed
    assert dialog.pending_label.isVisible() and dialog.pending_label.text() == "Saving…"
    assert not dialog.ok_button.isEnabled() and not note.isEnabled()
    dialog.reject()
    assert dialog.isVisible()
    # the view is busy: its actions are disabled and none starts
    assert view.busy and view.busy_label.text() == "Saving…"
    assert not any(button.isEnabled() for button in view.action_buttons.values())
    assert not view.more_button.isEnabled() and not view.stages.isEnabled()
    assert view.start_command(Command.ESCALATE) is None and view.start_action(Action.RESPOND) is None
    assert view.active_dialog is dialog

    backend.release.set()
    qtbot.waitUntil(lambda: bool(closed), timeout=10_000)
    settle(qtbot, view)
    assert view.timeline.entries[0].title == "Note"
    assert view.timeline.entries[0].details == ("客户来电询问进度",)
    assert all(button.isEnabled() for button in view.action_buttons.values())
    assert view.more_button.isEnabled() and view.stages.isEnabled()


def test_a_view_closed_while_its_call_runs_gets_nothing(qtbot: QtBot, set_up: SetUp, backend: GatedBackend,
                                                        handler: Actor, message_boxes: list[Shown]) -> None:
    case = started_case(set_up, handler)
    backend.gated = {handling.case_file}
    view = CaseView(AppContext(AppConfig(db_url=str(backend.db.engine.url)), backend, "head"), handler, case.id)
    view.show()
    assert backend.waiting.wait(10)
    view.close()
    view.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(view), timeout=5000)
    backend.release.set()
    wait_until_idle(qtbot)
    assert message_boxes == []


def test_focus_comes_back_to_the_control_the_call_disabled(qtbot: QtBot, set_up: SetUp, backend: GatedBackend,
                                                           handler: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    """A keyboard user keeps their place: the save button they pressed has the focus again after the save;
    a checklist step ticked with the keyboard (its box is rebuilt meanwhile) reloads the case without harm."""
    case = started_case(set_up, handler)
    view = new_view(qtbot, backend, handler, case)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=5000)
    settle(qtbot, view)
    form = view.stages.forms[Stage.LISTEN]
    form.set_text("real_demand", "退还款项")
    form.save_button.setFocus()
    qtbot.waitUntil(form.save_button.hasFocus, timeout=2000)
    backend.gated = {handling.record_stage}
    qtbot.keyClick(form.save_button, Qt.Key.Key_Space)
    assert backend.waiting.wait(10)
    drain_events()  # the call is held, so no task can end: handle what is queued, then look
    assert not form.save_button.isEnabled() and not form.save_button.hasFocus()
    backend.release.set()
    settle(qtbot, view)
    assert view.file is not None and view.file.stage_records[Stage.LISTEN]["real_demand"] == "退还款项"
    assert QApplication.focusWidget() is form.save_button

    view.side_tabs.setCurrentWidget(view.checklists)
    box = view.checklists.checkbox("strategic_empathy", "active_listening")
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=2000)
    with qtbot.waitSignal(view.checklists.sig_changed, timeout=10_000):
        qtbot.keyClick(box, Qt.Key.Key_Space)
    settle(qtbot, view)
    assert view.checklists.checkbox("strategic_empathy", "active_listening").isChecked()
