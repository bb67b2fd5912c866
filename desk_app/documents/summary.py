"""What a letter says the complaint is about: a short summary written for the customer.

The intake's facts (事实经过) are the clerk's record, in the third person, and often carry remarks
meant for colleagues (the customer's mood, threats to go to the press). Letters never quote them.
Instead the issue dialog offers a summary built from what the customer asked for and how the case
was classified, in the second person; the handler edits and confirms it and it is stored with the
letter. ``shorten`` fits such a text into a narrow place (the receipt's table) with "…" at a
punctuation or word boundary.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

ELLIPSIS = "…"

#: Words that start a clerk's third-person sentence about the customer; a letter says 您 instead.
_THIRD_PERSON = re.compile(r"^(?:该客户|客户本人|客户|投诉人|消费者|来访人|来电人)")
_THIRD_PERSON_EN = re.compile(r"^(?:the\s+)?(?:customer|complainant|client)\s+", re.IGNORECASE)
#: Punctuation after which a text may be cut (the mark stays; the ellipsis follows it).
_BREAK_AFTER = set("，。；：、！？,.;:!?）)】」』”")
#: Marks that do not end a shortened text: "信用卡被盗刷，…" reads as "信用卡被盗刷…".
_TRAILING = "，、；：,;:（(【「『“ -—"


@dataclass(frozen=True)
class IntakeWords:
    """The parts of an intake record a customer may read: never the facts or any note."""

    typed_summary: str = ""
    """A summary someone wrote as such (not the default cut from the facts)."""
    business: tuple[str, str] = ("", "")
    """(Chinese, English) name of the business type (taxonomy axis B)."""
    cause: tuple[str, str] = ("", "")
    """(Chinese, English) name of the cause (taxonomy axis C)."""
    request_kinds: tuple[tuple[str, str], ...] = ()
    request_text: str = ""


def typed_summary(summary: str, facts: str) -> str:
    """``summary`` unless it is only the beginning of the facts (the intake's default when no summary was
    typed): then it is the clerk's record, not a summary, and empty is returned."""
    summary, facts = summary.strip(), facts.strip()
    if not summary or facts.startswith(summary):
        return ""
    return summary


def second_person(text: str, language: str) -> str:
    """A clerk's sentence about the customer addressed to the customer: 客户要求… → 您要求…."""
    text = " ".join(text.split())
    if language == "en":
        match = _THIRD_PERSON_EN.match(text)
        return f"You {text[match.end():]}" if match else text
    return _THIRD_PERSON.sub("您", text, count=1)


def _sentence(text: str, language: str) -> str:
    text = text.strip()
    if not text:
        return ""
    if text[-1] in "。.！!？?":
        return text
    return text + ("." if language == "en" else "。")


def _request(words: IntakeWords, language: str) -> str:
    english = language == "en"
    text = second_person(words.request_text, language).strip()
    if text:
        if english:
            return _sentence(text if text.startswith("You") else f"Your request: {text}", language)
        if text.startswith("您"):
            return _sentence(text, language)
        return _sentence(("您" + text) if text.startswith("要求") else f"您的请求：{text}", language)
    names = [(en or zh) if english else zh for zh, en in words.request_kinds if zh or en]
    if not names:
        return ""
    return _sentence(("Your request: " + ", ".join(names)) if english else "您的请求：" + "、".join(names), language)


def _about(words: IntakeWords, language: str) -> str:
    """The business and cause in the letter's language: 信用卡（消费者资金安全）; credit cards (…)."""
    english = language == "en"
    business = (words.business[1] or words.business[0]) if english else words.business[0]
    cause = (words.cause[1] or words.cause[0]) if english else words.cause[0]
    if english:
        business = business.lower() if business.isascii() else business
        cause = cause.lower() if cause.isascii() else cause
        return f"{business} ({cause})" if business and cause else business or cause
    return f"{business}（{cause}）" if business and cause else business or cause


def _first(words: IntakeWords, language: str, with_request: bool) -> str:
    english = language == "en"
    typed = second_person(words.typed_summary, language)
    about = _about(words, language)
    if typed and with_request:
        return _sentence(typed[0].upper() + typed[1:] if english else typed, language)
    if typed:
        return _sentence(f"What you told us: {typed}" if english else f"您反映：{typed}", language)
    if with_request:
        if english:
            return _sentence(f"Complaint about {about}", language) if about else ""
        return _sentence(f"关于{about}的投诉", language) if about else ""
    if english:
        return _sentence(f"Your complaint concerns {about}" if about else "You made a complaint to us", language)
    return _sentence(f"您就{about}向我行提出投诉" if about else "您向我行提出了投诉", language)


def suggest_summary(words: IntakeWords, language: str, *, with_request: bool) -> str:
    """A first draft of the customer-facing summary, in the letter's language. With ``with_request`` it ends
    with what the customer asked for (the receipt); without it (the decision letter states the request on
    its own line) it is one sentence about the complaint."""
    first = _first(words, language, with_request)
    if not with_request:
        return first
    request = _request(words, language)
    text = f"{first} {request}".strip() if language == "en" else f"{first}{request}"
    return text or ("Your complaint." if language == "en" else "您的投诉。")


# --- fitting a text into a narrow place ------------------------------------------------------------------

def display_width(text: str) -> int:
    """Columns a text takes: two for a Chinese character or full-width mark, one for Latin letters."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


_JOINERS = set(",.'-_/")


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _inside_word(text: str, at: int) -> bool:
    """Whether a cut before ``text[at]`` would split a Latin word or a number (3,200.00)."""
    before, after = text[at - 1], text[at]
    if _latin(before) and _latin(after):
        return True
    return (before in _JOINERS and _latin(after) and at >= 2 and _latin(text[at - 2])) or (
        _latin(before) and after in _JOINERS and at + 1 < len(text) and _latin(text[at + 1]))


def one_line(text: str) -> str:
    """Lines joined for a single-line place: a space between Latin words, nothing between Chinese ones."""
    out = ""
    for line in (" ".join(line.split()) for line in text.splitlines()):
        if not line:
            continue
        if out and out[-1].isascii() and line[0].isascii():
            out += " "
        out += line
    return out


def shorten(text: str, width: int) -> str:
    """``text`` on one line if it fits in ``width`` columns; otherwise cut at the last punctuation mark (or,
    when that would lose more than half, the last word boundary) with "…" at the end. Never cuts a Latin
    word or a number in two."""
    text = one_line(text)
    if display_width(text) <= width:
        return text
    budget = width - display_width(ELLIPSIS)
    fit, used = 0, 0
    for ch in text:
        used += display_width(ch)
        if used > budget:
            break
        fit += 1
    cut = next((i for i in range(fit, max(fit // 2, 1) - 1, -1)
                if text[i - 1] in _BREAK_AFTER and not _inside_word(text, i)), 0)
    if not cut:
        cut = next((i for i in range(fit, 0, -1) if text[i].isspace() or not _inside_word(text, i)), 0)
    head = text[:cut].rstrip().rstrip(_TRAILING).rstrip("。.") if cut else ""
    return (head or text[:fit]) + ELLIPSIS
