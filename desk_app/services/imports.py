"""Migration import: bring in the registers (Excel or CSV) branches kept before Complaint Desk.

1. ``read`` the file and find its header (``desk_app.reports.tabular``: titles above the header, two-row
   headers with merged group cells, blank lines, total rows; UTF-8, UTF-8 with BOM or GB18030 CSV).
2. A *column mapping* says which column holds which field; ``suggest_mapping`` guesses it from common
   Chinese and English column names, and mappings can be saved by name (``save_mapping``) for the
   next file of the same shape. *Value mapping* turns the file's words into codes: taxonomy codes or
   names ("C01", "服务态度及服务质量"), intake channels ("柜面", "热线", "监管转办"…), severities, branch
   codes or names, plus any explicit pairs in the mapping; *defaults* fill fields the file lacks.
3. ``dry_run`` parses every row and reports what would be imported and every row's problem
   (dates in ISO and Chinese forms and Excel serials, amounts with ¥/元/万 and thousands separators).
4. ``import_file`` imports all rows in one transaction, or nothing: each case gets a proper case
   number (branch-date-sequence, from the same counters as the intake), its statutory due dates
   from the deadline engine, a customer (found by ID number, or phone and name, or created) and a
   "registered" timeline event (hash-chained); a row with a completion date is imported as closed,
   with a status event. The same file (same SHA-256) is not imported twice.

Dates without a time count from 00:00 office time; a completion date without a time is taken as
18:00 that day (never before the receipt).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desk_app.db.models import (
    Branch,
    Complaint,
    ComplaintEvent,
    Customer,
    ImportBatch,
    ImportMapping,
    NumberCounter,
    ReferenceItem,
    TaxonomyCode,
    User,
)
from desk_app.db.types import utcnow
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.calendar import WorkCalendar
from desk_app.domain.deadlines import DeadlineInput, compute_deadline
from desk_app.domain.enums import Channel, Complexity, IdType, Regime, Severity, Status
from desk_app.domain.permissions import Permission
from desk_app.domain.timeline import GENESIS_HASH, EventKind, event_hash, json_safe
from desk_app.domain.validation import normalise_phone, validate_resident_id
from desk_app.errors import NotFoundError, PermissionDeniedError, UserError, ValidationError
from desk_app.i18n import N_, _
from desk_app.reports.parsing import is_empty, normalise_text, parse_date_time, parse_money
from desk_app.reports.snapshot import read_snapshot
from desk_app.reports.tabular import SourceTable, is_blank, is_summary_row, read_table
from desk_app.security import personal_data_digest
from desk_app.services.access import can_see_branch, require
from desk_app.services.calendar import load_work_calendar
from desk_app.services.complaints import FLAG_COLUMNS

PREVIEW_LIMIT = 500
BATCH = 1000
MAX_TEXT = 20000
CLOSING_TIME = time(18, 0)

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    """English message id, translated where shown."""
    required: bool = False
    synonyms: tuple[str, ...] = ()


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("received_at", N_("Date received"), True,
              ("投诉日期", "受理日期", "登记日期", "投诉时间", "受理时间", "来电时间", "来访时间", "收到日期", "日期",
               "date received", "received", "date")),
    FieldSpec("customer_name", N_("Customer name"), True,
              ("客户姓名", "投诉人", "投诉人姓名", "客户名称", "投诉客户", "姓名", "客户", "customer", "name")),
    FieldSpec("phone", N_("Phone"), False, ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "phone",
                                            "mobile")),
    FieldSpec("id_number", N_("ID number"), False, ("身份证号", "身份证号码", "证件号码", "证件号", "身份证",
                                                    "id number")),
    FieldSpec("address", N_("Address"), False, ("联系地址", "地址", "住址", "address")),
    FieldSpec("facts_what", N_("Disputed facts"), True,
              ("投诉内容", "问题描述", "投诉事项", "投诉详情", "情况说明", "具体内容", "主要内容", "内容", "facts",
               "description", "details")),
    FieldSpec("summary", N_("Summary"), False, ("投诉摘要", "摘要", "标题", "主题", "summary", "subject")),
    FieldSpec("request_text", N_("Request"), False, ("客户诉求", "投诉诉求", "投诉请求", "诉求", "要求", "request")),
    FieldSpec("claimed_amount", N_("Claimed amount"), False, ("涉及金额", "诉求金额", "争议金额", "索赔金额", "金额",
                                                               "amount")),
    FieldSpec("channel", N_("Intake channel"), False, ("投诉渠道", "受理渠道", "投诉方式", "来源", "渠道", "channel")),
    FieldSpec("axis_a", N_("A channel (where the business happened)"), False, ("业务渠道", "发生渠道", "a渠道")),
    FieldSpec("axis_b", N_("B business type"), False, ("业务类别", "业务类型", "业务种类", "产品类别", "产品", "业务",
                                                       "险种", "business type")),
    FieldSpec("axis_c", N_("C cause"), False, ("投诉原因", "原因分类", "问题类型", "投诉类型", "原因", "cause")),
    FieldSpec("axis_d", N_("D insurance cause"), False, ("保险事由", "事由类别", "纠纷类型")),
    FieldSpec("severity", N_("Severity"), False, ("严重程度", "投诉等级", "等级", "级别", "severity")),
    FieldSpec("branch", N_("Branch"), False, ("网点", "网点名称", "机构", "所属机构", "支行", "营业部", "branch")),
    FieldSpec("facts_where", N_("Where it happened"), False, ("发生地点", "地点", "where")),
    FieldSpec("facts_when", N_("When it happened"), False, ("发生日期", "发生时间", "交易日期", "when")),
    FieldSpec("respondent", N_("Respondent"), False, ("被投诉人", "被投诉对象", "被投诉部门", "respondent")),
    FieldSpec("legacy_number", N_("Old number"), False, ("投诉编号", "工单号", "编号", "登记编号", "单号", "number")),
    FieldSpec("closed_on", N_("Date completed"), False, ("完成时间", "办结日期", "办结时间", "结案日期", "结案时间",
                                                          "处理完成时间", "closed")),
    FieldSpec("result", N_("Result"), False, ("处理结果", "处理情况", "处理措施", "结果", "result")),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)
_SPECS = {f.key: f for f in FIELDS}
#: Fields that must end up with a value, from a column or a default.
CLASSIFICATION = ("channel", "axis_a", "axis_b", "axis_c", "severity")
DEFAULTS = {"channel": Channel.COUNTER.value, "severity": Severity.GENERAL.value}

CHANNEL_WORDS: dict[str, tuple[str, ...]] = {
    Channel.HOTLINE_12315.value: ("12315", "市场监管", "消协", "消费者协会"),
    Channel.REGULATOR.value: ("监管", "银保监", "金融监管", "人民银行", "人行", "转办", "转送", "regulator"),
    Channel.SOCIAL_MEDIA.value: ("微博", "微信", "社交", "抖音", "小红书", "舆情", "social"),
    Channel.EMAIL.value: ("邮件", "邮箱", "email", "e-mail", "mail"),
    Channel.APP_WEB.value: ("app", "手机银行", "网银", "网站", "官网", "网上银行", "web"),
    Channel.ONLINE.value: ("在线", "网上客服", "智能客服", "online", "chat"),
    Channel.LETTER.value: ("信函", "来信", "信件", "书面", "letter"),
    Channel.HOTLINE.value: ("热线", "电话", "来电", "客服", "95", "hotline", "phone"),
    Channel.COUNTER.value: ("柜面", "柜台", "营业厅", "网点", "现场", "来访", "临柜", "大堂", "counter", "branch"),
}


def _key(text: Any) -> str:
    """A comparable form: NFKC, lower case, no spaces or punctuation."""
    return "".join(ch for ch in normalise_text(text).lower() if ch.isalnum())


_CHANNEL_KEYS = {value: tuple(k for k in map(_key, words) if k) for value, words in CHANNEL_WORDS.items()}
_SYNONYM_KEYS = tuple(_key(s) for f in FIELDS for s in f.synonyms)


def _header_matches(header: str, synonym: str) -> int:
    """3 exact, 2 the last part of a grouped name ("客户信息/姓名"), 1 contains, 0 no."""
    return _match_keys(header, _key(synonym))


def _match_keys(header: str, s: str) -> int:
    h = _key(header)
    if not s:
        return 0
    if h == s:
        return 3
    if "/" in header and _key(header.rsplit("/", 1)[1]) == s:
        return 2
    return 1 if len(s) >= 2 and s in h else 0


@lru_cache(maxsize=4096)
def _is_known_header(text: str) -> bool:
    """A cell that names a known column (used to find the header row)."""
    return any(_match_keys(text, s) >= (1 if len(s) >= 3 else 2) for s in _SYNONYM_KEYS)


# ---- mappings -----------------------------------------------------------------------------------

@dataclass
class ColumnMapping:
    """Which source column feeds which field, how values become codes, and defaults.

    ``columns``: field key → column header as found in the file (e.g. "客户信息/姓名").
    ``values``: field key → {text in the file → code}, e.g. {"channel": {"门店": "counter"}}.
    ``defaults``: field key → value used when there is no column or the cell is empty.
    ``header_row``/``header_rows``: where the header is (1-based row, 1 or 2 rows); None = detect.
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    header_row: int | None = None
    header_rows: int | None = None
    sheet: str | None = None

    def to_spec(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ColumnMapping:
        if not isinstance(spec, dict):
            raise ValidationError(_("A column mapping must be a JSON object."))
        unknown = set(spec) - {"columns", "values", "defaults", "header_row", "header_rows", "sheet"}
        if unknown:
            raise ValidationError(_("Unknown keys in the column mapping: {keys}").format(
                keys=", ".join(sorted(unknown))))
        def table(value: Any, name: str) -> dict[Any, Any]:
            if not isinstance(value or {}, dict):
                raise ValidationError(_("{name} in the column mapping must be a JSON object.").format(name=name))
            return value or {}

        values = table(spec.get("values"), "values")
        mapping = cls(columns={str(k): str(v) for k, v in table(spec.get("columns"), "columns").items()},
                      values={str(k): {str(a): str(b) for a, b in table(v, f"values.{k}").items()}
                              for k, v in values.items()},
                      defaults={str(k): str(v) for k, v in table(spec.get("defaults"), "defaults").items()},
                      header_row=spec.get("header_row"), header_rows=spec.get("header_rows"),
                      sheet=spec.get("sheet"))
        if mapping.sheet is not None and not isinstance(mapping.sheet, str):
            raise ValidationError(_("sheet in the column mapping must be a worksheet name."))
        bad = (set(mapping.columns) | set(mapping.values) | set(mapping.defaults)) - set(FIELD_KEYS)
        if bad:
            raise ValidationError(_("Unknown fields in the column mapping: {keys}. Known: {known}").format(
                keys=", ".join(sorted(bad)), known=", ".join(FIELD_KEYS)))
        for name in ("header_row", "header_rows"):
            value = getattr(mapping, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValidationError(_("{name} must be a positive whole number.").format(name=name))
        return mapping

    def to_json(self) -> str:
        return json.dumps(self.to_spec(), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> ColumnMapping:
        try:
            return cls.from_spec(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ValidationError(_("The column mapping is not valid JSON: {error}").format(error=exc.msg)) from exc


def suggest_mapping(headers: list[str]) -> ColumnMapping:
    """The best column for each field, by column names (each column used once, best matches first)."""
    candidates = []
    for spec in FIELDS:
        for rank, synonym in enumerate(spec.synonyms):
            for header in headers:
                score = _header_matches(header, synonym)
                if score:
                    candidates.append((-score, rank, headers.index(header), spec.key, header))
    mapping = ColumnMapping()
    used: set[str] = set()
    for _score, _rank, _index, key, header in sorted(candidates):
        if key not in mapping.columns and header not in used:
            mapping.columns[key] = header
            used.add(header)
    mapping.columns = {k: mapping.columns[k] for k in FIELD_KEYS if k in mapping.columns}
    return mapping


@dataclass(frozen=True)
class MappingInfo:
    name: str
    description: str
    mapping: ColumnMapping
    updated_at: datetime


def save_mapping(db: Database, actor: Actor, name: str, mapping: ColumnMapping, description: str = "") -> None:
    """Save (or replace) a named mapping."""
    require(actor, Permission.IMPORT_CASES)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(_("A mapping needs a name of at most 100 characters."), "name")
    ColumnMapping.from_spec(mapping.to_spec())
    with db.unit_of_work() as session:
        row = session.scalars(select(ImportMapping).where(ImportMapping.name == name)).first()
        if row is None:
            session.add(ImportMapping(name=name, description=description, spec=mapping.to_spec(),
                                      created_by_id=_user_id(session, actor)))
        else:
            row.spec = mapping.to_spec()
            row.description = description or row.description


def load_mapping(db: Database, name: str) -> ColumnMapping:
    with db.unit_of_work() as session:
        row = session.scalars(select(ImportMapping).where(ImportMapping.name == name.strip())).first()
        if row is None:
            raise NotFoundError(_("There is no saved mapping named {name}.").format(name=name))
        return ColumnMapping.from_spec(dict(row.spec))


def list_mappings(db: Database) -> list[MappingInfo]:
    with db.unit_of_work() as session:
        rows = session.scalars(select(ImportMapping).order_by(ImportMapping.name)).all()
        return [MappingInfo(r.name, r.description, ColumnMapping.from_spec(dict(r.spec)), r.updated_at) for r in rows]


def delete_mapping(db: Database, actor: Actor, name: str) -> None:
    require(actor, Permission.IMPORT_CASES)
    with db.unit_of_work() as session:
        row = session.scalars(select(ImportMapping).where(ImportMapping.name == name.strip())).first()
        if row is None:
            raise NotFoundError(_("There is no saved mapping named {name}.").format(name=name))
        session.delete(row)


def _user_id(session: Session, actor: Actor) -> uuid.UUID | None:
    return actor.user_id if session.get(User, actor.user_id) is not None else None


# ---- values → codes -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _BranchInfo:
    id: uuid.UUID
    code: str
    timezone: str
    regime: str
    first_contact_hours: int


class _Codes:
    """Turns the words of a file into codes, with the mapping's explicit pairs first."""

    def __init__(self, session: Session, actor: Actor, mapping: ColumnMapping) -> None:
        self.mapping = mapping
        self._memo: dict[tuple[str, Any], str | ValidationError] = {}
        self.explicit = {f: {_key(k): v for k, v in pairs.items()} for f, pairs in mapping.values.items()}
        self.taxonomy: dict[str, dict[str, str]] = {axis: {} for axis in "ABCD"}
        self.active: dict[str, bool] = {}
        for code, axis, zh, en, active in session.execute(select(
                TaxonomyCode.code, TaxonomyCode.axis, TaxonomyCode.name_zh, TaxonomyCode.name_en,
                TaxonomyCode.active)):
            names = self.taxonomy[axis]
            for text in (code, zh, en):
                if text:
                    names.setdefault(_key(text), code)
            self.active[code] = active
        self.severity: dict[str, str] = {}
        for code, zh, en in session.execute(select(ReferenceItem.code, ReferenceItem.name_zh, ReferenceItem.name_en)
                                            .where(ReferenceItem.list_name == "severity", ReferenceItem.active)):
            for text in (code, zh, en):
                if text:
                    self.severity[_key(text)] = code
        self.branches: dict[str, _BranchInfo] = {}
        self.visible: set[uuid.UUID] = set()
        for b in session.scalars(select(Branch)):
            info = _BranchInfo(b.id, b.code, b.timezone, b.regime, b.first_contact_hours)
            for text in (b.code, b.name, b.name_en):
                if text:
                    self.branches.setdefault(_key(text), info)
            if can_see_branch(actor, b.id) and b.active:
                self.visible.add(b.id)

    def resolve(self, key: str, raw: Any) -> str:
        """The code for ``raw`` in field ``key``; ValidationError naming the value when unknown.
        Registers repeat the same few words on every row: answers are remembered."""
        memo = (key, raw if isinstance(raw, str | int | float) else str(raw))
        found = self._memo.get(memo)
        if found is None:
            try:
                found = self._resolve(key, raw)
            except ValidationError as exc:
                found = exc
            self._memo[memo] = found
        if isinstance(found, ValidationError):
            raise found
        return found

    def _resolve(self, key: str, raw: Any) -> str:
        text = normalise_text(raw)
        k = _key(text)
        explicit = self.explicit.get(key, {}).get(k)
        if explicit is not None:
            text, k = explicit, _key(explicit)
        if key.startswith("axis_"):
            axis = key[-1].upper()
            names = self.taxonomy[axis]
            code = names.get(k)
            if code is None:  # "C01 服务态度…" or "C01-服务态度"
                first = normalise_text(text).replace("-", " ").replace("_", " ").split(" ")[0]
                code = names.get(_key(first))
            if code is None:
                raise ValidationError(_("'{value}' is not a code or name of the {axis} axis: add it to the value "
                                        "mapping.").format(value=raw, axis=axis))
            if not self.active.get(code, True):
                raise ValidationError(_("Code {code} has been retired: map '{value}' to a current code.").format(
                    code=code, value=raw))
            return code
        if key == "channel":
            for channel in Channel:
                if k in (_key(channel.value), _key(channel.label)):
                    return channel.value
            for value, words in _CHANNEL_KEYS.items():
                if any(w in k for w in words):
                    return value
            raise ValidationError(_("'{value}' is not an intake channel: add it to the value mapping.").format(
                value=raw))
        if key == "severity":
            found = self.severity.get(k)
            if found is None:
                raise ValidationError(_("'{value}' is not a severity: add it to the value mapping.").format(value=raw))
            return found
        if key == "branch":
            info = self.branches.get(k)
            if info is None:
                raise ValidationError(_("'{value}' is not a branch code or name.").format(value=raw))
            return info.code
        return text


# ---- parsing rows -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    field: str
    message: str


@dataclass(frozen=True)
class RowPreview:
    source_row: int
    values: dict[str, Any]
    """Parsed values by field key (codes, dates, Decimal amounts)."""
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


@dataclass(frozen=True)
class ImportPreview:
    source: str
    sheet: str | None
    encoding: str | None
    header_rows: tuple[int, ...]
    headers: tuple[str, ...]
    mapping: ColumnMapping
    unmapped_columns: tuple[str, ...]
    rows: tuple[RowPreview, ...]
    """Every row with a problem, and the first PREVIEW_LIMIT rows that are fine."""
    importable: int
    skipped: int
    file_problems: tuple[str, ...]
    notes: tuple[str, ...]
    sha256: str
    status_counts: dict[str, int] = field(default_factory=dict)

    @property
    def problem_rows(self) -> tuple[RowPreview, ...]:
        return tuple(r for r in self.rows if r.problems)

    @property
    def ok(self) -> bool:
        return not self.file_problems and not self.problem_rows and self.importable > 0


@dataclass(frozen=True)
class ImportResult:
    imported: int
    closed: int
    customers_created: int
    first_number: str
    last_number: str
    batch_id: uuid.UUID
    skipped: int


class ImportCancelled(UserError):
    """The user cancelled the import; nothing was imported."""


def _text(values: dict[str, Any], key: str, problems: list[Problem], limit: int = MAX_TEXT) -> str:
    raw = values.get(key)
    if is_empty(raw):
        return ""
    text = str(raw).strip() if not isinstance(raw, datetime) else raw.isoformat(sep=" ")
    if len(text) > limit:
        problems.append(Problem(key, _("The text is too long (at most {n} characters).").format(n=limit)))
    return text


def _phone(text: str) -> str:
    """normalise_phone, also accepting the separators registers use in mobile numbers (137-0000-1111)."""
    try:
        return normalise_phone(text)
    except ValidationError:
        compact = re.sub(r"[\s\-.\u2010-\u2015]", "", normalise_text(text))
        if compact == text:
            raise
        return normalise_phone(compact)


class _RowParser:
    def __init__(self, codes: _Codes, mapping: ColumnMapping, table: SourceTable, default_branch: _BranchInfo,
                 now: datetime) -> None:
        self.codes, self.mapping, self.now = codes, mapping, now
        self.default_branch = default_branch
        index = {h: i for i, h in enumerate(table.headers)}
        self.columns = {key: index[header] for key, header in mapping.columns.items() if header in index}

    def parse(self, number: int, row: list[Any]) -> RowPreview:
        raw = {key: row[i] for key, i in self.columns.items()}
        problems: list[Problem] = []
        warnings: list[str] = []
        out: dict[str, Any] = {}

        def value_of(key: str) -> Any:
            value = raw.get(key)
            if is_empty(value):
                value = self.mapping.defaults.get(key, DEFAULTS.get(key))
            return None if is_empty(value) else value

        # where and when
        branch = self.default_branch
        if value_of("branch") is not None:
            try:
                code = self.codes.resolve("branch", value_of("branch"))
                branch = self.codes.branches[_key(code)]
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
        name = _text(raw, "customer_name", problems, 200)
        if not name:
            problems.append(Problem("customer_name", _("The customer's name is missing.")))
        out["customer_name"] = name
        phone = _text(raw, "phone", problems, 40)
        if phone:
            try:
                phone = _phone(phone)
            except ValidationError as exc:
                problems.append(Problem("phone", str(exc)))
        out["phone"] = phone
        id_number = _text(raw, "id_number", problems, 64).upper().replace(" ", "")
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
        out["address"] = _text(raw, "address", problems)
        # the complaint
        facts = _text(raw, "facts_what", problems)
        summary = _text(raw, "summary", problems)
        if not facts and summary:
            facts = summary
        if not facts:
            problems.append(Problem("facts_what", _("The disputed facts are missing.")))
        out["facts_what"] = facts
        out["summary"] = (summary or facts)[:200]
        out["request_text"] = _text(raw, "request_text", problems)
        if not out["request_text"]:
            warnings.append(_("No request recorded."))
        for key in ("facts_where", "respondent", "legacy_number", "result"):
            out[key] = _text(raw, key, problems, 300 if key in ("facts_where", "respondent") else MAX_TEXT)
        try:
            out["claimed_amount"] = parse_money(raw.get("claimed_amount"), "claimed_amount")
        except ValidationError as exc:
            problems.append(Problem("claimed_amount", str(exc)))
        out["facts_when"] = None
        if not is_empty(raw.get("facts_when")):
            try:
                out["facts_when"] = parse_date_time(raw.get("facts_when"))[0]
            except ValidationError as exc:
                problems.append(Problem("facts_when", str(exc)))
        for key in (*CLASSIFICATION, "axis_d"):
            value = value_of(key)
            if value is None:
                out[key] = None
                if key != "axis_d":
                    problems.append(Problem(key, _("No value for {field}: map a column or set a default.").format(
                        field=_(_SPECS[key].label))))
                continue
            try:
                out[key] = self.codes.resolve(key, value)
            except ValidationError as exc:
                problems.append(Problem(key, str(exc)))
        out["closed_at"] = None
        if value_of("closed_on") is not None:
            try:
                day, moment = parse_date_time(value_of("closed_on"))
                closed = datetime.combine(day, moment or CLOSING_TIME, tz).astimezone(UTC)
                if received is not None and day < received.astimezone(tz).date():
                    problems.append(Problem("closed_on", _("The completion date is before the date received.")))
                elif closed > self.now:
                    problems.append(Problem("closed_on", _("The completion date is in the future.")))
                out["closed_at"] = max(closed, received) if received is not None else closed
            except ValidationError as exc:
                problems.append(Problem("closed_on", str(exc)))
        out["status"] = Status.CLOSED.value if out["closed_at"] is not None else Status.REGISTERED.value
        return RowPreview(number, out, tuple(problems), tuple(warnings))


@dataclass
class _Prepared:
    table: SourceTable
    mapping: ColumnMapping
    parser: _RowParser
    sha256: str
    file_problems: list[str]
    notes: list[str]


def _prepare(session: Session, actor: Actor, path: Path, mapping: ColumnMapping | None,
             options: ImportOptions) -> _Prepared:
    require(actor, Permission.IMPORT_CASES)
    path = Path(path)
    data_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    sheet = options.sheet or (mapping.sheet if mapping else None)
    table = read_table(path, _is_known_header, sheet, mapping.header_row if mapping else None,
                       mapping.header_rows if mapping else None)
    notes: list[str] = []
    if mapping is None:
        mapping = suggest_mapping(table.headers)
        notes.append(_("The column mapping was suggested from the column names; check it."))
    else:
        mapping = ColumnMapping.from_spec(mapping.to_spec())
    problems = [_("The mapping names the column '{column}' for {field}, but the file has no such column.").format(
        column=column, field=_(_SPECS[key].label)) for key, column in mapping.columns.items()
        if column not in table.headers]
    for spec in FIELDS:
        if spec.required and spec.key not in mapping.columns and spec.key not in mapping.defaults:
            if spec.key == "facts_what" and "summary" in mapping.columns:
                continue
            problems.append(_("No column is mapped to the required field {field}.").format(field=_(spec.label)))
    codes = _Codes(session, actor, mapping)
    branch_code = options.branch_code or actor.branch_code
    default_branch = codes.branches.get(_key(branch_code))
    if default_branch is None:
        raise ValidationError(_("There is no branch with the code {code}.").format(code=branch_code), "branch")
    if default_branch.id not in codes.visible:
        raise PermissionDeniedError(_("You may not import cases of branch {code}.").format(code=branch_code))
    earlier = session.execute(select(ImportBatch.imported_at, ImportBatch.source_name)
                              .where(ImportBatch.sha256 == data_hash, ImportBatch.kind == "migration")).first()
    if earlier is not None and not options.allow_reimport:
        problems.append(_("This file was already imported on {when} (as {name}).").format(
            when=earlier[0].strftime("%Y-%m-%d %H:%M"), name=earlier[1]))
    parser = _RowParser(codes, mapping, table, default_branch, options.now or utcnow())
    return _Prepared(table, mapping, parser, data_hash, problems, notes)


def _parsed_rows(prepared: _Prepared) -> Iterator[tuple[str, RowPreview | None, int]]:
    """("row", preview, n) for data rows, ("skip", None, n) for blank and total lines."""
    for number, values in prepared.table.rows():
        if is_blank(values):
            yield "skip", None, number
        elif is_summary_row(values):
            yield "summary", None, number
        else:
            yield "row", prepared.parser.parse(number, values), number


def dry_run(db: Database, actor: Actor, path: Path, mapping: ColumnMapping | None = None,
            options: ImportOptions | None = None) -> ImportPreview:
    """Check a file completely and show what would be imported; changes nothing."""
    options = options or ImportOptions()
    with read_snapshot(db) as session:  # reads only: no write lock while the file is examined
        prepared = _prepare(session, actor, path, mapping, options)
    rows: list[RowPreview] = []
    importable = skipped = shown = 0
    status_counts: dict[str, int] = {}
    notes = list(prepared.notes)
    for kind, preview, number in _parsed_rows(prepared):
        if preview is None:
            skipped += 1
            if kind == "summary":
                notes.append(_("Row {row} looks like a total line and is skipped.").format(row=number))
            continue
        if preview.problems:
            rows.append(preview)
            continue
        importable += 1
        status_counts[preview.values["status"]] = status_counts.get(preview.values["status"], 0) + 1
        if shown < PREVIEW_LIMIT:
            rows.append(preview)
            shown += 1
    table = prepared.table
    used = set(prepared.mapping.columns.values())
    return ImportPreview(
        source=table.source, sheet=table.sheet, encoding=table.encoding, header_rows=table.header_rows,
        headers=tuple(table.headers), mapping=prepared.mapping,
        unmapped_columns=tuple(h for h in table.headers if h not in used), rows=tuple(rows), importable=importable,
        skipped=skipped, file_problems=tuple(prepared.file_problems), notes=tuple(notes), sha256=prepared.sha256,
        status_counts=status_counts)


# ---- importing ----------------------------------------------------------------------------------

def _allocate(session: Session, wanted: dict[str, int]) -> dict[str, int]:
    """Reserve ``wanted[key]`` numbers of each counter in one statement; returns each key's first number.
    Atomic on both databases (INSERT … ON CONFLICT DO UPDATE … RETURNING, like the intake's numbering)."""
    if not wanted:
        return {}
    insert_fn = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt: Insert = insert_fn(NumberCounter).values([{"key": k, "value": n} for k, n in wanted.items()])
    stmt = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=[NumberCounter.key],
        set_={"value": NumberCounter.value + stmt.excluded.value},  # type: ignore[attr-defined]
    ).returning(NumberCounter.key, NumberCounter.value)
    return {key: int(last) - wanted[key] + 1 for key, last in session.connection().execute(stmt)}


class _Writer:
    def __init__(self, session: Session, actor: Actor, source: str, calendar: WorkCalendar, now: datetime) -> None:
        self.session, self.actor, self.source, self.calendar, self.now = session, actor, source, calendar, now
        self.customers: dict[tuple[str, str], uuid.UUID] = {}
        self.created = 0
        self.closed = 0
        self.numbers: list[str] = []

    def _customer_keys(self, v: dict[str, Any]) -> tuple[str, str]:
        if v["id_number"]:
            return ("id", v["id_number"])
        if v["phone"]:
            return ("phone", f"{v['phone']}\t{v['customer_name']}")
        return ("name", f"{v['customer_name']}\t{v['address']}")

    def _load_customers(self, rows: list[RowPreview]) -> None:
        ids = {r.values["id_number"] for r in rows if r.values["id_number"] and ("id", r.values["id_number"])
               not in self.customers}
        if ids:
            for cid, number in self.session.execute(select(Customer.id, Customer.id_number)
                                                    .where(Customer.id_number.in_(ids))):
                self.customers.setdefault(("id", number), cid)
        pairs = {(r.values["phone"], r.values["customer_name"]) for r in rows
                 if not r.values["id_number"] and r.values["phone"]}
        if pairs:  # by the indexed phone column, names compared here (a row-value IN would scan the table)
            for cid, phone, name in self.session.execute(
                    select(Customer.id, Customer.phone, Customer.name)
                    .where(Customer.phone.in_({phone for phone, _name in pairs}))):
                if (phone, name) in pairs:
                    self.customers.setdefault(("phone", f"{phone}\t{name}"), cid)

    def write(self, rows: list[RowPreview]) -> None:
        self._load_customers(rows)
        new_customers: list[dict[str, Any]] = []
        by_key: dict[str, list[RowPreview]] = {}
        for r in rows:
            branch: _BranchInfo = r.values["_branch"]
            day = r.values["received_at"].astimezone(ZoneInfo(branch.timezone)).strftime("%Y%m%d")
            by_key.setdefault(f"case:{branch.code}:{day}", []).append(r)
        numbers: dict[int, str] = {}
        firsts = _allocate(self.session, {key: len(group) for key, group in by_key.items()})
        for key, group in by_key.items():
            first = firsts[key]
            _case, code, day = key.split(":")
            for offset, r in enumerate(sorted(group, key=lambda r: (r.values["received_at"], r.source_row))):
                numbers[r.source_row] = f"{code}-{day}-{first + offset:04d}"
        complaints, events = [], []
        for r in rows:
            v = r.values
            customer_key = self._customer_keys(v)
            customer_id = self.customers.get(customer_key)
            if customer_id is None:
                customer_id = uuid.uuid4()
                self.customers[customer_key] = customer_id
                new_customers.append({
                    "id": customer_id, "kind": "person", "name": v["customer_name"], "id_type": v["id_type"],
                    "id_number": v["id_number"], "phone": v["phone"], "phone2": "", "email": "",
                    "address": v["address"], "language": "zh_CN", "legal_representative": "", "contact_person": "",
                    "anonymised": False, "created_at": self.now, "updated_at": self.now, "version": 1})
            complaint, case_events = self._complaint(r, numbers[r.source_row], customer_id)
            complaints.append(complaint)
            events.extend(case_events)
        conn = self.session.connection()
        if new_customers:
            conn.execute(insert(Customer), new_customers)
            self.created += len(new_customers)
        conn.execute(insert(Complaint), complaints)
        conn.execute(insert(ComplaintEvent), events)
        self.numbers.extend(c["case_number"] for c in complaints)

    def _complaint(self, r: RowPreview, number: str, customer_id: uuid.UUID) -> tuple[dict[str, Any],
                                                                                      list[dict[str, Any]]]:
        v = r.values
        branch: _BranchInfo = v["_branch"]
        received: datetime = v["received_at"]
        regime = Regime(branch.regime)
        deadline = compute_deadline(DeadlineInput(regime=regime, received_at=received, office_tz=branch.timezone,
                                                  complexity=Complexity.SIMPLE,
                                                  first_contact_hours=branch.first_contact_hours,
                                                  today=self.now.date()), self.calendar)
        closed_at: datetime | None = v["closed_at"]
        cid = uuid.uuid4()
        row: dict[str, Any] = {
            "id": cid, "case_number": number, "branch_id": branch.id, "customer_id": customer_id,
            "channel": v["channel"], "axis_a": v["axis_a"], "axis_b": v["axis_b"], "axis_c": v["axis_c"],
            "axis_d": v["axis_d"], "severity": v["severity"], "status": v["status"], "stage": None,
            "received_at": received, "regime": regime.value, "complexity": Complexity.SIMPLE.value,
            "special_extension_approved": False, "due_on": deadline.due_on,
            "acceptance_due_on": deadline.acceptance_due_on, "first_contact_due": deadline.first_contact_due,
            "first_contact_at": None, "responded_at": closed_at, "closed_at": closed_at, "paused": False,
            "escalated": False, "summary": v["summary"], "request_kinds": [], "request_text": v["request_text"],
            "claimed_amount": v["claimed_amount"], "facts_what": v["facts_what"], "facts_when": v["facts_when"],
            "facts_where": v["facts_where"], "facts_amount": None, "respondent": v["respondent"], "owner_id": None,
            "created_by_id": self.actor.user_id, "recusal_declared": False, "language": "zh_CN",
            "reference_version": 1, "stage_records": {}, "created_at": self.now, "updated_at": self.now,
            "version": 1, **dict.fromkeys(FLAG_COLUMNS.values(), False),
        }
        steps: list[tuple[str, datetime, dict[str, Any]]] = [(EventKind.REGISTERED.value, received, {
            "case_number": number, "channel": row["channel"], "severity": row["severity"],
            "axes": [row["axis_a"], row["axis_b"], row["axis_c"], row["axis_d"]],
            "customer": personal_data_digest(v["id_number"] or v["phone"] or v["customer_name"]),
            "due_on": row["due_on"], "regime": row["regime"], "imported_from": self.source,
            "source_row": r.source_row, "legacy_number": v["legacy_number"]})]
        if closed_at is not None:
            self.closed += 1
            steps.append((EventKind.STATUS_CHANGED.value, closed_at, {
                "action": "close", "from": Status.REGISTERED.value, "to": Status.CLOSED.value,
                "reason": _("Imported as closed from {source}").format(source=self.source)
                + (f": {v['result']}" if v["result"] else "")}))
        events, prev = [], GENESIS_HASH
        for seq, (kind, when, payload) in enumerate(steps, start=1):
            safe = json_safe(payload)
            digest = event_hash(prev, cid, seq, kind, self.actor.user_id, when, safe)
            events.append({"id": uuid.uuid4(), "complaint_id": cid, "seq": seq, "kind": kind,
                           "actor_id": self.actor.user_id, "occurred_at": when, "payload": safe, "prev_hash": prev,
                           "hash": digest})
            prev = digest
        return row, events


def _nothing_imported(file_problems: list[str] | tuple[str, ...], rows: list[RowPreview]) -> ValidationError:
    lines = list(file_problems) + [
        _("row {row}, {field}: {message}").format(row=r.source_row, field=p.field, message=p.message)
        for r in rows[:20] for p in r.problems]
    if len(rows) > 20:
        lines.append(_("… and {n} more rows with problems (see the dry run).").format(n=len(rows) - 20))
    return ValidationError(_("Nothing was imported: the file has problems.") + "\n"
                           + "\n".join(lines or [_("There is nothing to import.")]))


def import_file(db: Database, actor: Actor, path: Path, mapping: ColumnMapping | None = None,
                options: ImportOptions | None = None, progress: ProgressFn | None = None,
                cancelled: CancelFn | None = None) -> ImportResult:
    """Import every row of the file in one transaction, or nothing: the rows are checked as they are
    written, and a file with any problem is rolled back entirely (ValidationError listing the problems,
    as the dry run shows them)."""
    options = options or ImportOptions()
    now = options.now or utcnow()
    with db.unit_of_work() as session:
        if session.get(User, actor.user_id) is None:
            raise NotFoundError(_("The importing user must be an account of this database."))
        prepared = _prepare(session, actor, path, mapping, options)
        if prepared.file_problems:
            raise _nothing_imported(prepared.file_problems, [])
        total = sum(1 for _row in prepared.table.rows())  # for the progress bar: a read without parsing
        writer = _Writer(session, actor, prepared.table.source, load_work_calendar(session), now)
        batch: list[RowPreview] = []
        problems: list[RowPreview] = []
        done = skipped = seen = 0
        for _kind, row, _number in _parsed_rows(prepared):
            seen += 1
            if row is None:
                skipped += 1
                continue
            if row.problems:
                problems.append(row)
            elif not problems:  # after the first problem only check the rest: it will all be rolled back
                batch.append(row)
                if len(batch) >= BATCH:
                    writer.write(batch)
                    done += len(batch)
                    batch = []
            if seen % BATCH == 0:
                if cancelled is not None and cancelled():
                    raise ImportCancelled(_("The import was cancelled; nothing was imported."))
                if progress is not None:
                    progress(seen, total)
        if problems or not (batch or done):
            raise _nothing_imported([], problems)
        if batch:
            writer.write(batch)
            done += len(batch)
        record = ImportBatch(kind="migration", source_name=prepared.table.source[:300], sha256=prepared.sha256,
                             imported_by_id=actor.user_id, imported_at=now, rows=done,
                             summary={"mapping": prepared.mapping.to_spec(), "closed": writer.closed,
                                      "customers_created": writer.created, "skipped": skipped,
                                      "first_number": writer.numbers[0], "last_number": writer.numbers[-1]})
        session.add(record)
        session.flush()
        if progress is not None:
            progress(total, total)
        return ImportResult(imported=done, closed=writer.closed, customers_created=writer.created,
                            first_number=min(writer.numbers), last_number=max(writer.numbers), batch_id=record.id,
                            skipped=skipped)


def imported_batches(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    """The latest imports and consolidations (newest first), for an administration screen."""
    with db.unit_of_work() as session:
        rows = session.execute(select(ImportBatch, User.username).outerjoin(User, User.id == ImportBatch.imported_by_id)
                               .order_by(ImportBatch.imported_at.desc()).limit(limit)).all()
        return [{"kind": b.kind, "source": b.source_name, "sha256": b.sha256, "imported_at": b.imported_at,
                 "imported_by": name or "", "rows": b.rows, "summary": dict(b.summary)} for b, name in rows]

