"""A navigation page that is built the first time it is shown, so that its module, and what that module imports
(the reports service and openpyxl for the dashboard), load then and not while the main window opens."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.page import Page


class LazyPage(Page):
    """Stands in the navigation for the page ``build()`` makes; ``title`` and ``icon`` give its entry until then
    (``title`` is called again on a language switch). ``page`` is None until it is first shown or refreshed."""

    def __init__(self, build: Callable[[], Page], title: Callable[[], str], icon: Callable[[], QIcon],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build, self._title, self._icon = build, title, icon
        self.page: Page | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def built(self) -> Page:
        """The page, built now if it was not yet."""
        if self.page is None:
            self.page = self._build()
            self._layout.addWidget(self.page)
        return self.page

    def nav_title(self) -> str:
        return self.page.nav_title() if self.page is not None else self._title()

    def nav_icon(self) -> QIcon:
        return self.page.nav_icon() if self.page is not None else self._icon()

    def refresh(self) -> None:
        """Called when the page is shown: builds it the first time, then reloads it."""
        self.built().refresh()
