"""Small dialogs for the case actions: each collects what its service call needs, checks the required
fields, and hands its answers to ``submit``, which starts the call off the GUI thread. The dialog waits
(its fields and buttons disabled, "Saving…" shown) and closes only when the call has succeeded
(``succeeded``); a refusal is shown inside it (``refused``) and nothing the user typed is lost. The case
view builds them with the functions below and opens them window-modal.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.enums import Complexity
from desk_app.domain.handling import CONTACT_METHOD_LABELS, CONTACT_METHODS
from desk_app.errors import UserError
from desk_app.i18n import _, current_language
from desk_app.services.accounts import UserInfo
from desk_app.services.case_workflow import BranchChoice
from ui.dialogs.common import InlineError
from ui.errors import show_error

if TYPE_CHECKING:  # the team figures (and the report code they count with) load with the team page, not at start
    from desk_app.services.team import HandlerLoad

Submit = Callable[["ActionDialog"], None]
_MNEMONIC = re.compile(r"\(&\w\)|&(?=\S)")


def plain_label(text: str) -> str:
    """A label without its mnemonic marker ("&Reason" → "Reason", "原因(&R)" → "原因")."""
    return _MNEMONIC.sub("", text).strip()


@dataclass(frozen=True)
class Answers:
    """What the user entered in an action dialog, read on the GUI thread when OK was pressed, so the call
    that uses it can run in a worker thread (which must not touch a widget); with the case version the
    view had then."""

    version: int
    values: Mapping[str, object]
    initial: Mapping[str, tuple[tuple[int, int, int, int, int], datetime]]

    def text(self, key: str) -> str:
        value = self.values[key]
        assert isinstance(value, str)
        return value

    def data(self, key: str) -> object:
        return self.values[f"{key}:data"]

    def date(self, key: str) -> date:
        value = self.values[key]
        assert isinstance(value, date)
        return value

    def moment(self, key: str, tz: ZoneInfo) -> datetime:
        """The chosen local time as an aware datetime; the exact initial value when left unchanged."""
        value = self.values[key]
        assert isinstance(value, tuple)
        initial = self.initial.get(key)
        if initial is not None and initial[0] == value:
            return initial[1]
        year, month, day, hour, minute = value
        return datetime(year, month, day, hour, minute, tzinfo=tz)

    def checked(self, key: str) -> bool:
        return bool(self.values[key])

    def number(self, key: str) -> int:
        value = self.values[key]
        assert isinstance(value, int)
        return value


def _local_parts(value: QDateTime) -> tuple[int, int, int, int, int]:
    d, t = value.date(), value.time()
    return d.year(), d.month(), d.day(), t.hour(), t.minute()


def find_data(combo: QComboBox, value: object) -> int:
    """The index of the item whose data equals ``value`` (Python equality: QComboBox.findData compares
    wrapped Python objects such as UUIDs by identity), or -1."""
    for index in range(combo.count()):
        if combo.itemData(index) == value:
            return index
    return -1


class ActionDialog(QDialog):
    """A form dialog: an explanation, fields (required ones marked *), an inline error, OK / Cancel."""

    def __init__(self, name: str, title: str, intro: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.intro = QLabel(intro, self)
        self.intro.setWordWrap(True)
        self.intro.setVisible(bool(intro))
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.notice = QLabel(self)
        self.notice.setObjectName("dialogNotice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background: #fff6d6; border: 1px solid #e0c060; padding: 6px;")
        self.notice.hide()
        self.required_hint = QLabel(_("Fields marked * are required."), self)
        self.required_hint.setStyleSheet("color: #555;")
        self.required_hint.hide()
        self.error = InlineError(self)
        self.pending_label = QLabel(_("Saving…"), self)
        self.pending_label.setObjectName("dialogPending")
        self.pending_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.notice)
        layout.addWidget(self.required_hint)
        layout.addWidget(self.error)
        layout.addWidget(self.pending_label)
        layout.addWidget(self.buttons)
        self.fields: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self._required: set[str] = set()
        self._rules: list[Callable[[], str]] = []
        self._initial: dict[str, tuple[QDateTime, datetime]] = {}
        self.submit: Submit | None = None
        self.pending = False  # its call is under way: the dialog waits, and cannot be closed
        self._focus: QWidget | None = None
        self._enabled: dict[str, bool] = {}

    # -- building ----------------------------------------------------------------------------------
    def _add(self, key: str, label: str, widget: QWidget, required: bool) -> None:
        caption = QLabel(f"{label} *" if required else label, self)
        caption.setBuddy(widget)
        widget.setObjectName(key)
        widget.setAccessibleName(plain_label(label))
        self.fields[key] = widget
        self.labels[key] = caption
        if required:
            self._required.add(key)
            self.required_hint.show()
        self.form.addRow(caption, widget)

    def add_text(self, key: str, label: str, *, required: bool = False, multiline: bool = False,
                 placeholder: str = "", value: str = "") -> QLineEdit | QPlainTextEdit:
        widget: QLineEdit | QPlainTextEdit
        if multiline:
            widget = QPlainTextEdit(self)
            widget.setTabChangesFocus(True)
            widget.setFixedHeight(76)
            widget.setPlainText(value)
        else:
            widget = QLineEdit(value, self)
        widget.setPlaceholderText(placeholder)
        self._add(key, label, widget, required)
        return widget

    def add_combo(self, key: str, label: str, items: Sequence[tuple[str, object]], *, required: bool = False,
                  current: object = None) -> QComboBox:
        combo = QComboBox(self)
        for text, data in items:
            combo.addItem(text, data)
        if current is not None and (index := find_data(combo, current)) >= 0:
            combo.setCurrentIndex(index)
        self._add(key, label, combo, required)
        return combo

    def add_date(self, key: str, label: str, value: date) -> QDateEdit:
        edit = QDateEdit(QDate(value.year, value.month, value.day), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        self._add(key, label, edit, False)
        return edit

    def add_datetime(self, key: str, label: str, value: datetime, tz: ZoneInfo) -> QDateTimeEdit:
        local = value.astimezone(tz)
        edit = QDateTimeEdit(QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute)),
                             self)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        edit.setCalendarPopup(True)
        self._initial[key] = (edit.dateTime(), value)
        self._add(key, label, edit, False)
        return edit

    def add_check(self, key: str, text: str, *, checked: bool = False) -> QCheckBox:
        box = QCheckBox(text, self)
        box.setChecked(checked)
        box.setObjectName(key)
        box.setAccessibleName(plain_label(text))
        self.fields[key] = box
        self.form.addRow("", box)
        return box

    def add_spin(self, key: str, label: str, low: int, high: int, value: int) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(low, high)
        spin.setValue(value)
        self._add(key, label, spin, False)
        return spin

    def add_rule(self, rule: Callable[[], str]) -> None:
        """A check run before submitting; it returns a message, or "" when all is well."""
        self._rules.append(rule)

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    # -- reading -----------------------------------------------------------------------------------
    def text(self, key: str) -> str:
        widget = self.fields[key]
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText().strip()
        if isinstance(widget, QLineEdit):
            return widget.text().strip()
        if isinstance(widget, QComboBox):
            return widget.currentText()
        raise TypeError(key)

    def data(self, key: str) -> object:
        widget = self.fields[key]
        assert isinstance(widget, QComboBox)
        return widget.currentData()

    def date(self, key: str) -> date:
        widget = self.fields[key]
        assert isinstance(widget, QDateEdit)
        value = widget.date()
        return date(value.year(), value.month(), value.day())

    def moment(self, key: str, tz: ZoneInfo) -> datetime:
        """The chosen local time as an aware datetime; the exact initial value when left unchanged."""
        widget = self.fields[key]
        assert isinstance(widget, QDateTimeEdit)
        value = widget.dateTime()
        initial = self._initial.get(key)
        if initial is not None and initial[0] == value:
            return initial[1]
        d, t = value.date(), value.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=tz)

    def checked(self, key: str) -> bool:
        widget = self.fields[key]
        assert isinstance(widget, QCheckBox)
        return widget.isChecked()

    def number(self, key: str) -> int:
        widget = self.fields[key]
        assert isinstance(widget, QSpinBox)
        return widget.value()

    def answers(self, version: int) -> Answers:
        """A snapshot of every field, for the call that runs off the GUI thread."""
        values: dict[str, object] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                values[key] = widget.currentText()
                values[f"{key}:data"] = widget.currentData()
            elif isinstance(widget, QLineEdit | QPlainTextEdit):
                values[key] = self.text(key)
            elif isinstance(widget, QDateTimeEdit) and not isinstance(widget, QDateEdit):
                values[key] = _local_parts(widget.dateTime())
            elif isinstance(widget, QDateEdit):
                values[key] = self.date(key)
            elif isinstance(widget, QCheckBox):
                values[key] = widget.isChecked()
            elif isinstance(widget, QSpinBox):
                values[key] = widget.value()
        initial = {key: (_local_parts(shown), exact) for key, (shown, exact) in self._initial.items()}
        return Answers(version, values, initial)

    def _filled(self, key: str) -> bool:
        widget = self.fields[key]
        if isinstance(widget, QComboBox):
            return widget.currentData() is not None
        return bool(self.text(key))

    # -- submitting --------------------------------------------------------------------------------
    def accept(self) -> None:
        self.error.clear()
        missing = [key for key in self.fields
                   if key in self._required and self.fields[key].isEnabled() and not self._filled(key)]
        if missing:
            separator = "、" if current_language().startswith("zh") else ", "
            self.error.show_message(_("Please fill in: {fields}.").format(
                fields=separator.join(plain_label(self.labels[k].text().rstrip(" *")) for k in missing)))
            self.fields[missing[0]].setFocus()
            return
        for rule in self._rules:
            problem = rule()
            if problem:
                self.error.show_message(problem)
                return
        if self.submit is None:
            super().accept()
            return
        if self.pending:
            return
        self.set_pending(True)
        self.submit(self)  # the call runs in the background; it ends in succeeded() or refused()

    def set_pending(self, pending: bool) -> None:
        """While the call runs, the fields and buttons are disabled and "Saving…" is shown."""
        if pending == self.pending:
            return
        self.pending = pending
        if pending:
            self._focus = self.focusWidget()
        self.pending_label.setVisible(pending)
        self.buttons.setEnabled(not pending)
        if pending:
            self._enabled = {key: widget.isEnabled() for key, widget in self.fields.items()}
        for key, widget in self.fields.items():
            widget.setEnabled(not pending and self._enabled.get(key, True))
        if not pending and self._focus is not None and self._focus.isEnabled():
            self._focus.setFocus()

    def succeeded(self) -> None:
        """The call went through: close."""
        self.set_pending(False)
        super().accept()

    def refused(self, exc: BaseException) -> None:
        """The call was refused: say why inside the dialog (a bug goes to the error presenter); the dialog
        stays open with everything typed."""
        self.set_pending(False)
        if not isinstance(exc, UserError):
            show_error(self, exc)
            return
        self.error.show_message(str(exc))
        field = getattr(exc, "field", None)
        if field in self.fields:
            self.fields[field].setFocus()

    def reject(self) -> None:
        if not self.pending:  # a call under way cannot be called back: wait for its outcome
            super().reject()

    def showEvent(self, event: QShowEvent) -> None:
        """The keyboard starts in the first field to fill, and Tab goes down the fields, then to OK and Cancel (the
        buttons are made before the fields, so Qt's own order would start on OK)."""
        chain = [w for w in self.fields.values() if w.isEnabled()]
        chain += [b for b in self.buttons.buttons() if b.isEnabled()]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)
        super().showEvent(event)
        if self.fields and not event.spontaneous():  # the first required field still empty, else the first
            enabled = [key for key, widget in self.fields.items() if widget.isEnabled()]
            empty = [key for key in enabled if key in self._required and not self._filled(key)]
            start = empty or enabled
            if start:
                self.fields[start[0]].setFocus(Qt.FocusReason.TabFocusReason)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.pending:
            event.ignore()
            return
        super().closeEvent(event)


