"""Value mapping of the migration import: the words of a register turned into codes.

Order, for intake channels, taxonomy axes (products, causes…), severities and branches:

1. the mapping's explicit pairs ({"门店": "counter"}), which the user set or confirmed;
2. an exact match: a code, a name, or one of the known channel words, the whole cell;
3. only then a *guess*: the longest known word or taxonomy name found inside the cell ("Postal mail"
   holds "postal" and "mail": the longer word, letter, wins; two different codes with words of the
   same length are ambiguous and refused). Every guess is returned as such, so the dry run lists it
   with its count for the user to confirm or change.

A cell that matches nothing ("Fax", "Referral") is refused with a message asking for a value mapping;
nothing is ever counted silently under a code it does not name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Branch, ReferenceItem, TaxonomyCode
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Channel
from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.reports.parsing import normalise_text
from desk_app.services.access import can_see_branch
from desk_app.services.import_mapping import ColumnMapping, key_of

CHANNEL_WORDS: dict[str, tuple[str, ...]] = {
    Channel.HOTLINE_12315.value: ("12315", "市场监管", "消协", "消费者协会"),
    Channel.REGULATOR.value: ("监管", "监管转办", "银保监", "金融监管", "人民银行", "人行", "转办", "转送",
                              "regulator"),
    Channel.SOCIAL_MEDIA.value: ("微博", "微信", "社交", "抖音", "小红书", "舆情", "social", "social media"),
    Channel.EMAIL.value: ("邮件", "电子邮件", "邮箱", "email", "e-mail", "mail"),
    Channel.APP_WEB.value: ("app", "手机银行", "网银", "网站", "官网", "网上银行", "web"),
    Channel.ONLINE.value: ("在线", "网上客服", "智能客服", "online", "chat"),
    Channel.LETTER.value: ("信函", "来信", "信件", "书面", "邮寄", "邮政", "letter", "postal", "post"),
    Channel.HOTLINE.value: ("热线", "电话", "来电", "客服", "95", "hotline", "phone", "telephone"),
    Channel.COUNTER.value: ("柜面", "柜台", "营业厅", "网点", "现场", "来访", "临柜", "大堂", "counter", "branch",
                            "walk-in"),
}
#: Value-mapped fields (each cell becomes a code).
VALUE_FIELDS = ("channel", "axis_a", "axis_b", "axis_c", "axis_d", "severity", "branch")


@dataclass(frozen=True)
class BranchInfo:
    id: uuid.UUID
    code: str
    timezone: str
    regime: str
    first_contact_hours: int


@dataclass(frozen=True)
class Resolved:
    code: str
    guessed: bool = False
    word: str = ""
    """For a guess: the word found in the cell that decided it."""


def _longest(k: str, words: dict[str, str]) -> tuple[str, str] | None:
    """(code, word) of the longest word contained in ``k``; ValidationError-worthy ties give None twice."""
    found = [(len(w), w, code) for w, code in words.items() if w and w in k]
    if not found:
        return None
    found.sort(reverse=True)
    best_len = found[0][0]
    codes = {code for length, _w, code in found if length == best_len}
    if len(codes) > 1:
        raise _Ambiguous(sorted(codes))
    return found[0][2], found[0][1]


class _Ambiguous(Exception):
    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes


class Codes:
    """Turns the words of a file into codes (see the module's order); answers are remembered, since
    registers repeat the same few words on every row."""

    def __init__(self, session: Session, actor: Actor, mapping: ColumnMapping) -> None:
        self.mapping = mapping
        self._memo: dict[tuple[str, Any], Resolved | ValidationError] = {}
        self.explicit = {f: {key_of(k): v for k, v in pairs.items()} for f, pairs in mapping.values.items()}
        self.taxonomy: dict[str, dict[str, str]] = {axis: {} for axis in "ABCD"}
        self.names: dict[str, dict[str, str]] = {axis: {} for axis in "ABCD"}
        """Names (not codes) of current codes, for guesses by a name found inside a cell."""
        self.active: dict[str, bool] = {}
        for code, axis, zh, en, active in session.execute(select(
                TaxonomyCode.code, TaxonomyCode.axis, TaxonomyCode.name_zh, TaxonomyCode.name_en,
                TaxonomyCode.active)):
            for text in (code, zh, en):
                if text:
                    self.taxonomy[axis].setdefault(key_of(text), code)
            for text in (zh, en):
                if text and active and len(key_of(text)) >= 2:
                    self.names[axis].setdefault(key_of(text), code)
            self.active[code] = active
        self.channel_exact: dict[str, str] = {}
        for channel in Channel:
            for text in (channel.value, channel.label):
                self.channel_exact.setdefault(key_of(text), channel.value)
        self.channel_words: dict[str, str] = {}
        for value, words in CHANNEL_WORDS.items():
            for word in words:
                self.channel_exact.setdefault(key_of(word), value)
                self.channel_words.setdefault(key_of(word), value)
        self.severity: dict[str, str] = {}
        for code, zh, en in session.execute(select(ReferenceItem.code, ReferenceItem.name_zh, ReferenceItem.name_en)
                                            .where(ReferenceItem.list_name == "severity", ReferenceItem.active)):
            for text in (code, zh, en):
                if text:
                    self.severity[key_of(text)] = code
        self.branches: dict[str, BranchInfo] = {}
        self.visible: set[uuid.UUID] = set()
        for b in session.scalars(select(Branch)):
            info = BranchInfo(b.id, b.code, b.timezone, b.regime, b.first_contact_hours)
            for text in (b.code, b.name, b.name_en):
                if text:
                    self.branches.setdefault(key_of(text), info)
            if can_see_branch(actor, b.id) and b.active:
                self.visible.add(b.id)

    def resolve(self, key: str, raw: Any) -> Resolved:
        """The code for ``raw`` in field ``key``; ValidationError naming the value when unknown."""
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

    def _resolve(self, key: str, raw: Any) -> Resolved:
        text = normalise_text(raw)
        k = key_of(text)
        explicit = self.explicit.get(key, {}).get(k)
        if explicit is not None:
            text, k = explicit, key_of(explicit)
        if key.startswith("axis_"):
            return self._axis(key[-1].upper(), raw, text, k)
        if key == "channel":
            exact = self.channel_exact.get(k)
            if exact is not None:
                return Resolved(exact)
            try:
                guess = _longest(k, self.channel_words)
            except _Ambiguous as exc:
                raise ValidationError(_("'{value}' could be any of the channels {codes}: add it to the value "
                                        "mapping.").format(value=raw, codes=", ".join(exc.codes))) from None
            if guess is None:
                raise ValidationError(_("'{value}' is not an intake channel: add it to the value mapping.").format(
                    value=raw))
            return Resolved(guess[0], guessed=True, word=guess[1])
        if key == "severity":
            found = self.severity.get(k)
            if found is None:
                raise ValidationError(_("'{value}' is not a severity: add it to the value mapping.").format(value=raw))
            return Resolved(found)
        if key == "branch":
            info = self.branches.get(k)
            if info is None:
                raise ValidationError(_("'{value}' is not a branch code or name.").format(value=raw))
            return Resolved(info.code)
        return Resolved(text)

    def _axis(self, axis: str, raw: Any, text: str, k: str) -> Resolved:
        names = self.taxonomy[axis]
        code = names.get(k)
        if code is None:  # "C01 服务态度…" or "C01-服务态度": the code is given
            first = normalise_text(text).replace("-", " ").replace("_", " ").split(" ")[0]
            code = names.get(key_of(first))
        guessed, word = False, ""
        if code is None:
            try:
                guess = _longest(k, self.names[axis])
            except _Ambiguous as exc:
                raise ValidationError(_("'{value}' could be any of the {axis} axis codes {codes}: add it to the value "
                                        "mapping.").format(value=raw, axis=axis, codes=", ".join(exc.codes))) from None
            if guess is None:
                raise ValidationError(_("'{value}' is not a code or name of the {axis} axis: add it to the value "
                                        "mapping.").format(value=raw, axis=axis))
            code, guessed, word = guess[0], True, guess[1]
        if not self.active.get(code, True):
            raise ValidationError(_("Code {code} has been retired: map '{value}' to a current code.").format(
                code=code, value=raw))
        return Resolved(code, guessed, word)
