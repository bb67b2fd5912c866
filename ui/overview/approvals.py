"""The approver's queue on the overview: what waits for the signed-in approver's own decision (compensations
at their level, 60-day extensions for a branch manager), with Approve and Return buttons."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desk_app.domain.actor import Actor
from desk_app.domain.approvals import approver_level
from desk_app.domain.permissions import Permission, has_permission
from desk_app.i18n import _
from desk_app.services import extensions, handling
from desk_app.services.approvals import ApprovalKind, PendingApproval
from ui.cases.action_dialogs import ActionDialog
from ui.cases.resolution_dialogs import approval_dialog
from ui.cases.timeline_widget import money
from ui.context import AppContext
from ui.overview.model import local_time, text_column
from ui.rows_model import RowsModel, on_activated
from ui.tables import row_table
from ui.tasks import run_call


def is_approver(actor: Actor) -> bool:
    return approver_level(actor.role, actor.is_hq) is not None or has_permission(actor.role,
                                                                                 Permission.APPROVE_EXTENSION)


def _what(item: PendingApproval) -> str:
    return _("Extension to 60 days") if item.kind is ApprovalKind.EXTENSION else _("Compensation")


class ApprovalQueueModel(RowsModel[PendingApproval]):
    def __init__(self, office_tz: ZoneInfo, parent: QObject | None = None) -> None:
        super().__init__([
            text_column("case_number", lambda: _("Case number"), lambda a: a.case_number),
            text_column("branch", lambda: _("Branch"), lambda a: a.branch_code),
            text_column("what", lambda: _("What"), _what),
            text_column("amount", lambda: _("Amount"), lambda a: money(a.amount) if a.amount is not None else ""),
            text_column("level", lambda: _("Level"), lambda a: a.level.label),
            text_column("asked_by", lambda: _("Asked by"), lambda a: a.requested_by),
            text_column("asked_on", lambda: _("Asked on"), lambda a: local_time(a.requested_at, office_tz)),
        ], parent)


class ApprovalQueue(QWidget):
    """The table and its buttons; ``sig_decided`` after an approval or a return (the overview reloads)."""

    sig_decided = Signal()
    sig_open_case_number = Signal(str)

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("approvalQueue")
        self._ctx, self._actor = ctx, actor
        self.active_dialog: ActionDialog | None = None
        self.label = QLabel(self)
        self.label.setStyleSheet("font-weight: bold;")
        self.model = ApprovalQueueModel(ctx.office_tz)
        self.table = row_table(self, "approvalTable", self.model)
        self.table.setMaximumHeight(160)
        on_activated(self.table, self.model, lambda item: self.sig_open_case_number.emit(item.case_number))
        self.label.setBuddy(self.table)
        self.approve_button = QPushButton(self)
        self.approve_button.setObjectName("approveButton")
        self.return_button = QPushButton(self)
        self.return_button.setObjectName("returnButton")
        self.approve_button.clicked.connect(lambda: self.decide(True))
        self.return_button.clicked.connect(lambda: self.decide(False))
        self.empty_label = QLabel(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.return_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.retranslate_ui()
        self.set_rows(())

    def retranslate_ui(self) -> None:
        self.label.setText(_("A&waiting my approval"))
        self.table.setAccessibleName(_("Awaiting my approval"))
        self.approve_button.setText(_("A&pprove…"))
        self.return_button.setText(_("Re&turn…"))
        self.empty_label.setText(_("Nothing waits for your approval."))
        self.model.retranslate()

    def set_rows(self, rows: tuple[PendingApproval, ...]) -> None:
        self.model.set_rows(rows)
        self.empty_label.setVisible(not rows)
        self.table.setVisible(bool(rows))
        if rows:
            self.table.selectRow(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.approve_button.setEnabled(chosen)
        self.return_button.setEnabled(chosen)

    def selected(self) -> PendingApproval | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def decide(self, approve: bool) -> ActionDialog | None:
        item = self.selected()
        if item is None:
            return None
        backend, actor = self._ctx.backend, self._actor
        dialog = approval_dialog(self, item, approve)

        def call(reason: str) -> object:
            if item.kind is ApprovalKind.EXTENSION:
                assert item.complaint_version is not None
                return backend.call(actor, extensions.decide_extension, item.complaint_id, item.complaint_version,
                                    approve=approve, reason=reason)
            assert item.resolution_id is not None and item.resolution_version is not None
            return backend.call(actor, handling.decide_resolution, item.resolution_id, item.resolution_version,
                                approve=approve, reason=reason)

        def submit(d: ActionDialog) -> None:
            reason = "" if approve else d.answers(0).text("reason")

            def done(_result: object) -> None:
                d.succeeded()
                self.sig_decided.emit()

            run_call(d, lambda: call(reason), done, d.refused)

        dialog.submit = submit
        self.active_dialog = dialog
        dialog.open()
        return dialog
