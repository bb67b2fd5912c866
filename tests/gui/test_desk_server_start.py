"""Start-up on a counter PC configured for a desk server (``server_url`` and a pinned certificate), against a
live server: the health check, sign-in through the server, the main window; no pinned certificate yet (the
trust step first); a server that cannot be reached (Retry, the desk server settings, Quit); a certificate
that changed (nothing sent; the new fingerprint reviewed beside the old one); another protocol (update the
app); and ``--database-url``, which still forces this PC's in-process mode."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from desk_steps import ADMIN_PASSWORD
from gui_support import Shown
from keyboard import focus_widget, key, mnemonic, replace_text, type_text
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from remote_support import MessageBoxes, counter_pc_config, when_shown
from server_support import LiveServer, live_server, tls_files

import desk_app.server.app
from desk_app.api.backend import Backend
from desk_app.api.pinning import ServerCertificate, pin_certificate, pinned_certificate
from desk_app.api.protocol import PROTOCOL_VERSION
from desk_app.api.remote import RemoteBackend
from desk_app.config import save_config
from desk_app.db.migrate import head_revision
from desk_app.db.uow import Database
from desk_app.domain.enums import InstitutionType
from desk_app.services import setup
from ui import app as app_module
from ui.database_opening import DatabaseOpening
from ui.dialogs.login_dialog import LoginDialog
from ui.dialogs.server_dialog import ServerDialog
from ui.main_window import MainWindow


@pytest.fixture
def server(sqlite_database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A desk server with its accounts (SQLite: start-up does not depend on the server's database)."""
    setup.initialise(sqlite_database, setup.SetupRequest("BJ01", "北京第一支行", InstitutionType.BANK, "admin",
                                                         "王管理", ADMIN_PASSWORD))
    with live_server(sqlite_database, tmp_path_factory.getbasetemp() / "tls") as running:
        yield running


@pytest.fixture
def counter_pc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This PC's config folder; main() neither keeps the test's excepthook nor runs an event loop."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(QApplication, "exec", staticmethod(lambda: 0))
    return counter_pc_config(tmp_path, monkeypatch)


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[MainWindow]]:
    """The main windows start-up opens (recorded instead of shown)."""
    shown: list[MainWindow] = []
    monkeypatch.setattr(MainWindow, "show", lambda self: shown.append(self))
    yield shown
    for window in shown:
        window.close()


@pytest.fixture
def boxes(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> MessageBoxes:
    answering = MessageBoxes(qtbot)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: answering.exec(box))
    return answering


def sign_in_as_admin(qtbot: QtBot) -> list[LoginDialog]:
    def answer(dialog: LoginDialog) -> None:
        type_text(qtbot, "admin")
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, ADMIN_PASSWORD)
        key(qtbot, Qt.Key.Key_Return)

    return when_shown(LoginDialog, answer, tries=1500)


@dataclass(frozen=True)
class Trusted:
    """What the desk server dialog showed when it was answered."""

    address: str
    restart_note: bool
    previous: str
    fingerprint: str


def trust_in_dialog(qtbot: QtBot, url: str | None = None, ok: str = "s") -> list[Trusted]:
    """Answer the desk server dialog: the address typed (or the one shown), Connect, the comparison
    confirmed with Space, then OK by its mnemonic."""
    seen: list[Trusted] = []

    def answer(dialog: ServerDialog) -> None:
        form = dialog.form
        if url is not None:
            mnemonic(qtbot, "a")
            replace_text(qtbot, url)
        if form.certificate is None and not form.fetching():
            with qtbot.waitSignal(form.sig_fetched, timeout=15_000):
                mnemonic(qtbot, "o")  # C&onnect
        qtbot.waitUntil(lambda: form.certificate is not None and focus_widget() is form.compared, timeout=15_000)
        seen.append(Trusted(form.address.text(), dialog.restart_note.isVisible(),
                            form.previous_fingerprint.text().replace("\n", ":"),
                            form.fingerprint.text().replace("\n", ":")))
        key(qtbot, Qt.Key.Key_Space)
        mnemonic(qtbot, ok)

    when_shown(ServerDialog, answer, tries=1500)
    return seen


def the_backend(window: MainWindow) -> Backend:
    return window.ctx.backend


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_start_checks_the_server_and_signs_in_through_it(
        qtbot: QtBot, server: LiveServer, counter_pc: Path, windows: list[MainWindow]) -> None:
    save_config({"server_url": server.url})
    pin_certificate(server.url, server.certificate)
    logins = sign_in_as_admin(qtbot)
    assert app_module.main(["--language", "en"]) == 0
    [window] = windows
    assert len(logins) == 1 and window.actor.username == "admin"
    backend = the_backend(window)
    assert isinstance(backend, RemoteBackend) and backend.url == server.url
    assert window.ctx.schema_revision == head_revision()  # from the server's health answer
    assert not (counter_pc / "config.toml").read_text(encoding="utf-8").count("db_url = \"sqlite")