# --- the dialogs ----------------------------------------------------------------------------------------

def confirm_dialog(parent: QWidget | None, name: str, title: str, intro: str, ok_text: str) -> ActionDialog:
    """An action without fields: say what will happen and ask to go ahead."""
    return ActionDialog(name, title, intro, ok_text, parent)


def reason_dialog(parent: QWidget | None, name: str, title: str, intro: str, label: str, ok_text: str,
                  *, required: bool = True) -> ActionDialog:
    dialog = ActionDialog(name, title, intro, ok_text, parent)
    dialog.add_text("reason", label, required=required, multiline=True)
    return dialog


def assign_dialog(parent: QWidget | None, handlers: Sequence[UserInfo], current_owner: object,
                  *, reassign: bool, loads: Mapping[uuid.UUID, HandlerLoad] | None = None) -> ActionDialog:
    """``loads``: each handler's open and overdue cases, shown after the name; the least loaded is marked."""
    title = _("Re-assign the case") if reassign else _("Assign the case")
    dialog = ActionDialog("assignDialog", title, _("Choose the handler who owns the case from now on."),
                          _("&Assign"), parent)
    items: list[tuple[str, object]] = [(_("— choose a handler —"), None)]
    least = min((loads[u.id].open_cases if u.id in loads else 0 for u in handlers), default=0) if loads else 0
    items += [(handler_choice(u, loads, least), u.id) for u in handlers]
    dialog.add_combo("owner", _("&Handler"), items, required=True, current=current_owner)
    dialog.add_text("note", _("&Note"), placeholder=_("optional"))
    if not handlers:
        dialog.show_notice(_("This branch has no active handler. Ask the administrator to add one."))
    return dialog


