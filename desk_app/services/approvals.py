"""Each approver's queue: compensation proposals waiting at their approval level, and (for branch
managers) requests to extend a case to 60 days. The overview shows it; the approver opens the case and
approves or returns the item there (``handling.decide_resolution``, ``extensions.decide_extension``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import aliased

from desk_app.db.models import Branch, Complaint, ComplaintEvent, Resolution, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.approvals import LEVEL_ORDER, ApprovalLevel, approver_level
from desk_app.domain.enums import ApprovalState, Complexity
from desk_app.domain.permissions import Permission, has_permission
from desk_app.domain.timeline import EventKind

QUEUE_LIMIT = 200


class ApprovalKind(StrEnum):
    COMPENSATION = "compensation"
    EXTENSION = "extension"


@dataclass(frozen=True)
class PendingApproval:
    kind: ApprovalKind
    complaint_id: uuid.UUID
    case_number: str
    branch_code: str
    level: ApprovalLevel
    requested_by: str
    requested_at: datetime
    amount: Decimal | None = None
    resolution_id: uuid.UUID | None = None
    resolution_version: int | None = None
    detail: str = ""
    complaint_version: int | None = None


def approval_queue(db: Database, actor: Actor) -> list[PendingApproval]:
    """What waits for ``actor``'s own decision, oldest first: proposals at their level or below (never their
    own), in their branch (head office: head-office proposals of every branch), and extension requests of
    their branch for a branch manager. Empty for roles that approve nothing."""
    own = approver_level(actor.role, actor.is_hq)
    items: list[PendingApproval] = []
    with db.unit_of_work() as session:
        if own is not None:
            levels = [lvl.value for lvl in LEVEL_ORDER[:LEVEL_ORDER.index(own) + 1]]
            scope: ColumnElement[bool] = Complaint.branch_id == actor.branch_id
            if own is ApprovalLevel.HEAD_OFFICE:
                scope = or_(scope, Resolution.approval_level == ApprovalLevel.HEAD_OFFICE.value)
            proposer = aliased(User)
            rows = session.execute(
                select(Resolution, Complaint.case_number, Branch.code, proposer.display_name, Complaint.version)
                .join(Complaint, Complaint.id == Resolution.complaint_id)
                .join(Branch, Branch.id == Complaint.branch_id)
                .join(proposer, proposer.id == Resolution.proposed_by_id)
                .where(Resolution.approval_state == ApprovalState.PROPOSED.value,
                       Resolution.approval_level.in_(levels), Resolution.proposed_by_id != actor.user_id, scope)
                .order_by(Resolution.created_at).limit(QUEUE_LIMIT)).all()
            items += [PendingApproval(ApprovalKind.COMPENSATION, r.complaint_id, number, code,
                                      ApprovalLevel(r.approval_level or own), name, r.created_at, r.amount, r.id,
                                      r.version, r.description[:200], version)
                      for r, number, code, name, version in rows]
        if has_permission(actor.role, Permission.APPROVE_EXTENSION):
            requester = aliased(User)
            rows2 = session.execute(
                select(Complaint.id, Complaint.case_number, Branch.code, requester.display_name,
                       ComplaintEvent.occurred_at, ComplaintEvent.payload, Complaint.version)
                .join(Branch, Branch.id == Complaint.branch_id)
                .join(ComplaintEvent, and_(ComplaintEvent.complaint_id == Complaint.id,
                                           ComplaintEvent.kind == EventKind.EXTENSION_REQUESTED.value))
                .outerjoin(requester, requester.id == ComplaintEvent.actor_id)
                .where(Complaint.branch_id == actor.branch_id,
                       Complaint.extension_requested == Complexity.SPECIAL.value,
                       Complaint.extension_approved_by_id.is_(None),
                       or_(ComplaintEvent.actor_id.is_(None), ComplaintEvent.actor_id != actor.user_id))
                .order_by(ComplaintEvent.occurred_at).limit(QUEUE_LIMIT)).all()
            latest: dict[uuid.UUID, PendingApproval] = {}
            for cid, number, code, name, at, payload, version in rows2:
                latest[cid] = PendingApproval(ApprovalKind.EXTENSION, cid, number, code, ApprovalLevel.BRANCH_MANAGER,
                                              name or "", at, detail=str(payload.get("reason", ""))[:200],
                                              complaint_version=version)
            items += latest.values()
    return sorted(items, key=lambda item: item.requested_at)
