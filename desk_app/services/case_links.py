"""Linked and merged cases: the same customer's complaint by several channels, a regulator-transferred
duplicate of a counter case, the members of one group complaint — and a duplicate merged into its main case.

Rules:

- Linking and unlinking need ``Permission.EDIT_CASE``; merging needs ``Permission.ASSIGN`` (the supervisor
  who routes the branch's cases). Both cases must belong to the same branch: a case of another branch is
  first transferred (``case_workflow.transfer``), the explicit hand-over every cross-branch step takes.
- A merge keeps both cases, their numbers and their timelines (an event on each). The duplicate's status
  becomes ``merged`` (finished and stopped: out of the queues, the overdue lists and the open counts) with
  ``merged_into_id`` naming the main case; the main case keeps one deadline, the earlier of the two
  (``deadline_refresh.compute_for`` counts every merged duplicate's receipt, so later recomputations keep
  it). The statistics, the dashboard and the overview count a merged duplicate nowhere, so the complaint is
  counted once, as its main case.
- A merge is final: undoing it could not restore the main case's deadline history exactly, so there is no
  unmerge. Merging refuses a case into itself, an already merged case, a case already answered or finished,
  a finished main case, and a case that other cases were merged into.
- Every link, unlink and merge is audited (``AuditAction.CASE_LINK``, ``CASE_UNLINK``, ``CASE_MERGE``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, CaseLink, Complaint, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import LinkKind, Status
from desk_app.domain.events import payloads as ev
from desk_app.domain.permissions import Permission
from desk_app.domain.workflow import FINISHED_STATES, OPEN_BEFORE_RESPONSE
from desk_app.errors import NotFoundError, ValidationError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require, require_branch
from desk_app.services.calendar import load_work_calendar
from desk_app.services.complaints import load_for
from desk_app.services.deadline_refresh import apply_result, compute_for
from desk_app.services.timeline import append_event

MAX_NOTE = 300


class Relation(StrEnum):
    """How another case stands to this one in the "Linked cases" list."""

    LINKED = "linked"
    MERGED_INTO = "merged_into"
    """This case was merged into the other one (its main case)."""
    MERGED_FROM = "merged_from"
    """The other case (a duplicate) was merged into this one."""


class MergeDirection(StrEnum):
    INTO_THIS = "into_this"
    """The other case is the duplicate: merge it into this case."""
    THIS_INTO_OTHER = "this_into_other"
    """This case is the duplicate: merge it into the other case."""


@dataclass(frozen=True)
class LinkedCase:
    other_id: uuid.UUID
    other_number: str
    other_status: Status
    relation: Relation
    kind: LinkKind | None
    """The link's kind; None for a merge."""
    link_id: uuid.UUID | None
    """The link row (to unlink it); None for a merge."""
    note: str
    created_at: datetime | None
    created_by: str


def list_links(db: Database, actor: Actor, complaint_id: uuid.UUID) -> list[LinkedCase]:
    """The cases linked to or merged with a case (``Permission.VIEW_CASE``, the case's branch or HQ)."""
    require(actor, Permission.VIEW_CASE)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        return _links_of(session, complaint)


