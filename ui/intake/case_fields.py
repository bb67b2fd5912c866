"""The case part of the intake form: channel and classification, the disputed facts, the request."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.enums import Channel, Severity, SpecialFlag
from desk_app.domain.reference import axis_label
from desk_app.domain.validation import parse_amount
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.services.reference import CodeInfo, ItemInfo, label_for
from ui.intake.code_picker import CodePicker
from ui.intake.combos import EnumCombo
from ui.intake.section import FormSection, Problems, form_layout, text_edit
from ui.intake.widgets import Field, plain
from ui.keyboard import DateField, DateTimeField

FLAG_ORDER = (SpecialFlag.IRRATIONAL, SpecialFlag.GROUP, SpecialFlag.MEDIA, SpecialFlag.REGULATOR,
              SpecialFlag.LITIGATION)


def _amount_edit(name: str, parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setMaxLength(20)
    edit.setMaximumWidth(180)
    return edit


def check_amount(text: str, field: str) -> None:
    parse_amount(text, field)


class ClassificationSection(FormSection):
    """Channel, time of receipt, the A/B/C (and D for insurers) codes, severity and special flags."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("classificationSection", parent)
        self.tz = ZoneInfo("Asia/Shanghai")
        self.channel = EnumCombo(list(Channel), "channel", self)
        self.received = DateTimeField(self)
        self.received.setObjectName("receivedAt")
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.pickers = {axis: CodePicker(axis, self) for axis in ("A", "B", "C", "D")}
        self.severity = EnumCombo(list(Severity), "severity", self)
        self.flags = {flag: QCheckBox(self) for flag in FLAG_ORDER}
        for flag, box in self.flags.items():
            box.setObjectName(f"flag_{flag.value}")
        self.flag_note = QLabel(self)
        self.flag_note.setObjectName("flagNote")
        self.flag_note.setWordWrap(True)
        self.flag_note.setStyleSheet("color: palette(mid);")

        form = form_layout()
        top = QHBoxLayout()
        top.addWidget(self.channel, 1)
        self.received_label = QLabel(self)
        self.received_label.setBuddy(self.received)
        top.addWidget(self.received_label)
        top.addWidget(self.received)
        self.add_row(form, "channel", top, self.channel, chain=[self.channel, self.received])
        self.fields["received_at"] = Field("received_at", self.received, self.fields["channel"].error)
        for axis, picker in self.pickers.items():
            self.add_row(form, f"axis_{axis.lower()}", picker, picker.edit)
            picker.sig_changed.connect(self.sig_changed)
        self.add_row(form, "severity", self.severity, self.severity)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        for index, box in enumerate(self.flags.values()):
            grid.addWidget(box, index // 3, index % 3)
        flags_box = QVBoxLayout()
        flags_box.addLayout(grid)
        flags_box.addWidget(self.flag_note)
        self.add_row(form, "flags", flags_box, self.flags[SpecialFlag.IRRATIONAL], chain=list(self.flags.values()))
        self._form = form
        QVBoxLayout(self).addLayout(form)
        self.set_insurance_axis(False)
        self.watch(self.channel, self.severity, *self.flags.values())
        self.received_touched = False
        self._setting_received = False
        self.received.dateTimeChanged.connect(self._received_edited)
        self.reset_received()

    def retranslate_ui(self) -> None:
        self.setTitle(_("Intake and classification"))
        self.channel.retranslate()
        self.severity.retranslate()
        self.set_label("channel", _("&Channel:"))
        self.received_label.setText(_("Received:"))
        self.received.setAccessibleName(_("Received at"))
        mnemonics = {"A": _("Business channel (&A):"), "B": _("&Business type (B):"), "C": _("Ca&use (C):"),
                     "D": _("Insurance &topic (D):")}
        for axis, picker in self.pickers.items():
            self.set_label(f"axis_{axis.lower()}", mnemonics[axis])
            picker.setAccessibleName(plain(mnemonics[axis]))
            picker.retranslate_ui()
        self.set_label("severity", _("Severit&y:"))
        self.set_label("flags", _("Special complaint:"))
        for flag, box in self.flags.items():
            box.setText(flag.label)
            box.setAccessibleName(_("Special complaint: {flag}").format(flag=flag.label))
        self.flag_note.setText(_("A special complaint is escalated to a supervisor when it is saved."))

    def set_insurance_axis(self, on: bool) -> None:
        self._form.setRowVisible(self.labels["axis_d"], on)
        self.uses_d = on

    def set_taxonomy(self, axes: dict[str, list[CodeInfo]]) -> None:
        for axis, infos in axes.items():
            self.pickers[axis].set_codes(infos)

    def reset_received(self) -> None:
        """Receipt time = now, and it follows the clock again until the clerk edits it."""
        self.set_received(datetime.now(UTC))
        self.received_touched = False

    def set_received(self, moment: datetime) -> None:
        local = moment.astimezone(self.tz)
        # The edit shows the office's wall-clock time; its components are read back as such.
        self._setting_received = True
        try:
            self.received.setDateTime(QDateTime(QDate(local.year, local.month, local.day),
                                                QTime(local.hour, local.minute)))
        finally:
            self._setting_received = False

    def _received_edited(self) -> None:
        if not self._setting_received:
            self.received_touched = True
        self.sig_changed.emit()

    def received_at(self) -> datetime:
        value = self.received.dateTime()
        d, t = value.date(), value.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=self.tz).astimezone(UTC)

    def selected_flags(self) -> frozenset[SpecialFlag]:
        return frozenset(flag for flag, box in self.flags.items() if box.isChecked())

    def problems(self) -> Problems:
        found: Problems = []
        for axis, picker in self.pickers.items():
            if axis == "D" and not self.uses_d:
                continue
            if picker.code() is not None:
                continue
            if axis == "D" and not picker.text().strip():
                continue  # the insurance axis is optional
            if picker.text().strip():
                found.append((f"axis_{axis.lower()}", _("'{text}' names no single code: pick one from the list "
                                                        "(F4).").format(text=picker.text().strip())))
            else:
                found.append((f"axis_{axis.lower()}", _("Choose the {axis} code (type a code or part of a name).")
                              .format(axis=axis_label(axis))))
        if self.received_at() > datetime.now(UTC):
            found.append(("received_at", _("The time of receipt cannot be in the future.")))
        return found

    def state(self) -> dict[str, Any]:
        return {"channel": self.channel.value().value, "received_at": self.received_at().isoformat(),
                "received_touched": self.received_touched,
                "axes": {axis: picker.code() or picker.text() for axis, picker in self.pickers.items()},
                "severity": self.severity.value().value,
                "flags": sorted(flag.value for flag in self.selected_flags())}

    def set_state(self, state: dict[str, Any]) -> None:
        self.channel.set_value(str(state.get("channel", Channel.COUNTER.value)))
        received = state.get("received_at")
        self.reset_received()
        if isinstance(received, str):
            try:
                self.set_received(datetime.fromisoformat(received))
                self.received_touched = bool(state.get("received_touched", True))
            except ValueError:
                pass
        axes = state.get("axes", {})
        for axis, picker in self.pickers.items():
            value = str(axes.get(axis, "") or "") if isinstance(axes, dict) else ""
            picker.set_text(value)
        self.severity.set_value(str(state.get("severity", Severity.GENERAL.value)))
        flags = set(state.get("flags", []))
        for flag, box in self.flags.items():
            box.setChecked(flag.value in flags)


