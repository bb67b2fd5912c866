"""The printable conversation aid (谈话辅助卡): one checklist with the strategy card of the customer's
psychological type, on ONE A4 page for the clerk's desk.

The same embedded TrueType CJK font as the letters (``desk_app.documents.fonts``); Chinese wraps with
``wordWrap="CJK"``. The type sizes step down until everything fits one page; a ``KeepInFrame`` shrinks
what still does not, so the aid is never longer than a page. Without a type, the card lists all six
types with their inner sentences, so the clerk can place the customer. Labels are bilingual data here:
the aid is printed in the case's language whatever the language of the screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepInFrame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desk_app.documents.fonts import CjkFont, load_cjk_font
from desk_app.documents.render import _markup, _render_lock, check_fonts_embedded
from desk_app.domain.checklist import Checklist, Gate
from desk_app.domain.enums import PsychType, Stage
from desk_app.domain.portrait import STRATEGY_CARDS, Bilingual, StrategyCard
from desk_app.domain.workflow import STAGE_CHARS, Action

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 14 * mm
FOOTER_SPACE = 8 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
HEIGHT = PAGE_HEIGHT - 2 * MARGIN - FOOTER_SPACE
INK = colors.HexColor("#1a1a1a")
ACCENT = colors.HexColor("#1f3a5f")
GREY = colors.HexColor("#5c6570")
RULE = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#eef1f5")
WORDING = colors.HexColor("#2f5d3a")
#: Body type sizes tried in turn until the aid fits one page.
SIZES = (12.5, 12.0, 11.5, 11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5)

B = Bilingual
L_TITLE = B("谈话辅助卡", "Conversation aid")
L_CASE = B("案件 {number}", "Case {number}")
L_VERSION = B("第 {version} 版", "version {version}")
L_TYPE = B("客户心理类型：{name}", "Customer type: {name}")
L_SECONDARY = B("（次要：{name}）", " (secondary: {name})")
L_STRATEGY = B("应对要点", "Strategy")
L_DO = B("宜", "Do")
L_AVOID = B("忌", "Avoid")
L_PHRASES = B("参考话术", "Suggested words")
L_NO_TYPE = B("尚未判断心理类型：对照下表判断主要类型，并在投诉人画像中记录。",
              "No type judged yet: place the customer with this table and record it in the portrait.")
L_STEPS = B("步骤", "Steps")
L_WORDING = B("话术", "Say")
L_WORDING_TYPED = B("话术（{name}）", "Say ({name})")
L_REQUIRED = B("必做：{gates}", "Required {gates}")
L_FOOTER = B("投诉服务台 · 谈话辅助卡 · {key} 第 {version} 版 · 勾选结果请在系统中记录",
             "Complaint Desk · conversation aid · {key} version {version} · record the ticks in the system")
_ACTIONS = {Action.START: B("开始处理", "starting"), Action.RESPOND: B("记录答复", "responding"),
            Action.AWAIT_CALLBACK: B("转待回访", "awaiting callback"), Action.CLOSE: B("结案", "closing"),
            Action.REFUSE: B("不予受理", "refusing"), Action.APPLY_REVIEW: B("申请核查", "review application"),
            Action.FINISH_REVIEW: B("完成核查", "finishing the review"), Action.REOPEN: B("重新处理", "re-opening"),
            Action.ASSIGN: B("分派", "assigning"), Action.WITHDRAW: B("撤回", "withdrawal")}


def gate_text(gate: Gate, language: str) -> str:
    if gate.kind == "leave":
        stage = Stage(gate.target)
        return B(f"离开“{STAGE_CHARS[stage]}”之前", f"before leaving “{stage.value}”").text(language)
    action = _ACTIONS[Action(gate.target)]
    return B(f"{action.zh}之前", f"before {action.en}").text(language)


@dataclass(frozen=True)
class _Styles:
    title: ParagraphStyle
    meta: ParagraphStyle
    heading: ParagraphStyle
    step: ParagraphStyle
    guidance: ParagraphStyle
    card_title: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    wording: ParagraphStyle
    required: ParagraphStyle


def _styles(font: str, size: float) -> _Styles:
    lead = size * 1.45
    body = ParagraphStyle("aid_body", fontName=font, fontSize=size, leading=lead, textColor=INK, wordWrap="CJK",
                          alignment=TA_LEFT)
    return _Styles(
        title=ParagraphStyle("aid_title", fontName=font, fontSize=size + 6.5, leading=size + 10, textColor=ACCENT,
                             wordWrap="CJK"),
        meta=ParagraphStyle("aid_meta", fontName=font, fontSize=size - 1, leading=lead, textColor=GREY,
                            alignment=TA_RIGHT, wordWrap="CJK"),
        heading=ParagraphStyle("aid_heading", parent=body, fontSize=size + 1.5, leading=lead + 2,
                               textColor=ACCENT, spaceBefore=size * 0.6, spaceAfter=size * 0.3),
        step=ParagraphStyle("aid_step", parent=body, fontSize=size + 0.5, leading=lead + 0.5, textColor=ACCENT),
        guidance=ParagraphStyle("aid_guidance", parent=body, leftIndent=size * 1.2),
        card_title=ParagraphStyle("aid_card_title", parent=body, fontSize=size + 2.5, leading=lead + 4,
                                  textColor=ACCENT),
        body=body,
        small=ParagraphStyle("aid_small", parent=body, fontSize=size - 1, leading=(size - 1) * 1.4),
        wording=ParagraphStyle("aid_wording", parent=body, textColor=WORDING, leftIndent=size * 1.2),
        required=ParagraphStyle("aid_required", parent=body, fontSize=size - 1, leading=(size - 1) * 1.4,
                                textColor=colors.HexColor("#8a1c1c"), leftIndent=size * 1.2),
    )


def _style(st: _Styles, commands: list[tuple[Any, ...]]) -> TableStyle:
    """Every table names the CJK font: reportlab sets a cell font even for flowable cells, and its default
    (Helvetica) would put a non-embedded font into the PDF."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), st.body.fontName), *commands])


