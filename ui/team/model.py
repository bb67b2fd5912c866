"""Table model of the team figures (handler or branch rows, plain dataclasses); sorts by the numbers, not their text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desk_app.domain.team_figures import CaseFigures
from desk_app.i18n import N_, _

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole


FigureRow = CaseFigures
"""A handler's or a branch's figures (HandlerFigures, BranchFigures)."""


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


#: (header, display text, sort key) per column.
COLUMNS: tuple[tuple[str, Callable[[FigureRow], str], Callable[[FigureRow], Any]], ...] = (
    (N_("Handler"), lambda r: r.name, lambda r: r.name),
    (N_("Branch"), lambda r: r.branch_code, lambda r: r.branch_code),
    (N_("Open"), lambda r: str(r.open_cases), lambda r: r.open_cases),
    (N_("Due this week"), lambda r: str(r.due_this_week), lambda r: r.due_this_week),
    (N_("Overdue"), lambda r: str(r.overdue), lambda r: r.overdue),
    (N_("Cases in period"), lambda r: str(r.period_cases), lambda r: r.period_cases),
    (N_("On-time rate"), lambda r: _percent(r.on_time_rate), lambda r: -1.0 if r.on_time_rate is None
     else r.on_time_rate),
    (N_("Median days to respond"), lambda r: _days(r.median_days_to_respond),
     lambda r: -1.0 if r.median_days_to_respond is None else r.median_days_to_respond),
    (N_("Satisfaction (1–5)"), lambda r: "—" if r.satisfaction is None else f"{r.satisfaction:.2f}",
     lambda r: -1.0 if r.satisfaction is None else r.satisfaction),
    (N_("Reopen / review rate"), lambda r: _percent(r.reopen_rate),
     lambda r: -1.0 if r.reopen_rate is None else r.reopen_rate),
    (N_("Quality score"), lambda r: "—" if r.quality_score is None else f"{r.quality_score:.0f}",
     lambda r: -1.0 if r.quality_score is None else r.quality_score),
)
OPEN_COLUMN = 2


class TeamModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: Sequence[FigureRow] = ()
        self._first_header = ""

    def set_first_header(self, text: str) -> None:
        """The first column names handlers or branches."""
        self._first_header = text
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)

    def set_rows(self, rows: Sequence[FigureRow]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row(self, row: int) -> FigureRow:
        return self._rows[row]

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(COLUMNS):
            return self._first_header if section == 0 and self._first_header else _(COLUMNS[section][0])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        _header, text, key = COLUMNS[index.column()]
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text(row)
        if role == SORT_ROLE:
            return key(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= OPEN_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