def test_without_a_pinned_certificate_the_server_is_trusted_first(
        qtbot: QtBot, server: LiveServer, counter_pc: Path, windows: list[MainWindow]) -> None:
    save_config({"server_url": server.url})
    trusts = trust_in_dialog(qtbot)
    logins = sign_in_as_admin(qtbot)
    assert app_module.main(["--language", "en"]) == 0
    assert trusts == [Trusted(server.url, False, "", server.certificate.fingerprint)]  # used at once
    assert len(logins) == 1 and len(windows) == 1
    assert pinned_certificate(server.url) == server.certificate


def test_an_unreachable_server_offers_retry_then_the_settings(
        qtbot: QtBot, server: LiveServer, counter_pc: Path, windows: list[MainWindow], boxes: MessageBoxes) -> None:
    dead = f"https://127.0.0.1:{closed_port()}"
    save_config({"server_url": dead})
    pin_certificate(dead, server.certificate)
    boxes.answer("r", "s")  # Retry (still down), then the desk server settings
    trusts = trust_in_dialog(qtbot, server.url)
    logins = sign_in_as_admin(qtbot)
    assert app_module.main(["--language", "en"]) == 0
    assert [name for name, *_rest in boxes.shown] == ["serverUnreachableBox", "serverUnreachableBox"]
    _name, text, informative, buttons = boxes.shown[0]
    assert f"The desk server {dead} cannot be reached" in text and "Traceback" not in text
    assert "network" in informative and sorted(buttons) == ["&Quit", "&Retry", "Desk &server settings…"]
    assert len(trusts) == 1 and len(logins) == 1 and len(windows) == 1
    backend = the_backend(windows[0])
    assert isinstance(backend, RemoteBackend) and backend.url == server.url


def test_an_unreachable_server_and_quit(qtbot: QtBot, counter_pc: Path, boxes: MessageBoxes,
                                        sqlite_database: Database, tmp_path: Path) -> None:
    dead = f"https://127.0.0.1:{closed_port()}"
    certificate, _key = tls_files(tmp_path / "tls")
    save_config({"server_url": dead})
    pin_certificate(dead, ServerCertificate(certificate.read_text(encoding="ascii")))
    boxes.answer("q")
    assert app_module.main(["--language", "en"]) == app_module.EXIT_CANCELLED
    assert [name for name, *_rest in boxes.shown] == ["serverUnreachableBox"]


def test_a_changed_certificate_is_trusted_only_after_reviewing_the_new_fingerprint(
        qtbot: QtBot, server: LiveServer, counter_pc: Path, windows: list[MainWindow], boxes: MessageBoxes,
        tmp_path: Path) -> None:
    certificate, _key = tls_files(tmp_path / "old-tls")
    old = ServerCertificate(certificate.read_text(encoding="ascii"))
    save_config({"server_url": server.url})
    pin_certificate(server.url, old)
    boxes.answer("v")  # Re&view the new certificate…
    reviews = trust_in_dialog(qtbot, ok="t")  # &Trust the new certificate
    logins = sign_in_as_admin(qtbot)
    assert app_module.main(["--language", "en"]) == 0
    [(name, text, informative, buttons)] = boxes.shown
    assert name == "serverIdentityBox"
    assert "another certificate" in text and "Nothing was sent" in text
    assert "not your password" in informative and sorted(buttons) == ["&Quit", "Re&view the new certificate…"]
    assert reviews == [Trusted(server.url, False, old.fingerprint, server.certificate.fingerprint)]
    assert pinned_certificate(server.url) == server.certificate
    assert len(logins) == 1 and len(windows) == 1


def test_a_changed_certificate_and_quit_keeps_the_old_pin(
        qtbot: QtBot, server: LiveServer, counter_pc: Path, boxes: MessageBoxes, tmp_path: Path) -> None:
    certificate, _key = tls_files(tmp_path / "old-tls")
    old = ServerCertificate(certificate.read_text(encoding="ascii"))
    save_config({"server_url": server.url})
    pin_certificate(server.url, old)
    boxes.answer("q")
    assert app_module.main(["--language", "en"]) == app_module.EXIT_CANCELLED
    assert pinned_certificate(server.url) == old


def test_a_server_speaking_another_protocol_says_to_update_the_app(
        qtbot: QtBot, server: LiveServer, counter_pc: Path, message_boxes: list[Shown],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desk_app.server.app, "PROTOCOL_VERSION", PROTOCOL_VERSION + 1)  # a newer server
    save_config({"server_url": server.url})
    pin_certificate(server.url, server.certificate)
    assert app_module.main(["--language", "en"]) == app_module.EXIT_DATABASE
    [fatal] = message_boxes
    assert fatal.text == "Complaint Desk cannot start."
    assert "Update the app on this PC" in fatal.informative and "Traceback" not in fatal.details


def test_database_url_forces_this_pcs_mode(qtbot: QtBot, server: LiveServer, counter_pc: Path,
                                           sqlite_database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    save_config({"server_url": server.url})
    pin_certificate(server.url, server.certificate)
    asked: list[Backend] = []
    monkeypatch.setattr(LoginDialog, "ask", classmethod(lambda cls, backend, parent=None: asked.append(backend)))
    code = app_module.main(["--database-url", str(sqlite_database.engine.url), "--language", "en"])
    assert code == app_module.EXIT_CANCELLED
    [backend] = asked  # this PC's database, opened behind the sign-in dialog (issue 21)
    assert isinstance(backend, DatabaseOpening) and backend.url == str(sqlite_database.engine.url)
