"""Extending a case's time limit: a request, the branch manager's own approval for 60 days, and the
extension notice, issued before the extension counts.

A request does not move the due date. A 30-day extension counts when its notice is issued; a 60-day one
first needs the approval of a branch manager of the case's branch (not the requester), who signs in and
approves or returns it. Once the current deadline has passed, no extension is possible: the case stays
overdue. Each step is on the case's timeline and in the audit log.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Complaint, ComplaintEvent, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Complexity, Status
from desk_app.domain.events import payloads as ev
from desk_app.domain.permissions import Permission
from desk_app.domain.timeline import EventKind
from desk_app.errors import IllegalTransitionError, PermissionDeniedError, ValidationError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.services.calendar import load_work_calendar
from desk_app.services.complaints import load_for, to_detail
from desk_app.services.deadline_refresh import apply_result, compute_for
from desk_app.services.dto import ComplaintDetail
from desk_app.services.timeline import append_event

_OPEN = (Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS)


def local_today(branch: Branch) -> date:
    return datetime.now(ZoneInfo(branch.timezone)).date()


def _refuse_if_overdue(complaint: Complaint, branch: Branch, today: date | None = None) -> None:
    if (today or local_today(branch)) > complaint.due_on:
        raise IllegalTransitionError(
            _("The time limit ended on {due}: the case can no longer be extended and stays overdue.").format(
                due=complaint.due_on.isoformat()))


def _projected_due(session: Session, complaint: Complaint, branch: Branch, complexity: Complexity) -> date:
    """The due date the case would have with ``complexity`` (nothing is changed)."""
    saved = complaint.complexity, complaint.special_extension_approved
    with session.no_autoflush:
        try:
            complaint.complexity = complexity.value
            complaint.special_extension_approved = complexity is Complexity.SPECIAL
            return compute_for(session, complaint, branch, load_work_calendar(session)).due_on
        finally:
            complaint.complexity, complaint.special_extension_approved = saved


def _request_event(session: Session, complaint_id: uuid.UUID) -> ComplaintEvent | None:
    return session.scalars(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == complaint_id, ComplaintEvent.kind == EventKind.EXTENSION_REQUESTED.value)
        .order_by(ComplaintEvent.seq.desc()).limit(1)).first()


def request_extension(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int, complexity: Complexity,
                      reason: str, today: date | None = None) -> ComplaintDetail:
    """Ask for 30 days (complex) or 60 days (especially complex: needs the branch manager's approval).
    The due date moves only when the extension notice is issued (``notice_issued``)."""
    require(actor, Permission.HANDLE_CASE)
    if not reason.strip():
        raise ValidationError(_("An extension needs a reason."), "reason")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        if Status(complaint.status) not in _OPEN:
            raise IllegalTransitionError(_("Only an open case can be extended."))
        order = list(Complexity)
        if order.index(complexity) <= order.index(Complexity(complaint.complexity)):
            raise ValidationError(_("An extension must lengthen the time limit."), "complexity")
        if complaint.extension_requested:
            raise IllegalTransitionError(_("An extension request is already waiting for its approval or notice."))
        branch = session.get_one(Branch, complaint.branch_id)
        _refuse_if_overdue(complaint, branch, today)
        new_due = _projected_due(session, complaint, branch, complexity)
        complaint.extension_requested = complexity.value
        complaint.extension_approved_by_id = None
        session.flush()
        needs_approval = complexity is Complexity.SPECIAL
        append_event(session, complaint.id, ev.ExtensionRequested(
            from_=complaint.complexity, to=complexity.value, old_due_on=complaint.due_on,
            new_due_on=new_due, needs_approval=needs_approval, reason=reason.strip()), actor.user_id)
        audit.record(session, actor, audit.AuditAction.EXTENSION_REQUEST, complaint.id,
                     {"to": complexity.value, "new_due_on": new_due, "needs_approval": needs_approval})
        return to_detail(session, complaint)


def decide_extension(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int, *, approve: bool,
                     reason: str = "", today: date | None = None) -> ComplaintDetail:
    """The branch manager's own decision on a request for 60 days: approve it, or return it with a reason."""
    require(actor, Permission.APPROVE_EXTENSION)
    if not approve and not reason.strip():
        raise ValidationError(_("Say why the extension request is returned."), "reason")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        if complaint.extension_requested != Complexity.SPECIAL.value or complaint.extension_approved_by_id:
            raise IllegalTransitionError(_("This case has no extension request waiting for approval."))
        request = _request_event(session, complaint.id)
        if request is not None and request.actor_id == actor.user_id:
            raise PermissionDeniedError(_("Nobody approves their own extension request."))
        branch = session.get_one(Branch, complaint.branch_id)
        if approve:
            _refuse_if_overdue(complaint, branch, today)
            complaint.extension_approved_by_id = actor.user_id
        else:
            complaint.extension_requested = None
        session.flush()
        decision = ev.ExtensionApproved if approve else ev.ExtensionReturned
        append_event(session, complaint.id, decision(approver=actor.display_name, reason=reason.strip()),
                     actor.user_id)
        audit.record(session, actor,
                     audit.AuditAction.EXTENSION_APPROVAL if approve else audit.AuditAction.EXTENSION_RETURN,
                     complaint.id, {"to": Complexity.SPECIAL.value, "reason": reason.strip()})
        return to_detail(session, complaint)


def notice_issued(session: Session, actor: Actor, complaint: Complaint) -> None:
    """Called as the extension notice is issued, in its transaction: the waiting extension counts from now.

    Refused (nothing issued) while a 60-day request waits for the manager, and once the deadline has passed.
    A notice for an extension that already counts (a corrected notice) changes nothing."""
    requested = complaint.extension_requested
    if not requested:
        return
    branch = session.get_one(Branch, complaint.branch_id)
    complexity = Complexity(requested)
    approver = session.get(User, complaint.extension_approved_by_id) if complaint.extension_approved_by_id else None
    if complexity is Complexity.SPECIAL and approver is None:
        raise IllegalTransitionError(_("The extension to 60 days waits for the branch manager's approval; the "
                                       "notice can be issued once it is approved."))
    _refuse_if_overdue(complaint, branch)
    request = _request_event(session, complaint.id)
    old_due, old_complexity = complaint.due_on, complaint.complexity
    complaint.complexity = complexity.value
    complaint.special_extension_approved = complexity is Complexity.SPECIAL
    complaint.extension_requested = None
    apply_result(complaint, compute_for(session, complaint, branch, load_work_calendar(session)))
    session.flush()
    append_event(session, complaint.id, ev.Extended(
        from_=old_complexity, to=complexity.value, old_due_on=old_due, new_due_on=complaint.due_on,
        approver_id=approver.id if approver else None, approver=approver.display_name if approver else "",
        reason=str(request.payload.get("reason", "")) if request else ""), actor.user_id)
