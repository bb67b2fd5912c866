"""Run a plain function in a worker thread with progress and cancel callbacks.

The function never touches a widget: it receives ``progress(done, total)`` and ``cancelled()`` and
returns a result. Results, errors and progress come back as Qt signals, delivered on the main thread.
Database work goes to ``db_pool()``, a one-thread pool, so writes are serialised (one Session per task).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from desk_app.i18n import _
from ui.errors import show_error

T = TypeVar("T")
ProgressFn = Callable[[int, int], None]
CancelledFn = Callable[[], bool]
TaskFn = Callable[[ProgressFn, CancelledFn], Any]

_db_pool: QThreadPool | None = None
_running: set[Task] = set()


def db_pool() -> QThreadPool:
    """The pool for database tasks: one thread, so tasks run one after the other."""
    global _db_pool
    if _db_pool is None:
        _db_pool = QThreadPool()
        _db_pool.setMaxThreadCount(1)
    return _db_pool


class TaskSignals(QObject):
    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object)


class Task(QRunnable):
    """One run of ``fn``; create it on the main thread (its signals object lives there)."""

    def __init__(self, fn: TaskFn) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._fn = fn
        self._cancel = threading.Event()
        self.signals = TaskSignals()
        self.done = False

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            result = self._fn(self.signals.progress.emit, self._cancel.is_set)
        except BaseException as exc:  # reported to the main thread, which shows or re-raises it
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


def run_task(fn: TaskFn, *, on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None,
             on_progress: ProgressFn | None = None, pool: QThreadPool | None = None) -> Task:
    """Start ``fn(progress, cancelled)`` in ``pool`` (default: the database pool); callbacks run on the
    main thread. Without ``on_error`` an exception goes to the error presenter."""
    task = Task(fn)
    _running.add(task)

    def finish() -> None:
        task.done = True
        _running.discard(task)

    def failed(exc: object) -> None:
        finish()
        assert isinstance(exc, BaseException)
        if on_error is not None:
            on_error(exc)
        else:
            show_error(None, exc)

    def finished(result: object) -> None:
        finish()
        if on_done is not None:
            on_done(result)

    task.signals.finished.connect(finished)
    task.signals.failed.connect(failed)
    if on_progress is not None:
        task.signals.progress.connect(on_progress)
    (pool or db_pool()).start(task)
    return task


def run_with_progress(parent: QWidget | None, label: str, fn: Callable[[ProgressFn, CancelledFn], T]) -> T:
    """Run ``fn`` in the background behind a modal progress dialog with a Cancel button; wait for it
    and return its result (or raise its exception). ``fn`` decides what cancelling means."""
    dialog = QProgressDialog(label, _("Cancel"), 0, 0, parent)
    dialog.setWindowTitle(_("Complaint Desk"))
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    loop = QEventLoop()
    outcome: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total > 0 else 0)

    def done(result: object) -> None:
        outcome["result"] = result
        loop.quit()

    def error(exc: BaseException) -> None:
        outcome["error"] = exc
        loop.quit()

    task = run_task(fn, on_done=done, on_error=error, on_progress=progress)
    dialog.canceled.connect(task.cancel)
    dialog.show()
    if not task.done:
        loop.exec()
    dialog.close()
    dialog.deleteLater()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
