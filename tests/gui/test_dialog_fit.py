"""Buttons always visible: every dialog and window opened from the main window — the gallery the screenshots
and the keyboard test open (``ui.dialog_gallery``: settings, export, import, letters, sign-in, receipt preview,
user, branch, the case view's dialogs, the approvals of the overview's queue, …), each case action, the
receipt prompt and each first-run wizard page — fits a 1366×768 screen at 100 % and at 150 % display scaling
(911×512 logical pixels): it opens no larger than the screen, shrinks to it, keeps every widget inside and cuts
no text (``ui.screen_fit.dialog_problems``)."""

from __future__ import annotations

import pytest
from gui_support import SetUp, open_case_by_number, open_main_window
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from remote_support import when_shown

from desk_app.domain.enums import Status
from desk_app.services import demo
from tests.support.gui import first_case_number, shown
from ui import screen_fit
from ui.dialog_gallery import every_dialog
from ui.dialogs.first_run_wizard import FirstRunWizard
from ui.help.help_browser import HelpWindow
from ui.i18n import LanguageSupport, switch_language
from ui.letters.actions import ask_receipt
from ui.main_window import MainWindow
from ui.screen_fit import dialog_problems, logical_screen

SCALES = (1.0, 1.5)


def _on_screen(monkeypatch: pytest.MonkeyPatch, scale: float) -> tuple[int, int]:
    """Dialogs opened from now on see a 1366×768 screen at ``scale`` (the offscreen one is 800×800)."""
    size = logical_screen(scale)
    monkeypatch.setattr(screen_fit, "available_size", lambda _widget: size)
    return size


def _check(name: str, dialog: QWidget, size: tuple[int, int], found: list[str]) -> None:
    found += [f"{name} at {size[0]}×{size[1]}: {p}" for p in dialog_problems(dialog, size)]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("username", ["sh01.supervisor", "admin"])
def test_every_dialog_fits_the_screen_at_100_and_150_percent(qtbot: QtBot, set_up: SetUp, username: str,
                                                              language: str, language_support: LanguageSupport,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    if set_up.db.engine.dialect.name != "sqlite":
        pytest.skip("layout does not depend on the database")
    demo.generate_demo_data(set_up.db, 90, seed=5)
    switch_language(language)
    window = open_main_window(qtbot, set_up, username)
    qtbot.waitUntil(lambda: window.overview_page.overview is not None, timeout=10_000)
    found: list[str] = []
    for scale in SCALES:
        size = _on_screen(monkeypatch, scale)
        for name, make in every_dialog(window):
            with shown(qtbot, make()) as dialog:
                _check(name, dialog, size, found)
        _case_actions(qtbot, set_up, window, size, found)
    monkeypatch.setattr(QMessageBox, "exec", QDialog.exec)  # really shown (tests record message boxes)
    seen = when_shown(QMessageBox, lambda box: (_check("receipt prompt", box, size, found), box.reject()))
    ask_receipt(window, "SH01-20261207-0001")
    assert len(seen) == 1
    assert found == [], "\n".join(found)


def _case_actions(qtbot: QtBot, set_up: SetUp, window: MainWindow, size: tuple[int, int],
                  found: list[str]) -> None:
    """Each action a case offers in each status opens its dialog (as ``test_mnemonics`` walks them)."""
    for status in (Status.REGISTERED, Status.IN_PROGRESS, Status.RESPONDED, Status.AWAITING_CALLBACK):
        number = first_case_number(set_up.db, window.actor.branch_id, status)
        if number is None:
            continue
        view = open_case_by_number(qtbot, window, number)
        for action, button in list(view.action_buttons.items()):
            if not button.isVisible() or not button.isEnabled():
                continue
            button.click()
            qtbot.waitUntil(lambda v=view: v.active_dialog is not None and v.active_dialog.isVisible(), timeout=5000)
            dialog = view.active_dialog
            assert dialog is not None
            _check(f"{status.value} case ▸ {action.value}", dialog, size, found)
            dialog.reject()
            QApplication.processEvents()
        window.navigation.setCurrentRow(0)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_first_run_wizard_page_fits_the_screen_at_100_and_150_percent(
        qtbot: QtBot, language: str, language_support: LanguageSupport, monkeypatch: pytest.MonkeyPatch) -> None:
    switch_language(language)
    found: list[str] = []
    for scale in SCALES:
        size = _on_screen(monkeypatch, scale)
        wizard = FirstRunWizard()
        qtbot.addWidget(wizard)
        wizard.show()
        qtbot.waitExposed(wizard)
        for page_id in wizard.pageIds():
            wizard.setStartId(page_id)
            wizard.restart()
            QApplication.processEvents()
            _check(f"wizard page {type(wizard.page(page_id)).__name__}", wizard, size, found)
        wizard.close()
    assert found == [], "\n".join(found)


def test_the_help_window_fits_the_screen_at_100_and_150_percent(
        qtbot: QtBot, language_support: LanguageSupport, monkeypatch: pytest.MonkeyPatch) -> None:
    switch_language("zh_CN")
    found: list[str] = []
    for scale in SCALES:
        size = _on_screen(monkeypatch, scale)
        window = HelpWindow()
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        _check("help", window, size, found)
        window.close()
    assert found == [], "\n".join(found)
