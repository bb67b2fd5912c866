"""Preview of a letter (QtPdf) with Print, Save as… and, for an issued letter, "Handed over"."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.documents.content import DeliveryMethod
from desk_app.domain.actor import Actor
from desk_app.errors import UserError
from desk_app.files import write_bytes_atomic
from desk_app.i18n import _
from desk_app.services import letters
from desk_app.services.letters import IssuedLetter
from ui.context import AppContext
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.letters.printing import letter_printer, load_pdf, print_documents
from ui.screen_fit import resize_within_screen
from ui.tasks import run_call


class LetterPreviewDialog(Retranslating, QDialog):
    """Shows PDF bytes. With ``letter`` (an issued letter) and ``ctx``/``actor`` it also offers to record
    that the letter was handed over at the counter."""

    def __init__(self, pdf: bytes, title: str, file_name: str, parent: QWidget | None = None, *,
                 ctx: AppContext | None = None, actor: Actor | None = None,
                 letter: IssuedLetter | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("letterPreviewDialog")
        self.pdf = pdf
        self.letter_title = title
        self.file_name = file_name
        self.ctx = ctx
        self.actor = actor
        self.letter = letter
        self.printed_pages = 0
        self.saved_to: Path | None = None

        self.document: QPdfDocument = load_pdf(pdf, self)
        self.view = QPdfView(self)
        self.view.setObjectName("letterView")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        self.page_label = QLabel(self)
        self.page_label.setObjectName("pageLabel")
        self.view.pageNavigator().currentPageChanged.connect(lambda _page: self._update_page_label())

        self.print_button = QPushButton(self)
        self.print_button.setObjectName("printButton")
        self.print_button.clicked.connect(self.print_letter)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveButton")
        self.save_button.clicked.connect(self.save_as)
        self.handed_button = QPushButton(self)
        self.handed_button.setObjectName("handedOverButton")
        self.handed_button.clicked.connect(self.record_handed_over)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.handed_button, QDialogButtonBox.ButtonRole.ActionRole)
        # after addButton, which shows the button again
        self.handed_button.setVisible(bool(letter and ctx and actor and letter.current
                                           and letter.delivery_method is None))
        self.buttons.rejected.connect(self.reject)

        # Ctrl+P and Ctrl+S beside the buttons' Alt letters (a button has one shortcut, and its "&" text
        # replaces whatever setShortcut gave it: Ctrl+S did nothing)
        self.print_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self)
        self.print_shortcut.activated.connect(self.print_button.animateClick)
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self.save_shortcut.activated.connect(self.save_button.animateClick)

        bottom = QHBoxLayout()
        bottom.addWidget(self.page_label)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        resize_within_screen(self, 780, 940)
        self.print_button.setFocus()
        self.retranslate_ui()

    # -- texts -------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.letter_title)
        self.print_button.setText(_("&Print…"))
        self.print_button.setToolTip(_("Print the letter (Ctrl+P)"))
        self.print_button.setAccessibleName(_("Print the letter"))
        self.save_button.setText(_("&Save as…"))
        self.save_button.setToolTip(_("Save the letter as a PDF file (Ctrl+S)"))
        self.save_button.setAccessibleName(_("Save the letter as a PDF file"))
        self.handed_button.setText(_("&Handed over"))
        self.handed_button.setToolTip(_("Record that the customer received this letter at the counter today"))
        self.view.setAccessibleName(_("Letter preview"))
        self._update_page_label()

    def _update_page_label(self) -> None:
        self.page_label.setText(_("Page {page} of {pages}").format(
            page=self.view.pageNavigator().currentPage() + 1, pages=self.document.pageCount()))

    # -- actions -----------------------------------------------------------------------------------
    def print_letter(self) -> None:
        printer = letter_printer()
        printer.setDocName(self.file_name)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(_("Print {title}").format(title=self.letter_title))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.printed_pages = print_documents(printer, [self.document])
        except Exception as exc:
            show_error(self, exc)

    def save_as(self) -> None:
        start = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation))
        path_text, _filter = QFileDialog.getSaveFileName(
            self, _("Save the letter"), str(start / self.file_name), _("PDF files (*.pdf)"))
        if not path_text:
            return
        path = Path(path_text)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            write_bytes_atomic(path, self.pdf)  # all or nothing; a full disk is a DiskFullError (a UserError)
        except UserError as exc:
            show_error(self, exc)
            return
        except OSError as exc:
            QMessageBox(QMessageBox.Icon.Warning, _("Complaint Desk"),
                        _("The letter could not be saved to {path}: {error}").format(path=path, error=exc.strerror),
                        QMessageBox.StandardButton.Ok, self).exec()
            return
        self.saved_to = path

    def record_handed_over(self) -> None:
        if not (self.letter and self.ctx and self.actor):
            return
        ctx, actor, letter_id = self.ctx, self.actor, self.letter.id
        today = datetime.now(ctx.office_tz).date()
        self.handed_button.setEnabled(False)

        def work() -> IssuedLetter:
            return ctx.backend.call(actor, letters.record_delivery, letter_id, DeliveryMethod.HANDED_OVER, today)

        def done(result: IssuedLetter) -> None:
            self.letter = result
            self.handed_button.setVisible(False)

        def failed(exc: BaseException) -> None:
            self.handed_button.setEnabled(True)
            show_error(self, exc)

        run_call(self, work, done, failed)


def open_preview(dialog: LetterPreviewDialog) -> LetterPreviewDialog:
    """Show ``dialog`` window-modal without blocking; it deletes itself when closed."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
