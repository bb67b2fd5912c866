"""Nothing cut off on a counter PC: every page of the main window, and an open case, fit a 1366×768
screen at 100 % and at 150 % display scaling (911×512 logical pixels), in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_support import SetUp, open_case_by_number, open_main_window
from pytestqt.qtbot import QtBot
from remote_support import server_dialog_for_review
from server_support import LiveServer

from desk_app.services import demo
from tests.support.gui import settled_fit_problems
from ui.i18n import LanguageSupport, switch_language
from ui.screen_fit import clipped_texts, logical_screen


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("username", ["sh01.supervisor", "admin"])
def test_every_page_fits_the_screen_at_100_and_150_percent(qtbot: QtBot, set_up: SetUp, language: str,
                                                            username: str,
                                                            language_support: LanguageSupport) -> None:
    if set_up.db.engine.dialect.name != "sqlite":
        pytest.skip("layout does not depend on the database")
    demo.generate_demo_data(set_up.db, 80, seed=3)
    switch_language(language)
    # the supervisor sees every page a branch has, the administrator the administration and audit pages
    window = open_main_window(qtbot, set_up, username)
    qtbot.waitUntil(lambda: window.overview_page.overview is not None, timeout=10_000)
    problems: list[str] = []
    for scale in (1.0, 1.5):
        size = logical_screen(scale)
        window.resize(*size)
        for row in range(window.navigation.count()):
            window.navigation.setCurrentRow(row)
            problems += [f"{scale}× {window.page_titles()[row]}: {p}"
                         for p in settled_fit_problems(qtbot, window, size)]
        overview = window.overview_page.overview
        assert overview is not None
        number = overview.urgent[0].case_number
        open_case_by_number(qtbot, window, number)
        problems += [f"{scale}× case {number}: {p}" for p in settled_fit_problems(qtbot, window, size)]
        window.navigation.setCurrentRow(0)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_desk_server_dialog_fits_the_screen_at_100_and_150_percent(
        qtbot: QtBot, server: LiveServer, tmp_path: Path, language: str, language_support: LanguageSupport) -> None:
    if server.db.engine.dialect.name != "sqlite":
        pytest.skip("layout does not depend on the database")
    switch_language(language)
    dialog = server_dialog_for_review(qtbot, server, tmp_path / "old-tls")
    problems: list[str] = []
    for scale in (1.0, 1.5):
        width, height = logical_screen(scale)
        hint = dialog.sizeHint()
        if hint.width() > width or hint.height() > height:
            problems.append(f"{scale}× the dialog needs {hint.width()}×{hint.height()}")
        dialog.resize(min(max(hint.width(), dialog.minimumWidth()), width), min(hint.height(), height))
        qtbot.wait(50)
        problems += [f"{scale}× {p}" for p in clipped_texts(dialog)]
    assert problems == [], "\n".join(problems)
