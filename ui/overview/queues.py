"""The overview's work queues: cases nobody handles yet (oldest first, with the branch's rule on handlers
taking them), and overdue cases. Enter or a double-click on a row opens the case."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission, has_permission
from desk_app.services.overview import QueueCase, assigns_cases
from ui.overview.model import QueueCaseModel
from ui.rows_model import on_activated
from ui.tables import row_table

#: Rows a queue shows before it scrolls (the page scrolls too: a short screen keeps every queue reachable).
VISIBLE_ROWS = 5


def shows_assign_queue(actor: Actor, handlers_may_take: bool) -> bool:
    """Supervisors and managers assign; handlers see what they may take when their branch allows it."""
    return assigns_cases(actor) and (has_permission(actor.role, Permission.ASSIGN) or handlers_may_take)


class CaseQueue(QWidget):
    """A titled table of QueueCase rows; ``sig_open_case_number`` on Enter or a double-click."""

    sig_open_case_number = Signal(str)

    def __init__(self, name: str, office_tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.label = QLabel(self)
        self.label.setStyleSheet("font-weight: bold;")
        self.model = QueueCaseModel(office_tz)
        self.table = row_table(self, f"{name}Table", self.model)
        on_activated(self.table, self.model, lambda case: self.sig_open_case_number.emit(case.case_number))
        self.label.setBuddy(self.table)
        self.empty_label = QLabel(self)
        self.header = QHBoxLayout()
        self.header.addWidget(self.label)
        self.header.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.header)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table)
        self._title: Callable[[str], str] = str
        self._count = 0
        self._capped = False

    def _title_text(self) -> str:
        return self._title(f"{self._count}+" if self._capped else str(self._count))

    def set_texts(self, title: Callable[[str], str], accessible: str, empty: str) -> None:
        """``title(count)`` with its mnemonic (the count as text, "1000+" when capped); the table's accessible
        name; what an empty queue says."""
        self._title = title
        self.label.setText(self._title_text())
        self.table.setAccessibleName(accessible)
        self.empty_label.setText(empty)
        self.model.retranslate()

    def set_rows(self, rows: tuple[QueueCase, ...], count: int | None = None, *, capped: bool = False) -> None:
        """``count``: how many there are in all (``capped``: at least that many)."""
        self._count = len(rows) if count is None else count
        self._capped = capped
        self.label.setText(self._title_text())
        self.model.set_rows(rows)
        self.empty_label.setVisible(not rows)
        self.table.setVisible(bool(rows))
        if rows:
            self.table.selectRow(0)
            rows_height = sum(self.table.rowHeight(r) for r in range(min(len(rows), VISIBLE_ROWS)))
            self.table.setFixedHeight(rows_height + self.table.horizontalHeader().height() + 4)


class TakeRuleBox(QCheckBox):
    """The branch's rule, beside the queue of cases to assign: may handlers take them themselves? Shown to
    those who may change it (supervisors, managers); ``sig_toggled_by_user`` with the new value."""

    sig_toggled_by_user = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("takeRuleBox")
        self.clicked.connect(lambda *_a: self.sig_toggled_by_user.emit(self.isChecked()))
