"""Amounts in Chinese capitals (大写), figures and letter dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.documents.formatting import (
    amount_in_capitals,
    amount_in_figures,
    chinese_date,
    english_date,
    integer_capital,
)

# Examples from the PBOC rules for writing amounts on bills (正确填写票据和结算凭证的基本规定) and
# common bank practice, written out by hand.
EXAMPLES = [
    ("3200", "人民币叁仟贰佰元整"),
    ("1409.50", "人民币壹仟肆佰零玖元伍角整"),
    ("6007.14", "人民币陆仟零柒元壹角肆分"),
    ("1680.32", "人民币壹仟陆佰捌拾元叁角贰分"),
    ("107000.53", "人民币壹拾万柒仟元伍角叁分"),
    ("16409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "人民币叁佰贰拾伍元零肆分"),
    ("15", "人民币壹拾伍元整"),
    ("10", "人民币壹拾元整"),
    ("0.50", "人民币伍角整"),
    ("0.05", "人民币伍分"),
    ("0.55", "人民币伍角伍分"),
    ("0", "人民币零元整"),
    ("1", "人民币壹元整"),
    ("100", "人民币壹佰元整"),
    ("1010", "人民币壹仟零壹拾元整"),
    ("10100", "人民币壹万零壹佰元整"),
    ("100100", "人民币壹拾万零壹佰元整"),
    ("1001000", "人民币壹佰万壹仟元整"),
    ("1000100", "人民币壹佰万零壹佰元整"),
    ("10000010", "人民币壹仟万零壹拾元整"),
    ("100000000", "人民币壹亿元整"),
    ("100000001", "人民币壹亿零壹元整"),
    ("100010000", "人民币壹亿零壹万元整"),
    ("120000000", "人民币壹亿贰仟万元整"),
    ("1000000000", "人民币壹拾亿元整"),
    ("999999999999.99", "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("20000.00", "人民币贰万元整"),
    ("50", "人民币伍拾元整"),
]


@pytest.mark.parametrize(("amount", "expected"), EXAMPLES)
def test_capitals_follow_the_bill_writing_rules(amount: str, expected: str) -> None:
    assert amount_in_capitals(Decimal(amount)) == expected


@pytest.mark.parametrize("bad", ["-1", "0.001", "1000000000000", "NaN", "Infinity"])
def test_capitals_refuse_amounts_a_letter_cannot_carry(bad: str) -> None:
    with pytest.raises(ValueError):
        amount_in_capitals(Decimal(bad))


# An independent reader of capital amounts, to check every amount round-trips.
_DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_UNIT = {"拾": 10, "佰": 100, "仟": 1000}


def _read_section(text: str) -> int:
    total = digit = 0
    for ch in text:
        if ch in _DIGIT:
            digit = _DIGIT[ch]
        elif ch in _UNIT:
            total += digit * _UNIT[ch]
            digit = 0
    return total + digit


def _read_integer(text: str) -> int:
    value = 0
    if "亿" in text:
        high, text = text.split("亿")
        value += _read_section(high) * 100_000_000
    if "万" in text:
        middle, text = text.split("万")
        value += _read_section(middle) * 10_000
    return value + _read_section(text)


def read_capitals(text: str) -> Decimal:
    assert text.startswith("人民币")
    text = text.removeprefix("人民币")
    yuan_text, _sep, rest = text.partition("元")
    if not _sep:
        yuan_text, rest = "", text
    jiao = fen = 0
    if "角" in rest:
        before, rest = rest.split("角")
        jiao = _DIGIT[before[-1]]
    if "分" in rest:
        fen = _DIGIT[rest[rest.index("分") - 1]]
    return Decimal(_read_integer(yuan_text)) + Decimal(jiao) / 10 + Decimal(fen) / 100


@given(st.integers(min_value=0, max_value=99_999_999_999_999))
def test_every_amount_reads_back_to_itself(cents: int) -> None:
    amount = Decimal(cents) / 100
    text = amount_in_capitals(amount)
    assert read_capitals(text) == amount
    assert "零零" not in text
    assert not text.removeprefix("人民币").startswith("零") or amount == 0
    assert text.endswith("整") != (cents % 10 != 0)  # 整 exactly when there are no 分


def test_integer_capital() -> None:
    assert integer_capital(0) == "零"
    assert integer_capital(30005) == "叁万零伍"


def test_figures_have_thousands_separators_and_cents() -> None:
    assert amount_in_figures(Decimal("3200")) == "3,200.00"
    assert amount_in_figures(Decimal("1234567.5")) == "1,234,567.50"
    assert amount_in_figures(Decimal("0.05")) == "0.05"


def test_dates() -> None:
    assert chinese_date(date(2026, 11, 23)) == "2026年11月23日"
    assert chinese_date(date(2027, 1, 5)) == "2027年1月5日"
    assert english_date(date(2026, 11, 23)) == "23 November 2026"
