"""Reading a CSV file as branches and public registers export it: RFC 4180 first, a guess only when that fails.

- Encoding: a BOM (UTF-8, UTF-16), else strict UTF-8, else UTF-16 without a BOM (NUL bytes in every
  other place), else GB18030 (which includes GBK and GB2312). The whole file is checked, in chunks.
- Format: RFC 4180 (fields in double quotes, a quote inside written twice, line breaks inside quoted
  fields) with the separator that gives the steadiest number of fields (comma, tab, semicolon, bar).
  Only when the whole file does not parse that way is ``csv.Sniffer``'s guess from its first lines
  used, and the guess is named in ``CsvFormat.description`` so the dry run can show it.
- Bounds (``ParseLimits``): file size, line length, cell length, columns and rows, checked while
  reading, each with a clear message. The file is streamed: memory holds one line, not the file.
"""

from __future__ import annotations

import codecs
import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desk_app.errors import ValidationError
from desk_app.i18n import _
from desk_app.reports.limits import (
    DEFAULT_LIMITS,
    ParseLimits,
    cell_too_long,
    check_file_size,
    too_many_columns,
    too_many_rows,
)

CHUNK = 1024 * 1024
SAMPLE_LINES = 200
DELIMITERS = (",", "\t", ";", "|")
_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "bar"}


@dataclass(frozen=True)
class CsvFormat:
    encoding: str
    delimiter: str
    quotechar: str = '"'
    doublequote: bool = True
    escapechar: str | None = None
    sniffed: bool = False
    """True when the file is not RFC 4180 and the format was guessed from its first lines."""
    strict_error: str = ""
    """Where and why the standard reading failed, when ``sniffed``."""

    def dialect(self) -> dict[str, Any]:
        return {"delimiter": self.delimiter, "quotechar": self.quotechar, "doublequote": self.doublequote,
                "escapechar": self.escapechar, "strict": not self.sniffed, "skipinitialspace": False}

    @property
    def description(self) -> str:
        separator = _NAMES.get(self.delimiter, repr(self.delimiter))
        if not self.sniffed:
            return _("Read as standard CSV (RFC 4180), {encoding}, {separator} separated.").format(
                encoding=self.encoding, separator=_(separator))
        return _("The file is not standard CSV (RFC 4180): it was read with a format guessed from its first lines "
                 "— {encoding}, {separator} separated, quote {quote}, doubled quotes {doubled}. Check the rows and "
                 "the counts below against the file.").format(
            encoding=self.encoding, separator=_(separator), quote=self.quotechar,
            doubled=_("yes") if self.doublequote else _("no")) + (
            " " + _("(Standard reading stopped at: {error})").format(error=self.strict_error)
            if self.strict_error else "")


class CsvSyntaxError(ValidationError):
    """The text does not follow the CSV format being tried."""


# ---- encoding ---------------------------------------------------------------------------------------

def _damaged(offset: int) -> ValidationError:
    return ValidationError(_("The file is damaged or incomplete: its text breaks off at byte {offset}. Save it "
                             "again as CSV UTF-8.").format(offset=offset))


def _decodes(path: Path, encoding: str, skip: int = 0) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with path.open("rb") as fh:
        fh.seek(skip)
        try:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > half * 0.3 and even < half * 0.05:
        return "utf-16-le"
    if even > half * 0.3 and odd < half * 0.05:
        return "utf-16-be"
    return None


