"""The desk server goes away while a clerk registers a complaint (a live server, on SQLite and PostgreSQL):
the form stays with everything typed, the banner says the server cannot be reached and offers Retry, and
Retry saves once the server is back — without restarting the app or signing in again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from desk_steps import PHONE, context, open_intake, set_up_branch, sign_in_staff, type_complaint
from gui_support import Shown
from keyboard import CTRL, focus_widget, key
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from remote_support import Network, network_to
from server_support import LiveServer
from sqlalchemy import func, select

from desk_app.db.models import Complaint, ComplaintEvent
from desk_app.db.uow import Database
from desk_app.services.drafts import DraftStore
from tests.support.passwords import GUI_ADMIN_PASSWORD
from ui.tasks import db_pool


@pytest.fixture
def network(server: LiveServer) -> Iterator[Network]:
    """The counter PC's way to the desk server, whose branch is set up."""
    set_up_branch(server.db)
    with network_to(server) as running:
        yield running


def cases(db: Database) -> int:
    with db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(Complaint)) or 0)


def test_server_down_keeps_the_form_and_retry_saves_when_it_is_back(
        qtbot: QtBot, network: Network, tmp_path: Path, message_boxes: list[Shown]) -> None:
    backend = network.backend()
    try:
        staff = sign_in_staff(backend, admin=backend.sign_in("admin", GUI_ADMIN_PASSWORD))
        page = open_intake(qtbot, context(backend), staff.clerk, tmp_path / "drafts")
        type_complaint(qtbot, page)
        network.down()  # the server goes away mid-session
        key(qtbot, Qt.Key.Key_S, CTRL)
        qtbot.waitUntil(lambda: not page.saving and page.error_banner.isVisible(), timeout=20_000)

        banner = page.error_banner.text()
        assert f"The desk server {network.url} cannot be reached" in banner
        assert "Nothing was saved; your input is kept." in banner and "Traceback" not in banner
        assert page.retry_save_button.isVisible() and focus_widget() is page.retry_save_button
        assert message_boxes == []  # a banner inside the form, not a box that hides it
        assert page.customer.name.text() == "王芳" and page.customer.phone.text() == PHONE
        assert page.request.text.toPlainText() == "要求退还被盗刷款项"
        assert DraftStore(staff.clerk.username, tmp_path / "drafts").exists()  # also safe on disk
        assert cases(network.server.db) == 0

        network.up()  # back, on the same address; the clerk's session is still valid
        with qtbot.waitSignal(page.sig_saved, timeout=20_000):
            key(qtbot, Qt.Key.Key_Space)  # Retry saving has the focus
        assert cases(network.server.db) == 1
        assert not page.error_banner.isVisible() and not page.retry_save_button.isVisible()
        saved = page.last_saved
        assert saved is not None and saved.case_number.startswith("BJ01-")
        with network.server.db.unit_of_work() as session:
            row = session.scalars(select(Complaint)).one()
            kinds = session.scalars(select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == row.id)).all()
        assert row.case_number == saved.case_number and row.facts_what.startswith("客户反映信用卡")
        assert "registered" in kinds
        assert page.customer.name.text() == ""  # ready for the next customer
        assert not DraftStore(staff.clerk.username, tmp_path / "drafts").exists()
    finally:
        db_pool().waitForDone(15_000)
        backend.close()
