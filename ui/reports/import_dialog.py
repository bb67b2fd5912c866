"""Import a branch register (.xlsx/.csv) — with its column mapping, a dry run listing every row's
problem, saved mappings — or consolidate a branch export / SQLite file at headquarters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.i18n import _
from desk_app.services import consolidation, imports
from ui.context import AppContext
from ui.errors import show_error
from ui.tasks import CancelledFn, ProgressFn, run_with_progress

PROBLEM = QBrush(QColor("#fde2e2"))


class ImportDialog(QDialog):
    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self._ctx, self._actor = ctx, actor
        self.preview: imports.ImportPreview | None = None
        self.report: consolidation.ConsolidationReport | None = None
        self.imported: imports.ImportResult | consolidation.ConsolidationReport | None = None
        self._headers: tuple[str, ...] = ()

        self.path = QLineEdit(self)
        self.browse = QPushButton(self)
        self.browse.clicked.connect(self._browse)
        self.mapping_label = QLabel(self)
        self.mapping_choice = QComboBox(self)
        self.mapping_choice.setObjectName("savedMapping")
        self.mapping_label.setBuddy(self.mapping_choice)
        self.check_button = QPushButton(self)
        self.check_button.clicked.connect(self.check)
        self.save_button = QPushButton(self)
        self.save_button.clicked.connect(self._save_mapping)
        top = QHBoxLayout()
        top.addWidget(self.path, 1)
        top.addWidget(self.browse)
        top.addWidget(self.mapping_label)
        top.addWidget(self.mapping_choice)
        top.addWidget(self.check_button)
        top.addWidget(self.save_button)

        self.mapping_table = QTableWidget(len(imports.FIELDS), 3, self)
        self.mapping_table.setObjectName("mappingTable")
        self.mapping_table.verticalHeader().hide()
        self.mapping_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.mapping_table.horizontalHeader().setStretchLastSection(True)
        self.column_boxes: dict[str, QComboBox] = {}
        self.default_edits: dict[str, QLineEdit] = {}
        for row, spec in enumerate(imports.FIELDS):
            self.mapping_table.setItem(row, 0, QTableWidgetItem())
            box, edit = QComboBox(self.mapping_table), QLineEdit(self.mapping_table)
            self.column_boxes[spec.key], self.default_edits[spec.key] = box, edit
            self.mapping_table.setCellWidget(row, 1, box)
            self.mapping_table.setCellWidget(row, 2, edit)
        self.rows_table = QTableWidget(0, 3, self)
        self.rows_table.setObjectName("previewRows")
        self.rows_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows_table.verticalHeader().hide()
        self.rows_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.rows_table.horizontalHeader().setStretchLastSection(True)
        self.summary = QPlainTextEdit(self)
        self.summary.setReadOnly(True)
        self.summary.setObjectName("importSummary")
        right = QSplitter(self)
        right.setOrientation(Qt.Orientation.Vertical)
        right.addWidget(self.rows_table)
        right.addWidget(self.summary)
        split = QSplitter(self)
        split.addWidget(self.mapping_table)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([520, 580])

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.import_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.run_import)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.buttons)
        self.resize(1200, 680)
        self._load_mappings()
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Import cases"))
        self.path.setPlaceholderText(_("a branch register (.xlsx, .csv) or a branch export / database file"))
        self.browse.setText(_("Choose…"))
        self.mapping_label.setText(_("&Mapping"))
        self.mapping_choice.setItemText(0, _("Suggested from the column names"))
        self.check_button.setText(_("&Check (dry run)"))
        self.save_button.setText(_("&Save mapping…"))
        self.import_button.setText(_("&Import"))
        self.mapping_table.setHorizontalHeaderLabels([_("Field"), _("Column in the file"), _("Default value")])
        for row, spec in enumerate(imports.FIELDS):
            item = self.mapping_table.item(row, 0)
            if item is not None:
                item.setText(_(spec.label) + (" *" if spec.required else ""))
        self.rows_table.setHorizontalHeaderLabels([_("Row"), _("What would be imported"), _("Problems")])

    # -- choosing ----------------------------------------------------------------------------------

    def _browse(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, _("Import cases"), "",
                                                    _("Registers and exports (*.xlsx *.csv *.txt *.sqlite3 *.db)"))
        if name:
            self.path.setText(name)
            self.check()

    def _load_mappings(self) -> None:
        self.mapping_choice.clear()
        self.mapping_choice.addItem(_("Suggested from the column names"), None)
        for info in self._ctx.backend.read(imports.list_mappings):
            self.mapping_choice.addItem(info.name, info.name)
        self.mapping_choice.currentIndexChanged.connect(self._mapping_chosen)

    def _mapping_chosen(self, _index: int) -> None:
        name = self.mapping_choice.currentData()
        if name:
            self._show_mapping(self._ctx.backend.read(imports.load_mapping, name))
            self.check(use_table=True)

    def current_mapping(self) -> imports.ColumnMapping:
        """The mapping as edited in the table."""
        mapping = imports.ColumnMapping()
        for key, box in self.column_boxes.items():
            if box.currentData():
                mapping.columns[key] = box.currentData()
            default = self.default_edits[key].text().strip()
            if default:
                mapping.defaults[key] = default
        if self.preview is not None:
            mapping.values = dict(self.preview.mapping.values)
        return mapping

    def _show_mapping(self, mapping: imports.ColumnMapping) -> None:
        for key, box in self.column_boxes.items():
            box.blockSignals(True)
            box.clear()
            box.addItem(_("(not in the file)"), "")
            for header in self._headers:
                box.addItem(header, header)
            box.setCurrentIndex(max(0, box.findData(mapping.columns.get(key, ""))))
            box.blockSignals(False)
            self.default_edits[key].setText(mapping.defaults.get(key, ""))

    # -- checking and importing ---------------------------------------------------------------------

    def check(self, use_table: bool = False) -> None:
        path = Path(self.path.text().strip())
        if not path.is_file():
            self.summary.setPlainText(_("Choose a file."))
            return
        backend, actor = self._ctx.backend, self._actor
        self.preview = self.report = None
        self.import_button.setEnabled(False)
        if consolidation.is_consolidation_source(path):
            self.mapping_table.setEnabled(False)
            self.report = self._run(lambda p, c: backend.call(actor, consolidation.consolidate, path, dry_run=True,
                                                              progress=p, cancelled=c))
            if self.report is not None:
                self.rows_table.setRowCount(0)
                self.summary.setPlainText(self.report.text())
                self.import_button.setEnabled(not self.report.problems)
            return
        self.mapping_table.setEnabled(True)
        mapping = self.current_mapping() if (use_table or self._headers) else None
        options = imports.ImportOptions(timezone=self._ctx.config.office_timezone)
        preview = self._run(lambda p, c: backend.call(actor, imports.dry_run, path, mapping, options))
        if preview is None:
            return
        self.preview = preview
        if preview.headers != self._headers:
            self._headers = preview.headers
            self._show_mapping(preview.mapping)
        self._show_preview(preview)

    def _show_preview(self, preview: imports.ImportPreview) -> None:
        self.rows_table.setRowCount(len(preview.rows))
        for i, row in enumerate(preview.rows):
            problems = "; ".join(f"{p.field}: {p.message}" for p in row.problems)
            items = [QTableWidgetItem(str(row.source_row)), QTableWidgetItem(row.summary), QTableWidgetItem(problems)]
            items[2].setToolTip(problems.replace("; ", "\n"))
            for j, item in enumerate(items):
                if row.problems:
                    item.setBackground(PROBLEM)
                self.rows_table.setItem(i, j, item)
        lines = [_("{file} · header rows {rows} · {ok} rows to import, {bad} with problems, {skipped} skipped.").format(
            file=preview.source, rows=", ".join(map(str, preview.header_rows)), ok=preview.importable,
            bad=len(preview.problem_rows), skipped=preview.skipped)]
        lines += preview.file_problems
        lines += preview.notes
        if preview.unmapped_columns:
            lines.append(_("Columns not imported: {columns}").format(columns=", ".join(preview.unmapped_columns)))
        self.summary.setPlainText("\n".join(lines))
        self.import_button.setEnabled(preview.ok)

    def _save_mapping(self) -> None:
        name, ok = QInputDialog.getText(self, _("Save mapping"), _("Name of the mapping:"))
        if ok and name.strip():
            try:
                self._ctx.backend.call(self._actor, imports.save_mapping, name.strip(), self.current_mapping())
            except Exception as exc:
                show_error(self, exc)
                return
            self.mapping_choice.blockSignals(True)
            self._load_mappings()
            self.mapping_choice.setCurrentIndex(self.mapping_choice.findData(name.strip()))
            self.mapping_choice.blockSignals(False)

    def run_import(self) -> None:
        path = Path(self.path.text().strip())
        backend, actor = self._ctx.backend, self._actor
        if self.report is not None:
            result: Any = self._run(lambda p, c: backend.call(actor, consolidation.consolidate, path, progress=p,
                                                              cancelled=c))
            if result is not None:
                self.summary.setPlainText(result.text())
        elif self.preview is not None:
            mapping = self.preview.mapping
            options = imports.ImportOptions(timezone=self._ctx.config.office_timezone)
            result = self._run(lambda p, c: backend.call(actor, imports.import_file, path, mapping, options,
                                                         progress=p, cancelled=c))
            if result is not None:
                self.summary.setPlainText(_("Imported {n} cases ({first} … {last}).").format(
                    n=result.imported, first=result.first_number, last=result.last_number))
        else:
            return
        if result is not None:
            self.imported = result
            self.import_button.setEnabled(False)

    def _run(self, fn: Any) -> Any:
        def work(progress: ProgressFn, cancelled: CancelledFn) -> Any:
            return fn(progress, cancelled)

        try:
            return run_with_progress(self, _("Working…"), work)
        except (imports.ImportCancelled, consolidation.ConsolidationCancelled):
            return None
        except Exception as exc:
            show_error(self, exc)
            return None
