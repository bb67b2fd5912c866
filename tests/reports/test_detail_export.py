"""The case-by-case detail export: rows, masking by role, technical records, progress and cancel."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from desk_app.db.models import Branch, Complaint, ComplaintEvent, Customer
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.errors import OperationCancelled, PermissionDeniedError
from desk_app.reports.records import MANIFEST_SHEET, RECORDS_PART, RECORDS_RELATIONSHIP
from desk_app.reports.records_db import extract
from desk_app.reports.statistics_workbook import HEADER_ROW
from desk_app.reports.xlsx_read import XlsxReader
from desk_app.services.accounts import authenticate
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.detail_export import export_detail
from desk_app.services.report_scope import ReportScope
from tests.reports.report_data import NOW, Q2, TODAY, build_report_data, local_day
from tests.support.office import convert_with_libreoffice


@pytest.fixture
def demo_db(database: Database) -> Database:
    build_report_data(database, count=250)
    return database


def actor(db: Database, username: str) -> Actor:
    return authenticate(db, username, DEMO_PASSWORD)


def cases_sheet(path: Path) -> list[dict[str, Any]]:
    ws = load_workbook(path)["Case details"]
    headers = [c.value for c in ws[HEADER_ROW]]
    return [dict(zip(headers, row, strict=False)) for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]


def q2_cases(db: Database, branch: str | None = None) -> dict[str, tuple[Complaint, Customer, str]]:
    with db.unit_of_work() as s:
        rows = s.execute(select(Complaint, Customer, Branch.code).join(Customer, Customer.id == Complaint.customer_id)
                         .join(Branch, Branch.id == Complaint.branch_id)).all()
    return {c.case_number: (c, cu, code) for c, cu, code in rows
            if Q2[0] <= local_day(c.received_at) <= Q2[1] and (branch is None or code == branch)}


def all_text(path: Path) -> str:
    """The XML parts of the workbook, and the records part's database as SQL text."""
    with zipfile.ZipFile(path) as zf:
        xml = "".join(zf.read(name).decode("utf-8") for name in zf.namelist() if name != RECORDS_PART)
    records = path.with_suffix(".records.sqlite3")
    with zipfile.ZipFile(path) as zf, zf.open(RECORDS_PART) as part:
        extract(part, records)
    conn = sqlite3.connect(records)
    try:
        return xml + "\n".join(conn.iterdump())
    finally:
        conn.close()


def records_db(path: Path, folder: Path) -> tuple[sqlite3.Connection, str]:
    """The records part opened as a database, and the SHA-256 of the part's bytes (computed here)."""
    with zipfile.ZipFile(path) as zf:
        data = zf.read(RECORDS_PART)
        rels = zf.read("_rels/.rels").decode()
        types = zf.read("[Content_Types].xml").decode()
    assert f'Type="{RECORDS_RELATIONSHIP}" Target="{RECORDS_PART}"' in rels and f'PartName="/{RECORDS_PART}"' in types
    target = folder / f"records-{uuid.uuid4().hex}.sqlite3"
    with zipfile.ZipFile(path) as zf, zf.open(RECORDS_PART) as part:
        extract(part, target)
    conn = sqlite3.connect(target)
    conn.row_factory = sqlite3.Row
    return conn, hashlib.sha256(data).hexdigest()


