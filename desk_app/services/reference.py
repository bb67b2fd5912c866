"""Reference data in the database: first-run seeding, HQ imports, read access, checks for other services.

An import is validated completely before anything is written, must carry a higher version than the
one loaded, and never deletes: codes missing from the new file are retired (``active=False``), so old
cases keep their classification, and come back to life if a later version lists them again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import String, cast, distinct, func, select
from sqlalchemy.orm import Session

from desk_app.db.models.complaints import Complaint
from desk_app.db.models.records import Resolution
from desk_app.db.models.reference import ReferenceItem, ReferenceVersion, TaxonomyCode
from desk_app.db.uow import Database
from desk_app.domain.reference import (
    AXES,
    ListsFile,
    TaxonomyFile,
    axis_label,
    default_lists_path,
    default_taxonomy_path,
    parse_lists,
    parse_taxonomy,
)
from desk_app.errors import BugError, UnknownCodeError, ValidationError
from desk_app.i18n import _, current_language
from desk_app.services import change_tokens
from desk_app.services.change_tokens import Kept

TAXONOMY = "taxonomy"
LISTS = "lists"
_AXIS_COLUMNS = {"A": Complaint.axis_a, "B": Complaint.axis_b, "C": Complaint.axis_c, "D": Complaint.axis_d}


@dataclass(frozen=True)
class CodeInfo:
    code: str
    name_zh: str
    name_en: str
    parent_code: str | None
    level: int
    active: bool

    @property
    def axis(self) -> str:
        return self.code[0]


@dataclass(frozen=True)
class ItemInfo:
    list_name: str
    code: str
    name_zh: str
    name_en: str
    description: str
    active: bool


@dataclass(frozen=True)
class ReferenceImportReport:
    """What a load changed. Taxonomy entries are codes ("A0301"); list entries are "list:code"."""

    dataset: str
    version: int
    previous_version: int | None
    added: tuple[str, ...]
    renamed: tuple[str, ...]
    retired: tuple[str, ...]
    reactivated: tuple[str, ...]
    retired_in_use: dict[str, int] = field(default_factory=dict)
    """Retired entries still recorded on cases, with the number of cases."""


class _Named(Protocol):
    @property
    def name_zh(self) -> str: ...

    @property
    def name_en(self) -> str: ...


def label_for(info: _Named, language: str | None = None) -> str:
    """The name to show: Chinese for a ``zh*`` language, else English (Chinese when no English name)."""
    language = language or current_language()
    if language.startswith("zh"):
        return info.name_zh
    return info.name_en or info.name_zh


# ---- loading -------------------------------------------------------------------------------------

def seed_reference_data(session: Session, loaded_by: str = "system") -> None:
    """Load the bundled files for each dataset not loaded yet; does nothing the second time."""
    if _current_version(session, TAXONOMY) is None:
        path = default_taxonomy_path()
        data = path.read_bytes()
        _load_taxonomy(session, parse_taxonomy(data, path.name), data, path.name, loaded_by)
    if _current_version(session, LISTS) is None:
        path = default_lists_path()
        data = path.read_bytes()
        _load_lists(session, parse_lists(data, path.name), data, path.name, loaded_by)


def import_taxonomy(db: Database, data: bytes, source: str, loaded_by: str) -> ReferenceImportReport:
    """Load a new taxonomy version from HQ; a bad or not newer file raises ValidationError (no change)."""
    parsed = parse_taxonomy(data, source)
    with db.unit_of_work() as session:
        return _load_taxonomy(session, parsed, data, source, loaded_by)


def import_lists(db: Database, data: bytes, source: str, loaded_by: str) -> ReferenceImportReport:
    """Load a new lists version from HQ; a bad or not newer file raises ValidationError (no change)."""
    parsed = parse_lists(data, source)
    with db.unit_of_work() as session:
        return _load_lists(session, parsed, data, source, loaded_by)


def taxonomy_codes(session: Session) -> dict[str, TaxonomyCode]:
    """Every taxonomy code (retired ones too) by its code."""
    return {row.code: row for row in session.scalars(select(TaxonomyCode))}


def _load_taxonomy(session: Session, parsed: TaxonomyFile, data: bytes, source: str,
                   loaded_by: str) -> ReferenceImportReport:
    previous = _check_newer(session, TAXONOMY, parsed.version, source)
    rows = taxonomy_codes(session)
    wanted = {node.code: {"axis": node.axis, "code": node.code, "parent_code": node.parent_code,
                          "level": node.level, "name_zh": node.name_zh, "name_en": node.name_en,
                          "sort_order": node.sort_order} for node in parsed.nodes}
    diff = _sync(session, TaxonomyCode, rows, wanted, {"since_version": parsed.version})
    in_use = {code: n for code in diff.retired if (n := _cases_using_code(session, code))}
    return _record(session, TAXONOMY, parsed.version, previous, data, source, loaded_by, diff, in_use)


def _load_lists(session: Session, parsed: ListsFile, data: bytes, source: str,
                loaded_by: str) -> ReferenceImportReport:
    previous = _check_newer(session, LISTS, parsed.version, source)
    rows = {f"{row.list_name}:{row.code}": row for row in session.scalars(select(ReferenceItem))}
    wanted = {f"{item.list_name}:{item.code}": {
        "list_name": item.list_name, "code": item.code, "name_zh": item.name_zh, "name_en": item.name_en,
        "description": item.description, "sort_order": item.sort_order} for item in parsed.items}
    diff = _sync(session, ReferenceItem, rows, wanted, {})
    in_use = {key: n for key in diff.retired if (n := _cases_using_item(session, *key.split(":", 1)))}
    return _record(session, LISTS, parsed.version, previous, data, source, loaded_by, diff, in_use)


def _check_newer(session: Session, dataset: str, version: int, source: str) -> int | None:
    current = _current_version(session, dataset)
    if current is not None and version <= current:
        raise ValidationError(_("{source}: version {version} is not newer than the loaded version {current}; "
                                "raise the version in the file").format(
                                    source=source, version=version, current=current))
    return current


@dataclass
class _Diff:
    added: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)


def _sync(session: Session, model: type[TaxonomyCode] | type[ReferenceItem], rows: dict[str, Any],
          wanted: dict[str, dict[str, Any]], on_add: dict[str, Any]) -> _Diff:
    """Make ``rows`` (by key) match ``wanted``: add, update, reactivate, retire. Never deletes."""
    diff = _Diff()
    for key, values in wanted.items():
        row = rows.get(key)
        if row is None:
            session.add(model(**values, **on_add, active=True))
            diff.added.append(key)
            continue
        if (row.name_zh, row.name_en) != (values["name_zh"], values["name_en"]):
            diff.renamed.append(key)
        if not row.active:
            row.active = True
            diff.reactivated.append(key)
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    for key, row in rows.items():
        if key not in wanted and row.active:
            row.active = False
            diff.retired.append(key)
    session.flush()
    return diff


def _record(session: Session, dataset: str, version: int, previous: int | None, data: bytes, source: str,
            loaded_by: str, diff: _Diff, in_use: dict[str, int]) -> ReferenceImportReport:
    summary = {"source": source, "added": diff.added, "renamed": diff.renamed, "retired": diff.retired,
               "reactivated": diff.reactivated, "retired_in_use": in_use}
    session.add(ReferenceVersion(dataset=dataset, version=version, sha256=hashlib.sha256(data).hexdigest(),
                                 loaded_by=loaded_by, summary=json.dumps(summary, ensure_ascii=False)))
    session.flush()
    return ReferenceImportReport(dataset, version, previous, tuple(diff.added), tuple(diff.renamed),
                                 tuple(diff.retired), tuple(diff.reactivated), in_use)


def _cases_using_code(session: Session, code: str) -> int:
    column = _AXIS_COLUMNS[code[0]]
    return session.scalar(select(func.count()).select_from(Complaint).where(column == code)) or 0


def _cases_using_item(session: Session, list_name: str, code: str) -> int:
    if list_name == "severity":
        query = select(func.count()).select_from(Complaint).where(Complaint.severity == code)
    elif list_name == "request_kind":
        # A JSON list of codes: match the quoted code in its text (codes are plain ascii snake_case).
        query = select(func.count()).select_from(Complaint).where(
            cast(Complaint.request_kinds, String).contains(f'"{code}"', autoescape=True))
    elif list_name == "resolution_type":
        query = (select(func.count(distinct(Resolution.complaint_id)))
                 .where(Resolution.resolution_type == code))
    else:
        return 0
    return session.scalar(query) or 0


def _current_version(session: Session, dataset: str) -> int | None:
    query = select(func.max(ReferenceVersion.version)).where(ReferenceVersion.dataset == dataset)
    return session.scalar(query)


# ---- reading -------------------------------------------------------------------------------------

def list_taxonomy(db: Database, axis: str, include_retired: bool = False) -> list[CodeInfo]:
    """The codes of one axis in tree order: each top-level code (by sort order) followed by its children."""
    if axis not in AXES:
        raise BugError(f"unknown taxonomy axis {axis!r}")
    with db.unit_of_work() as session:
        rows = session.scalars(select(TaxonomyCode).where(TaxonomyCode.axis == axis)).all()
    return [CodeInfo(r.code, r.name_zh, r.name_en, r.parent_code, r.level, r.active)
            for r in _tree_order(rows) if include_retired or r.active]


def _tree_order(rows: Sequence[TaxonomyCode]) -> list[TaxonomyCode]:
    by_code = {row.code: row for row in rows}

    def key(row: TaxonomyCode) -> tuple[int, str, int, int, str]:
        top = by_code.get(row.parent_code or "", row)
        return (top.sort_order, top.code, row.level, row.sort_order, row.code)

    return sorted(rows, key=key)


def list_items(db: Database, list_name: str, include_retired: bool = False) -> list[ItemInfo]:
    """The items of one list by sort order; an unknown list has no items."""
    query = select(ReferenceItem).where(ReferenceItem.list_name == list_name)
    if not include_retired:
        query = query.where(ReferenceItem.active.is_(True))
    with db.unit_of_work() as session:
        rows: Iterable[ReferenceItem] = session.scalars(
            query.order_by(ReferenceItem.sort_order, ReferenceItem.code)).all()
    return [ItemInfo(r.list_name, r.code, r.name_zh, r.name_en, r.description, r.active) for r in rows]


def current_versions(db: Database) -> dict[str, int]:
    """The loaded version of each dataset ("taxonomy", "lists"); a dataset never loaded is absent."""
    query = (select(ReferenceVersion.dataset, func.max(ReferenceVersion.version))
             .group_by(ReferenceVersion.dataset))
    with db.unit_of_work() as session:
        return {dataset: version for dataset, version in session.execute(query).all()}


# ---- checks for other services (inside their transaction) ---------------------------------------

@dataclass(frozen=True)
class ActiveCodes:
    """What a new record may carry: (axis, code) of the active taxonomy codes, (list, code) of the active
    list items."""

    axes: frozenset[tuple[str, str]]
    items: frozenset[tuple[str, str]]


def _build_active_codes(session: Session) -> ActiveCodes:
    return ActiveCodes(
        frozenset((axis, code) for axis, code in session.execute(
            select(TaxonomyCode.axis, TaxonomyCode.code).where(TaxonomyCode.active.is_(True)))),
        frozenset((name, code) for name, code in session.execute(
            select(ReferenceItem.list_name, ReferenceItem.code).where(ReferenceItem.active.is_(True)))))


_ACTIVE_CODES = Kept(change_tokens.TAXONOMY, _build_active_codes)


def active_codes(session: Session, token: str | None = None) -> ActiveCodes:
    """The active codes, kept per process until the taxonomy or a list changes (``token``: the taxonomy's
    change token when the caller has read it with another statement)."""
    return _ACTIVE_CODES.get(session, token)


def require_code(session: Session, axis: str, code: str) -> None:
    """Refuse a taxonomy code that does not exist on ``axis`` or is retired (UnknownCodeError)."""
    row = session.scalar(select(TaxonomyCode).where(TaxonomyCode.code == code))
    field_name = f"axis_{axis.lower()}"
    if row is None or row.axis != axis:
        raise UnknownCodeError(_("Unknown code {code} on axis {axis} ({label})").format(
            code=code, axis=axis, label=axis_label(axis)), field=field_name)
    if not row.active:
        raise UnknownCodeError(_("Code {code} ({name}) on axis {axis} ({label}) has been retired and cannot "
                                 "be used any more").format(code=code, name=label_for(row), axis=axis,
                                                            label=axis_label(axis)), field=field_name)


def require_item(session: Session, list_name: str, code: str) -> None:
    """Refuse a list code that does not exist in ``list_name`` or is retired (UnknownCodeError)."""
    row = session.scalar(select(ReferenceItem).where(ReferenceItem.list_name == list_name,
                                                     ReferenceItem.code == code))
    if row is None:
        raise UnknownCodeError(_("Unknown code {code} in the list {list_name}").format(
            code=code, list_name=list_name), field=list_name)
    if not row.active:
        raise UnknownCodeError(_("Code {code} ({name}) in the list {list_name} has been retired and cannot "
                                 "be used any more").format(code=code, name=label_for(row),
                                                            list_name=list_name), field=list_name)
