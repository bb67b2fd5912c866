"""Register, read and update complaints. Each public function is one transaction."""

from __future__ import annotations

import uuid
from dataclasses import fields, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, case, or_, select
from sqlalchemy.orm import Session

from desk_app.db import search
from desk_app.db.models import (
    Branch,
    Complaint,
    ComplaintEvent,
    ComplaintParty,
    Customer,
    User,
)
from desk_app.db.models.complaints import FLAG_COLUMNS
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.deadlines import DeadlineInput, compute_deadline
from desk_app.domain.enums import (
    Channel,
    Complexity,
    CustomerKind,
    IdType,
    InstitutionType,
    PartyRole,
    Regime,
    Severity,
    SpecialFlag,
    Stage,
    Status,
)
from desk_app.domain.events import payloads as ev
from desk_app.domain.events import stored_payload
from desk_app.domain.permissions import Permission
from desk_app.domain.timeline import GENESIS_HASH, event_hash
from desk_app.domain.validation import (
    mask_address,
    mask_email,
    mask_id_number,
    mask_phone,
    normalise_phone,
    parse_amount,
    typed_changes,
    validate_credit_code,
    validate_resident_id,
)
from desk_app.domain.workflow import allowed_actions, deliberation_required
from desk_app.errors import NotFoundError, StaleVersionError, ValidationError
from desk_app.i18n import _
from desk_app.security import chain_key, personal_data_digest
from desk_app.services import numbering
from desk_app.services.access import require, require_branch
from desk_app.services.calendar import load_work_calendar
from desk_app.services.change_tokens import CALENDAR, TAXONOMY, token_column
from desk_app.services.dto import (
    ComplaintDetail,
    ComplaintDraft,
    CustomerDraft,
    CustomerInfo,
    PartyDraft,
    PartyInfo,
)
from desk_app.services.reference import active_codes, require_code, require_item
from desk_app.services.seals import seal_of
from desk_app.services.timeline import EventInfo, append_event, list_events

MAX_TEXT = 20000


def regime_for_institution(institution_type: InstitutionType) -> Regime:
    if institution_type in (InstitutionType.BANK, InstitutionType.INSURER):
        return Regime.BANKING_INSURANCE
    return Regime.MARKET_REGULATION


def complaint_flags(complaint: Complaint) -> frozenset[SpecialFlag]:
    return frozenset(flag for flag, column in FLAG_COLUMNS.items() if getattr(complaint, column))


# --- validation -------------------------------------------------------------------------------------

