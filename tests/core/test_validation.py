"""Intake field rules: ID checksum, phones, amounts, masking."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.domain.validation import (
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_phone,
    parse_amount,
    validate_credit_code,
    validate_resident_id,
)
from desk_app.errors import ValidationError


def test_resident_id_with_valid_checksum_and_x() -> None:
    # GB 11643 example numbers: the check characters were worked out by hand.
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"
    assert validate_resident_id("440524188001010014") == "440524188001010014"


@pytest.mark.parametrize(("number", "problem"), [
    ("110105194912310021", "check digit"),
    ("11010519491331002X", "birth date"),
    ("1101051949123100", "18 characters"),
])
def test_bad_resident_ids(number: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem) as err:
        validate_resident_id(number)
    assert err.value.field == "id_number"


def test_credit_code_shape() -> None:
    assert validate_credit_code("91350100m000100y43") == "91350100M000100Y43"
    with pytest.raises(ValidationError):
        validate_credit_code("91350100")


@pytest.mark.parametrize(("raw", "expected"), [
    ("138 1234 5678", "13812345678"), ("+8613812345678", "13812345678"), ("021-12345678", "021-12345678"),
    ("95588", "95588"), ("400-820-8820", "400-820-8820"),
])
def test_phone_formats(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["1234", "23812345678", "1381234567", "电话"])
def test_bad_phones(raw: str) -> None:
    with pytest.raises(ValidationError) as err:
        normalise_phone(raw)
    assert err.value.field == "phone"


def test_amounts() -> None:
    assert parse_amount("1,234.5") == Decimal("1234.50")
    assert parse_amount("") is None
    for bad, problem in (("-1", "negative"), ("1.234", "two decimal"), ("abc", "not an amount"),
                         ("NaN", "not an amount")):
        with pytest.raises(ValidationError, match=problem):
            parse_amount(bad)


@given(st.text(max_size=30))
def test_parse_amount_never_crashes(text: str) -> None:
    try:
        value = parse_amount(text)
    except ValidationError:
        return
    assert value is None or (value >= 0 and value == value.quantize(Decimal("0.01")))


@given(st.text(max_size=25))
def test_phone_either_valid_or_validation_error(text: str) -> None:
    try:
        phone = normalise_phone(text)
    except ValidationError:
        return
    assert phone and " " not in phone


def test_masking() -> None:
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张**"
