"""Customer look-up for the intake form: who is this complainant, and have they complained before?

A customer record is shared by the whole institution (one person, one record), but the earlier
complaints shown are only those the actor may see (their branch; headquarters roles see all). A
complaint is a *repeat* when the customer has an earlier complaint received within
``REPEAT_WINDOW_DAYS`` or one that is still open.

Look-up results carry personal data masked (ID number, phones, address, e-mail), like every other
list. Only when the clerk picks a match to fill the form does ``open_customer`` return the record
unmasked, and that view is written to the access audit (``personal_data``'s rule).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select

from desk_app.db.models import Branch, Complaint, Customer
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import CustomerKind, IdType, InstitutionType, Regime, Status
from desk_app.domain.permissions import Permission
from desk_app.domain.validation import mask_address, mask_email, mask_id_number, mask_phone
from desk_app.domain.workflow import FINISHED_STATES
from desk_app.errors import NotFoundError, PermissionDeniedError, ValidationError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require, sees_all_branches
from desk_app.services.dto import CustomerDraft

REPEAT_WINDOW_DAYS = 180
MAX_MATCHES = 20
MAX_COMPLAINTS_SHOWN = 50
_SEPARATORS = re.compile(r"[\s()\-]")


@dataclass(frozen=True)
class EarlierComplaint:
    id: uuid.UUID
    case_number: str
    received_at: datetime
    status: Status
    summary: str
    branch_code: str

    @property
    def is_open(self) -> bool:
        return self.status not in FINISHED_STATES


@dataclass(frozen=True)
class CustomerMatch:
    """A known customer matching the phone or ID number, with the earlier complaints the actor may see.
    Personal data (ID number, phones, address, e-mail) is masked; ``open_customer`` gives it in full."""

    customer_id: uuid.UUID
    kind: CustomerKind
    name: str
    id_type: IdType | None
    id_number: str
    phone: str
    phone2: str
    email: str
    address: str
    language: str
    legal_representative: str
    contact_person: str
    complaints: tuple[EarlierComplaint, ...]
    """Newest first, at most ``MAX_COMPLAINTS_SHOWN``."""
    complaint_count: int
    """All earlier complaints in the actor's scope (may exceed the ones listed)."""
    elsewhere_count: int
    """Earlier complaints at branches the actor may not see (a count only, no details)."""
    is_repeat: bool
    matched_on: frozenset[str]
    """Which search keys matched: ``"phone"``, ``"id_number"``."""
    known_elsewhere_only: bool = False
    """The customer has complaints only at branches the actor may not see: nothing personal is given (not
    even the name, masked or not), only ``elsewhere_count``; the record cannot be opened here."""

    @property
    def open_complaints(self) -> tuple[EarlierComplaint, ...]:
        return tuple(c for c in self.complaints if c.is_open)

    @property
    def recent_complaints(self) -> tuple[EarlierComplaint, ...]:
        since = utcnow() - timedelta(days=REPEAT_WINDOW_DAYS)
        return tuple(c for c in self.complaints if c.received_at >= since)


@dataclass(frozen=True)
class IntakeOptions:
    """What the intake form needs to know about the actor's branch."""

    branch_code: str
    branch_name: str
    institution_type: InstitutionType
    regime: Regime
    group_rep_cap: int
    timezone: str

    @property
    def uses_insurance_axis(self) -> bool:
        """Insurers classify on the D axis (insurance cause) as well."""
        return self.institution_type is InstitutionType.INSURER


def lookup_phone(value: str) -> str:
    """The stored form of a phone number typed in any usual way (spaces, dashes, +86); no format check,
    so a look-up never fails on a number the register once accepted."""
    phone = _SEPARATORS.sub("", value.strip())
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix):]
    return phone


