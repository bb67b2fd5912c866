"""The read-only table model over a list of plain rows (users, branches, audit entries, the overview's cases
and approvals), never ORM objects: one ``Column`` per column, with its translated title and how to write a
row's cell."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
#: The row object itself, for views that need more than the text.
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Column(Generic[T]):
    key: str
    title: Callable[[], str]
    text: Callable[[T], str]
    tooltip: Callable[[T], str] | None = None
    #: What else the cell shows for a role (icon, colour, tool tip); when given it answers every role but the
    #: text and ``ROW_ROLE`` (None: nothing), and the default tool tip (the cell's text) is not used.
    decoration: Callable[[T, int], Any] | None = None


class RowsModel(QAbstractTableModel, Generic[T]):
    def __init__(self, columns: Sequence[Column[T]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def append_rows(self, rows: Sequence[T]) -> None:
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def rows(self) -> list[T]:
        return list(self._rows)

    def row(self, number: int) -> T | None:
        return self._rows[number] if 0 <= number < len(self._rows) else None

    def column_of(self, key: str) -> int:
        return next((n for n, c in enumerate(self.columns) if c.key == key), -1)

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.columns) - 1))

    # -- Qt model -------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.columns):
            return self.columns[section].title()
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.row(index.row()) if index.isValid() else None
        if item is None or not 0 <= index.column() < len(self.columns):
            return None
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(item)
        if role == ROW_ROLE:
            return item
        if column.decoration is not None:
            return column.decoration(item, role)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(item) if column.tooltip else column.text(item) or None
        return None


def on_activated(table: QAbstractItemView, model: RowsModel[T], slot: Callable[[T], None]) -> None:
    """Call ``slot`` with the row a user activates in ``table`` (Enter or a double-click)."""

    def activated(index: QModelIndex) -> None:
        row = model.row(index.row())
        if row is not None:
            slot(row)

    table.activated.connect(activated)
