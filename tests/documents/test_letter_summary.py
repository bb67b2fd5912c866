"""The customer-facing summary of a complaint: drafted from the request and the classification (never the
facts), addressed to the customer, and shortened with "…" at a boundary."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desk_app.documents.content import DecisionInputs, ReceiptInputs, compose
from desk_app.documents.summary import (
    ELLIPSIS,
    IntakeWords,
    display_width,
    second_person,
    shorten,
    suggest_summary,
    typed_summary,
)
from desk_app.documents.templates import load_common, load_template
from desk_app.domain.enums import LetterKind
from tests.documents.samples import DECISION, FACTS, ISSUED_AT, ISSUER, LETTER_DAY

WORDS = IntakeWords(business=("信用卡", "Credit cards"), cause=("消费者资金安全", "Consumer fund security"),
                    request_kinds=(("退款", "Refund"), ("解释说明", "Explanation")),
                    request_text="客户要求撤销该笔交易并退还被扣款项，同时书面说明原因。")


def test_a_summary_cut_from_the_facts_is_not_a_summary() -> None:
    facts = "客户反映信用卡被盗刷3,200元。客户情绪激动，扬言要找媒体曝光。"
    assert typed_summary(facts[:20], facts) == ""
    assert typed_summary(facts, facts) == ""
    assert typed_summary("信用卡境外盗刷", facts) == "信用卡境外盗刷"
    assert typed_summary("  ", facts) == ""


def test_clerks_third_person_becomes_the_second_person() -> None:
    assert second_person("客户要求退还被盗刷款项", "zh_CN") == "您要求退还被盗刷款项"
    assert second_person("投诉人称分期手续费未告知", "zh_CN") == "您称分期手续费未告知"
    assert second_person("要求退款", "zh_CN") == "要求退款"
    assert second_person("The customer asked for a refund", "en") == "You asked for a refund"


def test_receipt_suggestion_names_the_business_and_what_the_customer_asked_for() -> None:
    assert suggest_summary(WORDS, "zh_CN", with_request=True) == (
        "关于信用卡（消费者资金安全）的投诉。您要求撤销该笔交易并退还被扣款项，同时书面说明原因。")
    without_text = IntakeWords(business=("贷款", "Loans"), request_kinds=(("退款", "Refund"),))
    assert suggest_summary(without_text, "zh_CN", with_request=True) == "关于贷款的投诉。您的请求：退款。"
    assert suggest_summary(IntakeWords(), "zh_CN", with_request=True) == "您的投诉。"
    only_request = IntakeWords(request_text="要求退款")
    assert suggest_summary(only_request, "zh_CN", with_request=True) == "您要求退款。"


def test_decision_suggestion_is_one_sentence_to_the_customer() -> None:
    assert suggest_summary(WORDS, "zh_CN", with_request=False) == "您就信用卡（消费者资金安全）向我行提出投诉。"
    typed = IntakeWords(typed_summary="客户信用卡境外盗刷3,200元")
    assert suggest_summary(typed, "zh_CN", with_request=False) == "您反映：您信用卡境外盗刷3,200元。"
    english = suggest_summary(WORDS, "en", with_request=False)
    assert english == "Your complaint concerns credit cards (consumer fund security)."
    assert suggest_summary(IntakeWords(), "en", with_request=False) == "You made a complaint to us."


def test_english_receipt_suggestion() -> None:
    words = IntakeWords(business=("信用卡", "Credit cards"), request_kinds=(("退款", "Refund"),))
    assert suggest_summary(words, "en", with_request=True) == "Complaint about credit cards. Your request: Refund."


@pytest.mark.parametrize(("text", "width", "expected"), [
    ("信用卡境外盗刷", 40, "信用卡境外盗刷"),
    # cut after the comma (the comma itself gives way to the ellipsis), not in the middle of 已致电挂失
    ("信用卡出现一笔未经授权的境外消费，已致电挂失但未获处理", 40, "信用卡出现一笔未经授权的境外消费…"),
    # an amount is never cut in two: the cut goes before it
    ("您的信用卡被盗刷金额3,200.00", 24, "您的信用卡被盗刷金额…"),
    # English: at a word boundary
    ("Unauthorised card payment abroad, reported but not handled", 36, "Unauthorised card payment abroad…"),
    ("Unauthorised card payment abroad reported but not handled", 30, "Unauthorised card payment…"),
])
def test_shorten_at_a_boundary(text: str, width: int, expected: str) -> None:
    assert shorten(text, width) == expected
    assert display_width(shorten(text, width)) <= width


def test_a_short_text_on_several_lines_is_joined_without_spaces_between_chinese_words() -> None:
    assert shorten("信用卡\n  被盗刷\nCard  lost\nabroad", 80) == "信用卡被盗刷Card lost abroad"


def test_shorten_without_any_boundary_still_fits() -> None:
    result = shorten("甲" * 100, 21)
    assert result.endswith(ELLIPSIS) and display_width(result) <= 21 and result.startswith("甲" * 9)


def _compose(kind: LetterKind, inputs: ReceiptInputs | DecisionInputs) -> str:
    content = compose(kind, inputs, FACTS, ISSUER, load_template(kind), load_common(), "zh_CN", ISSUED_AT, LETTER_DAY)
    return content.complaint_summary


def test_the_letter_keeps_the_summary_it_states() -> None:
    assert _compose(LetterKind.DECISION, DECISION) == "您反映：信用卡境外盗刷3,200元。"
    assert _compose(LetterKind.RECEIPT, ReceiptInputs(summary="  信用卡\n被盗刷 ")) == "信用卡\n被盗刷"
    typed = DecisionInputs(summary="您反映信用卡被盗刷。", verification="v", decision="d", basis="b", reasons="r")
    assert _compose(LetterKind.DECISION, typed) == "您反映信用卡被盗刷。"


def test_a_decision_letter_without_any_intake_words_still_addresses_the_customer() -> None:
    facts = replace(FACTS, intake=IntakeWords())
    inputs = DecisionInputs(verification="v", decision="d", basis="b", reasons="r", summary="   ")
    content = compose(LetterKind.DECISION, inputs, facts, ISSUER, load_template(LetterKind.DECISION), load_common(),
                      "zh_CN", ISSUED_AT, LETTER_DAY)
    assert content.complaint_summary == "您向我行提出了投诉。"
