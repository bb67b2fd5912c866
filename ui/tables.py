"""The read-only table: the one set-up every list of rows on the pages and panels shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTableWidget, QTableWidgetItem, QWidget

TableT = TypeVar("TableT", bound=QTableView)


def readonly_table(table: TableT, *, fit_columns: bool = True, wrap: bool = False) -> TableT:
    """Make ``table`` a read-only list: one whole row selected at a time, no editing, alternating row
    colours, no row numbers, the last column taking the spare width.

    Tab leaves the table instead of walking its cells (arrows move between rows), so a keyboard user
    passes a long list in one key. ``fit_columns`` sizes the other columns to their contents; without it
    the user sizes them. ``wrap`` lets long cell text wrap instead of being cut with "…".
    """
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(wrap)
    table.verticalHeader().hide()
    columns = table.horizontalHeader()
    if fit_columns:
        columns.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    columns.setStretchLastSection(True)
    return table


def row_table(parent: QWidget, name: str, model: QAbstractItemModel) -> QTableView:
    """A read-only table of whole rows named ``name``, sized to its contents; Enter or a double-click activates
    a row."""
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(model)
    return readonly_table(table)


def fill_texts(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    """Replace the rows of ``table`` with ``rows`` of cell texts."""
    table.setRowCount(len(rows))
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            table.setItem(i, j, QTableWidgetItem(text))
