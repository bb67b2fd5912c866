"""The shared-server connection dialog: fields, the background "Test connection" against the real test
server, saving (settings to config.toml, the password only to the keyring), and no keyring at all."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest
from keyring_support import MemoryKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy.engine import make_url

import desk_app.config
from desk_app.config import load_config
from desk_app.db.connection import ServerSettings, password_from_keyring
from ui.dialogs.connection_dialog import ConnectionDialog


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """config.toml in a temporary folder (save_config and load_config look it up at each call)."""
    path = tmp_path / "config.toml"
    monkeypatch.setattr(desk_app.config, "config_file", lambda: path)
    monkeypatch.delenv("DESK_DATABASE_URL", raising=False)
    return path


def fill(qtbot: QtBot, dialog: ConnectionDialog, url: str, *, port: int | None = None) -> None:
    parsed = make_url(url)
    form = dialog.form
    for edit, value in ((form.host, parsed.host), (form.database, parsed.database), (form.user, parsed.username),
                        (form.password, parsed.password)):
        assert isinstance(edit, QLineEdit)
        edit.clear()
        qtbot.keyClicks(edit, value or "")
    form.port.setValue(port or parsed.port or 5432)


def test_fields_are_labelled_and_the_password_is_hidden(qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    dialog = ConnectionDialog()
    qtbot.addWidget(dialog)
    form = dialog.form
    assert form.password.echoMode() == QLineEdit.EchoMode.Password
    assert form.port.value() == 5432 and form.port.maximum() == 65535
    assert [form.sslmode.itemData(i) for i in range(form.sslmode.count())] == [
        "disable", "prefer", "require", "verify-full"]
    assert form.sslmode.currentData() == "prefer"
    assert form.remember.isChecked() and form.remember.isEnabled()
    assert form.host.accessibleName() == "Server name or IP address"
    assert all("&" in label.text() for label in form._labels)
    assert form.host.nextInFocusChain() is form.port


def test_test_connection_runs_in_the_background_and_shows_success_inline(
        qtbot: QtBot, pg_url: str, memory_keyring: MemoryKeyring) -> None:
    dialog = ConnectionDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    fill(qtbot, dialog, pg_url)
    with qtbot.waitSignal(dialog.form.sig_tested, timeout=15_000):
        qtbot.mouseClick(dialog.form.test_button, Qt.MouseButton.LeftButton)
        assert not dialog.form.test_button.isEnabled()  # while the test runs
    assert dialog.form.result.text().startswith("Connected to PostgreSQL 1")
    assert dialog.form.result.ok and dialog.form.result.isVisible()
    assert dialog.form.test_button.isEnabled()
    assert dialog.form.probe_matches() is not None
    dialog.form.database.setText("other")  # a changed field makes the old result stale
    assert dialog.form.probe_matches() is None


def test_a_closed_port_is_reported_inline(qtbot: QtBot, pg_url: str, memory_keyring: MemoryKeyring) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = int(sock.getsockname()[1])
    dialog = ConnectionDialog()
    qtbot.addWidget(dialog)
    fill(qtbot, dialog, pg_url, port=closed)
    with qtbot.waitSignal(dialog.form.sig_tested, timeout=15_000):
        dialog.form.test()
    assert "refused the connection" in dialog.form.result.text()
    assert not dialog.form.result.ok


def test_missing_fields_are_named_before_connecting(qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    dialog = ConnectionDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.form.test()
    assert dialog.form.error.text() == "Enter the server's name or IP address."
    assert dialog.focusWidget() is dialog.form.host


def test_save_writes_settings_without_the_password_and_remembers_it_in_the_keyring(
        qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring) -> None:
    dialog = ConnectionDialog()
    qtbot.addWidget(dialog)
    fill(qtbot, dialog, "postgresql+psycopg://clerk:Pa55-word@db.branch.local:5433/desk")
    dialog.form.sslmode.setCurrentIndex(dialog.form.sslmode.findData("require"))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert "Pa55-word" not in config_path.read_text(encoding="utf-8")
    url = load_config().db_url
    assert ServerSettings.from_url(url) == ServerSettings("db.branch.local", 5433, "desk", "clerk", "require")
    assert password_from_keyring(url) == "Pa55-word"

    # unticking "remember" forgets it: the password is then asked at each start
    dialog = ConnectionDialog(settings=ServerSettings.from_url(url))
    qtbot.addWidget(dialog)
    dialog.form.remember.setChecked(False)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert password_from_keyring(url) is None and memory_keyring.store == {}


def test_without_a_keyring_remember_is_off_and_explained(qtbot: QtBot, config_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        dialog = ConnectionDialog()
        qtbot.addWidget(dialog)
        dialog.show()
        assert not dialog.form.remember.isChecked() and not dialog.form.remember.isEnabled()
        assert "asked at each start" in dialog.form.keyring_note.text()
        assert dialog.form.keyring_note.isVisible()
        fill(qtbot, dialog, "postgresql+psycopg://clerk:pw@db.branch.local/desk")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert dialog.result() == QDialog.DialogCode.Accepted  # saved; the password will be asked each start
        assert "pw@" not in config_path.read_text(encoding="utf-8")
    finally:
        keyring.set_keyring(previous)


def test_ask_returns_the_settings_and_password_or_none(
        qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ConnectionDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert ConnectionDialog.ask(None, ServerSettings("h")) is None

    def accept(self: ConnectionDialog) -> QDialog.DialogCode:
        self.form.password.setText("typed")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ConnectionDialog, "exec", accept)
    assert ConnectionDialog.ask(None, ServerSettings("h", 5432, "d", "u")) == (ServerSettings("h", 5432, "d", "u"),
                                                                                 "typed")


def test_start_up_asks_for_the_password_when_the_server_wants_one(
        qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    from desk_app.db import connection
    from desk_app.errors import DatabaseUnavailableError
    from ui import app as app_module

    tried: list[str | None] = []
    asked: list[tuple[ServerSettings | None, str, bool]] = []

    def open_database(url: str, backup: object = None) -> tuple[object, str]:
        tried.append(make_url(url).password)
        if make_url(url).password != "right":
            try:
                raise RuntimeError('FATAL:  password authentication failed for user "clerk"')
            except RuntimeError as exc:
                raise DatabaseUnavailableError("The server refused the password for user clerk.") from exc
        return "db", "rev"

    def ask(cls: type[ConnectionDialog], parent: object = None, settings: ServerSettings | None = None,
            message: str = "", *, save_settings: bool = True) -> tuple[ServerSettings, str] | None:
        asked.append((settings, message, save_settings))
        return (settings, "right") if len(asked) == 1 else None

    monkeypatch.setattr(connection, "open_database", open_database)
    monkeypatch.setattr(ConnectionDialog, "ask", classmethod(ask))
    settings = ServerSettings("db.branch.local", 5432, "desk", "clerk")
    connection.save_password(settings, "stale")
    config = load_config(settings.url_string())
    assert app_module.connect(config, may_save=False) == ("db", "rev")
    assert tried == ["stale", "right"]  # the keyring's password first, then the one typed
    assert asked == [(settings, "The server refused the password for user clerk.", False)]
