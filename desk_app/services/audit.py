"""The access audit: views of unmasked personal data, exports, sign-ins and administration.

One hash chain over the whole log (the case timelines have their own chains), so a row edited or
deleted behind the app's back is found by ``desk-cli check``. Personal-data values never appear in it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from desk_app.db.models import AuditEntry, Complaint, User
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission
from desk_app.domain.timeline import GENESIS_HASH, event_hash, json_safe
from desk_app.services.access import require, sees_all_branches

#: The complaint id that stands in the hash for entries that concern no case.
NO_CASE = uuid.UUID(int=0)
#: Advisory-lock key that serialises appends to the audit chain on PostgreSQL.
AUDIT_CHAIN_LOCK = 7_160_406


class AuditAction:
    VIEW_PERSONAL_DATA = "view_personal_data"
    EXPORT = "export"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    ADMINISTRATION = "administration"
    ANONYMISE = "anonymise"
    ATTACHMENT_READ = "attachment_read"


@dataclass(frozen=True)
class AuditInfo:
    seq: int
    occurred_at: datetime
    user_name: str
    action: str
    case_number: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class AuditBreak:
    seq: int
    reason: str


def record(session: Session, actor: Actor | None, action: str, complaint_id: uuid.UUID | None = None,
           detail: dict[str, Any] | None = None) -> None:
    """Append to the audit log inside the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders of the single chain. An advisory lock, not SELECT … FOR UPDATE: the
        # server's runtime role has no UPDATE right on the audit log (desk_app.db.privileges).
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    at = utcnow()
    payload = json_safe(detail or {})
    user_id = actor.user_id if actor else None
    session.add(AuditEntry(seq=seq, occurred_at=at, user_id=user_id, action=action, complaint_id=complaint_id,
                           detail=payload, prev_hash=prev,
                           hash=event_hash(prev, complaint_id or NO_CASE, seq, action, user_id, at, payload)))
    session.flush()


def verify(session: Session) -> AuditBreak | None:
    """The first entry that breaks the chain, or None. The streamed result is closed on an early return (a
    PostgreSQL server-side cursor must not be left open)."""
    prev = GENESIS_HASH
    expected = 1
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000))
    try:
        for entry in entries:
            if entry.seq != expected:
                return AuditBreak(entry.seq, f"sequence gap: expected {expected}")
            if entry.prev_hash != prev:
                return AuditBreak(entry.seq, "previous-hash mismatch")
            digest = event_hash(entry.prev_hash, entry.complaint_id or NO_CASE, entry.seq, entry.action,
                                entry.user_id, entry.occurred_at, dict(entry.detail))
            if digest != entry.hash:
                return AuditBreak(entry.seq, "content does not match its hash")
            prev, expected = entry.hash, expected + 1
    finally:
        entries.close()
    return None


MAX_PAGE = 1000


def list_entries(db: Database, actor: Actor, *, user_id: uuid.UUID | None = None, complaint_id: uuid.UUID | None = None,
                 since: datetime | None = None, until: datetime | None = None, case_number: str = "",
                 action: str = "", limit: int = MAX_PAGE, offset: int = 0) -> list[AuditInfo]:
    """The audit viewer's query, newest first: filter by user, case (id or part of its number), action and
    time (``since`` inclusive, ``until`` exclusive); page with ``limit`` (at most MAX_PAGE) and ``offset``.

    Needs ``Permission.VIEW_AUDIT_LOG`` (administrators and HQ analysts). Whoever does not see every branch
    (``access.sees_all_branches``: an administrator of a branch) gets only the entries made by their branch's
    staff or concerning their branch's cases.
    """
    require(actor, Permission.VIEW_AUDIT_LOG)
    with db.unit_of_work() as session:
        stmt = (select(AuditEntry, User.display_name, Complaint.case_number)
                .outerjoin(User, User.id == AuditEntry.user_id)
                .outerjoin(Complaint, Complaint.id == AuditEntry.complaint_id))
        if not sees_all_branches(actor):
            stmt = stmt.where(or_(User.branch_id == actor.branch_id, Complaint.branch_id == actor.branch_id))
        if user_id:
            stmt = stmt.where(AuditEntry.user_id == user_id)
        if complaint_id:
            stmt = stmt.where(AuditEntry.complaint_id == complaint_id)
        if case_number.strip():
            stmt = stmt.where(func.upper(Complaint.case_number).contains(case_number.strip().upper(),
                                                                         autoescape=True))
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        if since:
            stmt = stmt.where(AuditEntry.occurred_at >= since)
        if until:
            stmt = stmt.where(AuditEntry.occurred_at < until)
        stmt = stmt.order_by(AuditEntry.seq.desc()).offset(max(offset, 0)).limit(max(1, min(limit, MAX_PAGE)))
        rows = session.execute(stmt).all()
        return [AuditInfo(e.seq, e.occurred_at, name or "", e.action, number or "", dict(e.detail))
                for e, name, number in rows]


def verify_log(db: Database, actor: Actor) -> AuditBreak | None:
    """Check the whole chain for the audit viewer (``Permission.VIEW_AUDIT_LOG``): None when intact, else the
    first broken entry."""
    require(actor, Permission.VIEW_AUDIT_LOG)
    with db.unit_of_work() as session:
        return verify(session)
