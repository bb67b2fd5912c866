"""A case's attachments, for the case page (issue 18.4): add scans, photos and PDFs at any step, list them
with their checksum, open one in the system's viewer or save a copy.

Opening writes the verified bytes to a private temporary folder (owner-only rights, removed when the panel
goes) and hands the file to ``QDesktopServices.openUrl``; every open and every saved copy is an audited
read (``attachments.save_attachment``). Files travel as file jobs, so through a desk server an attachment
up to the size limit is not bound by a call's body size.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.errors import UserError
from desk_app.i18n import _
from desk_app.services.attachments import (
    AttachmentInfo,
    ReadPurpose,
    attach_file,
    check_size,
    clean_filename,
    format_size,
    list_attachments,
    save_attachment,
)
from ui.context import AppContext
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.tables import readonly_table
from ui.tasks import run_call

#: What the file dialog offers first: scans, photos and PDF documents.
FILE_FILTER_PATTERNS = "*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.bmp *.gif *.heic *.webp"


def open_url(url: QUrl) -> bool:
    """The system viewer (a seam: tests replace it)."""
    return QDesktopServices.openUrl(url)


class AttachmentsPanel(Retranslating, QWidget):
    """Embed in the case page; emits ``sig_changed`` after files were added, ``sig_opened`` with the local
    copy a file was opened from."""

    sig_changed = Signal()
    sig_loaded = Signal()
    sig_opened = Signal(object)  # Path of the private copy
    COLUMNS = 6

    def __init__(self, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID, parent: QWidget | None = None,
                 *, load: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("caseAttachments")
        self.ctx, self.actor, self.complaint_id = ctx, actor, complaint_id
        self.rows: list[AttachmentInfo] = []
        self._private = tempfile.TemporaryDirectory(prefix="desk-attachments-")  # mode 0700 (mkdtemp)
        self.destroyed.connect(lambda *_a, d=self._private: d.cleanup())

        self.add_button = QPushButton(self)
        self.add_button.setObjectName("addAttachmentButton")
        self.add_button.clicked.connect(lambda: self.add_files())
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("openAttachmentButton")
        self.open_button.clicked.connect(self.open_selected)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveAttachmentButton")
        self.save_button.clicked.connect(self.save_selected)
        self.error = InlineError(self)
        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setObjectName("attachmentsTable")
        readonly_table(self.table, fit_columns=False)
        self.table.currentCellChanged.connect(lambda *_cells: self._update_buttons())
        self.table.activated.connect(lambda _index: self.open_selected())  # Enter or double click

        buttons = QHBoxLayout()
        for button in (self.add_button, self.open_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        self.setTabOrder(self.add_button, self.open_button)
        self.setTabOrder(self.open_button, self.save_button)
        self.setTabOrder(self.save_button, self.table)
        self.retranslate_ui()
        if load:
            self.refresh()

    def retranslate_ui(self) -> None:
        self.table.setHorizontalHeaderLabels([_("File"), _("Type"), _("Size"), _("Added by"), _("Added"),
                                              _("SHA-256 checksum")])
        self.table.setAccessibleName(_("Attachments of this case"))
        self.add_button.setText(_("A&dd files…"))
        self.add_button.setToolTip(_("Attach scans, photos or PDF documents (at most 20 MB each)"))
        self.open_button.setText(_("&Open"))
        self.open_button.setToolTip(_("Open in the system's viewer (the opening is recorded in the audit log)"))
        self.save_button.setText(_("Do&wnload a copy…"))
        self.save_button.setToolTip(_("Save a copy of the file (the download is recorded in the audit log)"))
        self._fill()

    # -- reading -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        ctx, actor, complaint_id = self.ctx, self.actor, self.complaint_id

        def done(rows: list[AttachmentInfo]) -> None:
            self.rows = rows
            self._fill()
            self.sig_loaded.emit()

        def failed(exc: BaseException) -> None:
            show_error(self, exc)
            self.sig_loaded.emit()

        run_call(self, lambda: ctx.backend.call(actor, list_attachments, complaint_id), done, failed)

    def _fill(self) -> None:
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            added = row.added_at.astimezone(self.ctx.office_tz).strftime("%Y-%m-%d %H:%M")
            name = row.filename + (f" — {row.description}" if row.description else "")
            for c, text in enumerate((name, row.mime_type, format_size(row.size), row.added_by, added,
                                      row.sha256)):
                item = QTableWidgetItem(text)
                if c == self.COLUMNS - 1:
                    item.setToolTip(row.sha256)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def selected(self) -> AttachmentInfo | None:
        row = self.table.currentRow()  # the keyboard's row (Tab into the table makes the first current)
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.open_button.setEnabled(chosen)
        self.save_button.setEnabled(chosen)

    # -- adding --------------------------------------------------------------------------------------
    def ask_files(self) -> list[str]:
        """The files to attach (a seam: tests replace it)."""
        names, _filter = QFileDialog.getOpenFileNames(
            self, _("Attach files"), "",
            _("Scans, photos and PDF ({patterns})").format(patterns=FILE_FILTER_PATTERNS) + ";;"
            + _("All files (*)"))
        return names

    def add_files(self, paths: list[str] | None = None) -> None:
        """Check every file's size here first (a clear message, nothing sent), then attach them in turn."""
        chosen = [Path(p) for p in (self.ask_files() if paths is None else paths)]
        if not chosen:
            return
        self.error.clear()
        try:
            for path in chosen:
                check_size(clean_filename(path.name), path.stat().st_size)
        except UserError as exc:
            self.error.show_message(str(exc))
            return
        except OSError as exc:
            self.error.show_message(_("The file {name} cannot be read: {reason}").format(
                name=path.name, reason=exc.strerror or exc))
            return
        ctx, actor, complaint_id = self.ctx, self.actor, self.complaint_id

        def work() -> list[AttachmentInfo]:
            return [ctx.backend.call(actor, attach_file, complaint_id, path) for path in chosen]

        def done(_added: list[AttachmentInfo]) -> None:
            self.add_button.setEnabled(True)
            self.sig_changed.emit()
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.add_button.setEnabled(True)
            if isinstance(exc, UserError):
                self.error.show_message(str(exc))
            else:
                show_error(self, exc)
            self.refresh()  # the files attached before the failure are listed

        self.add_button.setEnabled(False)
        run_call(self, work, done, failed)

    # -- opening and saving --------------------------------------------------------------------------
    def open_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        folder = Path(self._private.name) / row.id.hex  # one folder per file: its own name, no clash
        folder.mkdir(mode=0o700, exist_ok=True)
        target = folder / (clean_filename(row.filename) or "attachment")
        self._fetch(row, target, ReadPurpose.VIEW, opened=True)

    def ask_save_path(self, row: AttachmentInfo) -> str:
        """Where to save a copy (a seam: tests replace it)."""
        name, _filter = QFileDialog.getSaveFileName(self, _("Save a copy"), row.filename)
        return name

    def save_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        name = self.ask_save_path(row)
        if name:
            self._fetch(row, Path(name), ReadPurpose.DOWNLOAD, opened=False)

    def _fetch(self, row: AttachmentInfo, target: Path, purpose: ReadPurpose, *, opened: bool) -> None:
        ctx, actor = self.ctx, self.actor

        def done(_info: AttachmentInfo) -> None:
            if opened:
                os.chmod(target, 0o600)
                if not open_url(QUrl.fromLocalFile(str(target))):
                    self.error.show_message(_("No program on this PC opens {name}; save a copy instead.").format(
                        name=row.filename))
                self.sig_opened.emit(target)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, UserError):
                self.error.show_message(str(exc))
            else:
                show_error(self, exc)

        self.error.clear()
        run_call(self, lambda: ctx.backend.call(actor, save_attachment, row.id, target, purpose), done, failed)
