"""Base class of the pages listed in the main window's navigation."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QWidget

from ui.i18n import Retranslating


class Page(Retranslating, QWidget):
    """A navigation page. Subclasses give their translated title, an icon, and how to reload."""

    def nav_title(self) -> str:
        """The translated navigation entry; pages override it (the window title is the fallback)."""
        return self.windowTitle()

    def nav_icon(self) -> QIcon:
        return QIcon()

    def refresh(self) -> None:
        """Reload the data shown (called when the page is shown and on View ▸ Refresh)."""

