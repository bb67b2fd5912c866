"""The records of the six handling steps: step notes, the contact log, the resolution and its approval,
the customer's answer, and the callback. Each public function is one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Callback, Complaint, ComplaintEvent, Resolution, User
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.approvals import LEVEL_ORDER, ApprovalLevel, approver_level, covers, required_level
from desk_app.domain.deadlines import DeadlineResult
from desk_app.domain.enums import ApprovalState, Stage, Status
from desk_app.domain.events import payloads as ev
from desk_app.domain.handling import CONTACT_METHODS, STAGE_FIELDS
from desk_app.domain.permissions import Permission
from desk_app.domain.timeline import EventKind
from desk_app.domain.validation import parse_amount
from desk_app.errors import IllegalTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.services.calendar import load_work_calendar
from desk_app.services.complaints import load_for, to_detail
from desk_app.services.deadline_refresh import compute_for
from desk_app.services.dto import ComplaintDetail
from desk_app.services.reference import require_item
from desk_app.services.timeline import append_event


@dataclass(frozen=True)
class ResolutionInfo:
    id: uuid.UUID
    version: int
    resolution_type: str
    amount: Decimal | None
    description: str
    basis: str
    upheld: bool | None
    approval_state: ApprovalState
    proposed_by: str
    approved_by: str
    approved_at: datetime | None
    customer_accepted: bool | None
    carry_out_by: date | None
    proposed_by_id: uuid.UUID | None = None
    approval_level: ApprovalLevel | None = None
    decision_reason: str = ""


@dataclass(frozen=True)
class CallbackInfo:
    called_at: datetime
    called_by: str
    method: str
    reached: bool
    satisfaction: int | None
    note: str


def _open_in_progress(complaint: Complaint) -> None:
    if Status(complaint.status) is not Status.IN_PROGRESS:
        raise IllegalTransitionError(_("This can be recorded only while the case is in progress."))


def record_stage(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int, stage: Stage,
                 values: dict[str, str]) -> ComplaintDetail:
    """Save the record of one handling step (听 listen … 行 act); the timeline keeps every version."""
    require(actor, Permission.HANDLE_CASE)
    allowed = {f.key for f in STAGE_FIELDS[stage]}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields for this step: {fields}").format(fields=", ".join(sorted(unknown))))
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        _open_in_progress(complaint)
        records = dict(complaint.stage_records or {})
        current = dict(records.get(stage.value, {}))
        changed = {k: v.strip() for k, v in values.items() if v.strip() != current.get(k, "")}
        if not changed:
            return to_detail(session, complaint)
        current.update(changed)
        records[stage.value] = current
        complaint.stage_records = records
        session.flush()
        append_event(session, complaint.id, ev.StageRecord(stage=stage.value, fields=changed), actor.user_id)
        return to_detail(session, complaint)


def add_contact(db: Database, actor: Actor, complaint_id: uuid.UUID, *, method: str, summary: str,
                reaction: str = "", at: datetime | None = None) -> ComplaintDetail:
    """A line of the negotiation contact log: when, how, what was said, the customer's reaction."""
    require(actor, Permission.HANDLE_CASE)
    if method not in CONTACT_METHODS:
        raise ValidationError(_("Unknown contact method."), "method")
    if not summary.strip():
        raise ValidationError(_("Say what was discussed."), "summary")
    when = at or utcnow()
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        if when < complaint.received_at or when > utcnow():
            raise ValidationError(_("The contact time must be between receipt and now."), "at")
        if complaint.first_contact_at is None:
            complaint.first_contact_at = when
            session.flush()
            append_event(session, complaint.id, ev.FirstContact(at=when, on_time=when <= complaint.first_contact_due),
                         actor.user_id)
        append_event(session, complaint.id, ev.Contact(
            at=when, method=method, summary=summary.strip(), reaction=reaction.strip()), actor.user_id)
        return to_detail(session, complaint)