def handler_choice(user: UserInfo, loads: Mapping[uuid.UUID, HandlerLoad] | None, least: int = 0) -> str:
    """A handler in the assign list: name, role and, when known, their load (the least loaded marked)."""
    text = f"{user.display_name} ({user.role.label})"
    if loads is None:
        return text
    load = loads.get(user.id)
    open_cases, overdue = (load.open_cases, load.overdue) if load is not None else (0, 0)
    text += " — " + _("{open} open, {overdue} overdue").format(open=open_cases, overdue=overdue)
    return text + (" · " + _("least loaded") if open_cases == least else "")


def transfer_dialog(parent: QWidget | None, branches: Sequence[BranchChoice]) -> ActionDialog:
    dialog = ActionDialog("transferDialog", _("Transfer to another branch"),
                          _("The case leaves this branch and its handler; the other branch assigns it again "
                            "(first-asked responsibility: say why)."), _("&Transfer"), parent)
    items: list[tuple[str, object]] = [(_("— choose a branch —"), None)]
    items += [(f"{b.code} {b.name}", b.id) for b in branches]
    dialog.add_combo("branch", _("&Branch"), items, required=True)
    dialog.add_text("reason", _("&Reason"), required=True, multiline=True)
    return dialog


def extend_dialog(parent: QWidget | None, current: Complexity,
                  approvers: Sequence[UserInfo] = ()) -> ActionDialog:
    """Ask for an extension (``approvers`` is no longer used: the branch manager decides in person)."""
    dialog = ActionDialog("extendDialog", _("Ask for an extension of the time limit"),
                          _("Complex cases may take up to 30 days; especially complex ones up to 60 days, "
                            "only with the approval of the branch manager, who decides it from their overview. "
                            "No extension is possible once the deadline has passed."), _("&Ask"), parent)
    options: list[tuple[str, object]] = []
    if current is Complexity.SIMPLE:
        options.append((_("30 days (complex)"), Complexity.COMPLEX))
    options.append((_("60 days (especially complex, needs the branch manager's approval)"), Complexity.SPECIAL))
    dialog.add_combo("complexity", _("&New limit"), options)
    dialog.add_text("reason", _("&Reason"), required=True, multiline=True)
    dialog.show_notice(_("The extension counts when the customer is told: issue the extension notice "
                         "(延期告知书) once the request is approved; until then the current due date stands."))
    return dialog


