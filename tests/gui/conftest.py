"""GUI fixtures: Qt translations following desk_app.i18n, a set-up database."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from gui_support import SetUp, Shown
from PySide6.QtWidgets import QApplication, QMessageBox

from desk_app.db.uow import Database
from desk_app.domain.enums import InstitutionType
from desk_app.services import demo, setup
from tests.support.passwords import GUI_ADMIN_PASSWORD
from ui.collector import GuiThreadCollector
from ui.i18n import LanguageSupport
from ui.tasks import db_pool


@pytest.fixture(scope="session", autouse=True)
def gui_thread_collector(qapp: QApplication) -> Iterator[GuiThreadCollector]:
    """Garbage is collected on the GUI thread only, as in the application (ui.collector): a live desk
    server's thread or a worker must never destroy a widget that a cycle kept alive."""
    collector = GuiThreadCollector()
    yield collector
    collector.stop()


@pytest.fixture(autouse=True)
def _collect_after_the_test(gui_thread_collector: GuiThreadCollector) -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch: pytest.MonkeyPatch) -> list[Shown]:
    """Message boxes never block a test: each one shown is recorded here instead."""
    shown: list[Shown] = []

    def fake_exec(box: QMessageBox) -> int:
        shown.append(Shown(box.icon(), box.windowTitle(), box.text(), box.informativeText(),
                           box.detailedText()))
        return int(QMessageBox.StandardButton.Ok.value)

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return shown


@pytest.fixture
def language_support(qapp: QApplication) -> Iterator[LanguageSupport]:
    support = LanguageSupport(qapp)
    support.install()
    yield support
    support.uninstall()


@pytest.fixture
def gui_db(qapp: QApplication, database: Database) -> Iterator[Database]:
    """The test database; background tasks are finished before it is disposed."""
    yield database
    db_pool().waitForDone(10_000)
    qapp.processEvents()


@pytest.fixture
def set_up(gui_db: Database) -> SetUp:
    demo.create_demo_database(gui_db)  # created as a demo: many GUI tests fill it with demo data
    admin = setup.initialise(gui_db, setup.SetupRequest(
        branch_code="BJ01", branch_name="北京第一支行", institution_type=InstitutionType.BANK,
        admin_username="admin", admin_display_name="王管理", admin_password=GUI_ADMIN_PASSWORD))
    return SetUp(gui_db, admin)