def contact_count(session: Session, complaint_id: uuid.UUID) -> int:
    return int(session.scalar(select(func.count()).select_from(ComplaintEvent).where(
        ComplaintEvent.complaint_id == complaint_id, ComplaintEvent.kind == EventKind.CONTACT.value)) or 0)


def propose_resolution(db: Database, actor: Actor, complaint_id: uuid.UUID, *, resolution_type: str,
                       amount: str | None, description: str, basis: str, upheld: bool | None,
                       carry_out_by: date | None = None) -> ResolutionInfo:
    """The proposed remedy (or reasoned refusal). Without money it stands at once; money needs approval."""
    require(actor, Permission.HANDLE_CASE)
    value = parse_amount(amount, "amount")
    if not description.strip():
        raise ValidationError(_("Describe the resolution."), "description")
    if not basis.strip():
        raise ValidationError(_("Give the basis of the decision (law, contract clause or rule)."), "basis")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        _open_in_progress(complaint)
        require_item(session, "resolution_type", resolution_type)
        if value is None and resolution_type in ("refund", "compensation", "partial_compensation"):
            raise ValidationError(_("A refund or compensation needs an amount."), "amount")
        for old in session.scalars(select(Resolution).where(Resolution.complaint_id == complaint.id,
                                                            Resolution.approval_state == ApprovalState.PROPOSED)):
            old.approval_state = ApprovalState.REJECTED.value  # superseded by the new proposal
        needs_approval = value is not None and value > 0
        level = required_level(value) if needs_approval else None
        resolution = Resolution(
            complaint_id=complaint.id, resolution_type=resolution_type, amount=value,
            description=description.strip(), basis=basis.strip(), upheld=upheld,
            approval_state=(ApprovalState.PROPOSED if needs_approval else ApprovalState.APPROVED).value,
            proposed_by_id=actor.user_id, carry_out_by=carry_out_by, approval_level=level.value if level else None)
        session.add(resolution)
        session.flush()
        append_event(session, complaint.id, ev.ResolutionProposed(
            type_=resolution_type, amount=value, needs_approval=needs_approval,
            level=level.value if level else None), actor.user_id)
        return _info(session, resolution)


def decide_resolution(db: Database, actor: Actor, resolution_id: uuid.UUID, version: int, *, approve: bool,
                      reason: str = "") -> ResolutionInfo:
    """The approver's own decision on a proposal in their queue: approve it, or return it with a reason.

    Refused: the proposer (nobody approves their own proposal), and anyone whose approval level does not
    cover the proposal's (desk_app.domain.approvals). Head office decides proposals of every branch.
    """
    require(actor, Permission.APPROVE_COMPENSATION)
    if not approve and not reason.strip():
        raise ValidationError(_("Say why the proposal is returned."), "reason")
    with db.unit_of_work() as session:
        resolution = session.get(Resolution, resolution_id)
        if resolution is None:
            raise NotFoundError(_("The resolution does not exist."))
        by_amount = required_level(resolution.amount)  # the amount decides, whatever the stored level says
        stored = ApprovalLevel(resolution.approval_level) if resolution.approval_level else by_amount
        required = max(stored, by_amount, key=LEVEL_ORDER.index)
        own = approver_level(actor.role, actor.is_hq)
        complaint = session.get_one(Complaint, resolution.complaint_id)
        if own is not ApprovalLevel.HEAD_OFFICE or required is not ApprovalLevel.HEAD_OFFICE:
            load_for(session, actor, complaint.id)  # branch scope; head office decides its queue everywhere
        if resolution.version != version:
            raise ValidationError(_("The resolution was changed since you opened it. Reload and try again."))
        if resolution.approval_state != ApprovalState.PROPOSED.value:
            raise IllegalTransitionError(_("This resolution is already decided."))
        if resolution.proposed_by_id == actor.user_id:
            raise PermissionDeniedError(_("Nobody approves their own proposal."))
        if not covers(own, required):
            raise PermissionDeniedError(
                _("{amount} needs the approval of: {level}. It waits in that queue; your role may not decide it.")
                .format(amount=f"{resolution.amount or 0:,.2f}", level=required.label))
        resolution.approval_state = (ApprovalState.APPROVED if approve else ApprovalState.REJECTED).value
        resolution.approved_by_id = actor.user_id
        resolution.approved_at = utcnow()
        resolution.decision_reason = "" if approve else reason.strip()
        session.flush()
        append_event(session, resolution.complaint_id, ev.ResolutionDecided(
            approved=approve, amount=resolution.amount, level=required.value,
            reason=resolution.decision_reason), actor.user_id)
        audit.record(session, actor, audit.AuditAction.APPROVAL if approve else audit.AuditAction.APPROVAL_RETURN,
                     complaint.id, {"resolution_id": resolution.id, "amount": resolution.amount,
                                    "level": required.value, "reason": resolution.decision_reason})
        return _info(session, resolution)


