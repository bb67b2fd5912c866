"""Rendered letters read back with poppler: exact Chinese text, embedded fonts, page numbers, determinism."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image as PILImage

from desk_app.documents.content import Correction, DecisionInputs, LetterInputs, compose
from desk_app.documents.letter import LetterContent
from desk_app.documents.render import check_fonts_embedded, render_letter
from desk_app.documents.templates import load_common, load_template
from desk_app.domain.enums import LetterKind
from desk_app.errors import BugError
from tests.documents.pdf_tools import flat_text, needs_poppler, page_count, pdf_fonts, pdf_text
from tests.documents.samples import DECISION, FACTS, INPUTS, ISSUED_AT, ISSUER, LETTER_DAY

pytestmark = needs_poppler

NUMBER = "SH01-JD-2026-0042"


def _content(kind: LetterKind, inputs: LetterInputs | None = None, language: str = "zh_CN",
             **changes: object) -> LetterContent:
    content = compose(kind, inputs or INPUTS[kind], FACTS, ISSUER, load_template(kind), load_common(), language,
                      ISSUED_AT, LETTER_DAY)
    return replace(content, **{"number": NUMBER, **changes})  # type: ignore[arg-type]


def _in_order(text: str, parts: list[str]) -> None:
    """Each part appears in ``text`` (whitespace removed), in this order."""
    position = 0
    for part in parts:
        wanted = re.sub(r"\s+", "", part)
        found = text.find(wanted, position)
        assert found >= 0, f"not found after position {position}: {wanted}\n--- text ---\n{text}"
        position = found + len(wanted)


RECEIPT_TEXT = (
    "上海浦东支行" "SHANGHAIPUDONGSUB-BRANCH" "投诉受理回执" "编号：SH01-JD-2026-0042" "尊敬的王芳："
    "您于2026年11月20日通过营业网点柜面提出的投诉，我行已收到并予以受理。现将有关事项告知如下："
    "投诉编号SH01-20261120-0007" "受理日期2026年11月20日" "投诉事项信用卡境外盗刷3,200元。您要求退还被盗刷款项。"
    "收到的材料1.投诉登记信息（营业网点柜面）2.信用卡账单复印件3.身份证复印件" "经办人李明"
    "答复期限2026年12月5日前作出处理决定并告知您（依据《银行业保险业消费投诉处理管理办法》，自收到投诉之日起15日内）"
    "查询方式拨打95588，或到我行营业网点，凭投诉编号查询处理进度"
    "如案情复杂需要延长处理期限，我行将另行书面告知延期理由和新的答复日期。请妥善保管本回执。"
    "上海浦东支行" "（盖章）" "2026年11月23日" "地址：上海市浦东新区世纪大道100号服务热线：95588"
)


def test_receipt_text_is_exactly_the_letter() -> None:
    pdf = render_letter(_content(LetterKind.RECEIPT))
    assert flat_text(pdf) == RECEIPT_TEXT
    assert page_count(pdf) == 1


def test_decision_letter_states_every_required_element_in_order() -> None:
    pdf = render_letter(_content(LetterKind.DECISION))
    _in_order(flat_text(pdf), [
        "投诉处理决定书", "编号：SH01-JD-2026-0042", "尊敬的王芳：",
        "您于2026年11月20日通过营业网点柜面向我行提出的投诉（投诉编号：SH01-20261120-0007），我行已依法处理完毕。",
        "一、投诉事项", "您反映：信用卡境外盗刷3,200元。",
        "您的请求：退款（要求退还被盗刷款项）", "请求金额：人民币3,200.00元（大写：人民币叁仟贰佰元整）",
        "二、核实情况", "我行调取了该笔交易的授权记录、境外收单机构的交易凭证及您的用卡记录",
        "三、处理决定及依据", "支持您的投诉请求，退还该笔被盗刷款项。",
        "依据：《中华人民共和国民法典》第五百七十七条、《银行卡业务管理办法》及《信用卡领用合约》第十二条。",
        "理由：该笔交易为伪卡交易，您已尽到妥善保管卡片和密码的义务，相关损失不应由您承担。",
        "四、补偿安排", "补偿事项退还被盗刷款项", "补偿金额人民币3,200.00元（大写：人民币叁仟贰佰元整）",
        "办理期限2026年11月30日前", "五、整改措施", "我行已为您更换芯片卡，并加强境外交易风险监测。",
        "六、处理期限延长情况", "本投诉的处理期限曾延长至2026年12月20日。",
        "我行已于2026年12月1日将延期事项书面告知您。",
        "七、救济途径",
        "如您对本处理决定有异议，可以自收到本决定书之日起30日内，向上海分行消费者权益保护部书面申请核查。"
        "联系方式：上海市黄浦区中山东一路1号，邮编200002，电话021-61234567。",
        "您也可以向依法设立的银行业保险业消费纠纷调解组织申请调解，或者依法申请仲裁、向人民法院提起诉讼。",
        "如对本决定书内容有疑问，请联系经办人李明，联系电话：95588。",
        "上海浦东支行", "（盖章）", "2026年11月23日",
    ])


def test_extension_refusal_and_review_texts() -> None:
    _in_order(flat_text(render_letter(_content(LetterKind.EXTENSION))), [
        "投诉处理延期告知书",
        "您于2026年11月20日通过营业网点柜面提出的投诉（投诉编号：SH01-20261120-0007），我行正在处理。"
        "因需调取境外收单机构交易记录，我行无法在2026年12月5日前作出处理决定。",
        "根据《银行业保险业消费投诉处理管理办法》的规定，本投诉的处理期限延长至2026年12月20日。",
        "处理期间如有疑问或需补充材料，请联系经办人李明，联系电话：95588。", "2026年11月23日"])
    _in_order(flat_text(render_letter(_content(LetterKind.REFUSAL))), [
        "投诉不予受理告知书", "经审查，我行决定不予受理。", "一、不予受理的理由",
        "您反映的事项属于与第三方商户之间的商品质量纠纷，不属于我行提供的金融产品或服务。",
        "二、依据", "《银行业保险业消费投诉处理管理办法》第二条。", "三、其他途径",
        "您也可以向上海分行消费者权益保护部反映"])
    _in_order(flat_text(render_letter(_content(LetterKind.REVIEW_DECISION))), [
        "投诉核查决定书",
        "您于2026年12月28日对2026年12月18日出具的投诉处理决定书（编号：SH01-JD-2026-0003）提出核查申请",
        "一、核查情况", "二、核查决定及依据", "变更原处理决定，在原补偿基础上增加补偿挂失费用。",
        "三、补偿安排", "补偿金额人民币50.00元（大写：人民币伍拾元整）", "办理期限2027年1月10日前", "四、救济途径"])


def test_extension_with_sixty_days_names_the_approver() -> None:
    facts = replace(FACTS, extension=replace(FACTS.extension, complexity="special", approver="张行长"))  # type: ignore[type-var]
    content = compose(LetterKind.EXTENSION, INPUTS[LetterKind.EXTENSION], facts, ISSUER,
                      load_template(LetterKind.EXTENSION), load_common(), "zh_CN", ISSUED_AT, LETTER_DAY)
    assert "经张行长批准，本投诉的处理期限延长至2026年12月20日。" in flat_text(render_letter(content))


@pytest.mark.parametrize("kind", list(LetterKind))
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_font_is_embedded(kind: LetterKind, language: str) -> None:
    pdf = render_letter(_content(kind, language=language))
    rows = pdf_fonts(pdf)
    assert rows, "no fonts listed"
    assert all(row.embedded and row.subset and row.unicode for row in rows), rows
    assert all(row.type == "TrueType" for row in rows), rows


@pytest.mark.parametrize("kind", list(LetterKind))
def test_same_content_gives_the_same_bytes(kind: LetterKind) -> None:
    first = render_letter(_content(kind))
    assert render_letter(_content(kind)) == first
    assert render_letter(_content(kind, issued_at=ISSUED_AT + timedelta(seconds=1))) != first


def test_creation_date_is_the_issue_time() -> None:
    info = subprocess.run(["pdfinfo", "-isodates", "-"], input=render_letter(_content(LetterKind.RECEIPT)),
                          capture_output=True, check=True).stdout.decode()
    assert re.search(r"CreationDate:\s+2026-11-23T02:30:00(Z|\+00)", info), info


def test_long_letters_number_their_pages_and_repeat_the_reference() -> None:
    long_text = "经核查，" + "我行逐笔核对了交易流水、授权日志、监控录像和通话录音，" * 40 + "情况属实。"
    pdf = render_letter(_content(LetterKind.DECISION, replace(DECISION, verification=long_text)))
    pages = page_count(pdf)
    assert pages >= 2
    text = flat_text(pdf)
    for page in range(1, pages + 1):
        assert f"第{page}页共{pages}页" in text
    assert f"投诉处理决定书（{NUMBER}）" in text  # the header of the following pages
    body = "".join(line.strip() for line in pdf_text(pdf).replace("\f", "\n").splitlines()
                   if not line.startswith(("地址：", "第 ", "投诉处理决定书（")))
    assert long_text in body  # nothing cut off across the page breaks
    single = flat_text(render_letter(_content(LetterKind.RECEIPT)))
    assert "第1页" not in single


def test_signature_is_never_alone_on_a_page() -> None:
    """Whatever the length, the page that carries the signature carries body text too."""
    for repeat in range(1, 40):
        pdf = render_letter(_content(LetterKind.DECISION, replace(DECISION, reasons="理由充分。" * repeat * 4)))
        last_page = pdf_text(pdf).split("\f")[page_count(pdf) - 1]
        lines = [line for line in last_page.splitlines() if line.strip()]
        assert "2026年11月23日" in lines
        body = [line for line in lines if line not in ("上海浦东支行", "（盖章）", "2026年11月23日")
                and not line.startswith(("地址：", "第 ", "投诉处理决定书（"))]
        assert body, f"signature alone on the last page ({repeat})"


def test_english_letter() -> None:
    text = pdf_text(render_letter(_content(LetterKind.DECISION, language="en")))
    flat = re.sub(r"\s+", " ", text)
    for part in ("Decision on Your Complaint", "Ref.: SH01-JD-2026-0042", "Dear 王芳,",
                 "on 20 November 2026 (complaint number SH01-20261120-0007)",
                 "RMB 3,200.00 (人民币叁仟贰佰元整)", "within 30 days of receiving this letter",
                 "23 November 2026", "Shanghai Pudong Sub-branch"):
        assert part in flat, part


def test_draft_is_marked_and_has_no_number() -> None:
    text = flat_text(render_letter(_content(LetterKind.RECEIPT, draft=True, number="")))
    assert "样稿未签发" in text and "编号：（签发时生成）" in text


def test_correction_note() -> None:
    correction = Correction("SH01-JD-2026-0041", FACTS.received_on, "补偿金额有误")
    content = compose(LetterKind.DECISION, DECISION, FACTS, ISSUER, load_template(LetterKind.DECISION),
                      load_common(), "zh_CN", ISSUED_AT, LETTER_DAY, correction=correction)
    text = flat_text(render_letter(replace(content, number=NUMBER)))
    assert ("更正说明：本函更正并取代2026年11月20日出具的第SH01-JD-2026-0041号函，原函作废。更正原因：补偿金额有误"
            in text)


def test_logo_is_drawn_when_configured(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    PILImage.new("RGB", (240, 80), (31, 58, 95)).save(logo)
    with_logo = render_letter(_content(LetterKind.RECEIPT, letterhead=replace(
        _content(LetterKind.RECEIPT).letterhead, logo_path=str(logo))))
    listing = subprocess.run(["pdfimages", "-list", "-"], input=with_logo, capture_output=True,
                             check=True).stdout.decode()
    assert re.search(r"^\s+1\s+0\s+image\s+240\s+80\s", listing, re.MULTILINE), listing
    # a missing logo file does not stop the letter
    missing = render_letter(_content(LetterKind.RECEIPT, letterhead=replace(
        _content(LetterKind.RECEIPT).letterhead, logo_path=str(tmp_path / "gone.png"))))
    assert flat_text(missing) == RECEIPT_TEXT


def test_markup_in_the_inputs_is_printed_as_text() -> None:
    inputs = DecisionInputs(verification="金额<5000 & >0", decision="<b>支持</b>", basis="第1条", reasons="理由")
    text = flat_text(render_letter(_content(LetterKind.DECISION, inputs)))
    assert "金额<5000&>0" in text and "<b>支持</b>" in text


def test_guard_refuses_a_pdf_with_a_standard_font() -> None:
    with pytest.raises(BugError):
        check_fonts_embedded(b"<< /BaseFont /Helvetica /Subtype /Type1 /Type /Font >>")
