"""The first-run wizard, driven page by page: this PC or a desk server (a live one), the branch and its
letterhead, the administrator, demo data; and start-up running it before any database exists."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from gui_support import Shown
from keyboard import focus_widget, key, mnemonic, type_text
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot
from remote_support import when_shown
from server_support import LiveServer, live_server
from sqlalchemy import func, select

import desk_app.paths
from desk_app.api.pinning import pinned_certificate
from desk_app.api.remote import RemoteBackend
from desk_app.config import load_config
from desk_app.db.migrate import head_revision
from desk_app.db.models import Branch, Complaint
from desk_app.db.uow import Database
from desk_app.domain.enums import InstitutionType, Role
from desk_app.paths import default_database_path, user_config_dir
from desk_app.services import setup
from desk_app.services.accounts import authenticate, list_users
from ui import app as app_module
from ui.dialogs.first_run_wizard import FirstRunResult, FirstRunWizard
from ui.dialogs.login_dialog import LoginDialog
from ui.dialogs.wizard_page import PAGE_ADMIN, PAGE_ANALYST, PAGE_BRANCH, PAGE_DEMO, PAGE_LOCATION, PAGE_SERVER
from ui.main_window import MainWindow


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """config.toml and the pinned certificates in a temporary folder; the local data folder too."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))  # read by desk_app.paths on each call
    monkeypatch.setattr(desk_app.paths, "user_data_dir", lambda: tmp_path / "data")
    folder = user_config_dir()
    monkeypatch.delenv("DESK_DATABASE_URL", raising=False)
    return folder / "config.toml"


def open_wizard(qtbot: QtBot, db: Database | None = None, local_url: str | None = None) -> FirstRunWizard:
    wizard = FirstRunWizard(db, local_url=local_url)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def fill_branch(qtbot: QtBot, wizard: FirstRunWizard, code: str = "sh01", *, headquarters: bool = False) -> None:
    page = wizard.branch_page
    qtbot.keyClicks(page.branch_code, code)
    page.branch_name.setText("上海第一支行")  # QTest.keyClicks aborts on non-ASCII text
    page.institution.setCurrentIndex(page.institution.findData(InstitutionType.INSURER.value))
    qtbot.keyClicks(page.hotline, "95500")
    page.address.setText("上海市浦东新区世纪大道100号")
    page.superior.setText("总公司客户服务部")
    qtbot.keyClicks(page.superior_contact, "400-800-1234")
    page.is_hq.setChecked(headquarters)


def fill_admin(qtbot: QtBot, wizard: FirstRunWizard, *, password: str = "Lantern-2026",
               again: str = "Lantern-2026") -> None:
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
    assert wizard.currentId() == PAGE_LOCATION  # started again on a database chosen before: Back still works
    assert not wizard.location_page.server.isEnabled()  # the database named at start is kept
    wizard.next()
    assert wizard.currentId() == PAGE_BRANCH
    assert wizard.button(QWizard.WizardButton.BackButton).isVisible()
    wizard.back()
    assert wizard.currentId() == PAGE_LOCATION
    wizard.next()
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
        assert (branch.superior_institution, branch.superior_contact) == ("总公司客户服务部", "400-800-1234")
        assert not branch.is_headquarters


def test_problems_are_shown_inline_and_the_page_stays(qtbot: QtBot, gui_db: Database) -> None:
    wizard = open_wizard(qtbot, gui_db)
    wizard.next()
    wizard.next()
    assert wizard.currentId() == PAGE_BRANCH
    assert "branch code" in wizard.branch_page.error.text()
    fill_branch(qtbot, wizard)
    wizard.branch_page.superior_contact.clear()
    wizard.next()
    assert wizard.currentId() == PAGE_BRANCH
    assert "reach the superior institution" in wizard.branch_page.error.text()
    assert wizard.focusWidget() is wizard.branch_page.superior_contact
    qtbot.keyClicks(wizard.branch_page.superior_contact, "400-800-1234")
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
    wizard.next()
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
    wizard.next()
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


