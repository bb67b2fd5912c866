"""Branches (网点): list, create and edit them — the letterhead, hotline, time zone and clock rules.

Who may do what: every signed-in user may read the list; an administrator at headquarters creates
branches and edits any of them; an administrator of a branch edits only their own branch. The code is
fixed once created (case numbers carry it), and so is the headquarters flag (set up on the first run).
Each change is one transaction with an entry in the audit log.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.config import DEFAULT_TIMEZONE
from desk_app.db.models import Branch, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import InstitutionType, Regime
from desk_app.domain.permissions import Permission, has_permission
from desk_app.errors import NotFoundError, PermissionDeniedError, StaleVersionError, ValidationError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.services.complaints import regime_for_institution
from desk_app.services.setup import validate_branch_code

_HOTLINE = re.compile(r"^[0-9+()\- ]{3,40}$")
#: Field → (maximum length, required) for the text fields of the form.
_TEXT_LIMITS: dict[str, tuple[int, bool]] = {
    "name": (200, True), "name_en": (200, False), "address": (300, False), "hotline": (40, False),
    "superior_institution": (200, False), "superior_contact": (1000, False), "logo_path": (500, False),
}


@dataclass(frozen=True)
class BranchFields:
    """What an administrator edits (everything but the code and the headquarters flag)."""

    name: str
    institution_type: InstitutionType
    name_en: str = ""
    address: str = ""
    hotline: str = ""
    superior_institution: str = ""
    superior_contact: str = ""
    logo_path: str = ""
    timezone: str = DEFAULT_TIMEZONE
    active: bool = True
    handlers_may_take: bool = True
    """Handlers may take unassigned cases of the branch themselves (``case_workflow.take_case``)."""


@dataclass(frozen=True)
class BranchInfo:
    id: uuid.UUID
    code: str
    name: str
    name_en: str
    institution_type: InstitutionType
    regime: Regime
    is_headquarters: bool
    address: str
    hotline: str
    superior_institution: str
    superior_contact: str
    logo_path: str
    timezone: str
    active: bool
    version: int
    active_users: int = 0
    handlers_may_take: bool = True

    def fields(self) -> BranchFields:
        """The editable part, e.g. to fill the edit form."""
        return BranchFields(**{f.name: getattr(self, f.name) for f in fields(BranchFields)})


def _info(branch: Branch, active_users: int = 0) -> BranchInfo:
    return BranchInfo(
        id=branch.id, code=branch.code, name=branch.name, name_en=branch.name_en,
        institution_type=InstitutionType(branch.institution_type), regime=Regime(branch.regime),
        is_headquarters=branch.is_headquarters, address=branch.address, hotline=branch.hotline,
        superior_institution=branch.superior_institution, superior_contact=branch.superior_contact,
        logo_path=branch.logo_path, timezone=branch.timezone, active=branch.active, version=branch.version,
        active_users=active_users, handlers_may_take=branch.handlers_may_take)


def _clean(values: BranchFields) -> dict[str, object]:
    """Validate and trim the form; raises ValidationError naming the field."""
    cleaned: dict[str, object] = {}
    for name, (limit, required) in _TEXT_LIMITS.items():
        text = str(getattr(values, name)).strip()
        if required and not text:
            raise ValidationError(_("The branch name is required."), name)
        if len(text) > limit:
            raise ValidationError(_("This entry is too long: at most {n} characters.").format(n=limit), name)
        cleaned[name] = text
    hotline = str(cleaned["hotline"])
    if hotline and not _HOTLINE.match(hotline):
        raise ValidationError(_("A hotline has digits, spaces, '-', '+' or brackets only, e.g. 95588 or "
                                "021-12345678."), "hotline")
    zone = values.timezone.strip() or DEFAULT_TIMEZONE
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone '{zone}'; use a name such as Asia/Shanghai.").format(zone=zone),
                              "timezone") from None
    cleaned["timezone"] = zone
    institution = InstitutionType(values.institution_type)
    cleaned["institution_type"] = institution.value
    cleaned["regime"] = regime_for_institution(institution).value
    cleaned["active"] = bool(values.active)
    cleaned["handlers_may_take"] = bool(values.handlers_may_take)
    return cleaned


def _active_users(session: Session, branch_id: uuid.UUID) -> int:
    return int(session.scalar(select(func.count()).select_from(User)
                              .where(User.branch_id == branch_id, User.active.is_(True))) or 0)


def list_branches(db: Database) -> list[BranchInfo]:
    """Every branch, headquarters first, then by code, with its number of active accounts."""
    with db.unit_of_work() as session:
        counts = {branch_id: int(n) for branch_id, n in session.execute(
            select(User.branch_id, func.count()).where(User.active.is_(True)).group_by(User.branch_id))}
        branches = session.scalars(select(Branch).order_by(Branch.is_headquarters.desc(), Branch.code)).all()
        return [_info(b, counts.get(b.id, 0)) for b in branches]


def create_branch(db: Database, actor: Actor, code: str, values: BranchFields) -> BranchInfo:
    """Add a branch (administrators at headquarters only); the code must be new."""
    require(actor, Permission.ADMINISTER)
    if not actor.is_hq:
        raise PermissionDeniedError(_("Only an administrator at headquarters may add branches."))
    clean_code = validate_branch_code(code)
    cleaned = _clean(values)
    with db.unit_of_work() as session:
        taken = session.scalar(select(Branch.id).where(func.upper(Branch.code) == clean_code))
        if taken is not None:
            raise ValidationError(_("The branch code {code} is already used.").format(code=clean_code),
                                  "branch_code")
        branch = Branch(code=clean_code, is_headquarters=False, **cleaned)
        session.add(branch)
        session.flush()
        audit.record(session, actor, audit.AuditAction.BRANCH_CHANGED, None, {
            "operation": "create_branch", "branch": clean_code, "name": branch.name})
        return _info(branch)


def update_branch(db: Database, actor: Actor, branch_id: uuid.UUID, values: BranchFields,
                  version: int | None = None) -> BranchInfo:
    """Edit a branch; closing one is refused while it has active accounts, and for headquarters."""
    require(actor, Permission.ADMINISTER)
    if branch_id != actor.branch_id and not actor.is_hq:
        raise PermissionDeniedError(_("You may only edit your own branch."))
    cleaned = _clean(values)
    with db.unit_of_work() as session:
        branch = session.get(Branch, branch_id)
        if branch is None:
            raise NotFoundError(_("The branch does not exist."))
        if version is not None and branch.version != version:
            raise StaleVersionError(_("This branch was changed by someone else since you opened it. "
                                      "Reload and try again."))
        users = _active_users(session, branch.id)
        if branch.active and not cleaned["active"]:
            if branch.is_headquarters:
                raise ValidationError(_("Headquarters cannot be closed."), "active")
            if users:
                raise ValidationError(_("Branch {code} still has {n} active accounts; disable them or move "
                                        "them to another branch first.").format(code=branch.code, n=users),
                                      "active")
        changes = {name: [getattr(branch, name), value] for name, value in cleaned.items()
                   if getattr(branch, name) != value}
        for name, (_old, new) in changes.items():
            setattr(branch, name, new)
        if changes:
            session.flush()
            audit.record(session, actor, audit.AuditAction.BRANCH_CHANGED, None, {
                "operation": "update_branch", "branch": branch.code, "changes": changes})
        return _info(branch, users)


def handlers_may_take(db: Database, actor: Actor) -> bool:
    """The rule of the actor's own branch: may its handlers take unassigned cases themselves?"""
    with db.unit_of_work() as session:
        return bool(session.scalar(select(Branch.handlers_may_take).where(Branch.id == actor.branch_id)))


