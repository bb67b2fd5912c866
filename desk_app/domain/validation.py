"""Field rules shared by the intake form and the services: ID numbers, phones, amounts, masking."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, get_type_hints

import msgspec

from desk_app.errors import ValidationError
from desk_app.i18n import _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_SERVICE = re.compile(r"^(400|800)-?\d{3}-?\d{4}$|^95\d{3,6}$|^12\d{3}$")
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
MAX_AMOUNT = Decimal("999999999999.99")


def resident_id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_resident_id(value: str) -> str:
    """Check a mainland resident ID number (18 characters, GB 11643 checksum, valid birth date)."""
    number = value.strip().upper()
    if not _ID_PATTERN.match(number):
        raise ValidationError(_("A resident ID number has 18 characters: 17 digits and a digit or X."),
                              "id_number")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(_("The birth date inside the ID number is not a real date."), "id_number") from exc
    if resident_id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("The ID number's check digit is wrong: please check the number again."),
                              "id_number")
    return number


def validate_credit_code(value: str) -> str:
    code = value.strip().upper()
    if not _CREDIT_CODE.match(code):
        raise ValidationError(_("A unified social credit code has 18 characters (digits and capital letters)."),
                              "id_number")
    return code


def normalise_phone(value: str) -> str:
    """Accept mobile (11 digits), landline with area code, and service numbers; strip spaces and +86."""
    phone = re.sub(r"[\s()]", "", value)
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    if _MOBILE.match(phone) or _LANDLINE.match(phone) or _SERVICE.match(phone):
        return phone
    raise ValidationError(
        _("'{phone}' is not a valid phone number: use an 11-digit mobile number or a landline with "
          "its area code, e.g. 021-12345678.").format(phone=value), "phone")


def parse_amount(value: str | Decimal | int | None, field: str = "amount") -> Decimal | None:
    """A money amount with at most 2 decimals, not negative; empty means no amount."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except InvalidOperation as exc:
        raise ValidationError(_("'{value}' is not an amount.").format(value=value), field) from exc
    if not amount.is_finite():
        raise ValidationError(_("'{value}' is not an amount.").format(value=value), field)
    if amount < 0:
        raise ValidationError(_("An amount cannot be negative."), field)
    if amount > MAX_AMOUNT:
        raise ValidationError(_("The amount is too large."), field)
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("An amount has at most two decimal places."), field)
    return amount.quantize(Decimal("0.01"))


def mask_id_number(value: str) -> str:
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


def mask_address(value: str) -> str:
    """Keep the first six characters (province, city, district); hide the rest (at most 8 stars)."""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:6] + "*" * min(8, len(value) - 6)


def mask_email(value: str) -> str:
    name, at, domain = value.partition("@")
    if not at:
        return "*" * len(value)
    return name[:1] + "***@" + domain


_JSON_NATIVE = (str, int, float, bool, list, dict)


def typed_changes(changes: Mapping[str, Any], fields_of: type) -> dict[str, Any]:
    """``changes`` (field name → new value) with each value of a field of the dataclass ``fields_of`` made
    into that field's type: values that came as JSON from a desk-server client (a date as text, an id as
    text) become dates, ids and enums; a value that cannot is a ValidationError naming the field."""
    hints = get_type_hints(fields_of)
    typed: dict[str, Any] = {}
    for name, value in changes.items():
        hint = hints.get(name)
        if hint is None or not isinstance(value, _JSON_NATIVE):
            typed[name] = value
            continue
        try:
            typed[name] = msgspec.convert(value, type=hint, strict=False)
        except msgspec.ValidationError as exc:
            raise ValidationError(_("The value of {field} is not valid: {error}").format(field=name, error=exc),
                                  name) from exc
    return typed


#: Characters no stored text may hold: C0 controls but tab, line feed and carriage return; DEL and the C1
#: controls; and the Unicode direction embeddings, overrides and isolates, which can make a text show
#: something other than what it says (a name, an amount or a file name read backwards).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def reject_control_characters(value: str, field: str) -> str:
    """``value`` unchanged, or a ValidationError naming the field and the character (as U+XXXX)."""
    found = _CONTROL.search(value)
    if found is None:
        return value
    raise ValidationError(_("The text of {field} contains a control character (U+{code:04X}, such as a NUL or a "
                            "text-direction override) that is not allowed. Remove it and try again.").format(
        field=field, code=ord(found.group())), field)


def reject_control_characters_in(value: object, field: str = "") -> None:
    """Check every text inside a use case's arguments (dataclasses, mappings, sequences, nested): the backend
    does this before any use case runs, so a NUL never reaches a query (PostgreSQL refuses one in a
    parameter with a driver error) and a direction override never reaches a record."""
    if isinstance(value, str):
        reject_control_characters(value, field or "text")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            reject_control_characters_in(getattr(value, item.name), item.name)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            reject_control_characters_in(item, str(key))
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            reject_control_characters_in(item, field)
