"""The audit log: sign-ins, exports and reports, imports, administration, approvals, extensions, letters,
views of unmasked personal data.

``AUDITED`` is the one table of audited actions, each with what it records; a test performs each
action and finds its row. One keyed chain (HMAC with the chain key, ``desk_app.security``) runs over the
whole log (the case timelines have their own chains), so a row edited or deleted behind the app's back,
or a chain re-hashed without the key, is found by ``desk-cli check``. Personal-data values never appear
in it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from desk_app.db.models import AuditEntry, Complaint, User
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission
from desk_app.domain.timeline import GENESIS_HASH, event_hash, json_safe
from desk_app.i18n import N_, _
from desk_app.services.access import require, sees_all_branches

#: The complaint id that stands in the hash for entries that concern no case.
NO_CASE = uuid.UUID(int=0)
#: Advisory-lock key that serialises appends to the audit chain on PostgreSQL.
AUDIT_CHAIN_LOCK = 7_160_406


class AuditAction:
    """The audited actions (stable codes stored in the log); ``AUDITED`` describes each."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    LOCKED_OUT = "locked_out"
    SIGN_OUT = "sign_out"
    EXPORT = "export"
    REPORT = "report"
    IMPORT = "import"
    CONSOLIDATION = "consolidation"
    ANONYMISE = "anonymise"
    USER_CREATED = "user_created"
    USER_CHANGED = "user_changed"
    ROLE_CHANGED = "role_changed"
    PASSWORD_RESET = "password_reset"
    USER_UNLOCKED = "user_unlocked"
    BRANCH_CHANGED = "branch_changed"
    SETTINGS_CHANGED = "settings_changed"
    APPROVAL = "approval"
    APPROVAL_RETURN = "approval_return"
    EXTENSION_REQUEST = "extension_request"
    EXTENSION_APPROVAL = "extension_approval"
    EXTENSION_RETURN = "extension_return"
    LETTER_ISSUE = "letter_issue"
    LETTER_REPRINT = "letter_reprint"
    VIEW_PERSONAL_DATA = "view_personal_data"
    CHAINS_REKEYED = "chains_rekeyed"
    ATTACHMENT_READ = "attachment_read"
    GRUMBLE = "grumble"
    OPPORTUNITY = "opportunity"
    CASE_LINK = "case_link"
    CASE_UNLINK = "case_unlink"
    CASE_MERGE = "case_merge"
    CASE_LIBRARY = "case_library"
    #: Written before 0011 for every administration change; kept so old entries keep their label.
    ADMINISTRATION = "administration"


