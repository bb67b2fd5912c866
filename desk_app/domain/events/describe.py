"""One event in words: ``describe_event`` for the timeline, the audit log viewer and the exports.

``event_text`` gives a title ("Status: Assigned → In progress") and detail lines, in the current
language (Simplified Chinese first; the message ids are English); ``describe_event`` joins them into
the one line a table cell or a spreadsheet shows. Every declared kind has a text (a test checks it
in both languages); an undeclared kind shows its code and raw keys rather than nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from desk_app.domain.enums import (
    Channel,
    Complexity,
    LetterKind,
    LinkKind,
    PsychType,
    Regime,
    Severity,
    SpecialFlag,
    Stage,
    Status,
)
from desk_app.domain.events import payloads as p
from desk_app.domain.handling import CONTACT_METHOD_LABELS, STAGE_FIELDS
from desk_app.domain.portrait import Bilingual, Dimension
from desk_app.domain.workflow import STAGE_CHARS, Action
from desk_app.i18n import N_, _

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
class EventNames:
    """Names events refer to by code: resolution types (shown name) and checklists with their steps.
    Without them an event shows the code."""

    resolution_types: dict[str, str] = field(default_factory=dict)
    checklists: dict[str, Bilingual] = field(default_factory=dict)
    steps: dict[tuple[str, str], Bilingual] = field(default_factory=dict)


_NO_NAMES = EventNames()


@dataclass(frozen=True)
class EventText:
    title: str
    details: tuple[str, ...]

    def one_line(self) -> str:
        """The title, then the details separated by semicolons (for a table cell or a spreadsheet)."""
        if not self.details:
            return self.title
        return _("{title} — {details}").format(title=self.title, details="; ".join(self.details))


def describe_event(kind: str, payload: Mapping[str, Any] | p.EventPayload | None, *,
                   names: EventNames | None = None, tz: tzinfo = UTC) -> str:
    """The event in one line, in the current language; times in ``tz`` (the office's zone)."""
    return event_text(kind, payload, names=names, tz=tz).one_line()


def event_text(kind: str, payload: Mapping[str, Any] | p.EventPayload | None, *,
               names: EventNames | None = None, tz: tzinfo = UTC) -> EventText:
    """The event's title and detail lines; ``payload`` is the stored dict (decoded here) or a payload."""
    typed = payload if isinstance(payload, p.EventPayload) else p.decode_payload(kind, payload)
    title, details = _Describer(tz, names or _NO_NAMES).describe(typed)
    return EventText(title, tuple([d for d in details if d]))


def enum_label(enum: type[Any], value: object) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value) if value not in (None, "") else "–"


def stage_title(stage: Stage) -> str:
    """"听 Listen" in English; in Chinese the label is the character itself, so it is not repeated."""
    char, label = STAGE_CHARS[stage], stage.label
    return char if label == char else f"{char} {label}"


def money(value: object) -> str:
    try:
        return f"{float(str(value)):,.2f}"
    except ValueError:
        return str(value)


def _stage(value: object) -> str:
    try:
        return stage_title(Stage(str(value)))
    except ValueError:
        return "–"


def _day(value: date | None) -> str:
    return value.isoformat() if value else "–"


def _note(text: str) -> str:
    return _("Note: {text}").format(text=text) if text.strip() else ""


def _reason(text: str) -> str:
    return _("Reason: {text}").format(text=text.strip()) if text.strip() else ""


Lines = tuple[str, list[str]]


