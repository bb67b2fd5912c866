"""The content check: a letter lacking a mandatory element cannot be composed (so cannot be issued)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from desk_app.documents.content import (
    CaseFacts,
    DecisionInputs,
    ExtensionFact,
    ExtensionInputs,
    IssuerInfo,
    LetterContentError,
    LetterInputs,
    ReceiptInputs,
    RefusalInputs,
    Remedy,
    ReviewDecisionInputs,
    compose,
)
from desk_app.documents.letter import LetterContent
from desk_app.documents.templates import load_common, load_template
from desk_app.domain.enums import LetterKind
from desk_app.errors import BugError, ValidationError
from tests.documents.samples import DECISION, FACTS, INPUTS, ISSUED_AT, ISSUER, LETTER_DAY


def _compose(kind: LetterKind, inputs: LetterInputs, facts: CaseFacts = FACTS, issuer: IssuerInfo = ISSUER,
             language: str = "zh_CN") -> LetterContent:
    return compose(kind, inputs, facts, issuer, load_template(kind), load_common(), language, ISSUED_AT,
                   LETTER_DAY)


def _missing(kind: LetterKind, inputs: LetterInputs, facts: CaseFacts = FACTS,
             issuer: IssuerInfo = ISSUER) -> tuple[str, ...]:
    with pytest.raises(LetterContentError) as caught:
        _compose(kind, inputs, facts, issuer)
    assert isinstance(caught.value, ValidationError)
    return caught.value.missing


@pytest.mark.parametrize("kind", list(LetterKind))
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_complete_inputs_compose(kind: LetterKind, language: str) -> None:
    content = _compose(kind, INPUTS[kind], language=language)
    assert content.kind is kind and content.language == language and content.blocks


@pytest.mark.parametrize(("field", "code"), [
    ("verification", "verification"), ("decision", "decision"), ("basis", "basis"), ("reasons", "reasons"),
])
def test_decision_without_an_element_is_refused(field: str, code: str) -> None:
    assert _missing(LetterKind.DECISION, replace(DECISION, **{field: "  "})) == (code,)  # type: ignore[arg-type]


def test_decision_lists_every_missing_element_at_once() -> None:
    missing = _missing(LetterKind.DECISION, DecisionInputs())
    assert set(missing) == {"verification", "decision", "basis", "reasons"}
    with pytest.raises(LetterContentError, match=r"how the complaint was verified.*basis for the decision"):
        _compose(LetterKind.DECISION, DecisionInputs())


@pytest.mark.parametrize(("remedy", "code"), [
    (Remedy("退还被盗刷款项", None, date(2026, 11, 30)), "remedy.amount"),
    (Remedy("退还被盗刷款项", Decimal("0"), date(2026, 11, 30)), "remedy.amount"),
    (Remedy("退还被盗刷款项", "", date(2026, 11, 30)), "remedy.amount"),
    (Remedy("退还被盗刷款项", Decimal("3200"), None), "remedy.due_on"),
    (Remedy("", Decimal("3200"), date(2026, 11, 30)), "remedy.description"),
])
def test_a_remedy_needs_description_amount_and_date(remedy: Remedy, code: str) -> None:
    assert _missing(LetterKind.DECISION, replace(DECISION, remedy=remedy)) == (code,)


def test_a_remedy_amount_must_be_an_amount() -> None:
    with pytest.raises(ValidationError, match="not an amount"):
        _compose(LetterKind.DECISION, replace(DECISION, remedy=Remedy("退款", "三千", date(2026, 11, 30))))


def test_no_remedy_is_allowed_for_a_decision_not_upholding_the_complaint() -> None:
    content = _compose(LetterKind.DECISION, replace(DECISION, remedy=None, corrective_action=""))
    headings = [b.heading for b in content.blocks if b.heading]
    assert not any("补偿" in h or "整改" in h for h in headings)


@pytest.mark.parametrize(("issuer", "code"), [
    (replace(ISSUER, superior_institution=""), "superior_institution"),
    (replace(ISSUER, superior_contact=" "), "superior_contact"),
])
def test_decision_without_recourse_is_refused(issuer: IssuerInfo, code: str) -> None:
    assert _missing(LetterKind.DECISION, DECISION, issuer=issuer) == (code,)


def test_recourse_given_in_the_inputs_replaces_the_branch_settings() -> None:
    issuer = replace(ISSUER, superior_institution="", superior_contact="")
    content = _compose(LetterKind.DECISION, replace(DECISION, superior_institution="北京分行",
                                                    superior_contact="010-12345678"), issuer=issuer)
    recourse = next(b for b in content.blocks if b.heading.endswith("救济途径"))
    assert recourse.paragraphs[0] == ("如您对本处理决定有异议，可以自收到本决定书之日起30日内，向北京分行书面申请核查。"
                                      "联系方式：010-12345678。")


def test_contact_phone_is_mandatory_everywhere() -> None:
    issuer = replace(ISSUER, hotline="")
    for kind in LetterKind:
        assert "contact_phone" in _missing(kind, INPUTS[kind], issuer=issuer)
    # a phone given for the letter is enough
    assert _compose(LetterKind.RECEIPT, ReceiptInputs(contact_phone="021-5555 1234"), issuer=issuer)


def test_receipt_needs_something_received() -> None:
    assert _missing(LetterKind.RECEIPT, ReceiptInputs(received_items=(" ",))) == ("received_items",)


def test_extension_needs_a_recorded_extension_and_a_reason() -> None:
    assert _missing(LetterKind.EXTENSION, ExtensionInputs(), replace(FACTS, extension=None)) == ("extension",)
    no_reason = replace(FACTS, extension=replace(FACTS.extension, reason=""))  # type: ignore[type-var]
    assert _missing(LetterKind.EXTENSION, ExtensionInputs(), no_reason) == ("extension_reason",)
    assert _compose(LetterKind.EXTENSION, ExtensionInputs(reason="需等待司法鉴定结果"), no_reason)


def test_sixty_day_extension_needs_its_approver() -> None:
    special = replace(FACTS, extension=ExtensionFact("special", date(2027, 1, 19), date(2026, 12, 20), "",
                                                     "案情特别复杂"))
    assert _missing(LetterKind.EXTENSION, ExtensionInputs(), special) == ("approver",)


def test_decision_after_a_sixty_day_extension_says_when_the_customer_was_told() -> None:
    untold = replace(FACTS, extension=ExtensionFact("special", date(2027, 1, 19), date(2026, 12, 20), "张行长",
                                                    "案情特别复杂", told_on=None))
    assert _missing(LetterKind.DECISION, DECISION, untold) == ("extension.told_on",)


def test_refusal_needs_grounds_and_basis() -> None:
    assert _missing(LetterKind.REFUSAL, RefusalInputs(basis="第二条")) == ("grounds",)
    assert _missing(LetterKind.REFUSAL, RefusalInputs(grounds="不属于金融服务")) == ("refusal.basis",)
    # the reason recorded with the refusal serves as grounds
    refused = replace(FACTS, refusal_reason="非本行业务")
    content = _compose(LetterKind.REFUSAL, RefusalInputs(basis="第二条"), refused)
    assert content.blocks[1].paragraphs == ("非本行业务",)


def test_review_decision_needs_the_application_and_findings() -> None:
    inputs = INPUTS[LetterKind.REVIEW_DECISION]
    assert _missing(LetterKind.REVIEW_DECISION, inputs, replace(FACTS, review_applied_on=None)) == (
        "review_applied_on",)
    assert _missing(LetterKind.REVIEW_DECISION, ReviewDecisionInputs()) == ("findings", "decision", "basis", "reasons")


def test_inputs_of_the_wrong_kind_are_a_bug() -> None:
    with pytest.raises(BugError):
        _compose(LetterKind.DECISION, ReceiptInputs())


def test_english_customer_gets_english_wording_and_english_dates() -> None:
    content = _compose(LetterKind.RECEIPT, ReceiptInputs(), language="en")
    rows = dict(content.blocks[1].rows)
    assert rows["Received on"] == "20 November 2026"
    assert content.title == "Acknowledgement of Your Complaint"
    assert content.letterhead.name == "Shanghai Pudong Sub-branch" and content.letterhead.name_en == "上海浦东支行"
