"""Polls the signed-in user's reminders off the GUI thread and shows their count on a status-bar badge.

The first poll runs soon after sign-in, then every ``POLL_MS``; reminders the user is told of for the first
time are announced in the status bar. A failed poll (the desk server unreachable) is logged and tried again at
the next tick, never shown as an error box every minute.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QToolButton

from desk_app.domain.actor import Actor
from desk_app.i18n import _, ngettext
from desk_app.services.notifications import Notification, NotificationKey, current_notifications, mark_read
from ui.context import AppContext, local_database
from ui.tasks import run_call

if TYPE_CHECKING:
    from ui.notifications.dialog import NotificationDialog

log = logging.getLogger(__name__)
POLL_MS = 60_000
FIRST_POLL_MS = 800


class NotificationCentre(QObject):
    """``sig_open_case(complaint_id)``: the user opened a reminder's case."""

    sig_open_case = Signal(object)
    sig_updated = Signal()

    def __init__(self, window: QMainWindow, ctx: AppContext, actor: Actor, *, poll_ms: int = POLL_MS) -> None:
        super().__init__(window)
        self.window, self.backend, self.actor, self.tz = window, ctx.backend, actor, ctx.office_tz
        #: Only a desk server sends e-mail digests: the address can be set there.
        self.digest_available = local_database(ctx) is None
        self.items: list[Notification] = []
        self._busy = False
        self.dialog: NotificationDialog | None = None
        self.button = QToolButton(window)
        self.button.setObjectName("notificationBadge")
        self.button.setAutoRaise(True)
        self.button.clicked.connect(self.show_list)
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.poll)
        window.installEventFilter(self)
        self.retranslate_ui()

    def start(self, first_ms: int = FIRST_POLL_MS) -> None:
        self.timer.start()
        QTimer.singleShot(first_ms, self.poll)

    def stop(self) -> None:
        self.timer.stop()

    @property
    def unread(self) -> int:
        return len(self.items)

    def poll(self) -> None:
        if self._busy or not self.timer.isActive():
            return
        self._busy = True
        backend, actor = self.backend, self.actor
        run_call(self, lambda: backend.call(actor, current_notifications), self._arrived, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        log.warning("reminders could not be read: %s", exc)

    def _arrived(self, items: list[Notification]) -> None:
        self._busy = False
        self.items = list(items)
        new = [n for n in items if n.new]
        if new:
            self.window.statusBar().showMessage(ngettext(
                "{n} new reminder: {what} ({case}). Open the reminders on the status bar.",
                "{n} new reminders, the first: {what} ({case}). Open the reminders on the status bar.",
                len(new)).format(n=len(new), what=new[0].label, case=new[0].case_number), 30_000)
        self.retranslate_ui()
        self.sig_updated.emit()

    def open_case(self, item: Notification) -> None:
        """Mark the reminder read (in the background) and open its case."""
        self.mark_read([item.key])
        self.sig_open_case.emit(item.complaint_id)

    def mark_read(self, keys: Sequence[NotificationKey]) -> None:
        wanted = set(keys)
        self.items = [n for n in self.items if n.key not in wanted]
        self.retranslate_ui()
        self.sig_updated.emit()
        backend, actor, chosen = self.backend, self.actor, list(keys)
        run_call(self, lambda: backend.call(actor, mark_read, chosen), None, self._failed)

    def show_list(self) -> None:
        from ui.notifications.dialog import NotificationDialog

        dialog = NotificationDialog(self, self.window)
        self.dialog = dialog
        dialog.open()

    def complaint_ids(self) -> list[uuid.UUID]:
        return [n.complaint_id for n in self.items]

    def retranslate_ui(self) -> None:
        n = self.unread
        self.button.setText(ngettext("{n} reminder", "{n} reminders", n).format(n=n))
        self.button.setAccessibleName(_("Reminders"))
        self.button.setToolTip(_("Open the list of reminders"))
        self.button.setStyleSheet("QToolButton { font-weight: bold; color: #a61b1b; }" if n else "")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window:
            if event.type() == QEvent.Type.Close:
                self.stop()
            elif event.type() == QEvent.Type.LanguageChange:
                self.retranslate_ui()
        return False
