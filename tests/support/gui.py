"""GUI test helpers shared by several modules (Qt is imported here, so only GUI tests import this)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.db.models import Complaint
from desk_app.db.uow import Database
from desk_app.domain.enums import Status


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
