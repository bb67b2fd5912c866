"""Grumbles and opportunities in branch files: carried in the signed export (the customer's phone masked as a
customer's is), checked at headquarters (forged, unsigned and other branches' refused as for cases), merged
by id, counted in HQ's statistics workbook; a file made before they were carried is still accepted."""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from signing_support import office
from sqlalchemy import func, select

from desk_app import signing
from desk_app.config import DEFAULT_TIMEZONE
from desk_app.db.models import Branch, Grumble, Opportunity
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.reports.prevention_figures import OpportunityKind
from desk_app.reports.records import RECORDS_PART
from desk_app.reports.records_db import extract
from desk_app.services import grumbles, opportunities
from desk_app.services.accounts import authenticate
from desk_app.services.complaints import register_complaint
from desk_app.services.consolidation import consolidate
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.detail_export import export_detail
from desk_app.services.opportunities import OpportunityDraft
from desk_app.services.prevention import prevention_figures
from desk_app.services.report_scope import ReportScope, office_today
from desk_app.services.statistics import export_statistics
from tests.reports.report_data import NOW, TODAY
from tests.support.branch_files import (
    branch_actor,
    export,
    read_manifest,
    replace_records_part,
    rewrite_manifest,
)
from tests.support.grumbles import grumble, record_at
from tests.support.staff import draft
from tests.support.workbooks import table

NOW_DAY = office_today(DEFAULT_TIMEZONE)  # the office's day: a report period is in office-local days
RECENT = ReportScope(NOW_DAY - timedelta(days=29), NOW_DAY, ("SH01",))


def _log(db: Database) -> dict[str, object]:
    """At SH01: three grumbles (one with its customer, one turned into a complaint), an opportunity on a
    grumble and one on the case; at BJ01 one grumble (not SH01's to send)."""
    clerk, handler = (authenticate(db, name, DEMO_PASSWORD) for name in ("sh01.clerk", "sh01.handler"))
    fee = grumbles.record_grumble(db, clerk, grumble(customer_name="王芳", customer_phone="13812345678"))
    turned = grumbles.record_grumble(db, clerk, grumble(settled=False))
    case = register_complaint(db, clerk, draft())
    grumbles.link_complaint(db, clerk, turned.id, case.id)
    queue = grumbles.record_grumble(db, clerk, grumble(axis_c="C01"))
    on_grumble = opportunities.add_opportunity(db, clerk, OpportunityDraft(
        OpportunityKind.SUGGESTION, "建议增设叫号屏", grumble_id=queue.id, product="B01"))
    on_case = opportunities.add_opportunity(db, handler, OpportunityDraft(
        OpportunityKind.OPPORTUNITY, "客户希望开通境外消费提醒", complaint_id=case.id))
    grumbles.record_grumble(db, authenticate(db, "bj01.clerk", DEMO_PASSWORD), grumble())
    return {"fee": fee.id, "turned": turned.id, "case": case.id, "queue": queue.id, "opportunities": {
        on_grumble.id, on_case.id}}


