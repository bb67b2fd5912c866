"""Queues and refreshes, from the keyboard (key events into the focused widget only): a handler finds an
unassigned case in the case list and takes it from the row's menu (Menu key, T), or opens it and takes it in
the case view (Alt+S); the view and the list show the new handler without reopening anything, and the
supervisor's overview lists the case to assign until it is taken, then no longer. The supervisor opens a case
from the queue with Enter. Every new widget fits a 1366×768 screen at 100 % and 150 %."""

from __future__ import annotations

import pytest
from gui_support import SetUp, open_main_window
from keyboard import CTRL, choose, key, mnemonic, press, tab_to, type_text
from mnemonics import bindings, problems
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QDialog
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role, Status
from desk_app.domain.workflow import Action
from desk_app.services import demo
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.branches import handlers_may_take, list_branches
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.dto import ComplaintDetail
from tests.support.gui import settled_fit_problems
from tests.support.passwords import PASSWORD
from tests.support.staff import draft
from ui.admin.branch_dialog import BranchDialog
from ui.cases.case_table_model import Column
from ui.cases.case_view import CaseView
from ui.cases.list_page import CaseListPage
from ui.main_window import MainWindow
from ui.screen_fit import logical_screen


@pytest.fixture
def waiting_case(set_up: SetUp) -> ComplaintDetail:
    """Demo staff, and a new SH01 case nobody handles."""
    if set_up.db.engine.dialect.name != "sqlite":
        pytest.skip("the GUI flow does not depend on the database (the services are tested on both)")
    demo.generate_demo_data(set_up.db, 12, seed=7)
    return register_complaint(set_up.db, authenticate(set_up.db, "sh01.clerk", DEMO_PASSWORD), draft())


def _activate(qtbot: QtBot, window: MainWindow) -> None:
    """The window the keys go to (two people's windows are open in some tests)."""
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)


def _go_to(qtbot: QtBot, window: MainWindow, title: str) -> None:
    """Ctrl+<n>: the page's place in the navigation."""
    _activate(qtbot, window)
    row = window.page_titles().index(title)
    key(qtbot, getattr(Qt.Key, f"Key_{row + 1}"), CTRL)
    qtbot.waitUntil(lambda: window.navigation.currentRow() == row, timeout=5000)


def _current_view(window: MainWindow) -> CaseView | None:
    holder = window.pages.currentWidget()
    view = holder.widget() if hasattr(holder, "widget") else None
    return view if isinstance(view, CaseView) and view.file is not None and not view.busy else None


def _find_in_list(qtbot: QtBot, window: MainWindow, number: str) -> CaseListPage:
    """Case list, Ctrl+F, the case number, Enter: the focus is on the one row found."""
    _go_to(qtbot, window, "Case list")
    page = window.case_list_page
    key(qtbot, Qt.Key.Key_F, CTRL)
    assert QApplication.focusWidget() is page.filter_bar.search_edit
    type_text(qtbot, number)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.model.loading and page.model.rowCount() == 1
                    and page.model.case_id(0) is not None, timeout=10_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.table, timeout=5000)
    return page


def _open_without_take(qtbot: QtBot, window: MainWindow, page: CaseListPage) -> CaseView:
    """On the found row: its menu (Menu key) does not offer to take it (Esc); Enter opens the case."""
    key(qtbot, Qt.Key.Key_Menu)
    menu = page.row_menu
    assert menu is not None
    assert not next(a for a in menu.actions() if a.objectName() == "takeCaseAction").isVisible()
    qtbot.keyClick(menu, Qt.Key.Key_Escape)
    _activate(qtbot, window)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _current_view(window) is not None, timeout=10_000)
    view = _current_view(window)
    assert view is not None
    return view


def _owner_cell(page: CaseListPage) -> str:
    return str(page.model.index(0, Column.OWNER).data())


