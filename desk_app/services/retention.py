"""Retention (PIPL): personal data of cases closed longer ago than the retention period is removed,
while the cases themselves stay for statistics. An administrator sees the list first (dry run).

What is removed: the customer's name, ID number, phones, address and e-mail (only when every case of
that customer is past retention), the agents'/representatives' details, attachment contents and the
stored letter PDFs of those cases. Timeline events hold personal data only as hashes, so the hash
chains stay intact.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select, update

from desk_app.db.models import Attachment, Complaint, ComplaintParty, Customer, Letter
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.permissions import Permission
from desk_app.domain.workflow import FINISHED_STATES
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.services.grumbles import forget_grumble_customers

ANONYMOUS = "（已匿名）"


@dataclass(frozen=True)
class RetentionCandidate:
    complaint_id: uuid.UUID
    case_number: str
    closed_at: datetime


def _cutoff(years: int, today: date) -> datetime:
    if years < 1:
        raise ValidationError(_("The retention period is at least one year."), "years")
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return datetime.combine(day, time(), UTC)


def candidates(db: Database, actor: Actor, years: int, today: date) -> list[RetentionCandidate]:
    """The dry run: finished cases closed before the cut-off that still hold personal data."""
    require(actor, Permission.ANONYMISE)
    cutoff = _cutoff(years, today)
    with db.unit_of_work() as session:
        rows = session.execute(
            select(Complaint.id, Complaint.case_number, Complaint.closed_at)
            .join(Customer, Customer.id == Complaint.customer_id)
            .where(Complaint.status.in_([s.value for s in FINISHED_STATES]), Complaint.closed_at < cutoff,
                   Customer.anonymised.is_(False))
            .order_by(Complaint.closed_at)
        ).all()
        return [RetentionCandidate(cid, number, closed) for cid, number, closed in rows if closed is not None]


def anonymise(db: Database, actor: Actor, years: int, today: date) -> int:
    """Remove the personal data of the dry run's cases in one transaction; returns how many cases."""
    require(actor, Permission.ANONYMISE)
    cutoff = _cutoff(years, today)
    finished = [s.value for s in FINISHED_STATES]
    with db.unit_of_work() as session:
        due = select(Complaint.id).where(Complaint.status.in_(finished), Complaint.closed_at < cutoff)
        case_ids = list(session.scalars(due))
        grumbles_cleared = forget_grumble_customers(session, cutoff)  # grumbles have no closing: their date
        if not case_ids and not grumbles_cleared:
            return 0
        customers = set(session.scalars(select(Complaint.customer_id).where(Complaint.id.in_(case_ids))))
        still_needed = set(session.scalars(select(Complaint.customer_id).where(
            Complaint.customer_id.in_(customers), Complaint.id.not_in(case_ids))))
        cleared = customers - still_needed
        for customer in session.scalars(select(Customer).where(Customer.id.in_(cleared))):
            customer.name, customer.id_number, customer.phone, customer.phone2 = ANONYMOUS, "", "", ""
            customer.address, customer.email, customer.contact_person = "", "", ""
            customer.legal_representative, customer.anonymised = "", True
        session.execute(update(ComplaintParty).where(ComplaintParty.complaint_id.in_(case_ids))
                        .values(name=ANONYMOUS, id_number="", phone="", authorisation=""))
        session.execute(update(Attachment).where(Attachment.complaint_id.in_(case_ids))
                        .values(content=b"", description=""))
        session.execute(update(Letter).where(Letter.complaint_id.in_(case_ids)).values(content=b""))
        remaining = session.scalar(select(func.count()).select_from(Complaint).where(Complaint.id.in_(case_ids)))
        audit.record(session, actor, audit.AuditAction.ANONYMISE, None, {
            "years": years, "cutoff": cutoff, "cases": remaining, "customers": len(cleared),
            "grumbles": grumbles_cleared})
        return len(case_ids)
