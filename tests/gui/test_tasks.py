"""The typed runner (ui.tasks.run_call / run_job): results and errors reach their callbacks on the GUI
thread, and never a callback into an owner that has been destroyed meanwhile."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import shiboken6
from gui_support import Shown
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desk_app.errors import ValidationError
from tests.support.gui import wait_until_idle
from ui.tasks import CancelledFn, ProgressFn, TaskAbandoned, run_call, run_job, run_with_progress, running_tasks

ROOT = Path(__file__).resolve().parents[2]


def test_the_result_reaches_on_done_on_the_gui_thread(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    results: list[list[int]] = []
    threads: list[bool] = []

    def work() -> list[int]:
        threads.append(threading.current_thread() is threading.main_thread())
        return [1, 2, 3]

    def on_done(result: list[int]) -> None:
        threads.append(threading.current_thread() is threading.main_thread())
        results.append(result)

    task = run_call(owner, work, on_done)
    qtbot.waitUntil(lambda: task.done, timeout=5000)
    assert results == [[1, 2, 3]]
    assert threads == [False, True]


def test_an_exception_reaches_on_error(qtbot: QtBot, message_boxes: list[Shown]) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    done: list[object] = []
    errors: list[BaseException] = []

    def work() -> int:
        raise ValidationError("bad input")

    run_call(owner, work, done.append, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValidationError) and str(errors[0]) == "bad input"
    assert done == [] and message_boxes == []


def test_without_on_error_the_presenter_shows_it(qtbot: QtBot, message_boxes: list[Shown]) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)

    def work() -> int:
        raise ValidationError("The branch name is required.")

    task = run_call(owner, work, None)
    qtbot.waitUntil(lambda: task.done, timeout=5000)
    assert [box.text for box in message_boxes] == ["The branch name is required."]


def test_progress_and_cancel_reach_a_job(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    seen: list[tuple[int, int]] = []
    started = threading.Event()
    results: list[str] = []

    def work(progress: ProgressFn, cancelled: CancelledFn) -> str:
        progress(1, 2)
        started.set()
        while not cancelled():
            threading.Event().wait(0.01)
        return "stopped"

    task = run_job(owner, work, results.append, on_progress=lambda d, t: seen.append((d, t)))
    assert started.wait(5)
    task.cancel()
    qtbot.waitUntil(lambda: results == ["stopped"], timeout=5000)
    assert seen == [(1, 2)]


@pytest.mark.parametrize("outcome", ["result", "error"])
def test_no_callback_into_a_destroyed_owner(qtbot: QtBot, qapp: QApplication, message_boxes: list[Shown],
                                            outcome: str) -> None:
    """A page closed while its call runs: when the call finishes, nothing is called and nothing is shown
    (neither on_done/on_error nor the error presenter), and the task is released."""
    owner = QWidget()
    owner.show()
    release = threading.Event()
    started = threading.Event()
    called: list[object] = []

    def work() -> str:
        started.set()
        assert release.wait(10)
        if outcome == "error":
            raise ValidationError("too late")
        return "too late"

    def on_done(result: str) -> None:
        called.append(owner.objectName())  # would raise on a deleted owner

    before = running_tasks()
    task = run_call(owner, work, on_done, None if outcome == "error" else called.append)
    assert started.wait(5)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(owner), timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: task.done, timeout=5000)
    qapp.processEvents()
    assert called == [] and message_boxes == []
    assert running_tasks() == before


def test_an_owner_only_python_holds_may_be_dropped_while_its_call_runs(qtbot: QtBot, qapp: QApplication) -> None:
    """A parentless owner (a table model, say) whose last reference goes away while its call runs: the
    callback still holds it, so it lives, gets its result, and is freed afterwards without a crash."""
    release = threading.Event()
    seen: list[tuple[str, str]] = []
    owner = QObject()
    owner.setObjectName("model")

    def work() -> str:
        assert release.wait(10)
        return "rows"

    task = run_call(owner, work, lambda rows, o=owner: seen.append((rows, o.objectName())))
    del owner
    gc.collect()
    release.set()
    qtbot.waitUntil(lambda: task.done and running_tasks() == 0, timeout=5000)
    gc.collect()
    qapp.processEvents()
    assert seen == [("rows", "model")]


def test_waiting_until_idle_covers_the_running_task_and_what_its_outcome_posted(qtbot: QtBot) -> None:
    """The test kit's wait for "nothing happened" checks: not idle while a task runs; once idle, its outcome
    has arrived and what the callback posted has run."""
    owner = QWidget()
    qtbot.addWidget(owner)
    release = threading.Event()
    seen: list[str] = []

    def work() -> str:
        assert release.wait(10)
        return "rows"

    def on_done(rows: str) -> None:
        seen.append(rows)
        QTimer.singleShot(0, lambda: seen.append("posted"))

    run_call(owner, work, on_done)
    with pytest.raises(qtbot.TimeoutError):
        wait_until_idle(qtbot, timeout=300)
    assert seen == []
    release.set()
    wait_until_idle(qtbot)
    assert seen == ["rows", "posted"] and running_tasks() == 0


def test_mypy_checks_the_result_type_against_on_done(tmp_path: Path) -> None:
    """The runner is generic: a callback that expects another type than ``work`` returns is a type error."""
    sample = tmp_path / "sample.py"
    sample.write_text(textwrap.dedent("""
        from PySide6.QtWidgets import QWidget
        from ui.tasks import run_call

        def work() -> list[int]:
            return [1]

        def takes_ints(result: list[int]) -> None: ...
        def takes_str(result: str) -> None: ...

        def start(owner: QWidget) -> None:
            run_call(owner, work, takes_ints)
            run_call(owner, work, takes_str)
    """), encoding="utf-8")
    checked = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent",
                              "--ignore-missing-imports", str(sample)],
                             cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, checked.stdout
    assert "sample.py:13:" in errors[0]  # the second call: list[int] does not fit a callback taking str


def test_run_with_progress_returns_the_result_or_stops_waiting_on_cancel(qtbot: QtBot) -> None:
    assert run_with_progress(None, "Working…", lambda progress, cancelled: [progress(1, 1), 42][1]) == 42

    release = threading.Event()

    def stubborn(_progress: ProgressFn, _cancelled: CancelledFn) -> int:
        release.wait(10)  # a network call that does not notice the cancel
        return 1

    def press_cancel() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
        assert dialogs
        button = dialogs[0].findChild(QPushButton)
        assert button is not None
        button.click()

    QTimer.singleShot(100, press_cancel)
    with pytest.raises(TaskAbandoned):
        run_with_progress(None, "Connecting…", stubborn, abandon_on_cancel=True)
    release.set()
