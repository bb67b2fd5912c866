"""Import a branch register (.xlsx/.csv) — with its column mapping, a dry run listing every row's
problem, every value guessed by a word inside it (to confirm or change) and a summary table to check
against the source, saved mappings — or consolidate a branch export / SQLite file at headquarters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.enums import Channel
from desk_app.errors import OperationCancelled
from desk_app.i18n import _
from desk_app.services import consolidation, imports
from ui.context import AppContext
from ui.errors import show_error
from ui.screen_fit import resize_within_screen
from ui.tables import readonly_table
from ui.tasks import CancelledFn, ProgressFn, run_with_progress

PROBLEM = QBrush(QColor("#fde2e2"))
GUESS = QBrush(QColor("#fff4d6"))


class ImportDialog(QDialog):
    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self._ctx, self._actor = ctx, actor
        self.preview: imports.ImportPreview | None = None
        self.preview_no_header = False
        self._chosen: imports.ColumnMapping | None = None
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
        self.no_header = QCheckBox(self)
        self.no_header.setObjectName("noHeaderRow")
        self.cut_long = QCheckBox(self)
        self.cut_long.setObjectName("cutLongTexts")
        self.cut_long.setEnabled(False)
        self.no_header.toggled.connect(self._recheck)
        self.cut_long.toggled.connect(self._recheck)
        choices = QHBoxLayout()
        choices.addWidget(self.no_header)
        choices.addWidget(self.cut_long)
        choices.addStretch(1)

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
        readonly_table(self.rows_table)
        self.guess_table = QTableWidget(0, 4, self)
        self.guess_table.setObjectName("guessTable")
        self.guess_table.verticalHeader().hide()
        self.guess_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.guess_table.horizontalHeader().setStretchLastSection(True)
        self.guess_boxes: dict[tuple[str, str], QComboBox] = {}
        self.summary_table = QTableWidget(0, 4, self)
        self.summary_table.setObjectName("summaryTable")
        readonly_table(self.summary_table)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.rows_table, "")
        self.tabs.addTab(self.guess_table, "")
        self.tabs.addTab(self.summary_table, "")
        self.summary = QPlainTextEdit(self)
        self.summary.setReadOnly(True)
        self.summary.setObjectName("importSummary")
        right = QSplitter(self)
        right.setOrientation(Qt.Orientation.Vertical)
        right.addWidget(self.tabs)
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
        layout.addLayout(choices)
        layout.addWidget(split, 1)
        layout.addWidget(self.buttons)
        resize_within_screen(self, 1200, 680)
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
        self.no_header.setText(_("&No header row (columns by number: #1, #2…)"))
        self.cut_long.setText(_("C&ut over-long texts, with a marker"))
        self.guess_table.setHorizontalHeaderLabels([_("Field"), _("Text in the file"), _("Rows"), _("Becomes")])
        self.summary_table.setHorizontalHeaderLabels([_("Field"), _("Text in the file"), _("Rows"), _("Becomes")])
        self.tabs.setTabText(0, _("&Rows"))
        self.tabs.setTabText(1, _("&Guesses and unknown values"))
        self.tabs.setTabText(2, _("Summar&y"))

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

    def _recheck(self, _checked: bool = False) -> None:
        """A choice of the dry run changed: run it again with the mapping as shown."""
        if self.preview is not None:
            self.check(use_table=True)

    def _mapping_chosen(self, _index: int) -> None:
        name = self.mapping_choice.currentData()
        if name:
            chosen = self._ctx.backend.read(imports.load_mapping, name)
            self._show_mapping(chosen)
            self.no_header.setChecked(chosen.no_header)
            self._chosen = chosen  # used whole by the next check: the table may not know the file's columns yet
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
            mapping.values = {k: dict(v) for k, v in self.preview.mapping.values.items()}
        for (key, text), box in self.guess_boxes.items():  # the user's answers to the guesses and unknowns
            chosen = box.currentIndex() >= 0 and box.currentText() == box.itemText(box.currentIndex())
            code = (box.currentData() if chosen else None) or box.currentText().strip()
            if code:
                mapping.values.setdefault(key, {})[text] = code
        mapping.no_header = self.no_header.isChecked()
        return mapping

    def options(self) -> imports.ImportOptions:
        return imports.ImportOptions(timezone=self._ctx.config.office_timezone,
                                     cut_long_texts=self.cut_long.isChecked())

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
        # read before the old preview goes: its value mapping (and the answers to its guesses) carry over
        mapping = self.current_mapping() if (use_table or self._headers) else None
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
        no_header_changed = self.preview_no_header != self.no_header.isChecked()
        if mapping is not None and no_header_changed:
            mapping.columns = {}  # the column names are not the same any more: suggest again
        if mapping is None and self.no_header.isChecked():
            mapping = imports.ColumnMapping(no_header=True)
        chosen, self._chosen = self._chosen, None
        if chosen is not None:
            mapping = chosen
        options = self.options()
        preview = self._run(lambda p, c: backend.call(actor, imports.dry_run, path, mapping, options))
        if preview is None:
            return
        self.preview = preview
        self.preview_no_header = preview.mapping.no_header
        if preview.headers != self._headers or chosen is not None:
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
            file=preview.source, rows=", ".join(map(str, preview.header_rows)) or _("none"), ok=preview.importable,
            bad=preview.problem_count, skipped=preview.skipped)]
        lines += preview.file_problems
        lines += preview.notes
        if preview.unmapped_columns:
            lines.append(_("Columns not imported: {columns}").format(columns=", ".join(preview.unmapped_columns)))
        self.summary.setPlainText("\n".join(lines))
        summary = preview.summary
        self.cut_long.setEnabled(bool(summary and summary.long_texts) or self.cut_long.isChecked())
        self._show_guesses(preview)
        self._show_counts(preview)
        if preview.guesses or (summary is not None and summary.unmatched):
            self.tabs.setCurrentWidget(self.guess_table)
        self.import_button.setEnabled(preview.ok)

    def _show_guesses(self, preview: imports.ImportPreview) -> None:
        """One line per value guessed by a word inside it, or matching nothing: the user confirms or changes."""
        summary = preview.summary
        lines = [(g.field, g.text, g.count, g.code) for g in preview.guesses]
        lines += [(key, text, count, "") for key, text, count in (summary.unmatched if summary else ())]
        self.guess_table.setRowCount(len(lines))
        self.guess_boxes = {}
        labels = {spec.key: _(spec.label) for spec in imports.FIELDS}
        for i, (key, text, count, code) in enumerate(lines):
            items = [QTableWidgetItem(labels.get(key, key)), QTableWidgetItem(text), QTableWidgetItem(str(count))]
            for j, item in enumerate(items):
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setBackground(GUESS if code else PROBLEM)
                self.guess_table.setItem(i, j, item)
            box = QComboBox(self.guess_table)
            box.setEditable(True)
            box.setAccessibleName(_("Code for {text}").format(text=text))
            if key == "channel":
                for channel in Channel:
                    box.addItem(f"{channel.value} — {channel.label}", channel.value)
            if box.findData(code) < 0:
                box.addItem(code, code)
            box.setCurrentIndex(box.findData(code))
            self.guess_table.setCellWidget(i, 3, box)
            self.guess_boxes[(key, text)] = box

    def _show_counts(self, preview: imports.ImportPreview) -> None:
        """Rows read and each mapped column's counts, for an analyst to check against the source."""
        summary = preview.summary
        lines: list[tuple[str, str, int, str]] = []
        if summary is not None:
            lines += [(_("Rows read"), "", summary.rows_read, ""), (_("Blank lines"), "", summary.blank, ""),
                      (_("Total lines"), "", summary.totals, ""), (_("Rows to import"), "", summary.importable, ""),
                      (_("Rows with problems"), "", summary.with_problems, ""),
                      (_("Over-long texts"), "", summary.long_texts, _("cut: {n}").format(n=summary.cut))]
            labels = {spec.key: _(spec.label) for spec in imports.FIELDS}
            for column in summary.columns:
                label = labels.get(column.field, column.field)
                if column.column:
                    lines.append((label, _("(cells with text in {column})").format(column=column.column),
                                  column.filled, ""))
                for value in column.values:
                    becomes = value.code or _("(no code: map it)")
                    lines.append((label, value.text or _("(empty: default)"), value.count,
                                  becomes + (" " + _("(guess)") if value.guessed else "")))
        self.summary_table.setRowCount(len(lines))
        for i, (label, text, count, becomes) in enumerate(lines):
            for j, cell in enumerate((label, text, str(count), becomes)):
                self.summary_table.setItem(i, j, QTableWidgetItem(cell))

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
            mapping = self.current_mapping()  # with the answers to the guesses; checked again as it is written
            options = self.options()
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
        except OperationCancelled:
            return None
        except Exception as exc:
            show_error(self, exc)
            return None
