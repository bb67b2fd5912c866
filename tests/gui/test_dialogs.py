"""First-run setup and sign-in dialogs, driven like a user would (keyboard and clicks)."""

from __future__ import annotations

import pytest
from gui_support import ADMIN_PASSWORD, SetUp, Shown
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from desk_app.db.models import Complaint
from desk_app.db.uow import Database
from desk_app.domain.enums import InstitutionType, Role
from desk_app.services import setup
from desk_app.services.accounts import list_users
from ui.dialogs.login_dialog import LoginDialog
from ui.dialogs.setup_dialog import SetupDialog


def _ok(dialog: LoginDialog | SetupDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_login_refuses_a_wrong_password_inline_and_accepts_the_right_one(qtbot: QtBot, set_up: SetUp) -> None:
    dialog = LoginDialog(set_up.db)
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
    dialog = LoginDialog(set_up.db)
    qtbot.addWidget(dialog)
    _ok(dialog)
    assert dialog.error.text() == "Enter your user name and password."
    assert dialog.actor is None


def test_login_form_is_accessible(qtbot: QtBot, set_up: SetUp) -> None:
    dialog = LoginDialog(set_up.db)
    qtbot.addWidget(dialog)
    assert dialog.username_edit.accessibleName() == "User name"
    assert dialog.password_edit.accessibleName() == "Password"
    assert dialog.username_label.buddy() is dialog.username_edit
    assert "&" in dialog.username_label.text() and "&" in dialog.password_label.text()
    assert dialog.username_edit.nextInFocusChain() is dialog.password_edit


def _fill_setup(qtbot: QtBot, dialog: SetupDialog, *, password: str = "secret123",
                again: str = "secret123") -> None:
    qtbot.keyClicks(dialog.branch_code, "sh01")
    dialog.branch_name.setText("上海第一支行")  # QTest.keyClicks aborts on non-ASCII text
    dialog.institution.setCurrentIndex(dialog.institution.findData(InstitutionType.INSURER.value))
    dialog.username.clear()
    qtbot.keyClicks(dialog.username, "boss")
    dialog.display_name.setText("李主任")
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClicks(dialog.password_again, again)


def test_setup_creates_the_branch_and_administrator(qtbot: QtBot, gui_db: Database) -> None:
    dialog = SetupDialog(gui_db)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill_setup(qtbot, dialog)
    _ok(dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None
    assert dialog.actor.branch_code == "SH01"
    assert setup.is_initialised(gui_db)
    users = list_users(gui_db)
    assert [(u.username, u.display_name, u.role, u.branch_code) for u in users] == [
        ("boss", "李主任", Role.ADMINISTRATOR, "SH01")]


def test_setup_shows_problems_inline(qtbot: QtBot, gui_db: Database) -> None:
    dialog = SetupDialog(gui_db)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill_setup(qtbot, dialog, again="secret124")
    _ok(dialog)
    assert dialog.error.text() == "The two passwords are not the same."
    assert dialog.actor is None and not setup.is_initialised(gui_db)

    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "short1")
    qtbot.keyClicks(dialog.password_again, "short1")
    _ok(dialog)
    assert "at least 8" in dialog.error.text()
    assert dialog.focusWidget() is dialog.password
    assert not setup.is_initialised(gui_db)


def test_setup_with_demo_data_runs_the_generator_behind_a_progress_dialog(
        qtbot: QtBot, gui_db: Database, message_boxes: list[Shown]) -> None:
    dialog = SetupDialog(gui_db)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill_setup(qtbot, dialog)
    assert not dialog.demo_count.isEnabled()
    dialog.demo_check.setChecked(True)
    assert dialog.demo_count.isEnabled()
    dialog.demo_count.setValue(15)
    _ok(dialog)
    assert message_boxes == []
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.demo_added == 15
    with gui_db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 15


@pytest.mark.parametrize("dialog_class", [LoginDialog, SetupDialog])
def test_ask_returns_none_when_cancelled(qtbot: QtBot, set_up: SetUp, monkeypatch: pytest.MonkeyPatch,
                                         dialog_class: type[LoginDialog] | type[SetupDialog]) -> None:
    monkeypatch.setattr(dialog_class, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert dialog_class.ask(set_up.db) is None
