"""The prevention figures: the grumble funnel (grumbles → settled on the spot → turned into complaints) by cause
and branch, the causes rising among grumbles (this period against the previous, beside their complaints),
and the opportunities by product and kind. ``Permission.REPORTS``, over a ``ReportScope`` like the statistics
(the branches the user may see; the previous period as the statistics define it).

A grumble counts in the period it was recorded in; it counts as turned when a complaint was registered from
it (``desk_app.services.grumbles.link_complaint``), whenever that happened.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Complaint, Grumble, Opportunity, TaxonomyCode
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.reports.prevention_figures import (
    FunnelRow,
    OpportunityKind,
    OpportunityRow,
    PreventionFigures,
    PreventionFunnel,
    RisingCause,
)
from desk_app.services.reference import label_for
from desk_app.services.report_scope import ReportScope, ResolvedScope, resolve_scope


def prevention_funnel(db: Database, actor: Actor, scope: ReportScope) -> PreventionFunnel:
    """The funnel and the rising causes for ``scope`` (``Permission.REPORTS``)."""
    with db.unit_of_work() as session:
        return funnel_in(session, resolve_scope(session, actor, scope))


def opportunity_summary(db: Database, actor: Actor, scope: ReportScope) -> list[OpportunityRow]:
    """Opportunities recorded in the period by product and kind (``Permission.REPORTS``)."""
    with db.unit_of_work() as session:
        return list(_opportunities(session, resolve_scope(session, actor, scope)))


def prevention_figures(db: Database, actor: Actor, scope: ReportScope) -> PreventionFigures:
    """Both, in one transaction: what the statistics workbook's prevention sheets show."""
    with db.unit_of_work() as session:
        resolved = resolve_scope(session, actor, scope)
        return PreventionFigures(funnel_in(session, resolved), _opportunities(session, resolved))


def _names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return {c.code: label_for(c) for c in session.scalars(select(TaxonomyCode).where(TaxonomyCode.code.in_(codes)))}


def funnel_in(session: Session, resolved: ResolvedScope) -> PreventionFunnel:
    """The funnel and the rising causes over ``resolved``, in the caller's transaction (the dashboard reads
    them in its own snapshot)."""
    current = case((Grumble.recorded_at >= resolved.start, 1), else_=0)
    settled = case((Grumble.settled.is_(True), 1), else_=0)
    turned = case((Grumble.complaint_id.is_not(None), 1), else_=0)
    rows = session.execute(
        select(Grumble.branch_id, Grumble.axis_c, current, func.count(), func.sum(settled), func.sum(turned))
        .where(resolved.condition(Grumble.branch_id), Grumble.recorded_at >= resolved.previous_start,
               Grumble.recorded_at < resolved.end)
        .group_by(Grumble.branch_id, Grumble.axis_c, current)).all()
    this: dict[tuple[uuid.UUID, str], tuple[int, int, int]] = {}
    by_cause: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # cause → [current, previous]
    for branch_id, cause, is_current, count, n_settled, n_turned in rows:
        if is_current:
            this[(branch_id, cause)] = (int(count), int(n_settled or 0), int(n_turned or 0))
        by_cause[cause][0 if is_current else 1] += int(count)
    complaints: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    complaint_current = case((Complaint.received_at >= resolved.start, 1), else_=0)
    rising_codes = {cause for cause, (cur, prev) in by_cause.items() if cur > prev}
    if rising_codes:
        for cause, is_current, count in session.execute(
                select(Complaint.axis_c, complaint_current, func.count())
                .where(resolved.condition(), resolved.both, Complaint.axis_c.in_(rising_codes))
                .group_by(Complaint.axis_c, complaint_current)).all():
            complaints[cause][0 if is_current else 1] += int(count)
    names = _names(session, {cause for _b, cause in this} | rising_codes)
    branch_codes = dict(session.execute(select(Branch.id, Branch.code)).all())
    funnel_rows = sorted(
        (FunnelRow(branch_codes.get(branch_id, ""), cause, names.get(cause, ""), *figures)
         for (branch_id, cause), figures in this.items()),
        key=lambda r: (r.branch_code, -r.grumbles, r.cause_code))
    rising = sorted(
        (RisingCause(cause, names.get(cause, ""), by_cause[cause][0], by_cause[cause][1], complaints[cause][0],
                     complaints[cause][1]) for cause in rising_codes),
        key=lambda r: (-r.change, -r.grumbles, r.cause_code))
    p = resolved.period
    return PreventionFunnel(
        date_from=p.date_from, date_to=p.date_to, previous_from=p.previous_from, previous_to=p.previous_to,
        scope_label=resolved.label, grumbles=sum(r.grumbles for r in funnel_rows),
        settled=sum(r.settled for r in funnel_rows), turned=sum(r.turned for r in funnel_rows),
        rows=tuple(funnel_rows), rising=tuple(rising))


def _opportunities(session: Session, resolved: ResolvedScope) -> tuple[OpportunityRow, ...]:
    from_case = case((Opportunity.complaint_id.is_not(None), 1), else_=0)
    rows = session.execute(
        select(Opportunity.product, Opportunity.kind, func.count(), func.sum(from_case))
        .where(resolved.condition(Opportunity.branch_id), Opportunity.recorded_at >= resolved.start,
               Opportunity.recorded_at < resolved.end)
        .group_by(Opportunity.product, Opportunity.kind)).all()
    names = _names(session, {product for product, *_rest in rows})
    kinds = list(OpportunityKind)
    return tuple(sorted(
        (OpportunityRow(product, names.get(product, ""), OpportunityKind(kind), int(count), int(cases or 0),
                        int(count) - int(cases or 0)) for product, kind, count, cases in rows),
        key=lambda r: (r.product_code, kinds.index(r.kind))))
