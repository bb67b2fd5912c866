"""One key, one meaning: every window — the main window with each of its pages and an open case, and the
dialogs opened from it — has no mnemonic or shortcut twice, and no Alt letter that its menu bar's titles
(File, View, Help) already use. The findings are printed per window (``pytest -s``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from gui_support import SetUp, open_case_by_number, open_main_window
from mnemonics import bindings, menu_letters, problems
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from remote_support import when_shown

from desk_app.domain.enums import Role, Status
from desk_app.services import demo
from tests.support.gui import first_case_number, shown
from ui.cases.case_view import CaseView
from ui.dialog_gallery import every_dialog
from ui.letters.actions import ask_receipt
from ui.main_window import MainWindow


def _report(name: str, window: QWidget, found: dict[str, list[str]]) -> None:
    keys = sorted({b.keys for b in bindings(window)})
    print(f"{name}: {', '.join(keys)}")
    if trouble := problems(window):
        found[name] = trouble


def _dialogs(window: MainWindow) -> list[tuple[str, Callable[[], QDialog]]]:
    """Every dialog opened from the main window (``ui.dialog_gallery``, as the screenshots open them)."""
    return every_dialog(window)


@pytest.mark.parametrize("username", ["sh01.clerk", "sh01.supervisor", "admin"])
def test_no_window_binds_a_key_twice_or_clashes_with_the_menu_bar(qtbot: QtBot, set_up: SetUp, username: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    if set_up.db.engine.dialect.name != "sqlite":
        pytest.skip("keys do not depend on the database")
    demo.generate_demo_data(set_up.db, 90, seed=5)
    window = open_main_window(qtbot, set_up, username)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.overview_page.overview is not None, timeout=10_000)
    assert set(menu_letters(window)) == {"Alt+F", "Alt+V", "Alt+H"}
    found: dict[str, list[str]] = {}
    for row, title in enumerate(window.page_titles()):
        window.navigation.setCurrentRow(row)
        qtbot.wait(20)
        _report(f"main window ▸ {title}", window, found)
    opened = 0
    for status in (Status.REGISTERED, Status.IN_PROGRESS, Status.RESPONDED, Status.AWAITING_CALLBACK):
        number = first_case_number(set_up.db, window.actor.branch_id, status)
        if number is None:
            continue
        opened += 1
        view = open_case_by_number(qtbot, window, number)
        for index in range(view.side_tabs.count()):
            view.side_tabs.setCurrentIndex(index)
            qtbot.wait(20)
            _report(f"main window ▸ {status.value} case ▸ {view.side_tabs.tabText(index)}", window, found)
        _case_dialogs(qtbot, view, found)
        window.navigation.setCurrentRow(0)
    assert opened >= 2 or window.actor.role is Role.ADMINISTRATOR
    for name, make in _dialogs(window):
        with shown(qtbot, make()) as dialog:
            _report(name, dialog, found)

    def prompt(box: QMessageBox) -> None:
        _report("receipt prompt", box, found)
        box.reject()

    monkeypatch.setattr(QMessageBox, "exec", QDialog.exec)  # really shown (tests record message boxes)
    seen = when_shown(QMessageBox, prompt)
    ask_receipt(window, "SH01-20261207-0001")
    assert len(seen) == 1
    assert found == {}, "\n".join(f"{name}: {p}" for name, ps in found.items() for p in ps)


def _case_dialogs(qtbot: QtBot, view: CaseView, found: dict[str, list[str]]) -> None:
    """Each action the case offers opens its dialog: its keys, then Cancel."""
    for action, button in list(view.action_buttons.items()):
        if not button.isVisible() or not button.isEnabled():
            continue
        button.click()
        with contextlib.suppress(qtbot.TimeoutError):
            qtbot.waitUntil(lambda: view.active_dialog is not None and view.active_dialog.isVisible(),
                            timeout=5000)
        dialog = view.active_dialog
        if dialog is None:
            continue
        _report(f"case action {action.value}", dialog, found)
        dialog.reject()
        qtbot.waitUntil(lambda: view.active_dialog is None or not view.active_dialog.isVisible(), timeout=5000)
        QApplication.processEvents()
