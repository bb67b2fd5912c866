"""Anonymising a text for the case library: the one way a closed case's words lose who the customer is.

Two passes over every text:

1. **The case's own values**: the customer's name, ID number, phones, e-mail and address (and the parts of
   the address after its district), the agents' and representatives' names and numbers, the staff names on
   the case, its case and letter numbers, are replaced wherever they appear (ASCII ignoring case; numbers
   also when written with spaces or dashes between the digits). A customer's surname followed by a form of
   address (王女士, 王先生…) is replaced too.
2. **Patterns** for what nobody listed: mobile and landline numbers, resident ID numbers, bank card and
   account numbers (any run of 10 or more digits, spaces or dashes allowed between them), e-mail
   addresses, case and letter numbers, and street addresses with a house number.

Each is replaced by a bracketed placeholder saying what stood there (〔客户〕, 〔电话〕…), so the lesson
still reads. ``scrub_tree`` applies the same to every string inside nested dicts and lists (the JSON the
library stores). Pure Python: tested without a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

CUSTOMER = "〔客户〕"
PERSON = "〔姓名〕"
STAFF = "〔工作人员〕"
PHONE = "〔电话〕"
ID_NUMBER = "〔证件号〕"
CARD = "〔卡号〕"
EMAIL = "〔邮箱〕"
ADDRESS = "〔地址〕"
CASE_NUMBER = "〔编号〕"
PLACEHOLDERS = (CUSTOMER, PERSON, STAFF, PHONE, ID_NUMBER, CARD, EMAIL, ADDRESS, CASE_NUMBER)

#: Forms of address that follow a surname (王女士, 李先生, 张经理…).
_TITLES = "先生|女士|小姐|太太|阿姨|大爷|大妈|老师|师傅|同志|总|经理|老板|某"
#: Values shorter than this are not replaced on their own (a one-character "name" would wipe the text).
MIN_VALUE = 2
#: Administrative parts an address is cut after, to find its street part written on its own in a text.
_ADDRESS_CUT = re.compile(r"^.*?(?:自治区|特别行政区|省|市|自治州|地区|盟|区|县|旗)")

_SEP = r"[ \-]?"
#: Not inside a longer number (digits before or after, also across one space or dash).
_NOT_AFTER = r"(?<!\d)(?<!\d[ \-])"
_NOT_BEFORE = r"(?![ \-]?\d)"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"), EMAIL),
    # a case number <branch>-<yyyymmdd>-<seq>, a letter number <branch>-<kind>-<yyyy>-<seq>
    (re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]{1,9}-\d{8}-\d{3,6}(?!\d)"), CASE_NUMBER),
    (re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]{1,9}-[A-Za-z]{1,6}-\d{4}-\d{1,8}(?!\d)"), CASE_NUMBER),
    (re.compile(r"(?<![0-9A-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"),
     ID_NUMBER),
    (re.compile(rf"{_NOT_AFTER}(?:(?:\+|00)?86{_SEP})?1[3-9]\d(?:{_SEP}\d){{8}}{_NOT_BEFORE}"), PHONE),
    (re.compile(rf"{_NOT_AFTER}\(?0\d{{2,3}}\)?[ \-]?\d{{3,4}}[ \-]?\d{{4}}(?:-\d{{1,6}})?{_NOT_BEFORE}"), PHONE),
    (re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])"), ID_NUMBER),
    # a street and its house number: 张杨路1500号, 世纪大道100号2栋301室
    (re.compile(r"[\u4e00-\u9fff]{2,5}(?:路|街|大道|大街|巷|弄|胡同)\d+(?:之\d+)?号"
                r"(?:[\d\-]+(?:号楼|栋|幢|座|单元|楼|层|室|号))*"), ADDRESS),
)
#: Card and account numbers: 10 or more digits in groups of at least 3 (6222 0212 3456 7890 123), so that
#: dates and times (2026-11-30 10:15) stay.
MIN_ACCOUNT_DIGITS = 10
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])\d+(?:[ \-]\d+)*(?![0-9A-Za-z])")


def _scrub_accounts(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        out: list[str] = []
        chain: list[str] = []  # groups of 3+ digits with their separators

        def flush() -> None:
            joined = "".join(chain)
            if sum(ch.isdigit() for ch in joined) >= MIN_ACCOUNT_DIGITS:
                head = joined[:len(joined) - len(joined.lstrip(" -"))]
                tail = joined[len(joined.rstrip(" -")):]
                out.append(head + CARD + tail)
            else:
                out.append(joined)
            chain.clear()

        for part in re.split(r"([ \-])", match.group()):
            if part.isdigit() and len(part) < 3:
                flush()
                out.append(part)
            else:
                chain.append(part)
        flush()
        return "".join(out)

    return _DIGIT_RUN.sub(replace, text)


def digits_pattern(digits: str) -> str:
    """A regular expression for ``digits`` written with optional spaces or dashes between them."""
    return _SEP.join(re.escape(ch) for ch in digits)


@dataclass(frozen=True)
class PersonalValues:
    """What identifies the people of one case: each text replaced by its placeholder."""

    customer_names: tuple[str, ...] = ()
    person_names: tuple[str, ...] = ()
    staff_names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    """Case and letter numbers, account numbers and any other number of the case."""

    def all_values(self) -> tuple[str, ...]:
        return tuple(v for v in (*self.customer_names, *self.person_names, *self.staff_names, *self.phones,
                                 *self.id_numbers, *self.emails, *self.addresses, *self.numbers)
                     if len(v.strip()) >= MIN_VALUE)


def address_parts(address: str) -> list[str]:
    """The address and its street part (after the last province/city/district word), each long enough."""
    address = address.strip()
    parts = [address]
    cut = _ADDRESS_CUT.match(address)
    if cut is not None:
        rest = address[cut.end():]
        deeper = _ADDRESS_CUT.match(rest)  # 上海市浦东新区… : after the city, then after the district
        while deeper is not None and len(rest[deeper.end():]) >= 4:
            rest = rest[deeper.end():]
            deeper = _ADDRESS_CUT.match(rest)
        if len(rest) >= 4:
            parts.append(rest)
    return [p for p in parts if len(p) >= MIN_VALUE]


@dataclass
class Scrubber:
    """Replaces one case's personal values, then the patterns, in any text (see the module docstring)."""

    values: PersonalValues
    _rules: list[tuple[re.Pattern[str], str]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        v = self.values
        literal: list[tuple[str, str]] = []
        for names, placeholder in ((v.customer_names, CUSTOMER), (v.person_names, PERSON), (v.staff_names, STAFF)):
            literal.extend((n.strip(), placeholder) for n in names)
        literal.extend((e.strip(), EMAIL) for e in v.emails)
        for address in v.addresses:
            literal.extend((part, ADDRESS) for part in address_parts(address))
        rules: list[tuple[str, str]] = [(re.escape(text), placeholder) for text, placeholder in literal
                                        if len(text) >= MIN_VALUE]
        for numbers, placeholder in ((v.phones, PHONE), (v.id_numbers, ID_NUMBER), (v.numbers, CASE_NUMBER)):
            for number in numbers:
                number = number.strip()
                if len(number) < MIN_VALUE:
                    continue
                compact = re.sub(r"[\s\-]", "", number)
                exact = re.escape(number)
                rules.append((exact, placeholder))
                if compact.isdigit() or (compact[:-1].isdigit() and compact[-1:] in "Xx"):
                    rules.append((f"(?<!\\d){digits_pattern(compact)}(?![0-9A-Za-z])", placeholder))
        # longest first, so a full name goes before the surname rule and an address before its street
        rules.sort(key=lambda rule: len(rule[0]), reverse=True)
        self._rules = [(re.compile(pattern, re.IGNORECASE), placeholder) for pattern, placeholder in rules]
        surnames = {n.strip()[0] for n in v.customer_names
                    if 2 <= len(n.strip()) <= 4 and "\u4e00" <= n.strip()[0] <= "\u9fff"}
        if surnames:
            self._rules.append((re.compile(f"[{''.join(sorted(surnames))}](?:{_TITLES})"), CUSTOMER))
        self._rules.extend(_PATTERNS)

    def scrub(self, text: str) -> str:
        for pattern, placeholder in self._rules:
            text = pattern.sub(placeholder, text)
        return _scrub_accounts(text)

    def scrub_tree(self, value: Any) -> Any:
        """``value`` with every string inside it (dict values and keys, list items) scrubbed."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.scrub(k) if isinstance(k, str) else k: self.scrub_tree(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub_tree(item) for item in value]
        return value


def leaks(text: str, values: Iterable[str]) -> list[str]:
    """The values found in ``text`` (numbers also when their digits are split by spaces or dashes)."""
    found = []
    compact_text = re.sub(r"[\s\-]", "", text).lower()
    lowered = text.lower()
    for value in values:
        value = value.strip()
        if len(value) < MIN_VALUE:
            continue
        compact = re.sub(r"[\s\-]", "", value).lower()
        if value.lower() in lowered or (sum(ch.isdigit() for ch in compact) >= 5 and compact in compact_text):
            found.append(value)
    return found
