"""The idle screen lock: the counter screen faces customers, so after N idle minutes the main window's
content is hidden behind a lock that only the signed-in user's password opens."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from desk_app.api.backend import Backend
from desk_app.domain.actor import Actor
from desk_app.errors import UserError
from desk_app.i18n import _
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.tasks import run_call

ACTIVITY_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
                   QEvent.Type.TouchBegin}


class UnlockDialog(QDialog):
    """Asks the signed-in user's password; wrong passwords count towards the account lock-out. The password is
    checked off the GUI thread (a desk server's round trip or the password hash): the dialog says it is busy."""

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 manual: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("unlockDialog")
        self._backend, self._actor = backend, actor
        self.manual = manual  # locked by the user (Lock the screen), not after idle minutes
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.password = QLineEdit(self)
        self.password.setObjectName("unlockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = InlineError(self)
        self.busy = QLabel(self)
        self.busy.setObjectName("unlockBusy")
        self.busy.hide()
        self.password_label = QLabel(self)
        self.password_label.setBuddy(self.password)
        form = QFormLayout()
        form.addRow(self.password_label, self.password)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        self.buttons.accepted.connect(self.try_unlock)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.retranslate_ui()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)  # typed into as soon as the lock shows

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Screen locked"))
        if self.manual:
            self.message.setText(_("You locked the screen. {name}, enter your password to continue.").format(
                name=self._actor.display_name))
        else:
            self.message.setText(_("The screen was locked after a period without activity. {name}, enter your "
                                   "password to continue.").format(name=self._actor.display_name))
        self.password_label.setText(_("&Password:"))
        self.password.setAccessibleName(_("Password"))
        self.busy.setText(_("Checking the password…"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Unlock"))

    def is_busy(self) -> bool:
        return self.busy.isVisibleTo(self)

    def _set_busy(self, busy: bool) -> None:
        """The field stays focused but read-only, so a second Enter does nothing while the check runs."""
        self.busy.setVisible(busy)
        self.password.setReadOnly(busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def try_unlock(self) -> None:
        """Enter or Unlock: check the password in the background; the screen opens once it is right."""
        if self.is_busy():
            return
        self.error.clear()
        self._set_busy(True)
        backend, username, password = self._backend, self._actor.username, self.password.text()
        run_call(self, lambda: backend.sign_in(username, password), lambda _actor: self._unlocked(), self._refused)

    def _unlocked(self) -> None:
        self._set_busy(False)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.password.clear()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(exc, UserError):
            self.error.show_message(str(exc))
        else:  # not the user's doing (a bug): the error presenter says so, the screen stays locked
            show_error(self, exc)

    def reject(self) -> None:
        """Escape does not open the screen."""


class IdleLock(QObject):
    """Watches user input application-wide and locks ``window`` after ``minutes`` without any."""

    sig_locked = Signal()
    sig_unlocked = Signal()

    def __init__(self, window: QMainWindow, backend: Backend, actor: Actor, minutes: int,
                 interval_ms: int | None = None) -> None:
        super().__init__(window)
        self._window, self._backend, self._actor = window, backend, actor
        self.locked = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms if interval_ms is not None else max(1, minutes) * 60_000)
        self._timer.timeout.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._timer.start()

    def set_minutes(self, minutes: int) -> None:
        """Lock after ``minutes`` without input from now on (counting again from now)."""
        self._timer.setInterval(max(1, minutes) * 60_000)
        if not self.locked:
            self._timer.start()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.locked and event.type() in ACTIVITY_EVENTS:
            self._timer.start()
        return False

    def lock(self, manual: bool = False) -> None:
        """Hide the window's content behind the unlock dialog; ``manual``: the user locked it (the dialog says
        so, instead of blaming inactivity)."""
        if self.locked:
            return
        self.locked = True
        self._timer.stop()
        central = self._window.centralWidget()
        if central is not None:
            central.setVisible(False)
        self.sig_locked.emit()
        dialog = UnlockDialog(self._backend, self._actor, self._window, manual=manual)
        self.dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.accepted.connect(self._unlocked)
        dialog.open()

    def _unlocked(self) -> None:
        self.locked = False
        central = self._window.centralWidget()
        if central is not None:
            central.setVisible(True)
        self._timer.start()
        self.sig_unlocked.emit()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
