"""The desk server this PC works with: its address and the certificate it is trusted by.

"Connect" fetches the server's certificate in the background and shows its SHA-256 fingerprint, to be
compared with the one IT has (``desk-server init`` prints it). Only once the user confirms that they
compared it can the certificate be trusted: it is then pinned in the user config folder and the server's
address saved as ``server_url`` in config.toml. The PC keeps nothing else: no database address, no
password; each user signs in with their own account.

``ServerForm`` is the fields alone (the first-run wizard shows it on its desk-server page);
``ServerDialog`` adds Save/Cancel (File ▸ Settings ▸ Desk server…, and start-up when the server's
certificate changed: then the fingerprint trusted so far is shown above the new one).
"""

from __future__ import annotations

import itertools

import shiboken6
from PySide6.QtCore import QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.api.pinning import ServerCertificate, fetch_certificate, normalise_url, pin_certificate
from desk_app.config import save_config
from desk_app.errors import UserError, ValidationError
from desk_app.i18n import _
from ui import icons
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.tasks import CancelledFn, ProgressFn, Task, run_task

PLACEHOLDER = "https://server:8443"


def shown_fingerprint(fingerprint: str) -> str:
    """The 32 hex pairs in two lines of 16, easier to compare pair by pair than one long line."""
    pairs = fingerprint.split(":")
    return "\n".join(":".join(pairs[i:i + 16]) for i in range(0, len(pairs), 16))


def fingerprint_label(parent: QWidget) -> QLabel:
    """A monospace label whose text can be selected (and copied) with the mouse or the keyboard."""
    label = QLabel(parent)
    label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # reached with Tab, read by a screen reader, copied
    label.setStyleSheet("QLabel { background: palette(base); border: 1px solid palette(mid); padding: 4px; }")
    return label


def trust_server(url: str, certificate: ServerCertificate) -> str:
    """Pin ``certificate`` for the desk server at ``url`` and make that server the one this PC works with
    (any database address is forgotten). Returns the normalised address; OSError if it cannot be saved."""
    url = normalise_url(url)
    pin_certificate(url, certificate)
    save_config({"server_url": url, "db_url": ""})
    return url