class _Describer:
    def __init__(self, tz: tzinfo, names: EventNames) -> None:
        self.tz = tz
        self.names = names
    def describe(self, payload: p.EventPayload) -> Lines:
        return _HANDLERS[type(payload)](self, payload)

    def time(self, value: datetime | None) -> str:
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M") if value else "–"

    def registered(self, e: p.Registered) -> Lines:
        return _("Complaint registered: {number}").format(number=e.case_number), [
            _("Channel: {value}").format(value=enum_label(Channel, e.channel)),
            _("Severity: {value}").format(value=enum_label(Severity, e.severity)),
            _("Rules: {value}").format(value=enum_label(Regime, e.regime)),
            _("Due date: {date}").format(date=_day(e.due_on))]

    def updated(self, e: p.Updated) -> Lines:
        lines = []
        for name, change in e.changes.items():
            old, new = [*change, None, None][:2] if isinstance(change, list) else (None, change)
            lines.append(_("{field}: {old} → {new}").format(
                field=_(FIELD_LABELS.get(name, name)), old=_value(name, old), new=_value(name, new)))
        return _("Case details changed"), lines

    def assigned(self, e: p.Assigned) -> Lines:
        if e.taken:
            title = _("Taken by {name}")
        else:
            title = _("Re-assigned to {name}") if e.from_owner else _("Assigned to {name}")
        return title.format(name=e.owner_name), [_note(e.note)]

    def transferred(self, e: p.Transferred) -> Lines:
        return _("Transferred to branch {code}").format(code=e.to_branch_code), [_reason(e.reason)]

    def status_changed(self, e: p.StatusChanged) -> Lines:
        title = _("Status: {old} → {new}").format(old=enum_label(Status, e.from_), new=enum_label(Status, e.to))
        try:
            action = Action(e.action).label
        except ValueError:
            action = ""
        return title, [_("Action: {name}").format(name=action) if action else "", _reason(e.reason)]

    def stage_changed(self, e: p.StageChanged) -> Lines:
        if not e.from_:
            return _("Step: {new}").format(new=_stage(e.to)), []
        return _("Step: {old} → {new}").format(old=_stage(e.from_), new=_stage(e.to)), []

    def stage_record(self, e: p.StageRecord) -> Lines:
        try:
            stage: Stage | None = Stage(e.stage)
        except ValueError:
            stage = None
        labels = {f.key: f.label for f in STAGE_FIELDS[stage]} if stage else {}
        lines = [_("{label}: {value}").format(label=labels.get(k, k), value=v) for k, v in e.fields.items()]
        return _("Record of step {stage} saved").format(stage=_stage(e.stage)), lines

    def paused(self, e: p.Paused) -> Lines:
        return _("Clock paused from {date}").format(date=_day(e.from_)), [_reason(e.reason)]

    def resumed(self, e: p.Resumed) -> Lines:
        return _("Clock resumed on {date}").format(date=_day(e.to)), []

    def extended(self, e: p.Extended) -> Lines:
        title = _("Time limit extended: {old} → {new}").format(old=enum_label(Complexity, e.from_),
                                                               new=enum_label(Complexity, e.to))
        return title, [_("Due date: {old} → {new}").format(old=_day(e.old_due_on), new=_day(e.new_due_on)),
                       _("Approved by {name}").format(name=e.approver) if e.approver else "", _reason(e.reason)]

    def extension_requested(self, e: p.ExtensionRequested) -> Lines:
        return _("Extension asked for: {new} (counts once the notice is issued)").format(
            new=enum_label(Complexity, e.to)), [
            _("Due date would be {date}").format(date=_day(e.new_due_on)),
            _("Needs the branch manager's approval") if e.needs_approval else "", _reason(e.reason)]

    def extension_approved(self, e: p.ExtensionApproved) -> Lines:
        return _("Extension to 60 days approved by {name}").format(name=e.approver), [_reason(e.reason)]

    def extension_returned(self, e: p.ExtensionReturned) -> Lines:
        return _("Extension request returned by {name}").format(name=e.approver), [_reason(e.reason)]

    def escalated(self, e: p.Escalated) -> Lines:
        flags = "、".join(enum_label(SpecialFlag, f) for f in e.flags)
        return _("Escalated to a supervisor"), [
            _("Special flags: {flags}").format(flags=flags) if flags else "", _reason(e.reason)]

    def first_contact(self, e: p.FirstContact) -> Lines:
        state = _("on time") if e.on_time else _("late")
        return _("First contact with the customer ({state})").format(state=state), [
            _("At: {time}").format(time=self.time(e.at)), _note(e.note)]

    def case_linked(self, e: p.CaseLinked) -> Lines:
        return _("Linked with case {number}").format(number=e.other_number), [
            _("Link: {kind}").format(kind=enum_label(LinkKind, e.link_kind)), _note(e.note)]

    def case_unlinked(self, e: p.CaseUnlinked) -> Lines:
        return _("Link with case {number} removed").format(number=e.other_number), [
            _("Link: {kind}").format(kind=enum_label(LinkKind, e.link_kind)), _reason(e.reason)]

    def case_merged(self, e: p.CaseMerged) -> Lines:
        due = (_("Due date: {old} → {new}").format(old=_day(e.old_due_on), new=_day(e.new_due_on))
               if e.old_due_on != e.new_due_on else "")
        return _("Case {number} merged into this case").format(number=e.duplicate_number), [due, _reason(e.reason)]

    def merged_into(self, e: p.MergedInto) -> Lines:
        return _("Merged into case {number}").format(number=e.main_number), [
            _("Status before: {status}").format(status=enum_label(Status, e.from_)), _reason(e.reason)]

    def deadline_recomputed(self, e: p.DeadlineRecomputed) -> Lines:
        return _("Due date recomputed: {old} → {new}").format(old=_day(e.old_due_on), new=_day(e.new_due_on)), [
            _reason(e.reason)]

    def note(self, e: p.Note) -> Lines:
        return _("Note"), [e.text]

    def contact(self, e: p.Contact) -> Lines:
        method = _(CONTACT_METHOD_LABELS.get(e.method, e.method))
        return _("Contact with the customer: {method}").format(method=method), [
            _("At: {time}").format(time=self.time(e.at)),
            _("What was said: {text}").format(text=e.summary),
            _("Customer's reaction: {text}").format(text=e.reaction) if e.reaction else ""]

    def resolution_proposed(self, e: p.ResolutionProposed) -> Lines:
        name = self.names.resolution_types.get(e.type_, e.type_)
        return _("Resolution proposed: {type}").format(type=name), [
            _("Amount: {amount}").format(amount=money(e.amount)) if e.amount else "",
            _("Needs approval") if e.needs_approval else _("Stands without approval (no money)")]

    def resolution_decided(self, e: p.ResolutionDecided) -> Lines:
        reference = e.head_office_reference
        return (_("Resolution approved") if e.approved else _("Resolution returned")), [
            _("Amount: {amount}").format(amount=money(e.amount)) if e.amount else "",
            _("Head office reference: {text}").format(text=reference) if reference else "", _reason(e.reason)]

    def customer_decision(self, e: p.CustomerDecision) -> Lines:
        return (_("The customer accepted the resolution") if e.accepted
                else _("The customer rejected the resolution")), [_note(e.note)]

    def callback(self, e: p.CallbackMade) -> Lines:
        if not e.reached:
            title = _("Callback: customer not reached")
        else:
            title = _("Callback: satisfaction {score}/5").format(score=e.satisfaction)
        return title, [_("Comment: {text}").format(text=e.note) if e.note else ""]

    def _checklist(self, key: str, step: str) -> tuple[str, str]:
        checklist, step_name = self.names.checklists.get(key), self.names.steps.get((key, step))
        return (checklist.text() if checklist else key), (step_name.text() if step_name else step)

    def checklist_ticked(self, e: p.ChecklistTicked) -> Lines:
        checklist, step = self._checklist(e.checklist, e.step)
        return _("Checklist step ticked: {step}").format(step=step), [
            _("Checklist: {name}").format(name=checklist), _note(e.note)]

    def checklist_unticked(self, e: p.ChecklistUnticked) -> Lines:
        checklist, step = self._checklist(e.checklist, e.step)
        return _("Checklist tick taken back: {step}").format(step=step), [
            _("Checklist: {name}").format(name=checklist)]

    def portrait_saved(self, e: p.PortraitSaved) -> Lines:
        parts = [f"{d.label} {e.ratings[d.value]}" for d in Dimension if d.value in e.ratings]
        types = [enum_label(PsychType, t) for t in (e.primary_type, e.secondary_type) if t]
        return _("Customer portrait saved (version {n})").format(n=e.version_no or ""), [
            " · ".join(parts),
            _("Psychological type: {types}").format(types=" / ".join(types)) if types else "",
            _("High risk: escalation suggested") if e.escalation_suggested else ""]

    def risk_flag_confirmed(self, e: p.RiskFlagConfirmed) -> Lines:
        title = (_("Special complaint confirmed: {flag}").format(flag=enum_label(SpecialFlag, e.flag)) if e.flag
                 else _("High risk confirmed"))
        return title, [_("Evidence: {text}").format(text=e.evidence) if e.evidence else ""]

    def legal_cited(self, e: p.LegalCited) -> Lines:
        return _("Legal basis cited: {citation}").format(citation=e.citation), [e.title, _note(e.note)]

    def attachments_added(self, e: p.AttachmentsAdded) -> Lines:
        return _("Attachments added: {n}").format(n=len(e.attachments)), []

    @staticmethod
    def _letter(title: str, kind: str, number: str) -> str:
        return title.format(kind=enum_label(LetterKind, kind), number=number)

    def letter_issued(self, e: p.LetterIssued) -> Lines:
        return self._letter(_("{kind} issued: {number}"), e.kind, e.number), []

    def letter_corrected(self, e: p.LetterCorrected) -> Lines:
        return self._letter(_("{kind} corrected: {number}"), e.kind, e.number), [
            _("Replaces {number}").format(number=e.supersedes_number), _reason(e.reason)]

    def letter_delivered(self, e: p.LetterDelivered) -> Lines:
        return _("Letter {number} delivered on {date}").format(number=e.number, date=_day(e.on)), []

    def unknown(self, e: p.UnknownEvent) -> Lines:
        return e.kind, [f"{k}: {v}" for k, v in e.raw.items()]