class FactsSection(FormSection):
    """The disputed facts (争议事实): what, when, where, the amount involved, and the respondent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("factsSection", parent)
        self.what = text_edit("factsWhat", self, 4)
        self.when = DateField("factsWhen", self, past=True)  # empty: the date is not known
        self.where = QLineEdit(self)
        self.where.setObjectName("factsWhere")
        self.where.setMaxLength(300)
        self.amount = _amount_edit("factsAmount", self)
        self.respondent = QLineEdit(self)
        self.respondent.setObjectName("respondent")
        self.respondent.setMaxLength(200)
        form = form_layout()
        self.add_row(form, "facts_what", self.what, self.what)
        row = QHBoxLayout()
        row.addWidget(self.when)
        self.where_label = QLabel(self)
        self.where_label.setBuddy(self.where)
        row.addWidget(self.where_label)
        row.addWidget(self.where, 1)
        self.add_row(form, "facts_when", row, self.when.edit, chain=[self.when.edit, self.where])
        self.fields["facts_where"] = Field("facts_where", self.where, self.fields["facts_when"].error)
        self.add_row(form, "facts_amount", self.amount, self.amount)
        self.add_row(form, "respondent", self.respondent, self.respondent)
        QVBoxLayout(self).addLayout(form)
        self.watch(self.what, self.where, self.amount, self.respondent)
        self.when.sig_changed.connect(self.sig_changed)

    def retranslate_ui(self) -> None:
        self.setTitle(_("Disputed facts"))
        self.set_label("facts_what", _("&What happened:"))
        self.what.setPlaceholderText(_("The facts as the customer tells them: product or service, what went wrong"))
        self.set_label("facts_when", _("When (&D):"))
        self.when.retranslate_ui()
        self.when.edit.setToolTip(_("Type 2026-12-07, 20261207 or 12-07; leave empty when the date is unknown"))
        self.where_label.setText(_("Wh&ere:"))
        self.where.setAccessibleName(_("Where"))
        self.set_label("facts_amount", _("A&mount involved:"))
        self.amount.setPlaceholderText(_("e.g. 3,200.00"))
        self.set_label("respondent", _("&Respondent:"))
        self.respondent.setPlaceholderText(_("The unit, staff member or partner complained about"))

    def facts_when(self) -> date | None:
        """The date typed; None when empty or not a date (``problems`` names the latter)."""
        try:
            return self.when.date()
        except ValueError:
            return None

    def problems(self, today: date) -> Problems:
        found: Problems = []
        if not self.what.toPlainText().strip():
            found.append(("facts_what", _("Describe the disputed facts (what happened).")))
        try:
            when = self.when.date()
        except ValueError as exc:
            found.append(("facts_when", str(exc)))
            when = None
        if when is not None and when > today:
            found.append(("facts_when", _("The date of the facts cannot be in the future.")))
        try:
            check_amount(self.amount.text(), "facts_amount")
        except ValidationError as exc:
            found.append(("facts_amount", str(exc)))
        return found

    def state(self) -> dict[str, Any]:
        return {"what": self.what.toPlainText(), "when": self.when.text(),
                "where": self.where.text(), "amount": self.amount.text(), "respondent": self.respondent.text()}

    def set_state(self, state: dict[str, Any]) -> None:
        self.what.setPlainText(str(state.get("what", "")))
        self.when.set_text(str(state.get("when", "") or ""))
        self.where.setText(str(state.get("where", "")))
        self.amount.setText(str(state.get("amount", "")))
        self.respondent.setText(str(state.get("respondent", "")))


class RequestSection(FormSection):
    """What the customer asks for (诉求): kinds from the reference list, the amount claimed, free text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("requestSection", parent)
        self.items: list[ItemInfo] = []
        self.kinds: dict[str, QCheckBox] = {}
        self._pending: set[str] = set()
        self.kinds_widget = QWidget(self)
        self.kinds_grid = QGridLayout(self.kinds_widget)
        self.kinds_grid.setContentsMargins(0, 0, 0, 0)
        self.kinds_grid.setHorizontalSpacing(12)
        self.text = text_edit("requestText", self, 2)
        self.claimed = _amount_edit("claimedAmount", self)
        form = form_layout()
        self.kinds_label = self.add_row(form, "request_kinds", self.kinds_widget, self.kinds_widget, chain=[])
        self.add_row(form, "request_text", self.text, self.text)
        self.add_row(form, "claimed_amount", self.claimed, self.claimed)
        QVBoxLayout(self).addLayout(form)
        self.watch(self.text, self.claimed)

    def set_items(self, items: Sequence[ItemInfo]) -> None:
        chosen = self.selected() | self._pending
        for box in self.kinds.values():
            box.setParent(None)
            box.deleteLater()
        self.items = list(items)
        self.kinds = {}
        columns = 3  # four would widen the right-hand column past a 1366 px screen
        for index, item in enumerate(self.items):
            box = QCheckBox(label_for(item), self.kinds_widget)
            box.setObjectName(f"request_{item.code}")
            box.setChecked(item.code in chosen)
            box.toggled.connect(self.sig_changed)
            if item.description:
                box.setToolTip(item.description)
            self.kinds_grid.addWidget(box, index // columns, index % columns)
            self.kinds[item.code] = box
        self._pending = set()
        first = next(iter(self.kinds.values()), None)
        self.fields["request_kinds"].focus = first or self.kinds_widget
        # Alt+Q goes to the first kind without ticking it (a check box as the buddy would be clicked); the
        # arrow keys then move along the kinds and Space ticks
        # (a proxy set first would take the policy below too, and Tab would no longer reach the first kind)
        self.kinds_widget.setFocusProxy(None)  # type: ignore[arg-type]  # Qt takes nullptr
        self.kinds_widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # a label gives no focus to NoFocus
        self.kinds_widget.setFocusProxy(first)  # type: ignore[arg-type]
        self.kinds_label.setBuddy(self.kinds_widget)
        self.tab_chain[:] = [*self.kinds.values(), self.text, self.claimed]

    def retranslate_ui(self) -> None:
        self.setTitle(_("Request (诉求)"))
        self.kinds_label.setText(_("Re&quest:"))
        for item in self.items:
            self.kinds[item.code].setText(label_for(item))
            self.kinds[item.code].setAccessibleName(_("Request: {kind}").format(kind=label_for(item)))
        self.set_label("request_text", _("Request in te&xt:"))
        self.text.setPlaceholderText(_("What the customer asks for, in their words"))
        self.set_label("claimed_amount", _("Amount c&laimed:"))
        self.claimed.setPlaceholderText(_("e.g. 3,200.00"))

    def selected(self) -> set[str]:
        return {code for code, box in self.kinds.items() if box.isChecked()}

    def selected_in_order(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items if self.kinds[item.code].isChecked())

    def problems(self) -> Problems:
        found: Problems = []
        if not self.selected() and not self.text.toPlainText().strip():
            found.append(("request_kinds", _("Record what the customer asks for (the request).")))
        try:
            check_amount(self.claimed.text(), "claimed_amount")
        except ValidationError as exc:
            found.append(("claimed_amount", str(exc)))
        return found

    def state(self) -> dict[str, Any]:
        return {"kinds": sorted(self.selected() | self._pending), "text": self.text.toPlainText(),
                "claimed": self.claimed.text()}

    def set_state(self, state: dict[str, Any]) -> None:
        wanted = {str(k) for k in state.get("kinds", [])}
        for code, box in self.kinds.items():
            box.setChecked(code in wanted)
        self._pending = wanted - set(self.kinds)  # kinds not loaded (yet): kept, not lost
        self.text.setPlainText(str(state.get("text", "")))
        self.claimed.setText(str(state.get("claimed", "")))
