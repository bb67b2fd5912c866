"""Past grumbles and the link of "turn into a complaint", with key events only (into the focused widget):

- Ctrl+Shift+G lists the branch's grumbles; the text, cause, settled and turned filters narrow the list; Enter
  opens one, and Ctrl+T there fills the intake form from it.
- A grumble turned into a complaint (Ctrl+T) and then the intake form cleared: the next case saved from the
  form is not linked to the grumble. Turned again (from the list) and saved: that case is linked.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from desk_steps import settle, type_complaint
from grumble_steps import clerk_window, complete_and_save
from keyboard import CTRL, SHIFT, choose, focus_widget, key, mnemonic, press, tab_to, type_text
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from remote_support import activate

from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.services import grumbles
from desk_app.services.complaints import register_complaint
from desk_app.services.grumbles import GrumbleInfo
from tests.support.grumbles import grumble
from tests.support.staff import draft
from ui.grumbles.grumble_list import GrumbleListDialog
from ui.grumbles.grumble_view import GrumbleView
from ui.intake.intake_page import IntakePage
from ui.main_window import MainWindow


@pytest.fixture
def window(qtbot: QtBot, gui_db: Database) -> Iterator[MainWindow]:
    if gui_db.engine.dialect.name != "sqlite":
        pytest.skip("the key flow does not depend on the database (the services' tests run on both)")
    yield clerk_window(qtbot, gui_db)
    settle()


def _stored(window: MainWindow, grumble_id: uuid.UUID) -> GrumbleInfo:
    settle()
    return window.ctx.backend.call(window.actor, grumbles.get_grumble, grumble_id)


def _open_list(qtbot: QtBot) -> GrumbleListDialog:
    key(qtbot, Qt.Key.Key_G, CTRL | SHIFT)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), GrumbleListDialog), timeout=5000)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, GrumbleListDialog)
    activate(dialog)
    qtbot.waitUntil(lambda: not dialog.loading and dialog.cause.count() > 1, timeout=15_000)
    assert focus_widget() is dialog.date_from
    return dialog


def _search(qtbot: QtBot, dialog: GrumbleListDialog) -> list[uuid.UUID]:
    mnemonic(qtbot, "e")  # S&earch
    qtbot.waitUntil(lambda: not dialog.loading, timeout=15_000)
    return [g.id for g in dialog.rows]


def _turn_from_list(qtbot: QtBot, window: MainWindow, grumble_id: uuid.UUID) -> IntakePage:
    """Ctrl+Shift+G, the grumble found by its text, Enter on it, Ctrl+T: the intake form filled from it."""
    dialog = _open_list(qtbot)
    mnemonic(qtbot, "x")
    type_text(qtbot, "叫号")
    key(qtbot, Qt.Key.Key_Return)  # Enter in the text searches
    qtbot.waitUntil(lambda: not dialog.loading and [g.id for g in dialog.rows] == [grumble_id], timeout=15_000)
    tab_to(qtbot, dialog.table)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), GrumbleView), timeout=5000)
    view = QApplication.activeModalWidget()
    assert isinstance(view, GrumbleView) and view.info.id == grumble_id and view.turn_button.isVisible()
    activate(view)
    key(qtbot, Qt.Key.Key_T, CTRL)
    page = window.intake_page
    assert isinstance(page, IntakePage)
    qtbot.waitUntil(lambda: page.grumble_id == grumble_id and page.customer.name.text() == "赵敏", timeout=15_000)
    activate(window)  # back from the two closed dialogs (a window manager does this on a desktop)
    assert window.current_page() is page and focus_widget() is page.customer.name
    return page


def _queue_grumble(db: Database, clerk: Actor) -> uuid.UUID:
    return grumbles.record_grumble(db, clerk, grumble(remark="叫号屏坏了，排队太久", settled=False,
                                                      customer_name="赵敏", customer_phone="13900001111")).id


def test_past_grumbles_filtered_opened_and_turned_by_keys(qtbot: QtBot, window: MainWindow,
                                                          gui_db: Database) -> None:
    db, clerk = gui_db, window.actor
    fee = grumbles.record_grumble(db, clerk, grumble(axis_c="C09", remark="年费太高"))
    queue = _queue_grumble(db, clerk)
    turned = grumbles.record_grumble(db, clerk, grumble(axis_c="C01", settled=False, remark="柜员态度差"))
    grumbles.link_complaint(db, clerk, turned.id, register_complaint(db, clerk, draft()).id)

    dialog = _open_list(qtbot)
    assert set(_search(qtbot, dialog)) == {fee.id, queue, turned.id}
    assert dialog.table.rowCount() == 3 and "3 grumbles" in dialog.status.text()
    mnemonic(qtbot, "u")  # Ca&use
    choose(qtbot, dialog.cause, "C01")
    assert _search(qtbot, dialog) == [turned.id]
    row = next(i for i in range(dialog.table.rowCount()) if dialog.rows[i].id == turned.id)
    assert dialog.table.item(row, 4).text() == turned.case_number or dialog.rows[row].case_number
    mnemonic(qtbot, "u")
    choose(qtbot, dialog.cause, "")
    mnemonic(qtbot, "s")  # &Settled
    choose(qtbot, dialog.settled, False)
    assert set(_search(qtbot, dialog)) == {queue, turned.id}
    mnemonic(qtbot, "p")  # Turned into a com&plaint
    choose(qtbot, dialog.turned, False)
    assert _search(qtbot, dialog) == [queue]
    year = dialog.date_to.date().year()
    mnemonic(qtbot, "t")  # &To: a year back (Down on the year), and from two years back: a past period
    key(qtbot, Qt.Key.Key_Down)
    mnemonic(qtbot, "m")
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Down)
    assert dialog.date_to.date().year() == year - 1 and dialog.date_from.date().year() <= year - 2
    key(qtbot, Qt.Key.Key_Return)  # Enter in a filter searches
    qtbot.waitUntil(lambda: not dialog.loading, timeout=15_000)
    assert dialog.rows == [] and dialog.status.text() == "No grumble matches." and dialog.isVisible()
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)

    activate(window)
    page = _turn_from_list(qtbot, window, queue)
    assert page.classification.pickers["C"].code() == "C09" and "叫号屏坏了" in page.facts.what.toPlainText()


def test_the_link_holds_only_for_the_form_filled_from_the_grumble(qtbot: QtBot, window: MainWindow,
                                                                  gui_db: Database,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    queue = _queue_grumble(gui_db, window.actor)
    page = _turn_from_list(qtbot, window, queue)

    # the clerk clears the form ("New complaint", confirmed) and registers another customer's complaint
    asked: list[str] = []

    def yes(box: QMessageBox) -> int:
        asked.append(box.text())
        return int(QMessageBox.StandardButton.Yes.value)

    monkeypatch.setattr(QMessageBox, "exec", yes)
    press(qtbot, page.clear_button)
    assert asked and "Clear the form?" in asked[0]
    assert page.grumble_id is None and page.customer.name.text() == ""
    type_complaint(qtbot, page)
    with qtbot.waitSignal(page.sig_saved, timeout=20_000) as saved:
        key(qtbot, Qt.Key.Key_S, CTRL)
    other_case = saved.args[0]
    assert _stored(window, queue).complaint_id is None  # not linked to a form it did not fill
    qtbot.wait(300)
    assert _stored(window, queue).complaint_id is None

    # turned again from the list, and saved from the form it filled: linked
    page = _turn_from_list(qtbot, window, queue)
    case_id = complete_and_save(qtbot, page)
    assert case_id != other_case
    qtbot.waitUntil(lambda: _stored(window, queue).complaint_id == case_id, timeout=15_000)
    assert page.grumble_id is None  # the saved form is cleared, and its link with it
