"""The table that ends a dry run, for an analyst to check against the source file.

Rows read (every record below the header), blank and total lines, rows to import and rows with
problems; for each mapped column how many cells hold text; for each value-mapped column (channel,
taxonomy axes, severity, branch) every distinct text in the file with its count and the code it
becomes — marked where that code is a guess the user has to confirm or change.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from desk_app.reports.parsing import is_empty, normalise_text
from desk_app.services.import_mapping import ColumnMapping
from desk_app.services.import_rows import RowPreview
from desk_app.services.import_values import VALUE_FIELDS


@dataclass(frozen=True)
class ValueCount:
    text: str
    """The cell's text as in the file (spaces and full-width forms normalised); "" for an empty cell."""
    code: str | None
    """The code it becomes (a default's code for an empty cell); None when it matches nothing."""
    count: int
    guessed: bool = False


@dataclass(frozen=True)
class ColumnSummary:
    field: str
    column: str
    """The column in the file; "" when the field only has a default."""
    filled: int
    empty: int
    values: tuple[ValueCount, ...] = ()


@dataclass(frozen=True)
class Guess:
    field: str
    text: str
    code: str
    count: int


@dataclass(frozen=True)
class ImportSummary:
    rows_read: int
    blank: int
    totals: int
    importable: int
    with_problems: int
    long_texts: int
    """Rows with a text too long for its field (cut with a marker, or refused)."""
    cut: int
    columns: tuple[ColumnSummary, ...]

    @property
    def guesses(self) -> tuple[Guess, ...]:
        return tuple(Guess(c.field, v.text, v.code, v.count) for c in self.columns for v in c.values
                     if v.guessed and v.code is not None)

    @property
    def unmatched(self) -> tuple[tuple[str, str, int], ...]:
        """(field, text, count) of values that match no code: they need a value mapping."""
        return tuple((c.field, v.text, v.count) for c in self.columns for v in c.values if v.code is None and v.text)


class SummaryCounter:
    """Counts, row by row, what ``ImportSummary`` shows."""

    def __init__(self, mapping: ColumnMapping, columns: dict[str, int]) -> None:
        self.mapping, self.columns = mapping, columns
        self.rows_read = self.blank = self.totals = self.importable = self.problems = 0
        self.long_texts = self.cut = 0
        self.filled: Counter[str] = Counter()
        self.values: dict[str, Counter[tuple[str, str | None, bool]]] = {f: Counter() for f in VALUE_FIELDS}

    def skipped(self, kind: str) -> None:
        self.rows_read += 1
        if kind == "summary":
            self.totals += 1
        else:
            self.blank += 1

    def add(self, cells: list[Any], row: RowPreview) -> None:
        self.rows_read += 1
        if row.problems:
            self.problems += 1
        else:
            self.importable += 1
        if row.values.get("_cut") or any(p.code == "too_long" for p in row.problems):
            self.long_texts += 1
        if row.values.get("_cut"):
            self.cut += 1
        for key, index in self.columns.items():
            cell = cells[index] if index < len(cells) else None
            if not is_empty(cell) and str(cell).strip():
                self.filled[key] += 1
        mapped: dict[str, list[Any]] = row.values.get("_mapped", {})
        for key in VALUE_FIELDS:
            at = self.columns.get(key)
            cell = cells[at] if at is not None and at < len(cells) else None
            text = "" if is_empty(cell) else normalise_text(cell)
            found = mapped.get(key)
            if found is None:
                if key in self.columns or key in self.mapping.defaults:
                    self.values[key][(text, None, False)] += 1
                continue
            self.values[key][(text, found[1], bool(found[2]) and text != "")] += 1

    def result(self) -> ImportSummary:
        columns = []
        for key in dict.fromkeys([*self.mapping.columns, *VALUE_FIELDS]):
            counts = self.values.get(key)
            if key not in self.columns and not counts:
                continue
            column = self.mapping.columns.get(key, "") if key in self.columns else ""
            data_rows = self.importable + self.problems
            values = tuple(ValueCount(text, code, n, guessed) for (text, code, guessed), n in
                           sorted((counts or Counter()).items(), key=lambda item: (-item[1], item[0][0])))
            filled = self.filled[key] if key in self.columns else 0
            columns.append(ColumnSummary(key, column, filled, data_rows - filled if column else 0, values))
        return ImportSummary(self.rows_read, self.blank, self.totals, self.importable, self.problems,
                             self.long_texts, self.cut, tuple(columns))
