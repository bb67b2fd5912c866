"""``desk-cli check``: database reachable, schema at head, every keyed chain intact, every case's rows as
its last event sealed them, and the anchored chain heads still present. Each failure names the first
broken place (case number and event, or audit entry).

Re-keying (``rekey_chains``): chains written before migration 0011 were hashed without a key. After the
upgrade (``desk-cli migrate``, or the first start of a PC working on its own file) every chain that is
intact under the old unkeyed hash is re-hashed with the chain key, and the audit log says so; a chain
already broken is left as it is, so the re-keying cannot launder an earlier edit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from desk_app.db.migrate import schema_state
from desk_app.db.models import AuditEntry, Complaint, ComplaintEvent
from desk_app.db.uow import Database
from desk_app.domain.timeline import GENESIS_HASH, event_hash, legacy_event_hash
from desk_app.errors import DatabaseUnavailableError, UserError
from desk_app.i18n import _
from desk_app.security import chain_key
from desk_app.services import anchors, audit, seals
from desk_app.services.timeline import check_all_chains, check_chain

_PART_NAMES = {"case": "the case row", "resolutions": "its resolution rows", "customer": "its customer row"}


@dataclass
class CheckReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def good(self, line: str) -> None:
        self.lines.append("OK    " + line)

    def bad(self, line: str) -> None:
        self.ok = False
        self.lines.append("FAIL  " + line)


@dataclass(frozen=True)
class SealBreak:
    complaint_id: uuid.UUID
    case_number: str
    seq: int
    parts: tuple[str, ...]


def check_seals(session: Session, key: bytes) -> list[SealBreak]:
    """Cases whose rows differ from the seal of their last event (cases whose last event has no seal, e.g.
    imported before 0011, are sealed from their next event)."""
    top = (select(ComplaintEvent.complaint_id, func.max(ComplaintEvent.seq).label("seq"))
           .group_by(ComplaintEvent.complaint_id).subquery())
    rows = session.execute(select(ComplaintEvent.complaint_id, ComplaintEvent.seq, ComplaintEvent.seal,
                                  Complaint.case_number)
                           .join(top, (top.c.complaint_id == ComplaintEvent.complaint_id)
                                 & (top.c.seq == ComplaintEvent.seq))
                           .join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
                           .order_by(Complaint.case_number)).all()
    found: list[SealBreak] = []
    for cid, seq, sealed, number in rows:
        if not sealed:
            continue
        current, anonymised = seals.current_seal(session, key, cid)
        mismatch = seals.compare(sealed, current, anonymised)
        if mismatch:
            found.append(SealBreak(cid, number, seq, mismatch.parts))
    return found


def run_checks(db: Database) -> CheckReport:
    report = CheckReport()
    try:
        state = schema_state(db.engine)
    except DatabaseUnavailableError as exc:
        report.bad(str(exc))
        return report
    report.good(_("database reachable ({dialect})").format(dialect=db.dialect))
    if not state.at_head:
        report.bad(_("schema at {current}, expected {head}: run 'desk-cli migrate'").format(
            current=state.current or _("(empty)"), head=state.head))
        return report
    report.good(_("schema at head ({head})").format(head=state.head))
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            ctype = conn.execute(text("SELECT datctype FROM pg_database WHERE datname = current_database()")
                                 ).scalar_one()
        if "utf" in str(ctype).lower():
            report.good(_("database character type {ctype} supports Chinese text search").format(ctype=ctype))
        else:
            report.bad(_("database character type {ctype} is not UTF-8: Chinese search (pg_trgm) will not "
                         "work; create the database with LC_CTYPE C.UTF-8").format(ctype=ctype))
    try:
        key = chain_key()
    except UserError as exc:
        report.bad(str(exc))
        return report
    with db.unit_of_work() as session:
        breaks = check_all_chains(session, key)
        numbers = {c.id: c.case_number for c in session.scalars(
            select(Complaint).where(Complaint.id.in_([b.complaint_id for b in breaks])))} if breaks else {}
        for found in breaks:
            report.bad(_("timeline of case {number} broken at event {seq}: {reason}").format(
                number=numbers.get(found.complaint_id, str(found.complaint_id)), seq=found.seq, reason=found.reason))
        if not breaks:
            report.good(_("all case timelines intact (keyed)"))
        sealed = check_seals(session, key)
        for item in sealed:
            report.bad(_("case {number}: {parts} changed outside the app since event {seq} sealed them").format(
                number=item.case_number, seq=item.seq, parts=", ".join(_(_PART_NAMES[p]) for p in item.parts)))
        if not sealed:
            report.good(_("every case's rows match the seal of its last event"))
        audit_break = audit.verify(session, key)
        if audit_break:
            report.bad(_("audit log broken at entry {seq}: {reason}").format(seq=audit_break.seq,
                                                                            reason=audit_break.reason))
        else:
            report.good(_("audit log intact (keyed)"))
        path = anchors.anchor_file(session)
        if path is None or not path.exists():
            report.good(_("no anchored chain heads yet (written daily, or by 'desk-cli anchor')"))
        else:
            lost = anchors.check_anchors(session, path)
            for gone in lost:
                what = _("audit log") if gone.what == "audit" else _("timeline of case {number}").format(
                    number=gone.what)
                report.bad(_("{what}: entry {seq} anchored at {at} is {state} (a deleted or rewritten tail)").format(
                    what=what, seq=gone.seq, at=gone.anchored_at,
                    state=_("missing") if gone.reason == "missing" else _("different")))
            if not lost:
                report.good(_("chain heads anchored in {path} all present").format(path=path))
    return report


# ---- re-keying chains written before 0011 ------------------------------------------------------------

@dataclass(frozen=True)
class RekeyResult:
    chains_rekeyed: int
    chains_keyed: int
    chains_broken: tuple[str, ...]
    audit_rekeyed: bool


#: (complaint, seq, kind or action, actor, occurred at, payload, prev hash, hash, seal) of one link.
_Row = tuple[uuid.UUID, int, str, uuid.UUID | None, datetime, dict[str, Any], str, str, str | None]


def _rekey_links(rows: list[_Row], key: bytes) -> list[tuple[str, str]] | None:
    """New (prev, hash) for links intact under the legacy hash; None when they are already keyed or broken."""
    prev, legacy_prev, out = GENESIS_HASH, GENESIS_HASH, []
    for complaint_id, seq, kind, actor, at, payload, old_prev, old_hash, seal in rows:
        if old_prev != legacy_prev or legacy_event_hash(legacy_prev, complaint_id, seq, kind, actor, at,
                                                        payload) != old_hash:
            return None
        digest = event_hash(prev, complaint_id, seq, kind, actor, at, payload, seal=seal, key=key)
        out.append((prev, digest))
        prev, legacy_prev = digest, old_hash
    return out


def rekey_chains(db: Database, legacy: bool = True) -> RekeyResult:
    """Re-hash with the chain key every chain intact under the old unkeyed hash; record it in the audit log.
    Needs UPDATE on the chains (``desk-cli migrate`` runs as the tables' owner). ``legacy=False`` only
    records that every chain is keyed (nothing to convert)."""
    key = chain_key()
    rekeyed = keyed = 0
    broken: list[str] = []
    audit_rekeyed = False
    with db.unit_of_work() as session:
        if legacy:
            cases = session.execute(select(Complaint.id, Complaint.case_number).order_by(Complaint.case_number)).all()
            for cid, number in cases:
                events = session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == cid)
                                         .order_by(ComplaintEvent.seq)).all()
                if not events:
                    continue
                rows: list[_Row] = [(cid, e.seq, e.kind, e.actor_id, e.occurred_at, dict(e.payload), e.prev_hash,
                                     e.hash, e.seal) for e in events]
                new = _rekey_links(rows, key)
                if new is None:
                    if check_chain(session, cid, key) is None:
                        keyed += 1
                    else:
                        broken.append(number)
                    continue
                for event, (prev, digest) in zip(events, new, strict=True):
                    event.prev_hash, event.hash = prev, digest
                rekeyed += 1
            entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
            log: list[_Row] = [(e.complaint_id or audit.NO_CASE, e.seq, e.action, e.user_id, e.occurred_at,
                                dict(e.detail), e.prev_hash, e.hash, None) for e in entries]
            new = _rekey_links(log, key) if entries else None
            if new is not None:
                for entry, (prev, digest) in zip(entries, new, strict=True):
                    entry.prev_hash, entry.hash = prev, digest
                audit_rekeyed = True
            session.flush()
        audit.record(session, None, audit.AuditAction.CHAINS_REKEYED, None, {
            "chains_rekeyed": rekeyed, "chains_already_keyed": keyed, "chains_broken": broken[:100],
            "audit_rekeyed": audit_rekeyed})
    return RekeyResult(rekeyed, keyed, tuple(broken), audit_rekeyed)


def needs_rekey(db: Database) -> bool:
    """True when the log or a timeline still carries unkeyed hashes (a database from before 0011)."""
    with db.unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq).limit(1)).first()
        if entry is not None and entry.prev_hash == GENESIS_HASH and entry.hash == legacy_event_hash(
                GENESIS_HASH, entry.complaint_id or audit.NO_CASE, entry.seq, entry.action, entry.user_id,
                entry.occurred_at, dict(entry.detail)):
            return True
        event = session.scalars(select(ComplaintEvent).where(ComplaintEvent.seq == 1).limit(1)).first()
        return event is not None and event.hash == legacy_event_hash(
            GENESIS_HASH, event.complaint_id, 1, event.kind, event.actor_id, event.occurred_at, dict(event.payload))


def rekey_if_needed(db: Database) -> RekeyResult | None:
    return rekey_chains(db) if needs_rekey(db) else None
