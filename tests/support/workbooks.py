"""Reading the report workbooks in tests: a sheet's table under the header row, as dicts by header."""

from __future__ import annotations

from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from desk_app.reports.statistics_workbook import HEADER_ROW


def table(ws: Worksheet) -> list[dict[str, Any]]:
    """The rows under the sheet's header row, up to the first empty row, keyed by header."""
    headers = [c.value for c in ws[HEADER_ROW]]
    rows = []
    for values in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if all(v is None for v in values):
            break
        rows.append(dict(zip(headers, values, strict=False)))
    return rows