# -- first run: a desk server ------------------------------------------------------------------------------
@pytest.fixture
def set_up_server(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A desk server that already has its branch and accounts (``desk-server init`` made them)."""
    setup.initialise(database, setup.SetupRequest("HQ", "总行", InstitutionType.BANK, "hqadmin", "管理员",
                                                  "hqadmin2026", is_headquarters=True))
    with live_server(database, tmp_path_factory.getbasetemp() / "tls") as running:
        yield running


def choose_desk_server(qtbot: QtBot, wizard: FirstRunWizard, url: str) -> None:
    """On the first page: Alt+D (A &desk server), Alt+N (Next); type the address, Enter connects."""
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=5000)
    mnemonic(qtbot, "d")
    assert wizard.location_page.server.isChecked()
    mnemonic(qtbot, "n")
    assert wizard.currentId() == PAGE_SERVER
    form = wizard.server_page.form
    assert focus_widget() is form.address
    type_text(qtbot, url)
    with qtbot.waitSignal(form.sig_fetched, timeout=15_000):
        key(qtbot, Qt.Key.Key_Return)


def test_a_desk_server_is_trusted_and_saved_and_the_set_up_pages_are_skipped(
        qtbot: QtBot, set_up_server: LiveServer, config_path: Path) -> None:
    wizard = open_wizard(qtbot)
    choose_desk_server(qtbot, wizard, set_up_server.url)
    finish_button = wizard.button(QWizard.WizardButton.FinishButton)
    form = wizard.server_page.form
    assert form.fingerprint.text().replace("\n", ":") == set_up_server.certificate.fingerprint
    assert finish_button.isVisible() and not finish_button.isEnabled()  # not before the comparison
    assert wizard.button(QWizard.WizardButton.NextButton).isHidden()  # no branch or administrator to create
    assert focus_widget() is form.compared
    key(qtbot, Qt.Key.Key_Space)
    assert finish_button.isEnabled()
    mnemonic(qtbot, "f")
    assert wizard.result() == QWizard.DialogCode.Accepted
    result = wizard.result_value()
    assert result == FirstRunResult(None, None, None, server_url=set_up_server.url)
    assert wizard.db is None
    assert pinned_certificate(set_up_server.url) == set_up_server.certificate
    config = load_config()
    assert config.server_url == set_up_server.url and "db_url = \"\"" in config_path.read_text(encoding="utf-8")
    assert not default_database_path().exists()  # nothing local was created


def test_going_back_from_this_pc_to_a_desk_server_closes_the_local_file(
        qtbot: QtBot, set_up_server: LiveServer, tmp_path: Path, config_path: Path) -> None:
    wizard = open_wizard(qtbot, local_url=f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    wizard.next()
    assert wizard.db is not None
    wizard.back()
    choose_desk_server(qtbot, wizard, set_up_server.url)
    assert wizard.db is None
    key(qtbot, Qt.Key.Key_Escape)
    assert wizard.result_value() is None and not config_path.exists()


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
    monkeypatch.setattr(app_module, "open_backend", lambda *a, **k: opened.append(a))
    actor = setup.initialise(sqlite_database, setup.SetupRequest("SH01", "上海", InstitutionType.BANK, "admin", "管理",
                                                                 "admin2026"))
    shown: list[MainWindow] = []
    monkeypatch.setattr(FirstRunWizard, "ask", classmethod(
        lambda cls, db=None, parent=None, demo_count=0: FirstRunResult(sqlite_database, head_revision(), actor)))
    monkeypatch.setattr(MainWindow, "show", lambda self: shown.append(self))
    monkeypatch.setattr(Database, "dispose", lambda self: None)  # the fixture disposes it
    assert app_module.main(["--language", "en"]) == 0
    assert opened == [] and len(shown) == 1 and shown[0].actor == actor
    shown[0].close()


def test_cancelling_the_first_run_wizard_exits(
        qapp: QApplication, quiet_main: None, config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "first_run_needed", lambda url=None: True)
    monkeypatch.setattr(FirstRunWizard, "ask", classmethod(lambda cls, db=None, parent=None, demo_count=0: None))
    assert app_module.main(["--language", "en"]) == app_module.EXIT_CANCELLED



def test_first_start_on_a_desk_server_goes_from_the_wizard_straight_to_sign_in(
        qtbot: QtBot, quiet_main: None, set_up_server: LiveServer, config_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The wizard trusts the server; start-up checks it and asks who signs in, at once (no restart)."""
    shown: list[MainWindow] = []
    monkeypatch.setattr(MainWindow, "show", lambda self: shown.append(self))

    def through_the_wizard(wizard: FirstRunWizard) -> None:
        choose_desk_server(qtbot, wizard, set_up_server.url)
        key(qtbot, Qt.Key.Key_Space)
        mnemonic(qtbot, "f")

    def sign_in(dialog: LoginDialog) -> None:
        type_text(qtbot, "hqadmin")
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "hqadmin2026")
        key(qtbot, Qt.Key.Key_Return)

    wizards = when_shown(FirstRunWizard, through_the_wizard)
    logins = when_shown(LoginDialog, sign_in, tries=1500)
    assert app_module.main(["--language", "en"]) == 0
    assert len(wizards) == 1 and len(logins) == 1
    [window] = shown
    try:
        assert window.actor.username == "hqadmin"
        backend = window.ctx.backend
        assert isinstance(backend, RemoteBackend) and backend.url == set_up_server.url
        assert window.ctx.schema_revision == head_revision()
        assert window.db_status.text() == f"Database: {set_up_server.url}"
    finally:
        window.close()


