"""Reminders for the signed-in user, computed from the cases, the proposals and the timeline.

Kinds and audiences are in ``desk_app.domain.notification_rules`` (the data file says who is told and how
early). A reminder is identified by (rule, case, occasion); the occasion is what makes it news again — the
due date warned of (a new due date after an extension is a new reminder), the proposal, or the timeline
event. Each user is told of each reminder once: the first ``current_notifications`` that finds it stores
``told_at`` (it comes back with ``new`` set, for a pop-up), and it stays in the list until it is read
(``mark_read``) or no longer holds (the case was contacted, answered, closed…).

Supervisors and branch managers see their branch's cases for the rules that name their role; everyone
sees their own (as owner, proposer or approver).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, false, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Complaint, ComplaintEvent, NotificationReceipt, Resolution
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import ApprovalState, Status
from desk_app.domain.notification_rules import Rule, RuleKind, default_rules
from desk_app.domain.permissions import Permission
from desk_app.domain.timeline import EventKind
from desk_app.domain.workflow import FINISHED_STATES, STOPPED_STATES
from desk_app.services.access import require
from desk_app.services.approvals import ApprovalKind, approval_queue

#: At most this many reminders of one rule are listed (the oldest due first).
RULE_LIMIT = 200
_RUNNING = tuple(s.value for s in Status if s not in STOPPED_STATES)
_NOT_FINISHED = tuple(s.value for s in Status if s not in FINISHED_STATES)
_ORDER = {kind: i for i, kind in enumerate((RuleKind.OVERDUE, RuleKind.FIRST_CONTACT_DUE, RuleKind.APPROVAL_WAITING,
                                            RuleKind.DEADLINE_SOON, RuleKind.PROPOSAL_RETURNED, RuleKind.ESCALATED,
                                            RuleKind.ASSIGNED))}


@dataclass(frozen=True)
class NotificationKey:
    rule: RuleKind
    complaint_id: uuid.UUID
    occasion: str


@dataclass(frozen=True)
class Notification:
    rule: RuleKind
    complaint_id: uuid.UUID
    case_number: str
    occasion: str
    due_on: date | None = None
    """The due date warned of (deadline soon, overdue)."""
    due_at: datetime | None = None
    """The first-contact target (first contact due)."""
    happened_at: datetime | None = None
    """When the escalation, assignment, proposal or return happened."""
    detail: str = ""
    new: bool = False
    """True the first time this user is told of it (show a pop-up); False once told."""

    @property
    def key(self) -> NotificationKey:
        return NotificationKey(self.rule, self.complaint_id, self.occasion)

    @property
    def label(self) -> str:
        return self.rule.label


def _audience(rule: Rule, actor: Actor) -> ColumnElement[bool]:
    """The cases of ``actor`` for a case rule: their own (as owner) and, for a role the rule names, their branch's."""
    terms: list[ColumnElement[bool]] = []
    if rule.owner:
        terms.append(Complaint.owner_id == actor.user_id)
    if actor.role in rule.roles:
        terms.append(Complaint.branch_id == actor.branch_id)
    return or_(*terms) if terms else false()


