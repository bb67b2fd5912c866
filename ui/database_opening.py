"""This PC's database, opened in the background behind the sign-in dialog (start-up time, issue 21).

SQLAlchemy, the models, the migration check and the password hash take most of a cold start. When a look at the
SQLite file (``desk_app.api.sqlite_peek``) shows it already holds accounts, the start shows the sign-in dialog
first and opens the database once that dialog has been painted, on the database thread, while the user types.
``DatabaseOpening`` stands in for the backend meanwhile: a sign-in (queued behind the opening on the same
one-thread pool) waits for it. If the database cannot be opened, the window in front is closed and the start
reports the error as it did before (``failure``)."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate

import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from desk_app.api.backend import LocalBackend, P, R
from desk_app.domain.actor import Actor
from ui.tasks import run_task

if TYPE_CHECKING:
    from desk_app.db.uow import Database

log = logging.getLogger(__name__)

#: Loaded on the database thread once the database is open, while the user types: the password hash and the
#: main window's pages, so that neither signing in nor opening the main window waits for them.
WARM_UP = ("desk_app.services.accounts", "ui.main_window")
#: Loaded on the database thread once the first-run wizard has been painted: SQLAlchemy and the database layer,
#: the set-up service and the password rules the wizard's pages check with, then the main window.
WIZARD_WARM_UP = ("ui.context", "desk_app.services.setup", "desk_app.services.accounts", "ui.main_window")


def warm_up_after_first_paint(modules: tuple[str, ...]) -> None:
    """Import ``modules`` on the database thread once a window (the first-run wizard) has been painted, so that
    the window is painted first and its later steps find them loaded. A failure is only logged: the module is
    imported again where it is used, and that reports it."""
    app = QApplication.instance()
    assert app is not None

    def start(_window: QWidget) -> None:
        def work(_progress: object, _cancelled: object) -> None:
            for name in modules:
                importlib.import_module(name)

        run_task(work, on_error=lambda exc: log.warning("loading %s in the background failed: %s", modules, exc))

    app.installEventFilter(_FirstPaint(start, app))


@dataclass(frozen=True)
class Opened:
    backend: LocalBackend
    revision: str | None


class DatabaseOpening:
    """The Backend of this PC's database at ``url`` while it is being opened; ``opened()`` opens it (once) if that
    has not happened yet and returns it, or raises what opening it raised."""

    def __init__(self, url: str, backup_dir: Path | None) -> None:
        self.url = url
        self._backup_dir = backup_dir
        self._lock = threading.Lock()
        self._opened: Opened | None = None
        self._failure: BaseException | None = None
        self._watcher: _FirstPaint | None = None

    # -- opening ---------------------------------------------------------------------------------------------
    def opened(self) -> Opened:
        """The open database (opened now, on the calling thread, if it is not yet): never on the GUI thread."""
        with self._lock:
            if self._opened is None and self._failure is None:
                try:
                    self._opened = self._open()
                except BaseException as exc:
                    self._failure = exc
            if self._failure is not None:
                raise self._failure
            assert self._opened is not None
            return self._opened

    def _open(self) -> Opened:
        from ui.context import local_backend, open_local_database

        db, revision = open_local_database(self.url, self._backup_dir)
        try:
            backend = local_backend(db)
        except BaseException:
            db.dispose()
            raise
        return Opened(backend, revision)

    def open_after_first_paint(self) -> None:
        """Start opening on the database thread once a window has been painted (the sign-in dialog): the first
        paint does not wait for SQLAlchemy. If opening fails, that window is closed (its dialog rejected)."""
        app = QApplication.instance()
        assert app is not None
        self._watcher = _FirstPaint(self._start, app)
        app.installEventFilter(self._watcher)

    def _start(self, front: QWidget) -> None:
        def work(_progress: object, _cancelled: object) -> None:
            self.opened()
            for name in WARM_UP:
                importlib.import_module(name)

        def failed(exc: BaseException) -> None:
            log.error("this PC's database cannot be opened: %s", exc)
            if not shiboken6.isValid(front):
                return
            if isinstance(front, QDialog):
                front.reject()
            else:
                front.close()

        run_task(work, on_error=failed)

    def failure(self) -> BaseException | None:
        """What opening the database raised, if it has failed."""
        with self._lock:
            return self._failure

    def settled(self) -> Opened | None:
        """The open database if opening has finished and succeeded (to close it on exit), without waiting."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self._opened
        finally:
            self._lock.release()

    # -- Backend, for the sign-in dialogs: each call waits for the opening (they run off the GUI thread) -----
    @property
    def label(self) -> str:
        return self.url

    def sign_in(self, username: str, password: str) -> Actor:
        return self.opened().backend.sign_in(username, password)

    def sign_out(self, actor: Actor) -> None:
        self.opened().backend.sign_out(actor)

    def call(self, actor: Actor, fn: Callable[Concatenate[Database, Actor, P], R], /,
             *args: P.args, **kwargs: P.kwargs) -> R:
        return self.opened().backend.call(actor, fn, *args, **kwargs)

    def read(self, fn: Callable[Concatenate[Database, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.opened().backend.read(fn, *args, **kwargs)


class _FirstPaint(QObject):
    """Calls ``then(window)`` once, on the next turn of the event loop after the first paint of a window."""

    def __init__(self, then: Callable[[QWidget], None], parent: QObject) -> None:
        super().__init__(parent)
        self._then: Callable[[QWidget], None] | None = then

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._then is not None and event.type() == QEvent.Type.Paint and isinstance(watched, QWidget):
            then, self._then = self._then, None
            window = watched.window()
            QTimer.singleShot(0, lambda: then(window))
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
        return False
