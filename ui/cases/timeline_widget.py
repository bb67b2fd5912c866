"""The complete timeline of a case: every event with local time, who, and what happened in words.

Events are listed newest first (the latest change is what a handler looks for); each entry has a
title line ("Status: Assigned → In progress") and the details of its payload below it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from desk_app.domain.enums import (
    Channel,
    Complexity,
    LetterKind,
    PsychType,
    Regime,
    Severity,
    SpecialFlag,
    Stage,
    Status,
)
from desk_app.domain.handling import CONTACT_METHOD_LABELS, STAGE_FIELDS
from desk_app.domain.portrait import Bilingual, Dimension
from desk_app.domain.workflow import STAGE_CHARS, Action
from desk_app.i18n import N_, _
from desk_app.services.timeline import EventInfo

#: Labels of the case fields an UPDATED event may name.
FIELD_LABELS: dict[str, str] = {
    "channel": N_("Intake channel"), "axis_a": N_("A channel"), "axis_b": N_("B business type"),
    "axis_c": N_("C cause"), "axis_d": N_("D insurance cause"), "severity": N_("Severity"),
    "summary": N_("Summary"), "request_kinds": N_("Request"), "request_text": N_("Request"),
    "claimed_amount": N_("Claimed amount"), "facts_what": N_("Disputed facts"), "facts_when": N_("When"),
    "facts_where": N_("Where"), "facts_amount": N_("Amount involved"), "respondent": N_("Respondent"),
    "recusal_declared": N_("Recusal declared"), "flags": N_("Special flags"),
}


@dataclass
class TimelineNames:
    """Names the events refer to by code: resolution types (shown name) and checklists with their steps."""

    resolution_types: dict[str, str] = field(default_factory=dict)
    checklists: dict[str, Bilingual] = field(default_factory=dict)
    steps: dict[tuple[str, str], Bilingual] = field(default_factory=dict)


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    when: datetime
    who: str
    kind: str
    title: str
    details: tuple[str, ...]


def _enum_label(enum: type[Any], value: object) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value) if value not in (None, "") else "–"


def stage_title(stage: Stage) -> str:
    """"听 Listen" in English; in Chinese the label is the character itself, so it is not repeated."""
    char, label = STAGE_CHARS[stage], stage.label
    return char if label == char else f"{char} {label}"


def _stage(value: object) -> str:
    try:
        return stage_title(Stage(str(value)))
    except ValueError:
        return "–"


def _short_date(value: object, year: int) -> str:
    """A payload date: MM-DD within the event's year, the full date otherwise."""
    if not value:
        return "–"
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return day.strftime("%m-%d") if day.year == year else day.isoformat()


def _yes_no(value: object) -> str:
    return _("yes") if value else _("no")