def pause_dialog(parent: QWidget | None, today: date) -> ActionDialog:
    dialog = ActionDialog("pauseDialog", _("Pause the clock"),
                          _("Time for external appraisal, testing or evaluation is not counted. The due date "
                            "moves later each day the pause lasts."), _("&Pause"), parent)
    dialog.add_date("start", _("&From"), today)
    dialog.add_text("reason", _("&Reason"), required=True, multiline=True,
                    placeholder=_("e.g. sent for judicial appraisal"))
    return dialog


def resume_dialog(parent: QWidget | None, today: date) -> ActionDialog:
    dialog = ActionDialog("resumeDialog", _("Resume the clock"),
                          _("The clock runs again; the due date is recomputed."), _("&Resume"), parent)
    dialog.add_date("end", _("&Last paused day"), today)
    return dialog


def first_contact_dialog(parent: QWidget | None, now: datetime, tz: ZoneInfo) -> ActionDialog:
    dialog = ActionDialog("firstContactDialog", _("Record the first contact"),
                          _("When did someone first speak with the customer about this complaint?"),
                          _("&Record"), parent)
    dialog.add_datetime("at", _("&When"), now, tz)
    dialog.add_text("note", _("&Note"), placeholder=_("optional"))
    return dialog


def note_dialog(parent: QWidget | None) -> ActionDialog:
    dialog = ActionDialog("noteDialog", _("Add a note"), _("The note is added to the timeline."),
                          _("&Add note"), parent)
    dialog.add_text("text", _("&Note"), required=True, multiline=True)
    return dialog


