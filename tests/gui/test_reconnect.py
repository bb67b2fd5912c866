"""A dropped connection while registering a complaint, on a real PostgreSQL server: the form stays with
everything typed, the banner says what happened and offers Retry, and Retry saves once the server is back
— without restarting the app."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from gui_support import Shown
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from test_intake_form import PHONE, fill_valid

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.engine import make_engine
from desk_app.db.migrate import head_revision
from desk_app.db.models import Base, Complaint
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import InstitutionType, Role
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.drafts import DraftStore
from desk_app.services.setup import SetupRequest, initialise
from ui.context import AppContext
from ui.intake.intake_page import IntakePage
from ui.tasks import db_pool


def _drop_helpers() -> ModuleType:
    """The TCP forwarder of tests/db/test_connection_drop.py (one implementation for core and GUI tests)."""
    path = Path(__file__).resolve().parents[1] / "db" / "test_connection_drop.py"
    spec = importlib.util.spec_from_file_location("desk_connection_drop_helpers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


drop = _drop_helpers()


@dataclass(frozen=True)
class Counter:
    ctx: AppContext
    clerk: Actor
    forwarder: object
    url: str

    def cases(self) -> int:
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                return int(conn.scalar(select(func.count()).select_from(Complaint)) or 0)
        finally:
            engine.dispose()


@pytest.fixture
def counter(_pg_migrated: str) -> Iterator[Counter]:
    server = make_url(_pg_migrated)
    forwarder = drop.Forwarder(server.host or "127.0.0.1", server.port or 5432)
    forwarder.start()
    db = Database(make_engine(drop.via(_pg_migrated, forwarder), connect_args={"connect_timeout": 3}))
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} CASCADE"))
    admin = initialise(db, SetupRequest("BJ01", "北京第一支行", InstitutionType.BANK, "admin", "王管理", "admin12345",
                                        branch_hotline="95533"))
    create_user(db, admin, username="clerk", display_name="柜员小李", password="clerk2026!", role=Role.COUNTER_CLERK,
                must_change_password=False)
    ctx = AppContext(AppConfig(db_url=str(db.engine.url)), LocalBackend(db), head_revision())
    try:
        yield Counter(ctx, authenticate(db, "clerk", "clerk2026!"), forwarder, _pg_migrated)
    finally:
        db_pool().waitForDone(10_000)
        db.dispose()
        forwarder.stop()


@pytest.fixture
def page(qtbot: QtBot, counter: Counter, tmp_path: Path) -> IntakePage:
    page = IntakePage(counter.ctx, counter.clerk, drafts=DraftStore(counter.clerk.username, tmp_path / "drafts"))
    qtbot.addWidget(page)
    page.resize(1180, 720)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.ready, timeout=10_000)
    return page


def test_server_down_keeps_the_form_and_retry_saves_when_it_is_back(
        qtbot: QtBot, page: IntakePage, counter: Counter, tmp_path: Path, message_boxes: list[Shown]) -> None:
    fill_valid(page)
    counter.forwarder.stop()  # type: ignore[attr-defined]
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.saving and page.error_banner.isVisible(), timeout=15_000)

    banner = page.error_banner.text()
    assert "refused the connection" in banner
    assert "Nothing was saved; your input is kept." in banner
    assert page.retry_save_button.isVisible() and page.retry_save_button.hasFocus()
    assert message_boxes == []  # a banner inside the form, not a box that hides it
    assert page.isVisible()
    assert page.customer.name.text() == "王芳" and page.customer.phone.text() == PHONE
    assert page.request.text.toPlainText() == "要求退还被盗刷款项"
    assert DraftStore(counter.clerk.username, tmp_path / "drafts").exists()  # also safe on disk
    assert counter.cases() == 0

    counter.forwarder.start()  # type: ignore[attr-defined]
    qtbot.mouseClick(page.retry_save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_saved is not None, timeout=15_000)
    assert counter.cases() == 1
    assert not page.error_banner.isVisible() and not page.retry_save_button.isVisible()
    assert page.last_saved is not None and page.last_saved.case_number.startswith("BJ01-")
    assert page.customer.name.text() == ""  # ready for the next customer
    assert not DraftStore(counter.clerk.username, tmp_path / "drafts").exists()


def test_connections_dropped_by_a_server_restart_are_replaced_when_saving(
        qtbot: QtBot, page: IntakePage, counter: Counter, message_boxes: list[Shown]) -> None:
    fill_valid(page)
    assert drop.terminate_other_backends(counter.url) >= 1
    counter.forwarder.cut()  # type: ignore[attr-defined]
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_saved is not None, timeout=15_000)
    assert counter.cases() == 1 and message_boxes == []
    assert not page.error_banner.isVisible()
