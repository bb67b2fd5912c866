"""Property-based tests of the date and amount parsers used by the migration import, and the header
detection of messy registers (no database)."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.errors import ValidationError
from desk_app.reports.parsing import parse_date, parse_date_time, parse_money
from desk_app.reports.tabular import decode_csv, read_table
from desk_app.reports.xlsx_read import excel_serial_to_datetime
from tests.reports.messy_files import gb18030_csv, messy_workbook

DATES = st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 12, 31))
CN = "〇一二三四五六七八九"


def chinese_numerals(d: date) -> str:
    def small(n: int) -> str:
        tens, ones = divmod(n, 10)
        return ("" if tens == 0 else ("十" if tens == 1 else CN[tens] + "十")) + (CN[ones] if ones else "")
    return "".join(CN[int(ch)] for ch in str(d.year)) + f"年{small(d.month)}月{small(d.day)}日"


def serial(d: date) -> int:
    return (d - date(1899, 12, 30)).days


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


@given(DATES)
def test_every_date_format_parses_to_the_same_day(d: date) -> None:
    for text in (d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}-{d.month}-{d.day}",
                 f"{d.year}.{d.month}.{d.day}", f"{d.year}年{d.month}月{d.day}日",
                 f"{d.year}年{d.month:02d}月{d.day:02d}号",
                 d.strftime("%Y%m%d"), full_width(d.isoformat()), chinese_numerals(d), f" {d.isoformat()} "):
        assert parse_date(text) == d, text
    assert parse_date(serial(d)) == d
    assert parse_date(str(serial(d))) == d
    assert parse_date(float(serial(d))) == d
    assert parse_date(int(d.strftime("%Y%m%d"))) == d
    assert parse_date(datetime.combine(d, time())) == d
    assert parse_date(d) == d


@given(DATES, st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
def test_date_and_time(d: date, h: int, m: int, s: int) -> None:
    moment = time(h, m, s)
    assert parse_date_time(f"{d.isoformat()} {h:02d}:{m:02d}:{s:02d}") == (d, moment)
    assert parse_date_time(f"{d.isoformat()}T{h:02d}:{m:02d}:{s:02d}") == (d, moment)
    assert parse_date_time(f"{d.year}年{d.month}月{d.day}日 {h}时{m}分") == (d, time(h, m))
    assert parse_date_time(f"{d.year}/{d.month}/{d.day} {h}:{m:02d}") == (d, time(h, m))
    fraction = (h * 3600 + m * 60 + s) / 86400
    parsed_day, parsed_time = parse_date_time(serial(d) + fraction)
    assert parsed_day == d and (parsed_time or time()) == moment


@given(st.integers(61, 73415))
def test_excel_serials_match_excel(n: int) -> None:
    assert excel_serial_to_datetime(n).date() == date(1899, 12, 30) + timedelta(days=n)


def test_excel_1900_leap_bug() -> None:
    assert excel_serial_to_datetime(1).date() == date(1900, 1, 1)
    assert excel_serial_to_datetime(59).date() == date(1900, 2, 28)
    assert excel_serial_to_datetime(61).date() == date(1900, 3, 1)


@pytest.mark.parametrize("text", ["2026-02-30", "2026/13/1", "abc", "05/03/2026", "3/5/26", "2026年2月30日",
                                  "0", "99999", "1899-12-31", "2026-03", "", "   "])
def test_bad_dates_are_refused_with_a_message(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_date(text)
    assert str(err.value)


@given(st.text(max_size=20))
def test_date_parser_never_crashes(text: str) -> None:
    with contextlib.suppress(ValidationError):
        parse_date_time(text)


AMOUNTS = st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2, allow_nan=False,
                      allow_infinity=False)


@given(AMOUNTS)
def test_every_amount_format_parses_to_the_same_amount(amount: Decimal) -> None:
    plain = format(amount, "f")
    grouped = f"{amount:,.2f}"
    for text in (plain, grouped, f"¥{grouped}", f"￥{plain}", f"{grouped}元", f"RMB {plain}", f"人民币{plain}元",
                 full_width(plain), f" {grouped} ", f"{grouped}，".rstrip("，").replace(",", "，")):
        assert parse_money(text) == amount, text
    assert parse_money(float(amount)) == amount
    assert parse_money(amount) == amount
    if amount == amount.to_integral_value():
        assert parse_money(int(amount)) == amount


@given(st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False, allow_infinity=False))
def test_wan(amount: Decimal) -> None:
    assert parse_money(f"{amount}万") == amount * 10000


@pytest.mark.parametrize("text", ["", "-", "无", "N/A", None])
def test_empty_amounts(text: str | None) -> None:
    assert parse_money(text) is None


@pytest.mark.parametrize("value", ["abc", "-5", "1.234", "(100)", "1,2,3.4.5", float("nan"), 1.234, True,
                                   "1e400"])
def test_bad_amounts_are_refused(value: object) -> None:
    with pytest.raises(ValidationError):
        parse_money(value)


@given(st.text(max_size=20))
def test_amount_parser_never_crashes(text: str) -> None:
    with contextlib.suppress(ValidationError):
        parse_money(text)


def _known(text: str) -> bool:
    return text in {"序号", "投诉日期", "姓名", "联系电话", "客户姓名", "投诉内容", "投诉渠道", "业务类别"}


def test_messy_workbook_header(tmp_path: Path) -> None:
    table = read_table(messy_workbook(tmp_path / "m.xlsx"), _known)
    assert table.header_rows == (4, 5)
    assert table.headers[:5] == ["序号", "投诉日期", "客户信息/姓名", "客户信息/联系电话", "客户信息/身份证号"]
    assert table.headers[-2:] == ["办结情况/完成时间", "办结情况/处理结果"]
    rows = list(table.rows())
    assert rows[0][0] == 6 and rows[0][1][2] == "王芳"


def test_csv_encodings(tmp_path: Path) -> None:
    table = read_table(gb18030_csv(tmp_path / "m.csv"), _known)
    assert table.encoding == "gb18030" and table.header_rows == (1,) and table.headers[2] == "客户姓名"
    text = "投诉日期;客户姓名;投诉内容\n2026-03-05;王芳;测试\n"
    for encoding, expected in (("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8"), ("gb18030", "gb18030"),
                               ("utf-16", "utf-16")):
        path = tmp_path / f"x-{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        assert decode_csv(path.read_bytes()) == (text, expected)
        table = read_table(path, _known)
        assert table.headers == ["投诉日期", "客户姓名", "投诉内容"]
        assert list(table.rows()) == [(2, ["2026-03-05", "王芳", "测试"])]
    (tmp_path / "bad.csv").write_bytes(b"abc,def\n\xff\xff\x81")
    with pytest.raises(ValidationError):
        read_table(tmp_path / "bad.csv", _known)
    with pytest.raises(ValidationError):
        read_table(tmp_path / "old.xls", _known)
