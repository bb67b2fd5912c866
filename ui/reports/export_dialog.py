"""Export a report from the GUI: the statistics workbook, or every case (detail), for a period and
branches; runs in the background behind a progress dialog with a Cancel button."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.errors import OperationCancelled
from desk_app.i18n import _, ngettext
from desk_app.services.access import sees_all_branches
from desk_app.services.detail_export import DetailExportResult, export_detail
from desk_app.services.report_scope import ReportScope, may_see_personal_data
from desk_app.services.statistics import export_statistics
from ui.context import AppContext
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.saved_file import show_saved
from ui.tasks import CancelledFn, ProgressFn, run_with_progress


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def last_quarter(today: date) -> tuple[date, date]:
    first_this = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    end = first_this - timedelta(days=1)
    return date(end.year, (end.month - 1) // 3 * 3 + 1, 1), end


class ExportReportDialog(QDialog):
    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportReportDialog")
        self._ctx, self._actor = ctx, actor
        self.result_path: Path | None = None
        today = datetime.now(ctx.office_tz).date()
        start, end = last_quarter(today)
        self.date_from = QDateEdit(_qdate(start), self)
        self.date_to = QDateEdit(_qdate(end), self)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.branches = QLineEdit(self)
        self.branches.setEnabled(sees_all_branches(actor))
        self.statistics = QRadioButton(self)
        self.detail = QRadioButton(self)
        self.statistics.setChecked(True)
        self.reveal = QCheckBox(self)
        self.reveal.setEnabled(False)
        self.detail.toggled.connect(lambda on: self.reveal.setEnabled(on and may_see_personal_data(actor)))
        self.timeline = QCheckBox(self)
        self.timeline.setObjectName("exportTimeline")
        self.timeline.setEnabled(False)
        self.detail.toggled.connect(self.timeline.setEnabled)
        self.path = QLineEdit(self)
        self.browse = QPushButton(self)
        self.browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.statistics)
        kind_row.addWidget(self.detail)
        self.from_label, self.to_label, self.branches_label = QLabel(self), QLabel(self), QLabel(self)
        self.from_label.setBuddy(self.date_from)
        self.to_label.setBuddy(self.date_to)
        self.branches_label.setBuddy(self.branches)
        self.form = QFormLayout()
        self.form.addRow(self.from_label, self.date_from)
        self.form.addRow(self.to_label, self.date_to)
        self.form.addRow(self.branches_label, self.branches)
        self.form.addRow("", kind_row)
        self.form.addRow("", self.reveal)
        self.form.addRow("", self.timeline)
        self.form.addRow("", path_row)
        self.error = InlineError(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Export a report"))
        self.from_label.setText(_("&From"))
        self.to_label.setText(_("&To"))
        self.branches_label.setText(_("&Branches"))
        self.branches.setPlaceholderText(_("codes separated by commas; empty = every branch you see"))
        self.statistics.setText(_("&Statistics workbook"))
        self.detail.setText(_("Every &case (detail, with the data for consolidation at HQ)"))
        self.reveal.setText(_("Do not mask ID numbers, phones and addresses"))
        self.timeline.setText(_("Add every case's ti&meline (a sheet with one row per event)"))
        self.browse.setText(_("Choose…"))
        self.path.setPlaceholderText(_("the .xlsx file to write"))

    def scope(self) -> ReportScope:
        codes = tuple(c.strip() for c in self.branches.text().replace("，", ",").split(",") if c.strip())
        return ReportScope(_date(self.date_from.date()), _date(self.date_to.date()), codes,
                           self._ctx.config.office_timezone)

    def _browse(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, _("Export a report"), self.path.text() or "report.xlsx",
                                                    _("Excel workbooks (*.xlsx)"))
        if name:
            self.path.setText(name if name.lower().endswith(".xlsx") else name + ".xlsx")

    def export(self) -> None:
        if not self.path.text().strip():
            self.error.show_message(_("Choose the file to write."))
            return
        path, scope = Path(self.path.text().strip()), self.scope()
        backend, actor = self._ctx.backend, self._actor
        detail, reveal, timeline = self.detail.isChecked(), self.reveal.isChecked(), self.timeline.isChecked()

        def work(progress: ProgressFn, cancelled: CancelledFn) -> object:
            if detail:
                return backend.call(actor, export_detail, scope, path, reveal_personal_data=reveal,
                                    include_timeline=timeline, progress=progress, cancelled=cancelled)
            return backend.call(actor, export_statistics, scope, path)

        try:
            result = run_with_progress(self, _("Exporting…"), work)
        except OperationCancelled:
            return
        except Exception as exc:
            show_error(self, exc)
            return
        self.result_path = result.path if isinstance(result, DetailExportResult) else path
        if isinstance(result, DetailExportResult):
            done = ngettext("{n} case exported.", "{n} cases exported.", result.cases).format(n=result.cases)
        else:
            done = _("The statistics workbook is ready.")
        show_saved(self, self.result_path, done)
        self.accept()
