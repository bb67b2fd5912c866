"""Attachments on the case view (issue 18.4), from the keyboard: a handler in 查 attaches a scan and a photo,
sees them listed with their checksums, opens one in the system viewer (a private copy, audited), and a file
over the size limit is refused with a clear message before anything is sent."""

from __future__ import annotations

import hashlib
import stat
import uuid
from pathlib import Path

import pytest
from desk_steps import open_case
from gui_support import SetUp
from keyboard import key, mnemonic, press, tab_to
from PySide6.QtCore import Qt, QUrl
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.models import AuditEntry
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Stage
from desk_app.domain.workflow import Action
from desk_app.services import audit, checklists, handling
from desk_app.services import case_workflow as wf
from desk_app.services.attachments import MAX_ATTACHMENT_BYTES, list_attachments
from desk_app.services.complaints import get_complaint, register_complaint
from tests.support.gui import wait_until_idle
from tests.support.staff import draft, make_branch_staff
from ui.cases import attachments_panel
from ui.cases.attachments_panel import AttachmentsPanel
from ui.context import AppContext


def in_investigation(set_up: SetUp, staff: dict[str, Actor]) -> uuid.UUID:
    """A case assigned to the handler and moved on to 查 (investigation)."""
    db, handler = set_up.db, staff["handler"]
    case = register_complaint(db, staff["clerk"], draft())
    case = wf.assign(db, staff["supervisor"], case.id, case.version, handler.user_id)
    case = wf.perform(db, handler, case.id, case.version, Action.START)
    for step in ("active_listening", "true_demand"):
        checklists.tick_step(db, handler, case.id, "strategic_empathy", step)
    case = handling.record_stage(db, handler, case.id, case.version, Stage.LISTEN, {"real_demand": "退还被盗刷款项"})
    case = wf.move_stage(db, handler, case.id, case.version, Stage.INVESTIGATE)
    assert get_complaint(db, handler, case.id).stage is Stage.INVESTIGATE
    return case.id


class _NONE:
    filename = ""


def _cell(panel: AttachmentsPanel, row: int, column: int) -> str:
    item = panel.table.item(row, column)
    assert item is not None
    return item.text()


@pytest.fixture
def opened_urls(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    urls: list[QUrl] = []

    def record(url: QUrl) -> bool:
        urls.append(url)
        return True

    monkeypatch.setattr(attachments_panel, "open_url", record)
    return urls


def test_attach_in_investigation_list_open_and_audit(qtbot: QtBot, set_up: SetUp, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, opened_urls: list[QUrl]) -> None:
    staff = make_branch_staff(set_up.db, set_up.admin)
    handler = staff["handler"]
    complaint_id = in_investigation(set_up, staff)
    scan, photo = tmp_path / "银行流水.pdf", tmp_path / "现场照片.jpg"
    scan.write_bytes(b"%PDF-1.4 bank statement")
    photo.write_bytes(b"\xff\xd8\xff\xe0 counter photo")
    monkeypatch.setattr(AttachmentsPanel, "ask_files", lambda self: [str(scan), str(photo)])
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db), "head")
    view = open_case(qtbot, ctx, handler, complaint_id)
    panel = view.findChild(AttachmentsPanel)
    assert panel is not None
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0 and not panel.add_button.isHidden(), timeout=10_000)

    tab_to(qtbot, view.side_tabs.tabBar())
    mnemonic(qtbot, "a")  # Alt+A: the attachments tab
    assert view.side_tabs.currentWidget() is panel
    with qtbot.waitSignal(panel.sig_loaded, timeout=20_000):
        press(qtbot, panel.add_button)
    assert [r.filename for r in panel.rows] == ["银行流水.pdf", "现场照片.jpg"]
    assert _cell(panel, 0, 5) == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert _cell(panel, 1, 1) == "image/jpeg"
    events = get_complaint(set_up.db, handler, complaint_id).events
    assert events[-1].kind == "attachment_added"  # on the timeline, in step 查

    tab_to(qtbot, panel.table)
    for _row in range(3):  # arrow down to the photo
        if (panel.selected() or _NONE).filename == "现场照片.jpg":
            break
        key(qtbot, Qt.Key.Key_Down)
    chosen = panel.selected()
    assert chosen is not None and chosen.filename == "现场照片.jpg"
    with qtbot.waitSignal(panel.sig_opened, timeout=20_000) as opened:
        mnemonic(qtbot, "o")  # Alt+O: open in the system viewer
    copy = opened.args[0]
    assert isinstance(copy, Path) and copy.read_bytes() == photo.read_bytes() and copy.name == "现场照片.jpg"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600 and stat.S_IMODE(copy.parent.parent.stat().st_mode) == 0o700
    assert [u.toLocalFile() for u in opened_urls] == [str(copy)]
    with set_up.db.unit_of_work() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == audit.AuditAction.ATTACHMENT_READ))
        assert (entry.user_id, entry.complaint_id, entry.detail["purpose"]) == (handler.user_id, complaint_id, "view")
        assert entry.detail["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()


def test_a_file_over_the_limit_is_refused_clearly(qtbot: QtBot, set_up: SetUp, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    staff = make_branch_staff(set_up.db, set_up.admin)
    complaint_id = in_investigation(set_up, staff)
    big = tmp_path / "录像.mp4"
    with big.open("wb") as f:
        f.truncate(MAX_ATTACHMENT_BYTES + 1)
    small = tmp_path / "ok.png"
    small.write_bytes(b"\x89PNG")
    monkeypatch.setattr(AttachmentsPanel, "ask_files", lambda self: [str(small), str(big)])
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db), "head")
    panel = AttachmentsPanel(ctx, staff["handler"], complaint_id)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.isVisible(), timeout=5_000)
    panel.activateWindow()
    panel.add_button.setFocus()
    qtbot.waitUntil(panel.add_button.hasFocus, timeout=5_000)
    key(qtbot, Qt.Key.Key_Space)
    assert panel.error.isVisible()
    assert panel.error.text() == "The file 录像.mp4 is 20.0 MB; an attachment may be at most 20.0 MB."
    wait_until_idle(qtbot)
    assert list_attachments(set_up.db, staff["handler"], complaint_id) == []  # nothing half-sent
