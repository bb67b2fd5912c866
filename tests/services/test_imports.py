"""Migration import of branch registers: messy spreadsheets and GB18030 CSV import correctly after
mapping; a broken file imports nothing; numbers, deadlines and timelines are right."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk_app.db.models import Complaint, ComplaintEvent, Customer, ImportBatch
from desk_app.db.uow import Database
from desk_app.errors import NotFoundError, OperationCancelled, PermissionDeniedError, ValidationError
from desk_app.security import chain_key
from desk_app.services import imports
from desk_app.services.complaints import register_complaint
from desk_app.services.integrity import check_seals
from tests.reports.messy_files import (
    ROWS,
    gb18030_csv,
    messy_workbook,
)
from tests.support.imported import NOW, check_imported, mapping_for
from tests.support.staff import Staff, draft


def counts(db: Database) -> tuple[int, int, int, int]:
    with db.unit_of_work() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) or 0  # type: ignore[return-value]
                     for t in (Complaint, Customer, ComplaintEvent, ImportBatch))


def test_messy_workbook_imports_after_mapping(database: Database, staff: Staff, tmp_path: Path) -> None:
    path = messy_workbook(tmp_path / "台账.xlsx")
    mapping = mapping_for(database, staff, path)
    preview = imports.dry_run(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    assert preview.ok, [(r.source_row, r.problems) for r in preview.problem_rows]
    assert preview.header_rows == (4, 5) and preview.importable == 6
    assert preview.skipped == 1  # the total line (the blank lines have no cells in the file)
    assert any("total" in note for note in preview.notes)
    assert preview.status_counts == {"closed": 3, "registered": 3}
    assert counts(database)[0] == 0  # a dry run changes nothing
    result = imports.import_file(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    assert result.imported == 6 and result.closed == 3 and result.customers_created == 6
    check_imported(database)
    with pytest.raises(ValidationError, match="already imported"):
        imports.import_file(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))


def test_imported_cases_are_sealed_so_an_edit_behind_the_app_is_found(database: Database, staff: Staff,
                                                                       tmp_path: Path) -> None:
    """The second file's rows find the first file's customers in the database: their seals cover the
    identity read there. A direct edit of an imported case or customer is then named by the check."""
    workbook = messy_workbook(tmp_path / "台账.xlsx")
    imports.import_file(database, staff.manager, workbook, mapping_for(database, staff, workbook),
                        imports.ImportOptions(now=NOW))
    csv_file = gb18030_csv(tmp_path / "register.csv")
    result = imports.import_file(database, staff.manager, csv_file, mapping_for(database, staff, csv_file),
                                 imports.ImportOptions(now=NOW))
    assert result.customers_created < len(ROWS)  # found in the database, not created again
    key = chain_key()
    with database.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 2 * len(ROWS)
        assert check_seals(s, key) == []
        victim = s.scalars(select(Complaint).where(Complaint.claimed_amount.is_not(None))
                           .order_by(Complaint.case_number)).first()
        assert victim is not None
        victim_number, customer_id = victim.case_number, victim.customer_id
        s.execute(Complaint.__table__.update().where(Complaint.id == victim.id)
                  .values(claimed_amount=victim.claimed_amount * 100))
        s.execute(Customer.__table__.update().where(Customer.id == customer_id).values(name="改名"))
    with database.unit_of_work() as s:
        found = {(b.case_number, b.parts) for b in check_seals(s, key)}
    assert (victim_number, ("case", "customer")) in found
    assert {parts for _number, parts in found} <= {("case", "customer"), ("customer",)}


def test_gb18030_csv_imports_with_a_saved_mapping(database: Database, staff: Staff, tmp_path: Path) -> None:
    path = gb18030_csv(tmp_path / "register.csv")
    imports.save_mapping(database, staff.supervisor, "csv台账", mapping_for(database, staff, path), "GB18030")
    assert [m.name for m in imports.list_mappings(database)] == ["csv台账"]
    mapping = imports.load_mapping(database, "csv台账")
    preview = imports.dry_run(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    assert preview.encoding == "gb18030" and preview.ok
    imports.import_file(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    check_imported(database)
    imports.delete_mapping(database, staff.manager, "csv台账")
    with pytest.raises(NotFoundError):
        imports.load_mapping(database, "csv台账")


def test_a_broken_file_imports_nothing(database: Database, staff: Staff, tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[1] = (*rows[1][:1], "2026-02-30", *rows[1][2:])  # no such day
    rows[4] = (*rows[4][:7], "星际旅行", *rows[4][8:])  # not a cause
    rows[5] = (*rows[5][:10], "一百元", *rows[5][11:])  # not an amount
    path = messy_workbook(tmp_path / "broken.xlsx", rows)
    mapping = imports.dry_run(database, staff.manager, path).mapping
    mapping.defaults["axis_a"] = "A01"
    preview = imports.dry_run(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    assert not preview.ok
    problems = {(r.source_row, p.field) for r in preview.problem_rows for p in r.problems}
    assert problems == {(7, "received_at"), (12, "axis_c"), (13, "claimed_amount")}
    assert all(p.message for r in preview.problem_rows for p in r.problems)
    before = counts(database)
    with pytest.raises(ValidationError, match="Nothing was imported"):
        imports.import_file(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    assert counts(database) == before


def test_value_mapping_defaults_and_numbers_continue(database: Database, staff: Staff, tmp_path: Path) -> None:
    received = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
    existing = register_complaint(database, staff.clerk, draft(received_at=received))
    assert existing.case_number == "SH01-20260305-0001"
    path = tmp_path / "x.csv"
    path.write_text("受理日期;客户;问题描述;来源;产品;原因\n"
                    "2026-03-05;周杰;ATM吞卡;门店;卡;服务\n"
                    "2026-03-05;吴磊;转账延迟;门店;卡;系统\n", encoding="utf-8-sig")
    mapping = imports.ColumnMapping(
        columns={"received_at": "受理日期", "customer_name": "客户", "facts_what": "问题描述", "channel": "来源",
                 "axis_b": "产品", "axis_c": "原因"},
        values={"channel": {"门店": "counter"}, "axis_b": {"卡": "B0301"}, "axis_c": {"服务": "C01", "系统": "C02"}},
        defaults={"axis_a": "A02", "severity": "serious"})
    mapping = imports.ColumnMapping.from_json(mapping.to_json())
    result = imports.import_file(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW))
    assert (result.first_number, result.last_number) == ("SH01-20260305-0002", "SH01-20260305-0003")
    with database.unit_of_work() as s:
        rows = s.execute(select(Complaint.axis_a, Complaint.axis_b, Complaint.axis_c, Complaint.severity,
                                Complaint.request_text).where(Complaint.case_number != existing.case_number)
                         .order_by(Complaint.case_number)).all()
    assert [tuple(r) for r in rows] == [("A02", "B0301", "C01", "serious", ""), ("A02", "B0301", "C02", "serious", "")]


def test_mapping_validation_and_rights(database: Database, staff: Staff, tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        imports.ColumnMapping.from_json('{"columns": {"nonsense": "A"}}')
    with pytest.raises(ValidationError):
        imports.ColumnMapping.from_json("not json")
    path = gb18030_csv(tmp_path / "r.csv")
    with pytest.raises(PermissionDeniedError):
        imports.dry_run(database, staff.clerk, path)
    with pytest.raises(PermissionDeniedError):
        imports.dry_run(database, staff.manager, path, options=imports.ImportOptions(branch_code="BJ01"))
    missing = imports.ColumnMapping(columns={"received_at": "没有这一列"})
    preview = imports.dry_run(database, staff.manager, path, missing)
    assert not preview.ok and any("没有这一列" in p for p in preview.file_problems)


def test_cancel_imports_nothing(database: Database, staff: Staff, tmp_path: Path) -> None:
    lines = ["投诉日期,客户姓名,投诉内容,业务类别,投诉原因"] + [
        f"2026-03-{1 + i % 28:02d},客户{i},内容{i},信用卡,C01" for i in range(2500)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    mapping = imports.dry_run(database, staff.manager, path).mapping
    mapping.defaults["axis_a"] = "A01"
    seen: list[int] = []
    with pytest.raises(OperationCancelled):
        imports.import_file(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW),
                            progress=lambda d, t: seen.append(d), cancelled=lambda: True)
    assert counts(database)[0] == 0
    result = imports.import_file(database, staff.manager, path, mapping, imports.ImportOptions(now=NOW),
                                 progress=lambda d, t: seen.append(d))
    assert result.imported == 2500 and seen[-1] == 2500
    with database.unit_of_work() as s:
        assert s.scalar(select(func.count(func.distinct(Complaint.case_number)))) == 2500
        assert s.scalar(select(func.sum(Complaint.claimed_amount))) is None
    assert Decimal("0") == Decimal(0)
