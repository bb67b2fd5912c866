"""The case library by keys only: a supervisor adds a closed case with its lesson from the case view's More
actions, a handler's open case shows it among its similar library cases and Enter opens it, and the library
page filters by flag and words. The anonymisation and the search rules on both databases are in
tests/services/test_case_library.py."""

from __future__ import annotations

import pytest
from desk_steps import PASSWORD, local_context, open_case, set_up_branch
from keyboard import choose, focus_widget, key, mnemonic, press, tab_to, type_text
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot
from remote_support import activate, when_popup
from sqlalchemy import select

from desk_app.db.models import LibraryCase
from desk_app.db.uow import Database
from desk_app.domain.enums import PsychType, SpecialFlag
from desk_app.services import case_library
from desk_app.services.accounts import authenticate
from tests.services.library_cases import NAME, PHONE, rich_case, small_case
from tests.support.staff import Staff
from ui.library.case_hooks import LibraryTab
from ui.library.entry_view import LibraryEntryDialog
from ui.library.page import LibraryPage


def _staff(db: Database) -> Staff:
    admin = set_up_branch(db)
    clerk, handler, supervisor, manager = (authenticate(db, name, PASSWORD)
                                           for name in ("clerk", "handler", "supervisor", "manager"))
    return Staff(admin, clerk, handler, supervisor, manager, clerk)


def _lessons(db: Database) -> list[str]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(LibraryCase.lesson)))


@pytest.fixture
def staff(gui_db: Database) -> Staff:
    if gui_db.engine.dialect.name != "sqlite":
        pytest.skip("the widgets do not depend on the database")
    return _staff(gui_db)


def test_a_supervisor_adds_a_closed_case_from_more_actions(qtbot: QtBot, gui_db: Database, staff: Staff) -> None:
    case = rich_case(gui_db, staff)
    view = open_case(qtbot, local_context(gui_db), staff.supervisor, case.id)
    tab = view.side_tabs.findChild(LibraryTab)
    assert tab is not None and tab.add_action.isVisible()  # closed, and a supervisor curates the library

    def pick(menu: QMenu) -> None:  # the More actions menu: its item's letter
        assert tab.add_action in menu.actions()
        qtbot.keyClick(menu, Qt.Key.Key_L)

    menus = when_popup(QMenu, pick)
    press(qtbot, view.more_button)
    assert len(menus) == 1
    qtbot.waitUntil(lambda: view.active_dialog is not None and view.active_dialog.isVisible(), timeout=10_000)
    dialog = view.active_dialog
    assert dialog is not None and dialog.objectName() == "libraryLessonDialog"
    activate(dialog)
    assert focus_widget() is dialog.fields["lesson"]
    type_text(qtbot, f"先冻结卡片再调单，{NAME}回电{PHONE}后情绪平复")
    mnemonic(qtbot, "a")
    qtbot.waitUntil(lambda: bool(_lessons(gui_db)), timeout=20_000)
    assert _lessons(gui_db) == ["先冻结卡片再调单，〔客户〕回电〔电话〕后情绪平复"]
    qtbot.waitUntil(lambda: view.active_dialog is None, timeout=10_000)  # closed (and deleted) on success


def test_an_open_case_shows_similar_library_cases_and_enter_opens_one(qtbot: QtBot, gui_db: Database,
                                                                      staff: Staff) -> None:
    model = small_case(gui_db, staff, facts="信用卡境外盗刷，客户要求全额退款", primary=PsychType.COMPENSATION)
    case_library.mark_case(gui_db, staff.supervisor, model.id, "先冻结卡片再调单")
    unrelated = small_case(gui_db, staff, cause="C03", facts="理财收益不及预期")
    case_library.mark_case(gui_db, staff.supervisor, unrelated.id, "解释风险等级")
    open_one = small_case(gui_db, staff, facts="客户称信用卡在境外被盗刷，要求退款", primary=PsychType.COMPENSATION,
                          closed=False)
    view = open_case(qtbot, local_context(gui_db), staff.handler, open_one.id)
    tab = view.side_tabs.findChild(LibraryTab)
    assert tab is not None and not tab.add_action.isVisible()
    qtbot.waitUntil(lambda: len(tab.cases) == 1, timeout=20_000)  # the unrelated one is not offered
    mnemonic(qtbot, "x")  # Library e&xamples
    assert view.side_tabs.currentWidget() is tab
    tab_to(qtbot, tab.table)
    assert tab.table.item(0, 0).text() == "先冻结卡片再调单"
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget() or tab.dialog, LibraryEntryDialog)
                    and tab.dialog is not None and tab.dialog.isVisible(), timeout=10_000)
    assert tab.dialog is not None
    assert "先冻结卡片再调单" in tab.dialog.browser.toPlainText()
    tab.dialog.reject()


def test_the_library_page_filters_by_flag_and_words(qtbot: QtBot, gui_db: Database, staff: Staff) -> None:
    media = small_case(gui_db, staff, facts="客户威胁找媒体曝光盗刷", flags=frozenset({SpecialFlag.MEDIA}))
    case_library.mark_case(gui_db, staff.supervisor, media.id, "主管出面，统一口径")
    case_library.mark_case(gui_db, staff.supervisor, small_case(gui_db, staff, facts="排队时间太长").id, "耐心倾听")
    page = LibraryPage(local_context(gui_db), staff.handler)
    qtbot.addWidget(page)
    page.resize(1100, 640)
    page.show()
    qtbot.waitExposed(page)
    activate(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.loaded and page.table.rowCount() == 2, timeout=10_000)
    mnemonic(qtbot, "g")  # Special fla&g
    choose(qtbot, page.flag, SpecialFlag.MEDIA)
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=10_000)
    assert page.table.item(0, 0).text() == "主管出面，统一口径"
    mnemonic(qtbot, "g")
    choose(qtbot, page.flag, None)
    mnemonic(qtbot, "w")  # &Words
    type_text(qtbot, "排队")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and page.table.item(0, 0).text() == "耐心倾听",
                    timeout=10_000)
    qtbot.waitUntil(lambda: "耐心倾听" in page.detail.toPlainText(), timeout=10_000)
    mnemonic(qtbot, "d")  # &Details: the keyboard reads the whole case
    assert focus_widget() is page.detail
