"""File ▸ Sign out / switch user, driven from the keyboard: the user is signed out through the backend,
their window closes, the sign-in dialog asks for the next user, who gets a fresh main window; cancelling
the dialog quits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
import shiboken6
from gui_support import SetUp
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QWidget
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.services.accounts import create_user
from tests.support.passwords import CLERK_PASSWORD
from ui.context import AppContext
from ui.dialogs.login_dialog import LoginDialog
from ui.dialogs.password_dialog import ChangePasswordDialog
from ui.main_window import MainWindow
from ui.session import DeskSession
from ui.tasks import db_pool

D = TypeVar("D", bound=QDialog)


class RecordingBackend(LocalBackend):
    """The local backend, remembering whom it signed in and out."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.signed_in: list[str] = []
        self.signed_out: list[Actor] = []

    def sign_in(self, username: str, password: str) -> Actor:
        actor = super().sign_in(username, password)
        self.signed_in.append(actor.username)
        return actor

    def sign_out(self, actor: Actor) -> None:
        self.signed_out.append(actor)


@pytest.fixture
def session(qtbot: QtBot, set_up: SetUp) -> DeskSession:
    create_user(set_up.db, set_up.admin, username="clerk", display_name="柜员小李", password=CLERK_PASSWORD,
                role=Role.COUNTER_CLERK, must_change_password=False)
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), RecordingBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    return DeskSession(ctx)


def main_windows() -> list[MainWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]


def choose_switch_user(qtbot: QtBot, window: MainWindow) -> None:
    """Alt+F opens the File menu, O (the mnemonic) chooses Sign out / switch user."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=5000)
    menu = QApplication.activePopupWidget()
    assert menu is window.file_menu
    qtbot.keyClick(menu, Qt.Key.Key_O)


def when_shown(kind: type[D], answer: Callable[[D], None]) -> list[D]:
    """Answer the next modal dialog of ``kind`` once it is shown (it runs its own event loop inside the menu
    action); gives up after five seconds."""
    seen: list[D] = []

    def look(tries: int) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible():
            seen.append(dialog)
            answer(dialog)
        elif tries > 0:
            QTimer.singleShot(20, lambda: look(tries - 1))

    QTimer.singleShot(0, lambda: look(250))
    return seen


def focused(dialog: QWidget) -> QWidget:
    widget = dialog.focusWidget()
    assert widget is not None
    return widget


def test_switch_user_signs_out_and_opens_a_window_for_the_next_user(
        qtbot: QtBot, session: DeskSession, set_up: SetUp) -> None:
    backend = session.ctx.backend
    assert isinstance(backend, RecordingBackend)
    first = session.open_window(set_up.admin)
    assert first.user_status.text() == "Signed in: 王管理 (Administrator)"

    def type_clerk(dialog: LoginDialog) -> None:
        assert focused(dialog) is dialog.username_edit and dialog.username_edit.text() == ""
        qtbot.keyClicks(focused(dialog), "clerk")
        qtbot.keyClick(focused(dialog), Qt.Key.Key_Tab)
        assert focused(dialog) is dialog.password_edit
        qtbot.keyClicks(focused(dialog), CLERK_PASSWORD)
        qtbot.keyClick(focused(dialog), Qt.Key.Key_Return)

    seen = when_shown(LoginDialog, type_clerk)
    choose_switch_user(qtbot, first)
    assert len(seen) == 1
    second = session.window
    assert second is not None and second is not first
    qtbot.addWidget(second)
    assert second.actor.username == "clerk" and second.actor.user_id != set_up.admin.user_id
    assert second.user_status.text() == "Signed in: 柜员小李 (Counter clerk)"
    assert second.windowTitle() == "Complaint Desk — BJ01"
    assert backend.signed_in == ["clerk"]
    db_pool().waitForDone(10_000)
    qtbot.waitUntil(lambda: backend.signed_out == [set_up.admin], timeout=5000)
    # the old window and its actor are gone: deleted, and only the clerk's window is open
    qtbot.waitUntil(lambda: not shiboken6.isValid(first), timeout=5000)
    assert main_windows() == [second]
    assert all(w.actor.user_id != set_up.admin.user_id for w in main_windows())


def test_cancelling_the_sign_in_after_sign_out_quits(
        qtbot: QtBot, session: DeskSession, set_up: SetUp, monkeypatch: pytest.MonkeyPatch) -> None:
    quit_calls: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: quit_calls.append(True)))
    backend = session.ctx.backend
    assert isinstance(backend, RecordingBackend)
    first = session.open_window(set_up.admin)

    def cancel(dialog: LoginDialog) -> None:
        qtbot.keyClick(focused(dialog), Qt.Key.Key_Escape)

    seen = when_shown(LoginDialog, cancel)
    choose_switch_user(qtbot, first)
    assert len(seen) == 1 and seen[0].actor is None
    assert quit_calls == [True]
    assert session.window is None
    db_pool().waitForDone(10_000)
    qtbot.waitUntil(lambda: backend.signed_out == [set_up.admin], timeout=5000)
    qtbot.waitUntil(lambda: not shiboken6.isValid(first), timeout=5000)
    assert main_windows() == []
    assert QApplication.instance().quitOnLastWindowClosed()  # type: ignore[union-attr]


def test_the_next_user_must_first_change_an_initial_password(
        qtbot: QtBot, session: DeskSession, set_up: SetUp, monkeypatch: pytest.MonkeyPatch) -> None:
    """An initial password is changed before the window opens; refusing to change it ends that session too."""
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: None))
    backend = session.ctx.backend
    assert isinstance(backend, RecordingBackend)
    create_user(set_up.db, set_up.admin, username="newbie", display_name="新柜员", password="initial123",
                role=Role.COUNTER_CLERK)
    first = session.open_window(set_up.admin)
    asked: list[list[ChangePasswordDialog]] = []

    def type_newbie(dialog: LoginDialog) -> None:
        asked.append(when_shown(ChangePasswordDialog, lambda d: qtbot.keyClick(d, Qt.Key.Key_Escape)))
        qtbot.keyClicks(dialog.username_edit, "newbie")
        qtbot.keyClicks(dialog.password_edit, "initial123")
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)

    when_shown(LoginDialog, type_newbie)
    choose_switch_user(qtbot, first)
    [[change]] = asked
    assert change.result() == QDialog.DialogCode.Rejected
    assert session.window is None and backend.signed_in == ["newbie"]
    db_pool().waitForDone(10_000)
    qtbot.waitUntil(lambda: [a.username for a in backend.signed_out] == ["admin", "newbie"], timeout=5000)
