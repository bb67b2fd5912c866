"""The legal reference (法律查询检索表): article summaries of the laws and rules a decision rests on,
read from an HQ-maintained, versioned TOML file (``resources/legal/legal_reference.toml``), and a
Chinese-aware search over them.

The file is checked strictly: unknown keys, missing or empty texts, duplicate keys and malformed article
numbers are refused with a message naming the file, the law, the article, its line and the rule broken.
An article number whose text has not been checked against the official text is marked
``verified = false`` and must say why in ``note``; only such an entry may carry a locator instead of a
"第…条" number.

Search is a plain substring match (Chinese needs no word splitting): the query is split at spaces and
Chinese/ASCII punctuation into terms, and an article matches when every term occurs in one of its texts.
The article number matches in Chinese or Arabic numerals ("第三十九条", "第39条", "39"). Matches are
ranked by where the terms occur: number, title, keywords, law, summary, then notes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desk_app.domain.toml_data import fail as _fail
from desk_app.domain.toml_data import load_toml as _load
from desk_app.domain.toml_data import require_version as _version
from desk_app.i18n import _, current_language
from desk_app.paths import resources_dir

LEGAL_REFERENCE = "legal_reference"
KEY_SEPARATOR = "/"
MAX_TITLE = 80
MAX_SUMMARY = 3000
MAX_KEYWORD = 30
MAX_KEYWORDS = 30
MAX_ARTICLE_TEXT = 30
MAX_SHORT_TEXT = 300

_TOP_KEYS = ("name", "version", "laws")
_LAW_KEYS = ("key", "name_zh", "short_zh", "name_en", "short_en", "edition", "source", "url", "articles")
_ARTICLE_KEYS = ("id", "article", "title_zh", "title_en", "keywords", "summary_zh", "summary_en", "source", "note",
                 "verified")
_LAW_KEY = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_ARTICLE_ID = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMERAL = "零〇一二两三四五六七八九十百千"
_ARTICLE_NUMBER = re.compile(rf"第([{_CN_NUMERAL}]+)条(?:之([{_CN_NUMERAL}]+))?")
_QUERY_NUMBER = re.compile(rf"第?(?:(\d+)|([{_CN_NUMERAL}]+))条?")
_TERM_SPLIT = re.compile(r"[\s,，、;；:：。.!！?？\"'“”‘’《》()（）\[\]【】/]+")

# Weights of a term found in each part of an article (summed over the parts it occurs in).
_W_NUMBER = 100
_W_TITLE_EXACT = 40
_W_TITLE = 30
_W_KEYWORD_EXACT = 25
_W_KEYWORD = 15
_W_TITLE_EN = 12
_W_LAW = 10
_W_SUMMARY = 5
_W_SUMMARY_EN = 3
_W_OTHER = 1


@dataclass(frozen=True)
class Law:
    key: str
    name_zh: str
    short_zh: str
    name_en: str
    short_en: str
    edition: str
    source: str
    url: str = ""

    def name(self, language: str | None = None) -> str:
        """The full title: Chinese for a ``zh*`` language, else English (Chinese when there is none)."""
        return _pick(self.name_zh, self.name_en, language)

    def short(self, language: str | None = None) -> str:
        return _pick(self.short_zh, self.short_en or self.name_en, language)


@dataclass(frozen=True)
class Article:
    """One article (or one topic of an article) with its summary; ``key`` is "<law key>/<id>"."""

    key: str
    law: Law
    article: str
    number: int | None
    title_zh: str
    title_en: str
    keywords: tuple[str, ...]
    summary_zh: str
    summary_en: str
    source: str
    note: str
    verified: bool

    def title(self, language: str | None = None) -> str:
        return _pick(self.title_zh, self.title_en, language)

    def summary(self, language: str | None = None) -> str:
        return _pick(self.summary_zh, self.summary_en, language)

    @property
    def citation(self) -> str:
        """How a letter names it: 《中华人民共和国消费者权益保护法》第三十九条."""
        return f"《{self.law.name_zh}》{self.article}"

    def basis_line(self, note: str = "") -> str:
        """The line added to the 析 analyse step's basis: the citation, the title and the handler's note."""
        line = f"{self.citation}（{self.title_zh}）"
        return f"{line}：{note.strip()}" if note.strip() else line


@dataclass(frozen=True)
class LegalReference:
    name: str
    version: int
    laws: tuple[Law, ...]
    articles: tuple[Article, ...]

    def get(self, key: str) -> Article | None:
        return next((a for a in self.articles if a.key == key), None)

    def law(self, key: str) -> Law | None:
        return next((law for law in self.laws if law.key == key), None)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.articles)


def _pick(zh: str, en: str, language: str | None) -> str:
    language = language or current_language()
    if language.startswith("zh"):
        return zh
    return en or zh


def default_legal_reference_path() -> Path:
    return resources_dir() / "legal" / f"{LEGAL_REFERENCE}.toml"


# ---- numbers ---------------------------------------------------------------------------------------------

def chinese_number(text: str) -> int | None:
    """The value of a Chinese numeral up to 9999 ("三十九" 39, "十二" 12, "五百零六" 506); None if it is not one."""
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    total, digit, last_unit = 0, None, 10_000
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None and _CN_DIGITS[ch] != 0:
                return None                      # two digits in a row ("三九") is not a numeral
            digit = _CN_DIGITS[ch] if _CN_DIGITS[ch] != 0 else None
            continue
        unit = _CN_UNITS[ch]
        if unit >= last_unit:
            return None                          # units must fall: 百 after 十 is malformed
        total += (1 if digit is None else digit) * unit
        digit, last_unit = None, unit
    return total + (digit or 0)


def article_number(article: str) -> int | None:
    """The number of "第三十九条" (39); None for a locator such as "条文序号待核"."""
    match = _ARTICLE_NUMBER.fullmatch(article)
    return chinese_number(match.group(1)) if match else None


def _query_number(term: str) -> int | None:
    match = _QUERY_NUMBER.fullmatch(term)
    if not match:
        return None
    if match.group(1):
        return int(match.group(1))
    return chinese_number(match.group(2))


# ---- search ----------------------------------------------------------------------------------------------

def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def query_terms(query: str) -> list[str]:
    """The search terms of a query: split at spaces and punctuation, normalised (full-width → half-width,
    ASCII case-folded), duplicates dropped."""
    terms: list[str] = []
    for part in _TERM_SPLIT.split(_norm(query)):
        if part and part not in terms:
            terms.append(part)
    return terms


def _term_score(article: Article, term: str) -> int:
    score = 0
    number = _query_number(term)
    if (number is not None and number == article.number) or term == _norm(article.article):
        score += _W_NUMBER
    title = _norm(article.title_zh)
    if term == title:
        score += _W_TITLE_EXACT
    elif term in title:
        score += _W_TITLE
    keywords = [_norm(k) for k in article.keywords]
    if term in keywords:
        score += _W_KEYWORD_EXACT
    elif any(term in k for k in keywords):
        score += _W_KEYWORD
    if term in _norm(article.title_en):
        score += _W_TITLE_EN
    law = article.law
    if any(term in _norm(text) for text in (law.key, law.name_zh, law.short_zh, law.name_en, law.short_en)):
        score += _W_LAW
    if term in _norm(article.summary_zh):
        score += _W_SUMMARY
    if term in _norm(article.summary_en):
        score += _W_SUMMARY_EN
    if any(term in _norm(text) for text in (article.note, article.source, article.article)):
        score += _W_OTHER
    return score


def search_articles(reference: LegalReference, query: str, law: str | None = None) -> list[Article]:
    """Articles matching every term of ``query`` (all articles when it is empty), best first; ties keep the
    order of the file. ``law`` limits the search to one law (its key)."""
    pool = [a for a in reference.articles if law is None or a.law.key == law]
    terms = query_terms(query)
    if not terms:
        return pool
    ranked: list[tuple[int, int, Article]] = []
    for index, article in enumerate(pool):
        total = 0
        for term in terms:
            score = _term_score(article, term)
            if not score:
                break
            total += score
        else:
            ranked.append((-total, index, article))
    return [article for _score, _index, article in sorted(ranked, key=lambda r: (r[0], r[1]))]


# ---- the file ----------------------------------------------------------------------------------------------

def parse_legal_reference(data: bytes, source: str) -> LegalReference:
    """Parse and validate a legal-reference file; a problem raises ValidationError naming the file, the law,
    the article, its line and the rule broken."""
    text, doc = _load(data, source)
    for key in doc:
        if key not in _TOP_KEYS:
            _fail(source, _("unknown top-level key {key}; allowed: {allowed}").format(
                key=key, allowed=", ".join(_TOP_KEYS)))
    if doc.get("name") != LEGAL_REFERENCE:
        _fail(source, _("name must be \"{name}\"").format(name=LEGAL_REFERENCE))
    version = _version(doc, source)
    laws_doc = doc.get("laws")
    if not isinstance(laws_doc, list) or not laws_doc:
        _fail(source, _("there are no [[laws]] tables; each law lists its articles in [[laws.articles]]"))
    lines = _Lines(text)
    laws: list[Law] = []
    articles: list[Article] = []
    for law_index, body in enumerate(laws_doc):
        where = lines.law_where(source, law_index, body)
        if not isinstance(body, dict):
            _fail(where, _("must be a table"))
        law = _law(body, where)
        if any(existing.key == law.key for existing in laws):
            _fail(where, _("the law key {key} is used twice").format(key=law.key))
        laws.append(law)
        items = body.get("articles")
        if not isinstance(items, list) or not items:
            _fail(where, _("the law has no [[laws.articles]]"))
        ids: set[str] = set()
        for article_index, item in enumerate(items):
            article_where = lines.article_where(source, law, law_index, article_index, item)
            if not isinstance(item, dict):
                _fail(article_where, _("must be a table"))
            article = _article(law, item, article_where)
            article_id = article.key.split(KEY_SEPARATOR, 1)[1]
            if article_id in ids:
                _fail(article_where, _("the id {id} is used twice in this law").format(id=article_id))
            ids.add(article_id)
            articles.append(article)
    return LegalReference(LEGAL_REFERENCE, version, tuple(laws), tuple(articles))


def _law(body: dict[str, Any], where: str) -> Law:
    _only(body, _LAW_KEYS, where)
    key = body.get("key")
    if not isinstance(key, str) or not _LAW_KEY.fullmatch(key) or len(key) > 30:
        _fail(where, _("key must be the law's short name in lowercase ascii snake_case, such as key = \"cpl\""))
    name_zh = _text(body, "name_zh", where, MAX_SHORT_TEXT)
    return Law(key=key, name_zh=name_zh,
               short_zh=_text(body, "short_zh", where, MAX_SHORT_TEXT, required=False) or name_zh,
               name_en=_text(body, "name_en", where, MAX_SHORT_TEXT),
               short_en=_text(body, "short_en", where, MAX_SHORT_TEXT, required=False),
               edition=_text(body, "edition", where, MAX_SHORT_TEXT),
               source=_text(body, "source", where, MAX_SHORT_TEXT),
               url=_text(body, "url", where, MAX_SHORT_TEXT, required=False))


def _article(law: Law, body: dict[str, Any], where: str) -> Article:
    _only(body, _ARTICLE_KEYS, where)
    article_id = body.get("id")
    if not isinstance(article_id, str) or not _ARTICLE_ID.fullmatch(article_id) or len(article_id) > 30:
        _fail(where, _("id must be the article number or a short lowercase ascii name, such as id = \"39\""))
    verified = body.get("verified", True)
    if not isinstance(verified, bool):
        _fail(where, _("verified must be true or false"))
    article = _text(body, "article", where, MAX_ARTICLE_TEXT)
    number = article_number(article)
    if number is None:
        if _ARTICLE_NUMBER.fullmatch(article) or re.fullmatch(r"第.*条", article):
            _fail(where, _("article {article} is not a valid article number such as 第三十九条").format(
                article=article))
        if verified:
            _fail(where, _("article {article} is not an article number such as 第三十九条; a locator is allowed "
                           "only with verified = false").format(article=article))
    note = _text(body, "note", where, MAX_SUMMARY, required=False)
    if not verified and not note:
        _fail(where, _("verified = false needs a note saying what is not verified"))
    keywords = _keywords(body.get("keywords"), where)
    return Article(
        key=f"{law.key}{KEY_SEPARATOR}{article_id}", law=law, article=article, number=number,
        title_zh=_text(body, "title_zh", where, MAX_TITLE), title_en=_text(body, "title_en", where, MAX_TITLE),
        keywords=keywords, summary_zh=_text(body, "summary_zh", where, MAX_SUMMARY),
        summary_en=_text(body, "summary_en", where, MAX_SUMMARY),
        source=_text(body, "source", where, MAX_SHORT_TEXT, required=False) or law.source,
        note=note, verified=verified)


def _keywords(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        _fail(where, _("keywords must be a non-empty list of search words in quotes, such as [\"回避\", \"利害关系\"]"))
    if len(value) > MAX_KEYWORDS:
        _fail(where, _("keywords: more than {max} words").format(max=MAX_KEYWORDS))
    result: list[str] = []
    for n, item in enumerate(value, 1):
        if not isinstance(item, str) or not item.strip():
            _fail(where, _("keywords: item {n} must be a non-empty word in quotes").format(n=n))
        word = item.strip()
        if len(word) > MAX_KEYWORD:
            _fail(where, _("keywords: {word} is longer than {max} characters").format(word=word, max=MAX_KEYWORD))
        if word in result:
            _fail(where, _("keywords: {word} is listed twice").format(word=word))
        result.append(word)
    return tuple(result)


def _text(body: dict[str, Any], field: str, where: str, limit: int, required: bool = True) -> str:
    value = body.get(field, "")
    if not isinstance(value, str):
        _fail(where, _("{field} must be text in quotes").format(field=field))
    value = value.strip()
    if required and not value:
        _fail(where, _("{field} is missing or empty").format(field=field))
    if len(value) > limit:
        _fail(where, _("{field} is longer than {max} characters").format(field=field, max=limit))
    return value


def _only(body: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for field in body:
        if field not in allowed:
            _fail(where, _("unknown field {field}; allowed fields: {allowed}").format(
                field=field, allowed=", ".join(allowed)))


class _Lines:
    """Where each [[laws]] and [[laws.articles]] table starts, for messages (standard layout assumed)."""

    _LAW = re.compile(r"\s*\[\[\s*laws\s*\]\]")
    _ARTICLE = re.compile(r"\s*\[\[\s*laws\s*\.\s*articles\s*\]\]")

    def __init__(self, text: str) -> None:
        self.laws: list[int] = []
        self.articles: list[list[int]] = []
        for n, line in enumerate(text.splitlines(), 1):
            if self._LAW.match(line):
                self.laws.append(n)
                self.articles.append([])
            elif self._ARTICLE.match(line) and self.articles:
                self.articles[-1].append(n)

    def law_where(self, source: str, index: int, body: object) -> str:
        key = body.get("key") if isinstance(body, dict) else None
        name = key if isinstance(key, str) and key else f"#{index + 1}"
        if index < len(self.laws):
            return _("{source}: law {law} (line {line})").format(source=source, law=name, line=self.laws[index])
        return _("{source}: law {law}").format(source=source, law=name)

    def article_where(self, source: str, law: Law, law_index: int, index: int, body: object) -> str:
        article_id = body.get("id") if isinstance(body, dict) else None
        name = f"{law.key}{KEY_SEPARATOR}{article_id}" if isinstance(article_id, str) and article_id \
            else _("{law}, article #{n}").format(law=law.key, n=index + 1)
        starts = self.articles[law_index] if law_index < len(self.articles) else []
        if index < len(starts):
            return _("{source}: article {article} (line {line})").format(source=source, article=name,
                                                                         line=starts[index])
        return _("{source}: article {article}").format(source=source, article=name)


