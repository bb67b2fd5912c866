"""The case view's header: the case number and its chips (status, step, severity, special flags), who and
what the case is about, and the three clocks — the due date, the first contact and the time limit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel

from desk_app.domain.deadlines import UNIT_WORKING, DeadlineState, days_left, deadline_state
from desk_app.domain.enums import Complexity, Severity, Status
from desk_app.domain.validation import mask_name, mask_phone
from desk_app.domain.workflow import STOPPED_STATES
from desk_app.i18n import _, ngettext
from desk_app.services.handling import CaseFile
from ui import icons
from ui.cases.timeline_widget import stage_title

if TYPE_CHECKING:
    from ui.context import AppContext

SEVERITY_COLOURS = {Severity.GENERAL: "#5b6b7a", Severity.SERIOUS: "#c46a00", Severity.CRITICAL: "#b3261e"}


def _chip(label: QLabel, text: str, colour: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))
    label.setStyleSheet(f"background: {colour}; color: white; border-radius: 8px; padding: 2px 8px;"
                        "font-weight: bold;")



class CaseHeader:
    """Shows a case file in the header labels ``CaseView`` builds (a mixin: no widgets of its own)."""

    if TYPE_CHECKING:  # built by CaseView
        ctx: AppContext
        case_label: QLabel
        status_chip: QLabel
        stage_chip: QLabel
        severity_chip: QLabel
        flags_chip: QLabel
        customer_label: QLabel
        branch_label: QLabel
        owner_label: QLabel
        received_label: QLabel
        summary_label: QLabel
        due_label: QLabel
        due_icon: QLabel
        contact_label: QLabel
        contact_icon: QLabel
        clock_label: QLabel
        warning_label: QLabel

        def today(self) -> date: ...

    # -- header ------------------------------------------------------------------------------------
    def _show_header(self, file: CaseFile) -> None:
        d = file.detail
        tz = self.ctx.office_tz
        self.case_label.setText(d.case_number)
        _chip(self.status_chip, d.status.label, "#1f5fa8")
        self.status_chip.setAccessibleName(_("Status: {status}").format(status=d.status.label))
        stage_text = stage_title(d.stage) if d.stage else ""
        _chip(self.stage_chip, _("Step {step}").format(step=stage_text) if stage_text else "", "#3d7d4a")
        _chip(self.severity_chip, d.severity.label, SEVERITY_COLOURS[d.severity])
        flags = [f.label for f in sorted(d.flags)]
        if d.escalated:
            flags.append(_("Escalated"))
        _chip(self.flags_chip, " · ".join(flags), "#6a3d9a")

        customer = mask_name(d.customer.name)
        if d.customer.phone:
            customer += f" {mask_phone(d.customer.phone)}"
        self.customer_label.setText(_("Customer: {name}").format(name=customer))
        self.branch_label.setText(_("Branch: {code} {name}").format(code=d.branch_code, name=d.branch_name))
        self.owner_label.setText(_("Handler: {name}").format(name=d.owner_name or _("not assigned")))
        self.received_label.setText(_("Received: {time} ({channel})").format(
            time=f"{d.received_at.astimezone(tz):%Y-%m-%d %H:%M}", channel=d.channel.label))
        self.summary_label.setText(_("Summary: {text}").format(text=d.summary))
        self.summary_label.setToolTip(d.facts_what)
        self._show_due(file)
        self._show_first_contact(file)
        self._show_clock(file)
        warnings = list(file.deadline_warnings)
        self.warning_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warning_label.setVisible(bool(warnings))

    def _show_due(self, file: CaseFile) -> None:
        d = file.detail
        today = self.today()
        stopped = d.status in STOPPED_STATES or d.paused
        state = deadline_state(d.due_on, today, stopped=stopped)
        left = days_left(d.due_on, today)
        text = _("Due date: {date}").format(date=d.due_on.isoformat())
        icon_name, colour = "", ""
        if d.status in STOPPED_STATES:
            text += " · " + _("clock stopped ({status})").format(status=d.status.label)
        elif d.paused:
            text += " · " + _("clock paused")
        elif state is DeadlineState.OVERDUE:
            text += " · " + ngettext("Overdue by {n} day", "Overdue by {n} days", -left).format(n=-left)
            icon_name, colour = icons.OVERDUE, "#b3261e"
        elif left == 0:
            text += " · " + _("Due today")
            icon_name, colour = icons.DUE_SOON, "#c46a00"
        else:
            text += " · " + ngettext("{n} day left", "{n} days left", left).format(n=left)
            if state is DeadlineState.DUE_SOON:
                icon_name, colour = icons.DUE_SOON, "#c46a00"
        if d.acceptance_due_on is not None and d.status in (Status.REGISTERED, Status.ASSIGNED):
            text += " · " + _("accept or refuse by {date}").format(date=d.acceptance_due_on.isoformat())
        self.due_label.setText(text)
        self.due_label.setAccessibleName(text)
        self.due_label.setStyleSheet(f"color: {colour}; font-weight: bold;" if colour else "font-weight: bold;")
        self._set_icon(self.due_icon, icon_name)

    def _show_first_contact(self, file: CaseFile) -> None:
        d = file.detail
        tz = self.ctx.office_tz
        target = f"{d.first_contact_due.astimezone(tz):%m-%d %H:%M}"
        icon_name, colour = "", ""
        if d.first_contact_at is not None:
            met = d.first_contact_at <= d.first_contact_due
            text = _("First contact: {time} ({state})").format(
                time=f"{d.first_contact_at.astimezone(tz):%m-%d %H:%M}",
                state=_("target met") if met else _("late; target {target}").format(target=target))
            if not met:
                icon_name, colour = icons.WARNING, "#c46a00"
        elif datetime.now(UTC) > d.first_contact_due and d.status not in STOPPED_STATES:
            text = _("First contact overdue (target {target})").format(target=target)
            icon_name, colour = icons.OVERDUE, "#b3261e"
        else:
            text = _("First contact by {target}").format(target=target)
        self.contact_label.setText(text)
        self.contact_label.setStyleSheet(f"color: {colour};" if colour else "")
        self._set_icon(self.contact_icon, icon_name)

    def _show_clock(self, file: CaseFile) -> None:
        d = file.detail
        unit = _("working days") if file.limit_unit == UNIT_WORKING else _("calendar days")
        parts = [_("Limit: {n} {unit} ({complexity})").format(n=file.limit_days, unit=unit,
                                                              complexity=d.complexity.label)]
        if d.complexity is not Complexity.SIMPLE:
            parts.append(_("extended — the customer must receive the extension notice"))
        if d.paused:
            parts.append(_("PAUSED for appraisal/testing"))
        if file.paused_days:
            parts.append(_("{n} paused days not counted").format(n=file.paused_days))
        self.clock_label.setText(" · ".join(parts))
        self.clock_label.setStyleSheet("color: #6a3d9a; font-weight: bold;" if d.paused else "")

    @staticmethod
    def _set_icon(label: QLabel, name: str) -> None:
        if name:
            label.setPixmap(icons.icon(name).pixmap(QSize(18, 18)))
        label.setVisible(bool(name))
