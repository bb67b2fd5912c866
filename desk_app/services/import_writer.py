"""Writing imported rows: case numbers from the intake's counters, customers found or created, due
dates from the deadline engine and a hash-chained timeline per case whose last event carries the seal of
the rows as imported (so ``desk-cli check`` covers an imported case from the start), in batches, inside
the caller's transaction (the import is all or nothing)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desk_app.db.models import Complaint, ComplaintEvent, Customer, NumberCounter
from desk_app.db.models.complaints import FLAG_COLUMNS
from desk_app.domain.actor import Actor
from desk_app.domain.calendar import WorkCalendar
from desk_app.domain.deadlines import DeadlineInput, compute_deadline
from desk_app.domain.enums import Complexity, Regime, Status
from desk_app.domain.events import payloads as ev
from desk_app.domain.events import stored_payload
from desk_app.domain.timeline import GENESIS_HASH, event_hash
from desk_app.i18n import _
from desk_app.security import chain_key, personal_data_digest
from desk_app.services.import_rows import RowPreview
from desk_app.services.import_values import BranchInfo
from desk_app.services.seals import CUSTOMER_FIELDS, seal_of


def allocate(session: Session, wanted: dict[str, int]) -> dict[str, int]:
    """Reserve ``wanted[key]`` numbers of each counter in one statement; returns each key's first number.
    Atomic on both databases (INSERT … ON CONFLICT DO UPDATE … RETURNING, like the intake's numbering)."""
    if not wanted:
        return {}
    insert_fn = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt: Insert = insert_fn(NumberCounter).values([{"key": k, "value": n} for k, n in wanted.items()])
    stmt = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=[NumberCounter.key],
        set_={"value": NumberCounter.value + stmt.excluded.value},  # type: ignore[attr-defined]
    ).returning(NumberCounter.key, NumberCounter.value)
    return {key: int(last) - wanted[key] + 1 for key, last in session.connection().execute(stmt)}


