"""Risk signals in what the customer says: words that point to media, regulator, litigation, group
action or self-harm, read from an HQ-maintained, versioned word list (``resources/wordlists/``).

Detection is a careful phrase match, not language understanding. Its rules:

- The text is NFKC-normalised (full-width ``１２３７８`` is ``12378``) and ASCII is case-folded;
  spans always point into the original text.
- A phrase that begins or ends with an ASCII letter or digit must not touch another one there:
  ``12378`` inside the phone number ``13912378456`` is not the regulator hotline.
- Each kind lists **exclusions**, longer phrases that contain a trigger but mean something else:
  ``联名卡`` (a co-branded card) is not ``联名`` (a joint petition), ``跳楼价`` (a rock-bottom price)
  is not ``跳楼``, ``多媒体`` is not ``媒体``, ``人民银行征信中心`` (where a credit report comes from)
  is not a complaint to the central bank. A trigger inside an exclusion is dropped.
- Overlapping matches of one kind keep the longest (``投诉到监管`` rather than a shorter phrase inside
  it); matches of different kinds all stand (``集体投诉到监管部门`` is a group and a regulator signal).
- **Negations still count.** "我不会去找媒体" is reported, with ``negated=True``: at a counter a
  denied threat ("我也不想闹到媒体那里去，但是……") is the usual form of a veiled one, missing a real
  threat costs far more than one suggestion the clerk dismisses, and a person is always the one who
  confirms a flag. A negation is a cue from the word list (不会, 没有…) in the six characters before
  the phrase, within the same clause; self-harm words are never softened by it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desk_app.domain.enums import SpecialFlag
from desk_app.domain.portrait import Bilingual
from desk_app.domain.toml_data import fail as _fail
from desk_app.domain.toml_data import load_toml as _load
from desk_app.domain.toml_data import require_version as _version
from desk_app.i18n import _
from desk_app.paths import resources_dir

#: A risk rating at or above this suggests escalating the case to a supervisor.
ESCALATION_RISK_LEVEL = 4
RISK_SIGNALS = "risk_signals"
NEGATION_WINDOW = 6
MAX_PHRASE_LENGTH = 30
#: Kinds whose mentions are never softened by a negation (personal safety first).
NEVER_NEGATED = frozenset({"self_harm"})
_CLAUSE_END = re.compile(r"[，。！？；、,.!?;:：\n\r]")
_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_TOP_KEYS = ("name", "version", "negations", "kinds")
_KIND_KEYS = ("flag", "label_zh", "label_en", "phrases", "exclude")


@dataclass(frozen=True)
class SignalKind:
    key: str
    flag: SpecialFlag
    label: Bilingual
    phrases: tuple[str, ...]
    exclude: tuple[str, ...]


@dataclass(frozen=True)
class WordList:
    name: str
    version: int
    negations: tuple[str, ...]
    kinds: tuple[SignalKind, ...]

    def kind(self, key: str) -> SignalKind:
        return next(k for k in self.kinds if k.key == key)


@dataclass(frozen=True)
class Signal:
    """One risk phrase found in a text: ``span`` is (start, end) in the original text."""

    kind: str
    phrase: str
    span: tuple[int, int]
    flag: SpecialFlag
    negated: bool = False


def suggests_escalation(risk: int) -> bool:
    """A portrait risk rating of 4 or 5 suggests escalation to a supervisor."""
    return risk >= ESCALATION_RISK_LEVEL


def default_word_list_path(name: str = RISK_SIGNALS) -> Path:
    return resources_dir() / "wordlists" / f"{name}.toml"


# ---- detection ---------------------------------------------------------------------------------------

def _normalise(text: str) -> tuple[str, list[int]]:
    """NFKC + casefold, character by character, with the original index of every output character."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch).casefold()
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


def _norm(phrase: str) -> str:
    return unicodedata.normalize("NFKC", phrase).casefold()


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _finditer(haystack: str, needle: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        before = haystack[start - 1] if start > 0 else ""
        after = haystack[end] if end < len(haystack) else ""
        if not ((_is_ascii_alnum(needle[0]) and _is_ascii_alnum(before))
                or (_is_ascii_alnum(needle[-1]) and _is_ascii_alnum(after))):
            found.append((start, end))
        start = haystack.find(needle, start + 1)
    return found


def _negated(norm: str, start: int, negations: tuple[str, ...]) -> bool:
    clause_start = 0
    for match in _CLAUSE_END.finditer(norm, 0, start):
        clause_start = match.end()
    window = norm[max(clause_start, start - NEGATION_WINDOW):start]
    return any(_norm(cue) in window for cue in negations)


def detect(text: str, word_list: WordList) -> list[Signal]:
    """Every risk phrase in ``text`` (ordered by position), after exclusions and overlaps are resolved."""
    if not text:
        return []
    norm, index = _normalise(text)
    candidates: list[tuple[int, int, SignalKind, str]] = []
    for kind in word_list.kinds:
        excluded = [span for phrase in kind.exclude for span in _finditer(norm, _norm(phrase))]
        for phrase in kind.phrases:
            for start, end in _finditer(norm, _norm(phrase)):
                if any(s <= start and end <= e for s, e in excluded):
                    continue
                candidates.append((start, end, kind, phrase))
    signals: list[Signal] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for start, end, kind, phrase in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[0])):
        spans = taken.setdefault(kind.key, [])
        if any(start < e and s < end for s, e in spans):
            continue
        spans.append((start, end))
        negated = kind.key not in NEVER_NEGATED and _negated(norm, start, word_list.negations)
        span = (index[start], index[end - 1] + 1)
        signals.append(Signal(kind.key, phrase, span, kind.flag, negated))
    return sorted(signals, key=lambda s: s.span)