def test_headquarters_and_its_hq_analyst_are_set_up_by_keyboard(qtbot: QtBot, gui_db: Database) -> None:
    """Keys only: the first office is headquarters (ticked by default), the superior institution is asked for,
    and the HQ analyst is made with the administrator, so every role is reachable after the wizard."""
    wizard = open_wizard(qtbot, gui_db)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=5000)
    mnemonic(qtbot, "n")
    assert wizard.currentId() == PAGE_BRANCH and focus_widget() is wizard.branch_page.branch_code
    for text in ("hq", "总行消费者权益保护部"):
        type_text(qtbot, text)
        key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Tab)  # institution type: a bank
    for text in ("95588", "北京市西城区金融大街1号", "国家金融监督管理总局北京监管局",
                 "北京市西城区金融大街15号 010-12378"):
        type_text(qtbot, text)
        key(qtbot, Qt.Key.Key_Tab)
    assert focus_widget() is wizard.branch_page.is_hq and wizard.branch_page.is_hq.isChecked()
    mnemonic(qtbot, "n")
    assert wizard.currentId() == PAGE_ADMIN
    qtbot.waitUntil(lambda: focus_widget() is wizard.admin_page.display_name)  # "admin" is filled in already
    for text in ("王管理", "Adm1n-2026", "Adm1n-2026"):
        type_text(qtbot, text)
        key(qtbot, Qt.Key.Key_Tab)
    mnemonic(qtbot, "n")
    assert wizard.currentId() == PAGE_ANALYST and focus_widget() is wizard.analyst_page.username
    for text in ("hq.analyst", "赵分析", "Ana1yst-2026", "Ana1yst-2026"):
        type_text(qtbot, text)
        key(qtbot, Qt.Key.Key_Tab)
    mnemonic(qtbot, "n")
    assert wizard.currentId() == PAGE_DEMO
    assert "HQ analyst: hq.analyst" in wizard.demo_page.summary.text()
    mnemonic(qtbot, "f")
    assert wizard.result() == QWizard.DialogCode.Accepted
    users = {(u.username, u.role, u.branch_code) for u in list_users(gui_db)}
    assert users == {("admin", Role.ADMINISTRATOR, "HQ"), ("hq.analyst", Role.HQ_ANALYST, "HQ")}
    analyst = authenticate(gui_db, "hq.analyst", "Ana1yst-2026")
    assert analyst.role is Role.HQ_ANALYST and analyst.is_hq
    with gui_db.unit_of_work() as session:
        branch = session.scalars(select(Branch)).one()
        assert branch.is_headquarters
        assert (branch.superior_institution, branch.superior_contact) == (
            "国家金融监督管理总局北京监管局", "北京市西城区金融大街15号 010-12378")


