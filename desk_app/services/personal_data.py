"""Personal data (ID number, phone, address, e-mail) is masked everywhere by default; showing it
unmasked is a permission of the branch's own staff and every such view is written to the audit log."""

from __future__ import annotations

import uuid

from desk_app.db.models import Customer
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import CustomerKind
from desk_app.domain.permissions import Permission
from desk_app.errors import PermissionDeniedError
from desk_app.i18n import _
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.services.complaints import load_for
from desk_app.services.dto import CustomerInfo


def reveal_customer(db: Database, actor: Actor, complaint_id: uuid.UUID, purpose: str = "") -> CustomerInfo:
    """The complainant's data unmasked, for the case's own branch staff; the view is audited."""
    require(actor, Permission.SEE_PERSONAL_DATA)
    with db.unit_of_work() as session:
        complaint = load_for(session, actor, complaint_id)
        if complaint.branch_id != actor.branch_id:
            raise PermissionDeniedError(_("Personal data is shown only to the staff of the case's branch."))
        customer = session.get_one(Customer, complaint.customer_id)
        audit.record(session, actor, audit.AuditAction.VIEW_PERSONAL_DATA, complaint.id,
                     {"fields": ["id_number", "phone", "address", "email"], "purpose": purpose.strip()})
        return CustomerInfo(customer.id, CustomerKind(customer.kind), customer.name, customer.id_type,
                            customer.id_number, customer.phone, customer.address, customer.email, customer.language)
