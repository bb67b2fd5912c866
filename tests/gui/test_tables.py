"""The shared read-only table (ui.tables.readonly_table), driven from the keyboard as counter staff use it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ui.tables import readonly_table


def _form(qtbot: QtBot) -> tuple[QWidget, QTableWidget, QLineEdit]:
    form = QWidget()
    qtbot.addWidget(form)
    table = readonly_table(QTableWidget(3, 3, form))
    for row in range(3):
        for column in range(3):
            table.setItem(row, column, QTableWidgetItem(f"{row}/{column}"))
    after = QLineEdit(form)
    layout = QVBoxLayout(form)
    layout.addWidget(table)
    layout.addWidget(after)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    table.setFocus()
    table.setCurrentCell(0, 0)
    qtbot.waitUntil(table.hasFocus)
    return form, table, after


def test_keys_neither_edit_a_cell_nor_walk_the_cells_with_tab(qtbot: QtBot) -> None:
    _form_widget, table, after = _form(qtbot)
    qtbot.keyClick(table, Qt.Key.Key_F2)  # Qt's edit key, then typing over the cell
    qtbot.keyClicks(QApplication.focusWidget(), "x")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert QApplication.focusWidget() is table and table.item(0, 0).text() == "0/0"
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert [index.row() for index in table.selectionModel().selectedRows()] == [1]
    assert len(table.selectedItems()) == 3  # the whole row
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is after  # one Tab leaves the table


def test_one_row_at_a_time_and_no_row_numbers(qtbot: QtBot) -> None:
    _form_widget, table, _after = _form(qtbot)
    qtbot.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert [index.row() for index in table.selectionModel().selectedRows()] == [1]
    assert table.verticalHeader().isHidden()
    assert table.horizontalHeader().stretchLastSection()
