"""Damaged files on every import path — the migration import, HQ consolidation and the HQ data files
(checklists, word list, legal reference, taxonomy, lists) — give a clear, translated UserError (or a
consolidation report listing the problem) and leave the database exactly as it was; on SQLite and
on PostgreSQL."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from signing_support import trust_branch

from desk_app.db.engine import make_engine
from desk_app.db.uow import Database
from desk_app.domain.checklist import bundled_checklist_files
from desk_app.domain.legal import default_legal_reference_path
from desk_app.domain.reference import default_lists_path, default_taxonomy_path
from desk_app.domain.risk import default_word_list_path
from desk_app.errors import UserError, ValidationError
from desk_app.reports.records import RECORDS_PART
from desk_app.services import checklists, imports, legal, reference, risk_signals
from desk_app.services.accounts import authenticate
from desk_app.services.consolidation import consolidate
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.detail_export import export_detail
from desk_app.services.report_scope import ReportScope
from tests.db_digest import database_digest
from tests.reports.messy_files import gb18030_csv, messy_workbook
from tests.reports.report_data import NOW, TODAY, build_report_data
from tests.support.staff import Staff


def _largest_sheet(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [i for i in z.infolist() if i.filename.startswith("xl/worksheets/")]
        return max(sheets, key=lambda i: i.compress_size).filename


def deflate_damaged(data: bytes) -> bytes:
    """Overwrite bytes in the middle of the biggest sheet's compressed data (the zip directory stays valid)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(_largest_sheet(data))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    raw = bytearray(data)
    raw[middle:middle + 16] = bytes(range(16))
    return bytes(raw)


