"""Moving a case through its lifecycle and its six handling steps; pause, extension, escalation,
transfer and first contact as events. Each public function is one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Complaint, User
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import ApprovalState, Complexity, Regime, Role, Severity, Stage, Status
from desk_app.domain.events import payloads as ev
from desk_app.domain.handling import missing_for_leaving
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.workflow import (
    FINISHED_STATES,
    STAGE_ORDER,
    Action,
    check_stage_move,
    check_transition,
    deliberation_required,
)
from desk_app.errors import IllegalTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from desk_app.i18n import _
from desk_app.services import extensions
from desk_app.services.access import can_see_branch, require
from desk_app.services.calendar import load_work_calendar
from desk_app.services.checklists import check_gate
from desk_app.services.complaints import complaint_flags, load_for, to_detail
from desk_app.services.deadline_refresh import apply_result, compute_for
from desk_app.services.dto import ComplaintDetail
from desk_app.services.handling import contact_count, current_resolution, has_callback
from desk_app.services.timeline import append_event

#: The permission each lifecycle action needs (withdrawing is recorded by any branch staff).
ACTION_PERMISSIONS: dict[Action, Permission] = {
    **{action: Permission.HANDLE_CASE for action in Action}, Action.ASSIGN: Permission.ASSIGN,
    Action.WITHDRAW: Permission.EDIT_CASE}


def perform(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int, action: Action,
            reason: str = "") -> ComplaintDetail:
    """Apply a lifecycle action (not assign: use ``assign``, which also names the owner)."""
    if action is Action.ASSIGN:
        raise IllegalTransitionError(_("Use 'Assign' with a handler to assign a case."))
    require(actor, ACTION_PERMISSIONS[action])
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        status = Status(complaint.status)
        stage = Stage(complaint.stage) if complaint.stage else None
        target = check_transition(status, action, stage, reason)
        _check_records_for(session, complaint, action)
        check_gate(session, complaint, f"action:{action.value}")
        now = utcnow()
        complaint.status = target.value
        if target is Status.IN_PROGRESS and action is Action.START:
            complaint.stage = Stage.LISTEN.value
        elif target is Status.IN_PROGRESS and action is Action.REOPEN:
            complaint.stage = Stage.LISTEN.value
            complaint.closed_at = None
        if target is Status.RESPONDED:
            complaint.responded_at = now
        if target in (Status.CLOSED, Status.REFUSED, Status.WITHDRAWN):
            complaint.closed_at = now
        session.flush()
        append_event(session, complaint.id, ev.StatusChanged(
            action=action.value, from_=status.value, to=target.value, reason=reason.strip()), actor.user_id)
        return to_detail(session, complaint)


def _check_stage_record(session: Session, complaint: Complaint, leaving: Stage) -> None:
    """Moving on from a step needs that step's record (and at least one contact after 谈 negotiate)."""
    missing = missing_for_leaving(leaving, (complaint.stage_records or {}).get(leaving.value, {}))
    if missing:
        raise IllegalTransitionError(_("Record the step '{stage}' first: {fields}.").format(
            stage=leaving.label, fields=", ".join(missing)))
    if leaving is Stage.NEGOTIATE and contact_count(session, complaint.id) == 0:
        raise IllegalTransitionError(_("Log at least one contact with the customer before acting."))


def _check_records_for(session: Session, complaint: Complaint, action: Action) -> None:
    if action is Action.RESPOND:
        resolution = current_resolution(session, complaint.id)
        if resolution is None or resolution.approval_state != ApprovalState.APPROVED.value:
            raise IllegalTransitionError(_("The response needs an approved resolution."))
    if action is Action.CLOSE and not has_callback(session, complaint.id):
        raise IllegalTransitionError(_("Record the callback before closing the case."))


