"""The sign-in dialog, driven like a user would (keyboard and clicks); first-run set-up is in
test_first_run_wizard.py."""

from __future__ import annotations

import pytest
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
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert not dialog.error.isHidden()
    assert dialog.error.text() == "Wrong user name or password."
    assert dialog.password_edit.text() == ""
    assert dialog.actor is None

    qtbot.keyClicks(dialog.password_edit, ADMIN_PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None
    assert dialog.actor.username == "admin" and dialog.actor.role is Role.ADMINISTRATOR


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
