"""How alike an open case and a library case are (案例库 similar cases), as an explainable score.

Points: the same cause code 4 (the same top-level cause only 2); the same primary psychological type 3
(a type one holds as primary and the other as secondary 1); each shared special flag 2; shared words up
to 3 (three times the Jaccard index of the two texts' character bigrams: the units the case search's word
index uses for Chinese, ``desk_app.db.search.grams``). Cases with no point in common are not similar.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from desk_app.domain.enums import PsychType, SpecialFlag

SAME_CAUSE = 4.0
SAME_CAUSE_GROUP = 2.0
SAME_TYPE = 3.0
CROSSED_TYPE = 1.0
PER_FLAG = 2.0
WORDS = 3.0
#: Below this share of bigrams in common the texts count as unrelated (every Chinese text shares a few).
MIN_WORDS = 0.04

_RUN = re.compile(r"[^\W_]+")
_PLACEHOLDER = re.compile(r"〔[^〕]*〕")


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams inside runs of letters and digits (lower-cased); placeholders left out."""
    grams: set[str] = set()
    for run in _RUN.findall(_PLACEHOLDER.sub(" ", text).lower()):
        grams.update(a + b for a, b in itertools.pairwise(run))
    return frozenset(grams)


@dataclass(frozen=True)
class Traits:
    """What similarity looks at in a case (open or in the library)."""

    cause: str
    primary_type: PsychType | None
    secondary_type: PsychType | None
    flags: frozenset[SpecialFlag]
    words: frozenset[str]


@dataclass(frozen=True)
class Similarity:
    score: float
    same_cause: bool
    same_type: bool
    shared_flags: frozenset[SpecialFlag]
    shared_words: float
    """The Jaccard index of the two texts' bigrams (0–1)."""


def similarity(case: Traits, entry: Traits) -> Similarity:
    score = 0.0
    same_cause = bool(case.cause) and case.cause == entry.cause
    if same_cause:
        score += SAME_CAUSE
    elif case.cause[:3] and case.cause[:3] == entry.cause[:3]:
        score += SAME_CAUSE_GROUP
    same_type = case.primary_type is not None and case.primary_type == entry.primary_type
    if same_type:
        score += SAME_TYPE
    elif (case.primary_type is not None and case.primary_type == entry.secondary_type) or (
            entry.primary_type is not None and entry.primary_type == case.secondary_type):
        score += CROSSED_TYPE
    shared = case.flags & entry.flags
    score += PER_FLAG * len(shared)
    common = len(case.words & entry.words)
    union = len(case.words) + len(entry.words) - common
    jaccard = common / union if union else 0.0
    if jaccard >= MIN_WORDS:
        score += WORDS * jaccard
    return Similarity(round(score, 3), same_cause, same_type, shared, round(jaccard, 3))