def link_cases(db: Database, actor: Actor, complaint_id: uuid.UUID, other_number: str, kind: LinkKind,
               note: str = "") -> list[LinkedCase]:
    """Link a case with the case numbered ``other_number``; an event on both timelines, audited."""
    require(actor, Permission.EDIT_CASE)
    if not isinstance(kind, LinkKind):
        raise ValidationError(_("Choose how the cases are related."), "kind")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationError(_("The note is too long: at most {n} characters.").format(n=MAX_NOTE), "note")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        other = _other_case(session, actor, complaint, other_number)
        if other.id == complaint.id:
            raise ValidationError(_("A case cannot be linked with itself."), "other")
        for case in (complaint, other):
            if case.merged_into_id is not None:
                raise ValidationError(_("Case {number} was merged into case {main}: link the main case instead.")
                                      .format(number=case.case_number, main=_number(session, case.merged_into_id)),
                                      "other")
        a, b = sorted((complaint.id, other.id))
        if session.scalar(select(CaseLink.id).where(CaseLink.case_a_id == a, CaseLink.case_b_id == b)):
            raise ValidationError(_("Cases {a} and {b} are already linked.").format(
                a=complaint.case_number, b=other.case_number), "other")
        link = CaseLink(case_a_id=a, case_b_id=b, kind=kind.value, note=note, created_by_id=actor.user_id)
        session.add(link)
        session.flush()
        for this, that in ((complaint, other), (other, complaint)):
            append_event(session, this.id, ev.CaseLinked(other_id=that.id, other_number=that.case_number,
                                                         link_kind=kind.value, note=note), actor.user_id)
        audit.record(session, actor, audit.AuditAction.CASE_LINK, complaint.id, detail={
            "link": str(link.id), "kind": kind.value, "case": complaint.case_number, "other": other.case_number})
        return _links_of(session, complaint)


def unlink_cases(db: Database, actor: Actor, complaint_id: uuid.UUID, link_id: uuid.UUID,
                 reason: str = "") -> list[LinkedCase]:
    """Remove a link of a case (the events on both timelines stay, and say it was removed); audited."""
    require(actor, Permission.EDIT_CASE)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        link = session.get(CaseLink, link_id)
        if link is None or complaint.id not in (link.case_a_id, link.case_b_id):
            raise NotFoundError(_("The link was not found; it may have been removed already."))
        other = session.get_one(Complaint, link.case_b_id if link.case_a_id == complaint.id else link.case_a_id)
        require_branch(actor, other.branch_id)
        kind = link.kind
        session.delete(link)
        session.flush()
        for this, that in ((complaint, other), (other, complaint)):
            append_event(session, this.id, ev.CaseUnlinked(other_id=that.id, other_number=that.case_number,
                                                           link_kind=kind, reason=reason.strip()), actor.user_id)
        audit.record(session, actor, audit.AuditAction.CASE_UNLINK, complaint.id, detail={
            "link": str(link_id), "kind": kind, "case": complaint.case_number, "other": other.case_number})
        return _links_of(session, complaint)


def merge_cases(db: Database, actor: Actor, complaint_id: uuid.UUID, version: int, other_number: str,
                direction: MergeDirection, reason: str) -> list[LinkedCase]:
    """Merge a duplicate into its main case (one of them is the open case, at ``version``; the other is
    named by its number). Returns the open case's links afterwards. Nothing is written on a refusal."""
    require(actor, Permission.ASSIGN)
    if not isinstance(direction, MergeDirection):
        raise ValidationError(_("Choose which case is merged into which."), "direction")
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the two cases are one complaint."), "reason")
    if len(reason) > MAX_NOTE:
        raise ValidationError(_("The reason is too long: at most {n} characters.").format(n=MAX_NOTE), "reason")
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id, version)
        other = _other_case(session, actor, complaint, other_number, lock=True)
        if other.id == complaint.id:
            raise ValidationError(_("A case cannot be merged into itself."), "other")
        main, duplicate = (complaint, other) if direction is MergeDirection.INTO_THIS else (other, complaint)
        _check_merge(session, main, duplicate)
        old_status = duplicate.status
        duplicate.status = Status.MERGED.value
        duplicate.merged_into_id = main.id
        session.flush()
        append_event(session, duplicate.id, ev.MergedInto(main_id=main.id, main_number=main.case_number,
                                                          from_=old_status, reason=reason), actor.user_id)
        old_due = main.due_on
        apply_result(main, compute_for(session, main, session.get_one(Branch, main.branch_id),
                                       load_work_calendar(session)))
        session.flush()
        append_event(session, main.id, ev.CaseMerged(
            duplicate_id=duplicate.id, duplicate_number=duplicate.case_number, old_due_on=old_due,
            new_due_on=main.due_on, reason=reason), actor.user_id)
        audit.record(session, actor, audit.AuditAction.CASE_MERGE, main.id, detail={
            "main": main.case_number, "duplicate": duplicate.case_number, "duplicate_status": old_status,
            "old_due_on": old_due, "new_due_on": main.due_on})
        return _links_of(session, complaint)