def _queue_numbers(window: MainWindow) -> list[str]:
    overview = window.overview_page.overview
    assert overview is not None
    return [c.case_number for c in overview.queues.to_assign]


def _supervisor_overview(qtbot: QtBot, set_up: SetUp) -> MainWindow:
    window = open_main_window(qtbot, set_up, "sh01.supervisor")
    qtbot.waitUntil(lambda: window.overview_page.overview is not None, timeout=10_000)
    return window


def _refresh_overview(qtbot: QtBot, window: MainWindow) -> None:
    """F5 (View ▸ Refresh) on the overview; wait for the new figures."""
    _activate(qtbot, window)
    before = window.overview_page.overview
    key(qtbot, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.overview_page.overview is not before, timeout=10_000)


def test_a_handler_takes_a_case_from_the_list_menu(qtbot: QtBot, set_up: SetUp,
                                                    waiting_case: ComplaintDetail) -> None:
    supervisor = _supervisor_overview(qtbot, set_up)
    queue = supervisor.overview_page.to_assign
    assert queue.isVisible() and waiting_case.case_number in _queue_numbers(supervisor)
    assert supervisor.overview_page.take_rule.isVisible() and supervisor.overview_page.take_rule.isChecked()

    window = open_main_window(qtbot, set_up, "sh01.handler")
    handler: Actor = window.actor
    page = _find_in_list(qtbot, window, waiting_case.case_number)
    assert _owner_cell(page) == ""
    key(qtbot, Qt.Key.Key_Menu)
    menu = page.row_menu
    assert menu is not None
    qtbot.waitUntil(menu.isVisible, timeout=5000)
    take = next(a for a in menu.actions() if a.objectName() == "takeCaseAction")
    assert take.isVisible()
    qtbot.keyClick(menu, Qt.Key.Key_T)  # the menu's own mnemonic: &Take this case
    qtbot.waitUntil(lambda: _owner_cell(page) == handler.display_name, timeout=10_000)  # the list, in place
    taken = get_complaint(set_up.db, handler, waiting_case.id, with_events=False)
    assert taken.owner_id == handler.user_id and taken.status is Status.ASSIGNED

    # the row's menu no longer offers it; Enter opens the case, which shows its handler
    _activate(qtbot, window)  # the closed menu gives the keyboard back to the window
    assert QApplication.focusWidget() is page.table
    view = _open_without_take(qtbot, window, page)
    assert handler.display_name in view.owner_label.text() and not view.take_button.isVisible()

    _refresh_overview(qtbot, supervisor)
    assert waiting_case.case_number not in _queue_numbers(supervisor)


def test_a_handler_takes_a_case_in_its_view_and_every_page_follows(qtbot: QtBot, set_up: SetUp,
                                                                    waiting_case: ComplaintDetail) -> None:
    window = open_main_window(qtbot, set_up, "sh01.handler")
    handler = window.actor
    qtbot.waitUntil(lambda: window.overview_page.overview is not None, timeout=10_000)
    queue = window.overview_page.to_assign  # the handler's branch lets them take cases: they see which
    assert queue.isVisible() and not window.overview_page.take_rule.isVisible()
    assert waiting_case.case_number in _queue_numbers(window)
    page = _find_in_list(qtbot, window, waiting_case.case_number)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _current_view(window) is not None, timeout=10_000)
    view = _current_view(window)
    assert view is not None
    assert view.take_button.isVisible() and view.file is not None and view.file.detail.owner_id is None
    mnemonic(qtbot, "S")  # Take this ca&se: no confirmation
    qtbot.waitUntil(lambda: view.file is not None and view.file.detail.owner_id == handler.user_id
                    and not view.busy, timeout=10_000)
    assert handler.display_name in view.owner_label.text()  # shown without reopening
    assert view.file.detail.status is Status.ASSIGNED and not view.take_button.isVisible()
    assert view.file.detail.events[-1].payload.get("taken") is True
    assert view.action_buttons[Action.START].isVisible()
    mnemonic(qtbot, "B")  # ← Back: the list it came from is read again
    qtbot.waitUntil(lambda: window.current_page() is page, timeout=5000)
    qtbot.waitUntil(lambda: _owner_cell(page) == handler.display_name, timeout=10_000)
    _go_to(qtbot, window, "Overview")
    qtbot.waitUntil(lambda: waiting_case.case_number not in _queue_numbers(window), timeout=10_000)
    assert queue.model.rowCount() == len(_queue_numbers(window))