def detect_encoding(path: Path) -> str:
    """The file's encoding, as a Python codec name; ValidationError when it is none of the known ones."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            if not _decodes(path, encoding):
                raise _damaged(_first_bad_offset(path, encoding))
            return encoding
    if _decodes(path, "utf-8"):
        return "utf-8"
    wide = _utf16_without_bom(head)
    if wide is not None and _decodes(path, wide):
        return wide
    if _decodes(path, "gb18030"):
        return "gb18030"
    raise ValidationError(_("The file's text encoding is not UTF-8, UTF-16 or GB18030/GBK: save it as CSV UTF-8."))


def _first_bad_offset(path: Path, encoding: str) -> int:
    data = path.read_bytes()
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc.start
    return len(data)


# ---- lines and records ----------------------------------------------------------------------------

def _lines(fh: Any, name: str, limits: ParseLimits) -> Iterator[str]:
    """Physical lines, each at most ``max_line_chars`` long (a longer one is refused, never held whole)."""
    number = 0
    while True:
        line = fh.readline(limits.max_line_chars + 1)
        if not line:
            return
        number += 1
        if len(line) > limits.max_line_chars:
            raise ValidationError(_("{name}, line {line}: longer than {n:,} characters (no line break). Is it a CSV "
                                    "file?").format(name=name, line=number, n=limits.max_line_chars))
        yield line


def _records(path: Path, fmt: CsvFormat, limits: ParseLimits) -> Iterator[tuple[int, list[str]]]:
    """(record number, fields) of each record; bounds checked; csv errors made clear messages."""
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_line_chars + 1))
    name = path.name
    with path.open("r", encoding=fmt.encoding, newline="", errors="strict") as fh:
        reader = csv.reader(_lines(fh, name, limits), **fmt.dialect())
        number = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise CsvSyntaxError(_("{name}, line {line}: not readable as CSV ({error}).").format(
                    name=name, line=reader.line_num, error=exc)) from exc
            except UnicodeDecodeError as exc:
                raise _damaged(exc.start) from exc
            number += 1
            if number > limits.max_rows:
                raise too_many_rows(name, limits)
            if len(row) > limits.max_columns:
                raise too_many_columns(name, number, len(row), limits)
            if row and max(map(len, row)) > limits.max_cell_chars:
                raise cell_too_long(name, _("row {row}").format(row=number), max(map(len, row)), limits)
            yield number, row


def _steadiness(lines: list[str], delimiter: str) -> tuple[float, int]:
    """(share of sample records with the most common field count, that count) for one separator."""
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True)
    widths: Counter[int] = Counter()
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                widths[len(row)] += 1
    except csv.Error:
        return 0.0, 0
    if not widths:
        return 0.0, 0
    width, count = widths.most_common(1)[0]
    return (count / sum(widths.values()) if width > 1 else 0.0), width


def _sample(path: Path, encoding: str, limits: ParseLimits) -> list[str]:
    with path.open("r", encoding=encoding, newline="", errors="strict") as fh:
        lines = []
        for line in _lines(fh, path.name, limits):
            lines.append(line)
            if len(lines) >= SAMPLE_LINES:
                break
    return lines


def _strict_error(path: Path, fmt: CsvFormat, limits: ParseLimits) -> str | None:
    """None when the whole file reads as RFC 4180 with this separator, else where it stops (bound
    violations are raised, not hidden)."""
    try:
        for _record in _records(path, fmt, limits):
            pass
    except CsvSyntaxError as exc:
        return str(exc)
    return None


def detect_format(path: Path, limits: ParseLimits = DEFAULT_LIMITS) -> CsvFormat:
    """Encoding and dialect: RFC 4180 with the steadiest separator when the whole file parses that way,
    else ``csv.Sniffer``'s guess (marked ``sniffed``)."""
    path = Path(path)
    check_file_size(path.name, path.stat().st_size, limits)
    encoding = detect_encoding(path)
    lines = _sample(path, encoding, limits)
    scored = [(*_steadiness(lines, d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(scored)
    delimiter = best[3] if best[0] > 0 else ","
    strict = CsvFormat(encoding, delimiter)
    error = _strict_error(path, strict, limits)
    if error is None:
        return strict
    try:
        sniffed = csv.Sniffer().sniff("".join(lines), delimiters="".join(DELIMITERS))
    except csv.Error:
        sniffed = None
    guess = CsvFormat(encoding, sniffed.delimiter if sniffed else delimiter,
                      (sniffed.quotechar or '"') if sniffed else '"',
                      bool(sniffed.doublequote) if sniffed else True,
                      sniffed.escapechar if sniffed else None, sniffed=True, strict_error=error)
    for _record in _records(path, guess, limits):  # a file that reads in no way is refused here
        pass
    return guess


def read_records(path: Path, fmt: CsvFormat, limits: ParseLimits = DEFAULT_LIMITS
                 ) -> Iterator[tuple[int, list[Any]]]:
    """(record number, cells) with empty cells as None, for ``tabular``."""
    for number, row in _records(Path(path), fmt, limits):
        yield number, [cell if cell.strip() else None for cell in row]