def _count(db: Database, model: type[Grumble] | type[Opportunity]) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_grumbles_and_opportunities_reach_the_hq_workbook(branch_db: Database, database: Database, hq: Actor,
                                                          tmp_path: Path) -> None:
    made = _log(branch_db)
    path = export(branch_db, tmp_path / "sh01.xlsx")
    manifest = read_manifest(path)
    assert (manifest["count_grumble"], manifest["count_opportunity"]) == (3, 2)  # not BJ01's grumble

    with office(tmp_path / "hq-chain.key"):  # HQ's chain key is not the branch's
        report = consolidate(database, hq, path)
    assert report.imported and (report.grumbles_new, report.opportunities_new, report.grumbles_unlinked) == (3, 2, 0)
    assert "Grumbles: 3 new; opportunities: 2 new." in report.text()
    with database.unit_of_work() as s:
        stored = {g.id: g for g in s.scalars(select(Grumble))}
        assert set(stored) == {made["fee"], made["turned"], made["queue"]}
        assert stored[made["turned"]].complaint_id == made["case"]  # the link came with its case
        assert stored[made["fee"]].customer_phone == "13812345678"  # a full export
        assert set(s.scalars(select(Opportunity.id))) == made["opportunities"]
        sh01 = s.scalars(select(Branch.id).where(Branch.code == "SH01")).one()
        assert {g.branch_id for g in stored.values()} == {sh01}

    # HQ's prevention figures for SH01 are the branch's own, and HQ's workbook shows them
    at_branch = prevention_figures(branch_db, authenticate(branch_db, "hq.analyst", DEMO_PASSWORD), RECENT)
    at_hq = prevention_figures(database, hq, RECENT)
    assert (at_hq.funnel.rows, at_hq.funnel.rising, at_hq.opportunities) == (
        at_branch.funnel.rows, at_branch.funnel.rising, at_branch.opportunities)
    assert (at_hq.funnel.grumbles, at_hq.funnel.settled, at_hq.funnel.turned) == (3, 2, 1)
    workbook = tmp_path / "hq-statistics.xlsx"
    export_statistics(database, hq, ReportScope(RECENT.date_from, RECENT.date_to), workbook)
    wb = load_workbook(workbook)
    funnel = table(wb["Grumble funnel"])
    assert [(r["Branch"], r["Cause code"], r["Grumbles"], r["Settled on the spot"], r["Turned into complaints"])
            for r in funnel[1:]] == [("SH01", "C09", 2, 1, 1), ("SH01", "C01", 1, 1, 0)]
    found = {(r["Product code"], r["Kind code"]): (r["From cases"], r["From grumbles"])
             for r in table(wb["Opportunities"])}
    assert found == {("B01", "suggestion"): (0, 1), ("B0302", "opportunity"): (1, 0)}

    again = consolidate(database, hq, path)  # the same file again changes nothing
    assert again.imported and (again.grumbles_new, again.opportunities_new) == (0, 0)
    assert not again.records_written.get("grumble") and not again.records_written.get("opportunity")
    assert (_count(database, Grumble), _count(database, Opportunity)) == (3, 2)


def test_a_masked_file_then_a_full_one_and_a_link_that_comes_later(branch_db: Database, database: Database,
                                                                    hq: Actor, tmp_path: Path) -> None:
    made = _log(branch_db)
    record_at(branch_db, [made["turned"]], datetime(2025, 6, 1, 3, tzinfo=UTC))  # its case is of this year
    old_year = tmp_path / "2025.xlsx"
    export_detail(branch_db, branch_actor(branch_db), ReportScope(date(2025, 1, 1), date(2025, 12, 31)), old_year,
                  today=TODAY, now=NOW)  # masked
    first = consolidate(database, hq, old_year)
    assert first.imported and (first.grumbles_new, first.grumbles_unlinked) == (1, 1)
    assert "the link comes with the file that holds the case" in first.text()
    with database.unit_of_work() as s:
        row = s.get_one(Grumble, made["turned"])
        assert row.complaint_id is None  # its case is not at HQ yet

    masked = consolidate(database, hq, export(branch_db, tmp_path / "masked.xlsx", reveal=False))
    assert masked.imported and masked.grumbles_new == 2  # the other two; the first one is linked now
    with database.unit_of_work() as s:
        assert s.get_one(Grumble, made["turned"]).complaint_id == made["case"]
        assert s.get_one(Grumble, made["fee"]).customer_phone == "138****5678"
    full = consolidate(database, hq, export(branch_db, tmp_path / "full.xlsx"))
    assert full.imported and full.grumbles_new == 0 and full.records_written.get("grumble") == 1
    with database.unit_of_work() as s:
        assert s.get_one(Grumble, made["fee"]).customer_phone == "13812345678"


