"""The legal reference: the bundled file, strict validation with precise messages, Chinese search."""

from __future__ import annotations

import re

import pytest

from desk_app import i18n
from desk_app.domain.legal import (
    LegalReference,
    article_number,
    chinese_number,
    default_legal_reference_path,
    parse_legal_reference,
    query_terms,
    search_articles,
)
from desk_app.errors import ValidationError

GOOD = """\
name = "legal_reference"
version = 3

[[laws]]
key = "cpl"
name_zh = "中华人民共和国消费者权益保护法"
short_zh = "消费者权益保护法"
name_en = "Consumer Protection Law"
edition = "2013年修正"
source = "官方文本"

[[laws.articles]]
id = "39"
article = "第三十九条"
title_zh = "消费争议的解决途径"
title_en = "Ways to resolve consumer disputes"
keywords = ["协商和解", "仲裁"]
summary_zh = "可以协商和解、调解、投诉、仲裁、诉讼。"
summary_en = "Negotiation, mediation, complaint, arbitration, litigation."

[[laws.articles]]
id = "time_limit"
article = "条文序号待核"
title_zh = "处理时限"
title_en = "Time limit"
keywords = ["15日"]
summary_zh = "15日内办结。"
summary_en = "Within 15 days."
verified = false
note = "条文序号未核实"
"""


@pytest.fixture(scope="module")
def bundled() -> LegalReference:
    path = default_legal_reference_path()
    return parse_legal_reference(path.read_bytes(), path.name)


def parse(text: str) -> LegalReference:
    return parse_legal_reference(text.encode("utf-8"), "legal.toml")


def keys(reference: LegalReference, query: str, law: str | None = None) -> list[str]:
    return [a.key for a in search_articles(reference, query, law)]


# ---- the bundled file ---------------------------------------------------------------------------------

def test_the_bundled_file_covers_the_laws_handlers_rely_on(bundled: LegalReference) -> None:
    assert bundled.name == "legal_reference" and bundled.version >= 1
    assert [law.key for law in bundled.laws] == ["cpl", "cbirc_complaints", "cbirc_notice_2022", "samr_complaints",
                                                 "pboc_fcp", "pipl", "civil_code"]
    required = ["cpl/7", "cpl/8", "cpl/9", "cpl/10", "cpl/11", "cpl/16", "cpl/23", "cpl/24", "cpl/25", "cpl/26",
                "cpl/39", "cpl/40", "cpl/45", "cpl/46", "cpl/55",
                "cbirc_complaints/12", "cbirc_complaints/13", "cbirc_complaints/15", "cbirc_complaints/17",
                "cbirc_complaints/18", "cbirc_complaints/20",
                "samr_complaints/11", "samr_complaints/14", "samr_complaints/15", "samr_complaints/21",
                "pipl/5", "pipl/6", "pipl/19", "pipl/44", "civil_code/496", "civil_code/497", "civil_code/498",
                "civil_code/577", "civil_code/584"]
    assert set(required) <= set(bundled.keys)
    cpl39 = bundled.get("cpl/39")
    assert cpl39 is not None and cpl39.number == 39 and cpl39.verified
    assert cpl39.citation == "《中华人民共和国消费者权益保护法》第三十九条"
    assert "仲裁" in cpl39.summary_zh and "arbitration" in cpl39.summary_en


def test_figures_match_the_regulations(bundled: LegalReference) -> None:
    def summary(key: str) -> str:
        article = bundled.get(key)
        assert article is not None
        return article.summary_zh

    assert "不超过5名" in summary("cbirc_complaints/12")
    assert "收到撤回申请当日终止" in summary("cbirc_complaints/15")
    assert all(f in summary("cbirc_complaints/18") for f in ("15日", "30日", "再延长30日"))
    assert "30日内向其上级机构书面申请核查" in summary("cbirc_complaints/20")
    assert "两名代表人" in summary("samr_complaints/11")
    assert "七个工作日" in summary("samr_complaints/14")
    assert "超过三年" in summary("samr_complaints/15")
    assert "四十五个工作日" in summary("samr_complaints/21")
    assert "七个工作日" in summary("cpl/46")
    assert "三倍" in summary("cpl/55") and "五百元" in summary("cpl/55")


