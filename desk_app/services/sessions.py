"""Desk-server sign-in sessions: open with a password, resolve a token to its user on every call, close.

A token is 32 random bytes shown to the client once; the database keeps only its SHA-256 (a stolen copy
of the table opens nothing). The user's role, branch and state are read again on every call, so disabling
or demoting an account takes effect at that account's next call. Sign-ins, failed sign-ins and sign-outs
go to the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from desk_app.db.models import ApiSession, Branch, User
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.i18n import _
from desk_app.services import anchors, audit
from desk_app.services.accounts import AuthenticationError, actor_for, authenticate

#: Touch ``last_used_at`` at most this often (a write per call would serialise busy clients).
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class SignedIn:
    token: str
    actor: Actor
    expires_at: datetime


class SessionExpiredError(AuthenticationError):
    """The token is unknown, expired, revoked, or its account can no longer sign in."""


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def _expired() -> SessionExpiredError:
    return SessionExpiredError(_("Your session has ended. Please sign in again."))


def open_session(db: Database, username: str, password: str, limits: SessionLimits, client: str = "",
                 now: datetime | None = None) -> SignedIn:
    """Check the password (lock-out as for the desktop sign-in) and start a session; audited either way."""
    now = now or utcnow()
    actor = authenticate(db, username, password, now, client=client)  # audits the sign-in, or its failure
    anchors.anchor_soon(db)  # the daily chain heads, beside the server's key
    token = secrets.token_urlsafe(32)
    expires_at = now + limits.absolute
    with db.unit_of_work() as session:
        session.add(ApiSession(token_hash=token_hash(token), user_id=actor.user_id, created_at=now,
                               last_used_at=now, expires_at=expires_at, client=client[:200]))
    return SignedIn(token, actor, expires_at)


def _live(session: Session, token: str, limits: SessionLimits, now: datetime) -> ApiSession:
    row = session.scalars(select(ApiSession).where(ApiSession.token_hash == token_hash(token))).one_or_none()
    if row is None or row.ended_at is not None or row.expires_at <= now or row.last_used_at + limits.idle <= now:
        raise _expired()
    return row


#: The session, its user and the user's branch, joined on the token hash: built once (it runs before every
#: call the server serves; three ORM loads cost about five times as much, building the statement a tenth).
_LOOKUP = (
    select(ApiSession.id, ApiSession.last_used_at, User.id, User.username, User.display_name, User.role,
           Branch.id, Branch.code, Branch.is_headquarters)
    .join(User, User.id == ApiSession.user_id).join(Branch, Branch.id == User.branch_id)
    .where(ApiSession.token_hash == bindparam("token_hash"), ApiSession.ended_at.is_(None),
           ApiSession.expires_at > bindparam("now"), ApiSession.last_used_at > bindparam("idle_since"),
           User.active.is_(True))
)


def actor_for_token(db: Database, token: str, limits: SessionLimits, now: datetime | None = None) -> Actor:
    """The session's user as the database says now (role, branch); a disabled account is refused.

    One statement, read afresh on every call. On PostgreSQL it runs outside a transaction (autocommit): a
    single round trip instead of the statement and a COMMIT; the occasional touch of ``last_used_at`` is a
    statement of its own either way."""
    now = now or utcnow()
    with db.unit_of_work() as session:
        options = {"isolation_level": "AUTOCOMMIT"} if db.dialect == "postgresql" else None
        conn = session.connection(execution_options=options)
        row = conn.execute(_LOOKUP, {"token_hash": token_hash(token), "now": now,
                                     "idle_since": now - limits.idle}).one_or_none()
        if row is None:
            raise _expired()
        session_id, last_used_at, user_id, username, display_name, role, branch_id, branch_code, is_hq = row
        if now - last_used_at >= TOUCH_EVERY:
            conn.execute(update(ApiSession).where(ApiSession.id == session_id).values(last_used_at=now))
        return Actor(user_id=user_id, username=username, display_name=display_name, role=Role(role),
                     branch_id=branch_id, branch_code=branch_code, is_hq=is_hq)


def close_session(db: Database, token: str, limits: SessionLimits, now: datetime | None = None) -> None:
    """Sign out: the token stops working at once."""
    now = now or utcnow()
    with db.unit_of_work() as session:
        row = _live(session, token, limits, now)
        row.ended_at = now
        user = session.get_one(User, row.user_id)
        audit.record(session, actor_for(session, user), audit.AuditAction.SIGN_OUT)

