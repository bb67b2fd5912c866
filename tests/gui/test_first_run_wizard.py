"""The first-run wizard, driven page by page: this PC or a shared server (the real test server), the branch
and its letterhead, the administrator, demo data; and start-up running it before any database exists."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from gui_support import Shown
from keyring_support import MemoryKeyring
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

import desk_app.config
from desk_app.config import load_config
from desk_app.db.connection import ServerSettings, password_from_keyring
from desk_app.db.engine import make_engine
from desk_app.db.migrate import head_revision
from desk_app.db.models import Base, Branch, Complaint
from desk_app.db.uow import Database
from desk_app.domain.enums import InstitutionType, Role
from desk_app.services import setup
from desk_app.services.accounts import list_users
from ui import app as app_module
from ui.dialogs.first_run_wizard import (
    PAGE_ADMIN,
    PAGE_BRANCH,
    PAGE_DEMO,
    PAGE_EXISTING,
    PAGE_LOCATION,
    PAGE_SERVER,
    FirstRunResult,
    FirstRunWizard,
)
from ui.main_window import MainWindow


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "config.toml"
    monkeypatch.setattr(desk_app.config, "config_file", lambda: path)
    monkeypatch.delenv("DESK_DATABASE_URL", raising=False)
    return path


def open_wizard(qtbot: QtBot, db: Database | None = None, local_url: str | None = None) -> FirstRunWizard:
    wizard = FirstRunWizard(db, local_url=local_url)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def fill_branch(qtbot: QtBot, wizard: FirstRunWizard, code: str = "sh01") -> None:
    page = wizard.branch_page
    qtbot.keyClicks(page.branch_code, code)
    page.branch_name.setText("上海第一支行")  # QTest.keyClicks aborts on non-ASCII text
    page.institution.setCurrentIndex(page.institution.findData(InstitutionType.INSURER.value))
    qtbot.keyClicks(page.hotline, "95500")
    page.address.setText("上海市浦东新区世纪大道100号")


def fill_admin(qtbot: QtBot, wizard: FirstRunWizard, *, password: str = "secret123", again: str = "secret123") -> None:
    page = wizard.admin_page
    page.username.clear()
    qtbot.keyClicks(page.username, "boss")
    page.display_name.setText("李主任")
    qtbot.keyClicks(page.password, password)
    qtbot.keyClicks(page.password_again, again)


def finish(wizard: FirstRunWizard) -> None:
    wizard.button(QWizard.WizardButton.FinishButton).click()


# -- a chosen database without accounts (start-up with --database-url, or an emptied server) -------------
def test_setup_creates_the_branch_letterhead_and_administrator(qtbot: QtBot, gui_db: Database) -> None:
    wizard = open_wizard(qtbot, gui_db)
    assert wizard.currentId() == PAGE_BRANCH
    assert wizard.button(QWizard.WizardButton.BackButton).isHidden()
    fill_branch(qtbot, wizard)
    wizard.next()
    assert wizard.currentId() == PAGE_ADMIN
    fill_admin(qtbot, wizard)
    wizard.next()
    assert wizard.currentId() == PAGE_DEMO
    summary = wizard.demo_page.summary.text()
    assert "SH01 上海第一支行" in summary and "95500" in summary and "boss" in summary
    finish(wizard)
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert wizard.actor is not None and wizard.actor.branch_code == "SH01"
    users = list_users(gui_db)
    assert [(u.username, u.display_name, u.role, u.branch_code) for u in users] == [
        ("boss", "李主任", Role.ADMINISTRATOR, "SH01")]
    with gui_db.unit_of_work() as session:
        branch = session.scalars(select(Branch)).one()
        assert (branch.hotline, branch.address, branch.institution_type) == (
            "95500", "上海市浦东新区世纪大道100号", InstitutionType.INSURER.value)


def test_problems_are_shown_inline_and_the_page_stays(qtbot: QtBot, gui_db: Database) -> None:
    wizard = open_wizard(qtbot, gui_db)
    wizard.next()
    assert wizard.currentId() == PAGE_BRANCH
    assert "branch code" in wizard.branch_page.error.text()
    fill_branch(qtbot, wizard)
    wizard.next()
    fill_admin(qtbot, wizard, again="secret124")
    wizard.next()
    assert wizard.currentId() == PAGE_ADMIN
    assert wizard.admin_page.error.text() == "The two passwords are not the same."
    assert wizard.focusWidget() is wizard.admin_page.password_again
    wizard.admin_page.password.clear()
    qtbot.keyClicks(wizard.admin_page.password, "short1")
    qtbot.keyClicks(wizard.admin_page.password_again, "short1")
    wizard.next()
    assert "at least 8" in wizard.admin_page.error.text()
    assert wizard.focusWidget() is wizard.admin_page.password
    assert not setup.is_initialised(gui_db)


def test_setup_with_demo_data_runs_the_generator_behind_a_progress_dialog(
        qtbot: QtBot, gui_db: Database, message_boxes: list[Shown]) -> None:
    wizard = open_wizard(qtbot, gui_db)
    fill_branch(qtbot, wizard)
    wizard.next()
    fill_admin(qtbot, wizard)
    wizard.next()
    page = wizard.demo_page
    assert not page.demo_count.isEnabled()
    page.demo_check.setChecked(True)
    assert page.demo_count.isEnabled()
    page.demo_count.setValue(15)
    finish(wizard)
    assert message_boxes == []
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert wizard.demo_added == 15
    with gui_db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 15


def test_a_database_set_up_meanwhile_is_reported_on_the_last_page(qtbot: QtBot, gui_db: Database) -> None:
    wizard = open_wizard(qtbot, gui_db)
    fill_branch(qtbot, wizard)
    wizard.next()
    fill_admin(qtbot, wizard)
    wizard.next()
    setup.initialise(gui_db, setup.SetupRequest("BJ01", "北京", InstitutionType.BANK, "other", "别人", "other2026"))
    finish(wizard)
    assert wizard.currentId() == PAGE_DEMO and wizard.isVisible()
    assert wizard.demo_page.error.text() == "This database is already set up."


# -- first run: this PC -------------------------------------------------------------------------------
def test_this_pc_creates_the_local_file_and_remembers_it(
        qtbot: QtBot, tmp_path: Path, config_path: Path) -> None:
    local = f"sqlite:///{tmp_path / 'data' / 'desk.sqlite3'}"
    wizard = open_wizard(qtbot, local_url=local)
    assert wizard.currentId() == PAGE_LOCATION
    assert wizard.location_page.local.isChecked()
    assert str(tmp_path / "data" / "desk.sqlite3") in wizard.location_page.local_note.text()
    wizard.next()
    assert wizard.currentId() == PAGE_BRANCH
    assert wizard.revision == head_revision()
    fill_branch(qtbot, wizard)
    wizard.next()
    fill_admin(qtbot, wizard)
    wizard.next()
    finish(wizard)
    result = wizard.result_value()
    assert result is not None and result.actor is not None and result.revision == head_revision()
    assert load_config().db_url == local
    assert setup.is_initialised(result.db)
    result.db.dispose()


def test_going_back_and_cancelling_closes_what_the_wizard_opened(
        qtbot: QtBot, tmp_path: Path, config_path: Path) -> None:
    wizard = open_wizard(qtbot, local_url=f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    wizard.next()
    assert wizard.db is not None
    wizard.back()
    assert wizard.currentId() == PAGE_LOCATION
    wizard.reject()
    assert wizard.db is None and wizard.result_value() is None
    assert not config_path.exists()


# -- first run: a shared server ----------------------------------------------------------------------------
@pytest.fixture
def empty_server(_pg_migrated: str) -> str:
    """The test server's database at schema head, with no rows (no accounts yet)."""
    engine = make_engine(_pg_migrated)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} CASCADE"))
    engine.dispose()
    return _pg_migrated


