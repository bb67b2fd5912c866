"""The main window: status bar, overview figures, navigation, run-time language switch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from gui_support import SetUp
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desk_app import i18n
from desk_app.config import AppConfig
from desk_app.db.engine import url_label
from desk_app.db.migrate import schema_state
from desk_app.domain.enums import Severity, Status
from desk_app.services import demo
from desk_app.services.overview import UrgentCase, case_overview
from ui.context import AppContext, database_label, local_backend
from ui.i18n import LanguageSupport
from ui.main_window import MainWindow
from ui.overview.model import DEADLINE_COLUMN, UrgentCaseModel
from ui.overview.page import OverviewPage


@pytest.fixture
def window(qtbot: QtBot, set_up: SetUp) -> MainWindow:
    demo.generate_demo_data(set_up.db, 60, seed=7)
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), local_backend(set_up.db),
                     schema_state(set_up.db.engine).current)
    win = MainWindow(ctx, set_up.admin)
    qtbot.addWidget(win)
    win.show()
    page = win.current_page()
    assert isinstance(page, OverviewPage)
    qtbot.waitUntil(lambda: page.overview is not None, timeout=10_000)
    return win


def _menu_titles(win: MainWindow) -> list[str]:
    return [action.text() for action in win.menuBar().actions()]


def test_status_bar_shows_database_schema_and_user(window: MainWindow, set_up: SetUp) -> None:
    url = str(set_up.db.engine.url)
    assert window.db_status.toolTip() == url_label(url) == database_label(window.ctx)  # all of it
    shown = window.db_status.text().removeprefix("Database: ")
    assert url_label(url).endswith(shown.removeprefix("…")) and len(shown) <= 36  # the file's name fits
    if set_up.db.dialect == "sqlite":
        assert window.db_status.text().endswith(".sqlite3")
    else:
        assert "***" in window.db_status.text() or "@" not in url
    assert window.schema_status.text() == f"Schema: {schema_state(set_up.db.engine).current}"
    assert window.user_status.text() == "Signed in: 王管理 (Administrator)"


def test_database_label_masks_passwords() -> None:
    assert url_label("postgresql+psycopg://desk:s3cret@db.example/desk") == \
        "postgresql+psycopg://desk:***@db.example/desk"
    assert url_label("sqlite:////var/lib/desk/desk.sqlite3") == "/var/lib/desk/desk.sqlite3"


def test_overview_shows_the_services_figures(window: MainWindow, set_up: SetUp) -> None:
    page = window.current_page()
    assert isinstance(page, OverviewPage) and page.overview is not None
    expected = case_overview(set_up.db, set_up.admin, page.overview.today)
    assert page.open_tile.number.text() == str(expected.open)
    assert page.overdue_tile.number.text() == str(expected.overdue)
    assert page.due_soon_tile.number.text() == str(expected.due_soon)
    assert page.status_tiles[Status.CLOSED].number.text() == str(expected.counts[Status.CLOSED])
    assert page.overdue_tile.accessibleName() == f"Overdue: {expected.overdue}"
    assert page.model.rowCount() == len(expected.urgent)
    assert [page.model.row(r).case_number for r in range(page.model.rowCount())] == \
        [c.case_number for c in expected.urgent]


def _case(days_left: int) -> UrgentCase:
    return UrgentCase(case_number=f"BJ01-20261120-{days_left + 10:04d}",
                      received_at=datetime(2026, 11, 20, 1, 30, tzinfo=UTC), customer_name="张**",
                      status=Status.IN_PROGRESS, severity=Severity.SERIOUS,
                      due_on=date(2026, 11, 23) + timedelta(days=days_left), days_left=days_left)


def test_overdue_rows_carry_icon_and_text_not_only_colour(qapp: object) -> None:
    model = UrgentCaseModel(ZoneInfo("Asia/Shanghai"))
    model.set_rows((_case(-3), _case(-1), _case(0), _case(2), _case(5)))
    texts = [model.data(model.index(r, DEADLINE_COLUMN)) for r in range(5)]
    assert texts == ["Overdue by 3 days", "Overdue by 1 day", "Due today", "2 days left", "5 days left"]
    icons = [model.data(model.index(r, DEADLINE_COLUMN), Qt.ItemDataRole.DecorationRole) for r in range(5)]
    assert [icon is not None and not icon.isNull() for icon in icons] == [True, True, True, True, False]
    assert icons[0].cacheKey() != icons[2].cacheKey()  # overdue and due-soon icons differ
    assert model.data(model.index(0, DEADLINE_COLUMN), Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(model.index(4, DEADLINE_COLUMN), Qt.ItemDataRole.ForegroundRole) is None
    assert model.data(model.index(0, 1)) == "2026-11-20 09:30"  # shown in the office's time zone
    assert model.data(model.index(0, 2)) == "张**"
    assert model.data(model.index(0, 3)) == "In progress"
    i18n.set_language("zh_CN")
    assert model.data(model.index(0, DEADLINE_COLUMN)) == "已逾期 3 天"
    assert model.data(model.index(3, DEADLINE_COLUMN)) == "剩余 2 天"
    assert model.data(model.index(0, 4)) == "严重"


def test_urgent_case_model_passes_the_model_tester(qtmodeltester: object, window: MainWindow) -> None:
    page = window.current_page()
    assert isinstance(page, OverviewPage)
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]
    empty = UrgentCaseModel(page._ctx.office_tz)
    qtmodeltester.check(empty)  # type: ignore[attr-defined]


def test_navigation_lists_only_working_pages(window: MainWindow) -> None:
    assert window.page_titles() == ["Overview", "Case list", "Dashboard", "Legal reference", "Administration",
                                    "Audit log", "Improvements"]


def test_language_switch_retranslates_the_window(window: MainWindow, language_support: LanguageSupport,
                                                 qtbot: QtBot) -> None:
    assert _menu_titles(window) == ["&File", "&View", "&Help"]
    window.language_actions["zh_CN"].trigger()
    assert i18n.current_language() == "zh_CN"
    assert _menu_titles(window) == ["文件(&F)", "视图(&V)", "帮助(&H)"]
    assert window.page_titles() == ["概览", "案件列表", "数据看板", "法律查询", "系统管理", "审计日志", "改进措施"]
    assert window.quit_action.text() == "退出(&Q)"
    assert window.user_status.text() == "当前用户：王管理（管理员）"
    page = window.current_page()
    assert isinstance(page, OverviewPage)
    assert page.overdue_tile.caption.text() == "已逾期"
    assert page.status_tiles[Status.CLOSED].caption.text() == "已结案"
    assert page.model.headerData(0, Qt.Orientation.Horizontal) == "案件编号"
    assert window.language_actions["zh_CN"].isChecked()

    window.language_actions["en"].trigger()
    assert _menu_titles(window) == ["&File", "&View", "&Help"]
    assert window.page_titles() == ["Overview", "Case list", "Dashboard", "Legal reference", "Administration",
                                    "Audit log", "Improvements"]
    assert page.status_tiles[Status.CLOSED].caption.text() == "Closed"
    assert window.language_actions["en"].isChecked()


def test_refresh_reloads_after_new_cases(window: MainWindow, set_up: SetUp, qtbot: QtBot) -> None:
    page = window.current_page()
    assert isinstance(page, OverviewPage) and page.overview is not None
    before = page.overview
    demo.generate_demo_data(set_up.db, 5, seed=8, now=datetime.now().astimezone())
    window.refresh_action.trigger()
    qtbot.waitUntil(lambda: page.overview is not before, timeout=10_000)
    assert page.overview is not None and page.overview.today == page.today()
    assert isinstance(page.overview.today, date)
