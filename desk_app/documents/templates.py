"""Letter templates: TOML files in ``resources/templates/letters/`` that headquarters edits.

One file per letter kind (``receipt.toml``, ``extension.toml``, ``decision.toml``, ``refusal.toml``,
``review_decision.toml``) plus ``common.toml`` (labels and vocabulary shared by all letters). Each file
has an integer ``version`` (raise it on every change; issued letters record it) and one table per
language (``[zh_CN]``, ``[en]``). A kind's table holds ``title``, ``salutation``, ``closing`` and an array
of ``[[<lang>.sections]]``, each with a ``key``, an optional ``heading`` (numbered 一、二、… or 1. 2. …
when shown), an optional ``when`` (a condition such as ``"remedy"`` or ``"!remedy"``), and
``paragraphs`` (a list of texts) and/or ``rows`` (a list of ``[label, value]`` pairs, drawn as a table).

Texts use ``{placeholder}`` fields filled by the program. A template is checked completely when loaded:
unknown fields and conditions are refused, and every mandatory element of the letter (REGULATION.md §4,
for example the recourse fields of a decision letter) must appear in each language, so an edit cannot
remove what the rules require.
"""

from __future__ import annotations

import string
import threading
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desk_app.domain.enums import Channel, LetterKind, Regime
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.paths import resources_dir

LANGUAGES = ("zh_CN", "en")
COMMON = "common"


class TemplateError(ValidationError):
    """A template file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    when: str
    paragraphs: tuple[str, ...]
    rows: tuple[tuple[str, str], ...]

    def applies(self, flags: frozenset[str]) -> bool:
        if not self.when:
            return True
        if self.when.startswith("!"):
            return self.when[1:] not in flags
        return self.when in flags

    def texts(self) -> Iterable[str]:
        yield self.heading
        yield from self.paragraphs
        for label, value in self.rows:
            yield label
            yield value


@dataclass(frozen=True)
class LanguageTemplate:
    title: str
    salutation: str
    sections: tuple[Section, ...]
    closing: tuple[str, ...]

    def texts(self) -> Iterable[str]:
        yield self.title
        yield self.salutation
        for section in self.sections:
            yield from section.texts()
        yield from self.closing


@dataclass(frozen=True)
class LetterTemplate:
    kind: LetterKind
    version: int
    languages: Mapping[str, LanguageTemplate]
    source: str

    def for_language(self, language: str) -> LanguageTemplate:
        return self.languages[language]


@dataclass(frozen=True)
class CommonTexts:
    """Labels (number, page, seal…) and vocabulary (channels, rules) per language."""

    version: int
    labels: Mapping[str, Mapping[str, str]]
    vocab: Mapping[str, Mapping[str, Mapping[str, str]]]
    source: str

    def label(self, language: str, key: str) -> str:
        return self.labels[language][key]

    def word(self, language: str, table: str, code: str) -> str:
        return self.vocab[language].get(table, {}).get(code, code)


@dataclass(frozen=True)
class KindSpec:
    """What the program supplies to a kind's template, and what the template must show."""

    fields: frozenset[str]
    flags: frozenset[str]
    required: frozenset[str]


_BASE_FIELDS = frozenset({
    "customer_name", "case_number", "received_date", "channel", "branch_name", "handler", "hotline",
    "letter_date", "rule_name", "contact_person", "contact_phone",
})
_REMEDY_FIELDS = frozenset({"remedy_description", "remedy_amount_figures", "remedy_amount_capital",
                            "remedy_due_date", "corrective_action"})
_RECOURSE_FIELDS = frozenset({"superior_institution", "superior_contact", "mediation_body", "review_days"})

