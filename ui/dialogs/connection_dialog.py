"""The shared PostgreSQL server: host, port, database, user, password, SSL mode, "remember the password
in the system keyring", and a "Test connection" button that runs in the background.

``ConnectionForm`` is the fields alone (the first-run wizard shows it on its server page);
``ConnectionDialog`` adds OK/Cancel and saves: the settings to config.toml (never the password), the
password to the OS keyring when asked to remember it (otherwise it is forgotten and asked each start).
"""

from __future__ import annotations

import itertools

import shiboken6
from PySide6.QtCore import QEvent, QSize, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk_app.db import connection
from desk_app.db.connection import KeyringUnavailableError, ServerProbe, ServerSettings
from desk_app.errors import UserError, ValidationError
from desk_app.i18n import _
from ui import icons
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.tasks import CancelledFn, ProgressFn, Task, run_task


def ssl_mode_labels() -> dict[str, str]:
    return {"disable": _("disable — never encrypt"),
            "prefer": _("prefer — encrypt when the server offers it"),
            "require": _("require — always encrypt"),
            "verify-full": _("verify-full — encrypt and check the server's certificate")}


def keyring_problem() -> str | None:
    """Why the OS keyring cannot be used here, or None when it works."""
    try:
        connection.get_saved_password(ServerSettings("keyring-check", 1, "-", "-"))
    except KeyringUnavailableError as exc:
        return str(exc)
    return None


