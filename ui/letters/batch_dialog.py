"""Letters due today for the branch: print or save them all in one go (a worker with progress and Cancel)."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.i18n import _, ngettext
from desk_app.services import letter_ahead, letters
from desk_app.services.letters import BatchResult, DueLetter
from ui.context import AppContext
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.letters.printing import letter_printer, print_files
from ui.screen_fit import resize_within_screen
from ui.tables import readonly_table
from ui.tasks import CancelledFn, ProgressFn, run_call, run_with_progress


def default_folder(day: date) -> Path:
    documents = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation))
    return documents / "Complaint Desk" / f"letters-{day.isoformat()}"


class BatchLettersDialog(Retranslating, QDialog):
    COLUMNS = 5

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("batchLettersDialog")
        self.ctx = ctx
        self.actor = actor
        self.today = today or datetime.now(ctx.office_tz).date()
        self.due: list[DueLetter] = []
        self.last_result: BatchResult | None = None
        self.loaded = False

        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setObjectName("dueTable")
        readonly_table(self.table)  # the tick boxes are toggled with Space on the current row
        self.folder_label = QLabel(self)
        self.folder_edit = QLineEdit(str(default_folder(self.today)), self)
        self.folder_edit.setObjectName("folderEdit")
        self.folder_label.setBuddy(self.folder_edit)
        self.browse_button = QPushButton(self)
        self.browse_button.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_label)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)

        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveAllButton")
        self.save_button.clicked.connect(self.save_all)
        self.print_button = QPushButton(self)
        self.print_button.setObjectName("printAllButton")
        self.print_button.clicked.connect(self.print_all)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(folder_row)
        layout.addWidget(self.buttons)
        resize_within_screen(self, 820, 520)
        self.retranslate_ui()
        self._set_busy(True)
        self.refresh()

    # -- texts -------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Letters due today"))
        self.intro.setText(_("Letters for {day}: issued today and not yet delivered, receipts for cases received "
                             "today, and notices for extended cases. Tick the ones to print or save; letters not "
                             "yet issued are issued first.").format(day=self.today.isoformat()))
        self.table.setHorizontalHeaderLabels([_("Letter"), _("Case"), _("Customer"), _("Number"), _("Why")])
        self.table.setAccessibleName(_("Letters due today"))
        self.folder_label.setText(_("Save &to:"))
        self.browse_button.setText(_("&Browse…"))
        self.save_button.setText(_("&Save all"))
        self.print_button.setText(_("&Print all…"))
        self._fill()  # the rows' texts (kinds, reasons) follow the language too

    # -- data --------------------------------------------------------------------------------------
    def refresh(self) -> None:
        ctx, actor, day = self.ctx, self.actor, self.today

        def done(result: list[DueLetter]) -> None:
            self.due = result
            self.loaded = True
            self._fill()
            self._set_busy(False)

        def failed(exc: BaseException) -> None:
            self.loaded = True
            self._set_busy(False)
            show_error(self, exc)

        run_call(self, lambda: ctx.backend.call(actor, letters.letters_due_today, actor.branch_id, day), done,
                 failed)

    def _fill(self) -> None:
        self.table.setRowCount(len(self.due))
        for row, item in enumerate(self.due):
            first = QTableWidgetItem(item.kind.label)
            first.setFlags(first.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            first.setCheckState(Qt.CheckState.Checked)
            cells = [first, QTableWidgetItem(item.case_number), QTableWidgetItem(item.customer_name),
                     QTableWidgetItem(item.number or _("(to issue)")), QTableWidgetItem(item.reason)]
            for column, cell in enumerate(cells):
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()

    def selected(self) -> list[DueLetter]:
        return [item for row, item in enumerate(self.due)
                if (cell := self.table.item(row, 0)) is not None and cell.checkState() == Qt.CheckState.Checked]

    def _set_busy(self, busy: bool) -> None:
        for button in (self.save_button, self.print_button):
            button.setEnabled(not busy)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Save the letters to"), self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    # -- actions -----------------------------------------------------------------------------------
    def _run_batch(self, items: list[DueLetter], folder: Path) -> BatchResult | None:
        ctx, actor = self.ctx, self.actor

        workers = letter_ahead.parallel_workers(sum(1 for item in items if not item.issued))

        def work(progress: ProgressFn, cancelled: CancelledFn) -> BatchResult:
            return ctx.backend.call(actor, letters.render_batch, list(items), folder, progress, cancelled,
                                    workers=workers)

        try:
            result = run_with_progress(self, _("Preparing {n} letters…").format(n=len(items)), work)
        except Exception as exc:
            show_error(self, exc)
            return None
        self.last_result = result
        return result

    def _report(self, result: BatchResult, done_text: str) -> None:
        lines = [done_text]
        if result.issued:
            lines.append(ngettext("{n} letter was issued.", "{n} letters were issued.",
                                  len(result.issued)).format(n=len(result.issued)))
        if result.cancelled:
            lines.append(_("Cancelled: {n} of {total} letters were done.").format(n=len(result.files),
                                                                                   total=result.total))
        box = QMessageBox(QMessageBox.Icon.Warning if result.skipped else QMessageBox.Icon.Information,
                          _("Letters due today"), "\n".join(lines), QMessageBox.StandardButton.Ok, self)
        if result.skipped:
            box.setInformativeText(_("{n} could not be done; see the details.").format(n=len(result.skipped)))
            box.setDetailedText("\n".join(f"{label}: {why}" for label, why in result.skipped))
        box.exec()

    def save_all(self) -> None:
        items = self.selected()
        if not items:
            return
        folder = Path(self.folder_edit.text().strip() or default_folder(self.today))
        result = self._run_batch(items, folder)
        if result is None:
            return
        self._report(result, ngettext("{n} letter saved to {folder}.", "{n} letters saved to {folder}.",
                                      len(result.files)).format(n=len(result.files), folder=folder))
        self._set_busy(True)
        self.refresh()

    def print_all(self) -> None:
        items = self.selected()
        if not items:
            return
        printer = letter_printer()
        printer.setDocName(_("Letters {day}").format(day=self.today.isoformat()))
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        with tempfile.TemporaryDirectory(prefix="desk-letters-") as tmp:
            result = self._run_batch(items, Path(tmp))
            if result is None:
                return
            try:
                pages = print_files(printer, result.files)
            except Exception as exc:
                show_error(self, exc)
                return
        self._report(result, ngettext("{n} letter sent to the printer ({pages} pages).",
                                      "{n} letters sent to the printer ({pages} pages).",
                                      len(result.files)).format(n=len(result.files), pages=pages))
        self._set_busy(True)
        self.refresh()
