"""One presenter for every error: the user's problem (UserError) versus our bug (anything else).

``show_error`` is used by dialogs and by the ``sys.excepthook`` that ``install_excepthook`` sets, so an
exception escaping a slot becomes a message box (and a log entry) instead of a silent traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desk_app.errors import DatabaseUnavailableError, UserError
from desk_app.i18n import _

log = logging.getLogger(__name__)


def error_box(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    """Build (not show) the message box for ``exc``."""
    if isinstance(exc, UserError):
        box = QMessageBox(QMessageBox.Icon.Warning, _("Complaint Desk"), str(exc),
                          QMessageBox.StandardButton.Ok, parent)
        if isinstance(exc, DatabaseUnavailableError):
            # a lost connection: the window stays open with what was typed; the next action reconnects
            box.setInformativeText(_("Your input is still in the window. Try again when the connection is "
                                     "back; if it does not come back, tell your administrator."))
    else:
        box = QMessageBox(QMessageBox.Icon.Critical, _("Unexpected error"),
                          _("An unexpected error occurred. The details have been written to the log file; "
                            "please tell your administrator what you were doing."),
                          QMessageBox.StandardButton.Ok, parent)
        box.setInformativeText(f"{type(exc).__name__}: {exc}")
        box.setDetailedText("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    box.setObjectName("errorBox")
    return box


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Log ``exc`` and show it: a warning with its message, or a critical box with collapsible details."""
    if isinstance(exc, UserError):
        log.info("user error shown: %s", exc)
    else:
        log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    error_box(parent, exc).exec()


def _excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt) or QApplication.instance() is None:
        sys.__excepthook__(exc_type, exc, tb)
        return
    try:
        show_error(QApplication.activeWindow(), exc.with_traceback(tb))
    except Exception:  # the presenter itself failed: fall back to stderr rather than recurse
        sys.__excepthook__(exc_type, exc, tb)


def install_excepthook() -> None:
    sys.excepthook = _excepthook
