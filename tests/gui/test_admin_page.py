"""The administration page: creating and editing accounts through the dialogs, a refusal that keeps the
dialog and its input, reset password and unlock, disable/enable, branches, the role matrix, and which
roles get the page at all."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from gui_support import SetUp, Shown
from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.db.models import Branch
from desk_app.domain.enums import InstitutionType, Role
from desk_app.domain.permissions import Permission
from desk_app.errors import UserError
from desk_app.services.accounts import (
    AccountDisabledError,
    AccountLockedError,
    AuthenticationError,
    authenticate,
    create_user,
    list_users,
    must_change_password,
    update_user,
)
from desk_app.services.branches import BranchFields, create_branch, list_branches
from tests.support.passwords import PASSWORD
from ui.admin.admin_page import AdminPage
from ui.admin.branch_dialog import BranchDialog
from ui.admin.roles_tab import YES_MARK
from ui.admin.service_dialog import ServiceDialog
from ui.admin.user_dialog import ResetPasswordDialog, UserDialog
from ui.context import AppContext
from ui.main_window import MainWindow


def _ctx(set_up: SetUp) -> AppContext:
    return AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                      schema_state(set_up.db.engine).current)


def open_page(qtbot: QtBot, set_up: SetUp, actor: object | None = None) -> AdminPage:
    page = AdminPage(_ctx(set_up), actor or set_up.admin)  # type: ignore[arg-type]
    qtbot.addWidget(page)
    page.resize(1180, 700)
    page.show()
    page.refresh()
    qtbot.waitUntil(lambda: page.users_tab.model.rowCount() > 0 and page.branches_tab.model.rowCount() > 0,
                    timeout=10_000)
    return page


def _ok(dialog: QDialog) -> None:
    """Press OK and wait until the dialog's call has come back (it runs off the GUI thread)."""
    assert isinstance(dialog, ServiceDialog)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    deadline = QDeadlineTimer(10_000)
    while dialog.busy:
        assert not deadline.hasExpired(), "the dialog's call did not come back"
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def answer(monkeypatch: pytest.MonkeyPatch, dialog_class: type[QDialog], fill: Callable[[QDialog], None]) -> None:
    """Make ``dialog_class.exec`` fill the form like a user, press OK and return the dialog's result."""
    def fake_exec(dialog: QDialog) -> int:
        dialog.show()
        fill(dialog)
        _ok(dialog)
        return int(dialog.result())

    monkeypatch.setattr(dialog_class, "exec", fake_exec)


def _add_clerk(set_up: SetUp, username: str = "clerk") -> None:
    create_user(set_up.db, set_up.admin, username=username, display_name=username.title(), password=PASSWORD,
                role=Role.COUNTER_CLERK, must_change_password=False)


def test_new_user_through_the_dialog_lands_in_the_database_and_the_table(
        qtbot: QtBot, set_up: SetUp, monkeypatch: pytest.MonkeyPatch) -> None:
    page = open_page(qtbot, set_up)
    assert [u.username for u in page.users_tab.model.rows()] == ["admin"]
    chosen: dict[str, str] = {}

    def fill(dialog: QDialog) -> None:
        assert isinstance(dialog, UserDialog)
        qtbot.keyClicks(dialog.username, "Zhang.Wei")
        dialog.display_name.setText("张伟")                      # keyClicks cannot type Chinese
        dialog.role.setCurrentIndex(dialog.role.findData(Role.HANDLER.value))
        assert dialog.password.text()                            # a generated password is proposed
        dialog.password.setText("start2026")
        chosen["branch"] = dialog.branch.currentText()
        assert not dialog.branch.isEnabled()                    # a branch administrator: own branch only

    answer(monkeypatch, UserDialog, fill)
    page.users_tab.new_button.click()
    user = next(u for u in list_users(set_up.db) if u.username == "zhang.wei")
    assert (user.display_name, user.role, user.branch_code, user.must_change_password) == (
        "张伟", Role.HANDLER, "BJ01", True)
    assert chosen["branch"].startswith("BJ01")
    assert page.users_tab.current_user() == user                 # the new row is selected
    assert "zhang.wei" in page.status.text()
    actor = authenticate(set_up.db, "zhang.wei", "start2026")
    assert must_change_password(set_up.db, actor)


