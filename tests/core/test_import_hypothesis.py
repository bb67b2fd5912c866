"""Property tests of the import paths against a real (SQLite) database: damaged registers and damaged
branch exports only ever raise UserError (or a consolidation report listing problems) and change
nothing; generated valid registers import exactly what they hold."""

from __future__ import annotations

import csv
import io
import itertools
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from desk_app.db.engine import make_engine
from desk_app.db.models import Complaint, Customer
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import InstitutionType
from desk_app.errors import UserError
from desk_app.services import imports
from desk_app.services.accounts import authenticate
from desk_app.services.consolidation import consolidate
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.detail_export import export_detail
from desk_app.services.integrity import run_checks
from desk_app.services.report_scope import ReportScope
from desk_app.services.setup import SetupRequest, initialise
from tests.db_digest import database_digest
from tests.reports.messy_files import gb18030_csv, messy_workbook
from tests.reports.report_data import NOW, TODAY, build_report_data

DB_SETTINGS = settings(max_examples=40, deadline=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SHANGHAI = ZoneInfo("Asia/Shanghai")




@pytest.fixture
def hq(sqlite_database: Database) -> Actor:
    return initialise(sqlite_database, SetupRequest("SH01", "上海浦东支行", InstitutionType.BANK, "admin", "管理员",
                                                    "admin2026", is_headquarters=True))


def mutate(data: bytes, draw: Callable[..., Any]) -> bytes:
    """Cut short, bytes overwritten, or (for a zip) one member cut or replaced."""
    how = draw(st.sampled_from(["truncate", "flip", "member"] if data[:2] == b"PK" else ["truncate", "flip"]))
    if how == "truncate":
        return data[:draw(st.integers(0, len(data) - 1))]
    if how == "flip":
        raw = bytearray(data)
        for _ in range(draw(st.integers(1, 12))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        return bytes(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        target = draw(st.sampled_from(src.namelist()))
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == target:
                content = draw(st.one_of(st.just(content[:draw(st.integers(0, len(content)))]),
                                         st.binary(max_size=300)))
            dst.writestr(item, content)
    return out.getvalue()


@pytest.fixture
def registers(tmp_path: Path) -> dict[str, bytes]:
    return {"xlsx": messy_workbook(tmp_path / "m.xlsx").read_bytes(),
            "csv": gb18030_csv(tmp_path / "m.csv").read_bytes()}


@DB_SETTINGS
@given(data=st.data())
def test_damaged_registers_never_crash_the_import(sqlite_database: Database, hq: Actor,
                                                  registers: dict[str, bytes], data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(registers)))
    damaged = mutate(registers[kind], data.draw)
    before = database_digest(sqlite_database)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"台账.{kind}"
        path.write_bytes(damaged)
        try:
            mapping = imports.dry_run(sqlite_database, hq, path).mapping  # as the mapping dialog does
            mapping.defaults["axis_a"] = "A01"
            if imports.dry_run(sqlite_database, hq, path, mapping).ok:
                imports.import_file(sqlite_database, hq, path, mapping)
                return  # a harmless change (in a part the import does not read) may still import
        except UserError as exc:
            assert str(exc)
    assert database_digest(sqlite_database) == before


# ---- generated registers import exactly ----------------------------------------------------------------------

ROWS = st.lists(st.tuples(
    st.dates(date(2020, 1, 1), date(2026, 6, 1)),
    st.text(st.sampled_from("王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高芳伟娜敏静丽强磊军洋"), min_size=2, max_size=4),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.sampled_from(["柜面", "热线", "12315", "手机银行", "信函", "监管转办"]),
    st.decimals(1, 10**7, places=2),
), min_size=1, max_size=15)
_TAGS = itertools.count(1)
CHANNEL_CODES = {"柜面": "counter", "热线": "hotline", "12315": "12315", "手机银行": "app_web", "信函": "letter",
                 "监管转办": "regulator"}


@settings(DB_SETTINGS, max_examples=15)
@given(ROWS, st.sampled_from(["utf-8", "gb18030"]))
def test_generated_registers_import_exactly(sqlite_database: Database, hq: Actor, rows: list[Any],
                                            encoding: str) -> None:
    tag = next(_TAGS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["投诉日期", "客户姓名", "联系电话", "投诉渠道", "业务类别", "投诉原因", "投诉内容", "涉及金额"])
    for i, (day, name, phone, channel, amount) in enumerate(rows):
        writer.writerow([f"{day.year}年{day.month}月{day.day}日", f"{name}{tag}", phone, channel, "信用卡",
                         "服务态度及服务质量", f"第{tag}-{i}号投诉", f"¥{amount:,}"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.csv"
        path.write_bytes(buffer.getvalue().encode(encoding))
        mapping = imports.dry_run(sqlite_database, hq, path).mapping
        mapping.defaults["axis_a"] = "A01"
        result = imports.import_file(sqlite_database, hq, path, mapping)
    assert result.imported == len(rows)
    with sqlite_database.unit_of_work() as s:
        found = s.execute(select(Complaint, Customer).join(Customer, Customer.id == Complaint.customer_id)
                          .where(Complaint.facts_what.like(f"第{tag}-%号投诉"))).all()
        got = sorted((c.facts_what, c.received_at.astimezone(SHANGHAI).date(), p.name, p.phone, c.channel,
                      c.claimed_amount) for c, p in found)
    expected = sorted((f"第{tag}-{i}号投诉", day, f"{name}{tag}", phone, CHANNEL_CODES[channel],
                       Decimal(amount).quantize(Decimal("0.01")))
                      for i, (day, name, phone, channel, amount) in enumerate(rows))
    # a customer met before (same phone and name) keeps the first record: compare the case fields
    assert [(g[0], g[1], g[4], g[5]) for g in got] == [(e[0], e[1], e[4], e[5]) for e in expected]
    assert {g[3] for g in got} == {e[3] for e in expected}
    assert run_checks(sqlite_database).ok


# ---- generated exports with hard text: the dry run's counts equal the test's own ----------------------------

HARD_TEXT = st.text(st.sampled_from('ab 投诉,"\n\r;\t\'“”…'), min_size=1, max_size=40).filter(lambda t: t.strip())
VIA = st.sampled_from(["Web", "Phone", "Postal mail", "Fax", "Referral", "Email", "柜面", "信函"])


def _rfc_field(text: str) -> str:
    """Quoted only where needed, a quote inside written twice (written here, not by the code under test)."""
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\r\n') else text


@settings(DB_SETTINGS, max_examples=15)
@given(st.lists(st.tuples(HARD_TEXT, VIA), min_size=1, max_size=25), st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_dry_run_counts_equal_an_independent_count(sqlite_database: Database, hq: Actor,
                                                   rows: list[tuple[str, str]], encoding: str) -> None:
    lines = ["Date received,Narrative,Submitted via"] + [
        f"2026-03-0{1 + i % 9},{_rfc_field(text)},{via}" for i, (text, via) in enumerate(rows)]
    mapping = imports.ColumnMapping(
        columns={"received_at": "Date received", "facts_what": "Narrative", "channel": "Submitted via"},
        defaults={"customer_name": "匿名", "axis_a": "A01", "axis_b": "B0301", "axis_c": "C01"})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_bytes("\r\n".join(lines).encode(encoding))
        preview = imports.dry_run(sqlite_database, hq, path, mapping)
    summary = preview.summary
    assert summary is not None and not preview.csv_sniffed
    assert summary.rows_read == len(rows)
    counted = {v.text: v.count for c in summary.columns if c.field == "channel" for v in c.values}
    assert counted == Counter(via for _text, via in rows)
    unmatched = {text: n for field, text, n in summary.unmatched}
    assert unmatched == {via: n for via, n in Counter(via for _t, via in rows).items() if via in ("Fax", "Referral")}
    narratives = [r.values["facts_what"] for r in preview.rows]
    assert sorted(narratives) == sorted(text.strip() for text, _via in rows)


# ---- damaged branch exports at HQ ----------------------------------------------------------------------------

@pytest.fixture
def branch_export(tmp_path: Path, _sqlite_template: Path) -> Iterator[bytes]:
    path = tmp_path / "branch.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    branch = Database(make_engine(f"sqlite:///{path}"))
    build_report_data(branch, count=25, seed=9)
    out = tmp_path / "export.xlsx"
    export_detail(branch, authenticate(branch, "sh01.manager", DEMO_PASSWORD),
                  ReportScope(TODAY.replace(year=2024), TODAY), out, reveal_personal_data=True, today=TODAY, now=NOW)
    branch.dispose()
    yield out.read_bytes()


@settings(DB_SETTINGS, max_examples=30)
@given(data=st.data())
def test_damaged_branch_exports_never_crash_consolidation(sqlite_database: Database, hq: Actor,
                                                          branch_export: bytes, data: st.DataObject) -> None:
    damaged = mutate(branch_export, data.draw)
    before = database_digest(sqlite_database)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sh01.xlsx"
        path.write_bytes(damaged)
        try:
            report = consolidate(sqlite_database, hq, path, dry_run=True)
        except UserError as exc:
            assert str(exc)
        else:
            assert report.problems or report.inserted > 0  # refused, or harmless damage (e.g. docProps)
    assert database_digest(sqlite_database) == before