class Writer:
    def __init__(self, session: Session, actor: Actor, source: str, calendar: WorkCalendar, now: datetime) -> None:
        self.session, self.actor, self.source, self.calendar, self.now = session, actor, source, calendar, now
        self.customers: dict[tuple[str, str], uuid.UUID] = {}
        self.identities: dict[uuid.UUID, dict[str, Any]] = {}
        """Each known customer's identity columns, which the seal covers."""
        self.key = chain_key()
        self.created = 0
        self.closed = 0
        self.numbers: list[str] = []

    def _customer_keys(self, v: dict[str, Any]) -> tuple[str, str]:
        if v["id_number"]:
            return ("id", v["id_number"])
        if v["phone"]:
            return ("phone", f"{v['phone']}\t{v['customer_name']}")
        return ("name", f"{v['customer_name']}\t{v['address']}")

    def _load_customers(self, rows: list[RowPreview]) -> None:
        ids = {r.values["id_number"] for r in rows if r.values["id_number"] and ("id", r.values["id_number"])
               not in self.customers}
        if ids:
            for cid, name, id_type, number in self.session.execute(
                    select(Customer.id, Customer.name, Customer.id_type, Customer.id_number)
                    .where(Customer.id_number.in_(ids))):
                self.customers.setdefault(("id", number), cid)
                self.identities[cid] = dict(zip(CUSTOMER_FIELDS, (name, id_type, number), strict=True))
        pairs = {(r.values["phone"], r.values["customer_name"]) for r in rows
                 if not r.values["id_number"] and r.values["phone"]}
        if pairs:  # by the indexed phone column, names compared here (a row-value IN would scan the table)
            for cid, phone, name, id_type, number in self.session.execute(
                    select(Customer.id, Customer.phone, Customer.name, Customer.id_type, Customer.id_number)
                    .where(Customer.phone.in_({phone for phone, _name in pairs}))):
                if (phone, name) in pairs:
                    self.customers.setdefault(("phone", f"{phone}\t{name}"), cid)
                    self.identities[cid] = dict(zip(CUSTOMER_FIELDS, (name, id_type, number), strict=True))

    def write(self, rows: list[RowPreview]) -> None:
        self._load_customers(rows)
        new_customers: list[dict[str, Any]] = []
        by_key: dict[str, list[RowPreview]] = {}
        for r in rows:
            branch: BranchInfo = r.values["_branch"]
            day = r.values["received_at"].astimezone(ZoneInfo(branch.timezone)).strftime("%Y%m%d")
            by_key.setdefault(f"case:{branch.code}:{day}", []).append(r)
        numbers: dict[int, str] = {}
        firsts = allocate(self.session, {key: len(group) for key, group in by_key.items()})
        for key, group in by_key.items():
            first = firsts[key]
            _case, code, day = key.split(":")
            for offset, r in enumerate(sorted(group, key=lambda r: (r.values["received_at"], r.source_row))):
                numbers[r.source_row] = f"{code}-{day}-{first + offset:04d}"
        complaints, events = [], []
        for r in rows:
            v = r.values
            customer_key = self._customer_keys(v)
            customer_id = self.customers.get(customer_key)
            if customer_id is None:
                customer_id = uuid.uuid4()
                self.customers[customer_key] = customer_id
                new_customers.append({
                    "id": customer_id, "kind": "person", "name": v["customer_name"], "id_type": v["id_type"],
                    "id_number": v["id_number"], "phone": v["phone"], "phone2": "", "email": "",
                    "address": v["address"], "language": "zh_CN", "legal_representative": "", "contact_person": "",
                    "anonymised": False, "created_at": self.now, "updated_at": self.now, "version": 1})
                self.identities[customer_id] = {field: new_customers[-1][field] for field in CUSTOMER_FIELDS}
            complaint, case_events = self._complaint(r, numbers[r.source_row], customer_id)
            complaints.append(complaint)
            events.extend(case_events)
        conn = self.session.connection()
        if new_customers:
            conn.execute(insert(Customer), new_customers)
            self.created += len(new_customers)
        conn.execute(insert(Complaint), complaints)
        conn.execute(insert(ComplaintEvent), events)
        self.numbers.extend(c["case_number"] for c in complaints)

    def _complaint(self, r: RowPreview, number: str, customer_id: uuid.UUID) -> tuple[dict[str, Any],
                                                                                      list[dict[str, Any]]]:
        v = r.values
        branch: BranchInfo = v["_branch"]
        received: datetime = v["received_at"]
        regime = Regime(branch.regime)
        deadline = compute_deadline(DeadlineInput(regime=regime, received_at=received, office_tz=branch.timezone,
                                                  complexity=Complexity.SIMPLE,
                                                  first_contact_hours=branch.first_contact_hours,
                                                  today=self.now.date()), self.calendar)
        closed_at: datetime | None = v["closed_at"]
        cid = uuid.uuid4()
        row: dict[str, Any] = {
            "id": cid, "case_number": number, "branch_id": branch.id, "customer_id": customer_id,
            "channel": v["channel"], "axis_a": v["axis_a"], "axis_b": v["axis_b"], "axis_c": v["axis_c"],
            "axis_d": v["axis_d"], "severity": v["severity"], "status": v["status"], "stage": None,
            "received_at": received, "regime": regime.value, "complexity": Complexity.SIMPLE.value,
            "special_extension_approved": False, "due_on": deadline.due_on,
            "acceptance_due_on": deadline.acceptance_due_on, "first_contact_due": deadline.first_contact_due,
            "first_contact_at": None, "responded_at": closed_at, "closed_at": closed_at, "paused": False,
            "escalated": False, "summary": v["summary"], "request_kinds": [], "request_text": v["request_text"],
            "claimed_amount": v["claimed_amount"], "facts_what": v["facts_what"], "facts_when": v["facts_when"],
            "facts_where": v["facts_where"], "facts_amount": None, "respondent": v["respondent"], "owner_id": None,
            "created_by_id": self.actor.user_id, "recusal_declared": False, "language": "zh_CN",
            "reference_version": 1, "stage_records": {}, "created_at": self.now, "updated_at": self.now,
            "version": 1, **dict.fromkeys(FLAG_COLUMNS.values(), False),
        }
        steps: list[tuple[ev.EventPayload, datetime]] = [(ev.Registered(
            case_number=number, channel=row["channel"], severity=row["severity"],
            axes=[row["axis_a"], row["axis_b"], row["axis_c"], row["axis_d"]],
            customer=personal_data_digest(v["id_number"] or v["phone"] or v["customer_name"]),
            due_on=row["due_on"], regime=row["regime"], imported_from=self.source,
            source_row=r.source_row, legacy_number=v["legacy_number"]), received)]
        if closed_at is not None:
            self.closed += 1
            steps.append((ev.StatusChanged(
                action="close", from_=Status.REGISTERED.value, to=Status.CLOSED.value,
                reason=_("Imported as closed from {source}").format(source=self.source)
                + (f": {v['result']}" if v["result"] else "")), closed_at))
        # The last event seals the rows as imported (a case with a customer found in the database is sealed
        # with that customer's identity as read above); earlier events left rows no longer kept, so no seal.
        final_seal = seal_of(self.key, row, (), self.identities.get(customer_id))
        events, prev = [], GENESIS_HASH
        for seq, (payload, when) in enumerate(steps, start=1):
            kind, safe = payload.KIND.value, stored_payload(payload)
            seal = final_seal if seq == len(steps) else None
            digest = event_hash(prev, cid, seq, kind, self.actor.user_id, when, safe, seal=seal, key=self.key)
            events.append({"id": uuid.uuid4(), "complaint_id": cid, "seq": seq, "kind": kind,
                           "actor_id": self.actor.user_id, "occurred_at": when, "payload": safe, "prev_hash": prev,
                           "seal": seal, "hash": digest})
            prev = digest
        return row, events
