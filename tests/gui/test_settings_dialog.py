"""File ▸ Settings…: language and idle lock to config.toml, the database change (after a restart), and the
branch letterhead for administrators."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_support import ADMIN_PASSWORD, SetUp
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot
from server_support import LiveServer
from sqlalchemy import select

import desk_app.config
from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig, load_config, save_config
from desk_app.db.migrate import schema_state
from desk_app.db.models import Branch
from desk_app.domain.enums import Role
from desk_app.paths import default_database_path
from desk_app.services.accounts import authenticate, create_user
from tests.support.passwords import CLERK_PASSWORD
from ui.context import AppContext
from ui.dialogs.server_dialog import ServerDialog
from ui.dialogs.settings_dialog import SettingsDialog
from ui.main_window import MainWindow


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setattr(desk_app.config, "config_file", lambda: path)
    monkeypatch.delenv("DESK_DATABASE_URL", raising=False)
    return path


def context(set_up: SetUp) -> AppContext:
    return AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                      schema_state(set_up.db.engine).current)


def save(dialog: SettingsDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_language_and_idle_lock_are_saved_to_the_configuration(
        qtbot: QtBot, set_up: SetUp, config_path: Path) -> None:
    chosen: list[str] = []
    minutes: list[int] = []
    dialog = SettingsDialog(context(set_up), set_up.admin, on_language=chosen.append, on_idle_minutes=minutes.append)
    qtbot.addWidget(dialog)
    assert dialog.idle_minutes.value() == 5
    dialog.idle_minutes.setValue(12)
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    save(dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert chosen == ["zh_CN"] and minutes == [12]  # the running lock takes the new minutes at once
    config = load_config()
    assert (config.idle_lock_minutes, config.language) == (12, "zh_CN")


def test_administrator_edits_the_letterhead_of_their_branch(qtbot: QtBot, set_up: SetUp, config_path: Path) -> None:
    dialog = SettingsDialog(context(set_up), set_up.admin)
    qtbot.addWidget(dialog)
    assert not dialog.letterhead_box.isHidden()
    assert dialog.letterhead_box.title() == "Letterhead of branch BJ01"
    dialog.hotline.setText("010-12345678")
    dialog.address.setText("北京市朝阳区建国路1号")
    save(dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    with set_up.db.unit_of_work() as session:
        branch = session.scalars(select(Branch).where(Branch.code == "BJ01")).one()
        assert (branch.hotline, branch.address) == ("010-12345678", "北京市朝阳区建国路1号")


def test_a_bad_hotline_is_refused_inline_and_the_dialog_stays(
        qtbot: QtBot, set_up: SetUp, config_path: Path) -> None:
    dialog = SettingsDialog(context(set_up), set_up.admin)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.hotline.setText("call us!")
    save(dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "hotline" in dialog.error.text()
    assert dialog.focusWidget() is dialog.hotline
    assert not config_path.exists()


def test_staff_do_not_see_the_letterhead(qtbot: QtBot, set_up: SetUp, config_path: Path) -> None:
    create_user(set_up.db, set_up.admin, username="clerk", display_name="柜员", password=CLERK_PASSWORD,
                role=Role.COUNTER_CLERK, must_change_password=False)
    clerk = authenticate(set_up.db, "clerk", CLERK_PASSWORD)
    dialog = SettingsDialog(context(set_up), clerk)
    qtbot.addWidget(dialog)
    assert dialog.letterhead_box.isHidden()
    save(dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_choosing_a_desk_server_says_it_takes_effect_after_a_restart(
        qtbot: QtBot, set_up: SetUp, config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def ask(cls: type[ServerDialog], parent: object = None, url: str = "", previous: object = None, *,
            restart_note: bool = True) -> str:
        asked.append(url)
        assert restart_note
        return "https://desk.branch.local:8443"

    monkeypatch.setattr(ServerDialog, "ask", classmethod(ask))
    dialog = SettingsDialog(context(set_up), set_up.admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.database_now.text().startswith("In use: ") and ":desk@" not in dialog.database_now.text()
    assert dialog.server_button.text() == "&Desk server…" and dialog.local_button.isHidden()
    assert not dialog.restart_note.isVisible()
    dialog.server_button.click()
    assert asked == [""]
    assert dialog.restart_note.isVisible() and dialog.database_changed
    assert "started again" in dialog.restart_note.text()


def test_a_counter_pc_on_a_desk_server_can_go_back_to_this_pc(
        qtbot: QtBot, set_up: SetUp, server: LiveServer, config_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    save_config({"server_url": server.url})
    backend = server.backend()
    admin = backend.sign_in("admin", ADMIN_PASSWORD)
    ctx = AppContext(load_config(), backend, None)
    asked: list[str] = []
    monkeypatch.setattr(ServerDialog, "ask", classmethod(lambda cls, parent=None, url="", *a, **k: asked.append(url)))
    try:
        dialog = SettingsDialog(ctx, admin)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.database_now.text() == f"In use: {server.url}"
        assert dialog.local_button.isVisible() and not dialog.backups.isVisible()
        dialog.server_button.click()  # the server in use is offered for review
        assert asked == [server.url] and not dialog.database_changed
        dialog.local_button.click()
        assert dialog.restart_note.isVisible()
        config = load_config()
        assert config.server_url == "" and config.db_url == f"sqlite:///{default_database_path()}"
    finally:
        backend.close()


def test_the_file_menu_opens_the_settings(qtbot: QtBot, set_up: SetUp, config_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[SettingsDialog] = []
    monkeypatch.setattr(SettingsDialog, "exec", lambda self: opened.append(self) or 0)
    window = MainWindow(context(set_up), set_up.admin)
    qtbot.addWidget(window)
    assert window.settings_action.text() == "&Settings…"
    assert window.settings_action in window.file_menu.actions()
    window.settings_action.trigger()
    assert len(opened) == 1 and opened[0].parent() is window