def snippet(text: str, span: tuple[int, int], context: int = 14) -> str:
    """The words around a signal, for the evidence shown to the clerk (… marks cut text)."""
    start, end = max(0, span[0] - context), min(len(text), span[1] + context)
    body = " ".join(text[start:end].split())
    return f"{'…' if start > 0 else ''}{body}{'…' if end < len(text) else ''}"


# ---- the word-list file --------------------------------------------------------------------------------

def parse_word_list(data: bytes, source: str) -> WordList:
    """Parse and validate a word-list file; a problem raises ValidationError naming the file, the kind,
    its line and the rule broken."""
    text, doc = _load(data, source)
    for key in doc:
        if key not in _TOP_KEYS:
            _fail(source, _("unknown top-level key {key}; allowed: {allowed}").format(
                key=key, allowed=", ".join(_TOP_KEYS)))
    name = doc.get("name")
    if not isinstance(name, str) or not _SNAKE_CASE.fullmatch(name) or len(name) > 60:
        _fail(source, _("name must be the list's name in lowercase ascii snake_case, such as "
                        "name = \"risk_signals\""))
    version = _version(doc, source)
    negations = _phrases(doc.get("negations", []), source, "negations", allow_empty=True)
    kinds_doc = doc.get("kinds")
    if not isinstance(kinds_doc, dict) or not kinds_doc:
        _fail(source, _("there are no [kinds.<kind>] tables; each kind lists its flag and phrases"))
    seen: dict[str, str] = {}
    kinds: list[SignalKind] = []
    for key, body in kinds_doc.items():
        where = _kind_where(source, key, text)
        if not _SNAKE_CASE.fullmatch(key):
            _fail(where, _("the kind name must be lowercase ascii snake_case"))
        if not isinstance(body, dict):
            _fail(where, _("must be a table with flag, label_zh, label_en, phrases and exclude"))
        kinds.append(_kind(key, body, where, seen))
    return WordList(name, version, negations, tuple(kinds))


def _kind(key: str, body: dict[str, Any], where: str, seen: dict[str, str]) -> SignalKind:
    for field in body:
        if field not in _KIND_KEYS:
            _fail(where, _("unknown field {field}; allowed fields: {allowed}").format(
                field=field, allowed=", ".join(_KIND_KEYS)))
    flag_text = body.get("flag")
    if not isinstance(flag_text, str) or flag_text not in SpecialFlag.__members__.values():
        _fail(where, _("flag {flag} is not a special-complaint flag; expected one of {flags}").format(
            flag=flag_text, flags=", ".join(f.value for f in SpecialFlag)))
    flag = SpecialFlag(flag_text)
    label_zh, label_en = body.get("label_zh", ""), body.get("label_en", "")
    if not isinstance(label_zh, str) or not label_zh.strip() or not isinstance(label_en, str):
        _fail(where, _("label_zh (required) and label_en must be text"))
    phrases = _phrases(body.get("phrases"), where, "phrases")
    for phrase in phrases:
        norm = _norm(phrase)
        if norm in seen:
            _fail(where, _("the phrase {phrase} is already listed under the kind {other}").format(
                phrase=phrase, other=seen[norm]))
        seen[norm] = key
    exclude = _phrases(body.get("exclude", []), where, "exclude", allow_empty=True)
    for phrase in exclude:
        if not any(_norm(p) in _norm(phrase) for p in phrases):
            _fail(where, _("the exclusion {phrase} contains none of this kind's phrases, so it excludes "
                           "nothing").format(phrase=phrase))
        if _norm(phrase) in {_norm(p) for p in phrases}:
            _fail(where, _("the exclusion {phrase} is also one of the phrases").format(phrase=phrase))
    return SignalKind(key, flag, Bilingual(label_zh.strip(), label_en.strip()), phrases, exclude)


def _phrases(value: object, where: str, field: str, allow_empty: bool = False) -> tuple[str, ...]:
    if value is None:
        value = []
    if not isinstance(value, list):
        _fail(where, _("{field} must be a list of phrases in quotes, such as [\"媒体\", \"曝光\"]").format(
            field=field))
    if not value and not allow_empty:
        _fail(where, _("{field} is empty").format(field=field))
    result: list[str] = []
    for n, item in enumerate(value, 1):
        if not isinstance(item, str) or not item.strip():
            _fail(where, _("{field}: item {n} must be a non-empty phrase in quotes").format(field=field, n=n))
        phrase = item.strip()
        if len(phrase) > MAX_PHRASE_LENGTH:
            _fail(where, _("{field}: {phrase} is longer than {max} characters").format(
                field=field, phrase=phrase, max=MAX_PHRASE_LENGTH))
        if phrase in result:
            _fail(where, _("{field}: {phrase} is listed twice").format(field=field, phrase=phrase))
        result.append(phrase)
    return tuple(result)


def _kind_where(source: str, key: str, text: str) -> str:
    header = re.compile(rf"\s*\[\s*kinds\s*\.\s*[\"']?{re.escape(key)}[\"']?\s*\]")
    for n, line in enumerate(text.splitlines(), 1):
        if header.match(line):
            return _("{source}: [kinds.{kind}] (line {line})").format(source=source, kind=key, line=n)
    return _("{source}: [kinds.{kind}]").format(source=source, kind=key)


