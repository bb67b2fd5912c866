"""Autosave of the intake form: a few seconds after a change, at once when the focus leaves the form.

The file work is ``desk_app.services.drafts.DraftStore``; this class decides *when*. While an older
draft waits for the clerk's Restore/Discard (``pending``), nothing is written, so that draft can never
be overwritten unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from desk_app.i18n import _
from desk_app.services.drafts import Draft, DraftStore

AUTOSAVE_MS = 3000


class Autosave(QObject):
    def __init__(self, form: QWidget, store: DraftStore, state: Callable[[], dict[str, Any]],
                 is_blank: Callable[[], bool], status: QLabel) -> None:
        super().__init__(form)
        self.form = form
        self.store = store
        self.tz = ZoneInfo("Asia/Shanghai")
        self.dirty = False
        self.pending: Draft | None = None
        self._state = state
        self._is_blank = is_blank
        self._status = status
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.save_now)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def changed(self) -> None:
        """The user changed something: save within ``AUTOSAVE_MS`` (throttled, not restarted by typing)."""
        self.dirty = True
        if self.pending is None and not self.timer.isActive():
            self.timer.start()

    def save_now(self) -> None:
        """Write the draft now, or delete it when the form is blank."""
        self.timer.stop()
        if self.pending is not None or not self.dirty:
            return
        self.dirty = False
        if self._is_blank():
            self.store.discard()
            self._status.setText("")
            return
        if self.store.try_save(self._state()):
            now = datetime.now(self.tz).strftime("%H:%M:%S")
            self._status.setText(_("Draft saved at {time}").format(time=now))
        else:
            self.dirty = True
            self._status.setText(_("The draft could not be saved: {error}").format(error=self.store.last_error))

    def save_if_dirty(self) -> None:
        if self.dirty:
            self.save_now()

    def settled(self) -> None:
        """The form now matches what is on disk (restored, saved as a case, cleared)."""
        self.dirty = False
        self.timer.stop()

    def discard(self) -> None:
        self.store.discard()
        self._status.setText("")

    def started_blank(self) -> bool:
        """True when no draft of the current input exists yet (the first change on a blank form)."""
        return not self.dirty and (self.pending is not None or not self.store.exists())

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if not shiboken6.isValid(self) or not shiboken6.isValid(self.form) or old is None \
                or not shiboken6.isValid(old):
            return
        if self.form.isAncestorOf(old) and (new is None or not self.form.isAncestorOf(new)):
            self.save_if_dirty()
