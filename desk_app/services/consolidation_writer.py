"""Consolidation's second pass: write the cases the first pass accepted (insert, or fast-forward an
existing case), chaining every taken event again with headquarters' key and sealing each case's newest
event over its rows as they then stand at headquarters; then the grumbles and opportunities (new ones
inserted; a grumble already there gains its complaint, or its full customer after a masked file)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from desk_app.db.models import (
    Branch,
    Complaint,
    ComplaintEvent,
    Customer,
    Grumble,
    ImprovementAction,
    User,
    improvement_action_cases,
)
from desk_app.domain.timeline import GENESIS_HASH, event_hash
from desk_app.reports.records import KINDS, PERSONAL_COLUMNS, TABLES
from desk_app.security import chain_key
from desk_app.services.consolidation_check import CHUNK, Plan
from desk_app.services.consolidation_report import ConsolidationReport
from desk_app.services.seals import current_seal

CASE_CHILDREN = ("party", "resolution", "callback", "root_cause")
"""The records of a case that a fast-forward replaces."""


class Applier:
    def __init__(self, session: Session, plan: Plan, report: ConsolidationReport) -> None:
        self.session, self.plan, self.report = session, plan, report
        self.conn = session.connection()
        self.pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.hq_last_seq: dict[uuid.UUID, int] = {}
        self.written: dict[str, int] = defaultdict(int)
        # The branch's chains are hashed with the branch's key, which never leaves it (its signature covers the
        # file): each event taken is chained again with HQ's key as it is written (INSERT only, so the
        # desk server's runtime role may do it), and each case's newest event is held back to be sealed at
        # the end over the case's rows as they then stand at HQ.
        self.key = chain_key()
        self.prev: dict[uuid.UUID, str] = {}
        self.held: dict[uuid.UUID, dict[str, Any]] = {}

    def _remap(self, v: dict[str, Any]) -> dict[str, Any]:
        if v.get("branch_id") is not None:
            v["branch_id"] = self.plan.branch_map.get(v["branch_id"], v["branch_id"])
        return v

    def flush(self) -> None:
        """Insert everything queued, parents before children (the record kinds are in that order)."""
        for kind in KINDS:
            rows = self.pending.pop(kind, [])
            if rows:
                self.conn.execute(TABLES[kind].insert(), rows)
                self.written[kind] += len(rows)

    def _queue(self, kind: str, v: dict[str, Any]) -> None:
        self.pending[kind].append(v)
        if len(self.pending[kind]) >= CHUNK:
            self.flush()

    def _case(self, cid: uuid.UUID) -> str:
        case = self.plan.cases.get(cid)
        return case.decision if case else ""

    def add(self, kind: str, values: dict[str, Any]) -> None:
        getattr(self, f"_{kind}")(values)

    def _branch(self, v: dict[str, Any]) -> None:
        if v["id"] in self.plan.new_branches:
            self.session.add(Branch(**{**v, "is_headquarters": False}))
            self.session.flush()
            self.report.branches_created.append(v["code"])
            self.written["branch"] += 1

    def _user(self, v: dict[str, Any]) -> None:
        new = self.plan.new_users.get(v["id"])
        if new is not None:
            values = self._remap(dict(new))
            # Inactive, and "!" is no argon2 hash: the account keeps the timeline's author but cannot sign in.
            values.update(password_hash="!", active=False, must_change_password=True, failed_logins=0)
            self.session.add(User(**values))
            self.session.flush()
            self.report.users_created.append(new["username"])
            self.written["user"] += 1

    def _customer(self, v: dict[str, Any]) -> None:
        current = self.plan.hq_customers.get(v["id"])
        if current is None:
            self._queue("customer", v)
        elif v["version"] > current or (not self.plan.masked and v["id"] in self.plan.hq_masked_customers):
            # newer at the branch, or HQ holds masked data and this file brings the full data
            values = {k: val for k, val in v.items() if k != "id"}
            if self.plan.masked:  # never overwrite full personal data with masked values
                for name in PERSONAL_COLUMNS["customer"]:
                    values.pop(name, None)
            self.conn.execute(update(Customer).where(Customer.id == v["id"]).values(**values))
            self.written["customer"] += 1

    def _complaint(self, v: dict[str, Any]) -> None:
        decision = self._case(v["id"])
        self._remap(v)
        if decision == "insert":
            self._queue("complaint", v)
        elif decision == "update":
            self.flush()
            self.conn.execute(update(Complaint).where(Complaint.id == v["id"])
                              .values(**{k: val for k, val in v.items() if k != "id"}))
            self.written["complaint"] += 1
            last = self.session.execute(select(ComplaintEvent.seq, ComplaintEvent.hash)
                                        .where(ComplaintEvent.complaint_id == v["id"])
                                        .order_by(ComplaintEvent.seq.desc()).limit(1)).first()
            self.hq_last_seq[v["id"]] = int(last[0]) if last else 0
            self.prev[v["id"]] = str(last[1]) if last else GENESIS_HASH
            for kind in CASE_CHILDREN:  # replaced by the branch's rows (queued next)
                self.conn.execute(delete(TABLES[kind]).where(TABLES[kind].c.complaint_id == v["id"]))

    def _child(self, kind: str, v: dict[str, Any]) -> None:
        decision = self._case(v["complaint_id"])
        new_at_hq = kind != "event" or v["seq"] > self.hq_last_seq.get(v["complaint_id"], 0)
        if decision == "insert" or (decision == "update" and new_at_hq):
            self._queue(kind, v)

    def _party(self, v: dict[str, Any]) -> None:
        self._child("party", v)

    def _event(self, v: dict[str, Any]) -> None:
        cid = v["complaint_id"]
        decision = self._case(cid)
        if not (decision == "insert" or (decision == "update" and v["seq"] > self.hq_last_seq.get(cid, 0))):
            return
        held = self.held.get(cid)
        if held is not None:
            self._queue("event", self._chained(held))
        self.held[cid] = v

    def _chained(self, v: dict[str, Any], seal: str | None = None) -> dict[str, Any]:
        """``v`` linked to the case's chain at HQ and hashed with HQ's key (``seal``: sealed anew)."""
        cid = v["complaint_id"]
        if seal is not None:
            v["seal"] = seal
        at = v["occurred_at"] if v["occurred_at"].tzinfo else v["occurred_at"].replace(tzinfo=UTC)
        v["prev_hash"] = self.prev.get(cid, GENESIS_HASH)
        v["hash"] = event_hash(v["prev_hash"], cid, v["seq"], v["kind"], v["actor_id"], at, v["payload"],
                               seal=v.get("seal"), key=self.key)
        self.prev[cid] = v["hash"]
        return v

    def finish(self) -> None:
        """Write what is queued, then each case's newest event, sealed with HQ's key over its rows now."""
        self.flush()
        for cid, v in self.held.items():
            self._queue("event", self._chained(v, current_seal(self.session, self.key, cid)[0]))
        self.held.clear()
        self.flush()

    def _resolution(self, v: dict[str, Any]) -> None:
        self._child("resolution", v)

    def _callback(self, v: dict[str, Any]) -> None:
        self._child("callback", v)

    def _root_cause(self, v: dict[str, Any]) -> None:
        self._child("root_cause", v)

    def _action(self, v: dict[str, Any]) -> None:
        self.flush()
        self._remap(v)
        current = self.session.execute(select(ImprovementAction.version)
                                       .where(ImprovementAction.id == v["id"])).scalar()
        if current is None:
            self.conn.execute(insert(ImprovementAction), [v])
            self.written["action"] += 1
        elif v["version"] > current:
            self.conn.execute(update(ImprovementAction).where(ImprovementAction.id == v["id"])
                              .values(**{k: val for k, val in v.items() if k != "id"}))
            self.written["action"] += 1

    def _grumble(self, v: dict[str, Any]) -> None:
        self._remap(v)
        if v["id"] in self.plan.unlinked:
            v["complaint_id"] = None  # its case is not at HQ yet
        known = self.plan.hq_grumbles.get(v["id"])
        if known is None:
            self._queue("grumble", v)
            return
        hq_complaint, hq_phone = known
        changes: dict[str, Any] = {}
        if hq_complaint is None and v["complaint_id"] is not None:
            changes["complaint_id"] = v["complaint_id"]
        if not self.plan.masked and "*" in hq_phone and v["customer_phone"] != hq_phone:
            changes.update(customer_name=v["customer_name"], customer_phone=v["customer_phone"])
        if changes:
            self.flush()  # the case it became may be queued
            self.conn.execute(update(Grumble).where(Grumble.id == v["id"]).values(**changes))
            self.written["grumble"] += 1

    def _opportunity(self, v: dict[str, Any]) -> None:
        if v["id"] not in self.plan.hq_opportunities:
            self._queue("opportunity", self._remap(v))

    def _action_case(self, v: dict[str, Any]) -> None:
        if self._case(v["complaint_id"]) not in ("insert", "update", "same", "hq_newer"):
            return
        links = improvement_action_cases
        exists = self.conn.execute(select(links.c.action_id).where(
            links.c.action_id == v["action_id"], links.c.complaint_id == v["complaint_id"])).first()
        if exists is None:
            self.conn.execute(links.insert(), [v])
            self.written["action_case"] += 1


