"""A fast, streaming reader for .xlsx sheets (lxml ``iterparse`` over the zipped XML).

openpyxl's read-only mode builds a cell object per value and reads inline strings slowly (measured
here: a 100,000-case export took minutes). This reader yields plain values row by row with flat
memory: text, numbers, booleans, and ``datetime`` for numbers shown with a date format (Excel
serial dates, 1900 and 1904 systems), plus the sheet's merged ranges (read from the end of the
sheet, for merged header cells). It reads what Excel, WPS, LibreOffice and openpyxl write.

A workbook is a zip: before anything is parsed, its members' sizes and compression ratios are
checked against ``ParseLimits`` (a zip bomb is refused unread; ``zipfile`` itself never inflates a
member past its declared size). While a sheet is read, rows, columns and cell lengths are bounded
too, and no text node may exceed libxml2's 10 MB (``huge_tree`` stays off).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import column_index_from_string, range_boundaries

from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.reports.limits import (
    DEFAULT_LIMITS,
    ParseLimits,
    cell_too_long,
    file_too_big,
    too_many_columns,
    too_many_rows,
)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
# Built-in number formats that are dates in East Asian versions of Excel (not in openpyxl's table).
_CJK_DATE_FORMAT_IDS = frozenset(range(27, 37)) | frozenset(range(50, 59))
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)
#: What a damaged or truncated workbook raises while it is read: a broken zip member (bad CRC, bad
#: deflate data, an unknown compression method, encryption), broken XML, or nonsense in a cell or style.
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, etree.LxmlError, ValueError, IndexError,
           NotImplementedError, RuntimeError)


@dataclass(frozen=True)
class SheetInfo:
    name: str
    path: str
    state: str


def excel_serial_to_datetime(serial: float, date1904: bool = False) -> datetime:
    """Excel's day number (with fraction) as a naive datetime. The 1900 system counts a phantom
    29 February 1900 (serial 60), so serials before 61 are one day later than the epoch suggests."""
    if date1904:
        base = _EPOCH_1904
    elif serial < 61:
        base = _EPOCH_1900 + timedelta(days=1)
    else:
        base = _EPOCH_1900
    moment = base + timedelta(days=serial)
    # Excel stores times as fractions of a day: round away float noise to the nearest second.
    micro = moment.microsecond
    if micro:
        moment = moment.replace(microsecond=0) + timedelta(seconds=round(micro / 1_000_000))
    return moment


class XlsxReader:
    """Opens an .xlsx file; ``rows(sheet)`` may be called several times (each call re-reads)."""

    def __init__(self, path: Path, limits: ParseLimits = DEFAULT_LIMITS) -> None:
        self.path = Path(path)
        self.limits = limits
        try:
            self._zip = zipfile.ZipFile(self.path)
        except _DAMAGE as exc:
            raise ValidationError(_("{name} is not a readable Excel workbook (.xlsx): {error}").format(
                name=self.path.name, error=exc)) from exc
        try:
            self._check_sizes()
            self._load_workbook()
        except etree.XMLSyntaxError as exc:
            self._zip.close()
            if _text_too_long(exc):
                raise cell_too_long(self.path.name, _("shared strings"), 10_000_000, limits) from exc
            raise ValidationError(_("{name} is not a readable Excel workbook (.xlsx): {error}").format(
                name=self.path.name, error=exc)) from exc
        except _DAMAGE as exc:
            self._zip.close()
            raise ValidationError(_("{name} is not a readable Excel workbook (.xlsx): {error}").format(
                name=self.path.name, error=exc)) from exc
        except ValidationError:
            self._zip.close()
            raise

    def _check_sizes(self) -> None:
        """Refuse a zip bomb before inflating anything: declared sizes and ratios of every member."""
        limits, name = self.limits, self.path.name
        total = 0
        for info in self._zip.infolist():
            total += info.file_size
            if info.file_size > limits.max_member_bytes:
                raise file_too_big(f"{name}: {info.filename}", info.file_size, limits.max_member_bytes)
            if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
                    info.compress_size, 1):
                raise ValidationError(_("{name}: {part} unzips to {ratio:,} times its size; a workbook of Excel, "
                                        "WPS or LibreOffice does not. The file is refused (a zip bomb?).").format(
                    name=name, part=info.filename, ratio=info.file_size // max(info.compress_size, 1)))
        if total > limits.max_unzipped_bytes:
            raise file_too_big(f"{name} (unzipped)", total, limits.max_unzipped_bytes)

    def _part_size(self, part: str, limit: int) -> None:
        size = self._zip.getinfo(part).file_size
        if size > limit:
            raise file_too_big(f"{self.path.name}: {part}", size, limit)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> XlsxReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- workbook structure ------------------------------------------------------------------------

    def _xml(self, name: str) -> Any:
        self._part_size(name, self.limits.max_small_part_bytes)
        with self._zip.open(name) as fh:
            return etree.parse(fh).getroot()

    def _load_workbook(self) -> None:
        rels_root = self._xml("xl/_rels/workbook.xml.rels")
        targets = {}
        for rel in rels_root:
            target = rel.get("Target", "")
            targets[rel.get("Id")] = (target.lstrip("/") if target.startswith("/")
                                      else posixpath.normpath(posixpath.join("xl", target)))
        root = self._xml("xl/workbook.xml")
        ns = root.nsmap.get(None, _MAIN)
        pr = root.find(f"{{{ns}}}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904") in ("1", "true")
        self.sheets: list[SheetInfo] = []
        for sheet in root.iter(f"{{{ns}}}sheet"):
            rid = sheet.get(f"{{{_REL}}}id") or sheet.get("{http://purl.oclc.org/ooxml/officeDocument/relationships}id")
            self.sheets.append(SheetInfo(sheet.get("name", ""), targets.get(rid, ""), sheet.get("state", "visible")))
        names = set(self._zip.namelist())
        self.shared: list[str] = []
        shared_name = next((t for t in targets.values() if t.endswith("sharedStrings.xml")), "xl/sharedStrings.xml")
        if shared_name in names:
            self._part_size(shared_name, self.limits.max_shared_strings_bytes)
            max_chars = self.limits.max_cell_chars
            with self._zip.open(shared_name) as fh:
                for _event, si in etree.iterparse(fh, tag=(f"{{{_MAIN}}}si", f"{{{_STRICT_MAIN}}}si")):
                    text = _si_text(si)
                    if len(text) > max_chars:
                        raise cell_too_long(self.path.name, _("shared string {n}").format(n=len(self.shared) + 1),
                                            len(text), self.limits)
                    self.shared.append(text)
                    si.clear()
                    while si.getprevious() is not None:
                        del si.getparent()[0]
        self.date_styles: set[int] = set()
        styles_name = next((t for t in targets.values() if t.endswith("styles.xml")), "xl/styles.xml")
        if styles_name in names:
            styles = self._xml(styles_name)
            sns = styles.nsmap.get(None, _MAIN)
            custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "")
                      for f in styles.iter(f"{{{sns}}}numFmt")}
            xfs = styles.find(f"{{{sns}}}cellXfs")
            for index, xf in enumerate(xfs if xfs is not None else []):
                fmt_id = int(xf.get("numFmtId", "0"))
                code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
                if fmt_id in _CJK_DATE_FORMAT_IDS or (code and is_date_format(code)):
                    self.date_styles.add(index)

    def sheet(self, name: str | None = None) -> SheetInfo:
        """The named sheet, or the first visible one."""
        if name is None:
            found = next((s for s in self.sheets if s.state == "visible"), None)
        else:
            found = next((s for s in self.sheets if s.name == name), None)
        if found is None:
            raise ValidationError(_("{file} has no sheet named {sheet}.").format(file=self.path.name,
                                                                                sheet=name or "?"))
        return found

    def merged_ranges(self, sheet: SheetInfo) -> list[tuple[int, int, int, int]]:
        """(min_col, min_row, max_col, max_row) of each merged range (1-based)."""
        try:
            ranges = []
            tail = b""
            with self._zip.open(sheet.path) as fh:  # in chunks: a sheet may be hundreds of MB
                while chunk := fh.read(1024 * 1024):
                    data = tail + chunk
                    end = 0
                    for match in _MERGE.finditer(data):
                        min_col, min_row, max_col, max_row = range_boundaries(match.group(1).decode())
                        ranges.append((min_col or 1, min_row or 1, max_col or 1, max_row or 1))
                        end = match.end()
                    tail = data[max(end, len(data) - 200):]
        except _DAMAGE as exc:
            raise self._damaged(sheet, exc) from exc
        return ranges

    def _damaged(self, sheet: SheetInfo, exc: BaseException) -> ValidationError:
        return ValidationError(_("{name} is damaged or incomplete: sheet {sheet} cannot be read ({error}). Open "
                                 "it in Excel or WPS and save it again.").format(
            name=self.path.name, sheet=sheet.name, error=exc))

    # -- rows ----------------------------------------------------------------------------------

    def rows(self, sheet: SheetInfo) -> Iterator[tuple[int, list[Any]]]:
        """(row number, values) for each row present in the sheet; missing cells are None. A sheet that
        is damaged or cut short raises ValidationError when the reading gets there."""
        shared, date_styles, date1904 = self.shared, self.date_styles, self.date1904
        limits, name = self.limits, self.path.name
        try:
            with self._zip.open(sheet.path) as fh:
                context = etree.iterparse(fh, events=("end",), tag=(f"{{{_MAIN}}}row", f"{{{_STRICT_MAIN}}}row"))
                expected_row = 0
                tags: _Tags | None = None
                for _event, row in context:
                    if tags is None:
                        tags = _Tags(row.tag[1:row.tag.index("}")])
                    expected_row = int(row.get("r") or expected_row + 1)
                    if expected_row > limits.max_rows:
                        raise too_many_rows(name, limits)
                    values: list[Any] = []
                    next_col = 1
                    for c in row:
                        ref = c.get("r")
                        col = _column(ref) if ref else next_col
                        next_col = col + 1
                        value = _cell_value(c, tags, shared, date_styles, date1904)
                        if value is None:
                            continue
                        if col > limits.max_columns:
                            raise too_many_columns(name, expected_row, col, limits)
                        if isinstance(value, str) and len(value) > limits.max_cell_chars:
                            raise cell_too_long(name, ref or f"R{expected_row}C{col}", len(value), limits)
                        if col > len(values):
                            values.extend([None] * (col - len(values)))
                        values[col - 1] = value
                    row.clear()
                    while row.getprevious() is not None:
                        del row.getparent()[0]
                    yield expected_row, values
        except etree.XMLSyntaxError as exc:
            if _text_too_long(exc):
                raise cell_too_long(name, _("sheet {sheet}").format(sheet=sheet.name), 10_000_000,
                                    limits) from exc
            raise self._damaged(sheet, exc) from exc
        except _DAMAGE as exc:
            raise self._damaged(sheet, exc) from exc


def _text_too_long(exc: etree.XMLSyntaxError) -> bool:
    """libxml2's bound on one text node (10 MB without ``huge_tree``) was hit."""
    return "too long" in str(exc) or "huge text" in str(exc).lower()