def record_customer_decision(db: Database, actor: Actor, resolution_id: uuid.UUID, accepted: bool,
                             note: str = "") -> ResolutionInfo:
    require(actor, Permission.HANDLE_CASE)
    with db.unit_of_work() as session:
        resolution = session.get(Resolution, resolution_id)
        if resolution is None:
            raise NotFoundError(_("The resolution does not exist."))
        load_for(session, actor, resolution.complaint_id)
        if resolution.approval_state != ApprovalState.APPROVED.value:
            raise IllegalTransitionError(_("Only an approved resolution can be put to the customer."))
        resolution.customer_accepted = accepted
        session.flush()
        append_event(session, resolution.complaint_id, ev.CustomerDecision(accepted=accepted, note=note.strip()),
                     actor.user_id)
        return _info(session, resolution)


def current_resolution(session: Session, complaint_id: uuid.UUID) -> Resolution | None:
    return session.scalars(select(Resolution).where(
        Resolution.complaint_id == complaint_id, Resolution.approval_state != ApprovalState.REJECTED.value
    ).order_by(Resolution.created_at.desc()).limit(1)).first()


def resolutions(db: Database, actor: Actor, complaint_id: uuid.UUID) -> list[ResolutionInfo]:
    with db.unit_of_work() as session:
        load_for(session, actor, complaint_id)
        rows = session.scalars(select(Resolution).where(Resolution.complaint_id == complaint_id)
                               .order_by(Resolution.created_at)).all()
        return [_info(session, r) for r in rows]


def record_callback(db: Database, actor: Actor, complaint_id: uuid.UUID, *, method: str, reached: bool,
                    satisfaction: int | None, note: str = "", at: datetime | None = None) -> CallbackInfo:
    """The callback (回访) after the response, with the customer's satisfaction 1–5."""
    require(actor, Permission.EDIT_CASE)
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ValidationError(_("Satisfaction is a score from 1 to 5."), "satisfaction")
    if reached and satisfaction is None:
        raise ValidationError(_("Ask the customer for a satisfaction score."), "satisfaction")
    if method not in CONTACT_METHODS:
        raise ValidationError(_("Unknown contact method."), "method")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        if Status(complaint.status) is not Status.AWAITING_CALLBACK:
            raise IllegalTransitionError(_("A callback is recorded when the case is awaiting callback."))
        callback = Callback(complaint_id=complaint.id, called_at=at or utcnow(), called_by_id=actor.user_id,
                            method=method, reached=reached, satisfaction=satisfaction if reached else None,
                            note=note.strip())
        session.add(callback)
        session.flush()
        append_event(session, complaint.id, ev.CallbackMade(
            reached=reached, satisfaction=callback.satisfaction, note=note.strip()), actor.user_id)
        return CallbackInfo(callback.called_at, actor.display_name, method, reached, callback.satisfaction,
                            callback.note)


