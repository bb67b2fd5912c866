"""Consolidation's first pass: validate every record of the file (its table, the case's hash-chained
timeline, references between records, taxonomy codes and case numbers at headquarters, who may send
which branch's cases and grumbles) and decide, per case, what the second pass does by comparing its timeline
with headquarters' copy; grumbles and opportunities are new at headquarters or already there (a grumble
there may gain its complaint, or its full customer after a masked file)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, Complaint, ComplaintEvent, Customer, Grumble, Opportunity, TaxonomyCode, User
from desk_app.domain.timeline import ChainLink, verify_links
from desk_app.i18n import _
from desk_app.reports.records import FORMAT_NAME, KINDS, TABLES, RecordDigest, RecordError, decode
from desk_app.services.consolidation_report import Conflict, ConsolidationReport
from desk_app.services.consolidation_source import Signer

CHUNK = 500
MAX_PROBLEMS = 200


@dataclass
class CaseInfo:
    case_number: str
    version: int
    updated_at: datetime
    customer_id: uuid.UUID
    events: list[uuid.UUID] = field(default_factory=list)
    """The ids of its timeline's events, in order (compared with HQ's to tell who is ahead)."""
    decision: str = ""


@dataclass
class Plan:
    branch_map: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    new_branches: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    new_users: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    cases: dict[uuid.UUID, CaseInfo] = field(default_factory=dict)
    hq_customers: dict[uuid.UUID, int] = field(default_factory=dict)
    """Customers of the file already at HQ → their version there."""
    hq_masked_customers: set[uuid.UUID] = field(default_factory=set)
    """… of which HQ only holds masked personal data (from an earlier masked export)."""
    masked: bool = False
    hq_grumbles: dict[uuid.UUID, tuple[uuid.UUID | None, str]] = field(default_factory=dict)
    """Grumbles of the file already at HQ → their complaint and customer phone there."""
    hq_opportunities: set[uuid.UUID] = field(default_factory=set)
    unlinked: set[uuid.UUID] = field(default_factory=set)
    """Grumbles turned into a case that is neither in the file nor at HQ: taken without the link, which a
    later file holding the case brings."""


class Validator:
    def __init__(self, session: Session, report: ConsolidationReport) -> None:
        self.session, self.report = session, report
        self.plan = Plan()
        self.digest = RecordDigest()
        self.branches: dict[uuid.UUID, dict[str, Any]] = {}
        self.users: dict[uuid.UUID, dict[str, Any]] = {}
        self.customers: set[uuid.UUID] = set()
        self.actions: set[uuid.UUID] = set()
        self.grumbles: dict[uuid.UUID, uuid.UUID | None] = {}
        """Grumble → the case it became."""
        self.opportunities: dict[uuid.UUID, tuple[uuid.UUID | None, uuid.UUID | None]] = {}
        """Opportunity → (its case, its grumble)."""
        self.codes = {code: axis for code, axis in session.execute(select(TaxonomyCode.code, TaxonomyCode.axis))}
        self.referenced_users: set[uuid.UUID] = set()
        self.referenced_branches: set[uuid.UUID] = set()
        self.case_branches: set[uuid.UUID] = set()
        self._chain: list[ChainLink] = []
        self._chain_ids: list[uuid.UUID] = []
        self._chain_case: uuid.UUID | None = None
        self.count = 0

    def problem(self, message: str) -> None:
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(message)

    def add(self, kind: str, textual: str) -> None:
        self.count += 1
        self.digest.add(kind, textual)
        if kind not in TABLES:
            self.problem(_("Record {n}: unknown kind {kind}.").format(n=self.count, kind=kind))
            return
        try:
            values = decode(kind, textual)
        except RecordError as exc:
            self.problem(_("Record {n} ({kind}): {error}").format(n=self.count, kind=kind, error=exc))
            return
        getattr(self, f"_{kind}")(values)

    def _branch(self, v: dict[str, Any]) -> None:
        self.branches[v["id"]] = v

    def _user(self, v: dict[str, Any]) -> None:
        self.users[v["id"]] = v
        self.referenced_branches.add(v["branch_id"])
        if v["branch_id"] not in self.branches:
            self.problem(_("Staff account {name}: its branch is not in the file.").format(name=v["username"]))

    def _customer(self, v: dict[str, Any]) -> None:
        self.customers.add(v["id"])

    def _complaint(self, v: dict[str, Any]) -> None:
        number = v["case_number"]
        if v["branch_id"] not in self.branches:
            self.problem(_("Case {number}: its branch is not in the file.").format(number=number))
        if v["customer_id"] not in self.customers:
            self.problem(_("Case {number}: its customer is not in the file.").format(number=number))
        for axis in "abcd":
            code = v[f"axis_{axis}"]
            if code is not None and self.codes.get(code) != axis.upper():
                self.problem(_("Case {number}: code {code} is unknown at headquarters (load the current taxonomy "
                               "first).").format(number=number, code=code))
        self.referenced_users.update(u for u in (v["created_by_id"], v["owner_id"]) if u is not None)
        self.referenced_branches.add(v["branch_id"])
        self.case_branches.add(v["branch_id"])
        self.plan.cases[v["id"]] = CaseInfo(number, v["version"], v["updated_at"], v["customer_id"])

    def _child(self, kind: str, v: dict[str, Any]) -> None:
        if v["complaint_id"] not in self.plan.cases:
            self.problem(_("A {kind} record belongs to a case that is not in the file.").format(kind=kind))

    def _party(self, v: dict[str, Any]) -> None:
        self._child("party", v)

    def _event(self, v: dict[str, Any]) -> None:
        self._child("event", v)
        if v["complaint_id"] != self._chain_case:
            self.finish_chain()
            self._chain_case = v["complaint_id"]
        self._chain.append(ChainLink(v["complaint_id"], v["seq"], v["kind"], v["actor_id"], v["occurred_at"],
                                     v["payload"], v["prev_hash"], v["hash"], v.get("seal")))
        self._chain_ids.append(v["id"])
        if v["actor_id"] is not None:
            self.referenced_users.add(v["actor_id"])

    def finish_chain(self) -> None:
        if not self._chain:
            return
        broken = verify_links(self._chain)
        case = self.plan.cases.get(self._chain[0].complaint_id)
        if broken is not None:
            self.problem(_("Case {number}: its timeline is broken at entry {seq} ({reason}).").format(
                number=case.case_number if case else broken.complaint_id, seq=broken.seq, reason=broken.reason))
        elif case is not None:
            case.events = list(self._chain_ids)
        self._chain = []
        self._chain_ids = []

    def _resolution(self, v: dict[str, Any]) -> None:
        self._child("resolution", v)
        self.referenced_users.update(u for u in (v["proposed_by_id"], v["approved_by_id"]) if u is not None)

    def _callback(self, v: dict[str, Any]) -> None:
        self._child("callback", v)
        self.referenced_users.add(v["called_by_id"])

    def _root_cause(self, v: dict[str, Any]) -> None:
        self._child("root_cause", v)
        self.referenced_users.add(v["recorded_by_id"])

    def _action(self, v: dict[str, Any]) -> None:
        self.actions.add(v["id"])
        if v["branch_id"] is not None:
            self.referenced_branches.add(v["branch_id"])
        if v["owner_id"] is not None:
            self.referenced_users.add(v["owner_id"])

    def _action_case(self, v: dict[str, Any]) -> None:
        if v["action_id"] not in self.actions or v["complaint_id"] not in self.plan.cases:
            self.problem(_("A link between an improvement action and a case names a record not in the file."))

    def _sent(self, what: str, v: dict[str, Any], codes: tuple[tuple[str, str], ...]) -> None:
        """A grumble's or an opportunity's branch, author and taxonomy codes (``codes``: column, axis)."""
        if v["branch_id"] not in self.branches:
            self.problem(_("A {what} record: its branch is not in the file.").format(what=what))
        self.referenced_branches.add(v["branch_id"])
        self.case_branches.add(v["branch_id"])  # a branch sends only its own (check_senders)
        self.referenced_users.add(v["recorded_by_id"])
        for column, axis in codes:
            if self.codes.get(v[column]) != axis:
                self.problem(_("A {what} record: code {code} is unknown at headquarters (load the current "
                               "taxonomy first).").format(what=what, code=v[column]))

    def _grumble(self, v: dict[str, Any]) -> None:
        self._sent(_("grumble"), v, (("axis_b", "B"), ("axis_c", "C")))
        self.grumbles[v["id"]] = v["complaint_id"]

    def _opportunity(self, v: dict[str, Any]) -> None:
        self._sent(_("opportunity"), v, (("product", "B"),))
        if (v["complaint_id"] is None) == (v["grumble_id"] is None):
            self.problem(_("An opportunity record belongs to neither one case nor one grumble."))
        self.opportunities[v["id"]] = (v["complaint_id"], v["grumble_id"])

    def _finish_prevention(self) -> None:
        """Grumbles and opportunities already at HQ; a case or grumble they name that is in neither place."""
        s, plan = self.session, self.plan
        ids = list(self.grumbles)
        for i in range(0, len(ids), CHUNK):
            for gid, complaint_id, phone in s.execute(select(Grumble.id, Grumble.complaint_id, Grumble.customer_phone)
                                                      .where(Grumble.id.in_(ids[i:i + CHUNK]))):
                plan.hq_grumbles[gid] = (complaint_id, phone)
        plan.hq_opportunities = set(self._existing(Opportunity.id, list(self.opportunities)))
        named = {cid for cid in self.grumbles.values() if cid is not None} | {
            cid for cid, _g in self.opportunities.values() if cid is not None}
        absent = named - set(plan.cases)
        at_hq = set(self._existing(Complaint.id, list(absent)))
        plan.unlinked = {gid for gid, cid in self.grumbles.items() if cid is not None and cid in absent - at_hq}
        grumbles_absent = {gid for _c, gid in self.opportunities.values() if gid is not None} - set(self.grumbles)
        grumbles_at_hq = set(self._existing(Grumble.id, list(grumbles_absent)))
        self.report.grumbles_new = len(self.grumbles) - len(plan.hq_grumbles)
        self.report.grumbles_unlinked = len(plan.unlinked)
        self.report.opportunities_new = len(self.opportunities) - len(plan.hq_opportunities)
        for case_id, grumble_id in self.opportunities.values():
            if (case_id is not None and case_id in absent - at_hq) or (
                    grumble_id is not None and grumble_id in grumbles_absent - grumbles_at_hq):
                self.problem(_("An opportunity belongs to a case or grumble that is neither in the file nor at "
                               "headquarters: consolidate the branch's earlier file first."))

    # -- after the whole file has been read ------------------------------------------------------

    def finish(self, manifest: dict[str, Any]) -> None:
        self.finish_chain()
        if manifest.get("format") == FORMAT_NAME:  # an export's records (their checksum is checked on opening)
            for kind in KINDS:
                expected = manifest.get(f"count_{kind}")
                if expected is not None and expected != self.digest.counts.get(kind, 0):
                    self.problem(_("The file should hold {n} {kind} records but holds {m}.").format(
                        n=expected, kind=kind, m=self.digest.counts.get(kind, 0)))
        self.plan.masked = manifest.get("personal_data") == "masked"
        s = self.session
        hq_branches = {b.id: b for b in s.scalars(select(Branch))}
        by_code = {b.code.upper(): b for b in hq_branches.values()}
        for bid, v in self.branches.items():
            if bid in hq_branches:
                self.plan.branch_map[bid] = bid
            elif v["code"].upper() in by_code:
                self.plan.branch_map[bid] = by_code[v["code"].upper()].id
            elif bid in self.referenced_branches:
                self.plan.branch_map[bid] = bid
                self.plan.new_branches[bid] = v
        for uid in self.referenced_users:
            if uid not in self.users:
                known = s.get(User, uid)
                if known is None:
                    self.problem(_("A record names a staff account that is neither in the file nor at headquarters."))
        customer_ids = list(self.customers)
        for i in range(0, len(customer_ids), CHUNK):
            for cid, version, id_number, phone in s.execute(
                    select(Customer.id, Customer.version, Customer.id_number, Customer.phone)
                    .where(Customer.id.in_(customer_ids[i:i + CHUNK]))):
                self.plan.hq_customers[cid] = version
                if "*" in id_number or "*" in phone:
                    self.plan.hq_masked_customers.add(cid)
        hq_users = set(self._existing(User.id, list(self.users)))
        taken = {name.lower() for name in s.scalars(select(User.username))}
        for uid, v in self.users.items():
            if uid in hq_users:
                continue
            name = v["username"]
            if name.lower() in taken:
                code = self.branches.get(v["branch_id"], {}).get("code", "x").lower()
                name = f"{code}.{v['username']}"[:64]
                n = 2
                while name.lower() in taken:
                    name, n = f"{code}.{v['username']}.{n}"[:64], n + 1
            taken.add(name.lower())
            self.plan.new_users[uid] = {**v, "username": name}
        self._finish_prevention()
        self._decide()

    def _existing(self, column: Any, ids: list[Any]) -> Iterator[Any]:
        for i in range(0, len(ids), CHUNK):
            yield from self.session.scalars(select(column).where(column.in_(ids[i:i + CHUNK])))

    def _decide(self) -> None:
        s, plan, report = self.session, self.plan, self.report
        ids = list(plan.cases)
        hq: dict[uuid.UUID, tuple[str, int, datetime]] = {}
        for i in range(0, len(ids), CHUNK):
            for cid, number, version, updated in s.execute(
                    select(Complaint.id, Complaint.case_number, Complaint.version, Complaint.updated_at)
                    .where(Complaint.id.in_(ids[i:i + CHUNK]))):
                hq[cid] = (number, version, updated)
        numbers = [c.case_number for cid, c in plan.cases.items() if cid not in hq]
        for i in range(0, len(numbers), CHUNK):
            for number in s.scalars(select(Complaint.case_number).where(
                    Complaint.case_number.in_(numbers[i:i + CHUNK]))):
                self.problem(_("Case number {number} is already used at headquarters by another case.").format(
                    number=number))
        chains: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        present = list(hq)
        for i in range(0, len(present), CHUNK):
            for cid, event_id in s.execute(select(ComplaintEvent.complaint_id, ComplaintEvent.id)
                                           .where(ComplaintEvent.complaint_id.in_(present[i:i + CHUNK]))
                                           .order_by(ComplaintEvent.complaint_id, ComplaintEvent.seq)):
                chains[cid].append(event_id)
        for cid, case in plan.cases.items():
            if cid not in hq:
                case.decision = "insert"
                report.inserted += 1
                continue
            _number, hq_version, hq_updated = hq[cid]
            mine, theirs = chains.get(cid, []), case.events
            common = len(mine) == len(theirs) and mine == theirs
            if common:
                if case.version == hq_version:
                    case.decision = "same"
                elif case.version > hq_version:
                    case.decision = "update"
                else:
                    case.decision = "hq_newer"
            elif theirs[:len(mine)] == mine:  # HQ's timeline is the start of the branch's: fast-forward
                case.decision = "update" if case.version >= hq_version else "conflict"
            elif mine[:len(theirs)] == theirs:
                case.decision = "hq_newer" if hq_version >= case.version else "conflict"
            else:
                case.decision = "conflict"
            if case.decision == "conflict":
                report.conflicts.append(Conflict(case.case_number, cid, _("changed at the branch and at headquarters"),
                                                 hq_version, hq_updated, case.version, case.updated_at))
            elif case.decision == "update":
                report.updated += 1
            elif case.decision == "same":
                report.unchanged += 1
            else:
                report.hq_newer += 1


def check_senders(validator: Validator, signer: Signer) -> None:
    """A branch may send only its own cases; headquarters may send any branch's."""
    if signer.is_headquarters:
        return
    others = sorted({str(validator.branches[b]["code"]) for b in validator.case_branches if b in validator.branches}
                    - {signer.code})
    if others:
        validator.problem(_("This file holds cases of {codes}, which branch {signer} may not send.").format(
            codes=", ".join(others), signer=signer.code))


