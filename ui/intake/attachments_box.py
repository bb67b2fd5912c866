"""Attachments collected before saving: added with a file dialog or dropped onto the form.

Files are read and checked (20 MB limit) when they are added, so a problem shows at once and never
at saving time; the bytes are stored right after the complaint is registered. The draft keeps the
files' paths, so a restored draft finds them again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.errors import ValidationError
from desk_app.i18n import N_, _
from desk_app.services.attachments import (
    MAX_ATTACHMENT_BYTES,
    AttachmentFile,
    check_attachment,
    check_size,
    format_size,
)
from ui.intake.section import FormSection
from ui.intake.widgets import Field, FieldBox

FILE_FILTER_IDS = (N_("Scans and photos (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.gif *.heic *.webp *.pdf)"),
                   N_("All files (*)"))


@dataclass(frozen=True)
class PendingFile:
    path: str
    file: AttachmentFile
    sha256: str


def read_file(path: Path) -> AttachmentFile:
    """Read and check one file; ValidationError (field ``attachments``) for a file that is too big,
    empty or unreadable."""
    try:
        check_size(path.name, path.stat().st_size)  # before reading a huge file into memory
        content = path.read_bytes()
    except OSError as exc:
        raise ValidationError(_("The file {name} cannot be read: {error}").format(
            name=path.name, error=exc.strerror or exc), "attachments") from exc
    return check_attachment(AttachmentFile(path.name, content))


class _Table(QTableWidget):
    """Delete removes the selected file."""

    sig_delete = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete and self.state() != QAbstractItemView.State.EditingState:
            self.sig_delete.emit()
            return
        super().keyPressEvent(event)


class AttachmentsSection(FormSection):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("attachmentsSection", parent)
        self.pending: list[PendingFile] = []
        self.setAcceptDrops(True)
        self.table = _Table(self)
        self.table.setObjectName("attachmentTable")
        self.table.setColumnCount(3)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.DoubleClicked)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        row = self.table.fontMetrics().height() + 10
        self.table.verticalHeader().setDefaultSectionSize(row)
        self.table.setFixedHeight(row * 4 + 6)
        self.table.sig_delete.connect(self.remove_selected)
        self.table.itemChanged.connect(self._description_edited)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("addAttachments")
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button = QPushButton(self)
        self.remove_button.setObjectName("removeAttachment")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.hint, 1)
        content = QVBoxLayout()
        content.addWidget(self.table)
        content.addLayout(buttons)
        box = FieldBox(content, self)
        self.fields["attachments"] = Field("attachments", self.add_button, box.error)
        self.tab_chain += [self.add_button, self.remove_button, self.table]
        QVBoxLayout(self).addWidget(box)
        self._refresh()

    def retranslate_ui(self) -> None:
        self.setTitle(_("Attachments (scans, photos)"))
        self.table.setHorizontalHeaderLabels([_("File"), _("Size"), _("Description (F2)")])
        self.table.setAccessibleName(_("Attachments"))
        self.add_button.setText(_("Add scans &or photos…"))
        self.add_button.setAccessibleName(_("Add attachments"))
        self.remove_button.setText(_("Remove"))
        self.remove_button.setAccessibleName(_("Remove the selected attachment"))
        self.hint.setText(_("…or drop files here. At most {limit} per file.").format(
            limit=format_size(MAX_ATTACHMENT_BYTES)))

    # -- adding --------------------------------------------------------------------------------------
    def choose_files(self) -> None:
        filters = ";;".join(_(f) for f in FILE_FILTER_IDS)
        paths, _chosen = QFileDialog.getOpenFileNames(self, _("Add scans or photos"), "", filters)
        if paths:
            self.add_paths([Path(p) for p in paths])

    def add_paths(self, paths: list[Path], descriptions: dict[str, str] | None = None) -> list[str]:
        """Add files; returns the problems (one line per refused file), also shown under the table."""
        problems: list[str] = []
        known = {p.sha256 for p in self.pending}
        for path in paths:
            try:
                file = read_file(path)
            except ValidationError as exc:
                problems.append(str(exc))
                continue
            digest = hashlib.sha256(file.content).hexdigest()
            if digest in known:
                continue
            description = (descriptions or {}).get(str(path), "")
            if description:
                file = AttachmentFile(file.filename, file.content, file.mime_type, description[:300])
            self.pending.append(PendingFile(str(path), file, digest))
            known.add(digest)
        self._refresh()
        self.fields["attachments"].show_error("\n".join(problems))
        self.sig_changed.emit()
        return problems

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.pending):
            del self.pending[row]
            self._refresh()
            self.sig_changed.emit()

    def clear(self) -> None:
        self.pending = []
        self.fields["attachments"].clear_error()
        self._refresh()

    def files(self) -> list[AttachmentFile]:
        return [p.file for p in self.pending]

    def _refresh(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.pending))
        for row, pending in enumerate(self.pending):
            name = QTableWidgetItem(pending.file.filename)
            name.setToolTip(pending.path)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            size = QTableWidgetItem(format_size(len(pending.file.content)))
            size.setFlags(size.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, size)
            self.table.setItem(row, 2, QTableWidgetItem(pending.file.description))
        self.table.blockSignals(False)
        self.remove_button.setEnabled(bool(self.pending))

    def _description_edited(self, item: QTableWidgetItem) -> None:
        row = item.row()
        if item.column() != 2 or not 0 <= row < len(self.pending):
            return
        old = self.pending[row]
        text = item.text().strip()[:300]
        self.pending[row] = PendingFile(old.path, AttachmentFile(old.file.filename, old.file.content,
                                                                 old.file.mime_type, text), old.sha256)
        self.sig_changed.emit()

    # -- drag and drop -------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        files = [p for p in paths if p.is_file()]
        if files:
            self.add_paths(files)
            event.acceptProposedAction()

    # -- draft ---------------------------------------------------------------------------------------
    def state(self) -> list[dict[str, str]]:
        return [{"path": p.path, "name": p.file.filename, "sha256": p.sha256, "description": p.file.description}
                for p in self.pending]

    def set_state(self, state: list[dict[str, Any]]) -> list[str]:
        """Re-read the files of a draft; returns the names of files that are gone or changed."""
        self.pending = []
        missing: list[str] = []
        for entry in state:
            path = Path(str(entry.get("path", "")))
            before = len(self.pending)
            if path.is_file():
                self.add_paths([path], {str(path): str(entry.get("description", ""))})
            if len(self.pending) == before or self.pending[-1].sha256 != entry.get("sha256", self.pending[-1].sha256):
                missing.append(str(entry.get("name", path.name)))
        self._refresh()
        return missing
