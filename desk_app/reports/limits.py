"""Bounds on reading untrusted files (registers, branch exports): sizes, zip ratios, rows, columns, cells.

A file from outside is checked against these before and while it is parsed, so a zip bomb, a
workbook with one enormous cell, a CSV with a million columns or a line of 100 MB is refused with
a clear message instead of taking the machine's memory or minutes of work. The readers stream:
memory stays near the size of one row, plus an .xlsx file's shared strings (bounded here too).
"""

from __future__ import annotations

from dataclasses import dataclass

from desk_app.errors import ValidationError
from desk_app.i18n import _

MiB = 1024 * 1024


@dataclass(frozen=True)
class ParseLimits:
    max_file_bytes: int = 512 * MiB
    """The file as it is on disk (CSV or zipped workbook)."""
    max_unzipped_bytes: int = 2048 * MiB
    """All members of a workbook together, uncompressed."""
    max_member_bytes: int = 1024 * MiB
    """One member (one sheet's XML), uncompressed."""
    max_small_part_bytes: int = 64 * MiB
    """Workbook parts read whole (workbook.xml, relationships, styles)."""
    max_shared_strings_bytes: int = 256 * MiB
    """The shared strings part: kept in memory while a sheet is read."""
    max_ratio: int = 250
    """Uncompressed / compressed size of a member bigger than ``ratio_floor_bytes``. Sheets of Excel, WPS
    and LibreOffice zip about 5 to 50 times; deflate's limit, which zip bombs use, is about 1,000."""
    ratio_floor_bytes: int = 4 * MiB
    max_rows: int = 1_048_576
    max_columns: int = 2000
    max_cell_chars: int = 1_000_000
    max_line_chars: int = 16 * MiB
    """One physical line of a CSV file."""


DEFAULT_LIMITS = ParseLimits()


def _size(n: int) -> str:
    return f"{n / MiB:,.0f} MiB" if n >= MiB else f"{n:,} bytes"


def file_too_big(name: str, size: int, limit: int) -> ValidationError:
    return ValidationError(_("{name} is {size}; files of more than {limit} are not read. Split it into smaller "
                             "files.").format(name=name, size=_size(size), limit=_size(limit)))


def check_file_size(name: str, size: int, limits: ParseLimits) -> None:
    if size > limits.max_file_bytes:
        raise file_too_big(name, size, limits.max_file_bytes)


def too_many_rows(name: str, limits: ParseLimits) -> ValidationError:
    return ValidationError(_("{name} has more than {n:,} rows; split it into smaller files.").format(
        name=name, n=limits.max_rows))


def too_many_columns(name: str, row: int, columns: int, limits: ParseLimits) -> ValidationError:
    return ValidationError(_("{name}, row {row}: {columns:,} columns; at most {n:,} are read. Is it the right "
                             "file, saved with the right separator?").format(
        name=name, row=row, columns=columns, n=limits.max_columns))


def cell_too_long(name: str, where: str, chars: int, limits: ParseLimits) -> ValidationError:
    return ValidationError(_("{name}, {where}: a cell of {chars:,} characters; at most {n:,} are read. Shorten "
                             "it in the file.").format(name=name, where=where, chars=chars, n=limits.max_cell_chars))
