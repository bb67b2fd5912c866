"""Who approves a compensation: the approval levels and the queue a proposal goes to.

A proposal with money goes to the lowest level whose limit covers its amount (supervisor, then branch
manager, then head office); only someone at that level or above, other than the proposer, may approve
or return it. Head office's approvers are the branch managers of the headquarters branch; their limit
is open. There is no free-text substitute for an approver's own decision.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from desk_app.domain.enums import Role
from desk_app.domain.handling import APPROVAL_LIMITS
from desk_app.i18n import N_, _


class ApprovalLevel(StrEnum):
    SUPERVISOR = "supervisor"
    BRANCH_MANAGER = "branch_manager"
    HEAD_OFFICE = "head_office"

    @property
    def label(self) -> str:
        return _(_LEVEL_LABELS[self])


_LEVEL_LABELS = {ApprovalLevel.SUPERVISOR: N_("Supervisor"), ApprovalLevel.BRANCH_MANAGER: N_("Branch manager"),
                 ApprovalLevel.HEAD_OFFICE: N_("Head office")}
LEVEL_ORDER: tuple[ApprovalLevel, ...] = tuple(ApprovalLevel)
#: The most each level may approve; head office has no limit.
LEVEL_LIMITS: dict[ApprovalLevel, Decimal | None] = {
    ApprovalLevel.SUPERVISOR: APPROVAL_LIMITS[Role.SUPERVISOR],
    ApprovalLevel.BRANCH_MANAGER: APPROVAL_LIMITS[Role.BRANCH_MANAGER],
    ApprovalLevel.HEAD_OFFICE: None,
}


def required_level(amount: Decimal | None) -> ApprovalLevel:
    """The lowest level whose limit covers ``amount``."""
    value = amount or Decimal(0)
    for level in LEVEL_ORDER:
        limit = LEVEL_LIMITS[level]
        if limit is None or value <= limit:
            return level
    return ApprovalLevel.HEAD_OFFICE


def approver_level(role: Role, at_headquarters: bool) -> ApprovalLevel | None:
    """The level at which a person approves; None for roles that approve no compensation."""
    if role is Role.SUPERVISOR:
        return ApprovalLevel.SUPERVISOR
    if role is Role.BRANCH_MANAGER:
        return ApprovalLevel.HEAD_OFFICE if at_headquarters else ApprovalLevel.BRANCH_MANAGER
    return None


def covers(own: ApprovalLevel | None, required: ApprovalLevel) -> bool:
    """True when someone approving at ``own`` may decide a proposal that needs ``required``."""
    return own is not None and LEVEL_ORDER.index(own) >= LEVEL_ORDER.index(required)