KIND_SPECS: dict[LetterKind, KindSpec] = {
    LetterKind.RECEIPT: KindSpec(
        fields=_BASE_FIELDS | {"summary", "received_items", "due_date", "deadline_rule"},
        flags=frozenset(),
        required=frozenset({"case_number", "received_items", "handler", "due_date", "contact_phone"}),
    ),
    LetterKind.EXTENSION: KindSpec(
        fields=_BASE_FIELDS | {"extension_reason", "old_due_date", "new_due_date", "approver"},
        flags=frozenset({"approved"}),
        required=frozenset({"case_number", "extension_reason", "new_due_date", "approver", "contact_phone"}),
    ),
    LetterKind.DECISION: KindSpec(
        fields=_BASE_FIELDS | _REMEDY_FIELDS | _RECOURSE_FIELDS | {
            "summary", "request", "claimed_amount_figures", "claimed_amount_capital", "verification", "decision",
            "basis", "reasons", "new_due_date", "approver", "extension_told_date"},
        flags=frozenset({"remedy", "corrective_action", "claimed_amount", "extension", "approved",
                         "extension_told"}),
        required=frozenset({"case_number", "received_date", "channel", "customer_name", "summary", "request",
                            "verification", "decision", "basis", "reasons", "remedy_description",
                            "remedy_amount_figures", "remedy_amount_capital", "remedy_due_date",
                            "superior_institution", "superior_contact", "review_days", "mediation_body",
                            "new_due_date", "approver", "extension_told_date", "contact_person",
                            "contact_phone"}),
    ),
    LetterKind.REFUSAL: KindSpec(
        fields=_BASE_FIELDS | _RECOURSE_FIELDS | {"grounds", "basis"},
        flags=frozenset({"superior"}),
        required=frozenset({"case_number", "grounds", "basis", "mediation_body", "contact_phone"}),
    ),
    LetterKind.REVIEW_DECISION: KindSpec(
        fields=_BASE_FIELDS | _REMEDY_FIELDS | {
            "mediation_body", "review_applied_date", "original_number", "original_date", "findings",
            "decision", "basis", "reasons"},
        flags=frozenset({"remedy", "corrective_action", "original"}),
        required=frozenset({"case_number", "review_applied_date", "findings", "decision", "basis", "reasons",
                            "remedy_amount_figures", "remedy_amount_capital", "remedy_due_date",
                            "mediation_body", "contact_phone"}),
    ),
}

#: Labels every ``common.toml`` language table must have, with the fields each may use.
COMMON_LABELS: dict[str, frozenset[str]] = {
    "number": frozenset({"number"}),
    "number_pending": frozenset(),
    "page": frozenset({"page", "pages"}),
    "seal": frozenset(),
    "handler": frozenset({"handler"}),
    "contact": frozenset({"phone"}),
    "address": frozenset({"address"}),
    "hotline": frozenset({"hotline"}),
    "draft": frozenset(),
    "correction": frozenset({"old_number", "old_date", "reason"}),
    "continued": frozenset({"title", "number"}),
    "item": frozenset({"n", "text"}),
    "registration": frozenset({"channel"}),
}
_VOCAB_CODES: dict[str, tuple[str, ...]] = {
    "channel": tuple(c.value for c in Channel),
    "rule_name": tuple(r.value for r in Regime),
    "deadline_rule": tuple(r.value for r in Regime),
    "defaults": ("mediation_body",),
}
COMMON_VOCAB = tuple(_VOCAB_CODES)


# --- parsing ------------------------------------------------------------------------------------------

def _fail(source: str, problem: str) -> TemplateError:
    return TemplateError(_("Letter template {source}: {problem}").format(source=source, problem=problem))


def _load(data: bytes, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _fail(source, _("the file is not UTF-8 text")) from exc
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, str(exc)) from exc


def _version(doc: Mapping[str, Any], source: str) -> int:
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail(source, _("'version' must be a whole number of at least 1"))
    return version


