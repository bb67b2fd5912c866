"""案例库 in a case: the library cases most like the open case (top three), each with what they share;
Enter or a double click opens the library case read-only."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from desk_app.domain.actor import Actor
from desk_app.i18n import _
from desk_app.services import case_library
from desk_app.services.case_library import LibraryEntry, SimilarCase
from ui.context import AppContext
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.library.entry_view import LibraryEntryDialog, flags_text, type_text
from ui.tables import readonly_table
from ui.tasks import run_call


def _why(case: SimilarCase) -> str:
    reasons = []
    if case.same_cause:
        reasons.append(_("same cause"))
    if case.same_type:
        reasons.append(_("same psychological type"))
    if case.shared_flags:
        reasons.append(_("also {flags}").format(flags="、".join(f.label for f in case.shared_flags)))
    if case.shared_words:
        reasons.append(_("similar words"))
    return ", ".join(reasons)


class SimilarCasesPanel(Retranslating, QWidget):
    """Loaded with ``refresh()`` while the case is open (the case view calls it once the case is read)."""

    sig_loaded = Signal()

    def __init__(self, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("similarCasesPanel")
        self.ctx, self.actor, self.complaint_id = ctx, actor, complaint_id
        self.cases: list[SimilarCase] = []
        self.dialog: LibraryEntryDialog | None = None
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("similarCasesTable")
        readonly_table(self.table, wrap=True)
        self.table.activated.connect(self._open)
        self.table.doubleClicked.connect(self._open)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.heading.setText(_("Similar library cases: model cases of the case library like this one. "
                               "Enter opens one."))
        self.empty.setText(_("No case in the library is like this one yet."))
        self.table.setHorizontalHeaderLabels([_("Lesson"), _("Type"), _("Flags"), _("Why similar")])
        self.table.setAccessibleName(_("Similar library cases"))
        self._fill()

    def refresh(self) -> None:
        backend, actor, cid = self.ctx.backend, self.actor, self.complaint_id

        def done(cases: list[SimilarCase]) -> None:
            self.cases = cases
            self._fill()
            self.sig_loaded.emit()

        run_call(self, lambda: backend.call(actor, case_library.similar_to, cid), done,
                 lambda exc: show_error(self, exc))

    def _fill(self) -> None:
        self.empty.setVisible(not self.cases)
        self.table.setRowCount(len(self.cases))
        for r, case in enumerate(self.cases):
            row = case.row
            for c, text in enumerate((row.lesson, type_text(row), flags_text(row), _why(case))):
                self.table.setItem(r, c, QTableWidgetItem(text))
        if self.cases and self.table.currentRow() < 0:
            self.table.setCurrentCell(0, 0)

    def _open(self, index: QModelIndex) -> None:
        if not 0 <= index.row() < len(self.cases):
            return
        backend, actor, entry_id = self.ctx.backend, self.actor, self.cases[index.row()].row.id

        def show(entry: LibraryEntry) -> None:
            self.dialog = LibraryEntryDialog(entry, self)
            self.dialog.open()

        run_call(self, lambda: backend.call(actor, case_library.get_entry, entry_id), show,
                 lambda exc: show_error(self, exc))