def assign(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int, owner_id: uuid.UUID,
           note: str = "") -> ComplaintDetail:
    """Name the handler. From 'registered' this is the assign transition; later it is a re-assignment."""
    require(actor, Permission.ASSIGN)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        owner = session.get(User, owner_id)
        if owner is None or not owner.active:
            raise NotFoundError(_("The chosen handler does not exist or is inactive."))
        if owner.branch_id != complaint.branch_id:
            raise ValidationError(_("The handler must belong to the case's branch; transfer the case first."),
                                  "owner")
        if not has_permission(Role(owner.role), Permission.HANDLE_CASE):
            raise ValidationError(_("{name} is not a handler.").format(name=owner.display_name), "owner")
        status = Status(complaint.status)
        if status is Status.REGISTERED:
            complaint.status = check_transition(status, Action.ASSIGN).value
        elif status not in (Status.ASSIGNED, Status.IN_PROGRESS, Status.UNDER_REVIEW):
            raise IllegalTransitionError(
                _("A case that is '{status}' cannot be re-assigned.").format(status=status.label))
        old_owner = complaint.owner_id
        complaint.owner_id = owner.id
        session.flush()
        append_event(session, complaint.id, ev.Assigned(
            from_owner=old_owner, to_owner=owner.id, owner_name=owner.display_name,
            status=complaint.status, note=note.strip()), actor.user_id)
        return to_detail(session, complaint)


#: The states in which a case can get its first (or a new) handler.
ASSIGNABLE = frozenset({Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.UNDER_REVIEW})


def take_refusal(actor: Actor, complaint: Complaint, branch: Branch, owner_name: str | None) -> str | None:
    """Why ``actor`` may not take ``complaint`` themselves (translated), or None when they may. ``owner_name``
    is the current handler's name (None when the case has none)."""
    if not has_permission(actor.role, Permission.HANDLE_CASE):
        return _no_handler(actor)
    if complaint.branch_id != actor.branch_id:
        return _("Case {number} belongs to another branch; only its own handlers may take it.").format(
            number=complaint.case_number)
    if owner_name is not None:
        return _("Case {number} is already assigned to {name}.").format(number=complaint.case_number,
                                                                         name=owner_name)
    status = Status(complaint.status)
    if status not in ASSIGNABLE:
        return _("A case that is '{status}' cannot be taken.").format(status=status.label)
    if not branch.handlers_may_take:
        return _("Branch {code} does not let handlers take cases themselves; ask your supervisor to assign "
                 "it.").format(code=branch.code)
    return None


def _no_handler(actor: Actor) -> str:
    return _("Your role ({role}) does not handle cases, so it cannot take one.").format(role=actor.role.label)


def _owner_name(session: Session, complaint: Complaint) -> str | None:
    if complaint.owner_id is None:
        return None
    owner = session.get(User, complaint.owner_id)
    return owner.display_name if owner is not None else "?"


def take_case(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int | None = None) -> ComplaintDetail:
    """The signed-in handler takes an unassigned case of their own branch, when the branch allows it
    (``Branch.handlers_may_take``). Recorded on the timeline as an assignment to themselves (``taken``).
    Without ``version`` (from a list row) the row is still locked, so of two handlers taking the same case
    at once the second is told who has it."""
    if not has_permission(actor.role, Permission.HANDLE_CASE):
        raise PermissionDeniedError(_no_handler(actor))
    with db.unit_of_work() as session:
        if version is not None:
            complaint = load_for(session, actor, complaint_id, version)  # locked, and refused when stale
        else:
            found = session.get(Complaint, complaint_id, with_for_update=True)
            if found is None:
                raise NotFoundError(_("The case does not exist."))
            complaint = found
        branch = session.get_one(Branch, complaint.branch_id)
        refusal = take_refusal(actor, complaint, branch, _owner_name(session, complaint))
        if refusal is not None:
            if complaint.branch_id != actor.branch_id or not branch.handlers_may_take:
                raise PermissionDeniedError(refusal)
            raise IllegalTransitionError(refusal)
        status = Status(complaint.status)
        if status is Status.REGISTERED:
            complaint.status = check_transition(status, Action.ASSIGN).value
        complaint.owner_id = actor.user_id
        session.flush()
        append_event(session, complaint.id, ev.Assigned(
            from_owner=None, to_owner=actor.user_id, owner_name=actor.display_name,
            status=complaint.status, note="", taken=True), actor.user_id)
        return to_detail(session, complaint)


def may_take(db: Database, actor: Actor, complaint_id: uuid.UUID) -> bool:
    """Whether ``take_case`` would accept this case from ``actor`` now (the case view offers "Take")."""
    if not has_permission(actor.role, Permission.HANDLE_CASE):
        return False
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        branch = session.get_one(Branch, complaint.branch_id)
        return take_refusal(actor, complaint, branch, _owner_name(session, complaint)) is None


