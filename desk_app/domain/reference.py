"""Reference data files maintained by headquarters: the A/B/C/D taxonomy and the flat lists.

Pure parsing and validation, no database: ``parse_taxonomy`` and ``parse_lists`` turn the bytes of a
TOML file into frozen dataclasses, or raise ``ValidationError`` with a translated message that names
the file, the entry and its line, and the rule broken (HQ edits these files by hand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from desk_app.domain.enums import Severity
from desk_app.domain.toml_data import load_toml as _load
from desk_app.errors import ValidationError
from desk_app.i18n import N_, _
from desk_app.paths import resources_dir

AXES = ("A", "B", "C", "D")
REQUIRED_LISTS = ("severity", "request_kind", "resolution_type")
MAX_NAME_LENGTH = 100
MAX_LIST_CODE_LENGTH = 30

_AXIS_LABELS = {"A": N_("channel"), "B": N_("business type"), "C": N_("cause"), "D": N_("insurance cause")}
# Codes the program itself relies on; a file without them is refused.
_REQUIRED_CODES = {"severity": tuple(s.value for s in Severity)}
_TAXONOMY_CODE = re.compile(r"[A-Z](?:[0-9]{2}|[0-9]{4})")
_TOP_LEVEL_CODE = re.compile(r"[A-Z][0-9]{2}")
_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_TAXONOMY_FIELDS = ("axis", "code", "parent", "name_zh", "name_en", "sort_order")
_ITEM_FIELDS = ("code", "name_zh", "name_en", "description", "sort_order")
_INT_RANGE = range(-(2**31), 2**31)


@dataclass(frozen=True)
class TaxonomyNode:
    axis: str
    code: str
    name_zh: str
    name_en: str
    parent_code: str | None
    level: int
    sort_order: int


@dataclass(frozen=True)
class ListItem:
    list_name: str
    code: str
    name_zh: str
    name_en: str
    description: str
    sort_order: int


@dataclass(frozen=True)
class TaxonomyFile:
    version: int
    nodes: tuple[TaxonomyNode, ...]


@dataclass(frozen=True)
class ListsFile:
    version: int
    items: tuple[ListItem, ...]


def axis_label(axis: str) -> str:
    """The translated name of an axis ("channel", "cause"…); an unknown axis is returned as given."""
    return _(_AXIS_LABELS[axis]) if axis in _AXIS_LABELS else axis


def default_taxonomy_path() -> Path:
    return resources_dir() / "reference" / "taxonomy.toml"


def default_lists_path() -> Path:
    return resources_dir() / "reference" / "lists.toml"


def parse_taxonomy(data: bytes, source: str) -> TaxonomyFile:
    """Parse and validate a taxonomy file: ``version`` and ``[[codes]]`` entries."""
    text, doc = _load(data, source)
    version = _version(doc, source)
    for key in doc:
        if key not in ("version", "codes"):
            _fail(source, _("unknown top-level key {key}; expected version and [[codes]] entries")
                  .format(key=key))
    entries = _entries(doc, "codes", source, text)
    nodes: list[TaxonomyNode] = []
    first_seen: dict[str, _Entry] = {}
    for entry in entries:
        node = _taxonomy_node(entry)
        if node.code in first_seen:
            entry.fail(_("code {code} is already defined at {other}").format(
                code=node.code, other=first_seen[node.code].where), "code")
        first_seen[node.code] = entry
        nodes.append(node)
    for entry, node in zip(entries, nodes, strict=True):
        if node.parent_code is not None and node.parent_code not in first_seen:
            entry.fail(_("parent {parent} of code {code} is not defined in this file").format(
                parent=node.parent_code, code=node.code), "parent")
    for axis in AXES:
        if not any(node.axis == axis for node in nodes):
            _fail(source, _("axis {axis} ({label}) has no codes").format(axis=axis, label=axis_label(axis)))
    return TaxonomyFile(version, tuple(nodes))


def parse_lists(data: bytes, source: str) -> ListsFile:
    """Parse and validate a lists file: ``version`` and one ``[[<list name>]]`` array per list."""
    text, doc = _load(data, source)
    version = _version(doc, source)
    for name in REQUIRED_LISTS:
        if name not in doc:
            _fail(source, _("the required list [[{name}]] is missing").format(name=name))
    items: list[ListItem] = []
    for name in doc:
        if name == "version":
            continue
        if not _SNAKE_CASE.fullmatch(name) or len(name) > MAX_LIST_CODE_LENGTH:
            _fail(source, _("list name {name} must be lowercase ascii snake_case of at most {max} characters")
                  .format(name=name, max=MAX_LIST_CODE_LENGTH))
        first_seen: dict[str, _Entry] = {}
        for entry in _entries(doc, name, source, text):
            item = _list_item(entry, name)
            if item.code in first_seen:
                entry.fail(_("code {code} is already defined at {other}").format(
                    code=item.code, other=first_seen[item.code].where), "code")
            first_seen[item.code] = entry
            items.append(item)
        for code in _REQUIRED_CODES.get(name, ()):
            if code not in first_seen:
                _fail(source, _("list [[{name}]] must contain the code {code}").format(name=name, code=code))
    return ListsFile(version, tuple(items))


@dataclass(frozen=True)
class _Entry:
    """One ``[[key]]`` table of a file, with where it is, for error messages."""

    source: str
    where: str
    data: dict[str, Any]

    def fail(self, problem: str, field: str | None = None) -> NoReturn:
        raise ValidationError(f"{self.source}: {self.where}: {problem}", field=field)

    def check_fields(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                self.fail(_("unknown field {field}; allowed fields: {allowed}").format(
                    field=key, allowed=", ".join(allowed)), key)

    def text(self, field: str, required: bool = False, max_length: int | None = None) -> str:
        value = self.data.get(field, "")
        if not isinstance(value, str):
            self.fail(_("{field} must be text in quotes").format(field=field), field)
        value = value.strip()
        if required and not value:
            self.fail(_("{field} is missing or empty").format(field=field), field)
        if max_length is not None and len(value) > max_length:
            self.fail(_("{field} is longer than {max} characters").format(field=field, max=max_length), field)
        return value

    def sort_order(self) -> int:
        value = self.data.get("sort_order", 0)
        if isinstance(value, bool) or not isinstance(value, int) or value not in _INT_RANGE:
            self.fail(_("sort_order must be a whole number"), "sort_order")
        return value

    def chinese_name(self) -> str:
        name = self.text("name_zh", max_length=MAX_NAME_LENGTH)
        if not name:
            self.fail(_("the Chinese name (name_zh) is missing or empty"), "name_zh")
        return name


def _fail(source: str, problem: str) -> NoReturn:
    raise ValidationError(f"{source}: {problem}")


def _version(doc: dict[str, Any], source: str) -> int:
    if "version" not in doc:
        _fail(source, _("version is missing; the file must start with a line such as version = 1"))
    value = doc["version"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value not in _INT_RANGE:
        _fail(source, _("version must be a whole number of at least 1, not {value}").format(value=value))
    return value


def _entries(doc: dict[str, Any], key: str, source: str, text: str) -> list[_Entry]:
    value = doc.get(key)
    if value is None or value == []:
        _fail(source, _("there are no [[{key}]] entries").format(key=key))
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        _fail(source, _("{key} must be written as [[{key}]] tables").format(key=key))
    header = re.compile(rf"\s*\[\[\s*[\"']?{re.escape(key)}[\"']?\s*\]\]")
    lines = [n for n, line in enumerate(text.splitlines(), 1) if header.match(line)]
    if len(lines) != len(value):  # written some other way (inline tables): number the entries only
        lines = []
    return [_Entry(source, _where(key, n, lines), item) for n, item in enumerate(value, 1)]


def _where(key: str, n: int, lines: list[int]) -> str:
    if lines:
        return _("[[{key}]] entry {n} (line {line})").format(key=key, n=n, line=lines[n - 1])
    return _("[[{key}]] entry {n}").format(key=key, n=n)


def _taxonomy_node(entry: _Entry) -> TaxonomyNode:
    entry.check_fields(_TAXONOMY_FIELDS)
    axis = entry.text("axis", required=True)
    if axis not in AXES:
        entry.fail(_("unknown axis {axis}; expected one of {axes}").format(
            axis=axis, axes=", ".join(AXES)), "axis")
    code = entry.text("code", required=True)
    if not _TAXONOMY_CODE.fullmatch(code):
        entry.fail(_("code {code} must be the axis letter followed by 2 or 4 digits, such as A03 or A0301")
                   .format(code=code), "code")
    if code[0] != axis:
        entry.fail(_("code {code} does not start with its axis letter {axis}").format(
            code=code, axis=axis), "code")
    level = 1 if len(code) == 3 else 2
    parent = entry.text("parent") or None
    if level == 1 and parent is not None:
        entry.fail(_("top-level code {code} cannot have a parent").format(code=code), "parent")
    if level == 2:
        _check_parent(entry, axis, code, parent)
    return TaxonomyNode(axis, code, entry.chinese_name(), entry.text("name_en", max_length=MAX_NAME_LENGTH),
                        parent, level, entry.sort_order())


def _check_parent(entry: _Entry, axis: str, code: str, parent: str | None) -> None:
    if parent is None:
        entry.fail(_("level-2 code {code} needs a parent (the top-level code it belongs to, such as "
                     "{prefix})").format(code=code, prefix=code[:3]), "parent")
    if not _TOP_LEVEL_CODE.fullmatch(parent):
        entry.fail(_("parent {parent} of code {code} must be a top-level code such as {prefix}").format(
            parent=parent, code=code, prefix=code[:3]), "parent")
    if parent[0] != axis:
        entry.fail(_("parent {parent} of code {code} is on axis {parent_axis}, not on axis {axis}").format(
            parent=parent, code=code, parent_axis=parent[0], axis=axis), "parent")
    if not code.startswith(parent):
        entry.fail(_("level-2 code {code} does not start with its parent's code {parent}").format(
            code=code, parent=parent), "parent")


def _list_item(entry: _Entry, list_name: str) -> ListItem:
    entry.check_fields(_ITEM_FIELDS)
    code = entry.text("code", required=True)
    if not _SNAKE_CASE.fullmatch(code) or len(code) > MAX_LIST_CODE_LENGTH:
        entry.fail(_("code {code} must be lowercase ascii snake_case (a-z, 0-9, _) of at most {max} "
                     "characters").format(code=code, max=MAX_LIST_CODE_LENGTH), "code")
    return ListItem(list_name, code, entry.chinese_name(), entry.text("name_en", max_length=MAX_NAME_LENGTH),
                    entry.text("description"), entry.sort_order())
