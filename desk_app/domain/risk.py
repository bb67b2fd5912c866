"""Risk signals in what the customer says: words that point to media, a regulator, the police or other
authorities, litigation, group action, aggressive behaviour or self-harm, read from an HQ-maintained,
versioned word list (``resources/wordlists/``).

Detection is a careful phrase match with explainable clause rules, not language understanding:

- The text is NFKC-normalised (full-width ``１２３７８`` is ``12378``) and ASCII is case-folded;
  spans always point into the original text.
- A phrase that begins or ends with an ASCII letter or digit must not touch another one there:
  ``12378`` inside the phone number ``13912378456`` is not the regulator hotline.
- Each kind lists **exclusions**, longer phrases that contain a trigger but mean something else:
  ``联名信用卡`` (a co-branded card) is not ``联名信`` (a joint letter), ``跳楼价`` is not ``跳楼``,
  ``人民银行征信中心`` (where a credit report comes from) is not a complaint to the central bank.
- Overlapping matches of one kind keep the longest; matches of different kinds all stand
  (``集体起诉`` is a group and a litigation signal).
- Every match is then read in its clause and sentence (``risk_cues``): one that is denied, cites a
  rule, is the other side's threat or sits in a clause that shows it is no threat is kept with its
  reason in ``set_aside`` and does not count. Self-harm is never set aside as denied or cited: a
  customer who says "我不会想不开的" has brought up their safety, and a person always decides.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from desk_app.domain.enums import SpecialFlag
from desk_app.domain.portrait import Bilingual
from desk_app.domain.risk_cues import CUE_KEYS, Bounds, ClauseRules, Cues, SetAside, compiled
from desk_app.domain.toml_data import fail as _fail
from desk_app.domain.toml_data import load_toml as _load
from desk_app.domain.toml_data import require_version as _version
from desk_app.i18n import _
from desk_app.paths import resources_dir

#: A risk rating at or above this suggests escalating the case to a supervisor.
ESCALATION_RISK_LEVEL = 4
RISK_SIGNALS = "risk_signals"
MAX_PHRASE_LENGTH = 30
#: The longest sentence shown around a phrase; a longer one is cut around the phrase with "…".
MAX_SENTENCE = 160
#: Kinds whose mentions are never set aside as denied or cited (personal safety first).
SAFETY_KINDS = frozenset({"self_harm"})
_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_TOP_KEYS = ("name", "version", "negations", "cues", "kinds")
_KIND_KEYS = ("flag", "label_zh", "label_en", "phrases", "exclude", "not_in_clause")


@dataclass(frozen=True)
class SignalKind:
    key: str
    flag: SpecialFlag
    label: Bilingual
    phrases: tuple[str, ...]
    exclude: tuple[str, ...]
    not_in_clause: tuple[str, ...] = ()


@dataclass(frozen=True)
class WordList:
    name: str
    version: int
    cues: Cues
    kinds: tuple[SignalKind, ...]

    def kind(self, key: str) -> SignalKind:
        return next(k for k in self.kinds if k.key == key)


@dataclass(frozen=True)
class Signal:
    """One risk phrase found in a text. ``span`` is (start, end) of the phrase and ``sentence`` of its
    sentence, both in the original text; ``set_aside`` says why it does not count (None: it counts)."""

    kind: str
    phrase: str
    span: tuple[int, int]
    flag: SpecialFlag
    set_aside: SetAside | None = None
    sentence: tuple[int, int] = (0, 0)

    @property
    def counts(self) -> bool:
        return self.set_aside is None


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


def _rules(word_list: WordList) -> ClauseRules:
    return compiled(word_list.cues, tuple(_norm(p) for kind in word_list.kinds for p in kind.phrases))


def _set_aside(norm: str, masked: str, bounds: Bounds, start: int, end: int, kind: SignalKind,
               rules: ClauseRules) -> SetAside | None:
    clause = bounds.clause(start, end)
    if any(_norm(cue) in norm[clause[0]:clause[1]] for cue in kind.not_in_clause):
        return SetAside.CONTEXT
    if rules.other_party(masked, start, end, clause, bounds.sentence(start, end)[0]):
        return SetAside.OTHER_PARTY
    if kind.key in SAFETY_KINDS:
        return None
    if rules.cites_rule(norm, end, clause[1]):
        return SetAside.CITATION
    if rules.negated(norm, start, end, clause[0]):
        return SetAside.NEGATED
    return None


def detect(text: str, word_list: WordList) -> list[Signal]:
    """Every risk phrase in ``text`` (ordered by position), after exclusions and overlaps are resolved,
    each with the reason it does not count, if any."""
    if not text:
        return []
    norm, index = _normalise(text)
    rules = _rules(word_list)
    masked = rules.mask(norm)
    bounds = Bounds(norm)
    candidates: list[tuple[int, int, SignalKind, str]] = []
    for kind in word_list.kinds:
        excluded = [span for phrase in kind.exclude for span in _finditer(norm, _norm(phrase))]
        for phrase in kind.phrases:
            for start, end in _finditer(norm, _norm(phrase)):
                if any(s <= start and end <= e for s, e in excluded):
                    continue
                candidates.append((start, end, kind, phrase))
    found: list[tuple[int, int, Signal]] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for start, end, kind, phrase in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[0])):
        spans = taken.setdefault(kind.key, [])
        if any(start < e and s < end for s, e in spans):
            continue
        spans.append((start, end))
        sentence = bounds.sentence(start, end)
        sentence = (sentence[0], min(len(norm), sentence[1] + 1))      # with its closing mark
        found.append((start, end, Signal(
            kind.key, phrase, (index[start], index[end - 1] + 1), kind.flag,
            _set_aside(norm, masked, bounds, start, end, kind, rules),
            (index[sentence[0]], _original(index, sentence[1], len(text))))))
    return _refer_back(norm, masked, bounds, sorted(found, key=lambda f: f[0]), rules)


def _refer_back(norm: str, masked: str, bounds: Bounds, found: list[tuple[int, int, Signal]],
                rules: ClauseRules) -> list[Signal]:
    """A phrase after 这个/该… shares the reason of the same phrase's earlier mention ("这个律师函"); one
    right after the other side's phrase of its kind is the other side's too ("把我起诉到了法院")."""
    result: list[Signal] = []
    last_of_phrase: dict[str, Signal] = {}
    last_other_end: dict[str, int] = {}          # kind -> end (normalised) of its last other-side phrase
    for start, end, signal in found:
        earlier = last_of_phrase.get(signal.phrase)
        if earlier is not None and rules.refers_back(norm, start, bounds.clause(start, start)[0]):
            signal = replace(signal, set_aside=earlier.set_aside)
        previous = last_other_end.get(signal.kind)
        if signal.counts and previous is not None and rules.chained(masked, previous, start):
            signal = replace(signal, set_aside=SetAside.OTHER_PARTY)
        if signal.set_aside is SetAside.OTHER_PARTY:
            last_other_end[signal.kind] = end
        last_of_phrase[signal.phrase] = signal
        result.append(signal)
    return result


def _original(index: list[int], position: int, length: int) -> int:
    return index[position] if position < len(index) else length


def threat_kinds(text: str, word_list: WordList) -> frozenset[str]:
    """The kinds of the phrases in ``text`` that count as the customer's own threat."""
    return frozenset(s.kind for s in detect(text, word_list) if s.counts)


