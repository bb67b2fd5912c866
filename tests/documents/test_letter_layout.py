"""Letters read back page by page: tables keep their rows together with their heading, and the receipt's
投诉事项 is shortened with "…" at a boundary."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from desk_app.documents.content import LetterInputs, ReceiptInputs, compose
from desk_app.documents.letter import LetterContent
from desk_app.documents.render import render_letter
from desk_app.documents.templates import load_common, load_template
from desk_app.domain.enums import LetterKind
from tests.documents.pdf_tools import flat_text, needs_poppler, page_count, pdf_text
from tests.documents.samples import DECISION, FACTS, INPUTS, ISSUED_AT, ISSUER, LETTER_DAY

pytestmark = needs_poppler

REMEDY_ROWS = ("补偿事项", "补偿金额", "办理期限")


def _content(kind: LetterKind, inputs: LetterInputs) -> LetterContent:
    content = compose(kind, inputs, FACTS, ISSUER, load_template(kind), load_common(), "zh_CN", ISSUED_AT,
                      LETTER_DAY)
    return replace(content, number="SH01-JD-2026-0042")


def _pages(pdf: bytes) -> list[str]:
    """Each page's text with spaces and line breaks removed (Chinese wraps anywhere)."""
    return [re.sub(r"\s+", "", page) for page in pdf_text(pdf).split("\f")[:page_count(pdf)]]


def test_the_compensation_table_is_never_split_from_its_heading() -> None:
    """Push the compensation table down the first page a line at a time: wherever the page ends, the
    heading 补偿安排 and all three rows are on one page. Before, the rows were split over two pages."""
    seen_pages: set[int] = set()
    description = "退还被盗刷款项并补偿因此产生的挂失费、换卡费、交通费及误工损失，" * 3
    for lines in range(0, 44, 2):
        verification = "我行调取了交易授权记录、监控录像和通话录音，核对了您提供的账单材料。" * (lines + 1)
        inputs = replace(DECISION, verification=verification,
                         remedy=replace(DECISION.remedy, description=description))  # type: ignore[type-var]
        pages = _pages(render_letter(_content(LetterKind.DECISION, inputs)))
        [page] = [n for n, text in enumerate(pages) if "四、补偿安排" in text]
        seen_pages.add(page)
        for row in REMEDY_ROWS:
            assert row in pages[page], f"{row} not on the page of its heading ({lines} lines of text before)"
        assert "人民币3,200.00元（大写：人民币叁仟贰佰元整）" in pages[page]
        assert "2026年11月30日前" in pages[page]
    assert len(seen_pages) >= 2, "the table never moved to a later page: the test did not probe a page break"


def test_the_receipt_table_stays_on_one_page() -> None:
    items = tuple(f"第{n}份证明材料：交易流水、授权记录与相关凭证复印件" for n in range(1, 25))
    pages = _pages(render_letter(_content(LetterKind.RECEIPT, ReceiptInputs(received_items=items))))
    [page] = [n for n, text in enumerate(pages) if "投诉编号SH01" in text]
    for row in ("受理日期", "投诉事项", "收到的材料", "经办人", "答复期限", "查询方式"):
        assert row in pages[page], row


def test_receipt_shortens_a_long_summary_at_a_punctuation_mark_with_an_ellipsis() -> None:
    summary = ("您反映信用卡账单中出现一笔未经授权的境外消费，金额3,200.00元，已致电挂失但未获处理；"
               "您要求撤销该笔交易并退还被扣款项，同时书面说明原因，并对客服人员多次答复不一致作出解释。")
    text = flat_text(render_letter(_content(LetterKind.RECEIPT, ReceiptInputs(summary=summary))))
    cell = text[text.index("投诉事项") + len("投诉事项"):text.index("收到的材料")]
    assert cell.endswith("…")
    assert summary.startswith(cell[:-1])
    assert cell[-2] not in "，；、", "the ellipsis replaces the punctuation mark it was cut at"
    assert summary[len(cell) - 1] in "，；。", "cut at a punctuation mark, not inside a phrase"
    assert "3,200.00" in cell  # the amount is whole


@pytest.mark.parametrize("kind", [LetterKind.RECEIPT, LetterKind.DECISION])
def test_a_short_summary_is_printed_whole(kind: LetterKind) -> None:
    inputs = replace(INPUTS[kind], summary="信用卡境外盗刷")  # type: ignore[type-var]
    text = flat_text(render_letter(_content(kind, inputs)))
    assert "信用卡境外盗刷" in text and "信用卡境外盗刷…" not in text


def test_a_table_cell_longer_than_a_page_continues_on_the_next_page() -> None:
    """A remedy description of a few thousand characters cannot stay on one page: it continues (before, the
    letter could not be rendered at all)."""
    description = "".join(f"第{n}项：退还被盗刷款项并补偿挂失费和换卡费；" for n in range(1, 160))
    inputs = replace(DECISION, remedy=replace(DECISION.remedy, description=description))  # type: ignore[type-var]
    pdf = render_letter(_content(LetterKind.DECISION, inputs))
    pages = _pages(pdf)
    assert len(pages) >= 3
    body = "".join(line.strip() for line in pdf_text(pdf).replace("\f", "\n").splitlines()
                   if not line.startswith(("地址：", "第 ", "投诉处理决定书（")))
    assert description in re.sub(r"\s+", "", body.replace("补偿事项", ""))
    heading_page = next(n for n, text in enumerate(pages) if "四、补偿安排" in text)
    assert "补偿事项第1项" in pages[heading_page]  # the table starts under its heading
