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
    sentence_of,
    suggests_escalation,
)
from desk_app.domain.risk_cues import SetAside
from desk_app.errors import ValidationError
from tools import risk_eval


@pytest.fixture(scope="module")
def words() -> WordList:
    path = default_word_list_path()
    return parse_word_list(path.read_bytes(), path.name)


def kinds(text: str, words: WordList) -> list[tuple[str, str]]:
    """The (kind, phrase as written) of the phrases that count as the customer's own threat."""
    return [(s.kind, text[s.span[0]:s.span[1]]) for s in detect(text, words) if s.counts]


def set_aside(text: str, words: WordList) -> list[tuple[str, str, SetAside | None]]:
    return [(s.kind, text[s.span[0]:s.span[1]], s.set_aside) for s in detect(text, words)]


@pytest.mark.parametrize(("text", "expected"), [
    ("你们再不处理，我就去找媒体曝光！", [("media", "媒体"), ("media", "曝光")]),
    ("我已经联系了电视台的记者，明天就来拍", [("media", "电视台"), ("media", "记者")]),
    ("不给我退钱，我就发抖音让大家都看看你们银行", [("media", "抖音")]),
    ("我要把这事挂到网上去，让你们上热搜", [("media", "到网上"), ("media", "上热搜")]),
    ("我已经打了12378投诉你们了", [("regulator", "12378")]),
    ("我要投诉到监管部门，还要打１２３１５", [("regulator", "投诉到监管"), ("regulator", "１２３１５")]),
    ("这个事我会去人民银行反映", [("regulator", "人民银行")]),
    ("我已经请了律师，准备起诉你们", [("litigation", "律师"), ("litigation", "起诉")]),
    ("大不了法院见，我跟你们打官司", [("litigation", "法院"), ("litigation", "打官司")]),
    ("我们小区很多人都被这个理财骗了，已经建了个群，准备集体投诉到监管",
     [("group", "建了个群"), ("group", "集体投诉"), ("regulator", "投诉到监管")]),
    ("钱要不回来我就不想活了", [("self_harm", "不想活")]),
    ("再这样下去我只能从你们楼上跳下去，跳楼给你们看", [("self_harm", "跳下去"), ("self_harm", "跳楼")]),
    ("今天不给说法我就不走了，明天还要拉横幅", [("irrational", "就不走"), ("irrational", "横幅")]),
    # the misses: older regulator names, legal aid, self-harm phrasings, threats of no old kind
    ("这个问题我以前向银监局反映过，你们再不改我还去", [("regulator", "银监局")]),
    ("我要去保监会告你们误导销售", [("regulator", "保监会"), ("litigation", "告你们")]),
    ("已经打了12363，人行说会督办", [("regulator", "12363")]),
    ("我去了国家金融监督管理总局的信访窗口", [("regulator", "国家金融监督管理总局"), ("authority", "信访")]),
    ("我已经申请了法律援助", [("litigation", "法律援助")]),
    ("天天被催收，我好想死", [("self_harm", "想死")]),
    ("再打骚扰电话我就报警", [("authority", "报警")]),
    ("我被冒充客服的骗子骗了，已经去反诈中心报案了", [("authority", "反诈中心"), ("authority", "报案")]),
    ("不开发票我就去税务局举报你们", [("authority", "税务")]),
])
def test_the_customers_own_threats_count(text: str, expected: list[tuple[str, str]], words: WordList) -> None:
    assert sorted(kinds(text, words)) == sorted(expected)


@pytest.mark.parametrize("text", [
    "我的联名信用卡年费被扣了三百元",                      # 联名信用卡: a co-branded card, not a joint letter
    "办理银联名额的活动时被告知名额已满",                   # 银联 + 名额, not 联名
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
    "气死我了，等了两个小时都没有人办理业务",                 # hyperbole, not self-harm
    "",
])
def test_harmless_uses_are_not_signals(text: str, words: WordList) -> None:
    assert kinds(text, words) == []


