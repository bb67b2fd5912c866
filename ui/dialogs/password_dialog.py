"""Change the signed-in user's password (forced after an initial or reset password)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desk_app.api.backend import Backend
from desk_app.domain.actor import Actor
from desk_app.errors import UserError
from desk_app.i18n import _
from desk_app.services.accounts import change_password
from ui.dialogs.common import InlineError


class ChangePasswordDialog(QDialog):
    def __init__(self, backend: Backend, actor: Actor, forced: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changePasswordDialog")
        self._backend, self._actor, self._forced = backend, actor, forced
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.old = QLineEdit(self)
        self.new = QLineEdit(self)
        self.repeat = QLineEdit(self)
        self.labels = [QLabel(self) for _i in range(3)]
        form = QFormLayout()
        for label, edit in zip(self.labels, (self.old, self.new, self.repeat), strict=True):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            label.setBuddy(edit)
            form.addRow(label, edit)
        self.error = InlineError(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Change password"))
        self.intro.setText(_("Your password was set by an administrator. Choose your own password before you "
                             "start (at least 8 characters, letters and digits).") if self._forced else
                           _("Choose a new password (at least 8 characters, letters and digits)."))
        for label, text, edit in zip(self.labels, (_("&Current password:"), _("&New password:"),
                                                   _("&Repeat the new password:")),
                                     (self.old, self.new, self.repeat), strict=True):
            label.setText(text)
            edit.setAccessibleName(text.replace("&", "").rstrip(":："))

    def submit(self) -> None:
        if self.new.text() != self.repeat.text():
            self.error.show_message(_("The two new passwords differ."))
            return
        try:
            self._backend.call(self._actor, change_password, self.old.text(), self.new.text())
        except UserError as exc:
            self.error.show_message(str(exc))
            return
        self.accept()

    @classmethod
    def ask(cls, backend: Backend, actor: Actor, forced: bool, parent: QWidget | None = None) -> bool:
        return cls(backend, actor, forced, parent).exec() == QDialog.DialogCode.Accepted
