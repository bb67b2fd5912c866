"""The administration page (系统管理), for administrators: user accounts, branches, the rights of each role
and the retention of personal data (PIPL; see ``retention_tab``).

Users: a table of every account in the administrator's scope with New user…, Edit…, Reset password…, Unlock
and Disable/Enable. Branches: the letterhead, hotline, time zone and institution type of each branch, with
New branch… (headquarters only) and Edit…. Roles: the read-only role × right matrix. The services check
every right again; the buttons only follow them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractItemModel, QSortFilterProxyModel, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app.api.backend import Backend
from desk_app.db.types import utcnow
from desk_app.domain.actor import Actor
from desk_app.errors import UserError
from desk_app.i18n import _, ngettext
from desk_app.services.accounts import UserInfo, is_locked, list_users, unlock_user, update_user
from desk_app.services.branches import BranchInfo, list_branches
from ui import icons
from ui.admin.branch_dialog import BranchDialog
from ui.admin.retention_tab import RetentionTab
from ui.admin.roles_tab import RolesTab
from ui.admin.service_dialog import busy_call
from ui.admin.signing_key_dialog import SigningKeyDialog
from ui.admin.user_dialog import ResetPasswordDialog, UserDialog
from ui.context import AppContext
from ui.errors import show_error
from ui.page import Page
from ui.rows_model import ROW_ROLE, Column, RowsModel
from ui.tables import readonly_table
from ui.tasks import run_call

HELP_SECTION = "administration"
MARK_YES = "✓"
MARK_NO = "✗"


def local_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """A stored UTC time in the office's zone, as the other pages write it (2026-11-23 10:15); "" for none."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def _table(parent: QWidget, name: str, model: QSortFilterProxyModel) -> QTableView:
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(model)
    table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the service's order first
    table.setSortingEnabled(True)
    return readonly_table(table)


def _proxy(model: QAbstractItemModel) -> QSortFilterProxyModel:
    proxy = QSortFilterProxyModel(model)
    proxy.setSourceModel(model)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setFilterKeyColumn(-1)
    proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return proxy