def test_the_supervisor_opens_a_case_from_the_queue_with_enter(qtbot: QtBot, set_up: SetUp,
                                                               waiting_case: ComplaintDetail) -> None:
    window = _supervisor_overview(qtbot, set_up)
    queue = window.overview_page.to_assign
    overview = window.overview_page.overview
    assert overview is not None
    numbers = _queue_numbers(window)
    received = [c.received_at for c in overview.queues.to_assign]
    assert received == sorted(received)  # oldest first
    _activate(qtbot, window)
    mnemonic(qtbot, "S")  # Cases to a&ssign: the queue's table
    assert QApplication.focusWidget() is queue.table
    position = numbers.index(waiting_case.case_number)
    for _ in range(position):
        key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _current_view(window) is not None, timeout=10_000)
    view = _current_view(window)
    assert view is not None and view.case_label.text() == waiting_case.case_number
    assert view.take_button.isVisible()  # a supervisor handles cases too: takes it, or assigns it
    assert view.action_buttons[Action.ASSIGN].isVisible()


def test_when_the_branch_does_not_allow_it_nobody_is_offered_the_take(qtbot: QtBot, set_up: SetUp,
                                                                      waiting_case: ComplaintDetail) -> None:
    supervisor = _supervisor_overview(qtbot, set_up)
    box = supervisor.overview_page.take_rule
    _activate(qtbot, supervisor)
    mnemonic(qtbot, "D")  # Han&dlers may take these cases themselves
    assert QApplication.focusWidget() is box or not box.isChecked()
    if box.isChecked():
        key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: supervisor.overview_page.overview is not None
                    and not supervisor.overview_page.overview.queues.handlers_may_take, timeout=10_000)
    assert not box.isChecked()
    window = open_main_window(qtbot, set_up, "sh01.handler")
    qtbot.waitUntil(lambda: window.overview_page.overview is not None, timeout=10_000)
    assert not window.overview_page.to_assign.isVisible()
    page = _find_in_list(qtbot, window, waiting_case.case_number)
    view = _open_without_take(qtbot, window, page)
    assert not view.take_button.isVisible()


def _fit(qtbot: QtBot, window: MainWindow, what: str) -> list[str]:
    """What does not fit of the current page at 100 % and 150 % of a 1366×768 screen."""
    problems = []
    for scale in (1.0, 1.5):
        size = logical_screen(scale)
        window.resize(*size)
        problems += [f"{scale}× {what}: {p}" for p in settled_fit_problems(qtbot, window, size)]
    return problems


@pytest.mark.parametrize("username", ["sh01.supervisor", "sh01.handler"])
def test_the_queues_and_the_take_button_fit_the_screen(qtbot: QtBot, set_up: SetUp, username: str,
                                                       waiting_case: ComplaintDetail) -> None:
    window = open_main_window(qtbot, set_up, username)
    qtbot.waitUntil(lambda: window.overview_page.overview is not None, timeout=10_000)
    problems = _fit(qtbot, window, "overview")
    if username == "sh01.handler":
        _find_in_list(qtbot, window, waiting_case.case_number)
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: _current_view(window) is not None, timeout=10_000)
        view = _current_view(window)
        assert view is not None and view.take_button.isVisible()
        problems += _fit(qtbot, window, "case view")
    assert problems == [], "\n".join(problems)