@pytest.mark.parametrize(("text", "phrase"), [
    ("你们的做法跟银保监会规定不符，请退还年费", "银保监会"),
    ("根据中国人民银行的相关规定，银行不得强制搭售理财", "人民银行"),
    ("银监会早就规定了不得收取这类费用", "银监会"),
    ("平台跟人民银行关于征信的规定不符", "人民银行"),
    ("你们的利率跟最高人民法院关于民间借贷的司法解释相违背", "法院"),
    ("理财经理违反了人民银行和银保监会联合发布的资管新规", "人民银行"),
])
def test_citing_a_rule_is_not_a_threat(text: str, phrase: str, words: WordList) -> None:
    assert (kinds(text, words), set_aside(text, words)[0][1:]) == ([], (phrase, SetAside.CITATION))


def test_a_rule_cited_and_a_regulator_complained_to_in_one_text(words: WordList) -> None:
    text = "按照银保监会的规定，催收不得骚扰第三人，你们却天天打我单位电话，我已经向银保监局投诉了。"
    assert set_aside(text, words) == [("regulator", "银保监会", SetAside.CITATION), ("regulator", "银保监局", None)]


@pytest.mark.parametrize(("text", "phrase"), [
    ("催收人员在电话里威胁说要起诉我，还说要上门找我父母", "起诉"),          # the customer is the object
    ("催收员扬言如果今天不还清，就去法院告我", "法院"),                      # the collector is the speaker
    ("收到了所谓的律师函，说我再不还款就会被起诉", "律师函"),                # received
    ("贷后人员说再不还款你就会被起诉", "起诉"),                            # passive
    ("第三方催收公司给我发短信说要把我告上法庭", "告上法庭"),
    ("外包催收说他们已经报警了，警察马上就会来抓我", "报警"),
    ("客服告诉我如果对处理结果不满意，可以向12378投诉", "12378"),            # the institution's advice
    ("已告知客户可向12378反映", "12378"),                                # the clerk's note of our advice
    ("催收员骂我怎么不去死", "去死"),                                    # abuse, not the customer's words
    ("你们报警也没用，我就坐在这里", "报警"),                              # the other side as subject
])
def test_the_other_sides_threat_is_not_the_customers(text: str, phrase: str, words: WordList) -> None:
    found = [(p, reason) for kind, p, reason in set_aside(text, words) if p == phrase]
    assert found == [(phrase, SetAside.OTHER_PARTY)]


def test_the_customer_answering_the_other_side_counts(words: WordList) -> None:
    text = "催收员威胁说要起诉我，我告诉他，我已经向银保监局投诉你们了，你们起诉吧我也要反诉"
    assert set_aside(text, words) == [
        ("litigation", "起诉", SetAside.OTHER_PARTY), ("regulator", "银保监局", None),
        ("litigation", "起诉", SetAside.OTHER_PARTY), ("litigation", "反诉", None)]
    note = "客户情绪激动，扬言要找媒体曝光我行的理财销售问题"      # 我行 in a clerk's note is our bank
    assert kinds(note, words) == [("media", "媒体"), ("media", "曝光")]


@pytest.mark.parametrize(("text", "phrase"), [
    ("我不会去起诉你们，只是希望把多扣的利息退给我", "起诉"),
    ("我没打算曝光这件事，只想要个解释", "曝光"),
    ("本人暂时不会向监管部门投诉", "监管部门"),
    ("我还没有向人民银行反映，先给你们一个机会", "人民银行"),
    ("我从来没想过要在网上曝光", "曝光"),
    ("我现在还没有报警，希望你们先内部处理", "报警"),
    ("我今天过来不是来闹事的", "来闹"),
])
def test_denied_threats_do_not_count(text: str, phrase: str, words: WordList) -> None:
    assert set_aside(text, words) == [(words_kind(phrase, words), phrase, SetAside.NEGATED)]


def words_kind(phrase: str, words: WordList) -> str:
    return next(k.key for k in words.kinds if phrase in k.phrases)


@pytest.mark.parametrize("text", [
    "没办法，只能去法院起诉你们",               # a breaker after the negation: 只能
    "你们不退钱，我就去起诉",                   # a condition, not a denial
    "如果没有结果，我就去起诉",
])
def test_conditions_and_breakers_are_not_denials(text: str, words: WordList) -> None:
    assert kinds(text, words) and all(s.counts for s in detect(text, words))