def _rebuilt(genuine: Path, tmp_path: Path, name: str, change: Callable[[sqlite3.Connection], None], *,
             drop: tuple[str, ...] = (), resign: bool) -> Path:
    """``genuine`` with its records changed by ``change`` (and the manifest rows ``drop`` left out), its
    checksum recomputed, and signed again with SH01's key (``resign``, as the branch's administrator could) or
    keeping the old signature (as anyone else could)."""
    records = tmp_path / f"{name}.sqlite3"
    with zipfile.ZipFile(genuine) as zf, zf.open(RECORDS_PART) as part:
        extract(part, records)
    conn = sqlite3.connect(records)
    with conn:
        change(conn)
    conn.execute("VACUUM")
    conn.close()
    data = gzip.compress(records.read_bytes())
    replaced = tmp_path / f"{name}-part.xlsx"
    replace_records_part(genuine, replaced, data)
    digest = hashlib.sha256(data).hexdigest()
    rows = [(k, digest if k == "sha256" else v) for k, v in read_manifest(genuine).items() if k not in drop]
    if resign:
        unsigned = [(k, v) for k, v in rows if k not in (signing.SIGNER, signing.PUBLIC_KEY, signing.SIGNATURE)]
        rows = list(signing.signed_rows(unsigned, "SH01"))
    return rewrite_manifest(replaced, tmp_path / f"{name}.xlsx", rows)


def test_a_file_made_before_grumbles_were_carried_is_accepted(branch_db: Database, database: Database, hq: Actor,
                                                              tmp_path: Path) -> None:
    _log(branch_db)
    genuine = export(branch_db, tmp_path / "sh01.xlsx")

    def without_prevention(conn: sqlite3.Connection) -> None:
        conn.execute("DROP TABLE grumbles")
        conn.execute("DROP TABLE opportunities")

    older = _rebuilt(genuine, tmp_path, "older", without_prevention, drop=("count_grumble", "count_opportunity"),
                     resign=True)  # what the branch's previous version signed
    report = consolidate(database, hq, older)
    assert report.imported and report.problems == [] and report.inserted > 10
    assert (report.grumbles_new, _count(database, Grumble), _count(database, Opportunity)) == (0, 0, 0)
    assert consolidate(database, hq, genuine).grumbles_new == 3  # the grumbles come with a newer file


def test_forged_unsigned_and_other_branches_grumbles_are_refused(branch_db: Database, database: Database,
                                                                 hq: Actor, tmp_path: Path) -> None:
    _log(branch_db)
    genuine = export(branch_db, tmp_path / "sh01.xlsx")

    def settle_all(conn: sqlite3.Connection) -> None:  # the funnel made to look better
        assert conn.execute("UPDATE grumbles SET settled = 1 WHERE settled = 0").rowcount > 0

    forged = consolidate(database, hq, _rebuilt(genuine, tmp_path, "forged", settle_all, resign=False))
    assert len(forged.problems) == 1 and "signature does not match" in forged.problems[0]

    manifest = read_manifest(genuine)
    unsigned = rewrite_manifest(genuine, tmp_path / "unsigned.xlsx", [
        (k, v) for k, v in manifest.items() if k not in (signing.SIGNATURE, signing.SIGNER)])
    assert "not signed" in consolidate(database, hq, unsigned).problems[0]

    with branch_db.unit_of_work() as s:
        bj01 = s.scalars(select(Branch.id).where(Branch.code == "BJ01")).one()

    def add_bj01_grumble(conn: sqlite3.Connection) -> None:  # signed by SH01's own administrator
        conn.execute("CREATE TEMP TABLE one AS SELECT * FROM grumbles LIMIT 1")
        conn.execute("UPDATE one SET id = ?, branch_id = ?, complaint_id = NULL",
                     ("0" * 31 + "1", bj01.hex))
        conn.execute("INSERT INTO grumbles SELECT * FROM one")

    other = consolidate(database, hq, _rebuilt(genuine, tmp_path, "other", add_bj01_grumble,
                                               drop=("count_grumble",), resign=True))
    assert any("which branch SH01 may not send" in p for p in other.problems), other.problems
    assert (_count(database, Grumble), _count(database, Opportunity)) == (0, 0)
    assert consolidate(database, hq, genuine).imported  # the genuine file still is
