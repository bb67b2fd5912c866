"""Parsing the values found in the spreadsheets and CSV files branches keep: dates, amounts, text.

Dates: ISO (2026-03-05, 2026-03-05T14:30:00+08:00), slashes and dots (2026/3/5, 2026.3.5), Chinese
(2026年3月5日, 二〇二六年三月五日, with 14时30分 or 14:30), compact (20260305), Excel serial numbers
(46086, also as text) and real date cells. Year-first only: 05/03/2026 could be March or May, so it
is refused with a clear message instead of guessed.

Amounts: 1234.5, 1,234.50, ¥1,234.50, 1234.50元, RMB 1234.5, 1.2万, full-width digits; empty, "-",
"无" mean no amount. At most two decimals, never negative (``desk_app.domain.validation.parse_amount``
does the final check).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from desk_app.domain.validation import MAX_AMOUNT, parse_amount
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.reports.xlsx_read import excel_serial_to_datetime

MIN_YEAR = 1900
MAX_YEAR = 2100
#: Excel serial numbers accepted as dates: 1 January 1900 (1) to 31 December 2100 (73415).
SERIAL_RANGE = (1, 73415)
EMPTY_MARKERS = frozenset({"", "-", "--", "—", "——", "/", "无", "空", "n/a", "na", "none", "null", "#n/a"})

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_TIME = r"(?:[ T]+(\d{1,2})[:时點点](\d{1,2})(?:分)?(?:[:](\d{1,2})(?:\.\d+)?(?:秒)?)?)?"
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + r"$")
_CHINESE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?" + _TIME.replace("[ T]+", "[ T]*") + r"$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2}):?(\d{2})(?::?(\d{2}))?)?$")
_SERIAL = re.compile(r"^\d{1,5}(?:\.\d+)?$")
_DAY_FIRST = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
_CN_NUM = "[一二三四五六七八九十]{1,3}"
_CN_NUMERAL_DATE = re.compile(f"^([〇零○Ｏ一二三四五六七八九]{{4}})年({_CN_NUM})月({_CN_NUM})[日号]?$")


def normalise_text(value: Any) -> str:
    """Full-width forms to ASCII (NFKC), trimmed, inner runs of white space made one space."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


_MARKER_CHARS = max(map(len, EMPTY_MARKERS))


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    stripped = value.strip()
    if len(stripped) > 2 * _MARKER_CHARS:  # NFKC and joining inner spaces never shorten a text that much
        return False
    if stripped.isascii():  # ASCII is its own NFKC form
        return " ".join(stripped.split()).lower() in EMPTY_MARKERS
    return normalise_text(stripped).lower() in EMPTY_MARKERS


def _cn_number(text: str) -> int:
    """一 … 三十一 (month and day numbers written in Chinese)."""
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else -1
    tens, _sep, ones = text.partition("十")
    value = (_CN_DIGITS.get(tens, -100) if tens else 1) * 10 + (_CN_DIGITS.get(ones, -100) if ones else 0)
    return value if value > 0 else -1


def _bad(value: Any) -> ValidationError:
    return ValidationError(_("'{value}' is not a date: write it like 2026-03-05, 2026/3/5 or 2026年3月5日.").format(
        value=value))


def _build(value: Any, y: str | int, m: str | int, d: str | int, hh: str | None = None, mm: str | None = None,
           ss: str | None = None) -> tuple[date, time | None]:
    try:
        day = date(int(y), int(m), int(d))
        moment = time(int(hh), int(mm), int(ss or 0)) if hh is not None and mm is not None else None
    except ValueError as exc:
        raise ValidationError(_("'{value}' is not a real date or time.").format(value=value)) from exc
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationError(_("'{value}' is out of the range of years {a}–{b}.").format(
            value=value, a=MIN_YEAR, b=MAX_YEAR))
    return day, moment


def _from_serial(value: Any, serial: float) -> tuple[date, time | None]:
    if not SERIAL_RANGE[0] <= serial <= SERIAL_RANGE[1] + 0.99999:
        raise _bad(value)
    moment = excel_serial_to_datetime(serial)
    return moment.date(), (moment.time() if serial % 1 else None)