class _Tags:
    """Qualified tag names of one sheet's namespace (transitional or strict)."""

    def __init__(self, ns: str) -> None:
        self.v, self.is_, self.t, self.r = f"{{{ns}}}v", f"{{{ns}}}is", f"{{{ns}}}t", f"{{{ns}}}r"


_COLUMNS: dict[str, int] = {}


def _column(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    col = _COLUMNS.get(letters)
    if col is None:
        col = _COLUMNS[letters] = column_index_from_string(letters)
    return col


def _si_text(si: Any) -> str:
    """The text of a shared or inline string: its <t>, or its rich-text runs (phonetic runs left out)."""
    parts = []
    for node in si.iter():
        if isinstance(node.tag, str) and node.tag.endswith("}t"):
            parent = node.getparent()
            if parent is None or not parent.tag.endswith("}rPh"):
                parts.append(node.text or "")
    return "".join(parts)


def _cell_value(c: Any, tags: _Tags, shared: list[str], date_styles: set[int], date1904: bool) -> Any:
    kind = c.get("t", "n")
    if kind == "inlineStr":
        is_ = c.find(tags.is_)
        if is_ is None:
            return None
        if len(is_) == 1 and is_[0].tag == tags.t:  # the usual case: one plain text
            return is_[0].text or ""
        return _si_text(is_)
    v = c.find(tags.v)
    if v is None or v.text is None:
        return None
    text = v.text
    if kind == "s":
        index = int(text)
        return shared[index] if 0 <= index < len(shared) else None
    if kind in ("str", "e"):
        return text
    if kind == "b":
        return text in ("1", "true")
    if kind == "d":
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    number = float(text)
    style = c.get("s")
    if style is not None and int(style) in date_styles:
        return excel_serial_to_datetime(number, date1904)
    if number.is_integer() and "." not in text and "E" not in text.upper():
        return int(text)
    return number
