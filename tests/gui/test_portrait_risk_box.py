"""The risk-signal box: suggestions with their evidence, confirmed by the clerk (flag set, case escalated)."""

from __future__ import annotations

from gui_support import SetUp
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.domain.enums import Role, SpecialFlag
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.dto import ComplaintDetail
from tests.services.conftest import draft
from ui.context import AppContext
from ui.portrait.risk_box import RiskSignalsBox


def test_confirming_a_suggested_flag(qtbot: QtBot, set_up: SetUp) -> None:
    create_user(set_up.db, set_up.admin, username="clerk", display_name="柜员小李", password="desk2026!",
                role=Role.COUNTER_CLERK, must_change_password=False)
    clerk = authenticate(set_up.db, "clerk", "desk2026!")
    case = register_complaint(set_up.db, clerk, draft(request_text="不退钱我就找记者曝光，还要去法院起诉你们"))
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    box = RiskSignalsBox(ctx, clerk, case.id, load=False)
    qtbot.addWidget(box)
    with qtbot.waitSignal(box.sig_loaded, timeout=10_000):
        box.refresh()
    assert not box.isHidden()
    assert [s.flag for s in box.suggestions] == [SpecialFlag.MEDIA, SpecialFlag.LITIGATION]
    media = box.findChild(type(box.buttons[0]), "confirm_media")
    assert media is not None
    with qtbot.waitSignal(box.sig_confirmed, timeout=10_000) as blocker:
        qtbot.mouseClick(media, Qt.MouseButton.LeftButton)
    detail = blocker.args[0]
    assert isinstance(detail, ComplaintDetail) and detail.flags == {SpecialFlag.MEDIA} and detail.escalated
    qtbot.waitUntil(lambda: [s.flag for s in box.suggestions] == [SpecialFlag.LITIGATION], timeout=10_000)
    events = get_complaint(set_up.db, clerk, case.id).events
    assert events[-2].kind == "risk_flag_confirmed" and "“记者”" in events[-2].payload["evidence"]