def _check_merge(session: Session, main: Complaint, duplicate: Complaint) -> None:
    """Refuse (ValidationError) a merge that could not be carried out cleanly."""
    for case in (main, duplicate):
        if case.merged_into_id is not None:
            raise ValidationError(_("Case {number} has already been merged into case {main}.").format(
                number=case.case_number, main=_number(session, case.merged_into_id)), "other")
    status = Status(duplicate.status)
    if status not in OPEN_BEFORE_RESPONSE:
        raise ValidationError(_("Case {number} is '{status}': only a case not yet answered can be merged into "
                                "another.").format(number=duplicate.case_number, status=status.label), "other")
    main_status = Status(main.status)
    if main_status in FINISHED_STATES:
        raise ValidationError(_("Case {number} is '{status}': a case can be merged only into a case still being "
                                "handled.").format(number=main.case_number, status=main_status.label), "other")
    if session.scalar(select(Complaint.id).where(Complaint.merged_into_id == duplicate.id).limit(1)):
        raise ValidationError(_("Other cases were merged into case {number}: it stays a main case.").format(
            number=duplicate.case_number), "other")


def _other_case(session: Session, actor: Actor, complaint: Complaint, number: str, lock: bool = False) -> Complaint:
    """The case numbered ``number``, of the same branch as ``complaint`` (a case of another branch is
    transferred first)."""
    number = number.strip()
    if not number:
        raise ValidationError(_("Type the other case's number."), "other")
    stmt = select(Complaint).where(Complaint.case_number == number)
    other = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if other is None:
        raise NotFoundError(_("No case with number {number}.").format(number=number))
    if other.branch_id != complaint.branch_id:
        raise ValidationError(_("Case {number} belongs to another branch. Cases of different branches are not "
                                "linked or merged: transfer the case to this branch first.").format(number=number),
                              "other")
    require_branch(actor, other.branch_id)
    return other


def _number(session: Session, complaint_id: uuid.UUID) -> str:
    return session.scalar(select(Complaint.case_number).where(Complaint.id == complaint_id)) or ""


def _links_of(session: Session, complaint: Complaint) -> list[LinkedCase]:
    """Links first (oldest first), then the main case this one was merged into, then its merged duplicates."""
    out: list[LinkedCase] = []
    links = session.execute(
        select(CaseLink, User.display_name).outerjoin(User, User.id == CaseLink.created_by_id)
        .where(or_(CaseLink.case_a_id == complaint.id, CaseLink.case_b_id == complaint.id))
        .order_by(CaseLink.created_at, CaseLink.id)).all()
    others = {link.case_b_id if link.case_a_id == complaint.id else link.case_a_id for link, _n in links}
    merged = list(session.scalars(select(Complaint).where(Complaint.merged_into_id == complaint.id)
                                  .order_by(Complaint.received_at, Complaint.case_number)))
    main = session.get(Complaint, complaint.merged_into_id) if complaint.merged_into_id else None
    cases = {c.id: c for c in session.scalars(select(Complaint).where(Complaint.id.in_(others)))} if others else {}
    for link, name in links:
        other = cases[link.case_b_id if link.case_a_id == complaint.id else link.case_a_id]
        out.append(LinkedCase(other.id, other.case_number, Status(other.status), Relation.LINKED,
                              LinkKind(link.kind), link.id, link.note, link.created_at, name or ""))
    if main is not None:
        out.append(LinkedCase(main.id, main.case_number, Status(main.status), Relation.MERGED_INTO, None, None,
                              "", None, ""))
    out += [LinkedCase(c.id, c.case_number, Status(c.status), Relation.MERGED_FROM, None, None, "", None, "")
            for c in merged]
    return out
