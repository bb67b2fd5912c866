"""Column mappings of the migration import: which column of a branch register feeds which field.

``suggest_mapping`` guesses it from common Chinese and English column names; mappings are saved by
name (``save_mapping``) for the next file of the same shape. A column may also be named by its
number ("#3"), which is how a file without a header row is mapped.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import ImportMapping, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Channel, Severity
from desk_app.domain.permissions import Permission
from desk_app.errors import NotFoundError, ValidationError
from desk_app.i18n import N_, _
from desk_app.reports.parsing import normalise_text
from desk_app.services.access import require


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
               "description", "details", "consumer complaint narrative", "complaint narrative", "narrative")),
    FieldSpec("summary", N_("Summary"), False, ("投诉摘要", "摘要", "标题", "主题", "summary", "subject")),
    FieldSpec("request_text", N_("Request"), False, ("客户诉求", "投诉诉求", "投诉请求", "诉求", "要求", "request")),
    FieldSpec("claimed_amount", N_("Claimed amount"), False, ("涉及金额", "诉求金额", "争议金额", "索赔金额", "金额",
                                                               "amount")),
    FieldSpec("channel", N_("Intake channel"), False, ("投诉渠道", "受理渠道", "投诉方式", "来源", "渠道", "channel",
                                                              "submitted via")),
    FieldSpec("axis_a", N_("A channel (where the business happened)"), False, ("业务渠道", "发生渠道", "a渠道")),
    FieldSpec("axis_b", N_("B business type"), False, ("业务类别", "业务类型", "业务种类", "产品类别", "产品", "业务",
                                                       "险种", "business type", "product")),
    FieldSpec("axis_c", N_("C cause"), False, ("投诉原因", "原因分类", "问题类型", "投诉类型", "原因", "cause",
                                                "issue")),
    FieldSpec("axis_d", N_("D insurance cause"), False, ("保险事由", "事由类别", "纠纷类型")),
    FieldSpec("severity", N_("Severity"), False, ("严重程度", "投诉等级", "等级", "级别", "severity")),
    FieldSpec("branch", N_("Branch"), False, ("网点", "网点名称", "机构", "所属机构", "支行", "营业部", "branch")),
    FieldSpec("facts_where", N_("Where it happened"), False, ("发生地点", "地点", "where")),
    FieldSpec("facts_when", N_("When it happened"), False, ("发生日期", "发生时间", "交易日期", "when")),
    FieldSpec("respondent", N_("Respondent"), False, ("被投诉人", "被投诉对象", "被投诉部门", "respondent",
                                                                  "company")),
    FieldSpec("legacy_number", N_("Old number"), False, ("投诉编号", "工单号", "编号", "登记编号", "单号", "number",
                                                               "complaint id")),
    FieldSpec("closed_on", N_("Date completed"), False, ("完成时间", "办结日期", "办结时间", "结案日期", "结案时间",
                                                          "处理完成时间", "closed")),
    FieldSpec("result", N_("Result"), False, ("处理结果", "处理情况", "处理措施", "结果", "result")),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)
SPECS = {f.key: f for f in FIELDS}
#: Fields that must end up with a value, from a column or a default.
CLASSIFICATION = ("channel", "axis_a", "axis_b", "axis_c", "severity")
DEFAULTS = {"channel": Channel.COUNTER.value, "severity": Severity.GENERAL.value}
_NUMBERED = re.compile(r"^#(\d{1,5})$")


def key_of(text: Any) -> str:
    """A comparable form: NFKC, lower case, no spaces or punctuation."""
    return "".join(ch for ch in normalise_text(text).lower() if ch.isalnum())


def column_number(name: str) -> int | None:
    """The 0-based index of a column named by number ("#3" → 2), or None."""
    match = _NUMBERED.match(name.strip())
    return int(match.group(1)) - 1 if match and int(match.group(1)) > 0 else None


_SYNONYM_KEYS = tuple(key_of(s) for f in FIELDS for s in f.synonyms)


def _header_matches(header: str, synonym: str) -> int:
    """3 exact, 2 the last part of a grouped name ("客户信息/姓名"), 1 contains, 0 no."""
    return _match_keys(header, key_of(synonym))


def _match_keys(header: str, s: str) -> int:
    h = key_of(header)
    if not s:
        return 0
    if h == s:
        return 3
    if "/" in header and key_of(header.rsplit("/", 1)[1]) == s:
        return 2
    return 1 if len(s) >= 2 and s in h else 0


@lru_cache(maxsize=4096)
def is_known_header(text: str) -> bool:
    """A cell that names a known column (used to find the header row)."""
    return any(_match_keys(text, s) >= (1 if len(s) >= 3 else 2) for s in _SYNONYM_KEYS)


@dataclass
class ColumnMapping:
    """Which source column feeds which field, how values become codes, and defaults.

    ``columns``: field key → column header as found in the file (e.g. "客户信息/姓名").
    ``values``: field key → {text in the file → code}, e.g. {"channel": {"门店": "counter"}}.
    ``defaults``: field key → value used when there is no column or the cell is empty.
    ``header_row``/``header_rows``: where the header is (1-based row, 1 or 2 rows); None = detect.
    ``no_header``: the file has no header row; its columns are named by number ("#1", "#2", …).
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    header_row: int | None = None
    header_rows: int | None = None
    sheet: str | None = None
    no_header: bool = False

    def to_spec(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ColumnMapping:
        if not isinstance(spec, dict):
            raise ValidationError(_("A column mapping must be a JSON object."))
        unknown = set(spec) - {"columns", "values", "defaults", "header_row", "header_rows", "sheet", "no_header"}
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
                      sheet=spec.get("sheet"), no_header=spec.get("no_header", False))
        if not isinstance(mapping.no_header, bool):
            raise ValidationError(_("no_header in the column mapping must be true or false."))
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

