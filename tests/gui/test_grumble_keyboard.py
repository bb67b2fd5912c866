"""The grumble log with key events only (every key into ``QApplication.focusWidget()``, no setText, no mouse):
Ctrl+G from the main window, a grumble recorded in at most 12 keys beyond the typed text (the count is
printed, ``pytest -s``); another turned into a complaint with Ctrl+T, its fields carried into the intake form,
and the case saved from there linked back to the grumble."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from desk_steps import PHONE, settle
from grumble_steps import clerk_window, complete_and_save
from keyboard import CTRL, KeyCount, focus_widget, key, mnemonic, type_text
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from remote_support import activate

from desk_app.db.uow import Database
from desk_app.domain.enums import Channel
from desk_app.services.grumbles import list_grumbles
from ui.grumbles.grumble_dialog import GrumbleDialog
from ui.intake.intake_page import IntakePage
from ui.main_window import MainWindow

KEY_GOAL = 12


@pytest.fixture
def window(qtbot: QtBot, gui_db: Database) -> Iterator[MainWindow]:
    if gui_db.engine.dialect.name != "sqlite":
        pytest.skip("the key flow does not depend on the database (the services' tests run on both)")
    yield clerk_window(qtbot, gui_db)
    settle()


def _open_log(qtbot: QtBot, main: MainWindow) -> GrumbleDialog:
    key(qtbot, Qt.Key.Key_G, CTRL)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), GrumbleDialog), timeout=5000)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, GrumbleDialog)
    qtbot.waitUntil(lambda: dialog.ready, timeout=15_000)
    activate(dialog)
    assert focus_widget() is dialog.business.edit
    geometry = dialog.frameGeometry()
    assert geometry.width() <= 1366 and geometry.height() <= 768, geometry
    return dialog


def _codes(qtbot: QtBot, dialog: GrumbleDialog) -> None:
    """The business and cause codes typed, each taken with Enter (which moves on)."""
    type_text(qtbot, "B0302")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: focus_widget() is dialog.cause.edit, timeout=3000)
    type_text(qtbot, "C09")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: focus_widget() is dialog.action_taken, timeout=3000)


def test_a_grumble_recorded_with_keys_only(qtbot: QtBot, window: MainWindow) -> None:
    KeyCount.reset()
    dialog = _open_log(qtbot, window)
    _codes(qtbot, dialog)
    type_text(qtbot, "当场解释了境外交易短信提醒的开通方法")
    with qtbot.waitSignal(dialog.sig_recorded, timeout=15_000):
        key(qtbot, Qt.Key.Key_S, CTRL)
    print(f"\ngrumble recorded with {KeyCount.pressed} keys beyond {KeyCount.typed} typed characters "
          f"(goal: at most {KEY_GOAL})")
    assert KeyCount.pressed <= KEY_GOAL
    stored = window.ctx.backend.call(window.actor, list_grumbles)
    assert len(stored) == 1
    g = stored[0]
    assert (g.channel, g.axis_b, g.axis_c, g.settled) == (Channel.COUNTER, "B0302", "C09", True)
    assert g.action_taken == "当场解释了境外交易短信提醒的开通方法" and g.complaint_id is None
    assert focus_widget() is dialog.business.edit and not dialog.business.text()  # ready for the next one


def test_a_grumble_turned_into_a_complaint_carries_its_fields(qtbot: QtBot, window: MainWindow) -> None:
    KeyCount.reset()
    dialog = _open_log(qtbot, window)
    _codes(qtbot, dialog)
    type_text(qtbot, "解释了交易规则，客户仍不接受")
    mnemonic(qtbot, "s")                                  # not settled on the spot
    assert not dialog.settled.isChecked()
    mnemonic(qtbot, "i")
    type_text(qtbot, "境外消费被拒且被收取手续费")
    mnemonic(qtbot, "l")
    type_text(qtbot, "王芳")
    mnemonic(qtbot, "p")
    type_text(qtbot, PHONE)
    with qtbot.waitSignal(dialog.sig_turn, timeout=15_000):
        key(qtbot, Qt.Key.Key_T, CTRL)                    # recorded, then turned
    print(f"\ngrumble recorded and turned with {KeyCount.pressed} keys beyond {KeyCount.typed} typed characters")
    assert KeyCount.pressed <= KEY_GOAL
    page = window.intake_page
    assert isinstance(page, IntakePage)
    qtbot.waitUntil(lambda: page.customer.name.text() == "王芳", timeout=15_000)
    assert window.current_page() is page and focus_widget() is page.customer.name
    assert page.customer.phone.text() == PHONE
    assert page.classification.channel.value() is Channel.COUNTER
    assert page.classification.pickers["B"].code() == "B0302" and page.classification.pickers["C"].code() == "C09"
    facts = page.facts.what.toPlainText()
    assert "境外消费被拒且被收取手续费" in facts and "解释了交易规则，客户仍不接受" in facts

    # the clerk completes what a complaint needs beyond the grumble, and saves: the case is linked back
    case_id = complete_and_save(qtbot, page)

    def linked() -> bool:
        settle()
        stored = window.ctx.backend.call(window.actor, list_grumbles)
        return bool(stored) and stored[0].complaint_id == case_id

    qtbot.waitUntil(linked, timeout=15_000)
    g = window.ctx.backend.call(window.actor, list_grumbles)[0]
    assert not g.settled and g.customer_name == "王芳" and g.case_number