def _case_reminders(session: Session, rules: dict[RuleKind, Rule], actor: Actor, at: datetime,
                    today: date) -> list[Notification]:
    found: list[Notification] = []
    rule = rules.get(RuleKind.FIRST_CONTACT_DUE)
    if rule is not None:
        rows = session.execute(
            select(Complaint.id, Complaint.case_number, Complaint.first_contact_due)
            .where(_audience(rule, actor), Complaint.status.in_(_RUNNING), Complaint.first_contact_at.is_(None),
                   Complaint.first_contact_due <= at + timedelta(hours=rule.lead_hours))
            .order_by(Complaint.first_contact_due).limit(RULE_LIMIT)).all()
        found += [Notification(rule.kind, cid, number, due.isoformat(timespec="minutes"), due_at=due)
                  for cid, number, due in rows]
    for kind in (RuleKind.DEADLINE_SOON, RuleKind.OVERDUE):
        rule = rules.get(kind)
        if rule is None:
            continue
        window = (Complaint.due_on >= today, Complaint.due_on <= today + timedelta(days=rule.lead_days)) \
            if kind is RuleKind.DEADLINE_SOON else (Complaint.due_on < today,)
        dated = session.execute(
            select(Complaint.id, Complaint.case_number, Complaint.due_on)
            .where(_audience(rule, actor), Complaint.status.in_(_RUNNING), *window)
            .order_by(Complaint.due_on).limit(RULE_LIMIT)).all()
        found += [Notification(kind, cid, number, day.isoformat(), due_on=day) for cid, number, day in dated]
    return found


def _event_reminders(session: Session, rules: dict[RuleKind, Rule], actor: Actor,
                     at: datetime) -> list[Notification]:
    found: list[Notification] = []
    rule = rules.get(RuleKind.ESCALATED)
    if rule is not None and actor.role in rule.roles:
        rows = session.execute(
            select(ComplaintEvent.id, ComplaintEvent.complaint_id, Complaint.case_number, ComplaintEvent.occurred_at,
                   ComplaintEvent.payload)
            .join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
            .where(ComplaintEvent.kind == EventKind.ESCALATED.value, Complaint.branch_id == actor.branch_id,
                   Complaint.escalated.is_(True), Complaint.status.in_(_NOT_FINISHED),
                   ComplaintEvent.occurred_at >= at - timedelta(days=rule.within_days),
                   or_(ComplaintEvent.actor_id.is_(None), ComplaintEvent.actor_id != actor.user_id))
            .order_by(ComplaintEvent.occurred_at).limit(RULE_LIMIT)).all()
        found += [Notification(rule.kind, cid, number, f"event:{eid}", happened_at=when,
                               detail=str(payload.get("reason", ""))[:200])
                  for eid, cid, number, when, payload in rows]
    rule = rules.get(RuleKind.ASSIGNED)
    if rule is not None and rule.owner:
        rows = session.execute(
            select(ComplaintEvent.id, ComplaintEvent.complaint_id, Complaint.case_number, ComplaintEvent.occurred_at,
                   ComplaintEvent.actor_id, ComplaintEvent.payload)
            .join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
            .where(ComplaintEvent.kind == EventKind.ASSIGNED.value, Complaint.owner_id == actor.user_id,
                   Complaint.status.in_(_NOT_FINISHED),
                   ComplaintEvent.occurred_at >= at - timedelta(days=rule.within_days))
            .order_by(ComplaintEvent.complaint_id, ComplaintEvent.seq)).all()
        latest = {row.complaint_id: row for row in rows}  # the last assignment of each case decides
        found += [Notification(rule.kind, row.complaint_id, row.case_number, f"event:{row.id}",
                               happened_at=row.occurred_at)
                  for row in latest.values()
                  if row.payload.get("to_owner") == str(actor.user_id) and row.actor_id != actor.user_id]
    rule = rules.get(RuleKind.PROPOSAL_RETURNED)
    if rule is not None and rule.proposer:
        rows = session.execute(
            select(Resolution.id, Resolution.complaint_id, Complaint.case_number, Resolution.approved_at,
                   Resolution.decision_reason)
            .join(Complaint, Complaint.id == Resolution.complaint_id)
            .where(Resolution.proposed_by_id == actor.user_id,
                   Resolution.approval_state == ApprovalState.REJECTED.value,
                   Resolution.approved_at >= at - timedelta(days=rule.within_days),
                   Complaint.status.in_(_NOT_FINISHED))
            .order_by(Resolution.approved_at).limit(RULE_LIMIT)).all()
        found += [Notification(rule.kind, cid, number, f"resolution:{rid}", happened_at=when, detail=reason[:200])
                  for rid, cid, number, when, reason in rows]
    return found


