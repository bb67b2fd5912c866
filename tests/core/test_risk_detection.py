"""Risk-signal detection on realistic counter sentences, and the word-list file's validation."""

from __future__ import annotations

import pytest

from desk_app.domain.enums import SpecialFlag
from desk_app.domain.risk import (
    Signal,
    WordList,
    default_word_list_path,
    detect,
    parse_word_list,
    snippet,
    suggests_escalation,
)
from desk_app.errors import ValidationError


@pytest.fixture(scope="module")
def words() -> WordList:
    path = default_word_list_path()
    return parse_word_list(path.read_bytes(), path.name)


def kinds(text: str, words: WordList) -> list[tuple[str, str]]:
    return [(s.kind, text[s.span[0]:s.span[1]]) for s in detect(text, words)]


@pytest.mark.parametrize(("text", "expected"), [
    ("你们再不处理，我就去找媒体曝光！", [("media", "媒体"), ("media", "曝光")]),
    ("我已经联系了电视台的记者，明天就来拍", [("media", "电视台"), ("media", "记者")]),
    ("不给我退钱，我就发抖音让大家都看看你们银行", [("media", "抖音")]),
    ("我要把这事挂到网上去，让你们上热搜", [("media", "挂到网上"), ("media", "上热搜")]),
    ("我已经打了12378投诉你们了", [("regulator", "12378")]),
    ("我要投诉到监管部门，还要打１２３１５", [("regulator", "投诉到监管"), ("regulator", "１２３１５")]),
    ("这个事我会去人民银行反映", [("regulator", "人民银行")]),
    ("我已经请了律师，准备起诉你们", [("litigation", "律师"), ("litigation", "起诉")]),
    ("大不了法院见，我跟你们打官司", [("litigation", "法院"), ("litigation", "打官司")]),
    ("我们小区很多人都被这个理财骗了，已经建了个群，准备集体投诉到监管",
     [("group", "很多人都被"), ("group", "建了个群"), ("group", "集体"), ("regulator", "投诉到监管")]),
    ("钱要不回来我就不想活了", [("self_harm", "不想活")]),
    ("再这样下去我只能从你们楼上跳下去，跳楼给你们看", [("self_harm", "跳楼")]),
    ("今天不给说法我就不走了，明天还要拉横幅", [("irrational", "就不走了"), ("irrational", "拉横幅")]),
])
def test_true_positives(text: str, expected: list[tuple[str, str]], words: WordList) -> None:
    assert sorted(kinds(text, words)) == sorted(expected)


@pytest.mark.parametrize("text", [
    "我的联名信用卡年费被扣了三百元",                      # 联名卡: a co-branded card, not a joint petition
    "我是集体户口，办卡时柜员说不行",                      # 集体户口: a household registration type
    "商场跳楼价促销时用你们的卡分期，利息算错了",            # 跳楼价: a rock-bottom price
    "我是在抖音上看到你们的理财广告才买的",                  # where the customer saw an advert
    "请回电13912378456，白天都可以",                       # 12378 inside a phone number
    "我的征信报告是在人民银行征信中心打印的",                # where credit reports come from
    "柜台的多媒体查询机坏了，排了很久",                     # 多媒体: multimedia
    "拍的存单照片曝光不足，看不清金额",                     # photographic exposure
    "客户在医院住院，委托家属来办理",                       # 医院 is not 法院
    "这是员工的个人行为，在人行道上发生的纠纷",              # 个人行为 / 人行道 are not 人行 (the central bank)
    "已告知客户如对处理结果不满意，可以申请调解、仲裁或者向人民法院提起诉讼",  # our own remedies sentence
    "",
])
def test_false_positives_are_not_signals(text: str, words: WordList) -> None:
    assert detect(text, words) == []


def test_negated_mentions_still_count_but_are_marked(words: WordList) -> None:
    denied = detect("我不会去找媒体的，只要你们给个说法", words)
    assert [(s.kind, s.negated) for s in denied] == [("media", True)]
    veiled = detect("我也不想闹到媒体那里去，但是你们太过分了", words)
    assert [(s.kind, s.negated) for s in veiled] == [("media", True)]
    threat = detect("你们不给我退钱，我就找媒体", words)
    assert [(s.kind, s.negated) for s in threat] == [("media", False)]   # a condition, not a denial
    safety = detect("你放心，我不会想不开的", words)
    assert [(s.kind, s.flag, s.negated) for s in safety] == [("self_harm", SpecialFlag.IRRATIONAL, False)]