#: Every audited action and what its entry records. A new action needs a line here and a test that
#: performing it writes its entry (tests/services/test_audit_actions.py runs over this table).
AUDITED: Mapping[str, str] = MappingProxyType({
    AuditAction.SIGN_IN: N_("Sign-in (desk server or this PC)"),
    AuditAction.SIGN_IN_FAILED: N_("Failed sign-in: the user name tried and why it failed"),
    AuditAction.LOCKED_OUT: N_("Account locked after too many failed sign-ins"),
    AuditAction.SIGN_OUT: N_("Sign-out"),
    AuditAction.EXPORT: N_("Export: what, the scope, the number of cases and whether personal data was unmasked"),
    AuditAction.REPORT: N_("Statistics report run: its scope and period"),
    AuditAction.IMPORT: N_("Cases imported from a spreadsheet: the file and how many"),
    AuditAction.CONSOLIDATION: N_("Branch file consolidated at headquarters: the file and what was taken"),
    AuditAction.ANONYMISE: N_("Retention run: personal data of expired cases removed"),
    AuditAction.USER_CREATED: N_("Account created"),
    AuditAction.USER_CHANGED: N_("Account changed (name, branch, enabled or disabled)"),
    AuditAction.ROLE_CHANGED: N_("Account's role changed"),
    AuditAction.PASSWORD_RESET: N_("Password reset by an administrator"),
    AuditAction.USER_UNLOCKED: N_("Locked account unlocked"),
    AuditAction.BRANCH_CHANGED: N_("Branch created or changed"),
    AuditAction.SETTINGS_CHANGED: N_("Settings changed (holiday calendar, guidance and word lists)"),
    AuditAction.APPROVAL: N_("Compensation approved by the approver"),
    AuditAction.APPROVAL_RETURN: N_("Compensation proposal returned, with the reason"),
    AuditAction.EXTENSION_REQUEST: N_("Extension of the time limit requested"),
    AuditAction.EXTENSION_APPROVAL: N_("Extension to 60 days approved by the branch manager"),
    AuditAction.EXTENSION_RETURN: N_("Extension request returned, with the reason"),
    AuditAction.LETTER_ISSUE: N_("Letter issued or corrected"),
    AuditAction.LETTER_REPRINT: N_("Issued letter reprinted"),
    AuditAction.VIEW_PERSONAL_DATA: N_("Unmasked personal data viewed"),
    AuditAction.CHAINS_REKEYED: N_("Hash chains re-keyed with the chain key (upgrade from unkeyed chains)"),
    AuditAction.ATTACHMENT_READ: N_("Attachment viewed or downloaded: which file, its checksum and why"),
    AuditAction.GRUMBLE: N_("Grumble recorded (抱怨登记), or turned into a complaint: its cause and whether settled"),
    AuditAction.OPPORTUNITY: N_("Suggestion or business opportunity recorded on a case or a grumble"),
    AuditAction.CASE_LINK: N_("Two related cases linked: their numbers and how they are related"),
    AuditAction.CASE_UNLINK: N_("Link between two cases removed"),
    AuditAction.CASE_MERGE: N_("Duplicate case merged into its main case: both numbers and the due date"),
    AuditAction.CASE_LIBRARY: N_("Closed case added to the case library (anonymised copy) or removed from it"),
})

#: Actions found in old logs but no longer written.
LEGACY: Mapping[str, str] = MappingProxyType({AuditAction.ADMINISTRATION: N_("Administration")})


def describe(action: str) -> str:
    """The translated description of an action code (the code itself when unknown)."""
    text_ = AUDITED.get(action) or LEGACY.get(action)
    return _(text_) if text_ else action


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
    if action not in AUDITED:
        raise ValueError(f"not an audited action: {action}")
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders of the single chain. An advisory lock, not SELECT … FOR UPDATE: the
        # server's runtime role has no UPDATE right on the audit log (desk_app.db.privileges).
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    at = utcnow()
    payload = json_safe(detail or {})
    user_id = actor.user_id if actor else None
    if user_id is not None and session.get(User, user_id) is None:  # an actor of another database (a branch's)
        payload["by"], user_id = actor.username if actor else "", None
    session.add(AuditEntry(seq=seq, occurred_at=at, user_id=user_id, action=action, complaint_id=complaint_id,
                           detail=payload, prev_hash=prev,
                           hash=event_hash(prev, complaint_id or NO_CASE, seq, action, user_id, at, payload)))
    session.flush()


def record_now(db: Database, actor: Actor | None, action: str, complaint_id: uuid.UUID | None = None,
               detail: dict[str, Any] | None = None) -> None:
    """Append to the audit log in a transaction of its own (after a read-only use case, e.g. an export)."""
    with db.unit_of_work() as session:
        record(session, actor, action, complaint_id, detail)


def head(session: Session) -> tuple[int, str]:
    """The last entry's sequence number and hash ((0, genesis) for an empty log)."""
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (int(last[0]), str(last[1])) if last else (0, GENESIS_HASH)


def verify(session: Session, key: bytes | None = None) -> AuditBreak | None:
    """The first entry that breaks the chain, or None. The streamed result is closed on an early return (a
    PostgreSQL server-side cursor must not be left open)."""
    if key is None:
        from desk_app.security import chain_key

        key = chain_key()
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
                                entry.user_id, entry.occurred_at, dict(entry.detail), key=key)
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
