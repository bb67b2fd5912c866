"""Table models of the overview's case lists: the most urgent open cases, and the work queues (cases to assign,
overdue cases). Plain UrgentCase / QueueCase rows, never ORM objects."""

from __future__ import annotations

from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from desk_app.i18n import N_, _, ngettext
from desk_app.services.overview import DUE_SOON_DAYS, QueueCase, UrgentCase
from ui import icons
from ui.overview.table_model import RowTableModel

COLUMNS: tuple[str, ...] = (N_("Case number"), N_("Received"), N_("Customer"), N_("Status"),
                            N_("Severity"), N_("Due on"), N_("Deadline"))
DEADLINE_COLUMN = COLUMNS.index("Deadline")
QUEUE_COLUMNS: tuple[str, ...] = (N_("Case number"), N_("Branch"), N_("Received"), N_("Customer"), N_("Severity"),
                                  N_("Handler"), N_("Due on"), N_("Deadline"))
_OVERDUE_BRUSH = QBrush(QColor("#a61b1b"))


def deadline_text(case: UrgentCase | QueueCase) -> str:
    """Icon-independent wording of the deadline, so overdue rows never rely on colour alone."""
    if case.days_left < 0:
        n = -case.days_left
        return ngettext("Overdue by {n} day", "Overdue by {n} days", n).format(n=n)
    if case.days_left == 0:
        return _("Due today")
    return ngettext("{n} day left", "{n} days left", case.days_left).format(n=case.days_left)


def _deadline_decoration(case: UrgentCase | QueueCase, role: int) -> Any:
    """The deadline cell's icon, colour and tool tip."""
    overdue = case.days_left < 0
    if role == Qt.ItemDataRole.DecorationRole:
        if overdue:
            return icons.icon(icons.OVERDUE)
        if case.days_left <= DUE_SOON_DAYS:
            return icons.icon(icons.DUE_SOON)
    if role == Qt.ItemDataRole.ForegroundRole and overdue:
        return _OVERDUE_BRUSH
    if role == Qt.ItemDataRole.ToolTipRole:
        return deadline_text(case)
    return None


CaseRow = TypeVar("CaseRow", UrgentCase, QueueCase)


class _CaseRowsModel(RowTableModel[CaseRow]):
    """Case rows with times in the office's zone and a deadline column (the last) with icon and colour."""

    def __init__(self, office_tz: ZoneInfo) -> None:
        super().__init__()
        self._tz = office_tz

    def decoration(self, item: CaseRow, column: int, role: int) -> Any:
        return _deadline_decoration(item, role) if column == len(self.columns) - 1 else None

    def received(self, item: CaseRow) -> str:
        return item.received_at.astimezone(self._tz).strftime("%Y-%m-%d %H:%M")


class UrgentCaseModel(_CaseRowsModel[UrgentCase]):
    columns = COLUMNS

    def text(self, item: UrgentCase, column: int) -> str:
        return (item.case_number, self.received(item), item.customer_name, item.status.label, item.severity.label,
                item.due_on.isoformat(), deadline_text(item))[column]


class QueueCaseModel(_CaseRowsModel[QueueCase]):
    """A work queue: who has the case (empty: nobody yet) and how its deadline stands."""

    columns = QUEUE_COLUMNS

    def text(self, item: QueueCase, column: int) -> str:
        return (item.case_number, item.branch_code, self.received(item), item.customer_name, item.severity.label,
                item.owner_name or _("not assigned"), item.due_on.isoformat(), deadline_text(item))[column]
