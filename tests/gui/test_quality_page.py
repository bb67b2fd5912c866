"""The quality-inspection page (issue 18.5) from the keyboard: a supervisor draws the month's sample and scores
a case with a comment; the handler sees the score and the comment on their page."""

from __future__ import annotations

from datetime import UTC, datetime

from gui_support import SetUp
from keyboard import key, mnemonic, press, replace_text, tab_to, type_text
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from remote_support import activate
from sqlalchemy import update

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.models import Complaint
from desk_app.services import quality
from desk_app.services.complaints import register_complaint
from tests.support.staff import draft, make_branch_staff
from ui.context import AppContext
from ui.quality.page import QualityPage


def test_draw_score_and_the_handler_sees_it(qtbot: QtBot, set_up: SetUp) -> None:
    staff = make_branch_staff(set_up.db, set_up.admin)
    db = set_up.db
    ids = [register_complaint(db, staff["clerk"], draft()).id for _i in range(3)]
    with db.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id.in_(ids)).values(
            status="closed", owner_id=staff["handler"].user_id, closed_at=datetime(2026, 11, 10, 3, tzinfo=UTC)))
    ctx = AppContext(AppConfig(db_url=str(db.engine.url)), LocalBackend(db), "head")
    page = QualityPage(ctx, staff["supervisor"])
    qtbot.addWidget(page)
    page.resize(1200, 500)
    page.show()
    qtbot.waitExposed(page)
    activate(page)
    mnemonic(qtbot, "m")  # Alt+M: the month
    replace_text(qtbot, "202611")
    tab_to(qtbot, page.per_handler)
    replace_text(qtbot, "2")
    press(qtbot, page.draw_button)
    qtbot.waitUntil(lambda: len(page.rows) == 2, timeout=10_000)
    assert {r.complaint_id for r in page.rows} <= set(ids)
    assert {r.complaint_id for r in page.rows} == {
        s.complaint_id for s in quality.list_samples(db, staff["supervisor"], "2026-11")}

    tab_to(qtbot, page.table)
    if page.selected() is None:
        key(qtbot, Qt.Key.Key_Down)
    chosen = page.selected()
    assert chosen is not None
    mnemonic(qtbot, "o")  # Alt+O: score
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=10_000)
    dialog = page.dialog
    assert dialog is not None
    activate(dialog)
    tab_to(qtbot, dialog.spins["letter"])
    replace_text(qtbot, "10")
    tab_to(qtbot, dialog.comment)
    type_text(qtbot, "答复函缺少救济途径")
    press(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    qtbot.waitUntil(lambda: any(r.total is not None for r in page.rows), timeout=10_000)
    [scored] = [r for r in page.rows if r.total is not None]
    assert (scored.id, scored.total, scored.comment) == (chosen.id, 90, "答复函缺少救济途径")

    mine = QualityPage(ctx, staff["handler"])
    qtbot.addWidget(mine)
    mine.show()
    mine.refresh()
    qtbot.waitUntil(lambda: mine.loaded, timeout=10_000)
    assert [(r.case_number, r.total, r.comment) for r in mine.rows] == [(chosen.case_number, 90, "答复函缺少救济途径")]
    assert not mine.draw_button.isVisible() and mine.table.item(0, 4) is not None
