"""Plain data that crosses from the services into the GUI, the CLI and the documents. Never ORM objects."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from desk_app.domain.enums import (
    Channel,
    Complexity,
    CustomerKind,
    IdType,
    PartyRole,
    Regime,
    Severity,
    SpecialFlag,
    Stage,
    Status,
)
from desk_app.domain.workflow import Action
from desk_app.services.timeline import EventInfo


@dataclass(frozen=True)
class CustomerDraft:
    name: str
    kind: CustomerKind = CustomerKind.PERSON
    id_type: IdType | None = IdType.RESIDENT_ID
    id_number: str = ""
    phone: str = ""
    phone2: str = ""
    email: str = ""
    address: str = ""
    language: str = "zh_CN"
    legal_representative: str = ""
    contact_person: str = ""


@dataclass(frozen=True)
class PartyDraft:
    role: PartyRole
    name: str
    id_type: IdType | None = None
    id_number: str = ""
    phone: str = ""
    authorisation: str = ""


@dataclass(frozen=True)
class ComplaintDraft:
    """What the intake form collects. ``customer_id`` reuses a known customer instead of ``customer``."""

    channel: Channel
    axis_a: str
    axis_b: str
    axis_c: str
    severity: Severity
    facts_what: str
    customer: CustomerDraft | None = None
    customer_id: uuid.UUID | None = None
    axis_d: str | None = None
    flags: frozenset[SpecialFlag] = frozenset()
    received_at: datetime | None = None
    summary: str = ""
    request_kinds: tuple[str, ...] = ()
    request_text: str = ""
    claimed_amount: str | None = None  # as typed; parse_amount checks it
    facts_when: date | None = None
    facts_where: str = ""
    facts_amount: str | None = None  # as typed
    respondent: str = ""
    parties: tuple[PartyDraft, ...] = ()
    recusal_declared: bool = False
    regime: Regime | None = None


@dataclass(frozen=True)
class CustomerInfo:
    id: uuid.UUID
    kind: CustomerKind
    name: str
    id_type: str
    id_number: str
    phone: str
    address: str
    email: str
    language: str


@dataclass(frozen=True)
class PartyInfo:
    role: PartyRole
    name: str
    id_type: str
    id_number: str
    phone: str
    authorisation: str


@dataclass(frozen=True)
class ComplaintDetail:
    id: uuid.UUID
    case_number: str
    version: int
    branch_id: uuid.UUID
    branch_code: str
    branch_name: str
    customer: CustomerInfo
    channel: Channel
    axis_a: str
    axis_b: str
    axis_c: str
    axis_d: str | None
    severity: Severity
    flags: frozenset[SpecialFlag]
    status: Status
    stage: Stage | None
    received_at: datetime
    regime: Regime
    complexity: Complexity
    due_on: date
    acceptance_due_on: date | None
    first_contact_due: datetime
    first_contact_at: datetime | None
    paused: bool
    escalated: bool
    summary: str
    request_kinds: tuple[str, ...]
    request_text: str
    claimed_amount: Decimal | None
    facts_what: str
    facts_when: date | None
    facts_where: str
    facts_amount: Decimal | None
    respondent: str
    owner_id: uuid.UUID | None
    owner_name: str
    recusal_declared: bool
    parties: tuple[PartyInfo, ...]
    allowed_actions: tuple[Action, ...]
    deliberation_required: bool
    deadline_warnings: tuple[str, ...] = ()
    events: tuple[EventInfo, ...] = field(default=())
    extension_requested: Complexity | None = None
    """An extension asked for that does not count yet (approval or notice outstanding)."""
    extension_approved: bool = False
