"""The one table model behind the overview's lists (urgent cases, work queues, approvals): plain frozen rows,
never ORM objects, with translated headers. A subclass gives its columns and each cell's text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTableView, QWidget

from desk_app.i18n import _
from ui.tables import readonly_table

Index = QModelIndex | QPersistentModelIndex
Row = TypeVar("Row")
_TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)


class RowTableModel(QAbstractTableModel, Generic[Row]):
    """Rows of one dataclass. ``columns`` are untranslated headers (``N_``); ``text`` gives a cell's text and
    ``decoration`` anything else a cell shows (icon, colour, tool tip) for a role."""

    columns: Sequence[str] = ()

    def __init__(self) -> None:
        super().__init__()
        self._rows: tuple[Row, ...] = ()

    def set_rows(self, rows: tuple[Row, ...]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row(self, row: int) -> Row:
        return self._rows[row]

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.columns) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.columns):
            return _(self.columns[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        if role in _TEXT_ROLES:
            return self.text(item, index.column())
        return self.decoration(item, index.column(), role)

    def text(self, item: Row, column: int) -> str:
        raise NotImplementedError

    def decoration(self, item: Row, column: int, role: int) -> Any:
        return None


def row_table(parent: QWidget, name: str, model: QAbstractTableModel) -> QTableView:
    """A read-only table of whole rows, sized to its contents; Enter or a double-click activates a row."""
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(model)
    return readonly_table(table)
