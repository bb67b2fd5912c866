"""Consolidation at HQ: a branch's export workbook or SQLite file merged into the HQ database by UUID —
idempotent, fast-forward updates, conflicts for cases changed on both sides, and nothing imported
from a file that fails validation."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import sqlite3
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from signing_support import office
from sqlalchemy import func, select, text

from desk_app import signing
from desk_app.db.engine import make_engine
from desk_app.db.models import Branch, Complaint, ComplaintEvent, Customer, ImportBatch, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.errors import OperationCancelled, PermissionDeniedError
from desk_app.reports.figures import Summary
from desk_app.reports.records import MANIFEST_SHEET, RECORDS_PART
from desk_app.reports.records_db import extract
from desk_app.security import chain_key
from desk_app.services import case_workflow, consolidation
from desk_app.services.consolidation import consolidate, is_consolidation_source
from desk_app.services.detail_export import export_detail
from desk_app.services.integrity import check_seals
from desk_app.services.report_scope import ReportScope
from desk_app.services.statistics import compute_statistics
from desk_app.services.timeline import check_all_chains
from tests.reports.report_data import NOW, TODAY, build_report_data
from tests.support.branch_files import (
    ALL_TIME,
    branch_actor,
    export,
    read_manifest,
    replace_records_part,
    rewrite_manifest,
)
from tests.support.office import convert_with_libreoffice


def case_count(db: Database, branch: str | None = None) -> int:
    with db.unit_of_work() as s:
        query = select(func.count()).select_from(Complaint)
        if branch:
            query = query.join(Branch, Branch.id == Complaint.branch_id).where(Branch.code == branch)
        return s.scalar(query) or 0


def test_export_consolidates_idempotently(branch_db: Database, database: Database, hq: Actor, tmp_path: Path) -> None:
    path = export(branch_db, tmp_path / "sh01.xlsx")
    assert is_consolidation_source(path)
    with office(tmp_path / "hq-chain.key"):  # HQ's chain key is not the branch's
        _consolidate_at_hq(branch_db, database, hq, path)


def _consolidate_at_hq(branch_db: Database, database: Database, hq: Actor, path: Path) -> None:
    dry = consolidate(database, hq, path, dry_run=True)
    expected = case_count(branch_db, "SH01")
    assert dry.inserted == expected > 10 and not dry.problems and case_count(database) == 0
    report = consolidate(database, hq, path)
    assert report.imported and report.inserted == expected and not report.conflicts
    assert "SH01" not in report.branches_created  # registered with its key before (others: staff's branches)
    assert "sh01.clerk" in report.users_created  # who registered the cases
    assert case_count(database, "SH01") == expected
    with database.unit_of_work() as s:
        assert check_all_chains(s) == []  # the branch's chains, chained and sealed again with HQ's key
        assert check_seals(s, chain_key()) == []  # each case's rows match its newest event's seal
        users = s.scalars(select(User).where(User.username.in_(report.users_created))).all()
        assert users and not any(u.active for u in users)
        branch_events = s.scalar(select(func.count()).select_from(ComplaintEvent)) or 0
    with branch_db.unit_of_work() as s:
        source_events = s.scalar(select(func.count()).select_from(ComplaintEvent).join(
            Complaint, Complaint.id == ComplaintEvent.complaint_id).join(Branch, Branch.id == Complaint.branch_id)
            .where(Branch.code == "SH01")) or 0
    assert branch_events == source_events
    # HQ's figures for SH01 are the branch's own figures.
    scope = ReportScope(date(2026, 4, 1), date(2026, 6, 30), ("SH01",))
    at_branch = compute_statistics(branch_db, branch_actor(branch_db), scope, today=TODAY)
    at_hq = compute_statistics(database, hq, scope, today=TODAY)
    # (repeat complaints look at earlier cases at any branch: the branch database also holds other branches')
    def comparable(summary: Summary) -> Summary:
        return replace(summary, repeat_cases=0, median_days_to_first_contact=None, median_days_to_decision=None)

    assert comparable(at_hq.summary) == comparable(at_branch.summary)
    assert at_hq.summary.median_days_to_decision == pytest.approx(at_branch.summary.median_days_to_decision)
    again = consolidate(database, hq, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, expected)
    assert sum(again.records_written.values()) == 0


def test_updates_fast_forward_and_conflicts_are_reported(branch_db: Database, database: Database, hq: Actor,
                                                          tmp_path: Path) -> None:
    at_hq = tmp_path / "hq-chain.key"  # HQ's chain key is not the branch's
    first = export(branch_db, tmp_path / "first.xlsx")
    with office(at_hq):
        consolidate(database, hq, first)
    with branch_db.unit_of_work() as s:
        a, b = s.execute(select(Complaint.id, Complaint.version).join(Branch, Branch.id == Complaint.branch_id)
                         .where(Branch.code == "SH01").order_by(Complaint.case_number).limit(2)).all()
    supervisor = branch_actor(branch_db, "sh01.supervisor")
    case_workflow.escalate(branch_db, supervisor, a.id, a.version, "客户情绪激动")  # only at the branch
    case_workflow.escalate(branch_db, supervisor, b.id, b.version, "媒体关注")  # at the branch ...
    second = export(branch_db, tmp_path / "second.xlsx")
    with office(at_hq):
        with database.unit_of_work() as s:
            hq_b_version = s.scalar(select(Complaint.version).where(Complaint.id == b.id))
        case_workflow.add_note(database, hq, b.id, "总部复核意见")  # ... and at HQ
        case_workflow.escalate(database, hq, b.id, hq_b_version, "总部督办")
        report = consolidate(database, hq, second)
        with database.unit_of_work() as s:
            assert check_all_chains(s) == []  # fast-forwarded events chained on with HQ's key
    assert report.imported and report.updated == 1
    assert [c.complaint_id for c in report.conflicts] == [b.id]
    conflict = report.conflicts[0]
    assert conflict.hq_version > hq_b_version and conflict.branch_version == b.version + 1
    assert "conflict" in report.text().lower() or "Conflicts" in report.text()
    with database.unit_of_work() as s:
        assert s.scalar(select(Complaint.escalated).where(Complaint.id == a.id))
        kinds_b = list(s.scalars(select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == b.id)
                                 .order_by(ComplaintEvent.seq)))
        assert kinds_b[-2:] == ["note", "escalated"]  # HQ's version kept


def test_tampered_workbook_imports_nothing(branch_db: Database, database: Database, hq: Actor,
                                           tmp_path: Path) -> None:
    path = export(branch_db, tmp_path / "sh01.xlsx")
    records = tmp_path / "records.sqlite3"
    with zipfile.ZipFile(path) as zf, zf.open(RECORDS_PART) as part:
        extract(part, records)
    with sqlite3.connect(records) as conn:  # change an amount, as someone editing the file might
        assert conn.execute("UPDATE complaints SET claimed_amount = claimed_amount + 9000 "
                            "WHERE rowid = (SELECT min(rowid) FROM complaints)").rowcount == 1
    conn.close()
    tampered = tmp_path / "tampered.xlsx"
    replace_records_part(path, tampered, gzip.compress(records.read_bytes()))
    report = consolidate(database, hq, tampered)
    assert report.problems and any("checksum" in p for p in report.problems)
    assert report.inserted == 0 and case_count(database) == 0


@pytest.mark.parametrize("damage", ["missing", "cut short", "not gzip"])
def test_damaged_records_part_imports_nothing(branch_db: Database, database: Database, hq: Actor,
                                              tmp_path: Path, damage: str) -> None:
    path = export(branch_db, tmp_path / "sh01.xlsx")
    with zipfile.ZipFile(path) as zf:
        data = zf.read(RECORDS_PART)
    damaged = tmp_path / "damaged.xlsx"
    replace_records_part(path, damaged, {"missing": None, "cut short": data[:len(data) // 2],
                                         "not gzip": b"SQLite format 3\x00" + data}[damage])
    before = damaged.read_bytes()
    report = consolidate(database, hq, damaged)
    expected = "saved again in a spreadsheet program" if damage == "missing" else "records of this workbook are damaged"
    assert len(report.problems) == 1 and expected in report.problems[0]
    assert report.inserted == 0 and case_count(database) == 0 and damaged.read_bytes() == before


def test_export_of_an_older_format_is_refused(branch_db: Database, database: Database, hq: Actor,
                                              tmp_path: Path) -> None:
    path = export(branch_db, tmp_path / "sh01.xlsx")
    older = tmp_path / "older.xlsx"
    wb = load_workbook(path)
    manifest = wb[MANIFEST_SHEET]
    row = next(r for r in manifest.iter_rows() if r[0].value == "format_version")
    row[1].value = 1
    wb.save(older)
    report = consolidate(database, hq, older)
    assert report.problems == ["This export was made by an older version of Complaint Desk (format 1); export it "
                               "again at the branch."]
    assert case_count(database) == 0


def test_a_database_file_is_refused_as_unsigned(branch_db: Database, database: Database, hq: Actor) -> None:
    path = Path(str(branch_db.engine.url.database))
    branch_db.dispose()
    assert is_consolidation_source(path)
    report = consolidate(database, hq, path)
    assert len(report.problems) == 1 and "database file is not signed" in report.problems[0]
    assert "export every case" in report.problems[0]  # the fix
    assert not report.imported and case_count(database) == 0


def test_a_signed_export_of_a_broken_timeline_is_refused(branch_db: Database, database: Database, hq: Actor,
                                                         tmp_path: Path) -> None:
    """Someone deletes an event in the branch's database behind the app's back, then exports it: the file is
    genuinely signed, but the chain's links tell (its hashes are keyed with the branch's key, which only the
    branch's own check can verify)."""
    with branch_db.unit_of_work() as s:
        assert s.execute(text(
            "DELETE FROM complaint_events WHERE seq = 2 AND complaint_id = (SELECT e.complaint_id FROM "
            "complaint_events e JOIN complaints c ON c.id = e.complaint_id JOIN branches b ON b.id = c.branch_id "
            "WHERE e.seq = 3 AND b.code = 'SH01' LIMIT 1)")).rowcount == 1  # not a case's last event
    broken = consolidate(database, hq, export(branch_db, tmp_path / "sh01.xlsx"))
    assert any("timeline is broken" in p for p in broken.problems), broken.problems
    assert case_count(database) == 0