def callbacks(db: Database, actor: Actor, complaint_id: uuid.UUID) -> list[CallbackInfo]:
    with db.unit_of_work() as session:
        load_for(session, actor, complaint_id)
        rows = session.execute(select(Callback, User.display_name).join(User, User.id == Callback.called_by_id)
                               .where(Callback.complaint_id == complaint_id).order_by(Callback.called_at)).all()
        return [CallbackInfo(c.called_at, name, c.method, c.reached, c.satisfaction, c.note) for c, name in rows]


def has_callback(session: Session, complaint_id: uuid.UUID) -> bool:
    count = session.scalar(select(func.count()).select_from(Callback).where(Callback.complaint_id == complaint_id))
    return bool(count)


def _info(session: Session, r: Resolution) -> ResolutionInfo:
    proposer = session.get(User, r.proposed_by_id)
    approver = session.get(User, r.approved_by_id) if r.approved_by_id else None
    return ResolutionInfo(r.id, r.version, r.resolution_type, r.amount, r.description, r.basis, r.upheld,
                          ApprovalState(r.approval_state), proposer.display_name if proposer else "",
                          approver.display_name if approver else "", r.approved_at, r.customer_accepted,
                          r.carry_out_by, r.proposed_by_id,
                          ApprovalLevel(r.approval_level) if r.approval_level else None, r.decision_reason or "")


# --- the whole case file, for the case view -----------------------------------------------------------

@dataclass(frozen=True)
class ContactInfo:
    """One line of the contact log (a CONTACT event on the timeline)."""

    at: datetime
    by: str
    method: str
    summary: str
    reaction: str


@dataclass(frozen=True)
class CaseFile:
    """Everything the case view shows, read in one transaction so the parts agree with each other."""

    detail: ComplaintDetail
    stage_records: dict[Stage, dict[str, str]]
    contacts: tuple[ContactInfo, ...]
    resolutions: tuple[ResolutionInfo, ...]
    callbacks: tuple[CallbackInfo, ...]
    limit_days: int
    limit_unit: str  # "calendar" or "working" (desk_app.domain.deadlines.UNIT_*)
    paused_days: int
    deadline_warnings: tuple[str, ...]


def case_file(db: Database, actor: Actor, complaint_id: uuid.UUID) -> CaseFile:
    """The case with its step records, contact log, resolutions, callbacks and fresh deadline warnings."""
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        result: DeadlineResult | None = None
        warnings: list[str] = []
        try:
            result = compute_for(session, complaint, session.get_one(Branch, complaint.branch_id),
                                 load_work_calendar(session))
            warnings.extend(result.warnings)
        except ValidationError as exc:  # stored data that breaks a deadline rule: show it, do not fail
            warnings.append(str(exc))
        detail = to_detail(session, complaint, tuple(warnings))
        records = {Stage(k): {f: str(v) for f, v in (fields or {}).items()}
                   for k, fields in (complaint.stage_records or {}).items() if k in Stage._value2member_map_}
        contacts = tuple(
            ContactInfo(datetime.fromisoformat(e.payload["at"]) if e.payload.get("at") else e.occurred_at,
                        e.actor_name, str(e.payload.get("method", "")), str(e.payload.get("summary", "")),
                        str(e.payload.get("reaction", "")))
            for e in detail.events if e.kind == EventKind.CONTACT.value)
        rows = session.scalars(select(Resolution).where(Resolution.complaint_id == complaint_id)
                               .order_by(Resolution.created_at)).all()
        calls = session.execute(select(Callback, User.display_name).join(User, User.id == Callback.called_by_id)
                                .where(Callback.complaint_id == complaint_id).order_by(Callback.called_at)).all()
        return CaseFile(
            detail=detail, stage_records=records, contacts=contacts,
            resolutions=tuple(_info(session, r) for r in rows),
            callbacks=tuple(CallbackInfo(c.called_at, name, c.method, c.reached, c.satisfaction, c.note)
                            for c, name in calls),
            limit_days=result.limit if result else 0, limit_unit=result.unit if result else "",
            paused_days=result.paused_days if result else 0, deadline_warnings=tuple(warnings))
