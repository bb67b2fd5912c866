"""How letters write dates and money: 2026年11月23日, 3,200.00, and 人民币叁仟贰佰元整.

The capital form (大写) follows the People's Bank of China rules for writing amounts on bills and
settlement vouchers (《支付结算办法》 annex, 正确填写票据和结算凭证的基本规定):

- 壹贰叁肆伍陆柒捌玖 and 拾佰仟万亿, then 元, 角, 分; a leading 1 in the tens is written 壹拾;
- an amount that stops at 元 or 角 ends in 整; an amount with 分 has no 整;
- zeros inside the integer part are written as one 零 however many there are (1,409 壹仟肆佰零玖;
  6,007 陆仟零柒; 100,000,001 壹亿零壹);
- when 角 is zero and 分 is not, a 零 follows 元 (16,409.02 壹万陆仟肆佰零玖元零贰分);
- when the integer part ends in zeros and 角 is not zero, the rule allows 零 or not; we write none
  (1,680.32 壹仟陆佰捌拾元叁角贰分).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("仟", "佰", "拾", "")
_GROUP_UNITS = ("", "万", "亿")
#: Numeric(14, 2) holds at most 12 integer digits: below one 万亿.
MAX_CAPITAL_AMOUNT = Decimal("999999999999.99")
_CENT = Decimal("0.01")

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")


def _checked(amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"not a finite Decimal amount: {amount!r}")
    if amount < 0:
        raise ValueError(f"negative amount: {amount}")
    if amount > MAX_CAPITAL_AMOUNT:
        raise ValueError(f"amount too large for a letter: {amount}")
    if amount != amount.quantize(_CENT):
        raise ValueError(f"more than two decimal places: {amount}")
    return amount.quantize(_CENT)


def _group_words(group: int) -> str:
    """0 < group < 10000, written without leading zeros; inner zeros become one 零."""
    digits = f"{group:04d}"
    words: list[str] = []
    started = False
    pending_zero = False
    for digit, unit in zip(digits, _SMALL_UNITS, strict=True):
        value = int(digit)
        if value == 0:
            pending_zero = started
            continue
        if pending_zero:
            words.append("零")
            pending_zero = False
        words.append(DIGITS[value] + unit)
        started = True
    return "".join(words)


def integer_capital(number: int) -> str:
    """The integer part in capitals, without 元: 3200 → 叁仟贰佰; 0 → 零."""
    if number < 0:
        raise ValueError(f"negative number: {number}")
    if number == 0:
        return "零"
    groups: list[int] = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    if len(groups) > len(_GROUP_UNITS):
        raise ValueError("number too large")
    words: list[str] = []
    pending_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(words)
            continue
        if words and (pending_zero or group < 1000):
            words.append("零")
        words.append(_group_words(group) + _GROUP_UNITS[index])
        pending_zero = False
    return "".join(words)


def amount_in_capitals(amount: Decimal, prefix: str = "人民币") -> str:
    """``Decimal("3200")`` → ``人民币叁仟贰佰元整``; ``Decimal("16409.02")`` → ``人民币壹万陆仟肆佰零玖元零贰分``."""
    value = _checked(amount)
    cents = int(value * 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if cents == 0:
        return f"{prefix}零元整"
    parts: list[str] = []
    if yuan:
        parts.append(integer_capital(yuan) + "元")
    if jiao:
        parts.append(DIGITS[jiao] + "角")
    elif fen and yuan:
        parts.append("零")
    if fen:
        parts.append(DIGITS[fen] + "分")
    else:
        parts.append("整")
    return prefix + "".join(parts)


def amount_in_figures(amount: Decimal) -> str:
    """``Decimal("3200")`` → ``3,200.00``."""
    return f"{_checked(amount):,.2f}"


def chinese_date(day: date) -> str:
    """``date(2026, 11, 23)`` → ``2026年11月23日`` (no leading zeros, as in official letters)."""
    return f"{day.year}年{day.month}月{day.day}日"


def english_date(day: date) -> str:
    """``date(2026, 11, 23)`` → ``23 November 2026``."""
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def letter_date(day: date, language: str) -> str:
    return english_date(day) if language.startswith("en") else chinese_date(day)
