"""Opportunities (投诉经营): record a suggestion or business opportunity heard in a case (by its number), and
the list headquarters reads (newest first, by kind). Recording needs the right to edit the case; the list,
the right to run reports (the services check both again)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission, has_permission
from desk_app.errors import UserError
from desk_app.i18n import _
from desk_app.reports.prevention_figures import OpportunityKind
from desk_app.services.complaints import find_by_number
from desk_app.services.opportunities import OpportunityDraft, OpportunityInfo, add_opportunity, list_opportunities
from ui.context import AppContext
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.screen_fit import resize_within_screen
from ui.tables import readonly_table
from ui.tasks import run_call


class OpportunitiesDialog(Retranslating, QDialog):
    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None, case_number: str = "") -> None:
        """``case_number``: opened from a case (its "Record an opportunity…"), filled in; the kind comes first."""
        super().__init__(parent)
        self.setObjectName("opportunitiesDialog")
        self.ctx, self.actor = ctx, actor
        self.rows: list[OpportunityInfo] = []
        self.add_box = QGroupBox(self)
        self.case_number = QLineEdit(self.add_box)
        self.case_number.setObjectName("opportunityCase")
        self.kind = QComboBox(self.add_box)
        self.kind.setObjectName("opportunityKind")
        self.text = QLineEdit(self.add_box)
        self.text.setObjectName("opportunityText")
        self.text.setMaxLength(2000)
        self.product = QLineEdit(self.add_box)
        self.product.setObjectName("opportunityProduct")
        self.product.setMaxLength(12)
        self.add_button = QPushButton(self.add_box)
        self.add_button.setObjectName("addOpportunity")
        self.add_button.clicked.connect(self.add)
        self.error = InlineError(self)
        form = QFormLayout(self.add_box)
        self.labels = [QLabel(self.add_box) for _i in range(4)]
        for label, field in zip(self.labels, (self.case_number, self.kind, self.product, self.text), strict=True):
            label.setBuddy(field)
            form.addRow(label, field)
        form.addRow(self.add_button)
        self.add_box.setVisible(has_permission(actor.role, Permission.EDIT_CASE))

        self.list_box = QGroupBox(self)
        self.filter_kind = QComboBox(self.list_box)
        self.filter_kind.setObjectName("opportunityFilter")
        self.filter_kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.filter_label = QLabel(self.list_box)
        self.filter_label.setBuddy(self.filter_kind)
        self.table = QTableWidget(0, 6, self.list_box)
        self.table.setObjectName("opportunityTable")
        readonly_table(self.table)
        top = QHBoxLayout()
        top.addWidget(self.filter_label)
        top.addWidget(self.filter_kind)
        top.addStretch(1)
        inner = QVBoxLayout(self.list_box)
        inner.addLayout(top)
        inner.addWidget(self.table)
        self.list_box.setVisible(has_permission(actor.role, Permission.REPORTS))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.add_box)
        layout.addWidget(self.error)
        layout.addWidget(self.list_box, 1)
        layout.addWidget(buttons)
        resize_within_screen(self, 900, 560)
        self.retranslate_ui()
        self.case_number.setText(case_number)
        first = self.kind if case_number else self.case_number
        (first if self.add_box.isVisibleTo(self) else self.filter_kind).setFocus()
        self.refresh()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Opportunities and suggestions (投诉经营)"))
        self.add_box.setTitle(_("Record one heard in a case"))
        for label, text in zip(self.labels, (_("Case &number:"), _("&Kind:"), _("&Product (B code, optional):"),
                                             _("&Text:")), strict=True):
            label.setText(text)
        self.add_button.setText(_("&Record"))
        self.list_box.setTitle(_("Recorded at the branches (newest first)"))
        self.filter_label.setText(_("&Show:"))
        for combo, first in ((self.kind, None), (self.filter_kind, _("All kinds"))):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            if first is not None:
                combo.addItem(first, None)
            for kind in OpportunityKind:
                combo.addItem(kind.label, kind.value)
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.blockSignals(False)
        self.table.setHorizontalHeaderLabels([_("Recorded"), _("Branch"), _("Kind"), _("Product"), _("From"),
                                              _("Text")])
        self._fill()

    def refresh(self) -> None:
        if not has_permission(self.actor.role, Permission.REPORTS):
            return
        kind = self.filter_kind.currentData()
        backend, actor = self.ctx.backend, self.actor
        run_call(self, lambda: backend.call(actor, list_opportunities,
                                            kind=OpportunityKind(kind) if kind else None), self._loaded,
                 lambda exc: show_error(self, exc))

    def _loaded(self, rows: list[OpportunityInfo]) -> None:
        self.rows = rows
        self._fill()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            local = row.recorded_at.astimezone(self.ctx.office_tz).strftime("%Y-%m-%d %H:%M")
            source = row.case_number or _("Grumble")
            for j, value in enumerate((local, row.branch_code, row.kind.label, f"{row.product} {row.product_name}",
                                       source, row.text)):
                self.table.setItem(i, j, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()

    def add(self) -> None:
        number, text = self.case_number.text().strip(), self.text.text()
        kind = OpportunityKind(self.kind.currentData())
        product = self.product.text()
        backend, actor = self.ctx.backend, self.actor

        def work() -> OpportunityInfo:
            case = backend.call(actor, find_by_number, number)
            return backend.call(actor, add_opportunity, OpportunityDraft(kind, text, product, complaint_id=case.id))

        self.error.clear()
        run_call(self, work, self._added, self._failed)

    def _added(self, info: OpportunityInfo) -> None:
        self.text.clear()
        self.product.clear()
        self.error.show_message(_("Recorded on case {number}.").format(number=info.case_number))
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self.error.show_message(str(exc))
        else:
            show_error(self, exc)
