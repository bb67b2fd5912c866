"""The case list page: Chinese search (2 and 4 characters), filters, sort, open on double-click/Enter,
pre-filtering, remembered columns, keyboard and language switch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desk_app import i18n
from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.deadlines import DeadlineState
from desk_app.domain.enums import Severity, SpecialFlag, Status
from desk_app.services import demo
from desk_app.services.accounts import authenticate
from desk_app.services.case_list import CaseFilter, SortKey, count_cases
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import CustomerDraft
from tests.support.staff import draft
from ui.cases.case_table_model import Column
from ui.cases.list_page import CaseListPage
from ui.context import AppContext
from ui.i18n import LanguageSupport, switch_language

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def demo_db(gui_db: Database) -> Database:
    demo.generate_demo_data(gui_db, 300, seed=1)
    return gui_db


@pytest.fixture
def special_case(demo_db: Database) -> str:
    """A case no demo case resembles: a rare surname and an unusual story."""
    clerk = authenticate(demo_db, "sh01.clerk", demo.DEMO_PASSWORD)
    case = register_complaint(demo_db, clerk, draft(
        received_at=datetime.now(UTC) - timedelta(days=3), severity=Severity.CRITICAL,
        facts_what="客户称纪念币兑换预约被网点无故取消", flags=frozenset({SpecialFlag.MEDIA}),
        customer=CustomerDraft(name="诸葛明月", phone="13987654321")))
    return case.case_number


def _page(qtbot: QtBot, db: Database, actor: Actor) -> CaseListPage:
    ctx = AppContext(AppConfig(db_url=str(db.engine.url)), LocalBackend(db), schema_state(db.engine).current)
    page = CaseListPage(ctx, actor)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        page.refresh()
    return page


@pytest.fixture
def admin_page(qtbot: QtBot, demo_db: Database) -> CaseListPage:
    return _page(qtbot, demo_db, authenticate(demo_db, "admin", demo.DEMO_PASSWORD))


def _numbers(page: CaseListPage) -> list[str]:
    model = page.model
    return [model.data(model.index(r, Column.CASE_NUMBER)) for r in range(min(model.rowCount(), model.page_size))]


def _type_search(qtbot: QtBot, page: CaseListPage, text: str) -> None:
    """Type ``text`` as a Chinese input method does: one committed character at a time."""
    edit = page.filter_bar.search_edit
    edit.clear()
    edit.setFocus()
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        for char in text:
            event = QInputMethodEvent()
            event.setCommitString(char)
            QApplication.sendEvent(edit, event)
            assert page.filter_bar.pending_search()  # debounced: no query per keystroke
    assert edit.text() == text


def test_search_by_two_and_four_chinese_characters(qtbot: QtBot, admin_page: CaseListPage,
                                                   special_case: str) -> None:
    page = admin_page
    _type_search(qtbot, page, "诸葛")  # 2 characters: customer-name prefix
    assert _numbers(page) == [special_case]
    assert page.filter_bar.count_label.text() == "1 case"
    _type_search(qtbot, page, "纪念币兑")  # 4 characters: the complaint text
    assert _numbers(page) == [special_case]
    _type_search(qtbot, page, "纪念币兑换预约被拒")
    assert page.model.rowCount() == 0 and page.empty_label.isVisibleTo(page)
    assert page.filter_bar.count_label.text() == "0 cases"


def test_enter_in_the_search_box_searches_at_once(qtbot: QtBot, admin_page: CaseListPage, special_case: str) -> None:
    page = admin_page
    qtbot.keyClicks(page.filter_bar.search_edit, special_case[-9:])
    with qtbot.waitSignal(page.model.sig_loaded, timeout=2_000):
        qtbot.keyClick(page.filter_bar.search_edit, Qt.Key.Key_Return)
    assert _numbers(page) == [special_case]
    assert page.table.hasFocus() or QApplication.focusWidget() is page.table


def test_filters_change_the_rows(qtbot: QtBot, admin_page: CaseListPage, demo_db: Database) -> None:
    page = admin_page
    actor = authenticate(demo_db, "admin", demo.DEMO_PASSWORD)
    today = page.today()
    assert page.model.rowCount() == 300
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        page.filter_bar.overdue_check.click()
    overdue = count_cases(demo_db, actor, CaseFilter(overdue=True), today)
    assert 0 < page.model.rowCount() == overdue < 300
    rows = [page.model.row_at(r) for r in range(page.model.rowCount())]
    assert all(row is not None and row.deadline is DeadlineState.OVERDUE for row in rows)
    assert all("Overdue by" in page.model.data(page.model.index(r, Column.DUE)) for r in range(len(rows)))

    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        page.filter_bar.overdue_check.click()
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        page.filter_bar.status_button.action(Status.CLOSED).trigger()
    assert page.filter_bar.status_button.text() == "Status: Closed"
    closed = count_cases(demo_db, actor, CaseFilter(statuses=frozenset({Status.CLOSED})), today)
    assert page.model.rowCount() == closed
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        page.filter_bar.status_button.action(Status.REGISTERED).trigger()
    assert page.filter_bar.status_button.text() == "Status: 2 chosen"
    both = CaseFilter(statuses=frozenset({Status.CLOSED, Status.REGISTERED}))
    assert page.model.rowCount() == count_cases(demo_db, actor, both, today) > closed

    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        page.filter_bar.severity_button.action(Severity.GENERAL).trigger()
    assert page.current_filter().severities == {Severity.GENERAL}
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        page.filter_bar.reset_button.click()
    assert page.model.rowCount() == 300 and page.current_filter() == CaseFilter(office_tz="Asia/Shanghai")


def test_branch_filter_at_headquarters_only(qtbot: QtBot, admin_page: CaseListPage, demo_db: Database) -> None:
    page = admin_page
    qtbot.waitUntil(lambda: bool(page.branch_choices), timeout=10_000)
    assert page.filter_bar.branch_button.isVisibleTo(page)
    sh01 = next(b for b in page.branch_choices if b.code == "SH01")
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        page.filter_bar.branch_button.action(sh01.id).trigger()
    assert 0 < page.model.rowCount() < 300
    assert all(n.startswith("SH01-") for n in _numbers(page))

    clerk_page = _page(qtbot, demo_db, authenticate(demo_db, "sh01.clerk", demo.DEMO_PASSWORD))
    assert not clerk_page.filter_bar.branch_button.isVisibleTo(clerk_page)
    assert clerk_page.model.rowCount() == page.model.rowCount()


def test_my_cases_and_date_range(qtbot: QtBot, demo_db: Database) -> None:
    handler = authenticate(demo_db, "sh01.handler", demo.DEMO_PASSWORD)
    page = _page(qtbot, demo_db, handler)
    everything = page.model.rowCount()
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        page.filter_bar.mine_check.click()
    mine = page.model.rowCount()
    assert 0 < mine < everything
    assert mine == count_cases(demo_db, handler, CaseFilter(mine=True), page.today())
    bar = page.filter_bar
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        bar.date_check.click()
    assert bar.from_edit.isEnabled()
    flt = page.current_filter()
    assert flt.received_from is not None and flt.received_to == page.today()
    assert page.model.rowCount() == count_cases(demo_db, handler, flt, page.today()) <= mine


def test_sort_by_clicking_a_header(qtbot: QtBot, admin_page: CaseListPage) -> None:
    page = admin_page
    header = page.table.horizontalHeader()
    x = header.sectionViewportPosition(Column.CASE_NUMBER) + 10
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert page.model.query is not None and page.model.query.sort is SortKey.CASE_NUMBER
    first = _numbers(page)
    assert first == sorted(first)
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert page.model.query.descending and _numbers(page) == sorted(_numbers(page), reverse=True)
    # the flags column cannot be sorted: the indicator goes back
    flags_x = header.sectionViewportPosition(Column.FLAGS) + 10
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(flags_x, 5))
    qtbot.waitUntil(lambda: header.sortIndicatorSection() == Column.CASE_NUMBER, timeout=2_000)
    assert page.model.query.sort is SortKey.CASE_NUMBER


def test_double_click_and_enter_open_the_case(qtbot: QtBot, admin_page: CaseListPage) -> None:
    page = admin_page
    expected = page.model.case_id(2)
    assert expected is not None
    rect = page.table.visualRect(page.model.index(2, Column.CUSTOMER))
    opened_ids: list[object] = []
    page.sig_open_case.connect(opened_ids.append)
    # what a real double-click delivers: press and release, then the double-click event
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened_ids == []  # a single click only selects
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened_ids == [expected]
    page.sig_open_case.disconnect(opened_ids.append)

    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(4, 0))
    with qtbot.waitSignal(page.sig_open_case, timeout=2_000) as opened:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert opened.args == [page.model.case_id(4)]


def test_apply_filter_opens_the_list_prefiltered(qtbot: QtBot, demo_db: Database) -> None:
    actor = authenticate(demo_db, "admin", demo.DEMO_PASSWORD)
    ctx = AppContext(AppConfig(db_url=str(demo_db.engine.url)), LocalBackend(demo_db),
                     schema_state(demo_db.engine).current)
    page = CaseListPage(ctx, actor)
    qtbot.addWidget(page)
    flt = CaseFilter(overdue=True, severities=frozenset({Severity.GENERAL}), axis_c="C09")
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        page.apply_filter(flt)
    assert page.current_filter() == flt
    assert page.filter_bar.overdue_check.isChecked()
    assert page.filter_bar.extra_label.isVisibleTo(page) and "C09" in page.filter_bar.extra_label.text()
    assert page.model.rowCount() == count_cases(demo_db, actor, flt, page.today())
    page.refresh()  # showing the page afterwards does not undo the filter
    qtbot.waitUntil(lambda: not page.model.loading, timeout=10_000)
    assert page.current_filter() == flt
    with qtbot.waitSignal(page.model.sig_loaded, timeout=10_000):
        page.filter_bar.reset_button.click()
    assert page.current_filter().axis_c == "" and not page.filter_bar.extra_label.isVisibleTo(page)


def test_column_widths_and_sort_are_remembered(qtbot: QtBot, admin_page: CaseListPage, demo_db: Database) -> None:
    header = admin_page.table.horizontalHeader()
    header.resizeSection(Column.CUSTOMER, 233)
    header.setSortIndicator(Column.OWNER, Qt.SortOrder.AscendingOrder)
    admin_page.save_header()
    again = _page(qtbot, demo_db, authenticate(demo_db, "admin", demo.DEMO_PASSWORD))
    assert again.table.horizontalHeader().sectionSize(Column.CUSTOMER) == 233
    assert again.model.query is not None
    assert (again.model.query.sort, again.model.query.descending) == (SortKey.OWNER, False)


def test_keyboard_and_accessible_names(qtbot: QtBot, admin_page: CaseListPage) -> None:
    page = admin_page
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.filter_bar.search_edit.hasFocus(), timeout=2_000)
    qtbot.keyClick(page.filter_bar.search_edit, Qt.Key.Key_Down)
    assert page.table.hasFocus() and page.table.currentIndex().row() == 0
    for widget in (page.filter_bar.search_edit, page.table, page.filter_bar.status_button,
                   page.filter_bar.date_check, page.filter_bar.count_label):
        assert widget.accessibleName()
    assert page.filter_bar.search_label.buddy() is page.filter_bar.search_edit


def test_language_switch(qtbot: QtBot, admin_page: CaseListPage, language_support: LanguageSupport) -> None:
    page = admin_page
    switch_language("zh_CN")
    assert page.model.headerData(Column.CASE_NUMBER, Qt.Orientation.Horizontal) == "案件编号"
    assert page.filter_bar.status_button.accessibleName() == i18n._("Status") != "Status"
    assert page.model.data(page.model.index(0, Column.STATUS)) == page.model.row_at(0).status.label  # type: ignore[union-attr]
    switch_language("en")
    assert page.filter_bar.count_label.text() == "300 cases"
    assert page.nav_title() == "Case list"
