"""This PC's database opened behind the painted sign-in dialog (ui.database_opening, issue 21): a database that
cannot be opened closes the dialog and is reported as before; signing in through the dialog waits for the opening."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from gui_support import ADMIN_PASSWORD, SetUp, Shown
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

import ui.context
from desk_app.errors import DatabaseUnavailableError
from ui import app as app_module
from ui.main_window import MainWindow


class OnFirstPaint(QObject):
    """Calls ``then(window)`` after the first paint of a window (the sign-in dialog), once."""

    def __init__(self, then: Callable[[QWidget], None]) -> None:
        super().__init__()
        self.then = then
        self.windows: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget) and watched.isWindow() \
                and not self.windows:
            self.windows.append(watched.objectName())
            window = watched
            QTimer.singleShot(0, lambda: self.then(window))
        return False


@pytest.fixture
def quiet_main(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() must not replace the test run's excepthook for good, nor start an event loop."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(QApplication, "exec", staticmethod(lambda: 0))


def _sqlite_url(set_up: SetUp) -> str:
    if set_up.db.dialect != "sqlite":
        pytest.skip("the sign-in dialog comes first on a SQLite file with accounts; other databases open first")
    return str(set_up.db.engine.url)


def test_a_database_that_cannot_be_opened_closes_the_sign_in_dialog_and_is_reported(
        qapp: QApplication, quiet_main: None, set_up: SetUp, message_boxes: list[Shown],
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = _sqlite_url(set_up)

    def refuse(url: str, backup_dir: Path | None = None) -> object:
        raise DatabaseUnavailableError("The database file is locked by another program.")

    monkeypatch.setattr(ui.context, "open_local_database", refuse)
    painted = OnFirstPaint(lambda window: None)
    qapp.installEventFilter(painted)
    try:
        code = app_module.main(["--database-url", url, "--language", "en"])
    finally:
        qapp.removeEventFilter(painted)
    assert painted.windows == ["loginDialog"]  # shown before the database was tried
    assert code == app_module.EXIT_DATABASE
    [fatal] = message_boxes
    assert fatal.icon == QMessageBox.Icon.Critical and fatal.text == "Complaint Desk cannot start."
    assert fatal.informative == "The database file is locked by another program."


def test_signing_in_at_once_waits_for_the_database_and_opens_the_main_window(
        qapp: QApplication, quiet_main: None, set_up: SetUp, monkeypatch: pytest.MonkeyPatch) -> None:
    """The password is typed and Enter pressed the moment the dialog is painted, before the database is open."""
    url = _sqlite_url(set_up)
    shown: list[MainWindow] = []
    monkeypatch.setattr(MainWindow, "show", lambda self: shown.append(self))

    def sign_in(dialog: QWidget) -> None:
        for keys in ("admin", Qt.Key.Key_Tab, ADMIN_PASSWORD, Qt.Key.Key_Return):
            focused = dialog.focusWidget()
            assert focused is not None
            if isinstance(keys, str):
                QTest.keyClicks(focused, keys)
            else:
                QTest.keyClick(focused, keys)

    painted = OnFirstPaint(sign_in)
    qapp.installEventFilter(painted)
    try:
        code = app_module.main(["--database-url", url, "--language", "en"])
    finally:
        qapp.removeEventFilter(painted)
    assert code == 0 and painted.windows == ["loginDialog"]
    [window] = shown
    assert window.actor.username == "admin"
    assert window.ctx.backend.label.endswith(Path(url.removeprefix("sqlite:///")).name)
    window.close()
    window.deleteLater()
