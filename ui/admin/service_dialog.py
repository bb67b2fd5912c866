"""The base of the administration dialogs: OK runs the service call; a refusal (UserError) is shown with
the shared error box and the dialog stays open with everything typed, the named field focused."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QWidget

from desk_app.errors import StaleVersionError, UserError, ValidationError
from ui.errors import show_error

R = TypeVar("R")


def busy_call(fn: Callable[..., R], *args: object, **kwargs: object) -> R:
    """Run a short service call with the wait cursor (hashing a password takes a moment)."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return fn(*args, **kwargs)
    finally:
        QApplication.restoreOverrideCursor()


class ServiceDialog(QDialog):
    """Subclasses build the form, fill ``field_widgets`` (service field name → widget) and define ``save``."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.field_widgets: dict[str, QWidget] = {}
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    def save(self) -> None:
        """Call the service; raise its UserError unchanged."""
        raise NotImplementedError

    def reload_version(self) -> None:
        """After a StaleVersionError: read the record's current version, so OK again saves over it."""

    def submit(self) -> None:
        try:
            self.save()
        except UserError as exc:
            show_error(self, exc)
            if isinstance(exc, StaleVersionError):
                self.reload_version()
            widget = self.field_widgets.get(exc.field or "") if isinstance(exc, ValidationError) else None
            if widget is not None:
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.accept()