def test_uncertain_entries_are_marked_with_a_note(bundled: LegalReference) -> None:
    unverified = [a for a in bundled.articles if not a.verified]
    assert unverified and all(a.note for a in unverified)
    assert all(not a.verified for a in bundled.articles if a.law.key == "pboc_fcp")
    # Figures REGULATION.md marks as unverified are not presented as checked.
    assert not bundled.get("cbirc_complaints/20").verified  # type: ignore[union-attr]
    assert not bundled.get("cbirc_notice_2022/records").verified  # type: ignore[union-attr]
    # Only unverified entries carry a locator instead of an article number.
    assert all(a.number is not None for a in bundled.articles if a.verified)


def test_texts_follow_the_language(bundled: LegalReference) -> None:
    article = bundled.get("cbirc_complaints/15")
    assert article is not None
    assert article.title("zh_CN") == "撤回投诉" and article.title("en") == "Withdrawal of a complaint"
    i18n.set_language("zh_CN")
    assert article.summary().startswith("银行保险机构可以接受") and article.law.short() == article.law.name_zh
    i18n.set_language("en")
    assert article.summary().startswith("The institution may accept")
    assert article.basis_line("客户已书面撤回") == (
        "《银行业保险业消费投诉处理管理办法》第十五条（撤回投诉）：客户已书面撤回")


# ---- search -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("回避", {"cbirc_complaints/17", "samr_complaints/19"}),
    ("核查", {"cbirc_complaints/20", "samr_complaints/23"}),
    ("三年", {"samr_complaints/15"}),
    ("格式条款", {"cpl/26", "civil_code/496", "civil_code/497", "civil_code/498"}),
    ("撤回", {"cbirc_complaints/15"}),
    ("首问负责制", {"cbirc_notice_2022/first_asked"}),
])
def test_search_finds_chinese_terms(bundled: LegalReference, query: str, expected: set[str]) -> None:
    found = keys(bundled, query)
    assert expected <= set(found)
    assert found[0] in expected            # the best match comes first


def test_search_ranks_titles_and_keywords_above_passing_mentions(bundled: LegalReference) -> None:
    found = keys(bundled, "核查")
    assert found.index("cbirc_complaints/20") < found.index("cbirc_complaints/19")  # title vs. summary
    assert set(keys(bundled, "格式条款")[:4]) == {"cpl/26", "civil_code/496", "civil_code/497", "civil_code/498"}
    assert keys(bundled, "回避")[0] == "cbirc_complaints/17"    # ties keep the order of the file


@pytest.mark.parametrize("query", ["第三十九条", "第39条", "39", "三十九"])
def test_article_numbers_match_in_chinese_and_arabic_numerals(bundled: LegalReference, query: str) -> None:
    assert keys(bundled, query, law="cpl")[0] == "cpl/39"


def test_all_terms_must_match_and_the_law_filter_applies(bundled: LegalReference) -> None:
    both = keys(bundled, "格式条款 无效")
    assert set(both) >= {"cpl/26", "civil_code/497"} and "civil_code/498" not in both
    assert keys(bundled, "格式条款", law="civil_code") == ["civil_code/496", "civil_code/497", "civil_code/498"]
    assert keys(bundled, "消费者权益保护法 赔偿")[0].startswith("cpl/")
    assert keys(bundled, "纯属虚构的词语") == []
    assert keys(bundled, "   ") == list(bundled.keys)
    assert len(keys(bundled, "", law="pipl")) == len([a for a in bundled.articles if a.law.key == "pipl"])


def test_search_is_width_and_case_insensitive(bundled: LegalReference) -> None:
    assert "cbirc_complaints/12" in keys(bundled, "５名")
    assert keys(bundled, "WITHDRAWAL")[0] == "cbirc_complaints/15"
    assert query_terms(" 《消费者权益保护法》，第39条 ") == ["消费者权益保护法", "第39条"]


@pytest.mark.parametrize(("text", "value"), [
    ("七", 7), ("十", 10), ("十二", 12), ("三十九", 39), ("一百", 100), ("四百九十六", 496), ("五百零六", 506),
    ("一千零五", 1005), ("两百", 200), ("三九", None), ("十百", None), ("abc", None), ("", None)])
def test_chinese_numerals(text: str, value: int | None) -> None:
    assert chinese_number(text) == value


def test_article_numbers() -> None:
    assert article_number("第五百八十四条") == 584
    assert article_number("第十八条之一") == 18
    assert article_number("条文序号待核") is None


