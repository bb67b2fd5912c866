"""The payload of each timeline event kind, declared once.

A case's timeline stores each event's payload as JSON. Here every ``EventKind`` has one frozen
``msgspec.Struct``: writers build it (a misspelt key is a ``TypeError`` before anything is stored),
``stored_payload`` turns it into the JSON-ready dict the hash chain seals, and ``decode_payload``
reads any stored row back, old ones included: a key a newer release added gets its default, a key
nobody declares any more is ignored, and a value of the wrong shape falls back to its field's
default instead of failing the whole timeline.

Why msgspec rather than dataclasses: the wire already uses it, ``msgspec.convert`` does the
lenient decoding (ISO text to dates, numbers to ``Decimal``) in one call, and ``field(name=...)``
keeps stored keys such as ``from`` and ``type`` that are not valid Python names.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import msgspec

from desk_app.domain.timeline import EventKind, json_safe

_PLAIN = (str, int, bool, float)


class EventPayload(msgspec.Struct, frozen=True, kw_only=True):
    """Base of the payload types; ``KIND`` names the event kind a subclass is the payload of."""

    KIND: ClassVar[EventKind]


def _from(default: Any = "") -> Any:
    return msgspec.field(default=default, name="from")


class Registered(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.REGISTERED
    case_number: str = ""
    channel: str = ""
    severity: str = ""
    axes: list[str | None] = []
    customer: str = ""
    """A keyed pseudonym of the customer, never the data itself."""
    due_on: date | None = None
    regime: str = ""
    imported_from: str = ""
    source_row: int | None = None
    legacy_number: str = ""


class Updated(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.UPDATED
    changes: dict[str, Any] = {}
    """``{field: [old, new]}``."""


class Assigned(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.ASSIGNED
    from_owner: uuid.UUID | None = None
    to_owner: uuid.UUID | None = None
    owner_name: str = ""
    status: str = ""
    note: str = ""
    taken: bool = False
    """The handler took the unassigned case themselves."""


class Transferred(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.TRANSFERRED
    from_branch: uuid.UUID | None = None
    to_branch: uuid.UUID | None = None
    to_branch_code: str = ""
    reason: str = ""


class StatusChanged(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.STATUS_CHANGED
    action: str = ""
    from_: str = _from()
    to: str = ""
    reason: str = ""


class StageChanged(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.STAGE_CHANGED
    from_: str | None = _from(None)
    to: str = ""


class StageRecord(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.STAGE_RECORD
    stage: str = ""
    fields: dict[str, Any] = {}


class Paused(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.PAUSED
    from_: date | None = _from(None)
    reason: str = ""


class Resumed(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.RESUMED
    to: date | None = None


class Extended(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.EXTENDED
    from_: str = _from()
    to: str = ""
    old_due_on: date | None = None
    new_due_on: date | None = None
    approver_id: uuid.UUID | None = None
    approver: str = ""
    reason: str = ""


class ExtensionRequested(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.EXTENSION_REQUESTED
    from_: str = _from()
    to: str = ""
    old_due_on: date | None = None
    new_due_on: date | None = None
    needs_approval: bool = False
    reason: str = ""


class ExtensionApproved(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.EXTENSION_APPROVED
    approver: str = ""
    reason: str = ""


class ExtensionReturned(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.EXTENSION_RETURNED
    approver: str = ""
    reason: str = ""


class Escalated(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.ESCALATED
    flags: list[str] = []
    reason: str = ""


class FirstContact(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.FIRST_CONTACT
    at: datetime | None = None
    on_time: bool = False
    note: str = ""


class DeadlineRecomputed(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.DEADLINE_RECOMPUTED
    old_due_on: date | None = None
    new_due_on: date | None = None
    reason: str = ""


class Note(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.NOTE
    text: str = ""
    root_cause: dict[str, Any] | None = None
    """Set on the note written when a root cause is recorded (level, cause code and type, previous)."""


class Contact(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.CONTACT
    at: datetime | None = None
    method: str = ""
    summary: str = ""
    reaction: str = ""


class ResolutionProposed(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.RESOLUTION_PROPOSED
    type_: str = msgspec.field(default="", name="type")
    amount: Decimal | None = None
    needs_approval: bool = False
    level: str | None = None


class ResolutionDecided(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.RESOLUTION_DECIDED
    approved: bool = False
    amount: Decimal | None = None
    level: str = ""
    reason: str = ""
    head_office_reference: str = ""
    """Written by rows from before approvals were made by the approver in the app."""


class CustomerDecision(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.CUSTOMER_DECISION
    accepted: bool = False
    note: str = ""


class CallbackMade(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.CALLBACK
    reached: bool = False
    satisfaction: int | None = None
    note: str = ""


class LetterIssued(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.LETTER_ISSUED
    letter_id: uuid.UUID | None = None
    kind: str = ""
    number: str = ""
    version_no: int = 1
    sha256: str = ""
    language: str = ""
    template_version: int | None = None
    common_version: int | None = None


class LetterCorrected(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.LETTER_CORRECTED
    letter_id: uuid.UUID | None = None
    kind: str = ""
    number: str = ""
    version_no: int = 1
    sha256: str = ""
    language: str = ""
    template_version: int | None = None
    common_version: int | None = None
    supersedes_id: uuid.UUID | None = None
    supersedes_number: str = ""
    reason: str = ""

    @classmethod
    def of(cls, issued: LetterIssued, *, supersedes_id: uuid.UUID, supersedes_number: str,
           reason: str) -> LetterCorrected:
        """The correction's payload: the new letter's fields, and the letter it replaces."""
        fields: dict[str, Any] = msgspec.structs.asdict(issued)
        return cls(**fields, supersedes_id=supersedes_id, supersedes_number=supersedes_number, reason=reason)


class LetterDelivered(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.LETTER_DELIVERED
    letter_id: uuid.UUID | None = None
    number: str = ""
    method: str = ""
    on: date | None = None
    previous: list[Any] | None = None
    """The delivery recorded before this one, ``[method, date]``."""


class PortraitSaved(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.PORTRAIT_SAVED
    version_no: int | None = None
    ratings: dict[str, int] = {}
    changes: dict[str, list[int | None]] = {}
    primary_type: str | None = None
    secondary_type: str | None = None
    types_changed: bool = False
    escalation_suggested: bool = False


class ChecklistTicked(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.CHECKLIST_TICKED
    checklist: str = ""
    version: int | None = None
    step: str = ""
    note: str = ""


class ChecklistUnticked(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.CHECKLIST_UNTICKED
    checklist: str = ""
    version: int | None = None
    step: str = ""
    ticked_by_id: uuid.UUID | None = None
    ticked_at: datetime | None = None


class RiskFlagConfirmed(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.RISK_FLAG_CONFIRMED
    flag: str | None = None
    evidence: str = ""


class LegalCited(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.LEGAL_CITED
    article_key: str = ""
    citation: str = ""
    title: str = ""
    text: str = ""
    note: str = ""
    verified: bool = True
    reference_version: int | None = None
    basis_line: str = ""


class AttachmentsAdded(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.ATTACHMENT_ADDED
    attachments: list[dict[str, Any]] = []
    """``{id, sha256, size, mime_type}`` of each file added (never its name)."""


class CaseLinked(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.CASE_LINKED
    other_id: uuid.UUID | None = None
    other_number: str = ""
    link_kind: str = ""
    note: str = ""


class CaseUnlinked(EventPayload, frozen=True, kw_only=True):
    KIND = EventKind.CASE_UNLINKED
    other_id: uuid.UUID | None = None
    other_number: str = ""
    link_kind: str = ""
    reason: str = ""


class CaseMerged(EventPayload, frozen=True, kw_only=True):
    """On the main case: the duplicate merged into it, and the due date before and after (the earlier of the
    two cases' due dates applies)."""

    KIND = EventKind.CASE_MERGED
    duplicate_id: uuid.UUID | None = None
    duplicate_number: str = ""
    old_due_on: date | None = None
    new_due_on: date | None = None
    reason: str = ""


class MergedInto(EventPayload, frozen=True, kw_only=True):
    """On the duplicate: the main case it was merged into, and the status it left."""

    KIND = EventKind.MERGED_INTO
    main_id: uuid.UUID | None = None
    main_number: str = ""
    from_: str = _from()
    reason: str = ""


class UnknownEvent(EventPayload, frozen=True, kw_only=True):
    """A kind this release does not declare (a row from a newer release, say): its raw payload."""

    kind: str = ""
    raw: dict[str, Any] = {}


#: The payload type of every event kind (tests/core/test_event_payloads.py checks none is missing).
PAYLOAD_TYPES: Mapping[str, type[EventPayload]] = {
    cls.KIND.value: cls for cls in EventPayload.__subclasses__() if cls is not UnknownEvent}


def stored_payload(payload: EventPayload) -> dict[str, Any]:
    """The JSON-ready dict stored (and sealed by the hash chain) for ``payload``: its stored key names, the
    values in ``json_safe``'s canonical form; every declared key is written, defaults included, so readers
    of the raw JSON find each key."""
    stored: dict[str, Any] = {}
    for name, key in zip(payload.__struct_fields__, payload.__struct_encode_fields__, strict=True):
        value = getattr(payload, name)
        stored[key] = value if value is None or type(value) in _PLAIN else json_safe(value)
    return stored


def build_payload(kind: str, values: Mapping[str, Any]) -> EventPayload:
    """The typed payload of ``kind`` from a writer's dict; refuses an undeclared kind or key."""
    cls = PAYLOAD_TYPES.get(str(kind))
    if cls is None:
        raise ValueError(f"undeclared timeline event kind: {kind!r}")
    unknown = set(values) - set(cls.__struct_encode_fields__)
    if unknown:
        raise ValueError(f"undeclared keys for a {kind} event: {', '.join(sorted(unknown))}")
    return msgspec.convert(dict(values), cls, strict=False)


def decode_payload(kind: str, raw: Mapping[str, Any] | None) -> EventPayload:
    """The typed payload of a stored event, whatever release wrote it: missing keys get their defaults,
    extra keys are ignored, a value that does not fit its field is dropped (its default stands)."""
    data = dict(raw or {}) if isinstance(raw, Mapping) else {}
    cls = PAYLOAD_TYPES.get(str(kind))
    if cls is None:
        return UnknownEvent(kind=str(kind), raw=data)
    try:
        return msgspec.convert(data, cls, strict=False)
    except msgspec.ValidationError:
        fitting = {}
        for key in cls.__struct_encode_fields__:
            if key in data:
                try:
                    msgspec.convert({key: data[key]}, cls, strict=False)
                except msgspec.ValidationError:
                    continue
                fitting[key] = data[key]
        return msgspec.convert(fitting, cls, strict=False)
