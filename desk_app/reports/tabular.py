"""Reading a branch's own register (.xlsx or .csv) as a table: where the header is, what each column is
called, and the data rows with their row numbers in the file.

Real registers have a title above the header ("2025年投诉登记台账"), headers over two rows with merged
group cells ("客户信息" over "姓名 | 电话"), blank lines, and a total row at the end. The header row is
the row among the first 30 that names most known columns (or else the first row that is mostly
text and as wide as the table); a second header row is taken when the first has merged cells
spanning several columns (or, in CSV, blank cells above text). A merged group name is repeated over
its columns and joined to the lower name: "客户信息/姓名".

CSV (``desk_app.reports.csv_read``): RFC 4180 first, UTF-8 (with or without BOM), GB18030 (which
includes GBK and GB2312) or UTF-16; comma, semicolon, tab or bar separated. A file without a header
row is read with its columns named by number ("#1", "#2", …), and a mapping may name any column by
number that way. Every file is read within ``ParseLimits``.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.reports.csv_read import CsvFormat, detect_format, read_records
from desk_app.reports.limits import DEFAULT_LIMITS, ParseLimits, check_file_size
from desk_app.reports.parsing import normalise_text
from desk_app.reports.xlsx_read import XlsxReader

HEADER_SCAN_ROWS = 30
SUMMARY_MARKERS = ("合计", "总计", "小计", "total", "sum")
ENCODINGS = ("utf-8", "gb18030")


@dataclass
class SourceTable:
    """A table read from a file; ``rows()`` re-reads the file each time (memory stays flat)."""

    source: str
    kind: str
    """"xlsx" or "csv"."""
    sheet: str | None
    encoding: str | None
    headers: list[str]
    header_rows: tuple[int, ...]
    _reader: Callable[[], Iterator[tuple[int, list[Any]]]] = field(repr=False)
    csv_format: CsvFormat | None = None

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number in the file, values) for each row below the header: at least as many values as
        ``headers`` (cells beyond the last header are kept, so that a reader can refuse them)."""
        last_header = self.header_rows[-1] if self.header_rows else 0
        width = len(self.headers)
        for number, values in self._reader():
            if number <= last_header:
                continue
            yield number, values + [None] * (width - len(values))


def is_blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def is_summary_row(values: list[Any]) -> bool:
    """A total line: its first non-empty cell says 合计/总计/小计/Total."""
    first = next((v for v in values if v is not None and str(v).strip()), None)
    return isinstance(first, str) and normalise_text(first).lower().replace(" ", "").startswith(SUMMARY_MARKERS)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _header_score(values: list[Any], known: Callable[[str], bool]) -> tuple[int, int]:
    texts = [normalise_text(v) for v in values if _is_text(v)]
    return sum(1 for t in texts if known(t)), len(texts)


def detect_header(rows: list[tuple[int, list[Any]]], known: Callable[[str], bool],
                  merged: list[tuple[int, int, int, int]] | None = None, header_row: int | None = None,
                  header_rows: int | None = None) -> tuple[list[str], tuple[int, ...]]:
    """Column names and the header's row numbers, from the first rows of a sheet."""
    if not rows:
        raise ValidationError(_("The file has no rows."))
    by_number = dict(rows)
    if header_row is None:
        width = max((sum(1 for v in values if not (v is None or str(v).strip() == "")) for _n, values in rows),
                    default=0)
        scored = [(number, *_header_score(values, known)) for number, values in rows]
        best = max(scored, key=lambda s: (s[1], -s[0]))
        if best[1] >= 2:
            header_row = best[0]
        else:
            header_row = next((n for n, _k, texts in scored if texts >= max(2, width * 0.6)), rows[0][0])
    if header_row not in by_number:
        raise ValidationError(_("Row {row} (the header) is empty.").format(row=header_row))
    top = list(by_number[header_row])
    merged = merged or []
    spans = [(c1, c2) for c1, r1, c2, r2 in merged if r1 <= header_row <= r2 and c2 > c1]
    if header_rows is None:
        below = by_number.get(header_row + 1)
        header_rows = 1
        if below is not None and not any(isinstance(v, int | float) and not isinstance(v, bool) for v in below):
            fills_gap = any(_is_text(v) and (j >= len(top) or not _is_text(top[j])) for j, v in enumerate(below))
            if (spans and any(_is_text(v) for v in below)) or (not merged and fills_gap
                                                                and _header_score(below, known)[0] >= 1):
                header_rows = 2
    if header_rows not in (1, 2):
        raise ValidationError(_("A header has one or two rows."))
    width = max(len(top), *(len(by_number.get(header_row + k, [])) for k in range(header_rows)))
    top += [None] * (width - len(top))
    if header_rows == 2:
        bottom = list(by_number.get(header_row + 1, [])) + [None] * width
        bottom = bottom[:width]
        filled = list(top)
        for c1, c2 in spans:  # a merged group name covers all its columns
            for j in range(c1, c2 + 1):
                if j - 1 < width and not _is_text(filled[j - 1]):
                    filled[j - 1] = top[c1 - 1]
        if not merged:  # CSV: a blank above a lower name belongs to the group on its left
            for j in range(1, width):
                if not _is_text(filled[j]) and _is_text(bottom[j]) and _is_text(filled[j - 1]) and _is_text(
                        bottom[j - 1]):
                    filled[j] = filled[j - 1]
        names = []
        for upper, lower in zip(filled, bottom, strict=True):
            parts = [normalise_text(p) for p in (upper, lower) if _is_text(p)]
            names.append("/".join(dict.fromkeys(parts)))
    else:
        names = [normalise_text(v) if v is not None else "" for v in top]
    data_rows = [values for number, values in rows if number >= header_row + header_rows]
    while len(names) > 1 and not names[-1] and all(
            len(values) < len(names) or is_blank([values[len(names) - 1]]) for values in data_rows):
        names.pop()  # an empty column at the right edge
    headers, seen = [], set()
    for j, name in enumerate(names, start=1):
        name = name or _("Column {n}").format(n=j)
        unique, k = name, 2
        while unique in seen:
            unique, k = f"{name} ({k})", k + 1
        seen.add(unique)
        headers.append(unique)
    return headers, tuple(range(header_row, header_row + header_rows))