def test_unsigned_forged_and_wrong_branch_files_are_refused(branch_db: Database, database: Database, hq: Actor,
                                                            tmp_path: Path) -> None:
    genuine = export(branch_db, tmp_path / "sh01.xlsx")
    manifest = read_manifest(genuine)
    assert manifest[signing.SIGNER] == "SH01" and manifest[signing.SIGNATURE]

    unsigned = rewrite_manifest(genuine, tmp_path / "unsigned.xlsx",
                                [(k, v) for k, v in manifest.items() if k not in (signing.SIGNATURE, signing.SIGNER)])
    report = consolidate(database, hq, unsigned)
    assert report.problems and "not signed" in report.problems[0] and "Signing key" in report.problems[0]

    # An approved amount multiplied by 100 and the manifest's SHA-256 recomputed, as in the attack.
    records = tmp_path / "records.sqlite3"
    with zipfile.ZipFile(genuine) as zf, zf.open(RECORDS_PART) as part:
        extract(part, records)
    with sqlite3.connect(records) as conn:
        assert conn.execute("UPDATE resolutions SET amount = amount * 100 WHERE amount IS NOT NULL").rowcount > 0
    conn.close()
    part = gzip.compress(records.read_bytes())
    forged = tmp_path / "forged.xlsx"
    replace_records_part(genuine, forged, part)
    digest = hashlib.sha256(part).hexdigest()  # the manifest's checksum is of the part as stored
    forged = rewrite_manifest(forged, tmp_path / "forged2.xlsx",
                              [(k, digest if k == "sha256" else v) for k, v in manifest.items()])
    report = consolidate(database, hq, forged)
    assert len(report.problems) == 1 and "signature does not match" in report.problems[0], report.problems

    # Branch SH01's own key signing a file with other branches' cases (its administrator could do that).
    everything = tmp_path / "all.xlsx"
    export_detail(branch_db, branch_actor(branch_db, "hq.analyst"), ALL_TIME, everything, today=TODAY, now=NOW)
    relabelled = dict(read_manifest(everything))
    for name in (signing.SIGNER, signing.PUBLIC_KEY, signing.SIGNATURE):
        relabelled.pop(name)
    rows = signing.signed_rows(list(relabelled.items()), "SH01")
    wrong = rewrite_manifest(everything, tmp_path / "wrong.xlsx", rows)
    report = consolidate(database, hq, wrong)
    assert any("which branch SH01 may not send" in p for p in report.problems), report.problems
    assert case_count(database) == 0

    assert consolidate(database, hq, genuine).imported  # the genuine file still is