def test_a_branch_database_has_no_analyst_page(qtbot: QtBot, gui_db: Database) -> None:
    wizard = open_wizard(qtbot, gui_db)
    wizard.next()
    fill_branch(qtbot, wizard, headquarters=False)
    wizard.next()
    fill_admin(qtbot, wizard)
    wizard.next()
    assert wizard.currentId() == PAGE_DEMO
    assert "HQ analyst" not in wizard.demo_page.summary.text()


# -- the README's start path: desk-app --demo-data N on a first start --------------------------------------
README_DEMO_USERS = ["hq.analyst"] + [f"{code}.{login}" for code in ("sh01", "bj01", "gz01", "cd01")
                                      for login in ("clerk", "handler", "supervisor", "manager")]


def test_the_readme_start_path_reaches_every_listed_user(qtbot: QtBot, config_path: Path, tmp_path: Path) -> None:
    """``desk-app --demo-data N`` on a first start: the wizard opens with the demo data ticked (so the database
    is created as a demo database), set up by keys only; then every user the README lists signs in: the
    administrator made in the wizard with its own password, the others with the demo password."""
    from desk_app.services.demo import DEMO_PASSWORD

    wizard = open_wizard(qtbot, local_url=f"sqlite:///{tmp_path / 'data' / 'desk.sqlite3'}")
    wizard.offer_demo_data(12)  # what ui.app.main passes on from --demo-data 12
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=5000)
    mnemonic(qtbot, "n")  # this PC
    assert wizard.currentId() == PAGE_BRANCH
    wizard.activateWindow()  # offscreen, no window is active after the progress dialog closes
    qtbot.waitUntil(lambda: focus_widget() is wizard.branch_page.branch_code, timeout=5000)
    for text in ("hq", "总行消费者权益保护部"):
        type_text(qtbot, text)
        key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Tab)
    for text in ("95588", "北京市西城区金融大街1号", "国家金融监督管理总局北京监管局", "010-12378"):
        type_text(qtbot, text)
        key(qtbot, Qt.Key.Key_Tab)
    mnemonic(qtbot, "n")
    qtbot.waitUntil(lambda: focus_widget() is wizard.admin_page.display_name)
    for text in ("王管理", "Adm1n-2026", "Adm1n-2026"):
        type_text(qtbot, text)
        key(qtbot, Qt.Key.Key_Tab)
    mnemonic(qtbot, "n")
    assert wizard.currentId() == PAGE_ANALYST
    mnemonic(qtbot, "n")  # no analyst of our own: demo data brings hq.analyst
    assert wizard.currentId() == PAGE_DEMO and wizard.demo_page.demo_check.isChecked()
    mnemonic(qtbot, "f")
    result = wizard.result_value()
    assert result is not None and result.db is not None and result.demo_added == 12
    db = result.db
    assert authenticate(db, "admin", "Adm1n-2026").role is Role.ADMINISTRATOR
    signed_in = {name: authenticate(db, name, DEMO_PASSWORD).role for name in README_DEMO_USERS}
    assert signed_in["hq.analyst"] is Role.HQ_ANALYST and signed_in["cd01.manager"] is Role.BRANCH_MANAGER
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name in ("admin", "hq.analyst", "sh01.clerk", "sh01.handler", "sh01.supervisor", "sh01.manager", "bj01",
                 "gz01", "cd01", DEMO_PASSWORD):
        assert f"`{name}`" in readme, name
    db.dispose()


def test_demo_data_on_the_command_line_is_offered_in_the_first_run_wizard(
        qapp: QApplication, quiet_main: None, config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "first_run_needed", lambda url=None: True)
    asked: list[int] = []

    def ask(cls: type[FirstRunWizard], db: Database | None = None, parent: object = None,
            demo_count: int = 0) -> None:
        asked.append(demo_count)

    monkeypatch.setattr(FirstRunWizard, "ask", classmethod(ask))
    assert app_module.main(["--language", "en", "--demo-data", "500"]) == app_module.EXIT_CANCELLED
    assert asked == [500]
