"""The sign-in dialog, driven like a user would (keyboard and clicks); first-run set-up is in
test_first_run_wizard.py."""

from __future__ import annotations

import threading

import pytest
from gated_backend import GatedBackend
from gui_support import ADMIN_PASSWORD, SetUp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.domain.enums import Role
from ui.dialogs.first_run_wizard import FirstRunWizard
from ui.dialogs.login_dialog import LoginDialog


def _ok(dialog: LoginDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_login_refuses_a_wrong_password_inline_and_accepts_the_right_one(qtbot: QtBot, set_up: SetUp) -> None:
    dialog = LoginDialog(LocalBackend(set_up.db))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.error.isHidden()
    qtbot.keyClicks(dialog.username_edit, "admin")
    qtbot.keyClicks(dialog.password_edit, "not-the-password1")
    _ok(dialog)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=5000)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert not dialog.error.isHidden()
    assert dialog.error.text() == "Wrong user name or password."
    assert dialog.password_edit.text() == ""
    assert dialog.actor is None

    qtbot.keyClicks(dialog.password_edit, ADMIN_PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
    assert dialog.actor is not None
    assert dialog.actor.username == "admin" and dialog.actor.role is Role.ADMINISTRATOR


def test_login_checks_the_password_off_the_gui_thread_and_shows_it_is_busy(qtbot: QtBot, set_up: SetUp) -> None:
    backend = GatedBackend(LocalBackend(set_up.db))
    dialog = LoginDialog(backend)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.keyClicks(dialog.username_edit, "admin")
    qtbot.keyClick(dialog.username_edit, Qt.Key.Key_Tab)
    focused = dialog.focusWidget()
    assert focused is dialog.password_edit
    qtbot.keyClicks(focused, set_up.password)
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    # the check waits at the gate, yet the dialog is back at once: busy, and a second Enter starts nothing
    qtbot.waitUntil(lambda: len(backend.threads) == 1, timeout=5000)
    assert backend.threads[0] is not threading.main_thread()
    assert dialog.is_busy() and not dialog.busy.isHidden() and dialog.busy.text() == "Signing in…"
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert dialog.password_edit.isReadOnly() and dialog.focusWidget() is dialog.password_edit
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.password_edit, "x")
    assert dialog.password_edit.text() == set_up.password
    assert dialog.isVisible() and dialog.actor is None
    backend.gate.set()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
    assert dialog.actor is not None and dialog.actor.username == "admin"
    assert len(backend.threads) == 1 and not dialog.is_busy()


def test_login_asks_for_both_fields(qtbot: QtBot, set_up: SetUp) -> None:
    dialog = LoginDialog(LocalBackend(set_up.db))
    qtbot.addWidget(dialog)
    _ok(dialog)
    assert dialog.error.text() == "Enter your user name and password."
    assert dialog.actor is None


def test_login_form_is_accessible(qtbot: QtBot, set_up: SetUp) -> None:
    dialog = LoginDialog(LocalBackend(set_up.db))
    qtbot.addWidget(dialog)
    assert dialog.username_edit.accessibleName() == "User name"
    assert dialog.password_edit.accessibleName() == "Password"
    assert dialog.username_label.buddy() is dialog.username_edit
    assert "&" in dialog.username_label.text() and "&" in dialog.password_label.text()
    assert dialog.username_edit.nextInFocusChain() is dialog.password_edit


@pytest.mark.parametrize("dialog_class", [LoginDialog, FirstRunWizard])
def test_ask_returns_none_when_cancelled(qtbot: QtBot, set_up: SetUp, monkeypatch: pytest.MonkeyPatch,
                                         dialog_class: type[LoginDialog] | type[FirstRunWizard]) -> None:
    monkeypatch.setattr(dialog_class, "exec", lambda self: QDialog.DialogCode.Rejected)
    if dialog_class is LoginDialog:
        assert LoginDialog.ask(LocalBackend(set_up.db)) is None
    else:
        assert FirstRunWizard.ask(set_up.db) is None
