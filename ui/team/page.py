"""The team page: per handler, open cases, due this week, overdue, on-time rate, median days to respond,
satisfaction and reopen rate for the chosen period (desk_app.services.team); a sortable table. Head office
chooses a branch or sees every branch's handlers with their branch code."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, QSortFilterProxyModel, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.i18n import _
from desk_app.services.access import sees_all_branches
from desk_app.services.branches import BranchInfo, list_branches
from desk_app.services.team import TeamFigures, team_figures
from ui import icons
from ui.context import AppContext
from ui.page import Page
from ui.tables import readonly_table
from ui.tasks import run_call
from ui.team.chart import LoadChart
from ui.team.model import OPEN_COLUMN, SORT_ROLE, TeamModel

#: The period shown first: the last 90 days (a quarter's worth of decisions and callbacks).
DEFAULT_DAYS = 90


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class TeamPage(Page):
    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teamPage")
        self.ctx, self.actor = ctx, actor
        self.figures: TeamFigures | None = None
        self.hq = sees_all_branches(actor)
        today = datetime.now(ctx.office_tz).date()
        self.title = QLabel(self)
        self.title.setObjectName("pageTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.from_label, self.to_label, self.branch_label = QLabel(self), QLabel(self), QLabel(self)
        self.date_from = QDateEdit(_qdate(today - timedelta(days=DEFAULT_DAYS - 1)), self)
        self.date_to = QDateEdit(_qdate(today), self)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.from_label.setBuddy(self.date_from)
        self.to_label.setBuddy(self.date_to)
        self.branch = QComboBox(self)
        self.branch.setObjectName("teamBranch")
        self.branch_label.setBuddy(self.branch)
        self.branch_label.setVisible(self.hq)
        self.branch.setVisible(self.hq)
        self.per_branch = QCheckBox(self)
        self.per_branch.setObjectName("teamPerBranch")
        self.per_branch.setVisible(self.hq)
        self.per_branch.toggled.connect(lambda _on: self._show_rows())
        self.show_button = QPushButton(self)
        self.show_button.setObjectName("teamShow")
        self.show_button.clicked.connect(self.refresh)
        row = QHBoxLayout()
        for widget in (self.from_label, self.date_from, self.to_label, self.date_to, self.branch_label,
                       self.branch, self.per_branch, self.show_button):
            row.addWidget(widget)
        row.addStretch(1)
        self.model = TeamModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView(self)
        self.table.setObjectName("teamTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(OPEN_COLUMN, Qt.SortOrder.DescendingOrder)
        readonly_table(self.table)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.notes = QLabel(self)
        self.notes.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.table, 2)
        self.chart = LoadChart(self)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.notes)
        self._branches_loaded = False
        self.retranslate_ui()

    def nav_title(self) -> str:
        return _("Team")

    def nav_icon(self) -> QIcon:
        return icons.icon(icons.DASHBOARD)

    def branch_id(self) -> uuid.UUID | None:
        value = self.branch.currentData()
        return value if isinstance(value, uuid.UUID) else None

    def refresh(self) -> None:
        backend, actor = self.ctx.backend, self.actor
        if self.hq and not self._branches_loaded:
            self._branches_loaded = True
            run_call(self, lambda: backend.read(list_branches), self._fill_branches)
        start, end = self.date_from.date().toPython(), self.date_to.date().toPython()
        assert isinstance(start, date) and isinstance(end, date)
        branch = self.branch_id()
        self.status.setText(_("Loading…"))
        run_call(self, lambda: backend.call(actor, team_figures, start, end, branch), self._show)

    def _fill_branches(self, branches: list[BranchInfo]) -> None:
        current = self.branch_id()
        self.branch.clear()
        self.branch.addItem(_("All branches"), None)
        for info in branches:
            if not info.is_headquarters:
                self.branch.addItem(f"{info.code} {info.name}", info.id)
        index = self.branch.findData(current)
        self.branch.setCurrentIndex(max(index, 0))

    def _show(self, figures: TeamFigures) -> None:
        self.figures = figures
        self._show_rows()

    def _show_rows(self) -> None:
        """Handlers, or (head office, "Per branch") one row per branch."""
        figures = self.figures
        if figures is None:
            return
        branches = self.per_branch.isChecked()
        self.model.set_rows(figures.branches if branches else figures.rows)
        self.chart.show_rows(figures.branches if branches else figures.rows)
        self.model.set_first_header(_("Branch name") if branches else _("Handler"))
        text = (_("{n} branches") if branches else _("{n} handlers")).format(
            n=len(figures.branches if branches else figures.rows))
        self.status.setText(_("{rows} · period {start} to {end} · as of {today}").format(
            rows=text, start=figures.date_from.isoformat(), end=figures.date_to.isoformat(),
            today=figures.today.isoformat()))

    def retranslate_ui(self) -> None:
        self.title.setText(_("Team workload and figures"))
        self.from_label.setText(_("Fro&m"))
        self.to_label.setText(_("T&o"))
        self.branch_label.setText(_("&Branch"))
        self.show_button.setText(_("&Show"))
        self.per_branch.setText(_("&Per branch"))
        self.table.setAccessibleName(_("Figures per handler"))
        self.date_from.setAccessibleName(_("Period start"))
        self.date_to.setAccessibleName(_("Period end"))
        self.branch.setAccessibleName(_("Branch"))
        if self.branch.count():
            self.branch.setItemText(0, _("All branches"))
        self.notes.setText(_(
            "Open, due this week and overdue: the handler's cases now. The other figures cover the cases received "
            "in the period: on-time rate of those that needed a decision, median days from receipt to the "
            "decision, mean satisfaction of the last scored callback, and the share of decided cases re-opened "
            "or taken to review. Click a column header to sort."))
        self.model.retranslate()