class UsersTab(QWidget):
    def __init__(self, page: AdminPage) -> None:
        super().__init__(page)
        self.setObjectName("usersTab")
        self.page = page
        tz = page.ctx.office_tz

        def locked(u: UserInfo) -> str:
            return local_time(u.locked_until, tz) if is_locked(u) else ""

        self.model: RowsModel[UserInfo] = RowsModel([
            Column("username", lambda: _("User name"), lambda u: u.username),
            Column("name", lambda: _("Name"), lambda u: u.display_name),
            Column("role", lambda: _("Role"), lambda u: u.role.label),
            Column("branch", lambda: _("Branch"), lambda u: u.branch_code),
            Column("active", lambda: _("Status"),
                   lambda u: MARK_YES + " " + _("Active") if u.active else MARK_NO + " " + _("Disabled")),
            Column("locked", lambda: _("Locked until"), locked),
            Column("must_change", lambda: _("Must change password"),
                   lambda u: _("Yes") if u.must_change_password else ""),
            Column("last_login", lambda: _("Last sign-in"), lambda u: local_time(u.last_login_at, tz)),
        ], self)
        self.proxy = _proxy(self.model)
        self.filter_label = QLabel(self)
        self.filter = QLineEdit(self)
        self.filter.setObjectName("userFilter")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter_changed)
        self.filter_label.setBuddy(self.filter)
        self.count = QLabel(self)
        self.table = _table(self, "userTable", self.proxy)
        self.table.doubleClicked.connect(lambda _index: self.edit_user())
        self.table.selectionModel().currentRowChanged.connect(lambda *_args: self.update_buttons())

        self.new_button = QPushButton(self)
        self.new_button.setObjectName("newUser")
        self.new_button.clicked.connect(self.new_user)
        self.edit_button = QPushButton(self)
        self.edit_button.setObjectName("editUser")
        self.edit_button.clicked.connect(self.edit_user)
        self.reset_button = QPushButton(self)
        self.reset_button.setObjectName("resetPassword")
        self.reset_button.clicked.connect(self.reset_password)
        self.unlock_button = QPushButton(self)
        self.unlock_button.setObjectName("unlockUser")
        self.unlock_button.clicked.connect(self.unlock)
        self.active_button = QPushButton(self)
        self.active_button.setObjectName("toggleActive")
        self.active_button.clicked.connect(self.toggle_active)

        top = QHBoxLayout()
        top.addWidget(self.filter_label)
        top.addWidget(self.filter, 1)
        top.addWidget(self.count)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.reset_button, self.unlock_button, self.active_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.update_buttons()

    def retranslate_ui(self) -> None:
        self.filter_label.setText(_("Fin&d:"))
        self.filter.setPlaceholderText(_("user name, name, role or branch"))
        self.filter.setAccessibleName(_("Find a user"))
        self.table.setAccessibleName(_("User accounts"))
        self.new_button.setText(_("&New user…"))
        self.edit_button.setText(_("&Edit…"))
        self.reset_button.setText(_("Reset &password…"))
        self.unlock_button.setText(_("&Unlock"))
        self.unlock_button.setToolTip(_("Lift the lock-out after too many failed sign-ins"))
        self.model.retranslate()
        self.update_buttons()
        self._update_count()

    # -- data ------------------------------------------------------------------------------------
    def set_users(self, users: list[UserInfo]) -> None:
        current = self.current_user()
        self.model.set_rows(users)
        if current is not None:
            self.select_user(current.username)
        self._update_count()
        self.update_buttons()

    def current_user(self) -> UserInfo | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        row = self.proxy.data(index, ROW_ROLE)
        return row if isinstance(row, UserInfo) else None

    def select_user(self, username: str) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            info = self.proxy.data(index, ROW_ROLE)
            if isinstance(info, UserInfo) and info.username == username:
                self.table.setCurrentIndex(index)
                self.table.selectRow(row)
                self.table.scrollTo(index)
                return True
        return False

    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._update_count()

    def _update_count(self) -> None:
        n = self.proxy.rowCount()
        self.count.setText(ngettext("{n} account", "{n} accounts", n).format(n=n))

    def update_buttons(self) -> None:
        user = self.current_user()
        selected = user is not None
        self.edit_button.setEnabled(selected)
        self.reset_button.setEnabled(selected)
        self.unlock_button.setEnabled(user is not None and is_locked(user))
        self.active_button.setEnabled(user is not None and user.id != self.page.actor.user_id)
        self.active_button.setText(_("&Enable") if user is not None and not user.active else _("&Disable"))

    # -- actions ---------------------------------------------------------------------------------
    def new_user(self) -> None:
        dialog = UserDialog(self.page.ctx.backend, self.page.actor, self.page.branches, parent=self)
        if dialog.exec() and dialog.result_user is not None:
            self.page.done(_("Account {name} created.").format(name=dialog.result_user.username),
                           dialog.result_user.username)

    def edit_user(self) -> None:
        user = self.current_user()
        if user is None:
            return
        dialog = UserDialog(self.page.ctx.backend, self.page.actor, self.page.branches, user, parent=self)
        if dialog.exec() and dialog.result_user is not None:
            self.page.done(_("Account {name} saved.").format(name=user.username), user.username)

    def reset_password(self) -> None:
        user = self.current_user()
        if user is None:
            return
        dialog = ResetPasswordDialog(self.page.ctx.backend, self.page.actor, user, parent=self)
        if dialog.exec() and dialog.result_user is not None:
            self.page.done(_("Temporary password set for {name}; they must change it at the next sign-in.")
                           .format(name=user.username), user.username)

    def unlock(self) -> None:
        user = self.current_user()
        if user is not None:
            self.page.act(lambda backend, actor: backend.call(actor, unlock_user, user.id),
                          _("Account {name} unlocked.").format(name=user.username), user.username)

    def toggle_active(self) -> None:
        user = self.current_user()
        if user is None:
            return
        if user.active:
            box = QMessageBox(QMessageBox.Icon.Question, _("Disable account"), _(
                "Disable the account of {name} ({username})? They can no longer sign in; their cases and "
                "history stay. You can enable the account again later.").format(
                    name=user.display_name, username=user.username),
                QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel, self)
            box.setObjectName("confirmDisable")
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            if box.exec() != QMessageBox.StandardButton.Ok.value:
                return
        enable = not user.active
        message = (_("Account {name} enabled.") if enable else _("Account {name} disabled.")).format(
            name=user.username)
        self.page.act(lambda backend, actor: backend.call(actor, update_user, user.id, active=enable),
                      message, user.username)