def transfer(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int, to_branch_id: uuid.UUID,
             reason: str) -> ComplaintDetail:
    """Hand the case to another branch explicitly (首问负责: the case is never silently passed on)."""
    require(actor, Permission.TRANSFER)
    if not reason.strip():
        raise ValidationError(_("A transfer needs a reason."), "reason")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        target = session.get(Branch, to_branch_id)
        if target is None or not target.active:
            raise NotFoundError(_("The target branch does not exist or is inactive."))
        if target.id == complaint.branch_id:
            raise ValidationError(_("The case already belongs to this branch."), "branch")
        status = Status(complaint.status)
        if status not in (Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS):
            raise IllegalTransitionError(
                _("A case that is '{status}' cannot be transferred.").format(status=status.label))
        old_branch = complaint.branch_id
        complaint.branch_id = target.id
        complaint.owner_id = None
        if status is Status.ASSIGNED:
            complaint.status = Status.REGISTERED.value
        session.flush()
        append_event(session, complaint.id, ev.Transferred(
            from_branch=old_branch, to_branch=target.id, to_branch_code=target.code,
            reason=reason.strip()), actor.user_id)
        return to_detail(session, complaint)


def move_stage(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int,
               target: Stage) -> ComplaintDetail:
    """Go to the next handling step (or back to an earlier one)."""
    require(actor, Permission.HANDLE_CASE)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        if Status(complaint.status) is not Status.IN_PROGRESS:
            raise IllegalTransitionError(_("The handling steps start when the case is in progress."))
        current = Stage(complaint.stage) if complaint.stage else None
        needed = deliberation_required(Severity(complaint.severity), bool(complaint_flags(complaint)),
                                       complaint.claimed_amount)
        check_stage_move(current, target, needed)
        if current is target:
            return to_detail(session, complaint)
        if current is not None and STAGE_ORDER.index(target) > STAGE_ORDER.index(current):
            _check_stage_record(session, complaint, current)
            check_gate(session, complaint, f"leave:{current.value}")
        complaint.stage = target.value
        session.flush()
        append_event(session, complaint.id, ev.StageChanged(from_=current.value if current else None, to=target.value),
                     actor.user_id)
        return to_detail(session, complaint)


def _local_today(session_branch: Branch) -> date:
    return datetime.now(ZoneInfo(session_branch.timezone)).date()


def pause(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int, reason: str,
          start: date | None = None) -> ComplaintDetail:
    """Stop the clock for external appraisal, testing or evaluation (time not counted by the rule)."""
    require(actor, Permission.HANDLE_CASE)
    if not reason.strip():
        raise ValidationError(_("Say why the clock stops (e.g. external appraisal)."), "reason")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        if complaint.paused:
            raise IllegalTransitionError(_("The clock is already paused."))
        if Status(complaint.status) not in (Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS):
            raise IllegalTransitionError(_("Only an open case can be paused."))
        branch = session.get_one(Branch, complaint.branch_id)
        complaint.paused = True
        session.flush()
        append_event(session, complaint.id, ev.Paused(from_=start or _local_today(branch), reason=reason.strip()),
                     actor.user_id)
        old = complaint.due_on
        apply_result(complaint, compute_for(session, complaint, branch, load_work_calendar(session)))
        session.flush()
        if old != complaint.due_on:  # logged, and the new date sealed by its own event
            append_event(session, complaint.id, ev.DeadlineRecomputed(
                old_due_on=old, new_due_on=complaint.due_on, reason=_("Clock paused")), actor.user_id)
        return to_detail(session, complaint)


def resume(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int,
           end: date | None = None) -> ComplaintDetail:
    require(actor, Permission.HANDLE_CASE)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        if not complaint.paused:
            raise IllegalTransitionError(_("The clock is not paused."))
        branch = session.get_one(Branch, complaint.branch_id)
        complaint.paused = False
        append_event(session, complaint.id, ev.Resumed(to=end or _local_today(branch)), actor.user_id)
        old = complaint.due_on
        apply_result(complaint, compute_for(session, complaint, branch, load_work_calendar(session)))
        session.flush()
        if old != complaint.due_on:
            append_event(session, complaint.id, ev.DeadlineRecomputed(
                old_due_on=old, new_due_on=complaint.due_on, reason=_("Clock resumed")), actor.user_id)
        return to_detail(session, complaint)