def _required(value: str, message: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationError(message, field)
    if len(text) > MAX_TEXT:
        raise ValidationError(_("The text is too long (at most {n} characters).").format(n=MAX_TEXT), field)
    return text


def _validated_customer(draft: CustomerDraft) -> CustomerDraft:
    name = _required(draft.name, _("The complainant's name is required."), "customer.name")
    id_number = draft.id_number.strip()
    if id_number and draft.id_type is IdType.RESIDENT_ID:
        id_number = validate_resident_id(id_number)
    elif id_number and draft.id_type is IdType.CREDIT_CODE:
        id_number = validate_credit_code(id_number)
    phone = normalise_phone(draft.phone) if draft.phone.strip() else ""
    phone2 = normalise_phone(draft.phone2) if draft.phone2.strip() else ""
    if not phone and not id_number and not draft.address.strip() and not draft.email.strip():
        raise ValidationError(_("Give at least one way to reach the complainant (phone, address or e-mail)."),
                              "customer.phone")
    if draft.kind is CustomerKind.ORGANISATION and not draft.contact_person.strip():
        raise ValidationError(_("An organisation needs a contact person."), "customer.contact_person")
    return replace(draft, name=name, id_number=id_number, phone=phone, phone2=phone2)


def _validated_party(draft: PartyDraft) -> PartyDraft:
    name = _required(draft.name, _("Each agent or representative needs a name."), "parties.name")
    id_number = draft.id_number.strip()
    if id_number and draft.id_type is IdType.RESIDENT_ID:
        id_number = validate_resident_id(id_number)
    if draft.role is PartyRole.AGENT and not draft.authorisation.strip():
        raise ValidationError(_("An agent must present a signed authorisation (授权委托书)."),
                              "parties.authorisation")
    phone = normalise_phone(draft.phone) if draft.phone.strip() else ""
    return replace(draft, name=name, id_number=id_number, phone=phone)


def _check_parties(parties: tuple[PartyDraft, ...], flags: frozenset[SpecialFlag], cap: int) -> None:
    reps = [p for p in parties if p.role is PartyRole.REPRESENTATIVE]
    if reps and SpecialFlag.GROUP not in flags:
        raise ValidationError(_("Representatives are only for group complaints: tick 'Group complaint'."),
                              "parties")
    if len(reps) > cap:
        raise ValidationError(
            _("A group complaint may elect at most {cap} representatives; {n} were given.").format(
                cap=cap, n=len(reps)), "parties")


def _validate_codes(session: Session, draft: ComplaintDraft, taxonomy_token: str | None = None) -> None:
    # Against the active codes this process keeps (no query while the taxonomy is unchanged); on anything
    # amiss, the one-by-one checks below name it.
    active = active_codes(session, taxonomy_token)
    axes = {"A": draft.axis_a, "B": draft.axis_b, "C": draft.axis_c, **({"D": draft.axis_d} if draft.axis_d else {})}
    items = {("severity", draft.severity.value), *(("request_kind", kind) for kind in draft.request_kinds)}
    if all((axis, code) in active.axes for axis, code in axes.items()) and items <= active.items:
        return
    require_code(session, "A", draft.axis_a)
    require_code(session, "B", draft.axis_b)
    require_code(session, "C", draft.axis_c)
    if draft.axis_d:
        require_code(session, "D", draft.axis_d)
    require_item(session, "severity", draft.severity.value)
    for kind in draft.request_kinds:
        require_item(session, "request_kind", kind)


# --- customers ----------------------------------------------------------------------------------------

def _find_or_create_customer(session: Session, draft: CustomerDraft) -> Customer:
    """The customer with this ID number, else one with this phone and name, else a new one: the two
    lookups are one statement (each uses its own index), a round trip fewer for every new customer."""
    by_id = Customer.id_number == draft.id_number if draft.id_number else None
    by_phone = and_(Customer.phone == draft.phone, Customer.name == draft.name) if draft.phone else None
    wanted = [c for c in (by_id, by_phone) if c is not None]
    existing = None
    if wanted:
        found = select(Customer).where(or_(*wanted)).limit(1)
        if by_id is not None and by_phone is not None:
            found = found.order_by(case((by_id, 0), else_=1))
        existing = session.scalars(found).first()
    if existing is not None:
        for name in ("address", "email", "phone2", "language", "legal_representative", "contact_person"):
            value = getattr(draft, name)
            if value and value != getattr(existing, name):
                setattr(existing, name, value)
        if draft.phone and not existing.phone:
            existing.phone = draft.phone
        return existing
    customer = Customer(
        id=uuid.uuid4(), kind=draft.kind.value, name=draft.name, id_type=draft.id_type.value if draft.id_type else "",
        id_number=draft.id_number, phone=draft.phone, phone2=draft.phone2, email=draft.email,
        address=draft.address, language=draft.language, legal_representative=draft.legal_representative,
        contact_person=draft.contact_person,
    )
    session.add(customer)  # written with the case, in the registration's one flush
    return customer


# --- register -------------------------------------------------------------------------------------------

#: A registration's first statement: its branch and the reference data's change tokens in one round trip.
_BRANCH_AND_TOKENS = (select(Branch, token_column(CALENDAR), token_column(TAXONOMY))
                      .where(Branch.id == bindparam("branch_id")))


def register_complaint(db: Database, actor: Actor, draft: ComplaintDraft) -> ComplaintDetail:
    """Take in a complaint: validate everything, number it, compute its deadlines, start its timeline."""
    require(actor, Permission.REGISTER)
    facts = _required(draft.facts_what, _("Describe the disputed facts (what happened)."), "facts_what")
    if not draft.request_kinds and not draft.request_text.strip():
        raise ValidationError(_("Record what the customer asks for (the request)."), "request_kinds")
    customer_draft = _validated_customer(draft.customer) if draft.customer else None
    if customer_draft is None and draft.customer_id is None:
        raise ValidationError(_("The complainant is required."), "customer.name")
    parties = tuple(_validated_party(p) for p in draft.parties)
    claimed = parse_amount(draft.claimed_amount, "claimed_amount")
    facts_amount = parse_amount(draft.facts_amount, "facts_amount")
    received_at = draft.received_at or utcnow()
    if received_at.tzinfo is None:
        raise ValidationError(_("The time of receipt needs a time zone."), "received_at")
    if received_at > utcnow():
        raise ValidationError(_("The time of receipt cannot be in the future."), "received_at")

    with db.unit_of_work() as session:
        branch, calendar_token, taxonomy_token = session.execute(
            _BRANCH_AND_TOKENS, {"branch_id": actor.branch_id}).one()
        _check_parties(parties, draft.flags, branch.group_rep_cap)
        _validate_codes(session, draft, taxonomy_token)
        if customer_draft is not None:
            customer = _find_or_create_customer(session, customer_draft)
        else:
            found = session.get(Customer, draft.customer_id)
            if found is None:
                raise NotFoundError(_("The selected customer no longer exists."))
            customer = found
        local_day = received_at.astimezone(ZoneInfo(branch.timezone)).strftime("%Y%m%d")
        regime = draft.regime or Regime(branch.regime)
        # The deadlines first (a new case has no pauses): everything after the number is taken runs while
        # the branch-and-day counter row stays locked, and every registration at the branch waits for it.
        deadline = compute_deadline(DeadlineInput(
            regime=regime, received_at=received_at, office_tz=branch.timezone, complexity=Complexity.SIMPLE,
            first_contact_hours=branch.first_contact_hours), load_work_calendar(session, calendar_token))
        complaint = Complaint(
            id=uuid.uuid4(), case_number=numbering.case_number(session, branch.code, local_day),
            branch_id=branch.id, customer_id=customer.id, channel=draft.channel.value,
            axis_a=draft.axis_a, axis_b=draft.axis_b, axis_c=draft.axis_c, axis_d=draft.axis_d or None,
            severity=draft.severity.value, status=Status.REGISTERED.value, stage=None,
            received_at=received_at, regime=regime.value, complexity=Complexity.SIMPLE.value,
            summary=draft.summary.strip()[:200] or facts[:60], request_kinds=list(draft.request_kinds),
            request_text=draft.request_text.strip(), claimed_amount=claimed, facts_what=facts,
            facts_when=draft.facts_when, facts_where=draft.facts_where.strip(), facts_amount=facts_amount,
            respondent=draft.respondent.strip(), created_by_id=actor.user_id,
            recusal_declared=draft.recusal_declared, language=customer.language,
            escalated=bool(draft.flags), stage_records={}, special_extension_approved=False, paused=False,
            due_on=deadline.due_on, acceptance_due_on=deadline.acceptance_due_on,
            first_contact_due=deadline.first_contact_due,
            **{FLAG_COLUMNS[f]: True for f in draft.flags},
        )
        complaint.parties = [
            ComplaintParty(role=p.role.value, position=i, name=p.name,
                           id_type=p.id_type.value if p.id_type else "", id_number=p.id_number,
                           phone=p.phone, authorisation=p.authorisation)
            for i, p in enumerate(parties)
        ]
        first: list[tuple[ev.EventPayload, datetime | None]] = [(ev.Registered(
            case_number=complaint.case_number, channel=complaint.channel, severity=complaint.severity,
            axes=[complaint.axis_a, complaint.axis_b, complaint.axis_c, complaint.axis_d],
            customer=personal_data_digest(customer.id_number or customer.phone or customer.name),
            due_on=complaint.due_on, regime=complaint.regime,
        ), received_at if received_at < utcnow() else None)]
        if draft.flags:
            first.append((ev.Escalated(
                flags=sorted(f.value for f in draft.flags),
                reason=_("Special complaint: escalated to a supervisor"),
            ), None))
        session.add(complaint)
        # Every column the seal covers is set above as it will be stored, and a new case has no resolutions
        # yet: the first events seal it before it is written, without a query while the number's row is locked.
        events = _first_links(complaint.id, actor.user_id, first, seal_of(chain_key(), complaint, (), customer))
        session.add_all(events)
        session.flush()  # a new customer, the case, its parties and its first events: one statement each
        detail = to_detail(session, complaint, deadline.warnings, events=tuple(
            EventInfo(e.seq, e.kind, e.occurred_at.astimezone(UTC), actor.display_name, e.payload) for e in events))
    search.index_soon(db)  # the search index catches up after the commit, off this call's time
    return detail


def _first_links(complaint_id: uuid.UUID, actor_id: uuid.UUID,
                 entries: list[tuple[ev.EventPayload, datetime | None]], seal: str) -> list[ComplaintEvent]:
    """The first links of a new case's timeline, chained from the genesis hash as ``append_event`` chains
    them. Nobody else can append yet (the case is not committed), so neither its row lock nor a read of
    the last link is needed."""
    events: list[ComplaintEvent] = []
    prev = GENESIS_HASH
    for seq, (payload, occurred_at) in enumerate(entries, 1):
        at = occurred_at or utcnow()
        kind, safe_payload = payload.KIND.value, stored_payload(payload)
        event = ComplaintEvent(
            complaint_id=complaint_id, seq=seq, kind=kind, actor_id=actor_id, occurred_at=at, payload=safe_payload,
            prev_hash=prev, seal=seal, hash=event_hash(prev, complaint_id, seq, kind, actor_id, at, safe_payload,
                                                       seal=seal))
        events.append(event)
        prev = event.hash
    return events


# --- read ------------------------------------------------------------------------------------------------

def get_complaint(db: Database, actor: Actor, complaint_id: uuid.UUID, with_events: bool = True) -> ComplaintDetail:
    require(actor, Permission.VIEW_CASE)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        return to_detail(session, complaint, with_events=with_events)


def find_by_number(db: Database, actor: Actor, case_number: str) -> ComplaintDetail:
    require(actor, Permission.VIEW_CASE)
    with db.unit_of_work() as session:
        complaint = session.scalars(select(Complaint).where(Complaint.case_number == case_number.strip())).first()
        if complaint is None:
            raise NotFoundError(_("No case with number {number}.").format(number=case_number))
        require_branch(actor, complaint.branch_id)
        return to_detail(session, complaint)


def load_for(session: Session, actor: Actor, complaint_id: uuid.UUID, version: int | None = None) -> Complaint:
    """Load a case the actor may see; with ``version``, refuse a stale edit before changing anything.

    An edit locks the row first (PostgreSQL ``FOR UPDATE``; SQLite already holds the write lock), so a
    second client saving at the same moment waits for the first and then gets the "changed by" message
    instead of a silent overwrite or an anonymous conflict."""
    complaint = session.get(Complaint, complaint_id, with_for_update=True if version is not None else None)
    if complaint is None:
        raise NotFoundError(_("The case does not exist."))
    require_branch(actor, complaint.branch_id)
    if version is not None and complaint.version != version:
        editor = _last_editor(session, complaint)
        raise StaleVersionError(
            _("Case {number} was changed by {who} at {when} since you opened it. Reload and try again.").format(
                number=complaint.case_number, who=editor[0], when=editor[1]))
    return complaint


def _last_editor(session: Session, complaint: Complaint) -> tuple[str, str]:
    from desk_app.db.models import ComplaintEvent

    row = session.execute(
        select(User.display_name, ComplaintEvent.occurred_at)
        .join(User, User.id == ComplaintEvent.actor_id, isouter=True)
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(ComplaintEvent.seq.desc()).limit(1)
    ).first()
    if row is None:
        return _("someone"), "?"
    office = ZoneInfo(session.get_one(Branch, complaint.branch_id).timezone)  # the branch's local time
    return row[0] or _("someone"), row[1].astimezone(office).strftime("%Y-%m-%d %H:%M")


def masked_customer(customer: Customer) -> CustomerInfo:
    """The complainant as every screen shows them: ID number, phone, address and e-mail masked."""
    return CustomerInfo(customer.id, CustomerKind(customer.kind), customer.name, customer.id_type,
                        mask_id_number(customer.id_number) if customer.id_number else "",
                        mask_phone(customer.phone) if customer.phone else "",
                        mask_address(customer.address) if customer.address else "",
                        mask_email(customer.email) if customer.email else "", customer.language)


def to_detail(session: Session, complaint: Complaint, warnings: tuple[str, ...] = (),
              with_events: bool = True, events: tuple[EventInfo, ...] | None = None) -> ComplaintDetail:
    """The case as the screens show it; ``events``: its timeline when the caller has just written all of it."""
    branch = session.get_one(Branch, complaint.branch_id)
    customer = session.get_one(Customer, complaint.customer_id)
    owner = session.get(User, complaint.owner_id) if complaint.owner_id else None
    flags = complaint_flags(complaint)
    status = Status(complaint.status)
    return ComplaintDetail(
        id=complaint.id, case_number=complaint.case_number, version=complaint.version,
        branch_id=branch.id, branch_code=branch.code, branch_name=branch.name,
        customer=masked_customer(customer),
        channel=Channel(complaint.channel), axis_a=complaint.axis_a, axis_b=complaint.axis_b,
        axis_c=complaint.axis_c, axis_d=complaint.axis_d, severity=Severity(complaint.severity), flags=flags,
        status=status, stage=Stage(complaint.stage) if complaint.stage else None,
        received_at=complaint.received_at, regime=Regime(complaint.regime),
        complexity=Complexity(complaint.complexity), due_on=complaint.due_on,
        acceptance_due_on=complaint.acceptance_due_on, first_contact_due=complaint.first_contact_due,
        first_contact_at=complaint.first_contact_at, paused=complaint.paused, escalated=complaint.escalated,
        summary=complaint.summary, request_kinds=tuple(complaint.request_kinds or ()),
        request_text=complaint.request_text, claimed_amount=complaint.claimed_amount,
        facts_what=complaint.facts_what, facts_when=complaint.facts_when, facts_where=complaint.facts_where,
        facts_amount=complaint.facts_amount, respondent=complaint.respondent, owner_id=complaint.owner_id,
        owner_name=owner.display_name if owner else "", recusal_declared=complaint.recusal_declared,
        parties=tuple(PartyInfo(PartyRole(p.role), p.name, p.id_type, p.id_number, p.phone, p.authorisation)
                      for p in complaint.parties),
        allowed_actions=tuple(allowed_actions(status)),
        deliberation_required=deliberation_required(Severity(complaint.severity), bool(flags),
                                                    complaint.claimed_amount),
        deadline_warnings=warnings, extension_approved=complaint.extension_approved_by_id is not None,
        extension_requested=Complexity(complaint.extension_requested) if complaint.extension_requested else None,
        events=(events if events is not None else tuple(list_events(session, complaint.id))) if with_events else (),
    )


# --- update ------------------------------------------------------------------------------------------------

EDITABLE = ("channel", "axis_a", "axis_b", "axis_c", "axis_d", "severity", "summary", "request_kinds",
            "request_text", "claimed_amount", "facts_what", "facts_when", "facts_where", "facts_amount",
            "respondent", "recusal_declared", "flags")


def update_complaint(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int,
                     changes: dict[str, Any]) -> ComplaintDetail:
    """Change case fields; every change is logged old → new on the timeline. Stale versions are refused."""
    require(actor, Permission.EDIT_CASE)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: {fields}").format(
            fields=", ".join(sorted(unknown))))
    changes = typed_changes(changes, ComplaintDraft)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        probe = _draft_of(complaint, changes)
        _required(probe.facts_what, _("Describe the disputed facts (what happened)."), "facts_what")
        _validate_codes(session, probe)
        diff: dict[str, list[Any]] = {}
        for name, value in changes.items():
            if name == "flags":
                new_flags = frozenset(SpecialFlag(f) for f in value)
                old_flags = complaint_flags(complaint)
                if new_flags != old_flags:
                    for flag, column in FLAG_COLUMNS.items():
                        setattr(complaint, column, flag in new_flags)
                    diff["flags"] = [sorted(old_flags), sorted(new_flags)]
                    if new_flags - old_flags:
                        complaint.escalated = True
                continue
            if name in ("claimed_amount", "facts_amount"):
                value = parse_amount(value, name)
            elif name in ("channel", "severity"):
                value = Channel(value).value if name == "channel" else Severity(value).value
            elif name == "request_kinds":
                value = list(value)
            old = getattr(complaint, name)
            if old != value:
                setattr(complaint, name, value)
                diff[name] = [old, value]
        if diff:
            session.flush()
            append_event(session, complaint.id, ev.Updated(changes=diff), actor.user_id)
        detail = to_detail(session, complaint)
    search.index_soon(db)
    return detail


def _draft_of(complaint: Complaint, changes: dict[str, Any]) -> ComplaintDraft:
    current = {f.name: getattr(complaint, f.name) for f in fields(ComplaintDraft)
               if hasattr(complaint, f.name) and f.name not in ("flags", "parties", "customer", "regime",
                                                                  "received_at")}
    current.update({k: v for k, v in changes.items() if k != "flags"})
    current["channel"] = Channel(current["channel"])
    current["severity"] = Severity(current["severity"])
    current["request_kinds"] = tuple(current.get("request_kinds") or ())
    return ComplaintDraft(**current)

