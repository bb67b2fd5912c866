"""Opportunities (投诉经营): a suggestion or business opportunity heard in a case or a grumble — its kind, the
product (a B axis code) and the text — and the list headquarters reads.

Recording on a case needs ``Permission.EDIT_CASE`` on a case of the actor's branch; on a grumble,
``Permission.REGISTER`` at the grumble's branch. The list needs ``Permission.REPORTS`` (HQ sees every branch,
supervisors and managers their own). Recording is audited (``AuditAction.OPPORTUNITY``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Complaint, Grumble, Opportunity, TaxonomyCode, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission
from desk_app.errors import NotFoundError, ValidationError
from desk_app.i18n import _
from desk_app.reports.prevention_figures import OpportunityKind
from desk_app.services import audit
from desk_app.services.access import require, require_branch
from desk_app.services.recorded import newest_recorded
from desk_app.services.reference import label_for, require_code

MAX_TEXT = 2000
MAX_LIST = 1000


@dataclass(frozen=True)
class OpportunityDraft:
    """Exactly one of ``complaint_id`` and ``grumble_id``; ``product`` empty takes the source's business code."""

    kind: OpportunityKind
    text: str
    product: str = ""
    complaint_id: uuid.UUID | None = None
    grumble_id: uuid.UUID | None = None


@dataclass(frozen=True)
class OpportunityInfo:
    id: uuid.UUID
    branch_code: str
    kind: OpportunityKind
    product: str
    product_name: str
    text: str
    recorded_at: datetime
    recorded_by: str
    case_number: str
    """The case it came from; empty for a grumble's."""
    grumble_id: uuid.UUID | None


def add_opportunity(db: Database, actor: Actor, draft: OpportunityDraft) -> OpportunityInfo:
    """Record a suggestion or opportunity on a case or a grumble; a ValidationError names the field."""
    if (draft.complaint_id is None) == (draft.grumble_id is None):
        raise ValidationError(_("An opportunity belongs to one case or one grumble."), "source")
    require(actor, Permission.EDIT_CASE if draft.complaint_id is not None else Permission.REGISTER)
    if not isinstance(draft.kind, OpportunityKind):
        raise ValidationError(_("Choose the kind of opportunity."), "kind")
    text = draft.text.strip()
    if not text:
        raise ValidationError(_("Describe the suggestion or opportunity."), "text")
    if len(text) > MAX_TEXT:
        raise ValidationError(_("The text is too long: at most {n} characters.").format(n=MAX_TEXT), "text")
    with db.unit_of_work() as session:
        source: Complaint | Grumble | None = (session.get(Complaint, draft.complaint_id) if draft.complaint_id
                                              else session.get(Grumble, draft.grumble_id))
        if source is None:
            raise NotFoundError(_("The case was not found.") if draft.complaint_id else
                                _("The grumble was not found."))
        require_branch(actor, source.branch_id)
        product = draft.product.strip().upper() or source.axis_b
        require_code(session, "B", product)
        row = Opportunity(branch_id=source.branch_id, complaint_id=draft.complaint_id, grumble_id=draft.grumble_id,
                          kind=draft.kind.value, product=product, text=text, recorded_by_id=actor.user_id)
        session.add(row)
        session.flush()
        audit.record(session, actor, audit.AuditAction.OPPORTUNITY, draft.complaint_id, detail={
            "opportunity": str(row.id), "kind": row.kind, "product": product,
            "grumble": str(draft.grumble_id) if draft.grumble_id else ""})
        return _infos(session, [row])[0]


def list_opportunities(db: Database, actor: Actor, since: datetime | None = None, until: datetime | None = None,
                       kind: OpportunityKind | None = None, product: str = "",
                       limit: int = MAX_LIST) -> list[OpportunityInfo]:
    """Opportunities newest first for headquarters' list (``Permission.REPORTS``): every branch at HQ, the own
    branch elsewhere; ``since`` inclusive, ``until`` exclusive; ``product`` a B code or its prefix."""
    require(actor, Permission.REPORTS)
    conditions: list[ColumnElement[bool]] = []
    if kind is not None:
        conditions.append(Opportunity.kind == kind.value)
    if product.strip():
        conditions.append(Opportunity.product.startswith(product.strip().upper(), autoescape=True))
    with db.unit_of_work() as session:
        stmt = newest_recorded(Opportunity, actor, since, until, conditions, limit, MAX_LIST)
        return _infos(session, list(session.scalars(stmt)))


def list_for_case(db: Database, actor: Actor, complaint_id: uuid.UUID) -> list[OpportunityInfo]:
    """The opportunities recorded on one case (``Permission.VIEW_CASE``, the case's branch or HQ)."""
    require(actor, Permission.VIEW_CASE)
    with db.unit_of_work() as session:
        case = session.get(Complaint, complaint_id)
        if case is None:
            raise NotFoundError(_("The case was not found."))
        require_branch(actor, case.branch_id)
        rows = session.scalars(select(Opportunity).where(Opportunity.complaint_id == complaint_id)
                               .order_by(Opportunity.recorded_at))
        return _infos(session, list(rows))


def _infos(session: Session, rows: list[Opportunity]) -> list[OpportunityInfo]:
    if not rows:
        return []
    names = {c.code: label_for(c) for c in session.scalars(
        select(TaxonomyCode).where(TaxonomyCode.code.in_({r.product for r in rows})))}
    branches: dict[uuid.UUID, str] = dict(session.execute(select(Branch.id, Branch.code)).all())
    users = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_({r.recorded_by_id for r in rows}))).all())
    case_ids = {r.complaint_id for r in rows if r.complaint_id is not None}
    numbers = dict(session.execute(select(Complaint.id, Complaint.case_number).where(
        Complaint.id.in_(case_ids))).all()) if case_ids else {}
    return [OpportunityInfo(
        id=r.id, branch_code=branches.get(r.branch_id, ""), kind=OpportunityKind(r.kind), product=r.product,
        product_name=names.get(r.product, ""), text=r.text, recorded_at=r.recorded_at,
        recorded_by=users.get(r.recorded_by_id, ""),
        case_number=numbers.get(r.complaint_id, "") if r.complaint_id else "", grumble_id=r.grumble_id)
        for r in rows]
