"""The grumble log (抱怨登记): dissatisfaction a clerk settles on the spot, recorded in seconds, with no case
number and no statutory clock. "Turn into a complaint" carries a grumble into the intake form; the case
registered from it is linked back (``link_complaint``), which the prevention funnel counts.

Recording needs ``Permission.REGISTER`` (branch staff) and happens at the actor's own branch; reading needs
``Permission.VIEW_CASE`` and is scoped to the branch like cases (HQ sees every branch). The customer's name
and phone are optional and shown unmasked only to staff of the grumble's branch who may see personal data.
Recording and turning are audited (``AuditAction.GRUMBLE``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Complaint, Grumble, TaxonomyCode, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Channel
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.validation import mask_name, mask_phone, normalise_phone
from desk_app.errors import NotFoundError, ValidationError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require, require_branch, sees_all_branches
from desk_app.services.recorded import newest_recorded
from desk_app.services.reference import label_for, require_code

MAX_TEXT = 2000
MAX_LIST = 500


@dataclass(frozen=True)
class GrumbleDraft:
    """What the clerk types: channel, business (B code), cause (C code), what was done, settled or not; the
    customer and a remark are optional."""

    channel: Channel
    axis_b: str
    axis_c: str
    action_taken: str
    settled: bool
    remark: str = ""
    customer_name: str = ""
    customer_phone: str = ""


@dataclass(frozen=True)
class GrumbleInfo:
    id: uuid.UUID
    branch_code: str
    recorded_at: datetime
    recorded_by: str
    channel: Channel
    axis_b: str
    business_name: str
    axis_c: str
    cause_name: str
    remark: str
    action_taken: str
    settled: bool
    customer_name: str
    customer_phone: str
    masked: bool
    complaint_id: uuid.UUID | None
    case_number: str


def _clean(draft: GrumbleDraft, session: Session) -> dict[str, object]:
    if not isinstance(draft.channel, Channel):
        raise ValidationError(_("Choose the channel the customer used."), "channel")
    require_code(session, "B", draft.axis_b.strip().upper())
    require_code(session, "C", draft.axis_c.strip().upper())
    action = draft.action_taken.strip()
    if not action:
        raise ValidationError(_("Say what was done for the customer on the spot."), "action_taken")
    for name, value in (("action_taken", action), ("remark", draft.remark)):
        if len(value) > MAX_TEXT:
            raise ValidationError(_("The text is too long: at most {n} characters.").format(n=MAX_TEXT), name)
    name = draft.customer_name.strip()
    if len(name) > 100:
        raise ValidationError(_("The customer's name is too long: at most 100 characters."), "customer_name")
    phone = normalise_phone(draft.customer_phone) if draft.customer_phone.strip() else ""
    return {"channel": draft.channel.value, "axis_b": draft.axis_b.strip().upper(),
            "axis_c": draft.axis_c.strip().upper(), "action_taken": action, "remark": draft.remark.strip(),
            "settled": bool(draft.settled), "customer_name": name, "customer_phone": phone}


def record_grumble(db: Database, actor: Actor, draft: GrumbleDraft) -> GrumbleInfo:
    """Record a grumble at the actor's branch (``Permission.REGISTER``); a ValidationError names the field."""
    require(actor, Permission.REGISTER)
    with db.unit_of_work() as session:
        values = _clean(draft, session)
        row = Grumble(branch_id=actor.branch_id, recorded_by_id=actor.user_id, **values)
        session.add(row)
        session.flush()
        audit.record(session, actor, audit.AuditAction.GRUMBLE, detail={
            "grumble": str(row.id), "event": "recorded", "cause": row.axis_c, "business": row.axis_b,
            "channel": row.channel, "settled": row.settled})
        return _info(session, actor, row)


def get_grumble(db: Database, actor: Actor, grumble_id: uuid.UUID) -> GrumbleInfo:
    """One grumble (``Permission.VIEW_CASE``, its branch's staff or HQ), e.g. to turn it into a complaint."""
    require(actor, Permission.VIEW_CASE)
    with db.unit_of_work() as session:
        return _info(session, actor, _get(session, actor, grumble_id))


def list_grumbles(db: Database, actor: Actor, since: datetime | None = None, until: datetime | None = None,
                  settled: bool | None = None, limit: int = 100, *, cause: str = "", turned: bool | None = None,
                  text: str = "") -> list[GrumbleInfo]:
    """Grumbles newest first (``Permission.VIEW_CASE``): the actor's branch, or every branch at HQ; ``since``
    inclusive, ``until`` exclusive; ``cause`` a C code or its prefix; ``turned`` whether it became a
    complaint; ``text`` found in what the customer said or what was done (and in the customer's name and
    phone where the actor sees them unmasked); at most ``MAX_LIST``."""
    require(actor, Permission.VIEW_CASE)
    conditions: list[ColumnElement[bool]] = []
    if settled is not None:
        conditions.append(Grumble.settled.is_(settled))
    if turned is not None:
        conditions.append(Grumble.complaint_id.is_not(None) if turned else Grumble.complaint_id.is_(None))
    if cause.strip():
        conditions.append(Grumble.axis_c.startswith(cause.strip().upper(), autoescape=True))
    if text.strip():
        conditions.append(_text_condition(actor, text.strip()))
    with db.unit_of_work() as session:
        stmt = newest_recorded(Grumble, actor, since, until, conditions, limit, MAX_LIST)
        return [_info(session, actor, row) for row in session.scalars(stmt)]