def extend(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int, complexity: Complexity,
           reason: str) -> ComplaintDetail:
    """Request an extension: complex cases 30 days; especially complex 60, with the branch manager's own
    approval (``extensions.decide_extension``). It counts once the extension notice is issued, and is refused
    once the deadline has passed (desk_app.services.extensions)."""
    return extensions.request_extension(db, actor, complaint_id, version, complexity, reason)


def escalate(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int, reason: str) -> ComplaintDetail:
    require(actor, Permission.ESCALATE)
    if not reason.strip():
        raise ValidationError(_("An escalation needs a reason."), "reason")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        complaint.escalated = True
        session.flush()
        append_event(session, complaint.id, ev.Escalated(reason=reason.strip()), actor.user_id)
        return to_detail(session, complaint)


def record_first_contact(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int,
                         at: datetime | None = None, note: str = "") -> ComplaintDetail:
    require(actor, Permission.EDIT_CASE)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        if complaint.first_contact_at is not None:
            raise IllegalTransitionError(_("The first contact is already recorded."))
        contact_at = at or utcnow()
        if contact_at < complaint.received_at:
            raise ValidationError(_("The first contact cannot be before the complaint was received."), "at")
        complaint.first_contact_at = contact_at
        session.flush()
        append_event(session, complaint.id, ev.FirstContact(
            at=contact_at, on_time=contact_at <= complaint.first_contact_due, note=note.strip()), actor.user_id)
        return to_detail(session, complaint)


def add_note(db: Database, actor: Actor, complaint_id: uuid.UUID, text: str) -> ComplaintDetail:
    """A free note on the timeline; does not change the case, so it needs no version."""
    if not text.strip():
        raise ValidationError(_("The note is empty."), "text")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        append_event(session, complaint.id, ev.Note(text=text.strip()), actor.user_id)
        return to_detail(session, complaint)


# --- what a case view may offer to an actor ---------------------------------------------------------

class Command(StrEnum):
    """Changes to a case that are events with flags, not lifecycle transitions."""

    REASSIGN = "reassign"
    TRANSFER = "transfer"
    ESCALATE = "escalate"
    EXTEND = "extend"
    PAUSE = "pause"
    RESUME = "resume"
    FIRST_CONTACT = "first_contact"
    NOTE = "note"


_OPEN = frozenset({Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS})


def offered_actions(actor: Actor, detail: ComplaintDetail) -> list[Action]:
    """The lifecycle actions the case's state allows and the actor's role may perform."""
    if not can_see_branch(actor, detail.branch_id):
        return []
    return [a for a in detail.allowed_actions if has_permission(actor.role, ACTION_PERMISSIONS[a])]


def offered_commands(actor: Actor, detail: ComplaintDetail) -> list[Command]:
    """The event commands (transfer, extension, pause…) that make sense now for this actor."""
    if not can_see_branch(actor, detail.branch_id):
        return []
    status = detail.status
    is_open, running = status in _OPEN, status not in FINISHED_STATES

    def may(permission: Permission) -> bool:
        return has_permission(actor.role, permission)

    handles = may(Permission.HANDLE_CASE)
    wanted = {
        Command.REASSIGN: may(Permission.ASSIGN) and status in (Status.ASSIGNED, Status.IN_PROGRESS,
                                                                Status.UNDER_REVIEW),
        Command.TRANSFER: may(Permission.TRANSFER) and is_open,
        Command.ESCALATE: may(Permission.ESCALATE) and running,
        Command.EXTEND: handles and is_open and detail.regime is Regime.BANKING_INSURANCE
        and detail.complexity is not Complexity.SPECIAL and not detail.extension_requested,
        Command.PAUSE: handles and is_open and not detail.paused,
        Command.RESUME: handles and detail.paused,
        Command.FIRST_CONTACT: may(Permission.EDIT_CASE) and running and detail.first_contact_at is None,
        Command.NOTE: may(Permission.VIEW_CASE),
    }
    return [command for command, ok in wanted.items() if ok]


@dataclass(frozen=True)
class BranchChoice:
    id: uuid.UUID
    code: str
    name: str


def transfer_targets(db: Database, actor: Actor, complaint_id: uuid.UUID) -> list[BranchChoice]:
    """Active branches other than the case's own, by code (for the transfer picker)."""
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        rows = session.scalars(select(Branch).where(Branch.active.is_(True), Branch.id != complaint.branch_id)
                               .order_by(Branch.code)).all()
        return [BranchChoice(b.id, b.code, b.name) for b in rows]
