"""The risk-signal box: suggestions with their evidence, confirmed by the clerk (flag set, case escalated)."""

from __future__ import annotations

from gui_support import SetUp
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role, SpecialFlag
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.dto import ComplaintDetail
from tests.support.staff import draft
from ui.context import AppContext
from ui.portrait.risk_box import RiskSignalsBox


def _clerk(set_up: SetUp) -> Actor:
    create_user(set_up.db, set_up.admin, username="clerk", display_name="柜员小李", password="desk2026!",
                role=Role.COUNTER_CLERK, must_change_password=False)
    return authenticate(set_up.db, "clerk", "desk2026!")


def _context(set_up: SetUp) -> AppContext:
    return AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                      schema_state(set_up.db.engine).current)


def test_a_cited_rule_a_collectors_threat_and_a_denial_show_nothing(qtbot: QtBot, set_up: SetUp) -> None:
    clerk = _clerk(set_up)
    case = register_complaint(set_up.db, clerk, draft(
        facts_what="你们收年费跟银保监会规定不符。催收员威胁说要起诉我。", request_text="退还年费，我不会去曝光"))
    box = RiskSignalsBox(_context(set_up), clerk, case.id, load=False)
    qtbot.addWidget(box)
    box.show()
    with qtbot.waitSignal(box.sig_loaded, timeout=10_000):
        box.refresh()
    assert box.suggestions == [] and box.evidence_labels == [] and box.isHidden()


def test_confirming_a_suggested_flag(qtbot: QtBot, set_up: SetUp) -> None:
    clerk = _clerk(set_up)
    case = register_complaint(set_up.db, clerk, draft(request_text="不退钱我就找记者曝光，还要去法院起诉你们"))
    box = RiskSignalsBox(_context(set_up), clerk, case.id, load=False)
    qtbot.addWidget(box)
    with qtbot.waitSignal(box.sig_loaded, timeout=10_000):
        box.refresh()
    assert not box.isHidden()
    assert [s.flag for s in box.suggestions] == [SpecialFlag.MEDIA, SpecialFlag.LITIGATION]
    media_evidence, court_evidence = box.evidence_labels           # the phrase highlighted in its sentence
    assert media_evidence.text().endswith(
        "不退钱我就找<b style='background-color:#ffd54f'>记者</b>曝光，还要去法院起诉你们")
    assert "去<b style='background-color:#ffd54f'>法院</b>起诉你们" in court_evidence.text()
    assert court_evidence.accessibleName() == (
        "Request (Litigation / legal aid): 不退钱我就找记者曝光，还要去【法院】起诉你们")
    assert media_evidence.isVisibleTo(box)
    media = box.findChild(type(box.buttons[0]), "confirm_media")
    assert media is not None
    box.show()
    media.setFocus()
    qtbot.waitUntil(media.hasFocus, timeout=5_000)
    with qtbot.waitSignal(box.sig_confirmed, timeout=10_000) as blocker:
        qtbot.keyClick(media, Qt.Key.Key_Space)
    detail = blocker.args[0]
    assert isinstance(detail, ComplaintDetail) and detail.flags == {SpecialFlag.MEDIA} and detail.escalated
    qtbot.waitUntil(lambda: [s.flag for s in box.suggestions] == [SpecialFlag.LITIGATION], timeout=10_000)
    events = get_complaint(set_up.db, clerk, case.id).events
    assert events[-2].kind == "risk_flag_confirmed" and "【记者】" in events[-2].payload["evidence"]
