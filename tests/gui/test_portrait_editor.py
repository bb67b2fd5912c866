"""The portrait editor: ratings with their level descriptions, the live radar, types and their card,
saving versions and the emotion/risk trend."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from gui_support import SetUp, Shown, local_db
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.domain.actor import Actor
from desk_app.domain.enums import PsychType, Role
from desk_app.domain.portrait import DIMENSIONS, Dimension, PortraitInput
from desk_app.services.complaints import register_complaint
from desk_app.services.portraits import PortraitInfo, portrait_history, save_portrait
from tests.support.staff import draft, make_accounts
from ui.context import AppContext
from ui.portrait.editor import PortraitEditor


@dataclass(frozen=True)
class Desk:
    ctx: AppContext
    clerk: Actor
    handler: Actor
    analyst: Actor
    case_id: uuid.UUID


@pytest.fixture
def desk(set_up: SetUp) -> Desk:
    admin = set_up.headquarters_admin()  # may give the HQ analyst role
    actors = make_accounts(set_up.db, admin, (("clerk", Role.COUNTER_CLERK), ("handler", Role.HANDLER),
                                              ("analyst", Role.HQ_ANALYST)), display_name=lambda login: f"{login}-name")
    case = register_complaint(set_up.db, actors["clerk"], draft())
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    return Desk(ctx, actors["clerk"], actors["handler"], actors["analyst"], case.id)


def open_editor(qtbot: QtBot, desk: Desk, actor: Actor) -> PortraitEditor:
    editor = PortraitEditor(desk.ctx, actor, desk.case_id, load=False)
    qtbot.addWidget(editor)
    with qtbot.waitSignal(editor.sig_loaded, timeout=10_000):
        editor.refresh()
    return editor


def save(qtbot: QtBot, editor: PortraitEditor) -> PortraitInfo:
    with qtbot.waitSignal(editor.sig_saved, timeout=10_000) as blocker:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    info = blocker.args[0]
    assert isinstance(info, PortraitInfo)
    return info


def test_rate_see_the_radar_update_save_twice_and_see_the_trend(qtbot: QtBot, desk: Desk) -> None:
    editor = open_editor(qtbot, desk, desk.clerk)
    editor.show()
    assert editor.radar_values() == [3.0] * 6 and editor.status.text() == "No portrait saved yet."
    editor.set_rating(Dimension.EMOTION, 5)
    assert editor.radar_values() == [5.0, 3.0, 3.0, 3.0, 3.0, 3.0]
    assert editor.rows[Dimension.EMOTION].level.text() == DIMENSIONS[Dimension.EMOTION].level(5).text()
    assert editor.rows[Dimension.EMOTION].level.text().startswith("Out of control")
    risk = editor.rows[Dimension.RISK].slider
    risk.setFocus()
    qtbot.keyClick(risk, Qt.Key.Key_Right)            # from the keyboard
    assert editor.rating(Dimension.RISK) == 4 and editor.radar_values()[1] == 4.0
    assert editor.escalation.isVisible()
    editor.rows[Dimension.EMOTION].note.setText("拍桌子，声音很大")
    editor.primary.setCurrentIndex(editor.primary.findData(PsychType.VENTING.value))
    assert "Once I let it out, the sky clears" in editor.card.text()
    first = save(qtbot, editor)
    assert first.version_no == 1 and first.rating(Dimension.EMOTION) == 5
    assert first.notes == {"emotion": "拍桌子，声音很大"} and first.primary_type is PsychType.VENTING
    qtbot.waitUntil(lambda: editor.trend_values()["emotion"] == [5.0], timeout=10_000)

    editor.set_rating(Dimension.EMOTION, 2)
    editor.set_rating(Dimension.RISK, 3)
    assert editor.radar_values()[:2] == [2.0, 3.0] and not editor.escalation.isVisible()
    second = save(qtbot, editor)
    assert second.version_no == 2
    qtbot.waitUntil(lambda: editor.trend_values() == {"emotion": [5.0, 2.0], "risk": [4.0, 3.0]}, timeout=10_000)
    assert editor.status.text().startswith("Version 2, saved by clerk-name at")
    assert [p.version_no for p in portrait_history(local_db(desk.ctx), desk.clerk, desk.case_id)] == [1, 2]


def test_the_editor_opens_with_the_latest_version_and_respects_roles(qtbot: QtBot, desk: Desk,
                                                                   message_boxes: list[Shown]) -> None:
    save_portrait(local_db(desk.ctx), desk.clerk, desk.case_id, PortraitInput(
        2, 5, 4, 1, 5, 5, notes={"risk": "说要找记者"}, primary_type=PsychType.REVENGE,
        secondary_type=PsychType.COMPENSATION))
    editor = open_editor(qtbot, desk, desk.handler)
    assert editor.radar_values() == [2.0, 5.0, 4.0, 1.0, 5.0, 5.0]
    assert editor.radar.saved.isVisible() and len(editor.radar.saved.points()) == 7
    assert editor.rows[Dimension.RISK].note.text() == "说要找记者"
    assert (editor.primary_type(), editor.secondary_type()) == (PsychType.REVENGE, PsychType.COMPENSATION)
    assert "escalate" in editor.card.text() and "Secondary: Compensation-seeking" in editor.card.text()
    assert editor.version_no == 1 and editor.save_button.isEnabled()

    # someone else re-rates meanwhile: the stale save is refused with a clear message
    save_portrait(local_db(desk.ctx), desk.clerk, desk.case_id, PortraitInput(1, 1, 1, 5, 1, 1))
    editor.save()
    qtbot.waitUntil(lambda: bool(message_boxes), timeout=10_000)
    assert "re-rated by clerk-name" in message_boxes[0].text
    assert len(portrait_history(local_db(desk.ctx), desk.clerk, desk.case_id)) == 2

    read_only = open_editor(qtbot, desk, desk.analyst)
    assert not read_only.save_button.isEnabled() and not read_only.rows[Dimension.EMOTION].slider.isEnabled()
