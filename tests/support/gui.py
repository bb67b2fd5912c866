"""GUI test helpers shared by several modules (Qt is imported here, so only GUI tests import this)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.db.models import Complaint
from desk_app.db.uow import Database
from desk_app.domain.enums import Status
from ui.main_window import MainWindow
from ui.screen_fit import fit_problems
from ui.tasks import running_tasks


@contextlib.contextmanager
def shown(qtbot: QtBot, dialog: QDialog) -> Iterator[QDialog]:
    """``dialog`` shown and exposed inside the block, rejected after it."""
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    try:
        yield dialog
    finally:
        dialog.reject()


def first_case_number(db: Database, branch_id: uuid.UUID, status: Status) -> str | None:
    """The lowest case number of the branch's cases in ``status`` (None when it has none)."""
    with db.unit_of_work() as session:
        return session.scalars(select(Complaint.case_number).where(
            Complaint.status == status.value, Complaint.branch_id == branch_id)
            .order_by(Complaint.case_number)).first()


def settled_fit_problems(qtbot: QtBot, window: MainWindow, size: tuple[int, int]) -> list[str]:
    """What does not fit a ``size`` screen in ``window``'s pages once the layouts have settled (they are
    redone in posted events, so the check waits up to two seconds for the list to empty)."""
    with contextlib.suppress(qtbot.TimeoutError):
        qtbot.waitUntil(lambda: not fit_problems(window, window.pages, size), timeout=2000)
    return fit_problems(window, window.pages, size)


def drain_events() -> None:
    """Handle every event already posted to the GUI thread: task outcomes queued by a worker, deferred calls."""
    QApplication.sendPostedEvents()
    QApplication.processEvents()


def wait_until_idle(qtbot: QtBot, timeout: int = 10_000) -> None:
    """Wait until no background task (``ui.tasks``) is running and what their outcomes posted has been handled.

    For "nothing happened" checks: once idle, whatever the action started has finished and shown its result,
    so the check needs no guessed delay. (A task still to be started by a timer is not waited for.)
    """
    def idle() -> bool:
        drain_events()
        return running_tasks() == 0

    qtbot.waitUntil(idle, timeout=timeout)
    drain_events()