def sentence_of(text: str, signal: Signal, limit: int = MAX_SENTENCE) -> tuple[str, tuple[int, int]]:
    """The sentence around a signal (white space collapsed) and where the phrase is in it; a sentence
    longer than ``limit`` characters is cut around the phrase, with "…" where text is left out."""
    (first, last), (p0, p1) = signal.sentence, signal.span
    start, end = min(first, p0), max(last, p1)
    if end - start > limit:
        room = max(0, limit - (p1 - p0)) // 2
        start, end = max(start, p0 - room), min(end, p1 + room)
    before = ("…" if start > first else "") + _squash(text[start:p0]).lstrip()
    after = _squash(text[p1:end]).rstrip() + ("…" if end < last else "")
    return before + text[p0:p1] + after, (len(before), len(before) + p1 - p0)


def _squash(part: str) -> str:
    return re.sub(r"\s+", " ", part)


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
    cues = _cues(doc, source)
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
            _fail(where, _("must be a table with flag, label_zh, label_en, phrases, exclude and not_in_clause"))
        kinds.append(_kind(key, body, where, seen))
    return WordList(name, version, cues, tuple(kinds))


def _cues(doc: dict[str, Any], source: str) -> Cues:
    """The ``[cues]`` table; a version-1 list has only ``negations`` (its other rules are then off)."""
    negations = _phrases(doc.get("negations", []), source, "negations", allow_empty=True)
    table = doc.get("cues", {})
    where = _("{source}: [cues]").format(source=source)
    if not isinstance(table, dict):
        _fail(where, _("must be a table of cue-word lists"))
    for key in table:
        if key not in CUE_KEYS:
            _fail(where, _("unknown cue list {key}; allowed: {allowed}").format(key=key, allowed=", ".join(CUE_KEYS)))
    if negations and "negation" in table:
        _fail(where, _("negations is the old name of [cues] negation; give only one of them"))
    values = {key: _phrases(table.get(key, []), where, key, allow_empty=True) for key in CUE_KEYS}
    if negations:
        values["negation"] = negations
    return Cues(**values)


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
    not_in_clause = _phrases(body.get("not_in_clause", []), where, "not_in_clause", allow_empty=True)
    return SignalKind(key, flag, Bilingual(label_zh.strip(), label_en.strip()), phrases, exclude, not_in_clause)


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


