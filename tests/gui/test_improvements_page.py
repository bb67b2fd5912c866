"""The improvement page (issue 18.3): overdue actions first, marked in words; a done action reviewed from the
keyboard by someone other than its owner."""

from __future__ import annotations

from datetime import timedelta

from gui_support import SetUp
from keyboard import key, mnemonic, press, tab_to, type_text
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from remote_support import activate

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.services import improvements
from desk_app.services.report_scope import office_today
from tests.support.staff import make_branch_staff
from ui.context import AppContext
from ui.improvements.dialogs import TextDialog
from ui.improvements.page import ImprovementsPage


def test_overdue_first_and_a_review_from_the_keyboard(qtbot: QtBot, set_up: SetUp) -> None:
    staff = make_branch_staff(set_up.db, set_up.admin)
    db, supervisor = set_up.db, staff["supervisor"]
    today = office_today("Asia/Shanghai")

    def make(title: str, days: int) -> improvements.ActionInfo:
        return improvements.create_action(db, supervisor, improvements.ActionDraft(
            title=title, department="运营管理部", owner_id=staff["handler"].user_id,
            due_on=today + timedelta(days=days)))

    make("下月培训", 20)
    make("逾期培训", -3)
    done = make("已完成的排班调整", -30)
    improvements.complete_action(db, supervisor, done.id, done.version, "排班表已执行")
    ctx = AppContext(AppConfig(db_url=str(db.engine.url)), LocalBackend(db), "head")
    page = ImprovementsPage(ctx, supervisor)
    qtbot.addWidget(page)
    page.resize(1200, 500)
    page.show()
    qtbot.waitExposed(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.loaded, timeout=10_000)
    assert [a.title for a in page.rows] == ["逾期培训", "下月培训", "已完成的排班调整"]
    state_item = page.table.item(0, 4)
    assert state_item is not None and state_item.text() == "Planned · OVERDUE"
    assert page.summary.text() == "2 actions open · 1 overdue"

    activate(page)
    tab_to(qtbot, page.table)
    for _row in range(4):
        chosen = page.selected()
        if chosen is not None and chosen.id == done.id:
            break
        key(qtbot, Qt.Key.Key_Down)
    assert page.review_button.isEnabled() and not page.complete_button.isEnabled()
    mnemonic(qtbot, "w")  # Alt+W: review
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=10_000)
    dialog = page.dialog
    assert isinstance(dialog, TextDialog)
    activate(dialog)
    tab_to(qtbot, dialog.text)
    type_text(qtbot, "一个月内无同类投诉，整改有效")
    press(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: page.dialog is None and bool(page.rows[-1].review), timeout=10_000)
    assert (page.rows[-1].review, page.rows[-1].reviewed_by) == ("一个月内无同类投诉，整改有效", "Supervisor")
