"""Table models of the overview's case lists: the most urgent open cases, and the work queues (cases to assign,
overdue cases). Plain UrgentCase / QueueCase rows, never ORM objects, in the shared ``RowsModel``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor

from desk_app.i18n import _, ngettext
from desk_app.services.overview import DUE_SOON_DAYS, QueueCase, UrgentCase
from ui import icons
from ui.rows_model import Column, RowsModel

Row = TypeVar("Row")
_OVERDUE_BRUSH = QBrush(QColor("#a61b1b"))


def deadline_text(case: UrgentCase | QueueCase) -> str:
    """Icon-independent wording of the deadline, so overdue rows never rely on colour alone."""
    if case.days_left < 0:
        n = -case.days_left
        return ngettext("Overdue by {n} day", "Overdue by {n} days", n).format(n=n)
    if case.days_left == 0:
        return _("Due today")
    return ngettext("{n} day left", "{n} days left", case.days_left).format(n=case.days_left)


def _deadline_decoration(case: UrgentCase | QueueCase, role: int) -> Any:
    """The deadline cell's icon, colour and tool tip."""
    overdue = case.days_left < 0
    if role == Qt.ItemDataRole.DecorationRole:
        if overdue:
            return icons.icon(icons.OVERDUE)
        if case.days_left <= DUE_SOON_DAYS:
            return icons.icon(icons.DUE_SOON)
    if role == Qt.ItemDataRole.ForegroundRole and overdue:
        return _OVERDUE_BRUSH
    if role == Qt.ItemDataRole.ToolTipRole:
        return deadline_text(case)
    return None


def _nothing(_row: object, _role: int) -> None:
    return None


def text_column(key: str, title: Callable[[], str], text: Callable[[Row], str]) -> Column[Row]:
    """A column of text alone: no icon, colour or tool tip (the overview's lists show their cells whole)."""
    return Column(key, title, text, decoration=_nothing)


def local_time(moment: datetime, office_tz: ZoneInfo) -> str:
    return moment.astimezone(office_tz).strftime("%Y-%m-%d %H:%M")


def urgent_columns(office_tz: ZoneInfo) -> list[Column[UrgentCase]]:
    """The most urgent cases; the deadline (the last column) with its icon and colour."""
    return [
        text_column("case_number", lambda: _("Case number"), lambda c: c.case_number),
        text_column("received", lambda: _("Received"), lambda c: local_time(c.received_at, office_tz)),
        text_column("customer", lambda: _("Customer"), lambda c: c.customer_name),
        text_column("status", lambda: _("Status"), lambda c: c.status.label),
        text_column("severity", lambda: _("Severity"), lambda c: c.severity.label),
        text_column("due_on", lambda: _("Due on"), lambda c: c.due_on.isoformat()),
        Column("deadline", lambda: _("Deadline"), deadline_text, decoration=_deadline_decoration),
    ]


def queue_columns(office_tz: ZoneInfo) -> list[Column[QueueCase]]:
    """A work queue: who has the case (empty: nobody yet) and how its deadline stands."""
    return [
        text_column("case_number", lambda: _("Case number"), lambda c: c.case_number),
        text_column("branch", lambda: _("Branch"), lambda c: c.branch_code),
        text_column("received", lambda: _("Received"), lambda c: local_time(c.received_at, office_tz)),
        text_column("customer", lambda: _("Customer"), lambda c: c.customer_name),
        text_column("severity", lambda: _("Severity"), lambda c: c.severity.label),
        text_column("handler", lambda: _("Handler"), lambda c: c.owner_name or _("not assigned")),
        text_column("due_on", lambda: _("Due on"), lambda c: c.due_on.isoformat()),
        Column("deadline", lambda: _("Deadline"), deadline_text, decoration=_deadline_decoration),
    ]


DEADLINE_COLUMN = len(urgent_columns(ZoneInfo("UTC"))) - 1


class UrgentCaseModel(RowsModel[UrgentCase]):
    def __init__(self, office_tz: ZoneInfo, parent: QObject | None = None) -> None:
        super().__init__(urgent_columns(office_tz), parent)


class QueueCaseModel(RowsModel[QueueCase]):
    def __init__(self, office_tz: ZoneInfo, parent: QObject | None = None) -> None:
        super().__init__(queue_columns(office_tz), parent)
