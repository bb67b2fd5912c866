"""The case library page (案例库): model cases of every branch, anonymised, filtered by cause, psychological
type, special flag and words; the selected one read in full below the list. Curators may remove one."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.enums import PsychType, SpecialFlag
from desk_app.domain.permissions import Permission, has_permission
from desk_app.i18n import _, ngettext
from desk_app.services import case_library
from desk_app.services.case_library import LibraryEntry, LibraryFilter, LibraryRow
from desk_app.services.reference import CodeInfo, label_for, list_taxonomy
from ui import icons
from ui.context import AppContext
from ui.errors import show_error
from ui.library.entry_view import entry_html, flags_text, type_text
from ui.page import Page
from ui.tables import readonly_table
from ui.tasks import run_call


def _combo(parent: QWidget, name: str) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(14)
    return combo


class LibraryPage(Page):
    COLUMNS = 5

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryPage")
        self.ctx, self.actor = ctx, actor
        self.rows: list[LibraryRow] = []
        self.entry: LibraryEntry | None = None
        self.causes: list[CodeInfo] = []
        self.loaded = False
        self._wanted: uuid.UUID | None = None
        self._searches = 0  # searches started: only the last one's answer is shown
        self.title = QLabel(self)
        self.title.setObjectName("pageTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.cause = _combo(self, "libraryCause")
        self.psych_type = _combo(self, "libraryType")
        self.flag = _combo(self, "libraryFlag")
        self.words = QLineEdit(self)
        self.words.setObjectName("libraryWords")
        self.words.returnPressed.connect(self.search)
        self.search_button = QPushButton(self)
        self.search_button.setObjectName("librarySearch")
        self.search_button.clicked.connect(self.search)
        for combo in (self.cause, self.psych_type, self.flag):
            combo.currentIndexChanged.connect(lambda _index: self.search())
        self.labels: dict[QWidget, QLabel] = {}
        grid = QGridLayout()
        for position, widget in enumerate((self.cause, self.psych_type, self.flag, self.words)):
            label = QLabel(self)
            label.setBuddy(widget)
            self.labels[widget] = label
            row, column = divmod(position, 2)
            grid.addWidget(label, row, column * 2)
            grid.addWidget(widget, row, column * 2 + 1)
        grid.addWidget(self.search_button, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.summary = QLabel(self)
        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setObjectName("libraryTable")
        readonly_table(self.table, fit_columns=False)
        self.table.currentCellChanged.connect(lambda row, *_rest: self._select(row))
        self.table_label = QLabel(self)
        self.table_label.setBuddy(self.table)
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("libraryDetail")
        self.detail_label = QLabel(self)
        self.detail_label.setBuddy(self.detail)
        self.remove_button = QPushButton(self)
        self.remove_button.setObjectName("libraryRemove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.setVisible(has_permission(actor.role, Permission.CURATE_LIBRARY))
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(self.table_label)
        heading.addWidget(self.summary, 1)
        heading.addWidget(self.remove_button)
        top_layout.addLayout(heading)
        top_layout.addWidget(self.table, 1)
        bottom = QWidget(self)
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.detail_label)
        bottom_layout.addWidget(self.detail, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addLayout(grid)
        layout.addWidget(self.splitter, 1)
        self.retranslate_ui()

    def nav_title(self) -> str:
        return _("Case library")

    def nav_icon(self) -> QIcon:
        return icons.icon(icons.LEGAL)

    # -- texts -------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.title.setText(_("Case library (案例库)"))
        self.intro.setText(_("Model cases from every branch, anonymised, each with the lesson it teaches. Filter "
                             "them, then read one below the list."))
        texts = {self.cause: _("Ca&use"), self.psych_type: _("&Type"), self.flag: _("Special fla&g"),
                 self.words: _("&Words")}
        for widget, text in texts.items():
            self.labels[widget].setText(text)
            widget.setAccessibleName(text.replace("&", ""))
        self.words.setPlaceholderText(_("Words in the lesson or the case, all of them"))
        self.search_button.setText(_("&Search"))
        self.table_label.setText(_("Model &cases"))
        self.detail_label.setText(_("&Details"))
        self.remove_button.setText(_("Re&move from the library…"))
        self.table.setHorizontalHeaderLabels([_("Lesson"), _("Cause"), _("Type"), _("Flags"), _("Case")])
        self.table.setAccessibleName(_("Model cases"))
        self.detail.setAccessibleName(_("The selected library case"))
        self._fill_choices()
        self._fill()
        if self.entry is not None:
            self.detail.setHtml(entry_html(self.entry))

    def _fill_choices(self) -> None:
        """The filter choices in the current language, keeping what is chosen."""
        choices: list[tuple[QComboBox, list[tuple[str, object]]]] = [
            (self.cause, [(_("Any cause"), ""), *((f"{c.code} {label_for(c)}", c.code) for c in self.causes)]),
            (self.psych_type, [(_("Any type"), None), *((t.label, t) for t in PsychType)]),
            (self.flag, [(_("Any flag"), None), *((f.label, f) for f in SpecialFlag)]),
        ]
        for combo, items in choices:
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for text, data in items:
                combo.addItem(text, data)
            index = next((i for i, (_t, d) in enumerate(items) if d == chosen), 0)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)

    # -- loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """The causes once, then the search with the filters as they are."""
        if self.causes:
            self.search()
            return
        backend = self.ctx.backend

        def got(causes: list[CodeInfo]) -> None:
            self.causes = [c for c in causes if c.level == 1]
            self._fill_choices()
            self.search()

        run_call(self, lambda: backend.read(list_taxonomy, "C"), got, lambda exc: show_error(self, exc))

    def current_filter(self) -> LibraryFilter:
        psych, flag = self.psych_type.currentData(), self.flag.currentData()  # Qt hands enum values back as str
        return LibraryFilter(cause=str(self.cause.currentData() or ""), psych_type=PsychType(psych) if psych else None,
                             flag=SpecialFlag(flag) if flag else None, text=self.words.text().strip())

    def search(self) -> None:
        backend, actor, flt = self.ctx.backend, self.actor, self.current_filter()
        self._searches += 1
        number = self._searches

        def done(rows: list[LibraryRow]) -> None:
            if number == self._searches:  # an earlier search answering late is dropped
                self.rows, self.loaded = rows, True
                self._fill()

        def failed(exc: BaseException) -> None:
            self.loaded = True
            show_error(self, exc)

        run_call(self, lambda: backend.call(actor, case_library.search_library, flt), done, failed)

    def _fill(self) -> None:
        n = len(self.rows)
        self.summary.setText(ngettext("{n} model case", "{n} model cases", n).format(n=n))
        keep = self.entry.row.id if self.entry is not None else None
        self.table.blockSignals(True)
        self.table.setRowCount(n)
        for r, row in enumerate(self.rows):
            texts = (row.lesson, f"{row.axis_c} {row.cause_name}", type_text(row), flags_text(row), row.summary)
            for c, text in enumerate(texts):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        for column in (0, self.COLUMNS - 1):  # long texts: a readable width, the rest in the detail pane
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 320))
        ids = [row.id for row in self.rows]
        current = ids.index(keep) if keep in ids else (0 if ids else -1)
        if current >= 0:
            self.table.setCurrentCell(current, 0)
            self._select(current)
        else:
            self._show(None)

    def selected(self) -> LibraryRow | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _select(self, row: int) -> None:
        """Read the library case of ``row`` in the background and show it (the newest request wins)."""
        if not 0 <= row < len(self.rows):
            return
        entry_id = self.rows[row].id
        if self.entry is not None and self.entry.row.id == entry_id:
            self._update_buttons()
            return
        self._wanted = entry_id
        backend, actor = self.ctx.backend, self.actor

        def got(entry: LibraryEntry) -> None:
            if self._wanted == entry.row.id:
                self._show(entry)

        run_call(self, lambda: backend.call(actor, case_library.get_entry, entry_id), got,
                 lambda exc: show_error(self, exc))

    def _show(self, entry: LibraryEntry | None) -> None:
        self.entry = entry
        self.detail.setHtml(entry_html(entry) if entry is not None else "")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.selected() is not None)

    def remove_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.question(self, _("Remove from the case library"), _(
            "Remove this model case from the library? Its copy is deleted; the case itself stays as it is.")
            + "\n\n" + row.lesson)
        if answer != QMessageBox.StandardButton.Yes:
            return
        backend, actor, entry_id = self.ctx.backend, self.actor, row.id
        run_call(self, lambda: backend.call(actor, case_library.remove_entry, entry_id),
                 lambda _done: self.search(), lambda exc: show_error(self, exc))
