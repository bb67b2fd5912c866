"""The technical record format that carries cases from a branch to headquarters.

A detail export workbook holds, besides the readable "Case details" sheet:

- the hidden sheet ``_desk_manifest``: key/value rows — format name and version, app version, when,
  by whom, the branches and period, whether personal data is masked, the number of records of each
  kind and the SHA-256 of the records part (any change of the records is detected);
- the records part ``RECORDS_PART``: the rows themselves, as a gzip-compressed SQLite file
  (``desk_app.reports.records_db``), referenced from the package's root relationships.

When read, each database row becomes one record: its kind and the row as compact JSON.

The kinds are the tables consolidation needs: branch, user (no password data), customer, complaint,
party, event (the hash-chained timeline, kept intact), resolution, callback, root_cause, action
(improvement action) and action_case (its link to a case), then grumble and opportunity (the grumble log and
the opportunities heard in cases and grumbles, for headquarters' prevention funnel and opportunity sheets).
Letters, attachments, portraits and checklist runs stay at the branch. The last two kinds came after format 2
was first shipped (``OPTIONAL_KINDS``): a file made before has no table for them and is read without them.
Values are JSON: UUIDs as 32 hex digits, amounts and counts as
numbers, times as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC (how SQLite stores them; the reader also takes
ISO 8601 with an offset), dates as ISO dates, JSON columns as JSON. The same encoding is used when a
branch's SQLite file is consolidated, so both sources go through one validation and one merge.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from json.encoder import encode_basestring as _encode_string
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, Numeric, Table, Uuid
from sqlalchemy.sql.schema import Column

from desk_app.db.models import (
    Branch,
    Callback,
    Complaint,
    ComplaintEvent,
    ComplaintParty,
    Customer,
    Grumble,
    ImprovementAction,
    Opportunity,
    Resolution,
    RootCause,
    User,
    improvement_action_cases,
)
from desk_app.db.types import UTCDateTime
from desk_app.domain.validation import mask_address, mask_email, mask_id_number, mask_phone

FORMAT_NAME = "complaint-desk-export"
FORMAT_VERSION = 2
"""1: records as JSON in the hidden sheet "_desk_records" (no longer read: export again); 2: records part."""
MANIFEST_SHEET = "_desk_manifest"
RECORDS_PART = "desk/records.sqlite3.gz"
RECORDS_CONTENT_TYPE = "application/gzip"
RECORDS_RELATIONSHIP = "http://schemas.complaint-desk.org/2026/relationships/records"

TABLES: dict[str, Table] = {
    "branch": Branch.__table__,  # type: ignore[dict-item]
    "user": User.__table__,  # type: ignore[dict-item]
    "customer": Customer.__table__,  # type: ignore[dict-item]
    "complaint": Complaint.__table__,  # type: ignore[dict-item]
    "party": ComplaintParty.__table__,  # type: ignore[dict-item]
    "event": ComplaintEvent.__table__,  # type: ignore[dict-item]
    "resolution": Resolution.__table__,  # type: ignore[dict-item]
    "callback": Callback.__table__,  # type: ignore[dict-item]
    "root_cause": RootCause.__table__,  # type: ignore[dict-item]
    "action": ImprovementAction.__table__,  # type: ignore[dict-item]
    "action_case": improvement_action_cases,
    "grumble": Grumble.__table__,  # type: ignore[dict-item]
    "opportunity": Opportunity.__table__,  # type: ignore[dict-item]
}
KINDS = tuple(TABLES)
#: Kinds added to format 2 after it first shipped: a records file without their tables is a file made before.
OPTIONAL_KINDS = frozenset({"grumble", "opportunity"})
#: The columns through which records of each kind name a user (the user records exported are these).
USER_REFERENCES: dict[str, tuple[str, ...]] = {
    "complaint": ("created_by_id", "owner_id"), "event": ("actor_id",),
    "resolution": ("proposed_by_id", "approved_by_id"), "callback": ("called_by_id",),
    "root_cause": ("recorded_by_id",), "action": ("owner_id",), "grumble": ("recorded_by_id",),
    "opportunity": ("recorded_by_id",)}
_EXCLUDED = {"user": {"password_hash", "failed_logins", "locked_until", "last_login_at", "must_change_password"},
             "branch": {"signing_public_key"}}  # registered at HQ only; a file never sets it
#: Columns holding personal data, masked unless the export is made with the right to see it.
PERSONAL_COLUMNS = {"customer": ("id_number", "phone", "phone2", "email", "address"),
                    "party": ("id_number", "phone"), "grumble": ("customer_phone",)}


def columns(kind: str) -> list[Column[Any]]:
    excluded = _EXCLUDED.get(kind, set())
    return [c for c in TABLES[kind].columns if c.name not in excluded]


_NAMES = {kind: tuple(sorted(c.name for c in columns(kind))) for kind in TABLES}


# How each column's raw SQLite value is written as JSON when a records file or branch database is read.
_RAW_JSON, _RAW_BOOL, _RAW_NUMBER, _RAW_TEXT = "json", "bool", "number", "text"


def _raw_kind(column: Column[Any]) -> str:
    kind = column.type
    if isinstance(kind, JSON):
        return _RAW_JSON
    if isinstance(kind, Boolean):
        return _RAW_BOOL
    if isinstance(kind, Integer | Numeric):
        return _RAW_NUMBER
    return _RAW_TEXT  # text, and UUIDs (32 hex digits), dates and UTC times as SQLite stores them


_RAW = {kind: tuple((c.name, _raw_kind(c)) for c in columns(kind)) for kind in TABLES}


def encode_raw(kind: str, row: Sequence[Any]) -> str:
    """A record from the raw SQLite values of ``columns(kind)`` (no type conversion in Python: UUIDs as
    stored, times as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC, JSON columns spliced in as stored)."""
    parts = []
    for (name, how), value in zip(_RAW[kind], row, strict=True):
        if value is None:
            text = "null"
        elif how == _RAW_TEXT:
            text = _encode_string(value if isinstance(value, str) else str(value))
        elif how == _RAW_NUMBER:
            text = repr(value) if isinstance(value, float) else str(value)
        elif how == _RAW_BOOL:
            text = "true" if value else "false"
        else:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f'"{name}":{text}')
    return "{" + ",".join(parts) + "}"


def mask_value(column: str, value: str) -> str:
    if not value:
        return value
    if column == "id_number":
        return mask_id_number(value)
    if column in ("phone", "phone2", "customer_phone"):
        return mask_phone(value)
    if column == "email":
        return mask_email(value)
    return mask_address(value)


class RecordError(ValueError):
    """A record that does not decode: names the column and the problem (English, for the report)."""


def _uuid(value: Any) -> uuid.UUID:
    return uuid.UUID(value) if isinstance(value, str) else uuid.UUID(str(value))


def _utc(value: Any) -> datetime:
    """ISO 8601; without an offset the time is UTC (as SQLite stores it)."""
    parsed = datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _day(value: Any) -> date:
    return date.fromisoformat(str(value))


def _boolean(value: Any) -> bool:
    if value not in (True, False):  # also 1 and 0
        raise ValueError("not true/false")
    return bool(value)


def _integer(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not a whole number")
    return value


def _number(scale: int | None) -> Callable[[Any], Decimal]:
    step = Decimal(1).scaleb(-scale) if scale is not None else None

    def convert(value: Any) -> Decimal:
        if isinstance(value, bool):
            raise ValueError("not a number")
        number = Decimal(str(value))
        return number.quantize(step) if step is not None else number

    return convert


def _text(length: int | None) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("not text")
        if length is not None and len(value) > length:
            raise ValueError(f"longer than {length} characters")
        return value

    return convert


def _converter(column: Column[Any]) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, Uuid):
        return _uuid
    if isinstance(kind, UTCDateTime):
        return _utc
    if isinstance(kind, Date):
        return _day
    if isinstance(kind, Numeric):
        return _number(getattr(kind, "scale", None))
    if isinstance(kind, Boolean):
        return _boolean
    if isinstance(kind, Integer):
        return _integer
    if isinstance(kind, JSON):
        return lambda value: value
    return _text(getattr(kind, "length", None))


_DECODERS = {kind: tuple((c.name, c.nullable, _converter(c)) for c in columns(kind)) for kind in TABLES}


def decode(kind: str, text: str) -> dict[str, Any]:
    """Typed column values of one record; RecordError when it does not fit the table."""
    decoders = _DECODERS.get(kind)
    if decoders is None:
        raise RecordError(f"unknown record kind {kind!r}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(f"not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise RecordError("not a JSON object")
    values: dict[str, Any] = {}
    for name, nullable, convert in decoders:
        if name not in data:
            raise RecordError(f"{name}: missing")
        value = data[name]
        if value is None:
            if not nullable:
                raise RecordError(f"{name}: missing")
            values[name] = None
            continue
        try:
            values[name] = convert(value)
        except (ValueError, TypeError, InvalidOperation) as exc:
            raise RecordError(f"{name}: {str(value)[:40]!r} is not valid ({exc})") from exc
    return values


class RecordDigest:
    """SHA-256 over the records in file order (kind, tab, JSON, newline)."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.counts: dict[str, int] = dict.fromkeys(KINDS, 0)

    def add(self, kind: str, text: str) -> None:
        self._hash.update(f"{kind}\t{text}\n".encode())
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