def _approvals(db: Database, rules: dict[RuleKind, Rule], actor: Actor) -> list[Notification]:
    rule = rules.get(RuleKind.APPROVAL_WAITING)
    if rule is None or not rule.approver:
        return []
    found = []
    for item in approval_queue(db, actor):
        occasion = (f"resolution:{item.resolution_id}" if item.kind is ApprovalKind.COMPENSATION
                    else f"extension:{item.requested_at.isoformat(timespec='seconds')}")
        detail = f"{item.amount}" if item.amount is not None else item.detail
        found.append(Notification(rule.kind, item.complaint_id, item.case_number, occasion,
                                  happened_at=item.requested_at, detail=detail))
    return found


def _keys(items: Iterable[Notification | NotificationKey]) -> set[tuple[str, uuid.UUID, str]]:
    return {(str(i.rule), i.complaint_id, i.occasion) for i in items}


def _record_told(session: Session, rows: list[dict[str, object]]) -> None:
    """Insert the receipts, skipping any that another desk of the same user (or the digest) inserted meanwhile."""
    if not rows:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(NotificationReceipt).on_conflict_do_nothing(
        index_elements=["user_id", "rule", "complaint_id", "occasion"]), rows)


def current_notifications(db: Database, actor: Actor, at: datetime | None = None) -> list[Notification]:
    """``actor``'s unread reminders as of ``at`` (now by default), the most pressing first. Those the user is
    told of for the first time come back with ``new`` set and are recorded as told."""
    require(actor, Permission.VIEW_CASE)
    rules = default_rules()
    at = at or utcnow()
    found = _approvals(db, rules, actor)
    with db.unit_of_work() as session:
        tz = session.scalar(select(Branch.timezone).where(Branch.id == actor.branch_id)) or "Asia/Shanghai"
        today = at.astimezone(ZoneInfo(tz)).date()
        found += _case_reminders(session, rules, actor, at, today)
        found += _event_reminders(session, rules, actor, at)
        unique = {(str(n.rule), n.complaint_id, n.occasion): n for n in found}
        receipts = {(r.rule, r.complaint_id, r.occasion): r for r in session.scalars(
            select(NotificationReceipt).where(NotificationReceipt.user_id == actor.user_id,
                                              NotificationReceipt.complaint_id.in_({n.complaint_id for n in found})))}
        listed: list[Notification] = []
        told: list[dict[str, object]] = []
        for key, item in unique.items():
            receipt = receipts.get(key)
            if receipt is None:
                told.append({"id": uuid.uuid4(), "user_id": actor.user_id, "rule": key[0], "complaint_id": key[1],
                             "occasion": key[2], "told_at": at})
                listed.append(replace(item, new=True))
            elif receipt.read_at is None:
                listed.append(item)
        _record_told(session, told)
    far = date.max
    return sorted(listed, key=lambda n: (_ORDER[n.rule], n.due_on or far, n.due_at or datetime.max.replace(
        tzinfo=at.tzinfo), n.case_number))


def mark_read(db: Database, actor: Actor, keys: Sequence[NotificationKey]) -> int:
    """Mark ``actor``'s reminders read (opened or dismissed): they are not listed again. Returns how many
    were unread; keys the user was never told of are ignored."""
    require(actor, Permission.VIEW_CASE)
    wanted = _keys(keys)
    if not wanted:
        return 0
    now = utcnow()
    with db.unit_of_work() as session:
        rows = session.scalars(select(NotificationReceipt).where(
            NotificationReceipt.user_id == actor.user_id, NotificationReceipt.read_at.is_(None),
            tuple_(NotificationReceipt.rule, NotificationReceipt.complaint_id, NotificationReceipt.occasion)
            .in_(list(wanted)))).all()
        for row in rows:
            row.read_at = now
        return len(rows)
