"""Start-up (ui.app), the error presenter and the background task runner."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from gui_support import SetUp, Shown
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desk_app.api.backend import Backend
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.errors import DatabaseUnavailableError, ValidationError
from ui import app as app_module
from ui.database_opening import DatabaseOpening
from ui.dialogs.first_run_wizard import FirstRunResult, FirstRunWizard
from ui.dialogs.login_dialog import LoginDialog
from ui.errors import show_error
from ui.main_window import MainWindow
from ui.tasks import CancelledFn, ProgressFn, run_task, run_with_progress


# -- error presenter -------------------------------------------------------------------------------
def test_user_error_is_a_warning_with_its_message(qapp: QApplication, message_boxes: list[Shown]) -> None:
    show_error(None, ValidationError("The branch name is required."))
    assert len(message_boxes) == 1
    box = message_boxes[0]
    assert box.icon == QMessageBox.Icon.Warning
    assert box.text == "The branch name is required."
    assert box.details == ""


def test_bug_is_critical_with_collapsible_details_and_logged(
        qapp: QApplication, message_boxes: list[Shown], caplog: pytest.LogCaptureFixture) -> None:
    try:
        int("twelve")
    except ValueError as exc:
        show_error(None, exc)
    box = message_boxes[0]
    assert box.icon == QMessageBox.Icon.Critical
    assert box.title == "Unexpected error"
    assert box.informative == "ValueError: invalid literal for int() with base 10: 'twelve'"
    assert "Traceback" in box.details and "test_shell.py" in box.details
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)


# -- background tasks ------------------------------------------------------------------------------
def test_run_task_reports_progress_and_result_on_the_main_thread(qtbot: QtBot) -> None:
    seen: list[tuple[int, int]] = []
    threads: list[str] = []
    results: list[object] = []

    def work(progress: ProgressFn, cancelled: CancelledFn) -> str:
        threads.append(threading.current_thread().name)
        for i in range(1, 4):
            progress(i, 3)
        return "done"

    def on_done(result: object) -> None:
        threads.append(threading.current_thread().name)
        results.append(result)

    run_task(work, on_done=on_done, on_progress=lambda d, t: seen.append((d, t)))
    qtbot.waitUntil(lambda: results == ["done"], timeout=5000)
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert threads[0] != threading.main_thread().name
    assert threads[1] == threading.main_thread().name


def test_run_task_errors_go_to_the_error_callback(qtbot: QtBot) -> None:
    errors: list[BaseException] = []

    def work(progress: ProgressFn, cancelled: CancelledFn) -> None:
        raise ValidationError("bad input")

    run_task(work, on_error=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert isinstance(errors[0], ValidationError)


def test_run_task_without_error_callback_uses_the_presenter(qtbot: QtBot, message_boxes: list[Shown]) -> None:
    def work(progress: ProgressFn, cancelled: CancelledFn) -> None:
        raise DatabaseUnavailableError("The database cannot be reached: gone")

    run_task(work)
    qtbot.waitUntil(lambda: len(message_boxes) == 1, timeout=5000)
    assert message_boxes[0].text == "The database cannot be reached: gone"


def test_cancel_is_seen_by_the_function(qtbot: QtBot) -> None:
    started = threading.Event()
    results: list[object] = []

    def work(progress: ProgressFn, cancelled: CancelledFn) -> str:
        started.set()
        while not cancelled():
            threading.Event().wait(0.01)
        return "stopped"

    task = run_task(work, on_done=results.append)
    assert started.wait(5)
    task.cancel()
    qtbot.waitUntil(lambda: results == ["stopped"], timeout=5000)


def test_run_with_progress_returns_the_result_or_raises(qtbot: QtBot) -> None:
    def answer(progress: ProgressFn, cancelled: CancelledFn) -> int:
        progress(1, 1)
        return 42

    assert run_with_progress(None, "Working", answer) == 42

    def fail(progress: ProgressFn, cancelled: CancelledFn) -> None:
        raise ValidationError("nope")

    with pytest.raises(ValidationError, match="nope"):
        run_with_progress(None, "Working", fail)


# -- start-up --------------------------------------------------------------------------------------
@pytest.fixture
def quiet_main(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() must not replace the test run's excepthook for good, nor start an event loop."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(QApplication, "exec", staticmethod(lambda: 0))


def test_unusable_database_shows_a_message_and_exits_non_zero(
        qapp: QApplication, quiet_main: None, message_boxes: list[Shown]) -> None:
    code = app_module.main(["--database-url", "mysql://nobody@nowhere/none", "--language", "en"])
    assert code == app_module.EXIT_DATABASE
    assert message_boxes[0].icon == QMessageBox.Icon.Critical
    assert message_boxes[0].text == "Complaint Desk cannot start."
    assert "Unsupported database type" in message_boxes[0].informative


def test_not_a_database_file_is_reported_not_raised(
        qapp: QApplication, quiet_main: None, message_boxes: list[Shown], tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite3"
    bogus.write_text("this is not SQLite " * 100, encoding="utf-8")
    code = app_module.main(["--database-url", f"sqlite:///{bogus}", "--language", "en"])
    assert code == app_module.EXIT_DATABASE
    assert message_boxes and message_boxes[0].icon == QMessageBox.Icon.Critical


def test_empty_database_opens_the_first_run_wizard_then_the_main_window(
        qapp: QApplication, quiet_main: None, sqlite_database: Database, set_up_actor: Actor,
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    shown: list[MainWindow] = []

    def ask_setup(cls: type[FirstRunWizard], db: Database, parent: object = None) -> FirstRunResult:
        asked.append("setup")
        return FirstRunResult(db, None, set_up_actor)

    def ask_login(cls: type[LoginDialog], backend: Backend, parent: object = None) -> None:
        asked.append("login")

    def show(self: MainWindow) -> None:
        shown.append(self)

    monkeypatch.setattr(FirstRunWizard, "ask", classmethod(ask_setup))
    monkeypatch.setattr(LoginDialog, "ask", classmethod(ask_login))
    monkeypatch.setattr(MainWindow, "show", show)
    code = app_module.main(["--database-url", str(sqlite_database.engine.url), "--language", "en"])
    assert code == 0
    assert asked == ["setup"]
    assert len(shown) == 1 and shown[0].actor == set_up_actor
    shown[0].close()


def test_set_up_database_asks_to_sign_in_and_cancel_exits(
        qapp: QApplication, quiet_main: None, set_up: SetUp, monkeypatch: pytest.MonkeyPatch) -> None:
    if set_up.db.dialect != "sqlite":
        pytest.skip("start-up migrates SQLite; PostgreSQL start-up is covered by require_head")
    asked: list[str] = []

    def ask(cls: type[LoginDialog], backend: Backend, parent: object = None) -> None:
        # the database is opened behind the sign-in dialog (issue 21): the dialog signs in through its opening
        assert isinstance(backend, DatabaseOpening) and backend.url == str(set_up.db.engine.url)
        asked.append("login")

    monkeypatch.setattr(LoginDialog, "ask", classmethod(ask))
    code = app_module.main(["--database-url", str(set_up.db.engine.url), "--language", "en"])
    assert code == app_module.EXIT_CANCELLED
    assert asked == ["login"]


@pytest.fixture
def set_up_actor() -> Actor:
    import uuid

    from desk_app.domain.enums import Role

    return Actor(uuid.uuid4(), "admin", "管理员", Role.ADMINISTRATOR, uuid.uuid4(), "SH01")


def test_self_test_opens_and_closes_the_main_window(qapp: QApplication, capsys: pytest.CaptureFixture[str]) -> None:
    assert app_module.gui_self_test() == 0
    out = capsys.readouterr().out
    assert "main window opened and closed" in out
    assert out.strip().endswith("self-test OK")
