"""The clause rules that decide whether a risk phrase is the customer's own threat.

A phrase found in a complaint text counts unless one of these explainable rules sets it aside, each read
from cue words in the word list's ``[cues]`` table:

- **denied**: a negation cue (不会, 没打算…) stands before the phrase in its clause, with no breaker
  between ("没办法，只能起诉" is a threat; "我不会去起诉" is not);
- **cites a rule**: the phrase is followed by a rule word (规定, 要求, 发布…) with only gap words
  between, or ``关于…`` ("跟银保监会规定不符", "人民银行关于征信的规定"): the body is the source of a rule,
  not where the customer is going;
- **the other side's**: the customer is the object after it ("起诉我", "报警抓我"), it is passive
  ("被起诉"), received ("收到律师函") or has the other side as its subject ("你们报警也没用"), or the
  last speaker before it in its sentence is the other side ("催收说…", "客服告诉我…", "威胁…") rather
  than the customer ("我就…", "我已经…", "客户表示…");
- **context**: a word of the kind's ``not_in_clause`` list is in the same clause ("在抖音上看到你们的广告");
- a phrase that **refers back** ("这个律师函") to an earlier mention of the same phrase, or follows a mention of
  its kind set aside as the other side's in the same clause ("把我起诉到了法院"), shares its reason.

All positions are in the normalised text (see ``risk.detect``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import lru_cache

from desk_app.i18n import N_, _

NEGATION_WINDOW = 10
SPEAKER_GAP = 8
OWN_SPEAKER_GAP = 4
RECEIVED_WINDOW = 12
CHAIN_GAP = 4
#: How far back in its sentence a speaker cue is looked for (an unpunctuated 20,000-character narrative
#: would otherwise be scanned from its start for every phrase).
SPEAKER_WINDOW = 200
ABOUT_WINDOW = 12
CLAUSE_END = "，。！？；、,.!?;:：\n\r“”\"「」"
SENTENCE_END = "。！？；!?;\n\r"
_MASK = "\x00"


class SetAside(StrEnum):
    """Why a phrase found in a text is not counted as the customer's threat."""

    NEGATED = "negated"
    CITATION = "citation"
    OTHER_PARTY = "other_party"
    CONTEXT = "context"

    @property
    def label(self) -> str:
        return _(_SET_ASIDE_LABELS[self])


_SET_ASIDE_LABELS = {
    SetAside.NEGATED: N_("denied"),
    SetAside.CITATION: N_("cites a rule"),
    SetAside.OTHER_PARTY: N_("the other side's words"),
    SetAside.CONTEXT: N_("not a threat in its clause"),
}


@dataclass(frozen=True)
class Cues:
    """The cue words of the clause rules; an empty list switches its rule off."""

    negation: tuple[str, ...] = ()
    negation_breakers: tuple[str, ...] = ()
    rule_words: tuple[str, ...] = ()
    rule_gap: tuple[str, ...] = ()
    other_speakers: tuple[str, ...] = ()
    own_speakers: tuple[str, ...] = ()
    speech_verbs: tuple[str, ...] = ()
    other_verbs: tuple[str, ...] = ()
    own_intent: tuple[str, ...] = ()
    not_cues: tuple[str, ...] = ()
    object_words: tuple[str, ...] = ()
    object_gap: tuple[str, ...] = ()
    passive: tuple[str, ...] = ()
    received: tuple[str, ...] = ()
    object_markers: tuple[str, ...] = ()
    refer_back: tuple[str, ...] = ()
    other_subjects: tuple[str, ...] = ()
    subject_gap: tuple[str, ...] = ()


CUE_KEYS = tuple(f.name for f in fields(Cues))


def _alt(words: tuple[str, ...]) -> str:
    """A regex alternation of the words, longest first (never matches when there are none)."""
    if not words:
        return r"(?!x)x"
    return "(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)) + ")"


def _not_after(words: tuple[str, ...]) -> str:
    """Look-behinds that fail right after any of the words (Python needs one per length)."""
    return "".join(f"(?<!{re.escape(w)})" for w in sorted(set(words)))


