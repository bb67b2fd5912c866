"""The account dialogs of the administration page: new or edit a user, reset a password.

A refusal from the service (a taken user name, a weak password, the last administrator…) is shown with
the shared error box; the dialog stays open with everything typed, and the named field gets the focus.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.api.backend import Backend
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.i18n import _
from desk_app.services.accounts import (
    MAX_PASSWORD_LENGTH,
    UserInfo,
    create_user,
    generate_temporary_password,
    list_users,
    reset_password,
    update_user,
)
from desk_app.services.branches import BranchInfo
from ui.admin.service_dialog import ServiceDialog


class UserDialog(ServiceDialog):
    """New user (``user`` None) or edit one; ``result_user`` holds the saved account."""

    def __init__(self, backend: Backend, actor: Actor, branches: list[BranchInfo], user: UserInfo | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userDialog")
        self._backend, self._actor, self._user = backend, actor, user
        self.result_user: UserInfo | None = None
        self.username = QLineEdit(self)
        self.username.setObjectName("username")
        self.username.setMaxLength(64)
        self.display_name = QLineEdit(self)
        self.display_name.setObjectName("displayName")
        self.display_name.setMaxLength(100)
        self.role = QComboBox(self)
        self.role.setObjectName("role")
        self.branch = QComboBox(self)
        self.branch.setObjectName("branch")
        for info in branches:
            if info.active or (user is not None and info.id == user.branch_id):
                self.branch.addItem(f"{info.code} {info.name}", info.id)
        self.password = QLineEdit(self)
        self.password.setObjectName("password")
        self.password.setMaxLength(MAX_PASSWORD_LENGTH)
        self.password.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))  # tell l from 1
        self.generate = QPushButton(self)
        self.generate.setObjectName("generatePassword")
        self.generate.clicked.connect(self._generate)
        password_row = QHBoxLayout()
        password_row.addWidget(self.password, 1)
        password_row.addWidget(self.generate)
        self.must_change = QCheckBox(self)
        self.must_change.setObjectName("mustChange")
        self.must_change.setChecked(True)
        self.active = QCheckBox(self)
        self.active.setObjectName("active")
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.labels = {key: QLabel(self) for key in ("username", "display_name", "role", "branch", "password")}
        form = QFormLayout()
        for key, widget in (("username", self.username), ("display_name", self.display_name), ("role", self.role),
                            ("branch", self.branch)):
            self.labels[key].setBuddy(widget)
            form.addRow(self.labels[key], widget)
            self.field_widgets[key] = widget
        if user is None:
            self.labels["password"].setBuddy(self.password)
            form.addRow(self.labels["password"], password_row)
            form.addRow("", self.must_change)
            self.field_widgets["password"] = self.password
            self.password.setText(generate_temporary_password())
            self.active.hide()
        else:
            self.password.hide()
            self.generate.hide()
            self.must_change.hide()
            self.labels["password"].hide()
            form.addRow("", self.active)
            self.field_widgets["active"] = self.active
            self.username.setText(user.username)
            self.username.setReadOnly(True)
            self.username.setEnabled(False)
            self.display_name.setText(user.display_name)
            self.branch.setCurrentIndex(max(self.branch.findData(user.branch_id), 0))
            self.active.setChecked(user.active)
        if not actor.is_hq:  # a branch administrator manages their own branch only (the service checks it too)
            self.branch.setCurrentIndex(max(self.branch.findData(actor.branch_id), 0))
            self.branch.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.retranslate_ui()
        self.setMinimumWidth(460)

    def retranslate_ui(self) -> None:
        editing = self._user is not None
        self.setWindowTitle(_("Edit user {name}").format(name=self._user.username) if self._user
                            else _("New user"))
        texts = {"username": _("&User name:"), "display_name": _("&Name:"), "role": _("&Role:"),
                 "branch": _("&Branch:"), "password": _("Initial &password:")}
        for key, text in texts.items():
            self.labels[key].setText(text)
        self.username.setAccessibleName(_("User name"))
        self.username.setPlaceholderText(_("letters a–z, digits, '.', '_' or '-', e.g. zhang.wei"))
        self.display_name.setAccessibleName(_("Name"))
        self.role.setAccessibleName(_("Role"))
        self.branch.setAccessibleName(_("Branch"))
        self.password.setAccessibleName(_("Initial password"))
        self.generate.setText(_("&Generate"))
        self.generate.setToolTip(_("Propose a new random password"))
        self.must_change.setText(_("Must choose a new password at the first sign-in"))
        self.active.setText(_("&Active (may sign in)"))
        current = self.role.currentData() or (self._user.role.value if self._user else Role.COUNTER_CLERK.value)
        self.role.clear()
        for role in Role:
            self.role.addItem(role.label, role.value)
        self.role.setCurrentIndex(max(self.role.findData(current), 0))
        self.hint.setText(_("Tell the person their initial password in person; it is not shown again.")
                          if not editing else _("User names cannot be changed; disable the account and create a "
                                                "new one instead."))

    def _generate(self) -> None:
        self.password.setText(generate_temporary_password())
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> Callable[[], object]:
        role = Role(self.role.currentData())
        branch_id = self.branch.currentData()
        backend, actor = self._backend, self._actor
        if self._user is None:
            username, display_name, password = self.username.text(), self.display_name.text(), self.password.text()
            must_change = self.must_change.isChecked()
            return lambda: backend.call(actor, create_user, username=username, display_name=display_name,
                                        password=password, role=role, branch_id=branch_id,
                                        must_change_password=must_change)
        user, display_name, active = self._user, self.display_name.text(), self.active.isChecked()
        return lambda: backend.call(actor, update_user, user.id, display_name=display_name, role=role,
                                    branch_id=branch_id, active=active, version=user.version)

    def saved(self, result: object) -> None:
        assert isinstance(result, UserInfo)
        self.result_user = result

    def current_version(self) -> Callable[[], object] | None:
        if self._user is None:
            return None
        backend, user_id = self._backend, self._user.id
        return lambda: next((u for u in backend.read(list_users) if u.id == user_id), None)

    def version_read(self, current: object) -> None:
        if isinstance(current, UserInfo):
            self._user = current


class ResetPasswordDialog(ServiceDialog):
    """Set a temporary password (forced change at the next sign-in; a lock-out is lifted too)."""

    def __init__(self, backend: Backend, actor: Actor, user: UserInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resetPasswordDialog")
        self._backend, self._actor, self._user = backend, actor, user
        self.result_user: UserInfo | None = None
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.label = QLabel(self)
        self.password = QLineEdit(generate_temporary_password(), self)
        self.password.setObjectName("temporaryPassword")
        self.password.setMaxLength(MAX_PASSWORD_LENGTH)
        self.password.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.label.setBuddy(self.password)
        self.field_widgets["password"] = self.password
        self.generate = QPushButton(self)
        self.generate.setObjectName("generatePassword")
        self.generate.clicked.connect(lambda: self.password.setText(generate_temporary_password()))
        self.copy = QPushButton(self)
        self.copy.setObjectName("copyPassword")
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.password.text()))
        row = QHBoxLayout()
        row.addWidget(self.label)
        row.addWidget(self.password, 1)
        row.addWidget(self.generate)
        row.addWidget(self.copy)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self.retranslate_ui()
        self.setMinimumWidth(480)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Reset password"))
        self.intro.setText(_(
            "Set a temporary password for {name} ({username}). They must choose their own password at the next "
            "sign-in; a lock-out is lifted as well. Give the temporary password to the person directly."
        ).format(name=self._user.display_name, username=self._user.username))
        self.label.setText(_("&Temporary password:"))
        self.password.setAccessibleName(_("Temporary password"))
        self.generate.setText(_("&Generate"))
        self.copy.setText(_("&Copy"))
        self.copy.setToolTip(_("Copy the temporary password to the clipboard"))

    def save(self) -> Callable[[], object]:
        backend, actor, user_id, password = self._backend, self._actor, self._user.id, self.password.text()
        return lambda: backend.call(actor, reset_password, user_id, password)

    def saved(self, result: object) -> None:
        assert isinstance(result, UserInfo)
        self.result_user = result
