"""The reminder badge: it counts the signed-in handler's reminders, the list opens from the keyboard, and Enter on
a reminder opens its case and marks it read (it is not listed again)."""

from __future__ import annotations

from gui_support import SetUp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QScrollArea
from pytestqt.qtbot import QtBot

from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.domain.notification_rules import RuleKind
from desk_app.services import case_workflow as wf
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import register_complaint
from desk_app.services.digest import my_email_address
from desk_app.services.notifications import Notification, current_notifications
from tests.support.passwords import PASSWORD
from tests.support.staff import draft
from ui.cases.case_view import CaseView
from ui.context import AppContext, local_backend
from ui.main_window import MainWindow


def _person(set_up: SetUp, login: str, role: Role) -> Actor:
    create_user(set_up.db, set_up.admin, username=login, display_name=login.title(), password=PASSWORD, role=role,
                must_change_password=False)
    return authenticate(set_up.db, login, PASSWORD)


def _window(qtbot: QtBot, set_up: SetUp, actor: Actor) -> MainWindow:
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), local_backend(set_up.db),
                     schema_state(set_up.db.engine).current)
    window = MainWindow(ctx, actor)
    qtbot.addWidget(window)
    window.show()
    return window


def _case_shown(window: MainWindow) -> CaseView | None:
    holder = window.pages.currentWidget()
    view = holder.widget() if isinstance(holder, QScrollArea) else None
    return view if isinstance(view, CaseView) and view.file is not None and not view.busy else None


def test_the_badge_counts_and_enter_opens_the_case(qtbot: QtBot, set_up: SetUp) -> None:
    clerk, supervisor = _person(set_up, "clerk", Role.COUNTER_CLERK), _person(set_up, "super", Role.SUPERVISOR)
    handler = _person(set_up, "handler", Role.HANDLER)
    numbers = []
    for _ in range(2):
        case = register_complaint(set_up.db, clerk, draft())
        wf.assign(set_up.db, supervisor, case.id, case.version, handler.user_id)
        numbers.append(case.case_number)
    window = _window(qtbot, set_up, handler)
    centre = window.notifications
    qtbot.waitUntil(lambda: centre.unread == 2, timeout=10_000)
    assert centre.button.text() == "2 reminders"
    assert "2 new reminders" in window.statusBar().currentMessage()
    centre.button.setFocus()
    qtbot.keyClick(centre.button, Qt.Key.Key_Space)
    dialog = centre.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    tree = dialog.tree
    assert tree.topLevelItemCount() == 2
    rows = [tree.topLevelItem(i) for i in range(2)]
    assert {row.text(1) for row in rows if row is not None} == set(numbers)
    assert {row.text(0) for row in rows if row is not None} == {RuleKind.ASSIGNED.label}
    qtbot.keyClick(tree, Qt.Key.Key_Down)
    current = tree.currentItem()
    assert current is rows[1] and current is not None
    chosen = current.data(0, Qt.ItemDataRole.UserRole)
    assert isinstance(chosen, Notification)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _case_shown(window) is not None, timeout=10_000)
    view = _case_shown(window)
    assert view is not None and view.complaint_id == chosen.complaint_id
    assert not dialog.isVisible()
    assert centre.unread == 1 and centre.button.text() == "1 reminder"
    qtbot.waitUntil(lambda: [n.case_number for n in current_notifications(set_up.db, handler)]
                    == [n for n in numbers if n != chosen.case_number], timeout=5_000)  # read: stored
    centre.poll()  # the next poll agrees
    qtbot.waitUntil(lambda: not centre._busy, timeout=5_000)
    assert centre.unread == 1 and centre.items[0].case_number != chosen.case_number


def test_the_digest_address_is_set_from_the_reminders(qtbot: QtBot, set_up: SetUp) -> None:
    handler = _person(set_up, "handler", Role.HANDLER)
    window = _window(qtbot, set_up, handler)
    centre = window.notifications
    centre.digest_available = True  # as on a desk server
    centre.button.setFocus()
    qtbot.keyClick(centre.button, Qt.Key.Key_Space)
    dialog = centre.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    assert dialog.email_button.isVisible()
    dialog.email_button.setFocus()
    qtbot.keyClick(dialog.email_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: dialog.address_dialog is not None and dialog.address_dialog.isVisible(), timeout=5_000)
    assert dialog.address_dialog is not None
    edit = dialog.address_dialog.findChild(QLineEdit)
    assert isinstance(edit, QLineEdit) and edit.text() == ""
    edit.setFocus()
    qtbot.keyClicks(edit, "handler@example.com")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: my_email_address(set_up.db, handler) == "handler@example.com", timeout=5_000)
    qtbot.waitUntil(lambda: "handler@example.com" in dialog.intro.text(), timeout=5_000)