def _text(value: Any, source: str, where: str, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(source, _("{where} must be a non-empty text").format(where=where))
    return value.strip()


def fields_of(text: str, source: str, where: str) -> set[str]:
    """The ``{placeholder}`` names used in ``text``; malformed braces are an error."""
    names: set[str] = set()
    try:
        for _literal, name, spec, conversion in string.Formatter().parse(text):
            if name is None:
                continue
            if not name.isidentifier() or spec or conversion:
                raise _fail(source, _("{where}: '{{{name}}}' is not a plain field").format(where=where, name=name))
            names.add(name)
    except ValueError as exc:
        raise _fail(source, _("{where}: {error} (write {{{{ and }}}} for literal braces)").format(
            where=where, error=exc)) from exc
    return names


def _check_fields(text: str, allowed: frozenset[str], source: str, where: str) -> set[str]:
    used = fields_of(text, source, where)
    unknown = sorted(used - allowed)
    if unknown:
        raise _fail(source, _("{where} uses unknown fields: {fields}. Allowed: {allowed}").format(
            where=where, fields=", ".join(unknown), allowed=", ".join(sorted(allowed))))
    return used


def join_lines(text: str) -> str:
    """A TOML multi-line text as one paragraph: lines joined with a space between Latin words and
    nothing between Chinese characters."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    out = ""
    for line in lines:
        if out and out[-1].isascii() and line[0].isascii():
            out += " "
        out += line
    return out


def _section(raw: Any, spec: KindSpec, source: str, where: str) -> Section:
    if not isinstance(raw, dict):
        raise _fail(source, _("{where} must be a table").format(where=where))
    unknown = sorted(set(raw) - {"key", "heading", "when", "paragraphs", "rows"})
    if unknown:
        raise _fail(source, _("{where} has unknown entries: {names}").format(where=where, names=", ".join(unknown)))
    key = _text(raw.get("key"), source, f"{where}.key")
    when = _text(raw.get("when"), source, f"{where}.when", required=False)
    if when and when.lstrip("!") not in spec.flags:
        raise _fail(source, _("{where}: unknown condition '{when}'. Known: {flags}").format(
            where=where, when=when, flags=", ".join(sorted(spec.flags)) or "-"))
    paragraphs_raw = raw.get("paragraphs", [])
    rows_raw = raw.get("rows", [])
    if not isinstance(paragraphs_raw, list) or not all(isinstance(p, str) and p.strip() for p in paragraphs_raw):
        raise _fail(source, _("{where}.paragraphs must be a list of non-empty texts").format(where=where))
    if not isinstance(rows_raw, list) or not all(
            isinstance(r, list) and len(r) == 2 and all(isinstance(c, str) and c.strip() for c in r) for r in rows_raw):
        raise _fail(source, _("{where}.rows must be a list of [label, value] text pairs").format(where=where))
    if not paragraphs_raw and not rows_raw:
        raise _fail(source, _("{where} has neither paragraphs nor rows").format(where=where))
    return Section(key, _text(raw.get("heading"), source, f"{where}.heading", required=False), when,
                   tuple(join_lines(p) for p in paragraphs_raw),
                   tuple((r[0].strip(), r[1].strip()) for r in rows_raw))


def _language(raw: Any, kind: LetterKind, source: str, language: str) -> LanguageTemplate:
    spec = KIND_SPECS[kind]
    if not isinstance(raw, dict):
        raise _fail(source, _("the [{language}] table is missing").format(language=language))
    sections_raw = raw.get("sections")
    if not isinstance(sections_raw, list) or not sections_raw:
        raise _fail(source, _("[{language}] needs at least one [[{language}.sections]]").format(language=language))
    sections = tuple(_section(s, spec, source, f"{language}.sections[{i + 1}]") for i, s in enumerate(sections_raw))
    keys = [s.key for s in sections]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise _fail(source, _("section keys must be unique: {keys}").format(keys=", ".join(duplicates)))
    closing_raw = raw.get("closing", [])
    if isinstance(closing_raw, str):
        closing_raw = [closing_raw]
    if not isinstance(closing_raw, list) or not all(isinstance(c, str) for c in closing_raw):
        raise _fail(source, _("{language}.closing must be a text or a list of texts").format(language=language))
    template = LanguageTemplate(
        title=_text(raw.get("title"), source, f"{language}.title"),
        salutation=_text(raw.get("salutation"), source, f"{language}.salutation"),
        sections=sections,
        closing=tuple(c.strip() for c in closing_raw if c.strip()),
    )
    used: set[str] = set()
    for n, text in enumerate(template.texts()):
        used |= _check_fields(text, spec.fields, source, f"{language} (text {n + 1})")
    missing = sorted(spec.required - used)
    if missing:
        raise _fail(source, _("[{language}] lacks mandatory content: {fields}").format(
            language=language, fields=", ".join(missing)))
    return template


def parse_template(data: bytes, source: str, kind: LetterKind) -> LetterTemplate:
    """Read and check one kind's template file completely (nothing is used from a bad file)."""
    doc = _load(data, source)
    version = _version(doc, source)
    declared = doc.get("kind")
    if declared != kind.value:
        raise _fail(source, _("'kind' must be \"{kind}\"").format(kind=kind.value))
    unknown = sorted(set(doc) - {"version", "kind", *LANGUAGES})
    if unknown:
        raise _fail(source, _("unknown entries: {names}").format(names=", ".join(unknown)))
    languages = {language: _language(doc.get(language), kind, source, language) for language in LANGUAGES}
    return LetterTemplate(kind, version, languages, source)


def parse_common(data: bytes, source: str) -> CommonTexts:
    doc = _load(data, source)
    version = _version(doc, source)
    labels: dict[str, dict[str, str]] = {}
    vocab: dict[str, dict[str, dict[str, str]]] = {}
    for language in LANGUAGES:
        table = doc.get(language)
        if not isinstance(table, dict):
            raise _fail(source, _("the [{language}] table is missing").format(language=language))
        raw_labels = table.get("labels")
        if not isinstance(raw_labels, dict):
            raise _fail(source, _("[{language}.labels] is missing").format(language=language))
        missing = sorted(set(COMMON_LABELS) - set(raw_labels))
        if missing:
            raise _fail(source, _("[{language}.labels] lacks: {names}").format(language=language,
                                                                             names=", ".join(missing)))
        labels[language] = {}
        for key, allowed in COMMON_LABELS.items():
            text = _text(raw_labels[key], source, f"{language}.labels.{key}")
            _check_fields(text, allowed, source, f"{language}.labels.{key}")
            labels[language][key] = text
        vocab[language] = {}
        for name in COMMON_VOCAB:
            raw = table.get(name)
            if not isinstance(raw, dict) or not all(isinstance(v, str) and v.strip() for v in raw.values()):
                raise _fail(source, _("[{language}.{name}] must be a table of texts").format(
                    language=language, name=name))
            vocab[language][name] = {str(k): str(v).strip() for k, v in raw.items()}
            missing = sorted(set(_VOCAB_CODES[name]) - set(raw))
            if missing:
                raise _fail(source, _("[{language}.{name}] lacks: {codes}").format(
                    language=language, name=name, codes=", ".join(missing)))
    return CommonTexts(version, labels, vocab, source)


# --- loading ------------------------------------------------------------------------------------------

def default_templates_dir() -> Path:
    return resources_dir() / "templates" / "letters"


_cache: dict[tuple[str, str], tuple[bytes, LetterTemplate | CommonTexts]] = {}
_cache_lock = threading.Lock()


def _cached(path: Path, key: str, parse: Callable[[bytes, str], LetterTemplate | CommonTexts]) -> object:
    """Parse ``path`` once per content: the (small) file is read every time, so an edited template is used at
    once, but an unchanged one is not parsed again for every letter of a batch."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(str(path), str(exc)) from exc
    with _cache_lock:
        hit = _cache.get((str(path), key))
        if hit is not None and hit[0] == data:
            return hit[1]
    parsed = parse(data, path.name)
    with _cache_lock:
        _cache[(str(path), key)] = (data, parsed)
    return parsed


def load_template(kind: LetterKind, folder: Path | None = None) -> LetterTemplate:
    path = (folder or default_templates_dir()) / f"{kind.value}.toml"
    template = _cached(path, kind.value, lambda data, source: parse_template(data, source, kind))
    assert isinstance(template, LetterTemplate)
    return template


def load_common(folder: Path | None = None) -> CommonTexts:
    path = (folder or default_templates_dir()) / f"{COMMON}.toml"
    common = _cached(path, COMMON, parse_common)
    assert isinstance(common, CommonTexts)
    return common