def fill_server(qtbot: QtBot, wizard: FirstRunWizard, url: str) -> None:
    parsed = make_url(url)
    form = wizard.server_page.form
    qtbot.keyClicks(form.host, parsed.host or "")
    form.port.setValue(parsed.port or 5432)
    form.database.setText(parsed.database or "")
    form.user.setText(parsed.username or "")
    qtbot.keyClicks(form.password, parsed.password or "")


def test_shared_server_is_tested_then_set_up_and_remembered_without_the_password_on_disk(
        qtbot: QtBot, empty_server: str, config_path: Path, memory_keyring: MemoryKeyring) -> None:
    wizard = open_wizard(qtbot)
    wizard.location_page.server.setChecked(True)
    wizard.next()
    assert wizard.currentId() == PAGE_SERVER
    fill_server(qtbot, wizard, empty_server)
    with qtbot.waitSignal(wizard.server_page.form.sig_tested, timeout=15_000):
        wizard.server_page.form.test_button.click()
    assert "The database is ready; it has no accounts yet." in wizard.server_page.form.result.text()
    wizard.next()
    assert wizard.currentId() == PAGE_BRANCH
    fill_branch(qtbot, wizard)
    wizard.next()
    fill_admin(qtbot, wizard)
    wizard.next()
    assert "127.0.0.1" in wizard.demo_page.summary.text() and ":desk@" not in wizard.demo_page.summary.text()
    finish(wizard)
    result = wizard.result_value()
    assert result is not None and result.actor is not None
    try:
        assert result.db.dialect == "postgresql"
        assert list_users(result.db)[0].username == "boss"
    finally:
        result.db.dispose()
    password = make_url(empty_server).password or ""
    assert f":{password}@" not in config_path.read_text(encoding="utf-8")
    url = load_config().db_url
    assert make_url(url).password is None
    assert ServerSettings.from_url(url) is not None
    assert password_from_keyring(url) == password


