"""Table model of the most urgent open cases (plain UrgentCase rows, never ORM objects)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from desk_app.i18n import N_, _, ngettext
from desk_app.services.overview import UrgentCase
from ui import icons

Index = QModelIndex | QPersistentModelIndex
COLUMNS: tuple[str, ...] = (N_("Case number"), N_("Received"), N_("Customer"), N_("Status"),
                            N_("Severity"), N_("Due on"), N_("Deadline"))
DEADLINE_COLUMN = COLUMNS.index("Deadline")
_OVERDUE_BRUSH = QBrush(QColor("#a61b1b"))


def deadline_text(case: UrgentCase) -> str:
    """Icon-independent wording of the deadline, so overdue rows never rely on colour alone."""
    if case.days_left < 0:
        n = -case.days_left
        return ngettext("Overdue by {n} day", "Overdue by {n} days", n).format(n=n)
    if case.days_left == 0:
        return _("Due today")
    return ngettext("{n} day left", "{n} days left", case.days_left).format(n=case.days_left)


class UrgentCaseModel(QAbstractTableModel):
    def __init__(self, office_tz: ZoneInfo) -> None:
        super().__init__()
        self._tz = office_tz
        self._rows: tuple[UrgentCase, ...] = ()

    def set_rows(self, rows: tuple[UrgentCase, ...]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row(self, row: int) -> UrgentCase:
        return self._rows[row]

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(COLUMNS):
            return _(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        case = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(case, column)
        if role == Qt.ItemDataRole.DecorationRole and column == DEADLINE_COLUMN:
            if case.overdue:
                return icons.icon(icons.OVERDUE)
            if case.due_soon:
                return icons.icon(icons.DUE_SOON)
        if role == Qt.ItemDataRole.ForegroundRole and case.overdue and column == DEADLINE_COLUMN:
            return _OVERDUE_BRUSH
        if role == Qt.ItemDataRole.ToolTipRole and column == DEADLINE_COLUMN:
            return deadline_text(case)
        return None

    def _text(self, case: UrgentCase, column: int) -> str:
        match column:
            case 0:
                return case.case_number
            case 1:
                return case.received_at.astimezone(self._tz).strftime("%Y-%m-%d %H:%M")
            case 2:
                return case.customer_name
            case 3:
                return case.status.label
            case 4:
                return case.severity.label
            case 5:
                return case.due_on.isoformat()
            case _:
                return deadline_text(case)
