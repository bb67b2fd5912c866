"""The base of the administration dialogs: OK runs the service call; a refusal (UserError) is shown with
the shared error box and the dialog stays open with everything typed, the named field focused."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QWidget

from desk_app.errors import StaleVersionError, UserError, ValidationError
from ui.errors import show_error
from ui.tasks import run_call

R = TypeVar("R")


def busy_call(fn: Callable[..., R], *args: object, **kwargs: object) -> R:
    """Run a short service call on the GUI thread with the wait cursor (the administration page's one-click
    actions; the dialogs below run theirs in the background)."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return fn(*args, **kwargs)
    finally:
        QApplication.restoreOverrideCursor()


class ServiceDialog(QDialog):
    """Subclasses build the form, fill ``field_widgets`` (service field name → widget) and define ``save``.

    OK runs the call off the GUI thread (``ui.tasks.run_call``, owned by the dialog): meanwhile the buttons
    are disabled; a refusal is shown and the dialog stays open with what was typed; success closes it."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.field_widgets: dict[str, QWidget] = {}
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.busy = False

    def save(self) -> Callable[[], object]:
        """Read the form (on the GUI thread) and return the service call to run; it raises its UserError
        unchanged and its result goes to ``saved``."""
        raise NotImplementedError

    def saved(self, result: object) -> None:
        """Keep what the call returned (the saved record)."""

    def current_version(self) -> Callable[[], object] | None:
        """After a StaleVersionError: the call that reads the record again (its result goes to
        ``version_read``), so OK again saves over the other change; None when there is nothing to read."""
        return None

    def version_read(self, current: object) -> None:
        """Keep the record read again after a stale save."""

    def submit(self) -> None:
        if self.busy:
            return
        try:
            work = self.save()
        except UserError as exc:  # a check made on the form itself
            self._refused(exc)
            return
        self._set_busy(True)
        run_call(self, work, self._done, self._failed)

    def reject(self) -> None:
        """Esc or Cancel waits while the call is under way (its answer decides whether the dialog closes)."""
        if not self.busy:
            super().reject()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.buttons.setEnabled(not busy)
        if busy:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        else:
            QApplication.restoreOverrideCursor()

    def _done(self, result: object) -> None:
        self._set_busy(False)
        self.saved(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        reread = self.current_version() if isinstance(exc, StaleVersionError) else None
        if reread is not None:  # stays busy until the record is read again, so OK then saves over it
            run_call(self, reread, self._version_done, lambda _exc: self._set_busy(False))
        else:
            self._set_busy(False)
        if isinstance(exc, UserError):
            self._refused(exc)
        else:
            show_error(self, exc)

    def _version_done(self, current: object) -> None:
        self.version_read(current)
        self._set_busy(False)

    def _refused(self, exc: UserError) -> None:
        show_error(self, exc)
        widget = self.field_widgets.get(exc.field or "") if isinstance(exc, ValidationError) else None
        if widget is not None:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