def _phone_condition(phone: str) -> ColumnElement[bool]:
    # Landlines are stored with or without the dash after the area code (both are accepted at intake).
    variants = {phone}
    if phone.startswith("0") and len(phone) > 8:
        for cut in (3, 4):
            variants.add(f"{phone[:cut]}-{phone[cut:]}")
    elif phone[:3] in ("400", "800") and len(phone) == 10:
        variants.add(f"{phone[:3]}-{phone[3:6]}-{phone[6:]}")
    return or_(Customer.phone.in_(variants), Customer.phone2.in_(variants))


def is_repeat(complaints: tuple[EarlierComplaint, ...], now: datetime | None = None) -> bool:
    """An earlier complaint received within the repeat window, or one that is still open."""
    since = (now or utcnow()) - timedelta(days=REPEAT_WINDOW_DAYS)
    return any(c.is_open or c.received_at >= since for c in complaints)


def find_customers(db: Database, actor: Actor, phone: str | None = None, id_number: str | None = None,
                   now: datetime | None = None) -> list[CustomerMatch]:
    """Customers whose phone (either number) or ID number matches, best matches first.

    Empty keys are ignored; with no key at all the result is empty. Anonymised customers are never found.
    """
    require(actor, Permission.FIND_CUSTOMERS)
    phone_key = lookup_phone(phone or "")
    id_key = (id_number or "").strip().upper()
    if len(phone_key) > 40 or len(id_key) > 64:
        raise ValidationError(_("The search key is too long."), "phone" if len(phone_key) > 40 else "id_number")
    conditions: list[ColumnElement[bool]] = []
    if phone_key:
        conditions.append(_phone_condition(phone_key))
    if id_key:
        conditions.append(Customer.id_number == id_key)
    if not conditions:
        return []
    now = now or utcnow()
    with db.unit_of_work() as session:
        customers = session.scalars(
            select(Customer).where(or_(*conditions), Customer.anonymised.is_(False))
            .order_by(Customer.updated_at.desc()).limit(MAX_MATCHES)).all()
        if not customers:
            return []
        ids = [c.id for c in customers]
        scope: list[ColumnElement[bool]] = [Complaint.customer_id.in_(ids)]
        elsewhere: dict[uuid.UUID, int] = {}
        if not sees_all_branches(actor):
            scope.append(Complaint.branch_id == actor.branch_id)
            for customer_id, count in session.execute(
                    select(Complaint.customer_id, func.count())
                    .where(Complaint.customer_id.in_(ids), Complaint.branch_id != actor.branch_id)
                    .group_by(Complaint.customer_id)):
                elsewhere[customer_id] = count
        rows = session.execute(
            select(Complaint.id, Complaint.customer_id, Complaint.case_number, Complaint.received_at,
                   Complaint.status, Complaint.summary, Branch.code)
            .join(Branch, Branch.id == Complaint.branch_id)
            .where(*scope).order_by(Complaint.received_at.desc())).all()
        by_customer: dict[uuid.UUID, list[EarlierComplaint]] = defaultdict(list)
        for cid, customer_id, number, received, status, summary, branch_code in rows:
            by_customer[customer_id].append(
                EarlierComplaint(cid, number, received, Status(status), summary, branch_code))
        matches = [_match(c, tuple(by_customer[c.id]), elsewhere.get(c.id, 0), phone_key, id_key, now)
                   if by_customer[c.id] or not elsewhere.get(c.id)
                   else _elsewhere_only(c, elsewhere[c.id], phone_key, id_key) for c in customers]
    # Both keys matching first, then repeat complainants, then the most complaints.
    matches.sort(key=lambda m: (-len(m.matched_on), not m.is_repeat, -m.complaint_count))
    return matches


def _matched_on(customer: Customer, phone_key: str, id_key: str) -> frozenset[str]:
    matched = set()
    if phone_key and phone_key in {lookup_phone(customer.phone), lookup_phone(customer.phone2)}:
        matched.add("phone")
    if id_key and customer.id_number == id_key:
        matched.add("id_number")
    return frozenset(matched)


