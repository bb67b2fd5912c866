"""The end of an export: say what was written where, and offer to open the file or show it in its folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from desk_app.i18n import _
from ui.errors import show_error


def open_path(path: Path, parent: QWidget | None = None) -> None:
    """Open ``path`` (a file, or a folder) with the system's application for it; say so when there is none."""
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        show_error(parent, OSError(_("No application on this PC opens {path}.").format(path=path)))


def show_saved(parent: QWidget | None, path: Path, message: str) -> None:
    """A message that the export is done (``message``, then where the file is), with Open, Show in folder and
    Close. ``path`` may be a folder (a batch of letters): then there is only Open folder and Close."""
    box = QMessageBox(QMessageBox.Icon.Information, _("Saved"), message, QMessageBox.StandardButton.NoButton,
                      parent)
    box.setInformativeText(_("Saved as {path}").format(path=path))
    if path.is_dir():
        open_button = box.addButton(_("&Open folder"), QMessageBox.ButtonRole.ActionRole)
        folder_button = None
    else:
        open_button = box.addButton(_("&Open"), QMessageBox.ButtonRole.ActionRole)
        folder_button = box.addButton(_("Show in &folder"), QMessageBox.ButtonRole.ActionRole)
    close = box.addButton(_("&Close"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(close)
    box.setEscapeButton(close)
    box.exec()
    clicked = box.clickedButton()
    if clicked is open_button:
        open_path(path, parent)
    elif folder_button is not None and clicked is folder_button:
        open_path(path.parent, parent)