class BranchesTab(QWidget):
    def __init__(self, page: AdminPage) -> None:
        super().__init__(page)
        self.setObjectName("branchesTab")
        self.page = page

        def status(b: BranchInfo) -> str:
            # "Closed" alone is a case's status (已结案); a branch is closed down (已停用)
            text = MARK_YES + " " + _("In use") if b.active else MARK_NO + " " + _("Closed down")
            return text + " · " + _("Headquarters") if b.is_headquarters else text

        self.model: RowsModel[BranchInfo] = RowsModel([
            Column("code", lambda: _("Code"), lambda b: b.code),
            Column("name", lambda: _("Name"), lambda b: b.name),
            Column("type", lambda: _("Institution type"), lambda b: b.institution_type.label),
            Column("hotline", lambda: _("Hotline"), lambda b: b.hotline),
            Column("timezone", lambda: _("Time zone"), lambda b: b.timezone),
            Column("users", lambda: _("Active accounts"), lambda b: str(b.active_users)),
            Column("status", lambda: _("Status"), status),
            Column("address", lambda: _("Address"), lambda b: b.address),
        ], self)
        self.proxy = _proxy(self.model)
        self.table = _table(self, "branchTable", self.proxy)
        self.table.doubleClicked.connect(lambda _index: self.edit_branch())
        self.table.selectionModel().currentRowChanged.connect(lambda *_args: self.update_buttons())
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("newBranch")
        self.new_button.clicked.connect(self.new_branch)
        self.edit_button = QPushButton(self)
        self.edit_button.setObjectName("editBranch")
        self.edit_button.clicked.connect(self.edit_branch)
        self.key_button = QPushButton(self)
        self.key_button.setObjectName("signingKey")
        self.key_button.clicked.connect(self.signing_key)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.key_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.note, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.update_buttons()

    def retranslate_ui(self) -> None:
        self.table.setAccessibleName(_("Branches"))
        self.new_button.setText(_("&New branch…"))
        self.edit_button.setText(_("&Edit…"))
        self.key_button.setText(_("Signing &key…"))
        self.key_button.setToolTip(_("This office's key for signing its exports; at headquarters, the key each "
                                     "branch read out, without which its files are refused"))
        self.note.setText(_("The code is part of every case number and cannot be changed.") if self.page.actor.is_hq
                          else _("Only an administrator at headquarters adds branches; you may edit your own."))
        self.model.retranslate()

    def set_branches(self, branches: list[BranchInfo]) -> None:
        current = self.current_branch()
        self.model.set_rows(branches)
        if current is not None:
            self.select_branch(current.code)
        self.update_buttons()

    def current_branch(self) -> BranchInfo | None:
        index = self.table.currentIndex()
        row = self.proxy.data(index, ROW_ROLE) if index.isValid() else None
        return row if isinstance(row, BranchInfo) else None

    def select_branch(self, code: str) -> bool:
        for row in range(self.proxy.rowCount()):
            info = self.proxy.data(self.proxy.index(row, 0), ROW_ROLE)
            if isinstance(info, BranchInfo) and info.code == code:
                self.table.selectRow(row)
                return True
        return False

    def update_buttons(self) -> None:
        branch = self.current_branch()
        actor = self.page.actor
        self.new_button.setEnabled(actor.is_hq)
        self.edit_button.setEnabled(branch is not None and (actor.is_hq or branch.id == actor.branch_id))
        self.key_button.setEnabled(branch is not None and (actor.is_hq or branch.id == actor.branch_id))

    def new_branch(self) -> None:
        dialog = BranchDialog(self.page.ctx.backend, self.page.actor, parent=self)
        if dialog.exec() and dialog.result_branch is not None:
            self.page.done(_("Branch {code} created.").format(code=dialog.result_branch.code),
                           branch=dialog.result_branch.code)

    def signing_key(self) -> None:
        branch = self.current_branch()
        if branch is None or not self.key_button.isEnabled():
            return
        dialog = SigningKeyDialog(self.page.ctx.backend, self.page.actor, branch.code, parent=self)
        if dialog.exec() and dialog.result_key is not None:
            self.page.done(_("The signing key of branch {code} is registered ({fingerprint}).").format(
                code=branch.code, fingerprint=dialog.result_key.fingerprint), branch=branch.code)

    def edit_branch(self) -> None:
        branch = self.current_branch()
        if branch is None or not self.edit_button.isEnabled():
            return
        dialog = BranchDialog(self.page.ctx.backend, self.page.actor, branch, parent=self)
        if dialog.exec() and dialog.result_branch is not None:
            self.page.done(_("Branch {code} saved.").format(code=branch.code), branch=branch.code)


