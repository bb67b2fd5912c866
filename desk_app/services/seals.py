"""The seal of a case: a keyed digest of its rows (the complaint, its resolutions, its customer) as an
event left them. Each timeline event carries the seal, covered by the event's keyed hash, so a direct
edit of a case, resolution or customer row behind the app's back no longer matches the last event's seal
and ``desk-cli check`` names which of the three was changed.

The seal has three parts (case, resolutions, customer), each the first 20 hex digits of an HMAC with the
chain key. Personal data enters only through the HMAC, so the seal reveals nothing; the customer part is
not compared once the customer has been anonymised (retention changes the row by design).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Complaint, Customer, Resolution
from desk_app.domain.timeline import json_safe

#: The complaint columns the seal covers (what decides the case's course, deadline and outcome).
CASE_FIELDS = ("case_number", "branch_id", "customer_id", "channel", "axis_a", "axis_b", "axis_c", "severity",
               "status", "stage", "received_at", "regime", "complexity", "special_extension_approved",
               "extension_requested", "extension_approved_by_id", "due_on", "first_contact_at", "responded_at",
               "closed_at", "paused", "escalated", "request_text", "claimed_amount", "facts_what", "owner_id")
RESOLUTION_FIELDS = ("id", "resolution_type", "amount", "description", "basis", "upheld", "approval_state",
                     "approval_level", "proposed_by_id", "approved_by_id", "customer_accepted")
#: Identity only: contact details may change through another case of the same customer.
CUSTOMER_FIELDS = ("name", "id_type", "id_number")
PART = 20
PARTS = ("case", "resolutions", "customer")


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.01")), "f")
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, datetime | date | uuid.UUID):
        return json_safe(value)
    return value


def _digest(key: bytes, label: str, value: Any) -> str:
    body = json.dumps([label, value], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()[:PART]


def _row(source: Any, names: Iterable[str]) -> dict[str, Any]:
    if isinstance(source, Mapping):
        return {name: _canonical(source.get(name)) for name in names}
    return {name: _canonical(getattr(source, name, None)) for name in names}


def seal_of(key: bytes, complaint: Any, resolutions: Iterable[Any], customer: Any | None) -> str:
    """The seal of the given rows (ORM objects or mappings of column values)."""
    rows = sorted((_row(r, RESOLUTION_FIELDS) for r in resolutions), key=lambda r: str(r["id"]))
    person = _row(customer, CUSTOMER_FIELDS) if customer is not None else None
    return (_digest(key, "case", _row(complaint, CASE_FIELDS)) + _digest(key, "resolutions", rows)
            + _digest(key, "customer", person))


def current_seal(session: Session, key: bytes, complaint_id: uuid.UUID) -> tuple[str, bool]:
    """The seal of the case as the session sees it now, and whether its customer is anonymised."""
    complaint = session.get_one(Complaint, complaint_id)
    resolutions = session.scalars(select(Resolution).where(Resolution.complaint_id == complaint_id)).all()
    customer = session.get(Customer, complaint.customer_id)
    return seal_of(key, complaint, resolutions, customer), bool(customer and customer.anonymised)


@dataclass(frozen=True)
class SealMismatch:
    parts: tuple[str, ...]
    """Which of ``PARTS`` differ."""


def compare(sealed: str, current: str, anonymised: bool) -> SealMismatch | None:
    """None when the rows still match the seal (the customer part is skipped after anonymisation)."""
    differ = tuple(name for i, name in enumerate(PARTS)
                   if sealed[i * PART:(i + 1) * PART] != current[i * PART:(i + 1) * PART]
                   and not (name == "customer" and anonymised))
    return SealMismatch(differ) if differ else None