def _colon(language: str) -> str:
    return ": " if language == "en" else "："


def _gap(language: str) -> str:
    return " — " if language == "en" else "　"


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(_markup(text), style)


def _bullets(items: Sequence[Bilingual], st: _Styles, language: str) -> list[Flowable]:
    return [_p(f"· {item.text(language)}", st.small) for item in items]


def _card(card: StrategyCard, secondary: StrategyCard | None, st: _Styles, language: str) -> Table:
    name = card.name.text(language)
    heading = L_TYPE.text(language).format(name=name)
    if secondary is not None:
        heading += L_SECONDARY.text(language).format(name=secondary.name.text(language))
    left: list[Flowable] = [_p(L_DO.text(language), st.body), *_bullets(card.do, st, language)]
    right: list[Flowable] = [_p(L_AVOID.text(language), st.body), *_bullets(card.avoid, st, language)]
    columns = Table([[left, right]], colWidths=[WIDTH / 2 - 8, WIDTH / 2 - 8])
    columns.setStyle(_style(st, [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    phrases = [_p(f"“{p.text(language)}”", st.wording) for p in card.phrases]
    rows: list[list[Flowable | list[Flowable]]] = [
        [_p(heading, st.card_title)],
        [_p(f"{card.inner_sentence.text(language)}{_gap(language)}{L_STRATEGY.text(language)}{_colon(language)}"
            f"{card.summary.text(language)}", st.body)],
        [columns],
        [[_p(L_PHRASES.text(language), st.body), *phrases]],
    ]
    box = Table(rows, colWidths=[WIDTH])
    box.setStyle(_style(st, [
        ("BACKGROUND", (0, 0), (-1, -1), SHADE), ("BOX", (0, 0), (-1, -1), 0.8, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (0, 0), 6), ("BOTTOMPADDING", (0, -1), (-1, -1), 6)]))
    return box


def _type_table(st: _Styles, language: str) -> list[Flowable]:
    rows = [[_p(c.name.text(language), st.body), _p(c.inner_sentence.text(language), st.small),
             _p(c.summary.text(language), st.small)] for c in STRATEGY_CARDS.values()]
    table = Table(rows, colWidths=[WIDTH * 0.16, WIDTH * 0.38, WIDTH * 0.46])
    table.setStyle(_style(st, [
        ("BACKGROUND", (0, 0), (-1, -1), SHADE), ("BOX", (0, 0), (-1, -1), 0.8, RULE),
        ("INNERGRID", (0, 0), (-1, -1), 0.3, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [_p(L_NO_TYPE.text(language), st.body), Spacer(1, 3), table]


def _steps(checklist: Checklist, types: Sequence[PsychType | None], st: _Styles,
           language: str) -> list[Flowable]:
    story: list[Flowable] = [_p(L_STEPS.text(language), st.heading)]
    if checklist.summary.text(language):
        story.append(_p(checklist.summary.text(language), st.small))
    for n, step in enumerate(checklist.steps, 1):
        story.append(Spacer(1, st.body.fontSize * 0.5))
        story.append(_p(f"□ {n}. {step.title.text(language)}", st.step))
        story.append(_p(step.guidance.text(language), st.guidance))
        which, wording = step.wording_for(types)
        if wording is not None:
            if which and which != "default":
                label = L_WORDING_TYPED.text(language).format(name=STRATEGY_CARDS[PsychType(which)].name.text(language))
            else:
                label = L_WORDING.text(language)
            story.append(_p(f"{label}{_colon(language)}“{wording.text(language)}”", st.wording))
        if step.required_before:
            gates = ("; " if language == "en" else "；").join(gate_text(g, language) for g in step.required_before)
            story.append(_p(L_REQUIRED.text(language).format(gates=gates), st.required))
    return story


def _story(checklist: Checklist, types: Sequence[PsychType | None], language: str, case_number: str,
           st: _Styles) -> list[Flowable]:
    meta = L_VERSION.text(language).format(version=checklist.version)
    if case_number:
        meta = f"{L_CASE.text(language).format(number=case_number)}\n{meta}"
    title = f"{L_TITLE.text(language)}{_gap(language)}{checklist.title.text(language)}"
    head = Table([[_p(title, st.title), _p(meta, st.meta)]], colWidths=[WIDTH * 0.74, WIDTH * 0.26])
    head.setStyle(_style(st, [("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("LINEBELOW", (0, 0), (-1, 0), 1, ACCENT),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    story: list[Flowable] = [head, Spacer(1, 6)]
    known = [t for t in types if t is not None]
    if known:
        story.append(_card(STRATEGY_CARDS[known[0]], STRATEGY_CARDS[known[1]] if len(known) > 1 else None,
                           st, language))
    else:
        story.extend(_type_table(st, language))
    story.extend(_steps(checklist, types, st, language))
    return story


def _height(story: Sequence[Flowable]) -> float:
    total = 0.0
    for flowable in story:
        _w, h = flowable.wrap(WIDTH, HEIGHT)
        total += h + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


def render_conversation_aid(checklist: Checklist, types: Sequence[PsychType | None] = (), *,
                            language: str = "zh_CN", case_number: str = "", font: CjkFont | None = None) -> bytes:
    """The aid as PDF bytes (one A4 page); ``types`` are the customer's primary and secondary types."""
    cjk = font or load_cjk_font()
    language = "en" if language == "en" else "zh_CN"
    with _render_lock:
        for size in SIZES:
            st = _styles(cjk.name, size)
            story = _story(checklist, types, language, case_number, st)
            if _height(story) <= HEIGHT:
                break
        buffer = BytesIO()
        footer = L_FOOTER.text(language).format(key=checklist.key, version=checklist.version)

        def draw_footer(canvas: Canvas, _doc: BaseDocTemplate) -> None:
            canvas.saveState()
            canvas.setFont(cjk.name, 7.5)
            canvas.setFillColor(GREY)
            canvas.drawCentredString(PAGE_WIDTH / 2, MARGIN - 2 * mm, footer)
            canvas.restoreState()

        doc = BaseDocTemplate(
            buffer, pagesize=A4, invariant=1, initialFontName=cjk.name, initialFontSize=10,
            title=f"{L_TITLE.text(language)} {checklist.title.text(language)}", creator="Complaint Desk",
            lang="en" if language == "en" else "zh-CN", leftMargin=MARGIN, rightMargin=MARGIN,
            topMargin=MARGIN, bottomMargin=MARGIN + FOOTER_SPACE)
        frame = Frame(MARGIN, MARGIN + FOOTER_SPACE, WIDTH, HEIGHT, id="aid", leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0)
        doc.addPageTemplates([PageTemplate(id="aid", frames=[frame], onPage=draw_footer)])
        doc.build([KeepInFrame(WIDTH, HEIGHT, story, mode="shrink")])
    pdf = buffer.getvalue()
    check_fonts_embedded(pdf)
    return pdf