def test_hq_export_has_every_case_masked(demo_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "detail.xlsx"
    progress: list[tuple[int, int]] = []
    result = export_detail(demo_db, actor(demo_db, "hq.analyst"), ReportScope(*Q2), path, today=TODAY, now=NOW,
                           progress=lambda done, total: progress.append((done, total)))
    expected = q2_cases(demo_db)
    rows = cases_sheet(path)
    assert result.cases == len(rows) == len(expected) > 20 and result.masked
    assert {row["Case number"] for row in rows} == set(expected)
    assert progress[-1][0] == progress[-1][1] and [d for d, _t in progress] == sorted(d for d, _t in progress)
    text = all_text(path)
    for _complaint, customer, _code in expected.values():
        assert customer.id_number not in text and customer.phone not in text
        if len(customer.address) > 6:
            assert customer.address not in text
    sample = next(row for row in rows if row["Satisfaction"] is not None)
    complaint, customer, code = expected[sample["Case number"]]
    assert sample["Branch code"] == code and sample["C code"] == complaint.axis_c and sample["C cause"]
    assert sample["A code"] == complaint.axis_a and sample["B business type"]
    assert sample["Due date"].date() == complaint.due_on
    assert sample["Customer"] == customer.name
    assert sample["ID number"] == customer.id_number[:4] + "*" * 10 + customer.id_number[-4:]
    assert sample["Phone"] == customer.phone[:3] + "****" + customer.phone[-4:]
    assert sample["Case UUID"] == str(complaint.id)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Case details", MANIFEST_SHEET] and wb[MANIFEST_SHEET].sheet_state == "hidden"
    ws = wb["Case details"]
    assert ws.freeze_panes == f"B{HEADER_ROW + 1}" and ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:")


def test_technical_records_round_trip(demo_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "detail.xlsx"
    result = export_detail(demo_db, actor(demo_db, "sh01.supervisor"), ReportScope(*Q2), path,
                           reveal_personal_data=True, today=TODAY)
    assert not result.masked
    with XlsxReader(path) as reader:
        manifest = {row[0]: row[1] for _n, row in reader.rows(reader.sheet(MANIFEST_SHEET))}
    records, sha256 = records_db(path, tmp_path)
    assert manifest["format"] == "complaint-desk-export" and manifest["format_version"] == 2
    assert manifest["personal_data"] == "full" and manifest["records_part"] == RECORDS_PART
    assert manifest["sha256"] == sha256 == result.sha256
    assert manifest["branches"] == "SH01"
    expected = q2_cases(demo_db, "SH01")
    complaints = {row["case_number"]: row for row in records.execute("SELECT * FROM complaints")}
    assert set(complaints) == set(expected) and manifest["count_complaint"] == len(expected)
    with demo_db.unit_of_work() as s:
        events = s.scalar(select(func.count()).select_from(ComplaintEvent).where(
            ComplaintEvent.complaint_id.in_([c.id for c, _cu, _b in expected.values()])))
    assert records.execute("SELECT count(*) FROM complaint_events").fetchone()[0] == events == manifest["count_event"]
    number, row = next(iter(complaints.items()))
    complaint, customer, _code = expected[number]
    assert uuid.UUID(row["id"]) == complaint.id and row["version"] == complaint.version
    assert row["due_on"] == complaint.due_on.isoformat()
    assert row["received_at"] == complaint.received_at.replace(tzinfo=None).isoformat(" ", "microseconds")
    id_number = records.execute("SELECT id_number FROM customers WHERE id = ?", (customer.id.hex,)).fetchone()[0]
    assert id_number == customer.id_number  # full data: the role may see it
    user_columns = {r[1] for r in records.execute("PRAGMA table_info(users)")}
    assert "username" in user_columns and "password_hash" not in user_columns
    records.close()


def test_personal_data_rights(demo_db: Database, tmp_path: Path) -> None:
    with pytest.raises(PermissionDeniedError):
        export_detail(demo_db, actor(demo_db, "hq.analyst"), ReportScope(*Q2), tmp_path / "x.xlsx",
                      reveal_personal_data=True)
    with pytest.raises(PermissionDeniedError):
        export_detail(demo_db, actor(demo_db, "sh01.handler"), ReportScope(*Q2), tmp_path / "x.xlsx")
    with pytest.raises(PermissionDeniedError):
        export_detail(demo_db, actor(demo_db, "sh01.manager"), ReportScope(*Q2, branch_codes=("BJ01",)),
                      tmp_path / "x.xlsx")
    admin_rows = cases_sheet(export_detail(demo_db, actor(demo_db, "admin"), ReportScope(*Q2), tmp_path / "a.xlsx",
                                           reveal_personal_data=True).path)
    assert admin_rows and "*" not in "".join(row["ID number"] or "" for row in admin_rows)
    assert not (tmp_path / "x.xlsx").exists()


def test_cancel_leaves_no_file(demo_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / "detail.xlsx"
    path.write_bytes(b"an older export")
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(OperationCancelled):
        export_detail(demo_db, actor(demo_db, "hq.analyst"), ReportScope(*Q2), path, cancelled=cancelled)
    assert path.read_bytes() == b"an older export"  # the previous file is untouched
    assert sorted(p.name for p in folder.iterdir()) == ["detail.xlsx"]


def test_without_records_and_empty_period(demo_db: Database, tmp_path: Path) -> None:
    hq = actor(demo_db, "hq.analyst")
    result = export_detail(demo_db, hq, ReportScope(*Q2), tmp_path / "plain.xlsx", include_records=False)
    assert load_workbook(result.path).sheetnames == ["Case details"] and result.records == {}
    with zipfile.ZipFile(result.path) as zf:
        assert RECORDS_PART not in zf.namelist()
    empty = export_detail(demo_db, hq, ReportScope(*[d.replace(year=2030) for d in Q2]), tmp_path / "none.xlsx")
    assert empty.cases == 0 and cases_sheet(empty.path) == []


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_libreoffice_converts_the_detail_export(demo_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "detail.xlsx"
    export_detail(demo_db, actor(demo_db, "hq.analyst"), ReportScope(*Q2), path, today=TODAY)
    out = tmp_path / "out"
    out.mkdir()
    pdf = convert_with_libreoffice(path, "pdf", out)
    assert pdf[0].read_bytes().startswith(b"%PDF")
    csv = convert_with_libreoffice(path, "csv:Text - txt - csv (StarCalc):44,34,76,1", out)
    text = csv[0].read_text("utf-8")
    first_case = cases_sheet(path)[0]["Case number"]
    assert first_case in text and "Case number" in text