class AdminPage(Page):
    """Users, branches and roles (administrators only; ``main_window`` adds it for them)."""

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adminPage")
        self.ctx, self.actor = ctx, actor
        self.branches: list[BranchInfo] = []
        self._loading = False
        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.scope = QLabel(self)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addSpacing(12)
        header.addWidget(self.scope, 1)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("adminTabs")
        self.users_tab = UsersTab(self)
        self.branches_tab = BranchesTab(self)
        self.roles_tab = RolesTab(self)
        self.tabs.addTab(self.users_tab, "")
        self.tabs.addTab(self.branches_tab, "")
        self.tabs.addTab(self.roles_tab, "")
        self.retention_tab = RetentionTab(ctx, actor, self)  # administrators hold the ANONYMISE right
        self.tabs.addTab(self.retention_tab, "")
        self.status = QLabel(self)
        self.status.setObjectName("adminStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        self.retranslate_ui()

    # -- Page ------------------------------------------------------------------------------------
    def nav_title(self) -> str:
        return _("Administration")

    def nav_icon(self) -> QIcon:
        return icons.icon(icons.ADMIN)

    def retranslate_ui(self) -> None:
        self.title.setText(_("Administration (系统管理)"))
        self.scope.setText(_("All branches") if self.actor.is_hq
                           else _("Branch {code}").format(code=self.actor.branch_code))
        self.tabs.setTabText(0, _("&Users"))
        self.tabs.setTabText(1, _("&Branches"))
        self.tabs.setTabText(2, _("R&oles and rights"))
        self.tabs.setTabText(3, _("Re&tention (PIPL)"))
        self.users_tab.retranslate_ui()
        self.branches_tab.retranslate_ui()
        self.roles_tab.retranslate_ui()
        self.retention_tab.retranslate_ui()

    def refresh(self) -> None:
        """Read the accounts and branches in the background (the selection is kept)."""
        if self._loading:
            return
        self._loading = True
        backend, actor = self.ctx.backend, self.actor

        def work() -> tuple[list[UserInfo], list[BranchInfo]]:
            users = backend.read(list_users)
            if not actor.is_hq:
                users = [u for u in users if u.branch_id == actor.branch_id]
            return users, backend.read(list_branches)

        run_call(self, work, self._loaded, self._failed)

    def _loaded(self, result: tuple[list[UserInfo], list[BranchInfo]]) -> None:
        self._loading = False
        users, branches = result
        self.branches = branches
        self.users_tab.set_users(users)
        self.branches_tab.set_branches(branches)

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        show_error(self, exc)

    # -- shared by the tabs ----------------------------------------------------------------------
    def done(self, message: str, username: str = "", branch: str = "") -> None:
        """After a saved change: say what happened, reload, and keep the changed row selected."""
        self.status.setText(f"{MARK_YES} {message}  ({utcnow().astimezone(self.ctx.office_tz):%H:%M})")
        backend, actor = self.ctx.backend, self.actor
        users = [u for u in backend.read(list_users) if actor.is_hq or u.branch_id == actor.branch_id]
        self.branches = backend.read(list_branches)
        self.users_tab.set_users(users)
        self.branches_tab.set_branches(self.branches)
        if username:
            self.users_tab.select_user(username)
        if branch:
            self.branches_tab.select_branch(branch)

    def act(self, call: Callable[[Backend, Actor], object], message: str, username: str = "") -> None:
        """Run a one-click account action (unlock, disable, enable); a refusal is shown, nothing else changes."""
        try:
            busy_call(call, self.ctx.backend, self.actor)
        except UserError as exc:
            show_error(self, exc)
            return
        self.done(message, username)
