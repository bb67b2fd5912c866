"""Keyboard and screen-reader audit (ui.accessibility.audit) of every page a branch supervisor and
an administrator see, and of an open case."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_support import SetUp, open_case_by_number, open_main_window
from pytestqt.qtbot import QtBot
from remote_support import server_dialog_for_review
from server_support import LiveServer

from desk_app.services import demo
from ui.accessibility import audit
from ui.dialogs.first_run_wizard import FirstRunWizard


@pytest.mark.parametrize("username", ["sh01.supervisor", "admin"])
def test_every_page_is_named_and_reachable_by_keyboard(qtbot: QtBot, set_up: SetUp, username: str) -> None:
    if set_up.db.engine.dialect.name != "sqlite":
        pytest.skip("widgets do not depend on the database")
    demo.generate_demo_data(set_up.db, 60, seed=5)
    window = open_main_window(qtbot, set_up, username)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.overview_page.overview is not None, timeout=10_000)
    problems: list[str] = []
    for row in range(window.navigation.count()):
        window.navigation.setCurrentRow(row)
        qtbot.wait(100)
        problems += [f"{window.page_titles()[row]}: {p}" for p in audit(window)]
    overview = window.overview_page.overview
    assert overview is not None
    if overview.urgent:
        open_case_by_number(qtbot, window, overview.urgent[0].case_number)
        qtbot.wait(300)
        problems += [f"case: {p}" for p in audit(window)]
    assert sorted(set(problems)) == [], "\n".join(sorted(set(problems)))


def test_the_desk_server_dialog_and_the_wizards_server_page_are_named_and_reachable(
        qtbot: QtBot, server: LiveServer, tmp_path: Path) -> None:
    if server.db.engine.dialect.name != "sqlite":
        pytest.skip("widgets do not depend on the database")
    dialog = server_dialog_for_review(qtbot, server, tmp_path / "old-tls")
    assert audit(dialog) == []
    wizard = FirstRunWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.location_page.server.setChecked(True)
    wizard.next()
    assert wizard.currentPage() is wizard.server_page
    assert audit(wizard) == []
