"""Upkeep of a SQLite database run by a background thread shortly after writes, off the writers' time.

Two kinds use it: the search index's drain (``desk_app.db.search``) and the write-ahead log's checkpoint
(``desk_app.db.wal``). Each has one thread per database, started by the first write that nudges it and ended
when no write has come for ``IDLE_EXIT_S``; it holds the database only weakly and stops once it is disposed.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desk_app.db.uow import Database

log = logging.getLogger(__name__)

#: An idle thread ends after this; the next write starts another.
IDLE_EXIT_S = 30.0

#: The work, given the database (its failure is logged: what was not done stays to do).
Work = Callable[["Database"], object]


class _Worker(threading.Thread):
    def __init__(self, upkeep: Upkeep, db: Database) -> None:
        super().__init__(name=upkeep.name, daemon=True)
        self._upkeep = upkeep
        self._db = weakref.ref(db)
        self.wake = threading.Event()
        self.ending = False

    def run(self) -> None:
        upkeep = self._upkeep
        while True:
            if not self.wake.wait(IDLE_EXIT_S):
                with upkeep.lock:
                    if not self.wake.is_set():
                        self.ending = True
                        return
            first = time.monotonic()
            while True:  # a quiet spell after the last write, but never past max_delay_s after the first
                self.wake.clear()
                left = first + upkeep.max_delay_s - time.monotonic()
                if left <= 0 or not self.wake.wait(min(upkeep.quiet_s, left)):
                    break
            db = self._db()
            if db is None or db.disposed:  # closed meanwhile: its files may be gone
                return
            try:
                upkeep.work(db)
            except Exception:  # what was not done stays to do; the next write tries again
                log.warning("%s failed", upkeep.name, exc_info=True)
            del db


class Upkeep:
    """``work`` run for a database after ``quiet_s`` without a write, at the latest ``max_delay_s`` after the
    first write it has not handled yet (``nudge`` tells of a write)."""

    def __init__(self, name: str, work: Work, *, quiet_s: float, max_delay_s: float) -> None:
        self.name, self.work, self.quiet_s, self.max_delay_s = name, work, quiet_s, max_delay_s
        self.lock = threading.Lock()
        self._workers: weakref.WeakKeyDictionary[Database, _Worker] = weakref.WeakKeyDictionary()

    def nudge(self, db: Database) -> None:
        if db.disposed:
            return
        with self.lock:
            worker = self._workers.get(db)
            if worker is None or worker.ending or not worker.is_alive():
                worker = _Worker(self, db)
                self._workers[db] = worker
                worker.start()
            worker.wake.set()

    def watching(self, db: Database) -> bool:
        """Whether a thread has looked after ``db`` (it was nudged)."""
        with self.lock:
            return db in self._workers
