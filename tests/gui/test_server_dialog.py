"""The desk server dialog, driven from the keyboard against a live desk server: the address, Connect in the
background, the fingerprint to compare, the explicit confirmation, and what is saved (the address and the
pinned certificate only); a wrong address, a closed port, a changed certificate (the fit on a 1366×768 screen
is in test_screen_fit.py, the keyboard and screen-reader audit also in test_accessibility.py)."""

from __future__ import annotations

import socket
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyboard import focus_widget, key, mnemonic, replace_text, type_text
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel
from pytestqt.qtbot import QtBot
from remote_support import counter_pc_config
from server_support import LiveServer, live_server, tls_files

from desk_app.api.pinning import ServerCertificate, pinned_certificate
from desk_app.config import load_config
from desk_app.db.uow import Database
from ui.accessibility import audit
from ui.dialogs.server_dialog import ServerDialog, shown_fingerprint


@pytest.fixture
def server(sqlite_database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live desk server; on SQLite only: the database plays no part in choosing and trusting a server."""
    with live_server(sqlite_database, tmp_path_factory.getbasetemp() / "tls") as running:
        yield running


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return counter_pc_config(tmp_path, monkeypatch)


def open_dialog(qtbot: QtBot, url: str = "", previous: ServerCertificate | None = None) -> ServerDialog:
    dialog = ServerDialog(None, url, previous)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    return dialog


def connect_to(qtbot: QtBot, dialog: ServerDialog, url: str) -> None:
    """Type the address into the focused address field and press Enter (connects)."""
    assert focus_widget() is dialog.form.address
    replace_text(qtbot, url)
    with qtbot.waitSignal(dialog.form.sig_fetched, timeout=15_000):
        key(qtbot, Qt.Key.Key_Return)
        assert not dialog.form.connect_button.isEnabled()  # while fetching in the background


def other_certificate(folder: Path) -> ServerCertificate:
    certificate, _key = tls_files(folder)
    return ServerCertificate(certificate.read_text(encoding="ascii"))


def test_connect_compare_and_save_pins_the_certificate_and_saves_only_the_address(
        qtbot: QtBot, server: LiveServer, config_dir: Path) -> None:
    dialog = open_dialog(qtbot)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and dialog.form.fingerprint.isHidden() and dialog.form.compared.isHidden()
    connect_to(qtbot, dialog, server.url)

    form = dialog.form
    assert form.fingerprint.text() == shown_fingerprint(server.certificate.fingerprint)
    assert form.fingerprint.text().replace("\n", ":") == server.certificate.fingerprint
    assert form.fingerprint.font().fixedPitch() or "mono" in form.fingerprint.font().family().lower()
    assert form.fingerprint.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByKeyboard
    assert "desk-server init" in form.instruction.text()
    assert focus_widget() is form.compared and not ok.isEnabled()  # nothing trusted without the confirmation
    key(qtbot, Qt.Key.Key_Space)
    assert form.compared.isChecked() and ok.isEnabled()
    assert "started again" in dialog.restart_note.text() and dialog.restart_note.isVisible()
    mnemonic(qtbot, "s")  # &Save

    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.saved_url == server.url
    assert pinned_certificate(server.url) == server.certificate
    config = tomllib.loads((config_dir / "config.toml").read_text(encoding="utf-8"))
    assert config == {"server_url": server.url, "db_url": ""}
    assert load_config().server_url == server.url
    files = sorted(p.name for p in config_dir.rglob("*") if p.is_file())
    assert files == ["127.0.0.1-" + server.url.rsplit(":", 1)[1] + ".pem", "config.toml"]


def test_another_address_forgets_what_was_fetched(qtbot: QtBot, server: LiveServer, config_dir: Path) -> None:
    dialog = open_dialog(qtbot)
    connect_to(qtbot, dialog, server.url)
    key(qtbot, Qt.Key.Key_Space)
    assert dialog.ok_button.isEnabled()
    mnemonic(qtbot, "a")  # back to the address
    type_text(qtbot, "0")
    assert dialog.form.certificate is None and not dialog.form.compared.isChecked()
    assert dialog.form.fingerprint.isHidden() and not dialog.ok_button.isEnabled()
    key(qtbot, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert not (config_dir / "config.toml").exists() and pinned_certificate(server.url) is None


def test_an_address_that_is_not_https_is_refused_inline(qtbot: QtBot, config_dir: Path) -> None:
    dialog = open_dialog(qtbot)
    type_text(qtbot, "http://desk.branch.local:8443")
    mnemonic(qtbot, "o")  # C&onnect
    assert dialog.form.error.text() == "The desk server's address must look like https://server:8443."
    assert focus_widget() is dialog.form.address and not dialog.ok_button.isEnabled()


def test_a_server_that_does_not_answer_is_reported_inline(qtbot: QtBot, config_dir: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dialog = open_dialog(qtbot)
    connect_to(qtbot, dialog, f"https://127.0.0.1:{port}")
    assert dialog.form.status.problem and "cannot be reached" in dialog.form.status.text()
    assert dialog.form.connect_button.isEnabled() and focus_widget() is dialog.form.address
    assert dialog.form.fingerprint.isHidden() and not dialog.ok_button.isEnabled()
    assert not (config_dir / "config.toml").exists()


def test_a_changed_certificate_shows_both_fingerprints_and_needs_the_confirmation(
        qtbot: QtBot, server: LiveServer, config_dir: Path, tmp_path: Path) -> None:
    old = other_certificate(tmp_path / "old")
    dialog = open_dialog(qtbot, server.url, old)  # fetches what the server presents now at once
    qtbot.waitUntil(lambda: dialog.form.certificate is not None, timeout=15_000)
    form = dialog.form
    assert "Nothing was sent" in dialog.intro.text() and form.address.isReadOnly()
    assert form.previous_fingerprint.text() == shown_fingerprint(old.fingerprint)
    assert form.fingerprint.text() == shown_fingerprint(server.certificate.fingerprint)
    assert form.previous_fingerprint.isVisible() and form.fingerprint.isVisible()
    assert dialog.ok_button.text() == "&Trust the new certificate" and not dialog.ok_button.isEnabled()
    assert focus_widget() is form.compared
    key(qtbot, Qt.Key.Key_Space)
    mnemonic(qtbot, "t")  # &Trust the new certificate
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert pinned_certificate(server.url) == server.certificate


def test_keyboard_order_names_and_mnemonics(qtbot: QtBot, server: LiveServer, config_dir: Path) -> None:
    dialog = open_dialog(qtbot)
    connect_to(qtbot, dialog, server.url)
    form = dialog.form
    assert audit(dialog) == []
    mnemonic(qtbot, "a")
    assert focus_widget() is form.address
    for expected in (form.connect_button, form.fingerprint, form.compared):
        key(qtbot, Qt.Key.Key_Tab)
        assert focus_widget() is expected
    assert form.fingerprint.accessibleName() == "Fingerprint of the server's certificate"
    assert form.fingerprint.accessibleDescription() == server.certificate.fingerprint
    texts = [w.text() for w in dialog.findChildren(QLabel) if w.isVisible() and "&" in w.text()]
    texts += [form.connect_button.text(), form.compared.text(), dialog.ok_button.text(),
              dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).text()]
    letters = [text.split("&")[1][0].lower() for text in texts]
    assert len(letters) == len(set(letters)), texts
