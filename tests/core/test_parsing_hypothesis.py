"""Property tests of the intake validation and of every parser the imports use (no database):
arbitrary values never raise anything but ValidationError, damaged files raise ValidationError when
opened or while their rows are read, and valid generated rows survive a CSV or XLSX round trip."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from desk_app.domain.validation import (
    normalise_phone,
    parse_amount,
    resident_id_check_char,
    validate_credit_code,
    validate_resident_id,
)
from desk_app.errors import ValidationError
from desk_app.reports.parsing import normalise_text, parse_date, parse_date_time, parse_money
from desk_app.reports.tabular import decode_csv, read_table
from desk_app.reports.xlsx_read import XlsxReader
from desk_app.services.imports import ColumnMapping
from tests.reports.messy_files import messy_workbook

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = ["投诉日期", "客户姓名", "联系电话", "投诉内容", "涉及金额"]

ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.decimals(), st.text(max_size=40),
    st.dates(), st.datetimes(), st.datetimes(timezones=st.timezones()), st.binary(max_size=10),
    st.lists(st.integers(), max_size=3))


def only_validation_errors(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except ValidationError as exc:
        assert str(exc)  # a message the user can read
        return None


@contextlib.contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="desk-prop-") as name:
        yield Path(name)


def known(text: str) -> bool:
    return text in HEADER


# ---- intake validation -----------------------------------------------------------------------------------

@SETTINGS
@given(ANY_VALUE)
def test_date_and_amount_parsers_take_anything(value: Any) -> None:
    only_validation_errors(parse_date_time, value)
    only_validation_errors(parse_money, value)


@SETTINGS
@given(st.text(max_size=40))
def test_intake_validators_take_any_text(text: str) -> None:
    for fn in (normalise_phone, validate_resident_id, validate_credit_code, parse_amount):
        only_validation_errors(fn, text)


@SETTINGS
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", "+86", "0086", "+86 "]),
       st.sampled_from(["{}", "{} ", "({})"]))
def test_mobile_numbers_round_trip(number: str, prefix: str, wrap: str) -> None:
    spaced = f"{number[:3]} {number[3:7]} {number[7:]}"
    for written in (number, spaced):
        assert normalise_phone(prefix + wrap.format(written)) == number


@SETTINGS
@given(st.from_regex(r"[1-6][0-9]{5}", fullmatch=True), st.dates(date(1900, 1, 1), date(2026, 1, 1)),
       st.integers(0, 999), st.booleans())
def test_resident_ids_round_trip(region: str, birth: date, seq: int, lower: bool) -> None:
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    number = first17 + resident_id_check_char(first17)
    assert validate_resident_id(f" {number.lower() if lower else number} ") == number
    wrong = "0" if number[17] != "0" else "1"
    only_validation_errors(validate_resident_id, number[:17] + wrong)
    assert only_validation_errors(validate_resident_id, number[:17] + wrong) is None


# ---- files: CSV decoding, damaged workbooks, mappings -------------------------------------------------------

BOMS = st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b""])


@SETTINGS
@given(st.tuples(BOMS, st.binary(max_size=2000)).map(b"".join))
def test_csv_of_any_bytes(data: bytes) -> None:
    only_validation_errors(decode_csv, data)
    with folder() as tmp:
        path = tmp / "register.csv"
        path.write_bytes(data)
        table = only_validation_errors(read_table, path, known)
        if table is not None:
            list(table.rows())


@SETTINGS
@given(st.text(max_size=300), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_csv_text_decodes_back(text: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # lone surrogates
        return
    if encoding == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
        return  # a text starting with U+FEFF is indistinguishable from a BOM
    assert decode_csv(data)[0] == text


_GOOD_XLSX: bytes | None = None


def good_xlsx() -> bytes:
    global _GOOD_XLSX
    if _GOOD_XLSX is None:
        with folder() as tmp:
            _GOOD_XLSX = messy_workbook(tmp / "good.xlsx").read_bytes()
    return _GOOD_XLSX


@st.composite
def damaged_xlsx(draw: st.DrawFn) -> bytes:
    """A real workbook cut short, with bytes overwritten, or with one part's XML cut or replaced."""
    data = good_xlsx()
    how = draw(st.sampled_from(["truncate", "flip", "member"]))
    if how == "truncate":
        return data[:draw(st.integers(0, len(data) - 1))]
    if how == "flip":
        raw = bytearray(data)
        for _ in range(draw(st.integers(1, 10))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        return bytes(raw)
    source = zipfile.ZipFile(io.BytesIO(data))
    target_name = draw(st.sampled_from(source.namelist()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == target_name:
                content = draw(st.one_of(st.just(content[:draw(st.integers(0, len(content)))]),
                                         st.binary(max_size=200),
                                         st.just(content.replace(b'r="', b'r="x'))))
            zout.writestr(info, content)
    return out.getvalue()


@SETTINGS
@given(damaged_xlsx())
def test_damaged_workbooks_raise_validation_errors_only(data: bytes) -> None:
    with folder() as tmp:
        path = tmp / "台账.xlsx"
        path.write_bytes(data)
        reader = only_validation_errors(XlsxReader, path)
        if reader is not None:
            with reader:
                for sheet in reader.sheets:
                    only_validation_errors(lambda s=sheet: list(reader.rows(s)))
                    only_validation_errors(reader.merged_ranges, sheet)
        table = only_validation_errors(read_table, path, known)
        if table is not None:
            only_validation_errors(lambda: list(table.rows()))


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12),
                                                                                       children, max_size=4),
                    max_leaves=12)