def column_label(number: int) -> str:
    """The name of a column by its number (1-based), for files without a header row."""
    return f"#{number}"


def numbered_headers(rows: list[tuple[int, list[Any]]]) -> list[str]:
    if not rows:
        raise ValidationError(_("The file has no rows."))
    return [column_label(j) for j in range(1, max(len(values) for _n, values in rows) + 1)]


def decode_csv(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of CSV bytes: BOM first, then strict UTF-8, then GB18030."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "utf-16"
    except UnicodeDecodeError as exc:  # a BOM, then bytes that do not follow it: damaged or cut short
        raise ValidationError(_("The file is damaged or incomplete: its text breaks off at byte {offset}. Save "
                                "it again as CSV UTF-8.").format(offset=exc.start)) from exc
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file's text encoding is not UTF-8 or GB18030/GBK: save it as CSV UTF-8."))


def _head(rows: Iterator[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
    head = []
    for item in rows:
        head.append(item)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    return head


def read_table(path: Path, known: Callable[[str], bool], sheet: str | None = None, header_row: int | None = None,
               header_rows: int | None = None, no_header: bool = False,
               limits: ParseLimits = DEFAULT_LIMITS) -> SourceTable:
    """Open ``path`` (.xlsx or .csv/.txt) and find its header (or number its columns: ``no_header``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        check_file_size(path.name, path.stat().st_size, limits)
        reader = XlsxReader(path, limits)
        info = reader.sheet(sheet)

        def xlsx_rows() -> Iterator[tuple[int, list[Any]]]:
            return reader.rows(info)

        head = _head(xlsx_rows())
        if no_header:
            return SourceTable(path.name, "xlsx", info.name, None, numbered_headers(head), (), xlsx_rows)
        headers, numbers = detect_header(head, known, reader.merged_ranges(info), header_row, header_rows)
        return SourceTable(path.name, "xlsx", info.name, None, headers, numbers, xlsx_rows)
    if suffix in (".csv", ".txt", ".tsv"):
        fmt = detect_format(path, limits)

        def csv_rows() -> Iterator[tuple[int, list[Any]]]:
            return read_records(path, fmt, limits)

        head = _head(csv_rows())
        if no_header:
            return SourceTable(path.name, "csv", None, fmt.encoding, numbered_headers(head), (), csv_rows, fmt)
        headers, numbers = detect_header(head, known, None, header_row, header_rows)
        return SourceTable(path.name, "csv", None, fmt.encoding, headers, numbers, csv_rows, fmt)
    if suffix == ".xls":
        raise ValidationError(_("{name} is an old Excel 97–2003 file (.xls): open it in Excel or WPS and save it as "
                                ".xlsx, or as CSV.").format(name=path.name))
    raise ValidationError(_("{name}: only .xlsx and .csv files can be imported.").format(name=path.name))
