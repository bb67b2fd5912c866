"""The user guide inside the app: a non-modal window with the contents on the left and one section (a
Markdown file) on the right, in the current language; F1 on a page opens its section.

The guide is ``resources/help/<language>/NN-<section>.md``: ``NN`` orders the contents, ``<section>`` is
the id pages ask for ("intake", "case_view"…), and the file's first "# " heading is its title. A section
missing in one language falls back to Simplified Chinese. Links between sections are written
``[text](help:case_view)``; other links open in the system browser.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QHBoxLayout, QListWidget, QListWidgetItem, QSplitter, QTextBrowser, QWidget

from desk_app.i18n import DEFAULT_LANGUAGE, _, current_language
from desk_app.paths import resources_dir
from ui.i18n import Retranslating
from ui.screen_fit import resize_within_screen

log = logging.getLogger(__name__)

HELP_SCHEME = "help"
DEFAULT_SECTION = "overview"
SECTION_PROPERTY = "help_section"
_FILE_NAME = re.compile(r"(\d+)-([a-z][a-z0-9_]*)\.md")
_SECTION_ROLE = Qt.ItemDataRole.UserRole + 1
#: The help window opened when no application window exists (kept so it is not garbage-collected).
_detached: list[HelpWindow] = []


@dataclass(frozen=True)
class HelpSection:
    id: str
    title: str
    path: Path

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def help_root() -> Path:
    return resources_dir() / "help"


def _language_dir(language: str) -> Path:
    return help_root() / ("en" if language.startswith("en") else DEFAULT_LANGUAGE)


def _sections_in(folder: Path) -> dict[str, tuple[int, HelpSection]]:
    found: dict[str, tuple[int, HelpSection]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.md")):
        match = _FILE_NAME.fullmatch(path.name)
        if not match:
            log.warning("help file %s is not named NN-section.md; ignored", path)
            continue
        title = next((line[2:].strip() for line in path.read_text(encoding="utf-8").splitlines()
                      if line.startswith("# ")), match.group(2))
        found[match.group(2)] = (int(match.group(1)), HelpSection(match.group(2), title, path))
    return found


def help_sections(language: str | None = None) -> list[HelpSection]:
    """The guide's sections in contents order, in ``language`` (default: the current one); sections
    missing there come from the Chinese guide."""
    language = language or current_language()
    sections = _sections_in(_language_dir(DEFAULT_LANGUAGE))
    sections.update(_sections_in(_language_dir(language)))
    return [section for _order, section in sorted(sections.values(), key=lambda s: (s[0], s[1].id))]


class HelpWindow(Retranslating, QWidget):
    """The guide: contents list and the current section (non-modal; Esc closes it). Closing only hides it:
    the window is kept as a child of the application window and shown again by the next F1."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("helpWindow")
        self.sections: list[HelpSection] = []
        self.current_section = ""
        self.contents = QListWidget(self)
        self.contents.setObjectName("helpContents")
        self.contents.currentItemChanged.connect(self._contents_changed)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("helpBrowser")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._link)
        splitter = QSplitter(self)
        splitter.addWidget(self.contents)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([200, 620])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        resize_within_screen(self, 860, 620)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Help — Complaint Desk"))
        self.contents.setAccessibleName(_("Help contents"))
        self.browser.setAccessibleName(_("Help text"))
        self.sections = help_sections()
        self.contents.blockSignals(True)
        self.contents.clear()
        for section in self.sections:
            item = QListWidgetItem(section.title, self.contents)
            item.setData(_SECTION_ROLE, section.id)
        self.contents.blockSignals(False)
        if self.current_section:
            self.show_section(self.current_section)

    def show_section(self, section: str) -> None:
        """Show ``section`` (an id such as "intake"); an unknown id shows the first section."""
        chosen = next((s for s in self.sections if s.id == section), None)
        if chosen is None:
            if self.sections:
                log.warning("no help section %r; showing %r", section, self.sections[0].id)
            chosen = self.sections[0] if self.sections else None
        if chosen is None:
            self.current_section = ""
            self.browser.setPlainText(_("The user guide is not installed."))
            return
        self.current_section = chosen.id
        self.browser.setMarkdown(chosen.text())
        self.browser.verticalScrollBar().setValue(0)
        row = self.sections.index(chosen)
        if self.contents.currentRow() != row:
            self.contents.blockSignals(True)
            self.contents.setCurrentRow(row)
            self.contents.blockSignals(False)

    def _contents_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.show_section(str(current.data(_SECTION_ROLE)))

    def _link(self, url: QUrl) -> None:
        if url.scheme() == HELP_SCHEME:
            self.show_section(url.path())
        elif url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)


def show_help(parent: QWidget | None, section: str) -> HelpWindow:
    """Open the guide at ``section`` in the current language, or bring the open guide of this window
    forward at that section. Non-modal: work goes on beside it."""
    owner = parent.window() if parent is not None else QApplication.activeWindow()
    if isinstance(owner, HelpWindow):            # F1 inside the guide itself
        owner = owner.parentWidget()
    if owner is not None:
        window = owner.findChild(HelpWindow, options=Qt.FindChildOption.FindDirectChildrenOnly)
    else:
        window = _detached[0] if _detached else None
    if window is None:
        window = HelpWindow(owner)
        if owner is None:
            _detached.append(window)
    window.show_section(section)
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def install_f1(widget: QWidget, section: str) -> QShortcut:
    """Bind F1 on ``widget`` (and its children) to its section of the guide."""
    shortcut = QShortcut(QKeySequence(Qt.Key.Key_F1), widget)
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut.activated.connect(lambda: show_help(widget, section))
    widget.setProperty(SECTION_PROPERTY, section)
    return shortcut


def section_for(widget: QWidget | None, default: str = DEFAULT_SECTION) -> str:
    """The help section of ``widget`` or of the nearest parent that has one (set by ``install_f1``);
    for a Help menu that opens the guide at the current page."""
    while widget is not None:
        value = widget.property(SECTION_PROPERTY)
        if isinstance(value, str) and value:
            return value
        widget = widget.parentWidget()
    return default
