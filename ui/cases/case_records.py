"""The records a case's step pages show beside their forms: the contact log (谈), the resolution with its
approval and the customer's answer, and the callback (行) — and what the signed-in user may do with them.

Like the step panel, these boxes only show state and emit requests; the case view calls the services.
"""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.enums import ApprovalState
from desk_app.domain.handling import CONTACT_METHOD_LABELS
from desk_app.i18n import _
from desk_app.services.handling import CallbackInfo, ContactInfo, ResolutionInfo
from ui.cases.timeline_widget import money
from ui.tables import readonly_table


@dataclass(frozen=True)
class Permissions:
    """What the signed-in user may do on this case right now (the services check again)."""

    handle: bool  # a handler's role and the case in progress: records, contacts, proposals
    approve: bool  # supervisor / branch manager: approve or reject a proposal
    decide_for_customer: bool  # record the customer's answer
    callback: bool  # the case awaits its callback
    user_id: uuid.UUID | None = None


class ContactLogBox(QGroupBox):
    """谈: every contact with the customer — when, how, what was said, the customer's reaction."""

    sig_add = Signal()

    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contactLog")
        self._tz = tz
        self._contacts: tuple[ContactInfo, ...] = ()
        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("contactTable")
        readonly_table(self.table, wrap=True)
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("addContactButton")
        self.add_button.clicked.connect(self.sig_add.emit)
        self.empty = QLabel(self)
        self.empty.setStyleSheet("color: #666;")
        row = QHBoxLayout()
        row.addWidget(self.empty, 1)
        row.addStretch(0)
        row.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)

    def retranslate_ui(self) -> None:
        self.setTitle(_("Contact log"))
        self.table.setHorizontalHeaderLabels([_("When"), _("How"), _("What was said"), _("Customer's reaction"),
                                              _("By")])
        self.table.setAccessibleName(_("Contact log"))
        self.add_button.setText(_("Log a &contact…"))
        self.empty.setText(_("No contact logged yet: at least one is needed before 行 act."))
        self.set_contacts(self._contacts, self.add_button.isEnabled())

    def set_contacts(self, contacts: tuple[ContactInfo, ...], can_add: bool) -> None:
        self._contacts = contacts
        self.table.setRowCount(len(contacts))
        for row, c in enumerate(contacts):
            method = _(CONTACT_METHOD_LABELS.get(c.method, c.method))
            for column, text in enumerate((f"{c.at.astimezone(self._tz):%m-%d %H:%M}", method, c.summary,
                                           c.reaction, c.by)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        _fit_height(self.table)
        self.table.setVisible(bool(contacts))
        self.empty.setVisible(not contacts)
        self.add_button.setEnabled(can_add)


class ResolutionBox(QGroupBox):
    """行: the resolution — propose, approve or reject, and the customer's answer."""

    sig_propose = Signal()
    sig_decide = Signal(bool)  # approve?
    sig_customer = Signal(bool)  # accepted?

    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resolutionBox")
        self._tz = tz
        self.type_names: dict[str, str] = {}
        self.current: ResolutionInfo | None = None
        self._resolutions: tuple[ResolutionInfo, ...] = ()
        self.summary = QLabel(self)
        self.summary.setObjectName("resolutionSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history = QLabel(self)
        self.history.setWordWrap(True)
        self.history.setStyleSheet("color: #666;")
        self.propose_button = QPushButton(self)
        self.propose_button.setObjectName("proposeButton")
        self.propose_button.clicked.connect(self.sig_propose.emit)
        self.approve_button = QPushButton(self)
        self.approve_button.setObjectName("approveButton")
        self.approve_button.clicked.connect(lambda: self.sig_decide.emit(True))
        self.reject_button = QPushButton(self)
        self.reject_button.setObjectName("rejectButton")
        self.reject_button.clicked.connect(lambda: self.sig_decide.emit(False))
        self.accepts_button = QPushButton(self)
        self.accepts_button.setObjectName("customerAcceptsButton")
        self.accepts_button.clicked.connect(lambda: self.sig_customer.emit(True))
        self.rejects_button = QPushButton(self)
        self.rejects_button.setObjectName("customerRejectsButton")
        self.rejects_button.clicked.connect(lambda: self.sig_customer.emit(False))
        buttons = QHBoxLayout()
        for button in (self.propose_button, self.approve_button, self.reject_button, self.accepts_button,
                       self.rejects_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.history)
        layout.addLayout(buttons)

    def retranslate_ui(self) -> None:
        self.setTitle(_("Resolution"))
        self.approve_button.setText(_("A&pprove…"))
        self.reject_button.setText(_("Re&ject…"))
        self.accepts_button.setText(_("Customer a&ccepts…"))
        self.rejects_button.setText(_("Customer re&jects…"))
        self._show()

    def set_resolutions(self, resolutions: tuple[ResolutionInfo, ...], perms: Permissions) -> None:
        self._resolutions = resolutions
        live = [r for r in resolutions if r.approval_state is not ApprovalState.REJECTED]
        self.current = live[-1] if live else None
        cur = self.current
        proposed = cur is not None and cur.approval_state is ApprovalState.PROPOSED
        own = cur is not None and perms.user_id is not None and cur.proposed_by_id == perms.user_id
        self.propose_button.setEnabled(perms.handle)
        self.propose_button.setVisible(perms.handle)
        self.approve_button.setVisible(perms.approve and proposed and not own)
        self.reject_button.setVisible(perms.approve and proposed and not own)
        answerable = (cur is not None and cur.approval_state is ApprovalState.APPROVED
                      and cur.customer_accepted is None and perms.decide_for_customer)
        self.accepts_button.setVisible(answerable)
        self.rejects_button.setVisible(answerable)
        self._show()

    def type_name(self, code: str) -> str:
        return self.type_names.get(code, code)

    def _show(self) -> None:
        # with a proposal shown, an approver sees A&pprove beside it: Alt+P is theirs then
        self.propose_button.setText(_("Propose a new resol&ution…") if self.current else _("&Propose…"))
        cur = self.current
        if cur is None:
            self.summary.setText(_("No resolution proposed yet."))
        else:
            upheld = {True: _("upheld"), False: _("not upheld"), None: ""}[cur.upheld]
            amount = _("{amount} yuan").format(amount=money(cur.amount)) if cur.amount else _("no money")
            state = cur.approval_state.label
            if cur.approval_state is ApprovalState.APPROVED and cur.approved_by:
                state = _("approved by {name} at {time}").format(
                    name=cur.approved_by, time=f"{cur.approved_at.astimezone(self._tz):%m-%d %H:%M}"
                    if cur.approved_at else "")
            elif cur.approval_state is ApprovalState.PROPOSED:
                state = _("waiting for approval (proposed by {name})").format(name=cur.proposed_by)
            answer = {True: _("The customer accepted."), False: _("The customer rejected."),
                      None: ""}[cur.customer_accepted]
            lines = [
                f"<b>{_esc(self.type_name(cur.resolution_type))}</b> · {_esc(amount)}"
                + (f" · {_esc(upheld)}" if upheld else ""),
                _esc(cur.description),
                _esc(_("Basis: {text}").format(text=cur.basis)),
                f"<i>{_esc(state)}</i>" + (f" <b>{_esc(answer)}</b>" if answer else ""),
            ]
            self.summary.setText("<br>".join(lines))
        old = [r for r in self._resolutions if r.approval_state is ApprovalState.REJECTED]
        self.history.setVisible(bool(old))
        self.history.setText(_("Earlier proposals (rejected or replaced): {list}").format(
            list="; ".join(f"{self.type_name(r.resolution_type)} {money(r.amount) if r.amount else ''}".strip()
                           for r in old)))


class CallbackBox(QGroupBox):
    """回访: the callback after the response, with the customer's satisfaction; then close."""

    sig_record = Signal()

    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callbackBox")
        self._tz = tz
        self._callbacks: tuple[CallbackInfo, ...] = ()
        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("callbackTable")
        readonly_table(self.table, wrap=True)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #666;")
        self.record_button = QPushButton(self)
        self.record_button.setObjectName("recordCallbackButton")
        self.record_button.clicked.connect(self.sig_record.emit)
        row = QHBoxLayout()
        row.addWidget(self.hint, 1)
        row.addWidget(self.record_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)

    def retranslate_ui(self) -> None:
        self.setTitle(_("Callback (回访)"))
        self.table.setHorizontalHeaderLabels([_("When"), _("How"), _("Reached"), _("Satisfaction"), _("Comment")])
        self.table.setAccessibleName(_("Callbacks"))
        self.record_button.setText(_("Record the call res&ult…"))  # Alt+L reloads the case, Alt+G is the links tab
        self.hint.setText(_("After the response and 'Wait for callback', call the customer back, record it here, "
                            "then close the case."))
        self.set_callbacks(self._callbacks, self.record_button.isEnabled())

    def set_callbacks(self, callbacks: tuple[CallbackInfo, ...], can_record: bool) -> None:
        self._callbacks = callbacks
        self.table.setRowCount(len(callbacks))
        for row, c in enumerate(callbacks):
            texts = (f"{c.called_at.astimezone(self._tz):%m-%d %H:%M}",
                     _(CONTACT_METHOD_LABELS.get(c.method, c.method)), _("yes") if c.reached else _("no"),
                     f"{c.satisfaction}/5" if c.satisfaction else "–", c.note)
            for column, text in enumerate(texts):
                self.table.setItem(row, column, QTableWidgetItem(text))
        _fit_height(self.table)
        self.table.setVisible(bool(callbacks))
        self.hint.setVisible(not callbacks)
        self.record_button.setEnabled(can_record)


def _fit_height(table: QTableWidget, most_rows: int = 6) -> None:
    """As tall as its rows (up to ``most_rows``, then it scrolls), so a short log leaves no empty box."""
    table.resizeRowsToContents()
    rows = sum(table.rowHeight(r) for r in range(min(table.rowCount(), most_rows)))
    height = table.horizontalHeader().sizeHint().height() + rows + 2 * table.frameWidth() + 2
    table.setFixedHeight(height)


def _esc(text: str) -> str:
    return html.escape(text)