def test_a_refusal_is_shown_and_the_dialog_keeps_the_input(qtbot: QtBot, set_up: SetUp,
                                                           message_boxes: list[Shown]) -> None:
    dialog = UserDialog(LocalBackend(set_up.db), set_up.admin, list_branches(set_up.db))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "admin")                    # taken
    dialog.display_name.setText("重名")
    _ok(dialog)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert message_boxes[-1].icon is QMessageBox.Icon.Warning
    assert message_boxes[-1].text == "The user name admin is already taken."
    assert (dialog.username.text(), dialog.display_name.text()) == ("admin", "重名")
    assert dialog.focusWidget() is dialog.username                           # the field named by the error

    dialog.username.setText("li.na")
    dialog.password.setText("short")
    _ok(dialog)
    assert dialog.isVisible() and "at least 8 characters" in message_boxes[-1].text
    assert dialog.password.text() == "short"
    dialog.password.setText("longer2026")
    _ok(dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.result_user is not None


def test_edit_changes_name_and_role_and_refuses_to_demote_oneself(
        qtbot: QtBot, set_up: SetUp, monkeypatch: pytest.MonkeyPatch, message_boxes: list[Shown]) -> None:
    _add_clerk(set_up)
    page = open_page(qtbot, set_up)
    assert page.users_tab.select_user("clerk")

    def fill(dialog: QDialog) -> None:
        assert isinstance(dialog, UserDialog)
        assert dialog.username.isReadOnly() and dialog.username.text() == "clerk"
        dialog.display_name.setText("李柜员")
        dialog.role.setCurrentIndex(dialog.role.findData(Role.SUPERVISOR.value))

    answer(monkeypatch, UserDialog, fill)
    page.users_tab.edit_button.click()
    clerk = next(u for u in list_users(set_up.db) if u.username == "clerk")
    assert (clerk.display_name, clerk.role) == ("李柜员", Role.SUPERVISOR)

    dialog = UserDialog(LocalBackend(set_up.db), set_up.admin, list_branches(set_up.db),
                        next(u for u in list_users(set_up.db) if u.username == "admin"))
    qtbot.addWidget(dialog)
    dialog.role.setCurrentIndex(dialog.role.findData(Role.HQ_ANALYST.value))
    _ok(dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "your own administrator role" in message_boxes[-1].text
    assert dialog.role.currentData() == Role.HQ_ANALYST.value    # the choice is kept for correction


def test_editing_an_account_someone_else_changed_meanwhile(qtbot: QtBot, set_up: SetUp,
                                                           message_boxes: list[Shown]) -> None:
    _add_clerk(set_up)
    clerk = next(u for u in list_users(set_up.db) if u.username == "clerk")
    dialog = UserDialog(LocalBackend(set_up.db), set_up.admin, list_branches(set_up.db), clerk)
    qtbot.addWidget(dialog)
    update_user(set_up.db, set_up.admin, clerk.id, display_name="另一位管理员改的")  # meanwhile, elsewhere
    dialog.display_name.setText("李柜员")
    _ok(dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted and "changed by someone else" in message_boxes[-1].text
    assert next(u for u in list_users(set_up.db) if u.username == "clerk").display_name == "另一位管理员改的"
    _ok(dialog)  # seen the message: OK again saves over the other change
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert next(u for u in list_users(set_up.db) if u.username == "clerk").display_name == "李柜员"


def test_reset_password_then_sign_in_with_the_temporary_one(
        qtbot: QtBot, set_up: SetUp, monkeypatch: pytest.MonkeyPatch) -> None:
    _add_clerk(set_up)
    page = open_page(qtbot, set_up)
    page.users_tab.select_user("clerk")
    temporary: dict[str, str] = {}

    def fill(dialog: QDialog) -> None:
        assert isinstance(dialog, ResetPasswordDialog)
        assert len(dialog.password.text()) >= 8                   # proposed, readable, valid
        temporary["password"] = dialog.password.text()

    answer(monkeypatch, ResetPasswordDialog, fill)
    page.users_tab.reset_button.click()
    with pytest.raises(AuthenticationError):
        authenticate(set_up.db, "clerk", PASSWORD)
    actor = authenticate(set_up.db, "clerk", temporary["password"])
    assert must_change_password(set_up.db, actor)
    tab = page.users_tab
    current = tab.current_user()
    assert current is not None and current.username == "clerk" and current.must_change_password
    cell = tab.proxy.index(tab.table.currentIndex().row(), tab.model.column_of("must_change"))
    assert cell.data() == "Yes"


def test_unlock_and_disable_enable(qtbot: QtBot, set_up: SetUp, message_boxes: list[Shown]) -> None:
    _add_clerk(set_up)
    for _attempt in range(5):
        with pytest.raises(AuthenticationError):
            authenticate(set_up.db, "clerk", "wrong-password1")
    page = open_page(qtbot, set_up)
    tab = page.users_tab
    tab.select_user("clerk")
    assert tab.unlock_button.isEnabled()
    locked_column = tab.model.column_of("locked")
    assert tab.table.model().index(tab.table.currentIndex().row(), locked_column).data()  # shows until when
    with pytest.raises(AccountLockedError):
        authenticate(set_up.db, "clerk", PASSWORD)
    tab.unlock_button.click()
    assert not tab.unlock_button.isEnabled()
    assert authenticate(set_up.db, "clerk", PASSWORD).username == "clerk"

    assert tab.active_button.text() == "&Disable"
    tab.active_button.click()                                    # the confirmation answers OK (see conftest)
    assert message_boxes[-1].title == "Disable account"
    with pytest.raises(AccountDisabledError):
        authenticate(set_up.db, "clerk", PASSWORD)
    current = tab.current_user()
    assert current is not None and not current.active
    assert tab.active_button.text() == "&Enable"
    tab.active_button.click()
    assert authenticate(set_up.db, "clerk", PASSWORD).username == "clerk"

    tab.select_user("admin")
    assert not tab.active_button.isEnabled()                     # nobody disables themselves


def test_branch_edit_and_new_branch_at_headquarters(qtbot: QtBot, set_up: SetUp,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   message_boxes: list[Shown]) -> None:
    page = open_page(qtbot, set_up)
    tab = page.branches_tab
    assert not tab.new_button.isEnabled()                        # a branch administrator adds no branches
    tab.select_branch("BJ01")
    assert tab.edit_button.isEnabled()

    def fill_edit(dialog: QDialog) -> None:
        assert isinstance(dialog, BranchDialog)
        assert dialog.code.isReadOnly() and not dialog.code.isEnabled()
        dialog.hotline.setText("call us")                          # refused first…
        _ok(dialog)
        assert dialog.isVisible() and dialog.focusWidget() is dialog.hotline
        dialog.hotline.setText("010-66668888")                     # …then corrected
        dialog.address.setText("北京市西城区金融大街1号")

    answer(monkeypatch, BranchDialog, fill_edit)
    tab.edit_button.click()
    assert "hotline" in message_boxes[-1].text
    bj = list_branches(set_up.db)[0]
    assert (bj.hotline, bj.address) == ("010-66668888", "北京市西城区金融大街1号")

    with set_up.db.unit_of_work() as session:
        session.execute(update(Branch).values(is_headquarters=True))
    hq_admin = authenticate(set_up.db, "admin", set_up.password)
    page = open_page(qtbot, set_up, hq_admin)
    assert page.branches_tab.new_button.isEnabled()

    def fill_new(dialog: QDialog) -> None:
        assert isinstance(dialog, BranchDialog)
        qtbot.keyClicks(dialog.code, "gz01")
        dialog.name.setText("广州天河支行")
        dialog.institution.setCurrentIndex(dialog.institution.findData(InstitutionType.INSURER.value))
        dialog.hotline.setText("95519")

    answer(monkeypatch, BranchDialog, fill_new)
    page.branches_tab.new_button.click()
    gz = next(b for b in list_branches(set_up.db) if b.code == "GZ01")
    assert (gz.name, gz.institution_type, gz.timezone) == ("广州天河支行", InstitutionType.INSURER, "Asia/Shanghai")
    assert page.branches_tab.current_branch() == gz


def test_roles_tab_shows_the_matrix_with_marks_and_words(qtbot: QtBot, set_up: SetUp) -> None:
    page = open_page(qtbot, set_up)
    roles = page.roles_tab
    assert roles.allowed(Permission.ADMINISTER, Role.ADMINISTRATOR)
    assert not roles.allowed(Permission.ADMINISTER, Role.SUPERVISOR)
    assert roles.allowed(Permission.VIEW_AUDIT_LOG, Role.HQ_ANALYST)
    table = roles.table
    assert table.rowCount() == len(Permission) + 1 and table.columnCount() == len(Role) + 1
    cell = table.item(list(Permission).index(Permission.ADMINISTER), list(Role).index(Role.ADMINISTRATOR) + 1)
    assert cell is not None and cell.text() == f"{YES_MARK} Yes"
    assert table.item(len(Permission), list(Role).index(Role.SUPERVISOR) + 1).text() == "¥5,000"  # type: ignore[union-attr]
    assert table.horizontalHeaderItem(1).text() == Role.COUNTER_CLERK.label  # type: ignore[union-attr]


def test_only_administrators_get_the_page(qtbot: QtBot, set_up: SetUp) -> None:
    _add_clerk(set_up)
    ctx = _ctx(set_up)
    clerk = MainWindow(ctx, authenticate(set_up.db, "clerk", PASSWORD))
    qtbot.addWidget(clerk)
    assert clerk.admin_page is None and clerk.audit_page is None
    assert "Administration" not in clerk.page_titles() and "Audit log" not in clerk.page_titles()
    admin = MainWindow(ctx, set_up.admin)
    qtbot.addWidget(admin)
    assert admin.admin_page is not None and admin.audit_page is not None
    assert admin.page_titles()[-3:] == ["Administration", "Audit log", "Improvements"]
    # The service refuses a non-administrator even if a page were built for one.
    with pytest.raises(UserError):
        from desk_app.services.accounts import unlock_user
        unlock_user(set_up.db, authenticate(set_up.db, "clerk", PASSWORD), set_up.admin.user_id)


def test_a_branch_changed_meanwhile_is_reported_and_saved_on_the_second_ok(
        qtbot: QtBot, set_up: SetUp, message_boxes: list[Shown]) -> None:
    from dataclasses import replace

    from desk_app.services.branches import update_branch

    branch = list_branches(set_up.db)[0]
    dialog = BranchDialog(LocalBackend(set_up.db), set_up.admin, branch)
    qtbot.addWidget(dialog)
    assert not dialog.code.isEnabled() and dialog.code.text() == "BJ01"
    update_branch(set_up.db, set_up.admin, branch.id, replace(branch.fields(), hotline="95566"))  # someone else
    dialog.address.setText("北京市朝阳区建国路1号")
    _ok(dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "changed by someone else" in message_boxes[-1].text
    assert dialog.address.text() == "北京市朝阳区建国路1号"
    _ok(dialog)                                                  # the user saw the warning and saves anyway
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert list_branches(set_up.db)[0].address == "北京市朝阳区建国路1号"


def test_headquarters_registers_a_branch_signing_key_by_keyboard(qtbot: QtBot, set_up: SetUp,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The branch's administrator reads out its key; HQ's administrator types it for that branch, compares
    the fingerprint, and OK registers it (a key cut short is refused with the field focused; a key with one
    letter wrong is another valid key, which only the fingerprint tells)."""
    from desk_app.services.branch_keys import registered_signing_key
    from desk_app.signing import branch_key, fingerprint, public_key_text
    from ui.admin.signing_key_dialog import SigningKeyDialog

    with set_up.db.unit_of_work() as session:
        session.execute(update(Branch).values(is_headquarters=True))
    hq_admin = authenticate(set_up.db, "admin", set_up.password)
    create_branch(set_up.db, hq_admin, "GZ01", BranchFields("广州天河支行", InstitutionType.BANK))
    read_out = public_key_text(branch_key("GZ01"))
    page = open_page(qtbot, set_up, hq_admin)
    page.branches_tab.select_branch("GZ01")
    assert page.branches_tab.key_button.isEnabled()

    def fill(dialog: QDialog) -> None:
        assert isinstance(dialog, SigningKeyDialog) and dialog.registers
        qtbot.waitUntil(lambda: bool(dialog.own_key.text()) and "No key" in dialog.current.text())
        assert dialog.own_key.isReadOnly()  # this office's own key, to read out when it is a branch
        dialog.new_key.setFocus()
        qtbot.keyClicks(dialog.new_key, read_out[:20] + read_out[21:])   # a character left out…
        assert dialog.new_fingerprint.text() == "not a key yet"
        _ok(dialog)
        assert dialog.isVisible() and dialog.focusWidget() is dialog.new_key
        dialog.new_key.selectAll()
        qtbot.keyClicks(dialog.new_key, read_out)               # …then the key as read out
        assert dialog.new_fingerprint.text() == fingerprint(read_out)

    answer(monkeypatch, SigningKeyDialog, fill)
    page.branches_tab.key_button.click()
    assert registered_signing_key(set_up.db, hq_admin, "GZ01").public_key == read_out
    assert "GZ01" in page.status.text() and fingerprint(read_out) in page.status.text()