def test_spans_point_into_the_original_text_and_map_to_flags(words: WordList) -> None:
    text = "客户称：“我已经找了律师”"
    [signal] = detect(text, words)
    assert signal == Signal("litigation", "律师", (10, 12), SpecialFlag.LITIGATION, False)
    assert text[slice(*signal.span)] == "律师"
    wide = "我打了１２３７８"
    [hotline] = detect(wide, words)
    assert wide[slice(*hotline.span)] == "１２３７８" and hotline.flag is SpecialFlag.REGULATOR
    long_text = "前面很长的一段说明" * 3 + "我要起诉" + "后面也有很长的一段" * 3
    [sued] = detect(long_text, words)
    assert snippet(long_text, sued.span).startswith("…") and "起诉" in snippet(long_text, sued.span)


def test_overlaps_keep_the_longest_phrase_of_a_kind(words: WordList) -> None:
    assert kinds("我收到了你们的律师函", words) == [("litigation", "律师函")]


def test_high_risk_rating_suggests_escalation() -> None:
    assert [suggests_escalation(r) for r in (1, 2, 3, 4, 5)] == [False, False, False, True, True]


GOOD = '''name = "risk_signals"
version = 2
negations = ["不会"]

[kinds.media]
flag = "media"
label_zh = "媒体舆情"
label_en = "Media"
phrases = ["媒体", "曝光"]
exclude = ["多媒体"]
'''


def test_a_good_word_list_parses() -> None:
    parsed = parse_word_list(GOOD.encode(), "w.toml")
    assert parsed.name == "risk_signals" and parsed.version == 2
    assert parsed.kind("media").phrases == ("媒体", "曝光") and parsed.kind("media").flag is SpecialFlag.MEDIA


@pytest.mark.parametrize(("change", "message"), [
    (("version = 2", ""), "w.toml: version is missing"),
    (("version = 2", "version = 0"), "version must be a whole number of at least 1"),
    (('flag = "media"', 'flag = "press"'),
     r"w.toml: \[kinds.media\] \(line 5\): flag press is not a special-complaint"),
    (('phrases = ["媒体", "曝光"]', 'phrases = []'), r"\[kinds.media\] \(line 5\): phrases is empty"),
    (('phrases = ["媒体", "曝光"]', 'phrases = ["媒体", "媒体"]'), "phrases: 媒体 is listed twice"),
    (('exclude = ["多媒体"]', 'exclude = ["多功能"]'), "the exclusion 多功能 contains none of this kind's phrases"),
    (('label_en = "Media"', 'label_en = "Media"\ncolour = "red"'), "unknown field colour"),
    (('name = "risk_signals"', 'name = "Risk Signals"'), "name must be the list's name"),
    (("negations", "negation"), "unknown top-level key negation"),
    (("[kinds.media]", "[kinds.Media]"), "kind name must be lowercase"),
    (('phrases = ["媒体", "曝光"]', 'phrases = "媒体"'), "phrases must be a list of phrases"),
])
def test_bad_word_lists_are_refused_precisely(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_word_list(GOOD.replace(*change).encode(), "w.toml")


def test_a_phrase_may_belong_to_one_kind_only_and_the_file_must_be_toml() -> None:
    twice = GOOD + '\n[kinds.press]\nflag = "media"\nlabel_zh = "报道"\nphrases = ["曝光"]\n'
    with pytest.raises(ValidationError, match=r"\[kinds.press\] \(line 12\): the phrase 曝光 is already listed under "
                                              "the kind media"):
        parse_word_list(twice.encode(), "w.toml")
    with pytest.raises(ValidationError, match="not a valid TOML file"):
        parse_word_list(b"name = ", "w.toml")
    with pytest.raises(ValidationError, match="not UTF-8"):
        parse_word_list("name = '媒体'".encode("gbk"), "w.toml")
