"""Branch signing keys (Administration › Branches › Signing key…): the public key this office signs its
branch's exports with, to read out to headquarters; and, for an administrator at headquarters, the key a
branch read out, registered for that branch after comparing its fingerprint (``desk_app.signing``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from desk_app.api.backend import Backend
from desk_app.domain.actor import Actor
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.services.branch_keys import (
    SigningKeyInfo,
    own_signing_key,
    register_signing_key,
    registered_signing_key,
)
from desk_app.signing import fingerprint, parse_public_key, public_key_text
from ui.admin.service_dialog import ServiceDialog
from ui.tasks import run_call


class SigningKeyDialog(ServiceDialog):
    """Shows this office's key; at headquarters, registers ``branch_code``'s key (OK saves it)."""

    def __init__(self, backend: Backend, actor: Actor, branch_code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signingKeyDialog")
        self.backend, self.actor, self.branch_code = backend, actor, branch_code
        self.registers = actor.is_hq and branch_code != actor.branch_code
        self.result_key: SigningKeyInfo | None = None
        self.own_box = QGroupBox(self)
        self.own_key = QLineEdit(self.own_box)
        self.own_key.setReadOnly(True)
        self.own_fingerprint = QLabel(self.own_box)
        self.own_fingerprint.setWordWrap(True)  # read in after the dialog is laid out: it may not widen it
        self.own_labels = [QLabel(self.own_box), QLabel(self.own_box)]
        own_form = QFormLayout(self.own_box)
        own_form.addRow(self.own_labels[0], self.own_key)
        own_form.addRow(self.own_labels[1], self.own_fingerprint)
        self.own_labels[0].setBuddy(self.own_key)
        self.branch_box = QGroupBox(self)
        self.current = QLabel(self.branch_box)
        self.current.setWordWrap(True)
        self.new_key = QLineEdit(self.branch_box)
        self.new_key.setMaxLength(120)
        self.new_key.textChanged.connect(self._show_fingerprint)
        self.new_fingerprint = QLabel(self.branch_box)
        self.new_fingerprint.setWordWrap(True)
        self.branch_labels = [QLabel(self.branch_box), QLabel(self.branch_box)]
        self.branch_labels[0].setBuddy(self.new_key)
        branch_form = QFormLayout(self.branch_box)
        branch_form.addRow(self.current)
        branch_form.addRow(self.branch_labels[0], self.new_key)
        branch_form.addRow(self.branch_labels[1], self.new_fingerprint)
        self.branch_box.setVisible(self.registers)
        self.field_widgets["signing_public_key"] = self.new_key
        layout = QVBoxLayout(self)
        layout.addWidget(self.own_box)
        layout.addWidget(self.branch_box)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.retranslate_ui()
        run_call(self, lambda: backend.call(actor, own_signing_key), self._own_loaded, self._failed)
        if self.registers:
            run_call(self, lambda: backend.call(actor, registered_signing_key, branch_code), self._current_loaded,
                     self._failed)
            self.new_key.setFocus()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Signing key"))
        self.own_box.setTitle(_("This office's key for branch {code} (read it out to headquarters)").format(
            code=self.actor.branch_code))
        self.own_labels[0].setText(_("&Public key:"))
        self.own_labels[1].setText(_("Fingerprint:"))
        self.branch_box.setTitle(_("Key of branch {code}, registered at headquarters").format(code=self.branch_code))
        self.branch_labels[0].setText(_("&New key:"))
        self.branch_labels[1].setText(_("Its fingerprint:"))
        self.new_key.setPlaceholderText(_("the 44 characters the branch's administrator reads out"))
        self._show_fingerprint()

    def _own_loaded(self, info: object) -> None:
        assert isinstance(info, SigningKeyInfo)
        self.own_key.setText(info.public_key)
        self.own_fingerprint.setText(info.fingerprint)

    def _current_loaded(self, info: object) -> None:
        assert isinstance(info, SigningKeyInfo)
        self.current.setText(_("Registered now: {fingerprint}").format(fingerprint=info.fingerprint)
                             if info.public_key else _("No key is registered: this branch's files are refused."))

    def _show_fingerprint(self) -> None:
        text = self.new_key.text().strip()
        try:
            self.new_fingerprint.setText(fingerprint(public_key_text(parse_public_key(text))) if text else "")
        except ValidationError:
            self.new_fingerprint.setText(_("not a key yet"))

    def save(self) -> Callable[[], object]:
        if not self.registers:
            return lambda: None
        key = self.new_key.text()
        parse_public_key(key)  # a ValidationError is shown at once, with the field focused
        backend, actor, code = self.backend, self.actor, self.branch_code
        return lambda: backend.call(actor, register_signing_key, code, key)

    def saved(self, result: object) -> None:
        self.result_key = result if isinstance(result, SigningKeyInfo) else None