class Bounds:
    """The clause and sentence around any span of one text (stop marks indexed once, then bisected)."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self._clause = [i for i, ch in enumerate(text) if ch in CLAUSE_END]
        self._sentence = [i for i, ch in enumerate(text) if ch in SENTENCE_END]

    def _around(self, stops: list[int], start: int, end: int) -> tuple[int, int]:
        left = bisect_left(stops, start)
        right = bisect_left(stops, end)
        return (stops[left - 1] + 1 if left else 0), (stops[right] if right < len(stops) else self.length)

    def clause(self, start: int, end: int) -> tuple[int, int]:
        """Start and end (the stop mark's position) of the clause around ``text[start:end]``."""
        return self._around(self._clause, start, end)

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        return self._around(self._sentence, start, end)


class ClauseRules:
    """The rules compiled for one set of cues and phrases (built once per word list)."""

    def __init__(self, cues: Cues, names: tuple[str, ...]) -> None:
        self.cues = cues
        self._not_cues = re.compile(_alt(cues.not_cues))
        self._negation = re.compile(_alt(cues.negation))
        self._breaker = re.compile(_alt(cues.negation_breakers))
        gap = f"(?:{_alt(cues.rule_gap)}|{_alt(names)}|\\d)*"
        self._citation = re.compile(
            f"{gap}(?:关于[^{re.escape(CLAUSE_END)}]{{0,{ABOUT_WINDOW}}}?)?{gap}{_alt(cues.rule_words)}")
        self._object = re.compile(f"{_alt(cues.object_gap)}?{_alt(cues.object_words)}")
        self._passive = re.compile(f"{_alt(cues.passive)}(?:{_alt(cues.other_speakers)}|你们|人)?$")
        self._received = re.compile(_alt(cues.received))
        no_stop = f"[^{re.escape(CLAUSE_END)}]"
        self._other_speech = re.compile(
            f"{_alt(cues.other_speakers)}{no_stop}{{0,{SPEAKER_GAP}}}?{_alt(cues.speech_verbs)}")
        self._own_speech = re.compile(
            f"{_not_after(cues.object_markers)}{_alt(cues.own_speakers)}{no_stop}{{0,{OWN_SPEAKER_GAP}}}?{_alt(cues.speech_verbs)}")
        self._other_verb = re.compile(_alt(cues.other_verbs))
        self._own_intent = re.compile(_alt(cues.own_intent))
        self._refer_back = re.compile(f"{_alt(cues.refer_back)}$")
        self._subject = re.compile(
            f"{_not_after(cues.object_markers)}{_alt(cues.other_subjects)}{_alt(cues.subject_gap)}?$")

    def mask(self, norm: str) -> str:
        """``norm`` with the not-cues blanked out (same length), for reading speaker and object cues."""
        return self._not_cues.sub(lambda m: _MASK * len(m.group()), norm)

    def negated(self, norm: str, start: int, end: int, clause_start: int) -> bool:
        window_start = max(clause_start, start - NEGATION_WINDOW)
        # a cue may run into the phrase: 不是来 + 来闹(事)
        cues = [m for m in self._negation.finditer(norm, window_start, end) if m.start() < start]
        if not cues:
            return False
        return self._breaker.search(norm, cues[-1].end(), start) is None

    def refers_back(self, norm: str, start: int, clause_start: int) -> bool:
        return self._refer_back.search(norm, clause_start, start) is not None

    def chained(self, masked: str, previous_end: int, start: int) -> bool:
        """Close after an earlier phrase of the kind in the same clause, with no intent of the customer between."""
        gap = masked[previous_end:start]
        return (0 <= len(gap) <= CHAIN_GAP and not any(ch in CLAUSE_END for ch in gap)
                and self._own_intent.search(gap) is None)

    def cites_rule(self, norm: str, end: int, clause_end: int) -> bool:
        return self._citation.match(norm[end:clause_end]) is not None

    def other_party(self, masked: str, start: int, end: int, clause: tuple[int, int],
                    sentence_start: int) -> bool:
        if self._object.match(masked[end:clause[1]]):
            return True
        before = masked[clause[0]:start]
        if self._passive.search(before) or self._subject.search(before):
            return True
        received = list(self._received.finditer(masked, max(clause[0], start - RECEIVED_WINDOW), start))
        if received and not self._own_intent.search(masked, received[-1].end(), start):
            return True
        return self._last_speaker_is_other(masked, max(sentence_start, start - SPEAKER_WINDOW), start)

    def _last_speaker_is_other(self, masked: str, sentence_start: int, start: int) -> bool:
        events: list[tuple[int, int]] = []     # (end, 0 other / 1 own): at the same end the customer wins
        for pattern, own in ((self._other_speech, 0), (self._other_verb, 0), (self._own_speech, 1),
                             (self._own_intent, 1)):
            events.extend((m.end(), own) for m in pattern.finditer(masked, sentence_start, start))
        return bool(events) and max(events)[1] == 0


@lru_cache(maxsize=16)
def compiled(cues: Cues, names: tuple[str, ...]) -> ClauseRules:
    return ClauseRules(cues, names)