def set_handlers_may_take(db: Database, actor: Actor, allowed: bool, branch_id: uuid.UUID | None = None) -> BranchInfo:
    """Let the handlers of a branch take unassigned cases themselves, or not (then a supervisor assigns every
    case). The branch's supervisor or manager sets it for their own branch, an administrator for their own
    branch (at headquarters for any); audited as a branch change."""
    target = branch_id or actor.branch_id
    if has_permission(actor.role, Permission.ADMINISTER):
        if target != actor.branch_id and not actor.is_hq:
            raise PermissionDeniedError(_("You may only edit your own branch."))
    elif has_permission(actor.role, Permission.ASSIGN):
        if target != actor.branch_id:
            raise PermissionDeniedError(_("You may only change the rules of your own branch."))
    else:
        raise PermissionDeniedError(_("Your role ({role}) may not change whether handlers take cases "
                                      "themselves.").format(role=actor.role.label))
    with db.unit_of_work() as session:
        branch = session.get(Branch, target)
        if branch is None:
            raise NotFoundError(_("The branch does not exist."))
        if branch.handlers_may_take != allowed:
            old, branch.handlers_may_take = branch.handlers_may_take, allowed
            session.flush()
            audit.record(session, actor, audit.AuditAction.BRANCH_CHANGED, None, {
                "operation": "set_handlers_may_take", "branch": branch.code,
                "changes": {"handlers_may_take": [old, allowed]}})
        return _info(branch, _active_users(session, branch.id))
