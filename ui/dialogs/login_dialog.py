"""Sign-in: user name and password; refusals are shown inside the dialog, which stays open. The password is
checked off the GUI thread (a desk server's round trip, or the password hash on this PC, takes a moment): the
dialog shows that it is busy meanwhile and stays responsive."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt
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
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.tasks import run_call, run_task

log = logging.getLogger(__name__)


class LoginDialog(Retranslating, QDialog):
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
        self.busy = QLabel(self)
        self.busy.setObjectName("signInBusy")
        self.busy.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)

        QWidget.setTabOrder(self.username_edit, self.password_edit)
        QWidget.setTabOrder(self.password_edit, self.buttons)
        (self.password_edit if username else self.username_edit).setFocus()
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Sign in — Complaint Desk"))
        self.heading.setText(_("Complaint Desk"))
        self.busy.setText(_("Signing in…"))
        self.username_label.setText(_("&User name:"))
        self.password_label.setText(_("&Password:"))
        self.username_edit.setAccessibleName(_("User name"))
        self.password_edit.setAccessibleName(_("Password"))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("&Sign in"))
        ok.setAccessibleName(_("Sign in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("&Cancel"))

    def is_busy(self) -> bool:
        return self.busy.isVisibleTo(self)

    def _set_busy(self, busy: bool) -> None:
        """While the password is checked: the fields are read-only (they keep the focus, so a second Enter
        does nothing and Escape still cancels), Sign in is disabled and the dialog says what it waits for."""
        self.busy.setVisible(busy)
        self.username_edit.setReadOnly(busy)
        self.password_edit.setReadOnly(busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def accept(self) -> None:
        """Enter or Sign in: check the password in the background; the dialog closes once it is right."""
        if self.is_busy():
            return
        username, password = self.username_edit.text().strip(), self.password_edit.text()
        if not username or not password:
            self.error.show_message(_("Enter your user name and password."))
            (self.password_edit if username else self.username_edit).setFocus()
            return
        self.error.clear()
        self._set_busy(True)
        backend = self._backend
        run_call(self, lambda: backend.sign_in(username, password), self._signed_in, self._refused)

    def _signed_in(self, actor: Actor) -> None:
        self._set_busy(False)
        if not self.isVisible():  # cancelled while the answer was on its way: end the session nobody uses
            backend = self._backend

            def sign_out(_progress: object, _cancelled: object) -> None:
                backend.sign_out(actor)

            run_task(sign_out, on_error=lambda exc: log.warning("signing out %s failed: %s", actor.username, exc))
            return
        self.actor = actor
        super().accept()

    def _refused(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, UserError):  # not the user's doing (a bug): the error presenter says so
            show_error(self, exc)
            return
        self.error.show_message(str(exc))
        self.password_edit.clear()
        self.password_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @classmethod
    def ask(cls, backend: Backend, parent: QWidget | None = None) -> Actor | None:
        """Show the dialog; the signed-in Actor, or None if the user cancelled."""
        dialog = cls(backend, parent)
        return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None