class _Describer:
    """Turns one event into a title and detail lines, in the current language."""

    def __init__(self, tz: ZoneInfo, names: TimelineNames) -> None:
        self.tz = tz
        self.names = names

    def time(self, value: object) -> str:
        if not value:
            return "–"
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def describe(self, event: EventInfo) -> tuple[str, list[str]]:
        p = event.payload
        year = event.occurred_at.astimezone(self.tz).year
        handler: Callable[[dict[str, Any], int], tuple[str, list[str]]] | None = getattr(
            self, f"_{event.kind}", None)
        if handler is None:
            return event.kind, [f"{k}: {v}" for k, v in p.items()]
        title, details = handler(p, year)
        return title, [d for d in details if d]

    @staticmethod
    def _reason(p: dict[str, Any]) -> str:
        reason = str(p.get("reason") or "").strip()
        return _("Reason: {text}").format(text=reason) if reason else ""

    def _registered(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        return _("Complaint registered: {number}").format(number=p.get("case_number", "")), [
            _("Channel: {value}").format(value=_enum_label(Channel, p.get("channel"))),
            _("Severity: {value}").format(value=_enum_label(Severity, p.get("severity"))),
            _("Rules: {value}").format(value=_enum_label(Regime, p.get("regime"))),
            _("Due date: {date}").format(date=_short_date(p.get("due_on"), year)),
        ]

    def _updated(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        lines = []
        for name, change in (p.get("changes") or {}).items():
            old, new = [*change, None, None][:2] if isinstance(change, list) else (None, change)
            lines.append(_("{field}: {old} → {new}").format(
                field=_(FIELD_LABELS.get(name, name)), old=self._value(name, old), new=self._value(name, new)))
        return _("Case details changed"), lines

    @staticmethod
    def _value(name: str, value: object) -> str:
        if value in (None, "", []):
            return "–"
        if name == "severity":
            return _enum_label(Severity, value)
        if name == "channel":
            return _enum_label(Channel, value)
        if name == "flags" and isinstance(value, list):
            return "、".join(_enum_label(SpecialFlag, v) for v in value)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    def _assigned(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        title = (_("Re-assigned to {name}") if p.get("from_owner") else _("Assigned to {name}")).format(
            name=p.get("owner_name", ""))
        note = str(p.get("note") or "")
        return title, [_("Note: {text}").format(text=note) if note else ""]

    def _transferred(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        return _("Transferred to branch {code}").format(code=p.get("to_branch_code", "")), [self._reason(p)]

    def _status_changed(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        title = _("Status: {old} → {new}").format(old=_enum_label(Status, p.get("from")),
                                                   new=_enum_label(Status, p.get("to")))
        try:
            action = Action(str(p.get("action"))).label
        except ValueError:
            action = ""
        return title, [_("Action: {name}").format(name=action) if action else "", self._reason(p)]

    def _stage_changed(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        if not p.get("from"):
            return _("Step: {new}").format(new=_stage(p.get("to"))), []
        return _("Step: {old} → {new}").format(old=_stage(p.get("from")), new=_stage(p.get("to"))), []

    def _stage_record(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        try:
            stage: Stage | None = Stage(str(p.get("stage")))
        except ValueError:
            stage = None
        labels = {f.key: f.label for f in STAGE_FIELDS[stage]} if stage else {}
        lines = [_("{label}: {value}").format(label=labels.get(k, k), value=v)
                 for k, v in (p.get("fields") or {}).items()]
        return _("Record of step {stage} saved").format(stage=_stage(p.get("stage"))), lines

    def _paused(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        return _("Clock paused from {date}").format(date=_short_date(p.get("from"), year)), [self._reason(p)]

    def _resumed(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        return _("Clock resumed on {date}").format(date=_short_date(p.get("to"), year)), []

    def _extended(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        title = _("Time limit extended: {old} → {new}").format(old=_enum_label(Complexity, p.get("from")),
                                                               new=_enum_label(Complexity, p.get("to")))
        approver = str(p.get("approver") or "")
        return title, [
            _("Due date: {old} → {new}").format(old=_short_date(p.get("old_due_on"), year),
                                                new=_short_date(p.get("new_due_on"), year)),
            _("Approved by {name}").format(name=approver) if approver else "",
            self._reason(p)]

    def _extension_requested(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        return _("Extension asked for: {new} (counts once the notice is issued)").format(
            new=_enum_label(Complexity, p.get("to"))), [
            _("Due date would be {date}").format(date=_short_date(p.get("new_due_on"), year)),
            _("Needs the branch manager's approval") if p.get("needs_approval") else "", self._reason(p)]

    def _extension_approved(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        return _("Extension to 60 days approved by {name}").format(name=p.get("approver", "")), []

    def _extension_returned(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        return _("Extension request returned by {name}").format(name=p.get("approver", "")), [self._reason(p)]

    def _escalated(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        flags = "、".join(_enum_label(SpecialFlag, f) for f in p.get("flags") or [])
        return _("Escalated to a supervisor"), [
            _("Special flags: {flags}").format(flags=flags) if flags else "", self._reason(p)]

    def _first_contact(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        on_time = _("on time") if p.get("on_time") else _("late")
        note = str(p.get("note") or "")
        return _("First contact with the customer ({state})").format(state=on_time), [
            _("At: {time}").format(time=self.time(p.get("at"))), _("Note: {text}").format(text=note) if note else ""]

    def _deadline_recomputed(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        return _("Due date recomputed: {old} → {new}").format(old=_short_date(p.get("old_due_on"), year),
                                                               new=_short_date(p.get("new_due_on"), year)), [
            self._reason(p)]

    def _note(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        return _("Note"), [str(p.get("text", ""))]

    def _contact(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        method = _(CONTACT_METHOD_LABELS.get(str(p.get("method")), str(p.get("method"))))
        reaction = str(p.get("reaction") or "")
        return _("Contact with the customer: {method}").format(method=method), [
            _("At: {time}").format(time=self.time(p.get("at"))),
            _("What was said: {text}").format(text=p.get("summary", "")),
            _("Customer's reaction: {text}").format(text=reaction) if reaction else ""]

    def _resolution_proposed(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        amount, code = p.get("amount"), str(p.get("type", ""))
        return _("Resolution proposed: {type}").format(type=self.names.resolution_types.get(code, code)), [
            _("Amount: {amount}").format(amount=money(amount)) if amount else "",
            _("Needs approval") if p.get("needs_approval") else _("Stands without approval (no money)")]

    def _resolution_decided(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        reference = str(p.get("head_office_reference") or "")  # written before approvals by the approver
        amount = p.get("amount")
        return (_("Resolution approved") if p.get("approved") else _("Resolution returned")), [
            _("Amount: {amount}").format(amount=money(amount)) if amount else "",
            _("Head office reference: {text}").format(text=reference) if reference else "", self._reason(p)]

    def _customer_decision(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        note = str(p.get("note") or "")
        return (_("The customer accepted the resolution") if p.get("accepted")
                else _("The customer rejected the resolution")), [_("Note: {text}").format(text=note) if note else ""]

    def _callback(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        if not p.get("reached"):
            title = _("Callback: customer not reached")
        else:
            title = _("Callback: satisfaction {score}/5").format(score=p.get("satisfaction"))
        note = str(p.get("note") or "")
        return title, [_("Comment: {text}").format(text=note) if note else ""]

    def _checklist(self, p: dict[str, Any]) -> tuple[str, str]:
        key, step = str(p.get("checklist", "")), str(p.get("step", ""))
        checklist = self.names.checklists.get(key)
        step_name = self.names.steps.get((key, step))
        return (checklist.text() if checklist else key), (step_name.text() if step_name else step)

    def _checklist_ticked(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        checklist, step = self._checklist(p)
        note = str(p.get("note") or "")
        return _("Checklist step ticked: {step}").format(step=step), [
            _("Checklist: {name}").format(name=checklist), _("Note: {text}").format(text=note) if note else ""]

    def _checklist_unticked(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        checklist, step = self._checklist(p)
        return _("Checklist tick taken back: {step}").format(step=step), [
            _("Checklist: {name}").format(name=checklist)]

    def _portrait_saved(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        ratings = p.get("ratings") or {}
        parts = []
        for dimension in Dimension:
            if dimension.value in ratings:
                parts.append(f"{dimension.label} {ratings[dimension.value]}")
        types = [_enum_label(PsychType, t) for t in (p.get("primary_type"), p.get("secondary_type")) if t]
        return _("Customer portrait saved (version {n})").format(n=p.get("version_no", "")), [
            " · ".join(parts),
            _("Psychological type: {types}").format(types=" / ".join(types)) if types else "",
            _("High risk: escalation suggested") if p.get("escalation_suggested") else ""]

    def _risk_flag_confirmed(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        flag = p.get("flag")
        evidence = str(p.get("evidence") or "")
        return (_("Special complaint confirmed: {flag}").format(flag=_enum_label(SpecialFlag, flag)) if flag
                else _("High risk confirmed")), [_("Evidence: {text}").format(text=evidence) if evidence else ""]

    def _legal_cited(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        note = str(p.get("note") or "")
        return _("Legal basis cited: {citation}").format(citation=p.get("citation", "")), [
            str(p.get("title") or ""), _("Note: {text}").format(text=note) if note else ""]

    def _attachment_added(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        files = p.get("attachments") or []
        return _("Attachments added: {n}").format(n=len(files)), []

    def _letter(self, title: str, p: dict[str, Any]) -> tuple[str, list[str]]:
        return title.format(kind=_enum_label(LetterKind, p.get("kind")), number=p.get("number", "")), [
            self._reason(p)]

    def _letter_issued(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        return self._letter(_("{kind} issued: {number}"), p)

    def _letter_corrected(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        title, lines = self._letter(_("{kind} corrected: {number}"), p)
        return title, [_("Replaces {number}").format(number=p.get("supersedes_number", "")), *lines]

    def _letter_delivered(self, p: dict[str, Any], year: int) -> tuple[str, list[str]]:
        return _("Letter {number} delivered on {date}").format(
            number=p.get("number", ""), date=_short_date(p.get("on"), year)), []


def money(value: object) -> str:
    try:
        return f"{float(str(value)):,.2f}"
    except ValueError:
        return str(value)


def describe_events(events: tuple[EventInfo, ...] | list[EventInfo], tz: ZoneInfo,
                    names: TimelineNames | None = None) -> list[TimelineEntry]:
    """Entries for ``events``, newest first; ``names`` gives the names of coded things events refer to."""
    describer = _Describer(tz, names or TimelineNames())
    entries = []
    for event in events:
        title, details = describer.describe(event)
        entries.append(TimelineEntry(event.seq, event.occurred_at.astimezone(tz), event.actor_name or _("system"),
                                     event.kind, title, tuple(details)))
    return sorted(entries, key=lambda e: e.seq, reverse=True)


class TimelineWidget(QWidget):
    """Every event of one case, newest first, as readable text (selectable, screen-reader friendly)."""

    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineWidget")
        self._tz = tz
        self._events: tuple[EventInfo, ...] = ()
        self.names = TimelineNames()
        self.entries: list[TimelineEntry] = []
        self.title = QLabel(self)
        self.title.setStyleSheet("color: #5b6b7a;")
        self.view = QTextBrowser(self)
        self.view.setObjectName("timelineText")
        self.view.setOpenLinks(False)
        self.title.setBuddy(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.title.setText(_("Every event of the case, ne&west first"))
        self.view.setAccessibleName(_("Timeline"))
        self.set_events(self._events)

    def set_events(self, events: tuple[EventInfo, ...]) -> None:
        self._events = tuple(events)
        self.entries = describe_events(self._events, self._tz, self.names)
        scroll = self.view.verticalScrollBar().value()
        self.view.setHtml(self._html())
        self.view.verticalScrollBar().setValue(scroll)

    def _html(self) -> str:
        if not self.entries:
            return f"<p style='color:#666'>{html.escape(_('No events yet.'))}</p>"
        rows = []
        for entry in self.entries:
            details = "".join(f"<p style='margin:0 0 0 14px; color:#333'>{html.escape(line)}</p>"
                              for line in entry.details)
            rows.append(
                f"<p style='margin:10px 0 0 0; color:#5b6b7a'>{entry.when:%Y-%m-%d %H:%M} · "
                f"{html.escape(entry.who)}</p>"
                f"<p style='margin:0; font-weight:bold'>{html.escape(entry.title)}</p>{details}")
        return "".join(rows)

    def plain_text(self) -> str:
        return self.view.toPlainText()