def _contact_methods() -> list[tuple[str, object]]:
    return [(_(CONTACT_METHOD_LABELS[m]), m) for m in CONTACT_METHODS]


def contact_dialog(parent: QWidget | None, now: datetime, tz: ZoneInfo) -> ActionDialog:
    dialog = ActionDialog("contactDialog", _("Log a contact"),
                          _("Each conversation with the customer: when, how, what was said and how the customer "
                            "reacted."), _("&Add to the log"), parent)
    dialog.add_datetime("at", _("&When"), now, tz)
    dialog.add_combo("method", _("&How"), _contact_methods(), current="phone")
    dialog.add_text("summary", _("What was &said"), required=True, multiline=True)
    dialog.add_text("reaction", _("Customer's &reaction"), multiline=True)
    return dialog


def callback_dialog(parent: QWidget | None, now: datetime, tz: ZoneInfo) -> ActionDialog:
    dialog = ActionDialog("callbackDialog", _("Record the callback"),
                          _("The callback (回访) after the response: was the customer reached, and how satisfied "
                            "are they with the handling?"), _("&Record"), parent)
    dialog.add_datetime("at", _("&When"), now, tz)
    dialog.add_combo("method", _("&How"), _contact_methods(), current="phone")
    reached = dialog.add_check("reached", _("Customer reache&d"), checked=True)
    score = dialog.add_spin("satisfaction", _("&Satisfaction (1–5)"), 1, 5, 5)
    dialog.add_text("note", _("&Comment"), multiline=True)

    def follow() -> None:
        score.setEnabled(reached.isChecked())
        dialog.labels["satisfaction"].setEnabled(reached.isChecked())

    reached.toggled.connect(lambda _checked: follow())
    follow()
    return dialog
