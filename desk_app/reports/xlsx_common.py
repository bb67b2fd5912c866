"""Small helpers shared by the workbook writers: sheet titles, number formats, atomic saving."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from desk_app.files import atomic_path as atomic_path  # the workbook writers save through it

if TYPE_CHECKING:  # the streaming writer uses this module without openpyxl
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

FMT_INT = "#,##0"
FMT_PCT = "0.0%"
FMT_CHANGE_PCT = "+0.0%;-0.0%;0.0%"
FMT_CHANGE = "+#,##0;-#,##0;0"
FMT_MONEY = "#,##0.00"
FMT_DAYS = "0.0"
FMT_SCORE = "0.00"
FMT_DATE = "yyyy-mm-dd"
FMT_DATETIME = "yyyy-mm-dd hh:mm"

_BAD_TITLE_CHARS = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 forbids (Excel refuses the file): C0 controls except tab, newline, carriage return.
ILLEGAL_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_CELL_TEXT = 32767


def sheet_title(text: str, used: set[str] | None = None) -> str:
    """A valid, unique worksheet name: at most 31 characters, none of []:*?/\\."""
    base = _BAD_TITLE_CHARS.sub(" ", text).strip().strip("'")[:31] or "Sheet"
    title, n = base, 2
    while used is not None and title.lower() in {u.lower() for u in used}:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    if used is not None:
        used.add(title)
    return title


def clean_text(value: str) -> str:
    """Text a cell can hold: no XML-illegal characters, at most 32,767 characters."""
    text = ILLEGAL_XML_CHARS.sub("", value)
    return text if len(text) <= MAX_CELL_TEXT else text[:MAX_CELL_TEXT - 1] + "…"


def display_width(text: str) -> int:
    """Approximate column width of ``text``: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` to a cell; text is cleaned (``clean_text``) and always stored as text, never as a
    formula: openpyxl would store "=HYPERLINK(…)" in a customer's name or a cause as a formula that the
    spreadsheet runs when the file is opened (formula injection)."""
    cell = ws.cell(row=row, column=column, value=clean_text(value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
