"""Branch files in tests: the branch's export as its manager makes it, and a file's manifest and records part
read or replaced byte for byte (to forge, damage or age a file as an attacker or an older version would)."""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from signing_support import trust_branch

from desk_app.db.engine import make_engine
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import InstitutionType, Role
from desk_app.reports.records import MANIFEST_SHEET, RECORDS_PART
from desk_app.reports.xlsx_read import XlsxReader
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.detail_export import export_detail
from desk_app.services.report_scope import ReportScope
from desk_app.services.setup import SetupRequest, initialise
from tests.reports.report_data import NOW, TODAY, build_report_data

ALL_TIME = ReportScope(date(2024, 1, 1), date(2026, 12, 31))


def branch_database(path: Path, template: Path) -> Database:
    """A branch's own SQLite database at ``path`` (a copy of the migrated ``template``) with a year of cases."""
    shutil.copyfile(template, path)
    db = Database(make_engine(f"sqlite:///{path}"))
    build_report_data(db, count=120, seed=11)
    return db


def headquarters(database: Database) -> Actor:
    """``database`` set up as headquarters with only its own branch, SH01's signing key registered (as its
    administrator does once), and an HQ analyst, signed in."""
    admin = initialise(database, SetupRequest("HQ", "总行消保部", InstitutionType.BANK, "hqadmin", "总部管理员",
                                              "hqadmin2026", is_headquarters=True))
    create_user(database, admin, username="analyst", display_name="分析员", password="quarterly2026",
                role=Role.HQ_ANALYST, branch_id=admin.branch_id, must_change_password=False)
    trust_branch(database, "SH01")  # its administrator registered the key the branch read out
    return authenticate(database, "analyst", "quarterly2026")


def branch_actor(db: Database, name: str = "sh01.manager") -> Actor:
    """A demo account of the branch database, signed in."""
    return authenticate(db, name, DEMO_PASSWORD)


def export(db: Database, path: Path, reveal: bool = True) -> Path:
    """Every case of the branch database exported by SH01's manager (personal data shown unless ``reveal`` is
    False), signed with SH01's key."""
    export_detail(db, branch_actor(db), ALL_TIME, path, reveal_personal_data=reveal, today=TODAY, now=NOW)
    return path


def replace_records_part(path: Path, target: Path, data: bytes | None) -> None:
    """A copy of the workbook ``path`` with the records part's bytes replaced (None: left out)."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != RECORDS_PART:
                dst.writestr(item, src.read(item.filename))
            elif data is not None:
                dst.writestr(item, data)


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest rows of an export workbook, by key."""
    with XlsxReader(path) as reader:
        return {str(row[0]): row[1] if len(row) > 1 else None
                for _n, row in reader.rows(reader.sheet(MANIFEST_SHEET)) if row and row[0] is not None}


def rewrite_manifest(path: Path, out: Path, rows: list[tuple[str, Any]]) -> Path:
    """``path`` with its manifest sheet replaced by ``rows`` (every other part kept byte for byte)."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        workbook = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet name="{MANIFEST_SHEET}"[^>]* r:id="(rId\d+)"', workbook)
        assert rid is not None
        target = re.search(rf'Id="{rid.group(1)}"[^>]* Target="([^"]+)"', rels) or re.search(
            rf'Target="([^"]+)"[^>]* Id="{rid.group(1)}"', rels)
        assert target is not None
        sheet = "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
        cells = "".join(
            f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>{escape(str(k))}</t></is></c>'
            + (f'<c r="B{i}"><v>{v}</v></c>' if isinstance(v, int | float) and not isinstance(v, bool)
               else f'<c r="B{i}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>') + "</row>"
            for i, (k, v) in enumerate(rows, start=1))
        xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.'
               'org/spreadsheetml/2006/main"><sheetData>' + cells + "</sheetData></worksheet>")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for name in names:
                dst.writestr(name, xml if name == sheet else zf.read(name))
    return out