class StatusLabel(QWidget):
    """The outcome of "Connect": in progress, or a problem (a warning icon and the text, not colour alone)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serverStatus")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        self._icon = QLabel(self)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        self.problem = False
        self.hide()

    def show_status(self, text: str, *, problem: bool = False) -> None:
        self.problem = problem
        self._icon.clear()
        if problem:
            self._icon.setPixmap(icons.icon(icons.WARNING).pixmap(QSize(20, 20)))
        self.label.setStyleSheet("color: #a61b1b; font-weight: bold;" if problem else "")
        self.label.setText(text)
        self.setAccessibleName(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.show_status("")

    def text(self) -> str:
        return self.label.text()


class ServerForm(Retranslating, QWidget):
    """Address, Connect, the fingerprint to compare and the confirmation. ``sig_complete_changed`` fires
    when ``is_complete()`` may have changed; ``sig_fetched`` carries the fetched ServerCertificate or the
    exception of a failed fetch. ``previous``: the certificate trusted so far (a changed certificate)."""

    sig_complete_changed = Signal()
    sig_fetched = Signal(object)

    def __init__(self, parent: QWidget | None = None, url: str = "",
                 previous: ServerCertificate | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serverForm")
        self.previous = previous
        self.certificate: ServerCertificate | None = None
        self._fetched_for: str | None = None
        self._task: Task | None = None

        self.address_label = QLabel(self)
        self.address = QLineEdit(url, self)
        self.address.setObjectName("serverAddress")
        self.address.setReadOnly(previous is not None)  # the review is about this server's new certificate
        self.address.setPlaceholderText(PLACEHOLDER)
        self.address_label.setBuddy(self.address)
        self.connect_button = QPushButton(self)
        self.connect_button.setObjectName("connectServer")
        self.connect_button.setAutoDefault(False)
        self.connect_button.clicked.connect(self.fetch)
        self.address.returnPressed.connect(self._return_pressed)
        self.address.textEdited.connect(self._address_edited)
        address_row = QHBoxLayout()
        address_row.addWidget(self.address, 1)
        address_row.addWidget(self.connect_button)
        self.status = StatusLabel(self)

        self.previous_caption = QLabel(self)
        self.previous_fingerprint = fingerprint_label(self)
        self.previous_fingerprint.setObjectName("previousFingerprint")
        self.previous_caption.setBuddy(self.previous_fingerprint)
        if previous is not None:
            self.previous_fingerprint.setText(shown_fingerprint(previous.fingerprint))
        self.previous_caption.setVisible(previous is not None)
        self.previous_fingerprint.setVisible(previous is not None)
        self.fingerprint_caption = QLabel(self)
        self.fingerprint = fingerprint_label(self)
        self.fingerprint.setObjectName("serverFingerprint")
        self.fingerprint_caption.setBuddy(self.fingerprint)
        self.instruction = QLabel(self)
        self.instruction.setWordWrap(True)
        self.compared = QCheckBox(self)
        self.compared.setObjectName("fingerprintCompared")
        self.compared.toggled.connect(lambda _on: self.sig_complete_changed.emit())
        self.error = InlineError(self)
        self._set_fetched(None)

        form = QFormLayout()
        form.addRow(self.address_label, address_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.previous_caption)
        layout.addWidget(self.previous_fingerprint)
        layout.addWidget(self.fingerprint_caption)
        layout.addWidget(self.fingerprint)
        layout.addWidget(self.instruction)
        layout.addWidget(self.compared)
        layout.addWidget(self.error)
        self.tab_chain: list[QWidget] = [self.address, self.connect_button, self.previous_fingerprint,
                                         self.fingerprint, self.compared]
        for first, second in itertools.pairwise(self.tab_chain):
            QWidget.setTabOrder(first, second)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.address_label.setText(_("Server &address:"))
        self.address.setAccessibleName(_("Address of the desk server"))
        self.connect_button.setText(_("C&onnect"))
        self.connect_button.setAccessibleName(_("Connect and show the server's certificate"))
        self.previous_caption.setText(_("Fingerprint trusted on this PC until now:"))
        self.previous_fingerprint.setAccessibleName(_("Fingerprint trusted until now"))
        self.fingerprint_caption.setText(_("SHA-256 fingerprint of the certificate the server presents now:")
                                         if self.previous is not None else
                                         _("SHA-256 fingerprint of the server's certificate:"))
        self.fingerprint.setAccessibleName(_("Fingerprint of the server's certificate"))
        self.instruction.setText(_("Compare it, pair by pair, with the fingerprint IT gave you (desk-server init "
                                   "prints it on the server). If a single character differs, do not go on: "
                                   "call IT."))
        self.compared.setText(_("I have co&mpared the new fingerprint with the one from IT")
                              if self.previous is not None else
                              _("I have co&mpared the fingerprint with the one from IT"))
        if self.certificate is not None:
            self.fingerprint.setAccessibleDescription(self.certificate.fingerprint)

    # -- state ------------------------------------------------------------------------------------------
    def url(self) -> str:
        """The address typed, normalised (ValidationError when it is not an https address)."""
        return normalise_url(self.address.text().strip())

    def is_complete(self) -> bool:
        """A certificate was fetched for the address shown and the user confirmed comparing it."""
        return self.certificate is not None and self.compared.isChecked() and not self.fetching()

    def fetching(self) -> bool:
        return self._task is not None and not self._task.done

    def _set_fetched(self, certificate: ServerCertificate | None) -> None:
        self.certificate = certificate
        shown = certificate is not None
        for widget in (self.fingerprint_caption, self.fingerprint, self.instruction, self.compared):
            widget.setVisible(shown)
        self.fingerprint.setText(shown_fingerprint(certificate.fingerprint) if certificate is not None else "")
        self.fingerprint.setAccessibleDescription(certificate.fingerprint if certificate is not None else "")
        self.compared.setChecked(False)
        self.sig_complete_changed.emit()

    def _address_edited(self) -> None:
        """Another address: what was fetched and confirmed belongs to the old one."""
        self.error.clear()
        self.status.clear()
        if self.certificate is not None:
            self._fetched_for = None
            self._set_fetched(None)

    def _return_pressed(self) -> None:
        if self.certificate is None:
            self.fetch()

    # -- fetching -----------------------------------------------------------------------------------------
    def fetch(self) -> None:
        """Fetch the certificate the server presents, in the background; the fingerprint appears below."""
        if self.fetching():
            return
        self.error.clear()
        try:
            url = self.url()
        except ValidationError as exc:
            self.status.clear()
            self.error.show_message(str(exc))
            self.address.setFocus()
            return
        self._set_fetched(None)
        self.connect_button.setEnabled(False)
        self.status.show_status(_("Connecting to {server}…").format(server=url))

        def work(progress: ProgressFn, cancelled: CancelledFn) -> ServerCertificate:
            return fetch_certificate(url)

        def done(result: object) -> None:
            if not shiboken6.isValid(self):
                return
            assert isinstance(result, ServerCertificate)
            self.connect_button.setEnabled(True)
            self._fetched_for = url
            if self.previous is not None and result.fingerprint == self.previous.fingerprint:
                self.status.show_status(_("The server presents the certificate this PC already trusts."))
            else:
                self.status.clear()
            self._set_fetched(result)
            self.compared.setFocus()
            self.sig_fetched.emit(result)

        def failed(exc: BaseException) -> None:
            if not shiboken6.isValid(self):
                return
            self.connect_button.setEnabled(True)
            if isinstance(exc, UserError):
                self.status.show_status(str(exc), problem=True)
            else:
                self.status.show_status(_("The connection failed unexpectedly."), problem=True)
                show_error(self, exc)
            self.address.setFocus()
            self.sig_complete_changed.emit()
            self.sig_fetched.emit(exc)

        # not the database pool: an unreachable server may keep this waiting for its timeout
        self._task = run_task(work, on_done=done, on_error=failed, pool=QThreadPool.globalInstance())
        self.sig_complete_changed.emit()

    def trust(self) -> str | None:
        """Pin the confirmed certificate and save the address (see ``trust_server``); the address, or None
        after showing why not."""
        if not self.is_complete() or self.certificate is None or self._fetched_for is None:
            self.error.show_message(_("Connect to the server and confirm that you compared the fingerprint."))
            return None
        try:
            return trust_server(self._fetched_for, self.certificate)
        except OSError as exc:
            self.error.show_message(_("The settings could not be saved: {error}").format(error=exc))
            return None


class ServerDialog(Retranslating, QDialog):
    """Choose and trust the desk server; Save pins its certificate and saves its address. ``previous``: the
    certificate trusted so far, when the server now presents another one. ``restart_note``: say that the
    server is used from the next start (from the settings; not at start-up, where it is used at once)."""

    def __init__(self, parent: QWidget | None = None, url: str = "", previous: ServerCertificate | None = None,
                 *, restart_note: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("serverDialog")
        self.setWindowIcon(icons.icon(icons.APP))
        self.setMinimumWidth(600)
        self.saved_url: str | None = None
        self.previous = previous
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.form = ServerForm(self, url, previous)
        self.restart_note = QLabel(self)
        self.restart_note.setWordWrap(True)
        self.restart_note.setVisible(restart_note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.form.sig_complete_changed.connect(self._update_ok)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.form)
        layout.addWidget(self.restart_note)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        QWidget.setTabOrder(self.form.compared, self.buttons)
        self.retranslate_ui()
        self._update_ok()
        self.form.address.setFocus()
        if previous is not None and url:
            self.form.fetch()  # the new certificate is what there is to review

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Desk server"))
        if self.previous is not None:
            self.intro.setText(_("The desk server now presents another certificate than the one this PC trusts. "
                                 "Nothing was sent to it. Trust the new certificate only if IT confirms that the "
                                 "server's certificate was renewed and gives you its fingerprint."))
        else:
            self.intro.setText(_("The desk server of your branch network. Ask IT for its address and for the "
                                 "fingerprint of its certificate. This PC keeps only the address and the "
                                 "certificate; each user signs in with their own account."))
        self.restart_note.setText(_("The desk server is used when Complaint Desk is started again."))
        self.ok_button.setText(_("&Trust the new certificate") if self.previous is not None else _("&Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("&Cancel"))

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(self.form.is_complete())

    def accept(self) -> None:
        url = self.form.trust()
        if url is None:
            return
        self.saved_url = url
        super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None = None, url: str = "", previous: ServerCertificate | None = None, *,
            restart_note: bool = True) -> str | None:
        """Show the dialog; the trusted server's address once saved, or None if cancelled."""
        dialog = cls(parent, url, previous, restart_note=restart_note)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.saved_url
        finally:
            dialog.deleteLater()
