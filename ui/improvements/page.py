"""The improvement page: every improvement action the user may see (their branch's and network-wide ones),
overdue ones first (``improvements.overdue_first``), with department, owner, due date, state, linked cases,
evidence of completion and review; close one with its evidence, review a done one."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.domain.enums import ActionState
from desk_app.i18n import _, ngettext
from desk_app.services import improvements
from desk_app.services.improvements import ActionInfo
from ui import icons
from ui.context import AppContext
from ui.errors import show_error
from ui.improvements.dialogs import TextDialog
from ui.page import Page
from ui.tables import readonly_table
from ui.tasks import run_call

OPEN_STATES = (ActionState.PLANNED, ActionState.IN_PROGRESS)


class ImprovementsPage(Page):
    COLUMNS = 9

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("improvementsPage")
        self.ctx, self.actor = ctx, actor
        self.rows: list[ActionInfo] = []
        self.loaded = False
        self.dialog: QDialog | None = None
        self.title = QLabel(self)
        self.title.setObjectName("pageTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.summary = QLabel(self)
        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setObjectName("improvementsTable")
        readonly_table(self.table, fit_columns=False)
        self.table.currentCellChanged.connect(lambda *_cells: self._update_buttons())
        self.complete_button = QPushButton(self)
        self.complete_button.setObjectName("completeActionButton")
        self.complete_button.clicked.connect(lambda: self.close_selected(review=False))
        self.review_button = QPushButton(self)
        self.review_button.setObjectName("reviewActionButton")
        self.review_button.clicked.connect(lambda: self.close_selected(review=True))
        buttons = QHBoxLayout()
        buttons.addWidget(self.complete_button)
        buttons.addWidget(self.review_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.retranslate_ui()

    def nav_title(self) -> str:
        return _("Improvements")

    def nav_icon(self) -> QIcon:
        return icons.icon(icons.OVERDUE)

    def retranslate_ui(self) -> None:
        self.title.setText(_("Improvement actions (整改)"))
        self.complete_button.setText(_("Close with evi&dence…"))
        self.review_button.setText(_("Revie&w…"))
        self.table.setHorizontalHeaderLabels([_("Action"), _("Department"), _("Owner"), _("Due"), _("State"),
                                              _("Cases"), _("Completed"), _("Evidence"), _("Review")])
        self.table.setAccessibleName(_("Improvement actions, overdue first"))
        self._fill()

    def refresh(self) -> None:
        ctx, actor = self.ctx, self.actor

        def done(rows: list[ActionInfo]) -> None:
            self.rows, self.loaded = rows, True
            self._fill()

        def failed(exc: BaseException) -> None:
            self.loaded = True
            show_error(self, exc)

        run_call(self, lambda: improvements.overdue_first(ctx.backend.call(actor, improvements.list_actions)),
                 done, failed)

    def _fill(self) -> None:
        overdue = sum(a.overdue for a in self.rows)
        still_open = sum(a.state in OPEN_STATES for a in self.rows)
        self.summary.setText(ngettext("{n} action open", "{n} actions open", still_open).format(n=still_open)
                             + " · " + ngettext("{n} overdue", "{n} overdue", overdue).format(n=overdue))
        self.table.setRowCount(len(self.rows))
        for r, a in enumerate(self.rows):
            state = a.state.label + (" · " + _("OVERDUE") if a.overdue else "")
            review = f"{a.review} ({a.reviewed_by})" if a.review else ""
            texts = (a.title, a.department, a.owner_name, a.due_on.isoformat() if a.due_on else "", state,
                     ", ".join(a.case_numbers), a.completed_on.isoformat() if a.completed_on else "", a.evidence,
                     review)
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if a.overdue and c == 4:
                    item.setIcon(icons.icon(icons.OVERDUE))  # with the word, never colour alone
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def selected(self) -> ActionInfo | None:
        row = self.table.currentRow()  # the keyboard's row (Tab into the table makes the first current)
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _update_buttons(self) -> None:
        a = self.selected()
        self.complete_button.setEnabled(a is not None and a.state in OPEN_STATES)
        self.review_button.setEnabled(a is not None and a.state is ActionState.DONE)

    def close_selected(self, *, review: bool) -> QDialog | None:
        action = self.selected()
        if action is None:
            return None
        dialog = TextDialog(self.ctx, self.actor, action, review=review, parent=self)
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            if result == QDialog.DialogCode.Accepted:
                self.refresh()

        dialog.finished.connect(finished)
        dialog.open()
        return dialog