def test_self_harm_is_never_set_aside_as_denied(words: WordList) -> None:
    safety = detect("你放心，我不会想不开的", words)
    assert [(s.kind, s.flag, s.set_aside) for s in safety] == [("self_harm", SpecialFlag.IRRATIONAL, None)]


def test_the_phrase_in_its_sentence(words: WordList) -> None:
    text = "客户称：“我已经找了律师”"
    [signal] = detect(text, words)
    assert signal == Signal("litigation", "律师", (10, 12), SpecialFlag.LITIGATION, None, (0, 13))
    assert text[slice(*signal.span)] == "律师"
    wide = "我打了１２３７８"
    [hotline] = detect(wide, words)
    assert wide[slice(*hotline.span)] == "１２３７８" and hotline.flag is SpecialFlag.REGULATOR
    story = "我的卡被扣了年费。客服一直推脱，  再不退我就\t打12378投诉你们！后面还有别的事。"
    [signal] = detect(story, words)
    sentence, (start, end) = sentence_of(story, signal)
    assert sentence == "客服一直推脱， 再不退我就 打12378投诉你们！" and sentence[start:end] == "12378"
    long_text = "前面很长的一段说明" * 30 + "我要起诉" + "后面也有很长的一段" * 30 + "。"
    [sued] = detect(long_text, words)
    cut, (start, end) = sentence_of(long_text, sued, limit=40)
    assert cut.startswith("…") and cut.endswith("…") and len(cut) == 42 and cut[start:end] == "起诉"


def test_overlaps_keep_the_longest_phrase_of_a_kind(words: WordList) -> None:
    assert kinds("我收到了你们的律师函，我也要请律师", words) == [("litigation", "律师")]
    assert [s.phrase for s in detect("我收到了你们的律师函", words)] == ["律师函"]


def test_the_labelled_set_meets_the_thresholds() -> None:
    """The acceptance figures: precision >= 85 % and recall >= 90 % per kind on tests/data/risk_labelled.jsonl."""
    examples = risk_eval.load_examples()
    assert len(examples) >= 400
    scores, _errors = risk_eval.evaluate(examples, risk_eval.load_words())
    assert {s.kind for s in scores} == {"media", "regulator", "authority", "litigation", "group", "self_harm",
                                        "irrational"}
    low = [(s.kind, round(s.precision, 3), round(s.recall, 3)) for s in scores if not s.passes]
    assert low == []
    assert all(s.true_positives >= 30 for s in scores)       # every kind has enough labelled texts to measure


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
    assert parsed.cues.negation == ("不会",) and parsed.cues.speech_verbs == ()     # a version-1 list: negations only
    assert [(s.phrase, s.set_aside) for s in detect("我不会找媒体。催收说要曝光", parsed)] == [
        ("媒体", SetAside.NEGATED), ("曝光", None)]                                   # its other rules are off
    cued = GOOD.replace('negations = ["不会"]', '[cues]\nnegation = ["不会"]\nother_speakers = ["催收"]\n'
                                                  'speech_verbs = ["说"]')
    with_rules = parse_word_list(cued.encode(), "w.toml")
    assert [(s.phrase, s.set_aside) for s in detect("我不会找媒体。催收说要曝光", with_rules)] == [
        ("媒体", SetAside.NEGATED), ("曝光", SetAside.OTHER_PARTY)]


@pytest.mark.parametrize(("cues", "message"), [
    ('[cues]\nspeakers = ["我"]', r"w.toml: \[cues\]: unknown cue list speakers"),
    ('[cues]\nnegation = "不会"', r"\[cues\]: negation must be a list of phrases"),
    ('cues = 3', r"\[cues\]: must be a table of cue-word lists"),
])
def test_bad_cue_lists_are_refused_precisely(cues: str, message: str) -> None:
    text = GOOD.replace('negations = ["不会"]\n', cues + "\n")
    with pytest.raises(ValidationError, match=message):
        parse_word_list(text.encode(), "w.toml")
    with pytest.raises(ValidationError, match="negations is the old name of"):
        parse_word_list(GOOD.replace('negations = ["不会"]\n', 'negations = ["不会"]\n[cues]\nnegation = ["没"]\n')
                        .encode(), "w.toml")


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