def parse_date_time(value: Any) -> tuple[date, time | None]:
    """A date and, when given, a time of day (naive, local). ValidationError when it is not one."""
    if isinstance(value, datetime):
        has_time = value.time() != time(0, 0)
        if value.tzinfo is not None:
            raise ValidationError(_("'{value}': give the local date and time without a time zone.").format(
                value=value))
        return _build(value, value.year, value.month, value.day, *(
            (str(value.hour), str(value.minute), str(value.second)) if has_time else (None, None, None)))
    if isinstance(value, date):
        return _build(value, value.year, value.month, value.day)
    if isinstance(value, bool):
        raise _bad(value)
    if isinstance(value, int | float | Decimal):
        try:
            number = float(value)
        except (ValueError, OverflowError):  # Decimal("sNaN"), an integer beyond float range
            raise _bad(value) from None
        if float(number).is_integer() and 19000101 <= number <= 21001231:
            text = str(int(number))
            return _build(value, text[:4], text[4:6], text[6:])
        return _from_serial(value, number)
    text = normalise_text(value)
    if not text:
        raise ValidationError(_("The date is missing."))
    for pattern in (_YMD, _CHINESE, _COMPACT):
        match = pattern.match(text)
        if match:
            return _build(value, *match.groups())
    match = _CN_NUMERAL_DATE.match(text)
    if match:
        year = "".join(str(_CN_DIGITS[ch]) for ch in match.group(1))
        return _build(value, year, _cn_number(match.group(2)), _cn_number(match.group(3)))
    if _SERIAL.match(text):
        return _from_serial(value, float(text))
    try:  # ISO 8601 with a zone, e.g. 2026-03-05T14:30:00+08:00 (the zone is the source's local one)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is not None:
        return _build(value, parsed.year, parsed.month, parsed.day, str(parsed.hour), str(parsed.minute),
                      str(parsed.second))
    if _DAY_FIRST.match(text):
        raise ValidationError(_("'{value}' is ambiguous (day/month or month/day?): write the year first, e.g. "
                                "2026-03-05.").format(value=value))
    raise _bad(value)


def parse_date(value: Any) -> date:
    return parse_date_time(value)[0]


_CURRENCY = re.compile(r"^(?:rmb|cny|人民币|¥|\$)\s*|\s*(?:元整|元|圆|块|rmb|cny)$", re.IGNORECASE)


def parse_money(value: Any, field: str = "amount") -> Decimal | None:
    """An amount of money in yuan; None when empty. ValidationError when it is not an amount."""
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise ValidationError(_("'{value}' is not an amount.").format(value=value), field)
        return None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationError(_("'{value}' is not an amount.").format(value=value), field)
        exact = Decimal(repr(value))
        if abs(exact) > MAX_AMOUNT:  # e.g. an ID number typed into the amount column: refused, not quantized
            return parse_amount(exact, field)
        rounded = exact.quantize(Decimal("0.01"))
        # Spreadsheet numbers are binary floats: 0.1 + 0.2 shows as 0.30000000000000004. Accept float noise only.
        return parse_amount(rounded if abs(exact - rounded) < Decimal("0.000001") else exact, field)
    if isinstance(value, int | Decimal):
        return parse_amount(Decimal(value), field)
    text = normalise_text(value).replace(",", "").replace(" ", "")
    if text.lower() in EMPTY_MARKERS:
        return None
    previous = None
    while previous != text:
        previous, text = text, _CURRENCY.sub("", text)
    multiplier = Decimal(1)
    if text.endswith("万"):
        multiplier, text = Decimal(10000), text[:-1]
    if not re.fullmatch(r"[+-]?\d+(?:\.\d+)?|[+-]?\.\d+", text):
        raise ValidationError(_("'{value}' is not an amount.").format(value=value), field)
    try:
        amount = Decimal(text) * multiplier
    except InvalidOperation as exc:
        raise ValidationError(_("'{value}' is not an amount.").format(value=value), field) from exc
    return parse_amount(amount.normalize() if multiplier != 1 else amount, field)
