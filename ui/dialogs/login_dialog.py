"""Sign-in: user name and password; refusals are shown inside the dialog, which stays open."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.api.backend import Backend
from desk_app.domain.actor import Actor
from desk_app.errors import UserError
from desk_app.i18n import _
from ui import icons
from ui.dialogs.common import InlineError


class LoginDialog(QDialog):
    def __init__(self, backend: Backend, parent: QWidget | None = None, username: str = "") -> None:
        super().__init__(parent)
        self._backend = backend
        self.actor: Actor | None = None
        self.setObjectName("loginDialog")
        self.setWindowIcon(icons.icon(icons.APP))
        self.setMinimumWidth(380)

        logo = QLabel(self)
        logo.setPixmap(icons.icon(icons.APP).pixmap(QSize(48, 48)))
        self.heading = QLabel(self)
        self.heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        header = QHBoxLayout()
        header.addWidget(logo)
        header.addWidget(self.heading, 1)

        self.username_edit = QLineEdit(username, self)
        self.username_edit.setObjectName("username")
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.username_label = QLabel(self)
        self.username_label.setBuddy(self.username_edit)
        self.password_label = QLabel(self)
        self.password_label.setBuddy(self.password_edit)
        form = QFormLayout()
        form.addRow(self.username_label, self.username_edit)
        form.addRow(self.password_label, self.password_edit)

        self.error = InlineError(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        QWidget.setTabOrder(self.username_edit, self.password_edit)
        QWidget.setTabOrder(self.password_edit, self.buttons)
        (self.password_edit if username else self.username_edit).setFocus()
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Sign in — Complaint Desk"))
        self.heading.setText(_("Complaint Desk"))
        self.username_label.setText(_("&User name:"))
        self.password_label.setText(_("&Password:"))
        self.username_edit.setAccessibleName(_("User name"))
        self.password_edit.setAccessibleName(_("Password"))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("&Sign in"))
        ok.setAccessibleName(_("Sign in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("&Cancel"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def accept(self) -> None:
        username = self.username_edit.text().strip()
        if not username or not self.password_edit.text():
            self.error.show_message(_("Enter your user name and password."))
            (self.password_edit if username else self.username_edit).setFocus()
            return
        try:
            self.actor = self._backend.sign_in(username, self.password_edit.text())
        except UserError as exc:
            self.error.show_message(str(exc))
            self.password_edit.clear()
            self.password_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.error.clear()
        super().accept()

    @classmethod
    def ask(cls, backend: Backend, parent: QWidget | None = None) -> Actor | None:
        """Show the dialog; the signed-in Actor, or None if the user cancelled."""
        dialog = cls(backend, parent)
        return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None