#: The describing method of each payload type.
_HANDLERS: dict[type[p.EventPayload], Callable[[_Describer, Any], Lines]] = {
    p.Registered: _Describer.registered, p.Updated: _Describer.updated, p.Assigned: _Describer.assigned,
    p.Transferred: _Describer.transferred, p.StatusChanged: _Describer.status_changed,
    p.StageChanged: _Describer.stage_changed, p.StageRecord: _Describer.stage_record, p.Paused: _Describer.paused,
    p.Resumed: _Describer.resumed, p.Extended: _Describer.extended,
    p.ExtensionRequested: _Describer.extension_requested,
    p.ExtensionApproved: _Describer.extension_approved, p.ExtensionReturned: _Describer.extension_returned,
    p.Escalated: _Describer.escalated, p.FirstContact: _Describer.first_contact,
    p.DeadlineRecomputed: _Describer.deadline_recomputed, p.Note: _Describer.note, p.Contact: _Describer.contact,
    p.ResolutionProposed: _Describer.resolution_proposed, p.ResolutionDecided: _Describer.resolution_decided,
    p.CustomerDecision: _Describer.customer_decision, p.CallbackMade: _Describer.callback,
    p.LetterIssued: _Describer.letter_issued, p.LetterCorrected: _Describer.letter_corrected,
    p.LetterDelivered: _Describer.letter_delivered, p.PortraitSaved: _Describer.portrait_saved,
    p.ChecklistTicked: _Describer.checklist_ticked, p.ChecklistUnticked: _Describer.checklist_unticked,
    p.RiskFlagConfirmed: _Describer.risk_flag_confirmed, p.LegalCited: _Describer.legal_cited,
    p.AttachmentsAdded: _Describer.attachments_added, p.UnknownEvent: _Describer.unknown,
    p.CaseLinked: _Describer.case_linked, p.CaseUnlinked: _Describer.case_unlinked,
    p.CaseMerged: _Describer.case_merged, p.MergedInto: _Describer.merged_into,
}


def _value(name: str, value: object) -> str:
    if value in (None, "", []):
        return "–"
    if name == "severity":
        return enum_label(Severity, value)
    if name == "channel":
        return enum_label(Channel, value)
    if name == "flags" and isinstance(value, list):
        return "、".join(enum_label(SpecialFlag, v) for v in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