def _match(customer: Customer, complaints: tuple[EarlierComplaint, ...], elsewhere: int, phone_key: str,
           id_key: str, now: datetime) -> CustomerMatch:
    return CustomerMatch(
        customer_id=customer.id, kind=CustomerKind(customer.kind), name=customer.name,
        id_type=IdType(customer.id_type) if customer.id_type else None,
        id_number=mask_id_number(customer.id_number) if customer.id_number else "",
        phone=mask_phone(customer.phone) if customer.phone else "",
        phone2=mask_phone(customer.phone2) if customer.phone2 else "",
        email=mask_email(customer.email) if customer.email else "",
        address=mask_address(customer.address) if customer.address else "",
        language=customer.language, legal_representative=customer.legal_representative,
        contact_person=customer.contact_person, complaints=complaints[:MAX_COMPLAINTS_SHOWN],
        complaint_count=len(complaints), elsewhere_count=elsewhere, is_repeat=is_repeat(complaints, now),
        matched_on=_matched_on(customer, phone_key, id_key),
    )


def _elsewhere_only(customer: Customer, elsewhere: int, phone_key: str, id_key: str) -> CustomerMatch:
    """A customer of other branches only, as an actor of this branch may see them: that they are known, and
    how many complaints they made there."""
    return CustomerMatch(
        customer_id=customer.id, kind=CustomerKind(customer.kind), name="", id_type=None, id_number="", phone="",
        phone2="", email="", address="", language="", legal_representative="", contact_person="", complaints=(),
        complaint_count=0, elsewhere_count=elsewhere, is_repeat=False,
        matched_on=_matched_on(customer, phone_key, id_key), known_elsewhere_only=True)


@dataclass(frozen=True)
class KnownCustomer:
    """A customer's record unmasked, to fill the intake form (see ``open_customer``)."""

    customer_id: uuid.UUID
    draft: CustomerDraft


def open_customer(db: Database, actor: Actor, customer_id: uuid.UUID, purpose: str = "intake") -> KnownCustomer:
    """The customer's record unmasked, for a clerk taking a new complaint from them; the view is audited."""
    require(actor, Permission.REGISTER)
    require(actor, Permission.SEE_PERSONAL_DATA)
    with db.unit_of_work() as session:
        customer = session.get(Customer, customer_id)
        if customer is None or customer.anonymised:
            raise NotFoundError(_("The selected customer no longer exists."))
        if not sees_all_branches(actor) and session.scalar(
                select(func.count()).select_from(Complaint)
                .where(Complaint.customer_id == customer.id, Complaint.branch_id == actor.branch_id)) == 0:
            raise PermissionDeniedError(_("This customer is known only at another branch: their details are not "
                                          "shown here. Take them down from the customer as for a first "
                                          "complaint."))
        audit.record(session, actor, audit.AuditAction.VIEW_PERSONAL_DATA, None, {
            "customer_id": str(customer.id), "fields": ["id_number", "phone", "address", "email"],
            "purpose": purpose.strip()})
        return KnownCustomer(customer.id, CustomerDraft(
            name=customer.name, kind=CustomerKind(customer.kind),
            id_type=IdType(customer.id_type) if customer.id_type else None, id_number=customer.id_number,
            phone=customer.phone, phone2=customer.phone2, email=customer.email, address=customer.address,
            language=customer.language, legal_representative=customer.legal_representative,
            contact_person=customer.contact_person))


def intake_options(db: Database, actor: Actor) -> IntakeOptions:
    """The actor's branch as the intake form needs it: regime, group representative cap, D axis or not."""
    with db.unit_of_work() as session:
        branch = session.get_one(Branch, actor.branch_id)
        return IntakeOptions(branch.code, branch.name, InstitutionType(branch.institution_type),
                             Regime(branch.regime), branch.group_rep_cap, branch.timezone)