def test_case_number_taken_and_rights(branch_db: Database, database: Database, hq: Actor, tmp_path: Path,
                                     _sqlite_template: Path) -> None:
    consolidate(database, hq, export(branch_db, tmp_path / "sh01.xlsx"))
    # A second office set up with the same branch code numbers its cases the same way.
    other_path = tmp_path / "other.sqlite3"
    shutil.copyfile(_sqlite_template, other_path)
    other = Database(make_engine(f"sqlite:///{other_path}"))
    build_report_data(other, count=120, seed=12)
    before = case_count(database)
    report = consolidate(database, hq, export(other, tmp_path / "other.xlsx"))
    other.dispose()
    assert any("already used at headquarters" in p for p in report.problems)
    assert not report.imported and case_count(database) == before
    with pytest.raises(PermissionDeniedError):
        consolidate(database, replace(hq, role=Role.BRANCH_MANAGER, is_hq=False), tmp_path / "sh01.xlsx")


def test_masked_then_full_export(branch_db: Database, database: Database, hq: Actor, tmp_path: Path) -> None:
    masked = consolidate(database, hq, export(branch_db, tmp_path / "masked.xlsx", reveal=False))
    assert masked.imported and masked.manifest["personal_data"] == "masked"
    with database.unit_of_work() as s:
        assert all("*" in c.id_number for c in s.scalars(select(Customer)) if c.id_number)
    full = consolidate(database, hq, export(branch_db, tmp_path / "full.xlsx"))
    assert full.unchanged == masked.inserted and full.records_written.get("customer", 0) > 0
    with database.unit_of_work() as s:
        assert not any("*" in c.id_number for c in s.scalars(select(Customer)))


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_workbook_saved_again_in_libreoffice_still_consolidates(branch_db: Database, database: Database,
                                                                    hq: Actor, tmp_path: Path) -> None:
    """A branch opens its export in a spreadsheet program and saves it: LibreOffice keeps the records part
    (a part it does not know, reached by a relationship), with its checksum intact. (A program that drops
    it gets the "saved again" message of ``test_damaged_records_part_imports_nothing``.)"""
    path = export(branch_db, tmp_path / "sh01.xlsx")
    [resaved] = convert_with_libreoffice(path, "xlsx", tmp_path / "saved-again")
    assert resaved.name == "sh01.xlsx"
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(resaved) as again:
        assert again.read(RECORDS_PART) == original.read(RECORDS_PART)
        assert "sharedStrings" in " ".join(again.namelist())  # really rewritten by LibreOffice
    report = consolidate(database, hq, resaved)
    assert report.problems == [] and report.inserted == case_count(database) == case_count(branch_db, "SH01") > 0


def test_a_cancelled_consolidation_imports_nothing(branch_db: Database, database: Database, hq: Actor,
                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = export(branch_db, tmp_path / "sh01.xlsx")
    monkeypatch.setattr(consolidation, "CHECK_EVERY", 50)  # the file holds a few hundred records
    seen: list[int] = []
    with office(tmp_path / "hq-chain.key"), pytest.raises(OperationCancelled, match="nothing was imported"):
        consolidate(database, hq, path, progress=lambda done, _total: seen.append(done), cancelled=lambda: bool(seen))
    assert seen and case_count(database) == 0
    with database.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(ImportBatch)) == 0
