"""Rights checks used by every service: the role × permission matrix (``desk_app.domain.permissions``)
and branch scoping (staff act on their branch's cases, headquarters on all)."""

from __future__ import annotations

import uuid

from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.domain.permissions import Permission, has_permission
from desk_app.errors import PermissionDeniedError
from desk_app.i18n import _


def sees_all_branches(actor: Actor) -> bool:
    """HQ analysts, and administrators at headquarters, see every branch; everyone else their own."""
    return actor.role is Role.HQ_ANALYST or (actor.is_hq and actor.role is Role.ADMINISTRATOR)


def can_see_branch(actor: Actor, branch_id: uuid.UUID) -> bool:
    return sees_all_branches(actor) or actor.branch_id == branch_id


def require_branch(actor: Actor, branch_id: uuid.UUID) -> None:
    """Refuse (PermissionDeniedError) a case or branch outside the actor's scope."""
    if not can_see_branch(actor, branch_id):
        raise PermissionDeniedError(_("This case belongs to another branch."))


def require(actor: Actor, permission: Permission) -> None:
    """Refuse (PermissionDeniedError) an action the actor's role may not perform, naming both."""
    if not has_permission(actor.role, permission):
        raise PermissionDeniedError(_("Your role ({role}) may not do this: {action}.").format(
            action=permission.label, role=actor.role.label))
