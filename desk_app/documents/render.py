"""Drawing a composed letter as an A4 PDF with reportlab.

- One embedded TrueType CJK font for every piece of text (``desk_app.documents.fonts``); the canvas's
  initial font is that font too, so no standard (non-embedded) font is ever referenced.
- Chinese text wraps with ``wordWrap="CJK"`` (line-start punctuation hangs); English wraps at spaces.
- Letterhead (logo if configured, branch name), title, letter number, body, signature and seal area,
  footer with address and hotline, and "page n of m" on letters longer than one page.
- Deterministic: ``invariant=1`` and the PDF creation date is the issue time, so the same content
  gives the same bytes.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab.lib.textsplit as _rl_textsplit
import reportlab.platypus.paragraph as _rl_paragraph
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    HRFlowable,
    Image,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desk_app.documents.fonts import CjkFont, load_cjk_font
from desk_app.documents.letter import LetterContent
from desk_app.errors import BugError

log = logging.getLogger(__name__)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = MARGIN_RIGHT = 25 * mm
MARGIN_TOP = 18 * mm
MARGIN_BOTTOM = 24 * mm
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
INK = colors.HexColor("#1a1a1a")
ACCENT = colors.HexColor("#1f3a5f")
GREY = colors.HexColor("#5c6570")
RULE = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#eef1f5")
LOGO_HEIGHT = 15 * mm

# reportlab keeps per-document state on shared font objects: one render at a time per process.
_render_lock = threading.Lock()

# reportlab's line-start rules (kinsoku) come from Japanese typography; add the Chinese full-width
# punctuation that must not start a line either, so "，" or "：" hangs at the end of the line instead.
_CHINESE_CANNOT_START = "，：；！？》〉」』”’）】〕…％"
for _module in (_rl_paragraph, _rl_textsplit):  # multi-fragment and single-fragment paragraphs
    _module.ALL_CANNOT_START = _module.ALL_CANNOT_START + "".join(
        ch for ch in _CHINESE_CANNOT_START if ch not in _module.ALL_CANNOT_START)


@dataclass(frozen=True)
class _Styles:
    org: ParagraphStyle
    org_en: ParagraphStyle
    title: ParagraphStyle
    number: ParagraphStyle
    note: ParagraphStyle
    salutation: ParagraphStyle
    body: ParagraphStyle
    heading: ParagraphStyle
    cell_label: ParagraphStyle
    cell: ParagraphStyle
    sign: ParagraphStyle


def _styles(font: str, language: str) -> _Styles:
    cjk = language != "en"
    # CJK wrapping for English letters too: their facts and bases are often Chinese text, which has no
    # spaces to break at; reportlab's CJK breaker keeps Latin words whole where it can.
    wrap = "CJK"
    body = ParagraphStyle(
        "body", fontName=font, fontSize=12, leading=21, textColor=INK, wordWrap=wrap,
        alignment=TA_LEFT, firstLineIndent=24 if cjk else 0, spaceAfter=2 if cjk else 6,
        allowWidows=0, allowOrphans=0)
    return _Styles(
        org=ParagraphStyle("org", fontName=font, fontSize=17, leading=22, textColor=ACCENT, wordWrap=wrap),
        org_en=ParagraphStyle("org_en", fontName=font, fontSize=8.5, leading=11, textColor=GREY),
        title=ParagraphStyle("title", fontName=font, fontSize=19, leading=26, alignment=TA_CENTER,
                             textColor=INK, spaceBefore=16, spaceAfter=4, wordWrap=wrap),
        number=ParagraphStyle("number", fontName=font, fontSize=10, leading=14, alignment=TA_RIGHT,
                              textColor=GREY, spaceAfter=10),
        note=ParagraphStyle("note", fontName=font, fontSize=9.5, leading=14, textColor=INK, wordWrap=wrap,
                            borderColor=RULE, borderWidth=0.6, borderPadding=5, backColor=SHADE,
                            spaceBefore=2, spaceAfter=14),
        salutation=ParagraphStyle("salutation", parent=body, firstLineIndent=0, spaceBefore=4, spaceAfter=6,
                                  alignment=TA_LEFT),
        body=body,
        heading=ParagraphStyle("heading", parent=body, firstLineIndent=0, textColor=ACCENT, spaceBefore=9,
                               spaceAfter=3, alignment=TA_LEFT),
        cell_label=ParagraphStyle("cell_label", fontName=font, fontSize=10.5, leading=16, textColor=INK,
                                  wordWrap=wrap),
        cell=ParagraphStyle("cell", fontName=font, fontSize=10.5, leading=16, textColor=INK, wordWrap=wrap),
        sign=ParagraphStyle("sign", fontName=font, fontSize=12, leading=20, alignment=TA_CENTER, textColor=INK,
                            wordWrap=wrap),
    )


def _markup(text: str) -> str:
    """Plain text to Paragraph markup: everything escaped, newlines kept as line breaks."""
    return "<br/>".join(escape(line) for line in text.split("\n"))


def _logo(path_text: str) -> Flowable | None:
    if not path_text:
        return None
    path = Path(path_text).expanduser()
    try:
        reader = ImageReader(str(path))
        width, height = reader.getSize()
    except Exception as exc:  # a bad logo must not stop a letter; the letterhead is still complete
        log.warning("letter logo %s not used: %s", path, exc)
        return None
    if not width or not height:
        return None
    return Image(str(path), width=LOGO_HEIGHT * width / height, height=LOGO_HEIGHT)


def _table_style(font: str, *commands: tuple[Any, ...]) -> TableStyle:
    """Every table names the CJK font: reportlab sets a cell font even for flowable cells, and its
    default (Helvetica) would put a non-embedded font into the PDF."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), font), *commands])


