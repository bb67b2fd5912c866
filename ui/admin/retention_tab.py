"""The retention tab of the administration page (PIPL 个人信息保护): closed cases older than the retention
period lose their personal data; the cases stay for the statistics.

The administrator first lists the cases (the dry run, nothing changes), then anonymises exactly that
period after a confirmation. The service checks the right again and writes one audited transaction.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.errors import UserError
from desk_app.i18n import _, ngettext
from desk_app.services import retention
from desk_app.services.retention import RetentionCandidate
from ui.admin.service_dialog import busy_call
from ui.context import AppContext
from ui.errors import show_error
from ui.tables import readonly_table


class RetentionTab(QWidget):
    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retentionTab")
        self.ctx, self.actor = ctx, actor
        self.listed: list[RetentionCandidate] = []
        self.listed_years = 0
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.years_label = QLabel(self)
        self.years = QSpinBox(self)
        self.years.setObjectName("retentionYears")
        self.years.setRange(1, 30)
        self.years.setValue(max(ctx.config.retention_years, 1))
        self.years_label.setBuddy(self.years)
        self.years.valueChanged.connect(self._forget_list)
        self.list_button = QPushButton(self)
        self.list_button.setObjectName("listRetention")
        self.list_button.clicked.connect(self.list_cases)
        self.apply_button = QPushButton(self)
        self.apply_button.setObjectName("applyRetention")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.ask_anonymise)
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("retentionCases")
        readonly_table(self.table)
        self.summary = QLabel(self)
        self.summary.setObjectName("retentionSummary")
        self.summary.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.years_label)
        row.addWidget(self.years)
        row.addWidget(self.list_button)
        row.addStretch(1)
        row.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.intro.setText(_(
            "Personal information is kept only as long as needed (PIPL). For closed cases older than the "
            "retention period, the customer's name, ID number, phones, address and e-mail, the agents' "
            "details, attachments and stored letters are removed; the cases stay for the statistics. "
            "List the cases first: nothing changes until you confirm."))
        self.years_label.setText(_("Retention &period (years):"))
        self.list_button.setText(_("&List the cases"))
        self.apply_button.setText(_("&Anonymise these cases…"))
        self.table.setHorizontalHeaderLabels([_("Case number"), _("Closed on")])
        self._show_summary()

    def _forget_list(self) -> None:
        """A different period needs a new list before anything is removed."""
        self.listed, self.listed_years = [], 0
        self.table.setRowCount(0)
        self.apply_button.setEnabled(False)
        self._show_summary()

    def _show_summary(self) -> None:
        if not self.listed_years:
            self.summary.setText(_("No list yet."))
            return
        self.summary.setText(ngettext(
            "{n} closed case is older than {years} years and still holds personal data.",
            "{n} closed cases are older than {years} years and still hold personal data.",
            len(self.listed)).format(n=len(self.listed), years=self.listed_years))

    def list_cases(self) -> None:
        """The dry run: which cases the chosen period would anonymise."""
        years = self.years.value()
        try:
            found = busy_call(lambda: self.ctx.backend.call(self.actor, retention.candidates, years, date.today()))
        except UserError as exc:
            show_error(self, exc)
            return
        self.listed, self.listed_years = found, years
        self.table.setRowCount(len(found))
        tz = self.ctx.office_tz
        for index, case in enumerate(found):
            self.table.setItem(index, 0, QTableWidgetItem(case.case_number))
            self.table.setItem(index, 1, QTableWidgetItem(case.closed_at.astimezone(tz).strftime("%Y-%m-%d")))
        self.apply_button.setEnabled(bool(found))
        self._show_summary()

    def ask_anonymise(self) -> None:
        if not self.listed:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, _("Anonymise closed cases"), ngettext(
            "Remove the personal data of {n} case closed more than {years} years ago? This cannot be undone.",
            "Remove the personal data of {n} cases closed more than {years} years ago? This cannot be undone.",
            len(self.listed)).format(n=len(self.listed), years=self.listed_years),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Yes:
            self.anonymise()

    def anonymise(self) -> int:
        """Anonymise the listed period; returns how many cases (0 after an error, which is shown)."""
        try:
            done = busy_call(lambda: self.ctx.backend.call(self.actor, retention.anonymise, self.listed_years,
                                                           date.today()))
        except UserError as exc:
            show_error(self, exc)
            return 0
        years = self.listed_years
        self.list_cases()
        self.summary.setText(ngettext("Personal data removed from {n} case.",
                                      "Personal data removed from {n} cases.", done).format(n=done)
                             + " " + self.summary.text())
        self.listed_years = years
        return done
