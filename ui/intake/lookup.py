"""Customers found by phone or ID number, their earlier complaints, and the repeat-complaint warning."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.api.backend import Backend
from desk_app.domain.actor import Actor
from desk_app.domain.validation import validate_resident_id
from desk_app.errors import UserError, ValidationError
from desk_app.i18n import _
from desk_app.services.customers import (
    REPEAT_WINDOW_DAYS,
    CustomerMatch,
    KnownCustomer,
    find_customers,
    lookup_phone,
    open_customer,
)
from ui import icons
from ui.errors import show_error
from ui.intake.complainant import CustomerSection
from ui.intake.widgets import Banner, set_style
from ui.tables import readonly_table
from ui.tasks import run_call


def _table(name: str, parent: QWidget, rows_visible: int) -> QTableWidget:
    table = QTableWidget(parent)
    table.setObjectName(name)
    readonly_table(table)
    row = table.fontMetrics().height() + 10
    table.verticalHeader().setDefaultSectionSize(row)
    table.setFixedHeight(row * (rows_visible + 1) + 6)
    return table


def repeat_text(match: CustomerMatch) -> str:
    """The warning for a repeat complainant: how many recent and open cases, and which."""
    open_numbers = [c.case_number for c in match.open_complaints]
    text = _("Repeat complaint: {name} has {recent} earlier complaint(s) in the last {days} days and {open} "
             "still open.").format(name=match.name, recent=len(match.recent_complaints), days=REPEAT_WINDOW_DAYS,
                                   open=len(open_numbers))
    if open_numbers:
        text += " " + _("Open: {numbers}.").format(numbers=", ".join(open_numbers[:3]))
    return text + " " + _("Read the earlier cases first; a repeat complaint may need a supervisor.")


class LookupPanel(QWidget):
    """Shows the look-up result; ``sig_use`` carries the match the clerk chose to use."""

    sig_use = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lookupPanel")
        self.tz = ZoneInfo("Asia/Shanghai")
        self.found: list[CustomerMatch] = []
        self.warning = Banner("repeatWarning", icons.WARNING, self)
        set_style(self.warning, background="#fff4e5", border="#d9822b")
        self.warning.label.setStyleSheet("font-weight: bold;")
        self.status = QLabel(self)
        self.status.setObjectName("lookupStatus")
        self.status.setWordWrap(True)
        self.matches = _table("matchTable", self, 3)
        self.matches.setColumnCount(4)
        self.complaints_label = QLabel(self)
        self.complaints = _table("earlierComplaints", self, 4)
        self.complaints.setColumnCount(4)
        self.complaints_label.setBuddy(self.complaints)
        self.use_button = QPushButton(self)
        self.use_button.setObjectName("useCustomer")
        self.use_button.clicked.connect(self._use)
        self.matches.itemSelectionChanged.connect(self._show_current)
        self.matches.itemActivated.connect(lambda _item: self._use())
        self.elsewhere = QLabel(self)
        self.elsewhere.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.elsewhere, 1)
        buttons.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.warning)
        layout.addWidget(self.status)
        layout.addWidget(self.matches)
        layout.addLayout(buttons)
        layout.addWidget(self.complaints_label)
        layout.addWidget(self.complaints)
        self._show_tables(False)
        self.hide()

    def retranslate_ui(self) -> None:
        self.matches.setHorizontalHeaderLabels([_("Complainant"), _("ID number"), _("Phone"), _("Earlier complaints")])
        self.matches.setAccessibleName(_("Customers found"))
        self.complaints.setHorizontalHeaderLabels([_("Case number"), _("Received"), _("Status"), _("Summary")])
        self.complaints.setAccessibleName(_("Earlier complaints"))
        self.complaints_label.setText(_("Earlier complaints of the selected customer:"))
        self.use_button.setText(_("Use this customer"))
        self.use_button.setAccessibleName(_("Use the selected customer's record"))
        if self.found:
            self.set_matches(self.found)

    def clear(self) -> None:
        self.found = []
        self.matches.setRowCount(0)
        self.complaints.setRowCount(0)
        self.warning.show_message("")
        self.hide()

    def set_searching(self) -> None:
        self.show()
        self.status.setText(_("Looking up earlier complaints…"))

    def set_matches(self, matches: Sequence[CustomerMatch]) -> None:
        keep = self.current_match()
        self.found = list(matches)
        self.show()
        self._show_tables(bool(self.found))
        if not self.found:
            self.status.setText(_("No customer with this phone or ID number: a first complaint."))
            self.warning.show_message("")
            return
        repeats = sum(1 for m in self.found if m.is_repeat)
        self.status.setText(_("{n} customer(s) found with this phone or ID number.").format(n=len(self.found))
                            + (" " + _("{n} of them complained recently or have an open case.").format(n=repeats)
                               if repeats else ""))
        self.matches.setRowCount(len(self.found))
        for row, match in enumerate(self.found):
            if match.known_elsewhere_only:  # nothing personal: the service gives only the count
                name = _("Known at another branch ({n} cases)").format(n=match.elsewhere_count)
            else:
                name = match.name + ("  ⚠ " + _("repeat") if match.is_repeat else "")
            values = (name, match.id_number, match.phone, str(match.complaint_count))  # masked by the service
            for column, value in enumerate(values):
                self.matches.setItem(row, column, QTableWidgetItem(value))
        row = next((i for i, m in enumerate(self.found) if keep and m.customer_id == keep.customer_id), 0)
        self.matches.selectRow(row)
        self._show_current()

    def current_match(self) -> CustomerMatch | None:
        row = self.matches.currentRow()
        return self.found[row] if 0 <= row < len(self.found) else None

    def _show_tables(self, visible: bool) -> None:
        for widget in (self.matches, self.complaints_label, self.complaints, self.use_button, self.elsewhere):
            widget.setVisible(visible)

    def _show_current(self) -> None:
        match = self.current_match()
        self.complaints.setRowCount(0)
        self.use_button.setEnabled(match is not None and not match.known_elsewhere_only)
        if match is None:
            self.warning.show_message("")
            return
        self.warning.show_message(repeat_text(match) if match.is_repeat else "")
        self.complaints.setRowCount(len(match.complaints))
        for row, earlier in enumerate(match.complaints):
            received = earlier.received_at.astimezone(self.tz).strftime("%Y-%m-%d")
            status = _("{status} (open)").format(status=earlier.status.label) if earlier.is_open \
                else earlier.status.label
            for column, value in enumerate((earlier.case_number, received, status, earlier.summary)):
                item = QTableWidgetItem(value)
                if column == 3:
                    item.setToolTip(earlier.summary)
                self.complaints.setItem(row, column, item)
        if match.known_elsewhere_only:
            self.complaints_label.setText(_("This customer is known only at another branch: take their details "
                                            "down as for a first complaint."))
        elif not match.complaints:
            self.complaints_label.setText(_("The selected customer has no earlier complaint here."))
        else:
            self.complaints_label.setText(_("Earlier complaints of the selected customer:"))
        self.elsewhere.setText(
            _("{n} more complaint(s) at other branches (not shown).").format(n=match.elsewhere_count)
            if match.elsewhere_count else "")

    def _use(self) -> None:
        match = self.current_match()
        if match is not None:
            self.sig_use.emit(match)

    def select_customer(self, customer_id: object) -> None:
        for row, match in enumerate(self.found):
            if match.customer_id == customer_id:
                self.matches.selectRow(row)
                return

    def focus_target(self) -> QWidget:
        return self.matches

    def tab_chain(self) -> list[QWidget]:
        return [self.matches, self.use_button, self.complaints]


class CustomerLookup(QObject):
    """Runs the look-ups in the background: automatically when a complete phone or ID number is left,
    or on the Look up button; ``sig_known`` carries the unmasked record of the match the clerk uses."""

    sig_known = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, section: CustomerSection, panel: LookupPanel,
                 parent: QObject) -> None:
        super().__init__(parent)
        self._backend, self._actor = backend, actor
        self.section, self.panel = section, panel
        self._seq = 0
        self._done_keys: tuple[str, str] = ("", "")

    def keys(self) -> tuple[str, str]:
        return lookup_phone(self.section.phone.text()), self.section.id_number.text().strip().upper()

    def remember_keys(self) -> None:
        self._done_keys = self.keys()

    def forget_keys(self) -> None:
        self._done_keys = ("", "")

    def lookup(self, explicit: bool, picked: uuid.UUID | None = None) -> None:
        phone, id_number = self.keys()
        if not explicit:
            # only numbers that look complete; and not again for the same keys
            phone = phone if len(phone) >= 7 else ""
            try:
                id_number = validate_resident_id(id_number) if len(id_number) == 18 else ""
            except ValidationError:
                id_number = ""
            if (phone, id_number) == self._done_keys or not (phone or id_number):
                return
        if not (phone or id_number):
            self.section.fields["customer.phone"].show_error(_("Type a phone or ID number to look up."))
            self.section.phone.setFocus()
            return
        self._done_keys = (phone, id_number)
        self._seq += 1
        seq = self._seq
        backend, actor = self._backend, self._actor
        self.panel.set_searching()

        def work() -> list[CustomerMatch]:
            return backend.call(actor, find_customers, phone=phone or None, id_number=id_number or None)

        def done(result: list[CustomerMatch]) -> None:
            if seq == self._seq:
                self.panel.set_matches(result)
                if picked is not None:
                    self.panel.select_customer(picked)
                if explicit and result:
                    self.panel.matches.setFocus()

        def failed(exc: BaseException) -> None:
            if seq == self._seq:
                self._done_keys = ("", "")
                self.panel.status.setText(_("The look-up failed: {error}").format(error=exc))
                if not isinstance(exc, UserError):
                    show_error(self.panel, exc)

        run_call(self.panel, work, done, failed)  # the panel: nothing arrives once the form is gone

    def use(self, match: CustomerMatch) -> None:
        """Read the match's record unmasked (the view is audited) and hand it on through ``sig_known``."""
        backend, actor = self._backend, self._actor

        def done(result: KnownCustomer) -> None:
            self.sig_known.emit(result)

        def failed(exc: BaseException) -> None:
            self.panel.status.setText(str(exc))
            if not isinstance(exc, UserError):
                show_error(self.panel, exc)

        run_call(self.panel, lambda: backend.call(actor, open_customer, match.customer_id), done, failed)