_NO_PADDING: tuple[tuple[Any, ...], ...] = (
    ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0))


def _letterhead(content: LetterContent, st: _Styles) -> list[Flowable]:
    head = content.letterhead
    names: list[Flowable] = [Paragraph(_markup(head.name), st.org)]
    if head.name_en:
        names.append(Paragraph(_markup(head.name_en.upper() if head.name_en.isascii() else head.name_en),
                               st.org_en))
    logo = _logo(head.logo_path)
    if logo is not None:
        logo_width = min(float(logo.drawWidth), 60 * mm)
        table = Table([[logo, names]], colWidths=[logo_width + 4 * mm, TEXT_WIDTH - logo_width - 4 * mm])
        table.setStyle(_table_style(st.body.fontName, ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *_NO_PADDING))
        top: list[Flowable] = [table]
    else:
        top = names
    return [*top, Spacer(1, 2 * mm), HRFlowable(width="100%", thickness=1.6, color=ACCENT, spaceAfter=1),
            HRFlowable(width="100%", thickness=0.5, color=ACCENT, spaceAfter=0)]


def _rows_table(rows: tuple[tuple[str, str], ...], st: _Styles, language: str) -> Table:
    label_width = 30 * mm if language != "en" else 38 * mm
    data = [[Paragraph(_markup(label), st.cell_label), Paragraph(_markup(value), st.cell)] for label, value in rows]
    # splitInRow: a cell taller than a page (a very long remedy description) continues on the next page
    # instead of failing; a table that fits on a page is moved whole (KeepTogether in _story).
    table = Table(data, colWidths=[label_width, TEXT_WIDTH - label_width], hAlign="LEFT", splitInRow=1)
    table.setStyle(_table_style(
        st.cell.fontName,
        ("GRID", (0, 0), (-1, -1), 0.6, RULE),
        ("BACKGROUND", (0, 0), (0, -1), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ))
    return table


def _signature(content: LetterContent, st: _Styles) -> Table:
    """The issuing institution and date at the right, with room above for the seal."""
    width = 80 * mm
    cells = [[Spacer(1, 16 * mm)],
             [Paragraph(_markup(content.issuer_name), st.sign)],
             [Paragraph(_markup(content.labels.seal), ParagraphStyle("seal", parent=st.sign, fontSize=9,
                                                                       leading=12, textColor=GREY))],
             [Paragraph(_markup(content.date_text), st.sign)]]
    table = Table(cells, colWidths=[width], hAlign="RIGHT")
    table.setStyle(_table_style(st.sign.fontName, *_NO_PADDING))
    return table


def _story(content: LetterContent, st: _Styles) -> list[Flowable]:
    story = _letterhead(content, st)
    story.append(Paragraph(_markup(content.title), st.title))
    story.append(Paragraph(_markup(content.number_text), st.number))
    if content.correction_note:
        story.append(Paragraph(_markup(content.correction_note), st.note))
    story.append(Paragraph(_markup(content.salutation), st.salutation))
    for block in content.blocks:
        heading = [Paragraph(_markup(block.heading), st.heading)] if block.heading else []
        paragraphs = [Paragraph(_markup(text), st.body) for text in block.paragraphs]
        if block.rows:
            # A table (the compensation table, the receipt's details) is read as one: its rows stay
            # together and with their heading on one page. Only a table taller than a page is split,
            # between rows, never inside one.
            story.append(KeepTogether([*heading, *paragraphs, Spacer(1, 2 * mm),
                                       _rows_table(block.rows, st, content.language)]))
            story.append(Spacer(1, 2 * mm))
            continue
        if heading:
            # A heading never ends a page: it needs room for itself and the start of what follows
            # (two lines of text). KeepTogether with the whole next paragraph would instead push a
            # long paragraph to the next page and leave a gap.
            story.append(CondPageBreak(st.heading.leading + st.heading.spaceBefore + 2 * st.body.leading + 4))
            story.extend(heading)
        story.extend(paragraphs)
    closing: list[Flowable] = [Paragraph(_markup(text), st.body) for text in content.closing]
    if not closing:
        closing = story[-1:]
        del story[-1:]
    # The signature never stands alone on a page: the closing text travels with it.
    story.append(KeepTogether([*closing, Spacer(1, 4 * mm), _signature(content, st)]))
    return story


def _fit(text: str, font: str, size: float, width: float) -> float:
    while size > 6 and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _canvas_maker(content: LetterContent, font: str) -> Callable[..., Canvas]:
    if content.issued_at.tzinfo is None:
        raise BugError("a letter's issue time needs a time zone")
    stamp = f"D:{content.issued_at.astimezone(UTC):%Y%m%d%H%M%S}+00'00'"
    head = content.letterhead
    footer = "    ".join(part for part in (head.address_line, head.hotline_line) if part)

    class LetterCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type hints
        """Draws the footer, and "page n of m" once the number of pages is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.setDateFormatter(lambda *_parts: stamp)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._draw_footer(total)
                super().showPage()
            super().save()

        def _draw_footer(self, total: int) -> None:
            self.saveState()
            y = MARGIN_BOTTOM - 9 * mm
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(MARGIN_LEFT, y + 4.2 * mm, PAGE_WIDTH - MARGIN_RIGHT, y + 4.2 * mm)
            self.setFillColor(GREY)
            if footer:
                size = _fit(footer, font, 8.5, TEXT_WIDTH)
                self.setFont(font, size)
                self.drawCentredString(PAGE_WIDTH / 2, y, footer)
            if total > 1:
                self.setFont(font, 9)
                self.drawCentredString(PAGE_WIDTH / 2, y - 4.6 * mm,
                                       content.labels.page.format(page=self.getPageNumber(), pages=total))
            self.restoreState()

    return LetterCanvas


def _on_page(content: LetterContent, font: str, first: bool) -> Callable[[Canvas, BaseDocTemplate], None]:
    def draw(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        if not first:
            text = content.labels.continued.format(title=content.title, number=content.number or content.case_number)
            canvas.setFillColor(GREY)
            canvas.setFont(font, 8.5)
            y = PAGE_HEIGHT - MARGIN_TOP + 3 * mm
            canvas.drawRightString(PAGE_WIDTH - MARGIN_RIGHT, y, text)
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.5)
            canvas.line(MARGIN_LEFT, y - 2 * mm, PAGE_WIDTH - MARGIN_RIGHT, y - 2 * mm)
        canvas.restoreState()

    return draw


def _watermark(content: LetterContent, font: str) -> Callable[[Canvas, BaseDocTemplate], None]:
    """A draft says so across every page, over the text and tables (translucent)."""
    def draw(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        if not content.draft:
            return
        canvas.saveState()
        canvas.setFillColor(colors.Color(0.6, 0.1, 0.1, alpha=0.16))
        canvas.setFont(font, 54)
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(40)
        canvas.drawCentredString(0, 0, content.labels.draft)
        canvas.restoreState()

    return draw


_TYPE1 = re.compile(rb"/Subtype\s*/Type1\b")


def check_fonts_embedded(pdf: bytes) -> None:
    """A last guard: a PDF that references a standard (non-embedded) Type 1 font is a bug."""
    if _TYPE1.search(pdf):
        raise BugError("a letter PDF references a non-embedded standard font")


def render_letter(content: LetterContent, font: CjkFont | None = None) -> bytes:
    """The letter as PDF bytes; the same content (and font) always gives the same bytes."""
    cjk = font or load_cjk_font()
    st = _styles(cjk.name, content.language)
    buffer = BytesIO()
    later_top = MARGIN_TOP + 6 * mm
    frame_first = Frame(MARGIN_LEFT, MARGIN_BOTTOM, TEXT_WIDTH, PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
                        id="first", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    frame_later = Frame(MARGIN_LEFT, MARGIN_BOTTOM, TEXT_WIDTH, PAGE_HEIGHT - later_top - MARGIN_BOTTOM,
                        id="later", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    title = f"{content.title} {content.number}".strip()
    doc = BaseDocTemplate(
        buffer, pagesize=A4, invariant=1, initialFontName=cjk.name, initialFontSize=12, initialLeading=18,
        title=title, author=content.issuer_name, subject=content.case_number, creator="Complaint Desk",
        lang="en" if content.language == "en" else "zh-CN",
        leftMargin=MARGIN_LEFT, rightMargin=MARGIN_RIGHT, topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
    )
    doc.addPageTemplates([
        PageTemplate(id="first", frames=[frame_first], onPage=_on_page(content, cjk.name, True),
                     onPageEnd=_watermark(content, cjk.name), autoNextPageTemplate="later"),
        PageTemplate(id="later", frames=[frame_later], onPage=_on_page(content, cjk.name, False),
                     onPageEnd=_watermark(content, cjk.name)),
    ])
    with _render_lock:
        doc.build(_story(content, st), canvasmaker=_canvas_maker(content, cjk.name))
    pdf = buffer.getvalue()
    check_fonts_embedded(pdf)
    return pdf


def render_in_worker(content: LetterContent, font_spec: str) -> bytes:
    """``render_letter`` for a worker process (registers the font there on first use); picklable."""
    return render_letter(content, load_cjk_font(font_spec))

