"""The root cause of a case and its improvement actions, for the case page (issue 18.3).

From the 析 (analysis) step on, and after the case is answered or closed, the handler records the level the
cause lies at, its code (C axis), the course's cause type and what was found on each of the three levels
(data, rules, process). Below, the improvement actions linked to the case: a supervisor creates one from
here (linked to the case, with the cause's code) and closes it with its evidence.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.cause_types import CauseType, root_cause_due
from desk_app.domain.enums import ActionState, RootCauseLevel
from desk_app.domain.permissions import Permission, has_permission
from desk_app.errors import UserError
from desk_app.i18n import _
from desk_app.services import improvements
from desk_app.services.complaints import get_complaint
from desk_app.services.dto import ComplaintDetail
from desk_app.services.improvements import ActionInfo, RootCauseInfo
from desk_app.services.reference import CodeInfo, label_for, list_taxonomy
from ui.context import AppContext
from ui.dialogs.common import InlineError
from ui.errors import show_error
from ui.i18n import Retranslating
from ui.improvements.dialogs import NewActionDialog, TextDialog
from ui.tables import readonly_table
from ui.tasks import run_call

Loaded = tuple[ComplaintDetail, RootCauseInfo | None, list[ActionInfo], list[CodeInfo]]


def _finding(parent: QWidget) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setTabChangesFocus(True)
    edit.setMaximumHeight(60)
    return edit


class RootCausePanel(Retranslating, QWidget):
    """Emits ``sig_changed`` after the root cause or an action was saved (the timeline shows a note)."""

    sig_changed = Signal()
    sig_loaded = Signal()
    COLUMNS = 5

    def __init__(self, ctx: AppContext, actor: Actor, complaint_id: uuid.UUID, parent: QWidget | None = None,
                 *, load: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("rootCausePanel")
        self.ctx, self.actor, self.complaint_id = ctx, actor, complaint_id
        self.detail: ComplaintDetail | None = None
        self.root: RootCauseInfo | None = None
        self.case_actions: list[ActionInfo] = []
        self.dialog: QDialog | None = None
        self._codes: list[CodeInfo] = []
        self.may_handle = has_permission(actor.role, Permission.HANDLE_CASE)
        self.may_manage = has_permission(actor.role, Permission.MANAGE_IMPROVEMENTS)

        self.state_label = QLabel(self)
        self.state_label.setWordWrap(True)
        self.level = QComboBox(self)
        self.level.setObjectName("rootCauseLevel")
        self.cause_code = QComboBox(self)
        self.cause_code.setObjectName("rootCauseCode")
        self.cause_type = QComboBox(self)
        self.cause_type.setObjectName("rootCauseType")
        self.data_finding, self.rules_finding, self.process_finding = (_finding(self), _finding(self), _finding(self))
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveRootCauseButton")
        self.save_button.clicked.connect(self.save)
        self.error = InlineError(self)
        self.form = QFormLayout()
        self.labels = [QLabel(self) for _i in range(6)]
        for label, field in zip(self.labels, (self.level, self.cause_code, self.cause_type, self.data_finding,
                                              self.rules_finding, self.process_finding), strict=True):
            label.setBuddy(field)
            self.form.addRow(label, field)
        self.cause_box = QGroupBox(self)
        cause_layout = QVBoxLayout(self.cause_box)
        cause_layout.addWidget(self.state_label)
        cause_layout.addLayout(self.form)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addStretch(1)
        cause_layout.addLayout(save_row)

        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setObjectName("caseActionsTable")
        readonly_table(self.table, fit_columns=False)
        self.table.currentCellChanged.connect(lambda *_cells: self._update_enabled())
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("newActionButton")
        self.new_button.clicked.connect(self.new_action)
        self.complete_button = QPushButton(self)
        self.complete_button.setObjectName("completeActionButton")
        self.complete_button.clicked.connect(self.complete_selected)
        self.actions_box = QGroupBox(self)
        actions_layout = QVBoxLayout(self.actions_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.complete_button)
        buttons.addStretch(1)
        actions_layout.addLayout(buttons)
        actions_layout.addWidget(self.table, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.cause_box)
        layout.addWidget(self.error)
        layout.addWidget(self.actions_box, 1)
        self.retranslate_ui()
        self._update_enabled()
        if load:
            self.refresh()

    # -- texts ---------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.cause_box.setTitle(_("Root cause (溯源)"))
        self.actions_box.setTitle(_("Improvement actions for this case (整改)"))
        for label, text in zip(self.labels, (_("Level"), _("Cause code"), _("Cause type"), _("Data level found"),
                                             _("Rules level found"), _("Process level found")), strict=True):
            label.setText(text)
        self.save_button.setText(_("Save root ca&use"))
        self.new_button.setText(_("Ne&w improvement action…"))
        self.complete_button.setText(_("Close with evi&dence…"))
        self.table.setHorizontalHeaderLabels([_("Action"), _("Department"), _("Due"), _("State"), _("Evidence")])
        self.table.setAccessibleName(_("Improvement actions for this case"))
        self._fill_choices()
        self._show()

    # -- loading -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        ctx, actor, complaint_id = self.ctx, self.actor, self.complaint_id
        codes_known = list(self._codes)

        def work() -> Loaded:
            detail = ctx.backend.call(actor, get_complaint, complaint_id, with_events=False)
            root = ctx.backend.call(actor, improvements.get_root_cause, complaint_id)
            actions = ctx.backend.call(actor, improvements.list_actions)
            codes = codes_known or ctx.backend.read(list_taxonomy, "C")
            return detail, root, [a for a in actions if detail.case_number in a.case_numbers], codes

        def done(loaded: Loaded) -> None:
            self.detail, self.root, self.case_actions, self._codes = loaded
            self._fill_choices()
            self._show()
            self.sig_loaded.emit()

        def failed(exc: BaseException) -> None:
            show_error(self, exc)
            self.sig_loaded.emit()

        run_call(self, work, done, failed)

    def _fill_choices(self) -> None:
        for combo, items in ((self.level, [(lv.label, lv.value) for lv in RootCauseLevel]),
                             (self.cause_type, [("", "")] + [(t.label, t.value) for t in CauseType]),
                             (self.cause_code, [(f"{c.code} {label_for(c)}", c.code) for c in self._codes])):
            current = combo.currentData()
            combo.clear()
            for text, data in items:
                combo.addItem(text, data)
            if current is not None and combo.findData(current) >= 0:
                combo.setCurrentIndex(combo.findData(current))

    def _show(self) -> None:
        root = self.root
        if root is not None:
            for combo, data in ((self.level, root.level.value), (self.cause_code, root.cause_code),
                                (self.cause_type, root.cause_type.value if root.cause_type else "")):
                combo.setCurrentIndex(max(combo.findData(data), 0))
            for edit, text in ((self.data_finding, root.data_finding), (self.rules_finding, root.rules_finding),
                               (self.process_finding, root.process_finding)):
                if edit.toPlainText() != text:
                    edit.setPlainText(text)
            self.state_label.setText(_("Recorded by {name} on {at}.").format(
                name=root.recorded_by, at=self._local(root.recorded_at)))
        elif self.detail is not None and not self.due():
            self.state_label.setText(_("The root cause is recorded from the analysis step (析) on."))
        else:
            self.state_label.setText(_("No root cause recorded yet."))
        chosen = self.selected_id
        self.table.setRowCount(len(self.case_actions))
        for r, action in enumerate(self.case_actions):
            state = action.state.label + (" · " + _("overdue") if action.overdue else "")
            due = action.due_on.isoformat() if action.due_on else ""
            for c, text in enumerate((action.title, action.department, due, state, action.evidence)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        again = next((r for r, a in enumerate(self.case_actions) if a.id == chosen), None)
        if again is not None:  # a reload keeps the chosen action chosen
            self.table.setCurrentCell(again, 0)
        self._update_enabled()

    def _local(self, at: datetime) -> str:
        return at.astimezone(self.ctx.office_tz).strftime("%Y-%m-%d %H:%M")

    def due(self) -> bool:
        detail = self.detail
        return detail is not None and root_cause_due(detail.status.value,
                                                     detail.stage.value if detail.stage else None)

    @property
    def selected_id(self) -> uuid.UUID | None:
        chosen = self.selected()
        return chosen.id if chosen is not None else None

    def selected(self) -> ActionInfo | None:
        row = self.table.currentRow()  # the keyboard's row (Tab into the table makes the first current)
        return self.case_actions[row] if 0 <= row < len(self.case_actions) else None

    def _update_enabled(self) -> None:
        editable = self.may_handle and (self.due() or self.root is not None)
        for widget in (self.level, self.cause_code, self.cause_type, self.data_finding, self.rules_finding,
                       self.process_finding, self.save_button):
            widget.setEnabled(editable)
        self.new_button.setEnabled(self.may_manage and self.detail is not None)
        chosen = self.selected()
        self.complete_button.setEnabled(self.may_manage and chosen is not None
                                        and chosen.state in (ActionState.PLANNED, ActionState.IN_PROGRESS))

    # -- saving --------------------------------------------------------------------------------------
    def save(self) -> None:
        ctx, actor, complaint_id = self.ctx, self.actor, self.complaint_id
        level = RootCauseLevel(self.level.currentData())
        code = str(self.cause_code.currentData() or "")
        kind = CauseType(self.cause_type.currentData()) if self.cause_type.currentData() else None
        texts = (self.data_finding.toPlainText(), self.rules_finding.toPlainText(),
                 self.process_finding.toPlainText())

        def work() -> RootCauseInfo:
            return ctx.backend.call(actor, improvements.record_root_cause, complaint_id, level, code,
                                    cause_type=kind, data_finding=texts[0], rules_finding=texts[1],
                                    process_finding=texts[2])

        def done(root: RootCauseInfo) -> None:
            self.root = root
            self.save_button.setEnabled(True)
            self._show()
            self.sig_changed.emit()

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            if isinstance(exc, UserError):
                self.error.show_message(str(exc))
            else:
                show_error(self, exc)

        self.error.clear()
        self.save_button.setEnabled(False)
        run_call(self, work, done, failed)

    def new_action(self) -> QDialog:
        cause = self.root.cause_code if self.root is not None else ""
        dialog = NewActionDialog(self.ctx, self.actor, (self.complaint_id,), cause,
                                 datetime.now(self.ctx.office_tz).date(), self)
        return self._open(dialog)

    def complete_selected(self) -> QDialog | None:
        action = self.selected()
        if action is None:
            return None
        return self._open(TextDialog(self.ctx, self.actor, action, review=False, parent=self))

    def _open(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            if result == QDialog.DialogCode.Accepted:
                self.sig_changed.emit()
                self.refresh()

        dialog.finished.connect(finished)
        dialog.open()
        return dialog
