"""The network to a live desk server, which can go down mid-session and come back on the same address; a
counter PC's configuration folder; answering modal dialogs and message boxes from the keyboard."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from server_support import LiveServer, tls_files
from tcp_forwarder import Forwarder

from desk_app.api.pinning import ServerCertificate
from desk_app.api.remote import RemoteBackend
from desk_app.paths import user_config_dir
from ui.dialogs.server_dialog import ServerDialog

D = TypeVar("D", bound=QDialog)


class Network:
    """The network between a counter PC and the desk server: a TCP relay (``tcp_forwarder.Forwarder``).
    ``down()`` drops every open connection and refuses new ones (the server is unreachable); ``up()`` serves
    again on the same port. The server itself keeps running: its sessions stay valid."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self._relay = Forwarder("127.0.0.1", urlsplit(server.url).port or 0)
        self.port = self._relay.port
        self.url = f"https://127.0.0.1:{self.port}"

    def backend(self) -> RemoteBackend:
        """A client of the desk server through this network (the pinned certificate is the server's)."""
        return RemoteBackend(self.url, self.server.certificate)

    def up(self) -> None:
        self._relay.start()

    def down(self) -> None:
        self._relay.stop()


@contextmanager
def network_to(server: LiveServer) -> Iterator[Network]:
    network = Network(server)
    network.up()
    try:
        yield network
    finally:
        network.down()


def counter_pc_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This counter PC's configuration folder (config.toml and the pinned certificates) in ``tmp_path``."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))  # read by desk_app.paths on each call
    monkeypatch.delenv("DESK_DATABASE_URL", raising=False)
    return user_config_dir()


# -- keyboard at modal dialogs ------------------------------------------------------------------------------
def when_shown(kind: type[D], answer: Callable[[D], None], tries: int = 500) -> list[D]:
    """Answer the next modal dialog of ``kind`` once it is shown (it runs its own event loop inside the call
    that opened it); gives up after about ten seconds."""
    seen: list[D] = []

    def look(left: int) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible() and dialog not in seen:
            seen.append(dialog)
            try:
                activate(dialog)
                answer(dialog)
            except BaseException:
                dialog.reject()  # never leave the test waiting in the dialog's own event loop
                raise
        elif left > 0:
            QTimer.singleShot(20, lambda: look(left - 1))

    QTimer.singleShot(0, lambda: look(tries))
    return seen


W = TypeVar("W", bound=QWidget)


def when_popup(kind: type[W], answer: Callable[[W], None], tries: int = 250) -> list[W]:
    """Answer the next popup of ``kind`` (a menu runs its own event loop) once it is open."""
    seen: list[W] = []

    def look(left: int) -> None:
        popup = QApplication.activePopupWidget()
        if isinstance(popup, kind) and popup.isVisible() and popup not in seen:
            seen.append(popup)
            try:
                answer(popup)
            except BaseException:
                popup.close()
                raise
        elif left > 0:
            QTimer.singleShot(20, lambda: look(left - 1))

    QTimer.singleShot(0, lambda: look(tries))
    return seen


def activate(window: QWidget, timeout: float = 5.0) -> None:
    """Make ``window`` the active window (keys go to its focus widget), waiting until it is."""
    window.activateWindow()
    deadline = time.monotonic() + timeout
    while not window.isActiveWindow():
        assert time.monotonic() < deadline, f"{window.objectName()} did not become the active window"
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)
    if QApplication.focusWidget() is None:
        QApplication.processEvents()


def focused(window: QWidget | None = None) -> QWidget:
    widget = QApplication.focusWidget() if window is None else window.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


class MessageBoxes:
    """Message boxes answered from the keyboard: each box shown is recorded (object name, text, informative
    text, button texts) and answered with the next mnemonic letter queued by ``answer`` (Alt+letter on the
    box, as a user presses it); with nothing queued, Escape."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.shown: list[tuple[str, str, str, list[str]]] = []
        self._letters: list[str] = []

    def answer(self, *letters: str) -> None:
        self._letters += letters

    def exec(self, box: QMessageBox) -> int:
        self.shown.append((box.objectName(), box.text(), box.informativeText(),
                           [b.text() for b in box.buttons()]))
        box.show()
        activate(box)
        if self._letters:
            letter = self._letters.pop(0)
            self.qtbot.keyClick(box, getattr(Qt.Key, f"Key_{letter.upper()}"), Qt.KeyboardModifier.AltModifier)
            self.qtbot.waitUntil(lambda: not box.isVisible(), timeout=2000)  # the button clicks after a moment
        else:
            self.qtbot.keyClick(box, Qt.Key.Key_Escape)
        box.hide()
        return int(box.result())


def server_dialog_for_review(qtbot: QtBot, server: LiveServer, other_tls: Path) -> ServerDialog:
    """The desk server dialog at its fullest: a changed certificate under review, both fingerprints shown
    (the one pinned before is another self-signed certificate made in ``other_tls``)."""
    certificate, _key = tls_files(other_tls)
    dialog = ServerDialog(None, server.url, ServerCertificate(certificate.read_text(encoding="ascii")))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.form.certificate is not None, timeout=15_000)
    return dialog