MAPPING_KEYS = st.sampled_from(["columns", "values", "defaults", "header_row", "header_rows", "sheet", "other"])


@SETTINGS
@given(st.one_of(st.text(max_size=200), st.dictionaries(MAPPING_KEYS, JSON, max_size=6).map(json.dumps),
                 JSON.map(json.dumps)))
def test_column_mappings_from_any_json(text: str) -> None:
    mapping = only_validation_errors(ColumnMapping.from_json, text)
    if mapping is not None:
        assert ColumnMapping.from_json(mapping.to_json()) == mapping


# ---- valid rows round-trip through CSV and XLSX --------------------------------------------------------

NAMES = st.text(st.sampled_from("王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高芳伟娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚·"),
                min_size=2, max_size=6)
FACTS = st.text(st.characters(whitelist_categories=("Lo", "Nd", "Lu", "Ll", "Zs", "Po", "Ps", "Pe", "Sc"),
                              max_codepoint=0x9FFF), min_size=1, max_size=80).filter(lambda t: t.strip() != "")
ROWS = st.lists(st.tuples(st.dates(date(2000, 1, 1), date(2030, 12, 31)), NAMES,
                          st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), FACTS,
                          st.decimals(0, 10**9, places=2, allow_nan=False, allow_infinity=False)),
                min_size=1, max_size=25)


def check_round_trip(path: Path, rows: list[tuple[date, str, str, str, Decimal]]) -> None:
    table = read_table(path, known)
    assert table.headers == HEADER
    read = list(table.rows())
    assert len(read) == len(rows)
    for (_number, values), (day, name, phone, facts, amount) in zip(read, rows, strict=True):
        assert parse_date(values[0]) == day
        assert normalise_text(values[1]) == normalise_text(name)
        assert normalise_phone(str(values[2])) == phone
        assert normalise_text(values[3]) == normalise_text(facts)
        assert parse_money(values[4]) == amount


@FEW
@given(ROWS, st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]), st.sampled_from([",", ";", "\t"]),
       st.sampled_from(["iso", "chinese", "slashes"]))
def test_generated_rows_round_trip_through_csv(rows: list[Any], encoding: str, delimiter: str, style: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    for day, name, phone, facts, amount in rows:
        written = {"iso": day.isoformat(), "chinese": f"{day.year}年{day.month}月{day.day}日",
                   "slashes": f"{day.year}/{day.month}/{day.day}"}[style]
        writer.writerow([written, name, phone, facts, f"¥{amount:,}"])
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return
    with folder() as tmp:
        path = tmp / "register.csv"
        path.write_bytes(data)
        check_round_trip(path, rows)


@FEW
@given(ROWS)
def test_generated_rows_round_trip_through_xlsx(rows: list[Any]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for day, name, phone, facts, amount in rows:
        ws.append([datetime(day.year, day.month, day.day), name, phone, facts, float(amount)])
        ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"
    with folder() as tmp:
        path = tmp / "register.xlsx"
        wb.save(path)
        check_round_trip(path, rows)