def _text_condition(actor: Actor, text: str) -> ColumnElement[bool]:
    found = [Grumble.remark.icontains(text, autoescape=True), Grumble.action_taken.icontains(text, autoescape=True)]
    if has_permission(actor.role, Permission.SEE_PERSONAL_DATA):  # only where _info shows them unmasked
        found.append(and_(Grumble.branch_id == actor.branch_id,
                          or_(Grumble.customer_name.icontains(text, autoescape=True),
                              Grumble.customer_phone.contains(text.replace(" ", ""), autoescape=True))))
    return or_(*found)


def link_complaint(db: Database, actor: Actor, grumble_id: uuid.UUID, complaint_id: uuid.UUID) -> GrumbleInfo:
    """Record that the grumble was turned into the complaint (registered from it in the intake form);
    ``Permission.REGISTER``, both of the actor's branch. A grumble becomes one complaint only."""
    require(actor, Permission.REGISTER)
    with db.unit_of_work() as session:
        row = _get(session, actor, grumble_id)
        require_branch(actor, row.branch_id)
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            raise NotFoundError(_("The complaint was not found."))
        require_branch(actor, complaint.branch_id)
        if row.complaint_id == complaint_id:
            return _info(session, actor, row)
        if row.complaint_id is not None:
            number = session.scalar(select(Complaint.case_number).where(Complaint.id == row.complaint_id))
            raise ValidationError(_("This grumble was already turned into complaint {number}.").format(
                number=number or ""), "complaint_id")
        if session.scalar(select(Grumble.id).where(Grumble.complaint_id == complaint_id)) is not None:
            raise ValidationError(_("Complaint {number} was already registered from another grumble.").format(
                number=complaint.case_number), "complaint_id")
        row.complaint_id = complaint_id
        session.flush()
        audit.record(session, actor, audit.AuditAction.GRUMBLE, complaint_id, detail={
            "grumble": str(row.id), "event": "turned_into_complaint", "cause": row.axis_c})
        return _info(session, actor, row)


def forget_grumble_customers(session: Session, cutoff: datetime) -> int:
    """Retention (inside ``retention.anonymise``): blank the customer of grumbles recorded before ``cutoff``;
    returns how many."""
    rows = session.execute(update(Grumble).where(
        Grumble.recorded_at < cutoff, or_(Grumble.customer_name != "", Grumble.customer_phone != ""))
        .values(customer_name="", customer_phone=""))
    return int(rows.rowcount or 0)  # type: ignore[attr-defined]  # an UPDATE's CursorResult


def _get(session: Session, actor: Actor, grumble_id: uuid.UUID) -> Grumble:
    row = session.get(Grumble, grumble_id)
    if row is None:
        raise NotFoundError(_("The grumble was not found."))
    if not sees_all_branches(actor) and row.branch_id != actor.branch_id:
        raise NotFoundError(_("The grumble was not found."))  # another branch's: not even its existence
    return row


def _info(session: Session, actor: Actor, row: Grumble) -> GrumbleInfo:
    names = {c.code: label_for(c) for c in session.scalars(
        select(TaxonomyCode).where(TaxonomyCode.code.in_((row.axis_b, row.axis_c))))}
    branch_code = session.scalar(select(Branch.code).where(Branch.id == row.branch_id)) or ""
    by = session.scalar(select(User.display_name).where(User.id == row.recorded_by_id)) or ""
    number = ""
    if row.complaint_id is not None:
        number = session.scalar(select(Complaint.case_number).where(Complaint.id == row.complaint_id)) or ""
    unmasked = has_permission(actor.role, Permission.SEE_PERSONAL_DATA) and row.branch_id == actor.branch_id
    return GrumbleInfo(
        id=row.id, branch_code=branch_code, recorded_at=row.recorded_at, recorded_by=by,
        channel=Channel(row.channel), axis_b=row.axis_b, business_name=names.get(row.axis_b, ""),
        axis_c=row.axis_c, cause_name=names.get(row.axis_c, ""), remark=row.remark,
        action_taken=row.action_taken, settled=row.settled,
        customer_name=row.customer_name if unmasked else mask_name(row.customer_name),
        customer_phone=row.customer_phone if unmasked else mask_phone(row.customer_phone),
        masked=not unmasked and bool(row.customer_name or row.customer_phone), complaint_id=row.complaint_id,
        case_number=number)
