"""``desk-cli check`` finds what someone with write access to the database but not the chain key can do: edit a
case, resolution or customer row, re-hash a chain without the key, delete the tail of a chain or of the audit
log. Re-keying a database from before 0011 keeps intact chains intact and leaves broken ones broken."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from desk_app import security
from desk_app.db.models import AuditEntry, Complaint, ComplaintEvent, Customer, Resolution
from desk_app.db.uow import Database
from desk_app.domain.enums import Complexity
from desk_app.domain.timeline import GENESIS_HASH, legacy_event_hash
from desk_app.domain.workflow import Action
from desk_app.services import anchors, audit, handling, integrity, retention
from desk_app.services import case_workflow as wf
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import ComplaintDetail
from tests.support.staff import Staff, draft


def _failures(db: Database) -> list[str]:
    report = integrity.run_checks(db)
    return [line[6:] for line in report.lines if line.startswith("FAIL")]


def _worked_case(db: Database, staff: Staff) -> ComplaintDetail:
    case = register_complaint(db, staff.clerk, draft(received_at=datetime.now(UTC) - timedelta(days=1)))
    case = wf.assign(db, staff.supervisor, case.id, case.version, staff.handler.user_id)
    case = wf.perform(db, staff.handler, case.id, case.version, Action.START)
    case = wf.pause(db, staff.handler, case.id, case.version, "送司法鉴定")
    case = wf.resume(db, staff.handler, case.id, case.version)
    handling.propose_resolution(db, staff.handler, case.id, resolution_type="compensation", amount="3000",
                                description="赔偿", basis="合约第五条", upheld=True)
    return wf.extend(db, staff.handler, case.id, case.version, Complexity.COMPLEX, "案情复杂")


def test_a_days_work_passes_the_check(database: Database, staff: Staff) -> None:
    _worked_case(database, staff)
    anchors.write_anchor(database)
    assert _failures(database) == []


@pytest.mark.parametrize(("table", "change", "named"), [
    ("complaint", {"due_on": datetime(2031, 1, 1).date()}, "the case row"),
    ("complaint", {"status": "closed"}, "the case row"),
    ("resolution", {"amount": 300000}, "its resolution rows"),
    ("customer", {"id_number": "110105194912310037"}, "its customer row"),
])
def test_a_direct_edit_of_a_case_row_is_found(database: Database, staff: Staff, table: str,
                                              change: dict[str, object], named: str) -> None:
    case = _worked_case(database, staff)
    with database.unit_of_work() as session:
        if table == "complaint":
            session.execute(update(Complaint).where(Complaint.id == case.id).values(**change))
        elif table == "resolution":
            session.execute(update(Resolution).where(Resolution.complaint_id == case.id).values(**change))
        else:
            session.execute(update(Customer).where(Customer.id == case.customer.id).values(**change))
        last = session.scalar(select(func.max(ComplaintEvent.seq)).where(ComplaintEvent.complaint_id == case.id))
    assert _failures(database) == [
        f"case {case.case_number}: {named} changed outside the app since event {last} sealed them"]


def test_a_chain_rehashed_without_the_key_is_found(database: Database, staff: Staff) -> None:
    case = _worked_case(database, staff)
    with database.unit_of_work() as session:  # change event 2 and re-hash it and every later link, unkeyed
        events = session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id)
                                 .order_by(ComplaintEvent.seq)).all()
        prev = events[0].hash
        for event in events[1:]:
            if event.seq == 2:
                event.payload = {**event.payload, "note": "改过"}
            event.prev_hash = prev
            event.hash = legacy_event_hash(prev, case.id, event.seq, event.kind, event.actor_id, event.occurred_at,
                                           dict(event.payload))
            prev = event.hash
    assert _failures(database) == [
        f"timeline of case {case.case_number} broken at event 2: content does not match its hash"]


def test_a_chain_rehashed_with_another_key_is_found(database: Database, staff: Staff) -> None:
    from desk_app.domain.timeline import event_hash

    case = _worked_case(database, staff)
    with database.unit_of_work() as session:
        first = session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id,
                                                             ComplaintEvent.seq == 1)).one()
        first.hash = event_hash(GENESIS_HASH, case.id, 1, first.kind, first.actor_id, first.occurred_at,
                                dict(first.payload), seal=first.seal, key=b"guessed-key-0123456789")
    assert _failures(database)[0].startswith(f"timeline of case {case.case_number} broken at event 1")


def test_a_deleted_tail_is_found_through_the_anchor(database: Database, staff: Staff) -> None:
    case = _worked_case(database, staff)
    written = anchors.write_anchor(database)
    assert written is not None and written.chains == 1
    with database.unit_of_work() as session:
        last = session.scalar(select(func.max(ComplaintEvent.seq)).where(ComplaintEvent.complaint_id == case.id))
        assert last is not None
        session.execute(delete(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id,
                                                     ComplaintEvent.seq >= last - 1))
        # and make the case row agree with what is left, so that only the anchor can tell
        sealed = session.scalar(select(ComplaintEvent.seal).where(ComplaintEvent.complaint_id == case.id,
                                                                  ComplaintEvent.seq == last - 2))
        assert sealed
    failures = _failures(database)
    assert any(f"timeline of case {case.case_number}: entry {last} anchored at" in line and "missing" in line
               for line in failures), failures


def test_a_deleted_audit_tail_is_found_through_the_anchor(database: Database, staff: Staff) -> None:
    _worked_case(database, staff)
    anchors.write_anchor(database)
    with database.unit_of_work() as session:
        last = session.scalar(select(func.max(AuditEntry.seq)))
        session.execute(delete(AuditEntry).where(AuditEntry.seq == last))
    failures = _failures(database)
    assert failures == [f"audit log: entry {last} anchored at " + failures[0].split(" anchored at ")[1]]
    assert "missing" in failures[0]


def test_an_edited_audit_entry_is_found(database: Database, staff: Staff) -> None:
    _worked_case(database, staff)
    with database.unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq).limit(1)).one()
        entry.detail = {**entry.detail, "client": "nobody"}
        seq = entry.seq
    assert _failures(database) == [f"audit log broken at entry {seq}: content does not match its hash"]


def test_anonymisation_keeps_the_check_green(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    with database.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == case.id).values(
            status="closed", closed_at=datetime.now(UTC) - timedelta(days=4 * 366)))
        # the closing is a direct edit too: seal it as a closing in the app would
    wf.add_note(database, staff.clerk, case.id, "结案归档")
    assert retention.anonymise(database, staff.admin, 3, datetime.now(UTC).date()) == 1
    assert _failures(database) == []


def _unkey(db: Database) -> None:
    """Make the database look as before 0011: unkeyed hashes, no seals."""
    with db.unit_of_work() as session:
        cases = session.scalars(select(Complaint.id)).all()
        for cid in cases:
            prev = GENESIS_HASH
            for e in session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == cid)
                                     .order_by(ComplaintEvent.seq)):
                e.seal, e.prev_hash = None, prev
                e.hash = legacy_event_hash(prev, cid, e.seq, e.kind, e.actor_id, e.occurred_at, dict(e.payload))
                prev = e.hash
        prev = GENESIS_HASH
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            entry.prev_hash = prev
            entry.hash = legacy_event_hash(prev, entry.complaint_id or audit.NO_CASE, entry.seq, entry.action,
                                           entry.user_id, entry.occurred_at, dict(entry.detail))
            prev = entry.hash


def test_rekeying_an_old_database(database: Database, staff: Staff) -> None:
    good = _worked_case(database, staff)
    bad = register_complaint(database, staff.clerk, draft())
    _unkey(database)
    with database.unit_of_work() as session:  # an edit made before the upgrade, never re-hashed
        event = session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == bad.id)).first()
        assert event is not None
        event.payload = {**event.payload, "channel": "letter"}
    assert integrity.needs_rekey(database)
    assert any("broken at event 1" in line for line in _failures(database))
    result = integrity.rekey_chains(database)
    assert result.chains_rekeyed == 1 and result.chains_broken == (bad.case_number,) and result.audit_rekeyed
    assert not integrity.needs_rekey(database)
    assert _failures(database) == [
        f"timeline of case {bad.case_number} broken at event 1: content does not match its hash"]
    with database.unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "chains_rekeyed")).one()
        assert entry.detail["chains_broken"] == [bad.case_number]
    assert good.case_number not in " ".join(_failures(database))


def test_the_key_file_is_private_and_made_once(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "chain.key"
    security.use_chain_key_file(path)
    try:
        key = security.chain_key()
        assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
        assert security.chain_key() == key
        other = tmp_path / "other.key"
        other.write_text(hashlib.sha256(b"x").hexdigest() + "\n")
        os.chmod(other, 0o644)
        security.use_chain_key_file(other)
        with pytest.raises(security.ChainKeyError, match="chmod 600"):
            security.chain_key()
    finally:
        security.use_chain_key_file(None)


def test_a_chain_from_another_key_is_rehashed_after_its_signature_was_checked(database: Database,
                                                                                staff: Staff) -> None:
    from desk_app.domain.timeline import event_hash
    from desk_app.services.timeline import rehash_chain

    case = _worked_case(database, staff)
    branch_key = b"a-branch-key-that-never-leaves-it"
    with database.unit_of_work() as session:  # as a branch's file brings it: keyed with the branch's key
        prev = GENESIS_HASH
        for e in session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id)
                                 .order_by(ComplaintEvent.seq)):
            e.prev_hash, e.hash = prev, event_hash(prev, case.id, e.seq, e.kind, e.actor_id, e.occurred_at,
                                                   dict(e.payload), seal=e.seal, key=branch_key)
            prev = e.hash
    assert _failures(database)[0].startswith(f"timeline of case {case.case_number} broken at event 1")
    with database.unit_of_work() as session:
        assert rehash_chain(session, case.id) > 5
    assert _failures(database) == []


@pytest.mark.parametrize("chains", [3, 2_000])
def test_the_daily_line_is_due_once_a_day_however_long_the_last_line(database: Database, staff: Staff,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       chains: int) -> None:
    """A line holds every chain changed since the one before: 2,000 of them make a 230 KB line, and a first
    line at a million cases is 34 MB. Its time is at its start. Read from a 4 KiB tail, a line of more than
    about 40 chains lost its time, and every later sign-in found the day's line due and read every head."""
    fake = {f"{n:08d}-0000-0000-0000-000000000000": (n + 1, f"{n:064x}") for n in range(chains)}
    monkeypatch.setattr(anchors, "_heads", lambda _session: fake)
    at = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    written = anchors.anchor_if_due(database, now=at)
    assert written is not None and written.chains == chains
    assert (written.path.stat().st_size > 200_000) == (chains == 2_000)
    assert anchors.anchor_if_due(database, now=at + timedelta(hours=23)) is None
    again = anchors.anchor_if_due(database, now=at + timedelta(hours=24))
    assert again is not None and again.chains == 0  # nothing changed: a short line after the long one
    assert anchors.anchor_if_due(database, now=at + timedelta(hours=25)) is None
    with written.path.open("ab") as fh:
        fh.write(b"\n\n")  # blank lines at the end (a copy edited by hand) change nothing
    assert anchors.anchor_if_due(database, now=at + timedelta(hours=26)) is None