class ResultLabel(QWidget):
    """The inline outcome of a connection test: a check mark or a warning icon, and the text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionResult")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        self._icon = QLabel(self)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        self.ok = False
        self.hide()

    def show_result(self, text: str, ok: bool | None) -> None:
        """``ok``: True a success (a check mark), False a problem (a warning icon), None in progress."""
        self.ok = bool(ok)
        self._icon.clear()
        if ok:
            self._icon.setText("✓")  # a sign, not colour alone
            self._icon.setStyleSheet("color: #2e7d32; font-weight: bold; font-size: 14pt;")
        elif ok is False:
            self._icon.setStyleSheet("")
            self._icon.setPixmap(icons.icon(icons.WARNING).pixmap(QSize(20, 20)))
        self.label.setStyleSheet({True: "color: #1b5e20;", False: "color: #a61b1b;", None: ""}[ok])
        self.label.setText(text)
        self.setAccessibleName(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.show_result("", None)

    def text(self) -> str:
        return self.label.text()


class ConnectionForm(QWidget):
    """The connection fields and the background connection test. ``sig_tested`` carries the
    ServerProbe of a successful test, or the exception of a failed one."""

    sig_tested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionForm")
        self.host = QLineEdit(self)
        self.host.setPlaceholderText("db.example.local")
        self.port = QSpinBox(self)
        self.port.setRange(1, 65535)
        self.port.setValue(connection.DEFAULT_PORT)
        self.port.setGroupSeparatorShown(False)
        self.database = QLineEdit("complaint_desk", self)
        self.user = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.sslmode = QComboBox(self)
        for mode in connection.SSL_MODES:
            self.sslmode.addItem(mode, mode)
        self.sslmode.setCurrentIndex(connection.SSL_MODES.index("prefer"))
        self.remember = QCheckBox(self)
        self.remember.setChecked(True)
        self.keyring_note = QLabel(self)
        self.keyring_note.setWordWrap(True)
        self.keyring_note.hide()
        self.test_button = QPushButton(self)
        self.test_button.setObjectName("testConnection")
        self.test_button.clicked.connect(self.test)
        self.result = ResultLabel(self)
        self.error = InlineError(self)

        self._labels = [QLabel(self) for _ in range(6)]
        form = QFormLayout()
        for label, field in zip(self._labels, (self.host, self.port, self.database, self.user, self.password,
                                               self.sslmode), strict=True):
            label.setBuddy(field)
            form.addRow(label, field)
        form.addRow("", self.remember)
        form.addRow("", self.keyring_note)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(test_row)
        layout.addWidget(self.result)
        layout.addWidget(self.error)
        self.fields: dict[str, QWidget] = {"host": self.host, "port": self.port, "database": self.database,
                                           "user": self.user, "sslmode": self.sslmode}
        for first, second in itertools.pairwise([self.host, self.port, self.database, self.user, self.password,
                                                 self.sslmode, self.remember, self.test_button]):
            QWidget.setTabOrder(first, second)
        for edit in (self.host, self.database, self.user, self.password):
            edit.textEdited.connect(self._edited)
        self.port.valueChanged.connect(self._edited)
        self.sslmode.currentIndexChanged.connect(self._edited)
        self._task: Task | None = None
        self.last_probe: ServerProbe | None = None
        self._probed: tuple[ServerSettings, str] | None = None
        self._keyring_problem = keyring_problem()
        if self._keyring_problem is not None:
            self.remember.setChecked(False)
            self.remember.setEnabled(False)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        for label, text in zip(self._labels, (_("Ser&ver:"), _("P&ort:"), _("&Database:"), _("&User:"),
                                              _("&Password:"), _("&SSL mode:")), strict=True):
            label.setText(text)
        for index, mode in enumerate(connection.SSL_MODES):
            self.sslmode.setItemText(index, ssl_mode_labels()[mode])
        self.remember.setText(_("&Remember the password in the system keyring"))
        if self._keyring_problem is not None:
            self.keyring_note.setText(self._keyring_problem)
            self.keyring_note.show()
        self.test_button.setText(_("&Test connection"))
        names = {self.host: _("Server name or IP address"), self.port: _("Port"), self.database: _("Database"),
                 self.user: _("User name on the database server"), self.password: _("Password"),
                 self.sslmode: _("SSL mode"), self.test_button: _("Test the connection")}
        for widget, name in names.items():
            widget.setAccessibleName(name)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    # -- values ------------------------------------------------------------------------------------
    def settings(self) -> ServerSettings:
        return ServerSettings(self.host.text(), self.port.value(), self.database.text(), self.user.text(),
                              str(self.sslmode.currentData()))

    def set_settings(self, settings: ServerSettings, password: str = "") -> None:
        self.host.setText(settings.host)
        self.port.setValue(settings.port)
        self.database.setText(settings.database)
        self.user.setText(settings.user)
        index = self.sslmode.findData(settings.sslmode)
        self.sslmode.setCurrentIndex(index if index >= 0 else connection.SSL_MODES.index("prefer"))
        self.password.setText(password)

    def cleaned(self) -> ServerSettings | None:
        """The checked settings, or None after showing the problem next to its field."""
        try:
            return self.settings().cleaned()
        except ValidationError as exc:
            self.error.show_message(str(exc))
            field = self.fields.get(exc.field or "")
            if field is not None:
                field.setFocus()
            return None

    def probe_matches(self) -> ServerProbe | None:
        """The last successful test, if it was made with the settings and password shown now."""
        settings = self.cleaned()
        if settings is None or self._probed != (settings, self.password.text()):
            return None
        return self.last_probe

    def _edited(self) -> None:
        self.result.clear()
        self.error.clear()

    # -- the test ----------------------------------------------------------------------------------
    def testing(self) -> bool:
        return self._task is not None and not self._task.done

    def test(self) -> None:
        """Connect in the background (a short timeout); the result appears under the button."""
        if self.testing():
            return
        self.error.clear()
        settings = self.cleaned()
        if settings is None:
            return
        password = self.password.text()
        self.test_button.setEnabled(False)
        self.result.show_result(_("Connecting to {server}…").format(server=settings.label()), None)

        def work(progress: ProgressFn, cancelled: CancelledFn) -> ServerProbe:
            return connection.probe_server(settings, password)

        def done(result: object) -> None:
            assert isinstance(result, ServerProbe)
            self.last_probe = result
            self._probed = (settings, password)
            if shiboken6.isValid(self):
                self.test_button.setEnabled(True)
                self.result.show_result(result.summary(), result.usable)
                self.sig_tested.emit(result)

        def failed(exc: BaseException) -> None:
            if not shiboken6.isValid(self):
                return
            self.test_button.setEnabled(True)
            if isinstance(exc, UserError):
                self.result.show_result(str(exc), False)
            else:
                self.result.show_result(_("The test failed unexpectedly."), False)
                show_error(self, exc)
            self.sig_tested.emit(exc)

        # not the database pool: a test may wait for a timeout and must not hold up database work
        self._task = run_task(work, on_done=done, on_error=failed, pool=QThreadPool.globalInstance())

    # -- saving ------------------------------------------------------------------------------------
    def save(self, *, settings_too: bool = True) -> bool:
        """Store the settings (config.toml, unless ``settings_too`` is False) and the password (the keyring,
        or forget it); False after showing a problem (the dialog stays open)."""
        settings = self.cleaned()
        if settings is None:
            return False
        if settings_too:
            try:
                connection.save_server_settings(settings)
            except OSError as exc:
                self.error.show_message(_("The settings could not be saved: {error}").format(error=exc))
                return False
        if not self.remember.isChecked():
            connection.forget_password(settings)
        elif self.password.text():
            try:
                connection.save_password(settings, self.password.text())
            except KeyringUnavailableError as exc:
                self.remember.setChecked(False)
                self.remember.setEnabled(False)
                self.error.show_message(str(exc))
                return False
        return True


class ConnectionDialog(QDialog):
    """Edit and save the shared-server settings. ``message`` (e.g. why the password is asked) is shown first."""

    def __init__(self, parent: QWidget | None = None, settings: ServerSettings | None = None,
                 message: str = "", *, save_settings: bool = True) -> None:
        super().__init__(parent)
        self._save_settings = save_settings
        self.setObjectName("connectionDialog")
        self.setWindowIcon(icons.icon(icons.APP))
        self.setMinimumWidth(520)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.form = ConnectionForm(self)
        if settings is not None:
            remembered = None
            if not message:  # asked again after a refusal: the remembered password was the wrong one
                try:
                    remembered = connection.get_saved_password(settings)
                except KeyringUnavailableError:
                    remembered = None
            self.form.set_settings(settings, remembered or "")
            self.form.password.setFocus()
        else:
            self.form.host.setFocus()
        if message:
            self.form.result.show_result(message, False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        QWidget.setTabOrder(self.form.test_button, self.buttons)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Shared database server"))
        self.intro.setText(_("The branch's shared PostgreSQL database. Ask your administrator for these "
                             "details. The password is kept in the system keyring, never in a file."))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("&Cancel"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def accept(self) -> None:
        if self.form.save(settings_too=self._save_settings):
            super().accept()

    def settings(self) -> ServerSettings:
        return self.form.settings().cleaned()

    def password(self) -> str:
        return self.form.password.text()

    @classmethod
    def ask(cls, parent: QWidget | None = None, settings: ServerSettings | None = None,
            message: str = "", *, save_settings: bool = True) -> tuple[ServerSettings, str] | None:
        """Show the dialog; the saved settings and the password typed, or None if cancelled."""
        dialog = cls(parent, settings, message, save_settings=save_settings)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.settings(), dialog.password()