def test_a_server_that_refuses_keeps_the_wizard_on_its_page(
        qtbot: QtBot, pg_url: str, config_path: Path, memory_keyring: MemoryKeyring) -> None:
    wizard = open_wizard(qtbot)
    wizard.location_page.server.setChecked(True)
    wizard.next()
    fill_server(qtbot, wizard, pg_url)
    wizard.server_page.form.database.setText("no_such_db")
    wizard.next()
    assert wizard.currentId() == PAGE_SERVER
    assert wizard.server_page.form.result.text() == "The database no_such_db does not exist on the server."
    assert not config_path.exists()


def test_a_server_already_set_up_skips_to_sign_in(
        qtbot: QtBot, empty_server: str, config_path: Path, memory_keyring: MemoryKeyring) -> None:
    db = Database(make_engine(empty_server))
    setup.initialise(db, setup.SetupRequest("HQ", "总行", InstitutionType.BANK, "hqadmin", "管理员", "hqadmin2026",
                                            is_headquarters=True))
    db.dispose()
    wizard = open_wizard(qtbot)
    wizard.location_page.server.setChecked(True)
    wizard.next()
    fill_server(qtbot, wizard, empty_server)
    wizard.next()  # tests the connection itself when nobody clicked "Test connection"
    assert wizard.currentId() == PAGE_EXISTING
    assert "sign in" in wizard.existing_page.text.text()
    finish(wizard)
    result = wizard.result_value()
    assert result is not None and result.actor is None
    result.db.dispose()
    assert ServerSettings.from_url(load_config().db_url) is not None


# -- start-up -------------------------------------------------------------------------------------------
@pytest.fixture
def quiet_main(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(QApplication, "exec", staticmethod(lambda: 0))


def test_first_start_runs_the_wizard_before_opening_any_database(
        qapp: QApplication, quiet_main: None, sqlite_database: Database, config_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "first_run_needed", lambda url=None: True)
    opened: list[object] = []
    monkeypatch.setattr(app_module, "connect", lambda *a, **k: opened.append(a))
    actor = setup.initialise(sqlite_database, setup.SetupRequest("SH01", "上海", InstitutionType.BANK, "admin", "管理",
                                                                 "admin2026"))
    shown: list[MainWindow] = []
    monkeypatch.setattr(FirstRunWizard, "ask", classmethod(
        lambda cls, db=None, parent=None: FirstRunResult(sqlite_database, head_revision(), actor)))
    monkeypatch.setattr(MainWindow, "show", lambda self: shown.append(self))
    monkeypatch.setattr(Database, "dispose", lambda self: None)  # the fixture disposes it
    assert app_module.main(["--language", "en"]) == 0
    assert opened == [] and len(shown) == 1 and shown[0].actor == actor
    shown[0].close()


def test_cancelling_the_first_run_wizard_exits(
        qapp: QApplication, quiet_main: None, config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "first_run_needed", lambda url=None: True)
    monkeypatch.setattr(FirstRunWizard, "ask", classmethod(lambda cls, db=None, parent=None: None))
    assert app_module.main(["--language", "en"]) == app_module.EXIT_CANCELLED

