"""Keyboard and screen-reader audit (ui.accessibility.audit) of every page a branch supervisor and
an administrator see, and of an open case."""

from __future__ import annotations

import pytest
from gui_support import SetUp
from pytestqt.qtbot import QtBot

from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.services import demo
from desk_app.services.accounts import authenticate
from ui.accessibility import audit
from ui.context import AppContext
from ui.main_window import MainWindow


@pytest.mark.parametrize("username", ["sh01.supervisor", "admin"])
def test_every_page_is_named_and_reachable_by_keyboard(qtbot: QtBot, set_up: SetUp, username: str) -> None:
    if set_up.db.engine.dialect.name != "sqlite":
        pytest.skip("widgets do not depend on the database")
    demo.generate_demo_data(set_up.db, 60, seed=5)
    actor = set_up.admin if username == "admin" else authenticate(set_up.db, username, "demo2026")
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), set_up.db, schema_state(set_up.db.engine).current)
    window = MainWindow(ctx, actor)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitUntil(lambda: window.overview_page.overview is not None, timeout=10_000)
    problems: list[str] = []
    for row in range(window.navigation.count()):
        window.navigation.setCurrentRow(row)
        qtbot.wait(100)
        problems += [f"{window.page_titles()[row]}: {p}" for p in audit(window)]
    overview = window.overview_page.overview
    assert overview is not None
    if overview.urgent:
        window.open_case_number(overview.urgent[0].case_number)
        qtbot.wait(300)
        problems += [f"case: {p}" for p in audit(window)]
    assert sorted(set(problems)) == [], "\n".join(sorted(set(problems)))
