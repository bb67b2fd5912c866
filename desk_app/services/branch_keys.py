"""Branch signing keys: the branch's administrator reads out this office's public key; an administrator at
headquarters registers it for that branch (compared by its fingerprint), after which headquarters
consolidates that branch's files only with its signature (``desk_app.signing``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from desk_app import signing
from desk_app.db.models import Branch
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission
from desk_app.errors import NotFoundError, PermissionDeniedError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require


@dataclass(frozen=True)
class SigningKeyInfo:
    branch_code: str
    public_key: str
    """Empty: no key registered for this branch."""
    fingerprint: str


def _info(code: str, public_key: str) -> SigningKeyInfo:
    return SigningKeyInfo(code, public_key, signing.fingerprint(public_key) if public_key else "")


def own_signing_key(db: Database, actor: Actor) -> SigningKeyInfo:
    """The public key this office signs its branch's exports with (made on first use), to send to HQ."""
    require(actor, Permission.ADMINISTER)
    return _info(actor.branch_code, signing.public_key_text(signing.branch_key(actor.branch_code)))


def registered_signing_key(db: Database, actor: Actor, branch_code: str) -> SigningKeyInfo:
    """The key headquarters has registered for ``branch_code`` (empty when none)."""
    require(actor, Permission.ADMINISTER)
    with db.unit_of_work() as session:
        branch = session.scalars(select(Branch).where(Branch.code == branch_code.strip().upper())).first()
        if branch is None:
            raise NotFoundError(_("There is no branch {code}.").format(code=branch_code))
        return _info(branch.code, branch.signing_public_key)


def register_signing_key(db: Database, actor: Actor, branch_code: str, public_key: str) -> SigningKeyInfo:
    """Register (or replace) the public key of ``branch_code``'s signed files; HQ administrators only."""
    require(actor, Permission.ADMINISTER)
    if not actor.is_hq:
        raise PermissionDeniedError(_("Only an administrator at headquarters registers branches' signing keys."))
    key = signing.public_key_text(signing.parse_public_key(public_key))
    with db.unit_of_work() as session:
        branch = session.scalars(select(Branch).where(Branch.code == branch_code.strip().upper())).first()
        if branch is None:
            raise NotFoundError(_("There is no branch {code}: create it first.").format(code=branch_code))
        previous = branch.signing_public_key
        branch.signing_public_key = key
        audit.record(session, actor, audit.AuditAction.BRANCH_CHANGED, None, {
            "operation": "register_signing_key", "branch": branch.code, "fingerprint": signing.fingerprint(key),
            "replaced": signing.fingerprint(previous) if previous else ""})
        return _info(branch.code, key)