def test_the_supervisor_assigns_from_the_queue_and_the_overview_follows(qtbot: QtBot, set_up: SetUp,
                                                                        waiting_case: ComplaintDetail) -> None:
    window = _supervisor_overview(qtbot, set_up)
    handler = authenticate(set_up.db, "sh01.handler", DEMO_PASSWORD)
    _activate(qtbot, window)
    mnemonic(qtbot, "S")  # Cases to a&ssign
    for _ in range(_queue_numbers(window).index(waiting_case.case_number)):
        key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _current_view(window) is not None, timeout=10_000)
    view = _current_view(window)
    assert view is not None
    press(qtbot, view.action_buttons[Action.ASSIGN])
    qtbot.waitUntil(lambda: view.active_dialog is not None and view.active_dialog.isVisible(), timeout=10_000)
    dialog = view.active_dialog
    assert dialog is not None
    combo = dialog.fields["owner"]
    assert isinstance(combo, QComboBox)
    tab_to(qtbot, combo)
    choose(qtbot, combo, handler.user_id)
    mnemonic(qtbot, "A")  # &Assign: the dialog closes once the case is assigned
    qtbot.waitUntil(lambda: view.active_dialog is None, timeout=10_000)
    qtbot.waitUntil(lambda: view.file is not None and view.file.detail.owner_id == handler.user_id
                    and not view.busy, timeout=10_000)
    assert handler.display_name in view.owner_label.text()  # the open view shows it
    _activate(qtbot, window)  # the closed dialog gives the keyboard back (a window manager would)
    mnemonic(qtbot, "B")  # ← Back to the overview, read again
    qtbot.waitUntil(lambda: window.current_page() is window.overview_page, timeout=5000)
    qtbot.waitUntil(lambda: waiting_case.case_number not in _queue_numbers(window), timeout=10_000)
    queue = window.overview_page.to_assign
    assert queue.model.rowCount() == len(_queue_numbers(window))
    assert f"({window.overview_page.overview.queues.to_assign_count})" in queue.label.text()  # type: ignore[union-attr]


def test_the_administrator_sets_the_rule_in_the_branch_form_by_keys(qtbot: QtBot, set_up: SetUp) -> None:
    if set_up.db.engine.dialect.name != "sqlite":
        pytest.skip("the GUI flow does not depend on the database")
    branch = next(b for b in list_branches(set_up.db) if b.code == "BJ01")
    assert branch.handlers_may_take
    dialog = BranchDialog(LocalBackend(set_up.db), set_up.admin, branch)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    assert dialog.may_take.isChecked()
    mnemonic(qtbot, "K")  # Handlers may ta&ke unassigned cases themselves: Alt+K toggles it
    assert not dialog.may_take.isChecked()
    key(qtbot, Qt.Key.Key_Return)  # OK
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert dialog.result() == QDialog.DialogCode.Accepted
    create_user(set_up.db, set_up.admin, username="bj.handler", display_name="BJ handler", password=PASSWORD,
                role=Role.HANDLER, must_change_password=False)
    assert not handlers_may_take(set_up.db, authenticate(set_up.db, "bj.handler", PASSWORD))


def test_a_handlers_keys_stay_one_per_letter(qtbot: QtBot, set_up: SetUp, waiting_case: ComplaintDetail) -> None:
    """test_mnemonics walks a clerk's, a supervisor's and an administrator's windows; the handler's overview
    (Cases you may ta&ke) and the case with Take this ca&se are checked here."""
    window = open_main_window(qtbot, set_up, "sh01.handler")
    qtbot.waitUntil(lambda: window.overview_page.overview is not None, timeout=10_000)
    assert window.overview_page.to_assign.isVisible()
    found = problems(window)
    _find_in_list(qtbot, window, waiting_case.case_number)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _current_view(window) is not None, timeout=10_000)
    view = _current_view(window)
    assert view is not None and view.take_button.isVisible()
    assert "Alt+S" in {b.keys for b in bindings(window)}  # the take button is among the keys checked
    found += problems(window)
    assert found == []