def xml_cut(data: bytes, target: str | None = None) -> bytes:
    """A well-formed zip whose biggest sheet's XML (or ``target``'s) stops two thirds of the way through."""
    target = target or _largest_sheet(data)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            dst.writestr(item, content[:len(content) * 2 // 3] if item.filename == target else content)
    return out.getvalue()


def damaged_workbooks(good: bytes) -> dict[str, bytes]:
    return {"truncated.xlsx": good[:len(good) // 2], "last-bytes-lost.xlsx": good[:-40],
            "deflate-damaged.xlsx": deflate_damaged(good), "xml-cut.xlsx": xml_cut(good),
            "random.xlsx": bytes((i * 97 + 13) % 256 for i in range(6000)), "empty.xlsx": b""}


def oversized_files(good_xlsx: bytes) -> dict[str, bytes]:
    """Files past the parsing bounds (desk_app.reports.limits): each must be refused with its bound named."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good_xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == _largest_sheet(good_xlsx):  # the sheet padded with 60 MB of nothing
                content = content.replace(b"<sheetData>", b"<sheetData>" + b" " * (60 * 1024 * 1024), 1)
            dst.writestr(item.filename, content)
    header = "投诉日期,客户姓名,投诉内容\r\n".encode()
    return {"zip-bomb.xlsx": out.getvalue(),
            "wide.csv": header + ",".join(["x"] * 5000).encode() + b"\r\n",
            "long-line.csv": header + b"2026-03-02," + b"x" * (17 * 1024 * 1024) + b"\r\n"}


# ---- migration import --------------------------------------------------------------------------------------

@pytest.fixture
def register_files(tmp_path: Path) -> Iterator[dict[str, Path]]:
    good = messy_workbook(tmp_path / "good.xlsx").read_bytes()
    files = damaged_workbooks(good)
    csv_good = gb18030_csv(tmp_path / "good.csv").read_bytes()
    files["invalid-bytes.csv"] = csv_good[:200] + b"\x80\xff\xfe\xff" + csv_good[200:]
    files["truncated-utf16.csv"] = "投诉日期,客户姓名\n".encode("utf-16")[:-1]
    files["old-excel.xls"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
    files.update(oversized_files(good))
    folder = tmp_path / "bad"
    folder.mkdir()
    paths = {}
    for name, data in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    yield paths


def test_migration_import_refuses_damaged_files(database: Database, staff: Staff,
                                                register_files: dict[str, Path]) -> None:
    before = database_digest(database)
    mapping = imports.ColumnMapping(columns={"received_at": "投诉日期", "customer_name": "客户姓名"},
                                    defaults={"axis_a": "A01"})
    for name, path in register_files.items():
        for attempt in ("dry run", "import"):
            with pytest.raises(UserError) as caught:
                if attempt == "dry run":
                    imports.dry_run(database, staff.manager, path)
                else:
                    imports.import_file(database, staff.manager, path, mapping)
            message = str(caught.value)
            assert isinstance(caught.value, ValidationError), (name, message)
            assert name in message or "encoding" in message or "no rows" in message or "damaged" in message, (
                name, message)
            if name in ("zip-bomb.xlsx", "wide.csv", "long-line.csv"):
                assert any(bound in message for bound in ("zip bomb", "5,000 columns", "longer than")), message
    assert database_digest(database) == before


# ---- consolidation at HQ ------------------------------------------------------------------------------------

@pytest.fixture
def branch_export(tmp_path: Path, _sqlite_template: Path) -> Iterator[tuple[Path, Path]]:
    """A branch's detail export workbook and its SQLite file (40 cases)."""
    path = tmp_path / "branch.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    branch = Database(make_engine(f"sqlite:///{path}"))
    build_report_data(branch, count=40, seed=5)
    export = tmp_path / "sh01.xlsx"
    export_detail(branch, authenticate(branch, "sh01.manager", DEMO_PASSWORD),
                  ReportScope(TODAY.replace(year=2024), TODAY), export, reveal_personal_data=True, today=TODAY,
                  now=NOW)
    branch.dispose()
    yield export, path


def test_consolidation_refuses_damaged_files(database: Database, staff: Staff, branch_export: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    export, branch_file = branch_export
    good = export.read_bytes()
    files = damaged_workbooks(good)
    # Consolidation reads the manifest sheet and the records part (their bytes are checked by the zip's
    # checksums and the records' SHA-256 too); cut those, re-zipped so that the zip itself is sound.
    files["xml-cut.xlsx"] = xml_cut(good, "xl/worksheets/sheet2.xml")
    files["records-cut.xlsx"] = xml_cut(good, RECORDS_PART)
    files["invalid-bytes.csv"] = "投诉日期,客户姓名\n".encode() + b"\x80\xff\xfe"
    files["truncated.sqlite3"] = branch_file.read_bytes()[:16384]
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    files["not-ours.sqlite3"] = other.read_bytes()
    before = database_digest(database, except_tables={"audit_log"})  # each refusal is audited on purpose
    for name, data in files.items():
        path = tmp_path / "incoming" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        try:
            report = consolidate(database, staff.admin, path)
        except UserError as exc:
            assert str(exc), name
        else:
            assert report.problems and not report.imported and report.inserted == 0, (name, report.problems)
            assert all(p.strip() for p in report.problems)
    assert database_digest(database, except_tables={"audit_log"}) == before
    trust_branch(database, "SH01")  # headquarters registered the branch's signing key
    assert consolidate(database, staff.admin, export).inserted > 0  # the undamaged file is fine


# ---- HQ data files (TOML) -------------------------------------------------------------------------------------

def _bumped(data: bytes) -> bytes:
    """The same file with its version raised, so only the damage can make it fail."""
    return re.sub(rb"(?m)^version = (\d+)", lambda m: b"version = %d" % (int(m.group(1)) + 1), data, count=1)


def _cut_in_a_string(data: bytes) -> bytes:
    """Cut just after an opening quote (an unterminated string), half-way through the file."""
    opening = data.index(b'= "', len(data) // 2)
    return data[:opening + 4]


def damaged_toml(good: bytes) -> dict[str, bytes]:
    bumped = _bumped(good)
    middle = len(bumped) // 2
    return {"random": bytes((i * 131 + 7) % 256 for i in range(3000)), "empty": b"",
            "not-utf8": bumped[:middle] + b"\xff\xfe\xc3" + bumped[middle:],
            "cut-in-a-string": _cut_in_a_string(bumped),
            "gbk-encoded": bumped.decode("utf-8").encode("gb18030")}


GUIDANCE: dict[str, tuple[Path, Callable[[Database, Staff, bytes, str], object]]] = {
    "checklist": (bundled_checklist_files()[0], lambda db, staff, data, src: checklists.import_checklist(
        db, staff.admin, data, src)),
    "word_list": (default_word_list_path(), lambda db, staff, data, src: risk_signals.import_word_list(
        db, staff.admin, data, src)),
    "legal_reference": (default_legal_reference_path(), lambda db, staff, data, src: legal.import_legal_reference(
        db, staff.admin, data, src)),
    "taxonomy": (default_taxonomy_path(), lambda db, staff, data, src: reference.import_taxonomy(
        db, data, src, staff.admin.username)),
    "lists": (default_lists_path(), lambda db, staff, data, src: reference.import_lists(
        db, data, src, staff.admin.username)),
}


@pytest.mark.parametrize("kind", sorted(GUIDANCE))
def test_hq_data_file_imports_refuse_damaged_files(database: Database, staff: Staff, kind: str) -> None:
    path, load = GUIDANCE[kind]
    good = path.read_bytes()
    before = database_digest(database)
    for damage, data in damaged_toml(good).items():
        with pytest.raises(ValidationError) as caught:
            load(database, staff, data, f"{kind}-{damage}.toml")
        assert str(caught.value).startswith(f"{kind}-{damage}.toml"), str(caught.value)  # names the file
    assert database_digest(database) == before
    load(database, staff, _bumped(good), f"{kind}.toml")  # the same file undamaged, one version up, loads
