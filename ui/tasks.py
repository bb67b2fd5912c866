"""Run work off the GUI thread: one typed runner for every backend call.

``run_call(owner, work, on_done, on_error)`` runs ``work()`` in a worker thread and hands its result to
``on_done`` (or its exception to ``on_error``) on the GUI thread; mypy checks that ``on_done`` takes what
``work`` returns. Results are delivered to a QObject child of ``owner``, so once the owner is destroyed
Qt drops the delivery: no callback ever runs on a deleted page, and pages need no ``shiboken6.isValid``
guards. Without ``on_error`` an exception goes to the error presenter, over the owner.

``run_job`` does the same for a long function taking ``progress(done, total)`` and ``cancelled()``
callbacks; ``run_with_progress`` runs one behind a modal progress dialog with Cancel and returns its
result. The function never touches a widget. Database work goes to ``db_pool()``, a one-thread pool, so
calls run one after the other (one Session per call).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from desk_app.i18n import _
from ui.errors import show_error

T = TypeVar("T")
ProgressFn = Callable[[int, int], None]
CancelledFn = Callable[[], bool]
TaskFn = Callable[[ProgressFn, CancelledFn], Any]
ErrorFn = Callable[[BaseException], None]

_db_pool: QThreadPool | None = None
_tokens = itertools.count(1)


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
    ended = Signal(int)  # the task's token, after finished or failed: the worker is done with it


class Task(QRunnable, Generic[T]):
    """One run of ``fn(progress, cancelled)``; created on the GUI thread (its signals object lives there)."""

    def __init__(self, fn: Callable[[ProgressFn, CancelledFn], T]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python owns it: the keeper below holds it until the worker is done
        self._fn = fn
        self._cancel = threading.Event()
        self.token = next(_tokens)
        self.signals = TaskSignals()
        self.done = False  # set on the GUI thread once the outcome has been delivered (or dropped)

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            result = self._fn(self.signals.progress.emit, self._cancel.is_set)
        except BaseException as exc:  # reported on the GUI thread, which shows or re-raises it
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)
        self.signals.ended.emit(self.token)


@dataclass
class _Call(Generic[T]):
    """A started task and its callbacks, held by the keeper (not by the delivery, a child of the owner: the
    callbacks usually hold the owner, and a Python-owned owner must not be freed inside its child's slot)."""

    task: Task[T]
    on_done: Callable[[T], None] | None
    on_error: ErrorFn | None
    on_progress: ProgressFn | None


class _Keeper(QObject):
    """Holds every started task and its callbacks until its worker is done with it (a QRunnable freed while
    it runs would crash), whether or not its owner still exists; also the owner of calls nobody owns."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: dict[int, _Call[Any]] = {}

    @Slot(int)
    def release(self, token: int) -> None:
        call = self.calls.pop(token, None)
        if call is not None:
            call.task.done = True


_keeper: _Keeper | None = None


def _the_keeper() -> _Keeper:
    global _keeper
    if _keeper is None:
        _keeper = _Keeper()
    return _keeper


def running_tasks() -> int:
    """How many started tasks the worker threads have not finished yet (for tests)."""
    return len(_the_keeper().calls)


class _Delivery(QObject):
    """The receiver of one task's signals: a child of the owner, so Qt deletes it with the owner and drops
    any outcome still queued for it."""

    def __init__(self, owner: QObject, token: int) -> None:
        super().__init__(owner)
        self._token = token

    def _call(self) -> _Call[Any] | None:
        return _the_keeper().calls.get(self._token)

    @Slot(int, int)
    def progress(self, done: int, total: int) -> None:
        call = self._call()
        if call is not None and call.on_progress is not None:
            call.on_progress(done, total)

    @Slot(object)
    def finished(self, result: Any) -> None:
        call = self._call()
        self.deleteLater()
        if call is not None:
            call.task.done = True
            if call.on_done is not None:
                call.on_done(result)

    @Slot(object)
    def failed(self, exc: object) -> None:
        call = self._call()
        self.deleteLater()
        assert isinstance(exc, BaseException)
        if call is None:
            return
        call.task.done = True
        if call.on_error is not None:
            call.on_error(exc)
        else:
            owner = self.parent()
            show_error(owner if isinstance(owner, QWidget) else None, exc)


def run_job(owner: QObject, work: Callable[[ProgressFn, CancelledFn], T], on_done: Callable[[T], None] | None,
            on_error: ErrorFn | None = None, *, on_progress: ProgressFn | None = None,
            pool: QThreadPool | None = None) -> Task[T]:
    """Start ``work(progress, cancelled)`` in ``pool`` (default: the database pool). ``on_done``,
    ``on_error`` and ``on_progress`` run on the GUI thread, and never once ``owner`` has been destroyed.
    Without ``on_error`` an exception goes to the error presenter, with the owner as parent."""
    keeper = _the_keeper()
    task: Task[T] = Task(work)
    delivery = _Delivery(owner, task.token)
    queued = Qt.ConnectionType.QueuedConnection
    task.signals.finished.connect(delivery.finished, queued)
    task.signals.failed.connect(delivery.failed, queued)
    task.signals.progress.connect(delivery.progress, queued)
    task.signals.ended.connect(keeper.release, queued)
    keeper.calls[task.token] = _Call(task, on_done, on_error, on_progress)
    (pool or db_pool()).start(task)
    return task


def run_call(owner: QObject, work: Callable[[], T], on_done: Callable[[T], None] | None,
             on_error: ErrorFn | None = None, *, pool: QThreadPool | None = None) -> Task[T]:
    """Start ``work()`` (typically one ``backend.call``) off the GUI thread; see ``run_job``."""
    return run_job(owner, lambda _progress, _cancelled: work(), on_done, on_error, pool=pool)


def run_task(fn: Callable[[ProgressFn, CancelledFn], T], *, on_done: Callable[[T], None] | None = None,
             on_error: ErrorFn | None = None, on_progress: ProgressFn | None = None,
             pool: QThreadPool | None = None) -> Task[T]:
    """``run_job`` without an owner: the callbacks always run (guard them yourself). Prefer ``run_call`` or
    ``run_job`` with the widget the result is for."""
    return run_job(_the_keeper(), fn, on_done, on_error, on_progress=on_progress, pool=pool)


class TaskAbandoned(Exception):
    """``run_with_progress(…, abandon_on_cancel=True)``: the user pressed Cancel and stopped waiting; the work
    goes on in the background and its outcome is dropped."""


def run_with_progress(parent: QWidget | None, label: str, fn: Callable[[ProgressFn, CancelledFn], T], *,
                      pool: QThreadPool | None = None, abandon_on_cancel: bool = False) -> T:
    """Run ``fn`` in the background behind a modal progress dialog with a Cancel button; wait for it
    and return its result (or raise its exception). ``fn`` decides what cancelling means; with
    ``abandon_on_cancel`` Cancel also stops the waiting at once and raises TaskAbandoned (for work that
    cannot notice the cancel, such as a network call waiting for its timeout)."""
    dialog = QProgressDialog(label, _("Cancel"), 0, 0, parent)
    dialog.setWindowTitle(_("Complaint Desk"))
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    loop = QEventLoop()
    results: list[T] = []
    errors: list[BaseException] = []
    abandoned: list[bool] = []

    def progress(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total > 0 else 0)

    def finished(result: T) -> None:
        results.append(result)
        loop.quit()

    def failed(exc: BaseException) -> None:
        errors.append(exc)
        loop.quit()

    # owned by the keeper, not the dialog: the loop must end even if a window closes meanwhile
    task = run_job(_the_keeper(), fn, finished, failed, on_progress=progress, pool=pool)

    def cancel() -> None:
        task.cancel()
        if abandon_on_cancel:
            abandoned.append(True)
            loop.quit()

    dialog.canceled.connect(cancel)
    dialog.show()
    if not (results or errors or abandoned):
        loop.exec()
    dialog.close()
    dialog.deleteLater()
    if results:
        return results[0]
    if errors:
        raise errors[0]
    raise TaskAbandoned
