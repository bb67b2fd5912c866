"""One row of a branch register, parsed into the values of a case, with every problem named.

A default (``ColumnMapping.defaults``) fills every row whose cell is empty or whose column is not in
the file — for any field, a required one such as the customer's name included. A text longer than
its field allows is refused, unless the user chose in the dry run to cut over-long texts: then it
keeps its beginning and ends with a visible marker saying how long the source was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from desk_app.domain.enums import IdType, Status
from desk_app.domain.validation import normalise_phone, validate_resident_id
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.reports.parsing import is_empty, normalise_text, parse_date_time, parse_money
from desk_app.services.import_mapping import CLASSIFICATION, DEFAULTS, SPECS, ColumnMapping, column_number, key_of
from desk_app.services.import_values import BranchInfo, Codes

MAX_TEXT = 20000
CLOSING_TIME = time(18, 0)
#: Fields whose over-long text may be cut (by the user's choice); names, phones, numbers never are.
CUTTABLE = ("facts_what", "summary", "request_text", "address", "result")


def cut_marker(length: int) -> str:
    return _("… [cut on import: the source text has {n:,} characters]").format(n=length)


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    code: str = ""
    """"too_long" for a text that the user may choose to cut."""


@dataclass(frozen=True)
class RowPreview:
    source_row: int
    values: dict[str, Any]
    """Parsed values by field key (codes, dates, Decimal amounts); ``_mapped`` holds, per value-mapped
    field, [text in the file, code, guessed?]; ``_cut`` the fields cut with a marker."""
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        v = self.values
        parts = [str(v.get("received_on") or "?"), str(v.get("branch") or ""), str(v.get("customer_name") or ""),
                 "/".join(str(v.get(k) or "") for k in ("channel", "axis_b", "axis_c")),
                 str(v.get("facts_what") or "")[:30]]
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class ImportOptions:
    branch_code: str | None = None
    """Branch of rows without a branch column (default: the user's branch)."""
    sheet: str | None = None
    timezone: str = "Asia/Shanghai"
    now: datetime | None = None
    allow_reimport: bool = False
    cut_long_texts: bool = False
    """The user chose, in the dry run, to cut over-long texts with a marker instead of refusing the rows."""


def _phone(text: str) -> str:
    """normalise_phone, also accepting the separators registers use in mobile numbers (137-0000-1111)."""
    try:
        return normalise_phone(text)
    except ValidationError:
        compact = re.sub(r"[\s\-.\u2010-\u2015]", "", normalise_text(text))
        if compact == text:
            raise
        return normalise_phone(compact)


class RowParser:
    def __init__(self, codes: Codes, mapping: ColumnMapping, headers: list[str], default_branch: BranchInfo,
                 now: datetime, cut_long_texts: bool = False) -> None:
        self.codes, self.mapping, self.now = codes, mapping, now
        self.default_branch = default_branch
        self.cut_long_texts = cut_long_texts
        self.width = len(headers)
        self.defaults = {key: value for key, value in {**DEFAULTS, **mapping.defaults}.items() if not is_empty(value)}
        index = {h: i for i, h in enumerate(headers)}
        self.columns: dict[str, int] = {}
        for key, header in mapping.columns.items():
            number = index.get(header, column_number(header))
            if number is not None:
                self.columns[key] = number

    def parse(self, number: int, row: list[Any]) -> RowPreview:
        raw = {key: (row[i] if i < len(row) else None) for key, i in self.columns.items()}
        problems: list[Problem] = []
        warnings: list[str] = []
        out: dict[str, Any] = {"_mapped": {}, "_cut": []}
        extra = [v for v in row[self.width:] if not is_empty(v) and str(v).strip()]
        if extra:
            problems.append(Problem("row", _("The row has {n} more cells with text than the header has columns: "
                                             "is a separator or quote out of place?").format(n=len(extra))))

        found: dict[str, Any] = {}

        def value_of(key: str) -> Any:
            """The cell, or else the default (asked several times per row: worked out once)."""
            if key in found:
                return found[key]
            value = raw.get(key)
            if is_empty(value):
                value = self.defaults.get(key)
            found[key] = value
            return value

        def text(key: str, limit: int = MAX_TEXT) -> str:
            value = value_of(key)
            if value is None:
                return ""
            result = str(value).strip() if not isinstance(value, datetime) else value.isoformat(sep=" ")
            if len(result) > limit:
                if self.cut_long_texts and key in CUTTABLE:
                    marker = cut_marker(len(result))
                    out["_cut"].append(key)
                    return result[:limit - len(marker)] + marker
                hint = (_(" Choose “Cut over-long texts” in the dry run to keep its beginning with a marker, or "
                          "shorten it in the file.") if key in CUTTABLE else "")
                problems.append(Problem(key, _("The text has {n:,} characters; at most {limit:,} fit.").format(
                    n=len(result), limit=limit) + hint, "too_long" if key in CUTTABLE else ""))
                return result[:limit]  # the row is refused: keep no more than a preview needs
            return result

        # where and when
        branch = self.default_branch
        if value_of("branch") is not None:
            try:
                resolved = self.codes.resolve("branch", value_of("branch"))
                out["_mapped"]["branch"] = [normalise_text(value_of("branch")), resolved.code, resolved.guessed]
                branch = self.codes.branches[key_of(resolved.code)]
            except ValidationError as exc:
                problems.append(Problem("branch", str(exc)))
        if branch.id not in self.codes.visible:
            problems.append(Problem("branch", _("You may not import cases of branch {code}.").format(
                code=branch.code)))
        out["branch"] = branch.code
        out["_branch"] = branch
        tz = ZoneInfo(branch.timezone)
        received: datetime | None = None
        if value_of("received_at") is None:
            problems.append(Problem("received_at", _("The date received is missing.")))
        else:
            try:
                day, moment = parse_date_time(value_of("received_at"))
                received = datetime.combine(day, moment or time(0, 0), tz).astimezone(UTC)
                if received > self.now:
                    problems.append(Problem("received_at", _("The date received is in the future.")))
                out["received_on"] = day
            except ValidationError as exc:
                problems.append(Problem("received_at", str(exc)))
        out["received_at"] = received
        # the customer
        name = text("customer_name", 200)
        if not name:
            problems.append(Problem("customer_name", _("The customer's name is missing.")))
        out["customer_name"] = name
        phone = text("phone", 40)
        if phone:
            try:
                phone = _phone(phone)
            except ValidationError as exc:
                problems.append(Problem("phone", str(exc)))
        out["phone"] = phone
        id_number = text("id_number", 64).upper().replace(" ", "")
        out["id_type"] = ""
        if id_number:
            if len(id_number) == 18 and id_number[:17].isdigit():
                try:
                    id_number = validate_resident_id(id_number)
                    out["id_type"] = IdType.RESIDENT_ID.value
                except ValidationError as exc:
                    problems.append(Problem("id_number", str(exc)))
            else:
                out["id_type"] = IdType.OTHER.value
        out["id_number"] = id_number
        out["address"] = text("address")
        # the complaint
        facts = text("facts_what")
        summary = text("summary")
        if not facts and summary:
            facts = summary
        if not facts:
            problems.append(Problem("facts_what", _("The disputed facts are missing.")))
        out["facts_what"] = facts
        out["summary"] = (summary or facts)[:200]
        out["request_text"] = text("request_text")
        if not out["request_text"]:
            warnings.append(_("No request recorded."))
        for key in ("facts_where", "respondent", "legacy_number", "result"):
            out[key] = text(key, 300 if key in ("facts_where", "respondent") else MAX_TEXT)
        try:
            out["claimed_amount"] = parse_money(value_of("claimed_amount"), "claimed_amount")
        except ValidationError as exc:
            problems.append(Problem("claimed_amount", str(exc)))
        out["facts_when"] = None
        if value_of("facts_when") is not None:
            try:
                out["facts_when"] = parse_date_time(value_of("facts_when"))[0]
            except ValidationError as exc:
                problems.append(Problem("facts_when", str(exc)))
        for key in (*CLASSIFICATION, "axis_d"):
            value = value_of(key)
            if value is None:
                out[key] = None
                if key != "axis_d":
                    problems.append(Problem(key, _("No value for {field}: map a column or set a default.").format(
                        field=_(SPECS[key].label))))
                continue
            try:
                resolved = self.codes.resolve(key, value)
                out[key] = resolved.code
                out["_mapped"][key] = [normalise_text(value), resolved.code, resolved.guessed]
            except ValidationError as exc:
                out["_mapped"][key] = [normalise_text(value), None, False]
                problems.append(Problem(key, str(exc)))
        self._closing(out, value_of("closed_on"), received, tz, problems)
        return RowPreview(number, out, tuple(problems), tuple(warnings))

    def _closing(self, out: dict[str, Any], value: Any, received: datetime | None, tz: ZoneInfo,
                 problems: list[Problem]) -> None:
        out["closed_at"] = None
        if value is not None:
            try:
                day, moment = parse_date_time(value)
                closed = datetime.combine(day, moment or CLOSING_TIME, tz).astimezone(UTC)
                if received is not None and day < received.astimezone(tz).date():
                    problems.append(Problem("closed_on", _("The completion date is before the date received.")))
                elif closed > self.now:
                    problems.append(Problem("closed_on", _("The completion date is in the future.")))
                out["closed_at"] = max(closed, received) if received is not None else closed
            except ValidationError as exc:
                problems.append(Problem("closed_on", str(exc)))
        out["status"] = Status.CLOSED.value if out["closed_at"] is not None else Status.REGISTERED.value

