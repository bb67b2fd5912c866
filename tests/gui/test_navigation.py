"""Working in the main window as branch staff: the pages a role gets, and opening a case from the
overview, then going back to where it was opened from."""

from __future__ import annotations

from gui_support import SetUp, open_case_by_number, open_main_window
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.services import demo
from ui.context import AppContext
from ui.main_window import MainWindow


def _window(qtbot: QtBot, set_up: SetUp, username: str) -> MainWindow:
    demo.generate_demo_data(set_up.db, 80, seed=11)
    return open_main_window(qtbot, set_up, username)


def test_branch_staff_pages_and_opening_a_case(qtbot: QtBot, set_up: SetUp) -> None:
    window = _window(qtbot, set_up, "sh01.supervisor")
    assert window.page_titles() == ["Overview", "Intake", "Case list", "Dashboard", "Legal reference",
                                    "Case library", "Team", "Improvements", "Quality inspection"]
    overview = window.overview_page
    qtbot.waitUntil(lambda: overview.overview is not None, timeout=10_000)
    assert overview.overview is not None and overview.overview.urgent
    first = overview.overview.urgent[0].case_number
    view = open_case_by_number(qtbot, window, first)  # found and read in the background
    assert view.case_label.text() == first
    view.sig_closed.emit()
    qtbot.waitUntil(lambda: window.current_page() is overview, timeout=5000)
    assert window.pages.count() == len(window.page_titles())  # the case view is gone
    assert window.import_action.isVisible()  # a supervisor imports the branch's old registers


def test_a_handler_has_no_import(qtbot: QtBot, set_up: SetUp) -> None:
    window = _window(qtbot, set_up, "sh01.handler")
    assert not window.import_action.isVisible() and window.export_action.isVisible() is False


def test_administrator_gets_no_intake_but_the_guidance_import(qtbot: QtBot, set_up: SetUp) -> None:
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    window = MainWindow(ctx, set_up.admin)
    qtbot.addWidget(window)
    assert "Intake" not in window.page_titles()
    assert window.guidance_action.isVisible()