# ---- validation ---------------------------------------------------------------------------------------

def test_a_good_file_parses() -> None:
    reference = parse(GOOD)
    assert reference.version == 3 and reference.keys == ("cpl/39", "cpl/time_limit")
    law = reference.laws[0]
    assert law.short_en == "" and law.short("en") == "Consumer Protection Law"
    unverified = reference.get("cpl/time_limit")
    assert unverified is not None and unverified.number is None and unverified.source == "官方文本"


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace('name = "legal_reference"', 'name = "risk_signals"'), r'name must be "legal_reference"'),
    (lambda t: t.replace("version = 3", "version = 0"), "version must be a whole number of at least 1"),
    (lambda t: t.replace("version = 3\n", ""), "version is missing"),
    (lambda t: t.replace("version = 3", "version = 3\nauthor = \"x\""), "unknown top-level key author"),
    (lambda t: t.split("[[laws]]")[0], r"there are no \[\[laws\]\] tables"),
    (lambda t: t.replace('key = "cpl"', 'key = "CPL"'), "key must be the law's short name"),
    (lambda t: t.replace('edition = "2013年修正"\n', ""), r"law cpl \(line 4\): edition is missing or empty"),
    (lambda t: t.replace('source = "官方文本"', 'source = "官方文本"\nurl = 5'), "url must be text in quotes"),
    (lambda t: t.replace('title_zh = "消费争议的解决途径"', 'title_zh = ""'),
     r"article cpl/39 \(line 12\): title_zh is missing or empty"),
    (lambda t: t.replace('article = "第三十九条"', 'article = "第39条"'),
     "article 第39条 is not a valid article number such as 第三十九条"),
    (lambda t: t.replace('article = "第三十九条"', 'article = "第三九条"'), "is not a valid article number"),
    (lambda t: t.replace('article = "第三十九条"', 'article = "待核"'),
     "a locator is allowed only with verified = false"),
    (lambda t: t.replace('note = "条文序号未核实"\n', ""),
     r"article cpl/time_limit \(line 21\): verified = false needs a note"),
    (lambda t: t.replace("verified = false", 'verified = "no"'), "verified must be true or false"),
    (lambda t: t.replace('id = "time_limit"', 'id = "39"'), "the id 39 is used twice in this law"),
    (lambda t: t.replace('id = "39"', 'id = "Art 39"'), "id must be the article number"),
    (lambda t: t.replace('keywords = ["15日"]', "keywords = []"), "keywords must be a non-empty list"),
    (lambda t: t.replace('keywords = ["15日"]', 'keywords = ["15日", "15日"]'), "keywords: 15日 is listed twice"),
    (lambda t: t.replace('keywords = ["15日"]', 'keywords = ["15日", 3]'), "keywords: item 2 must be"),
    (lambda t: t.replace('summary_en = "Within 15 days."', 'summary_en = "Within 15 days."\nsee_also = "x"'),
     "unknown field see_also"),
    (lambda t: t + t[t.index("[[laws]]"):], r"law cpl \(line \d+\): the law key cpl is used twice"),
    (lambda t: t.replace("summary_zh = \"15日内办结。\"", f"summary_zh = \"{'长' * 3001}\""),
     "summary_zh is longer than 3000 characters"),
])
def test_bad_files_are_refused_with_a_precise_message(change: object, message: str) -> None:
    assert callable(change)
    with pytest.raises(ValidationError, match=message) as info:
        parse(change(GOOD))
    assert str(info.value).startswith("legal.toml")


def test_line_numbers_point_at_the_table() -> None:
    assert _line_of(GOOD, "[[laws]]") == 4
    assert [n for n, line in enumerate(GOOD.splitlines(), 1) if line == "[[laws.articles]]"] == [12, 21]


def test_a_law_without_articles_and_broken_files() -> None:
    no_articles = GOOD[:GOOD.index("[[laws.articles]]")]
    with pytest.raises(ValidationError, match=re.escape("legal.toml: law cpl (line 4): the law has no")):
        parse(no_articles)
    with pytest.raises(ValidationError, match="not a valid TOML file"):
        parse(GOOD.replace('id = "39"', "id = 39 39"))
    with pytest.raises(ValidationError, match="not UTF-8 text"):
        parse_legal_reference("名".encode("gbk") + GOOD.encode(), "legal.toml")
