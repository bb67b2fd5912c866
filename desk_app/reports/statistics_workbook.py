"""The statistics workbook for headquarters (openpyxl): a summary sheet, one sheet per breakdown
(branch, intake channel, taxonomy axes A/B/C/D, severity, special flags), the top-10 causes
(Pareto), the team's figures per handler (and per branch at headquarters), root causes, improvement
actions with their evidence and review, the chart data and the definitions.

Every table sheet has the same shape so people and programs can read it: a title in row 1, the
period and scope in row 2, the column headers in row ``HEADER_ROW`` (frozen, auto-filtered, repeated
on every printed page) and the data below. Each row carries the code and its name. Pages print in
landscape, fitted to the page width. Rates are real numbers formatted as percentages.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from desk_app.domain.team_figures import CaseFigures
from desk_app.i18n import _
from desk_app.reports.figures import ActionRow, BranchRow, GroupRow, ParetoRow, RootCauseRow, Statistics
from desk_app.reports.xlsx_common import (
    FMT_CHANGE,
    FMT_CHANGE_PCT,
    FMT_DATE,
    FMT_DAYS,
    FMT_INT,
    FMT_MONEY,
    FMT_PCT,
    FMT_SCORE,
    atomic_path,
    clean_text,
    display_width,
    put,
    sheet_title,
)

HEADER_ROW = 4
FIRST_DATA_ROW = HEADER_ROW + 1
_TITLE_FONT = Font(size=14, bold=True)
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="305496")
_SUBTOTAL_FONT = Font(bold=True)
_KEY_FONT = Font(color="808080", size=8)
_THIN = Side(style="thin", color="B4C6E7")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True)
class Col:
    header: str
    get: Callable[[Any], Any]
    fmt: str | None = None
    width: float | None = None


def _code_name_cols() -> list[Col]:
    return [Col(_("Code"), lambda r: r.code, width=10), Col(_("Name"), lambda r: r.name)]


def _count_cols() -> list[Col]:
    return [
        Col(_("Cases"), lambda r: r.count, FMT_INT),
        Col(_("Share"), lambda r: r.share, FMT_PCT),
        Col(_("Previous period"), lambda r: r.previous, FMT_INT),
        Col(_("Change"), lambda r: r.change, FMT_CHANGE),
        Col(_("Change %"), lambda r: r.change_pct, FMT_CHANGE_PCT),
    ]


class _Writer:
    def __init__(self, stats: Statistics) -> None:
        self.stats = stats
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self.used_titles: set[str] = set()
        self.chart_data: Worksheet | None = None
        self.chart_data_row = 1
        p = stats.period
        self.subtitle = _("Cases received {start} – {end} (previous period {pstart} – {pend}) · {scope} · "
                          "as of {today}").format(start=p.date_from.isoformat(), end=p.date_to.isoformat(),
                                                  pstart=p.previous_from.isoformat(),
                                                  pend=p.previous_to.isoformat(), scope=stats.scope_label,
                                                  today=stats.today.isoformat())

    # -- generic pieces ------------------------------------------------------------------------------

    def sheet(self, name: str) -> Worksheet:
        return self.wb.create_sheet(sheet_title(name, self.used_titles))

    def heading(self, ws: Worksheet, title: str) -> None:
        ws["A1"] = title
        ws["A1"].font = _TITLE_FONT
        ws["A2"] = self.subtitle
        ws["A2"].font = Font(italic=True, color="595959")

    def table(self, name: str, title: str, cols: Sequence[Col], rows: Sequence[Any],
              bold: Callable[[Any], bool] | None = None, freeze_cols: int = 0) -> Worksheet:
        ws = self.sheet(name)
        self.heading(ws, title)
        self.write_rows(ws, HEADER_ROW, cols, rows, bold)
        last_row = max(HEADER_ROW + len(rows), HEADER_ROW + 1)
        last_col = get_column_letter(len(cols))
        ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=freeze_cols + 1)
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{last_row}"
        self.print_setup(ws, f"A1:{last_col}{last_row}")
        return ws

    def write_rows(self, ws: Worksheet, header_row: int, cols: Sequence[Col], rows: Sequence[Any],
                   bold: Callable[[Any], bool] | None = None) -> None:
        widths = [min(display_width(c.header) + 2, 14) for c in cols]
        ws.row_dimensions[header_row].height = 30 if any(display_width(c.header) > 12 for c in cols) else None
        for j, col in enumerate(cols, start=1):
            cell = ws.cell(row=header_row, column=j, value=col.header)
            cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for i, row in enumerate(rows, start=header_row + 1):
            strong = bold is not None and bold(row)
            for j, col in enumerate(cols, start=1):
                value = col.get(row)
                cell = put(ws, i, j, value)
                cell.border = _BORDER
                if col.fmt:
                    cell.number_format = col.fmt
                if strong:
                    cell.font = _SUBTOTAL_FONT
                if isinstance(value, str):
                    widths[j - 1] = max(widths[j - 1], display_width(value) + 2)
        for j, col in enumerate(cols, start=1):
            width = col.width or min(max(widths[j - 1], 8), 60)
            ws.column_dimensions[get_column_letter(j)].width = width

    def print_setup(self, ws: Worksheet, area: str) -> None:
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.print_area = area
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.oddFooter.center.text = "&P / &N"
        ws.oddHeader.left.text = clean_text(ws.title)

    def bar_chart(self, ws: Worksheet, title: str, data_ws: Worksheet, label_col: int, value_col: int,
                  first_row: int, last_row: int, anchor: str, horizontal: bool = False) -> None:
        if last_row < first_row:
            return
        chart = BarChart()
        chart.type = "bar" if horizontal else "col"
        chart.title = title
        chart.legend = None
        chart.y_axis.title = _("Cases")
        chart.height, chart.width = 8, 16
        data = Reference(data_ws, min_col=value_col, min_row=first_row - 1, max_row=last_row)
        cats = Reference(data_ws, min_col=label_col, min_row=first_row, max_row=last_row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        ws.add_chart(chart, anchor)

    def chart_block(self, title: str, pairs: Sequence[tuple[str, int]]) -> tuple[Worksheet, int, int]:
        """Write ``(label, count)`` pairs to the chart-data sheet; return (sheet, first row, last row)."""
        if self.chart_data is None:
            self.chart_data = self.wb.create_sheet(sheet_title(_("Chart data"), self.used_titles))
            self.chart_data.column_dimensions["A"].width = 40
        ws = self.chart_data
        ws.cell(row=self.chart_data_row, column=1, value=title).font = _SUBTOTAL_FONT
        ws.cell(row=self.chart_data_row, column=2, value=_("Cases")).font = _SUBTOTAL_FONT
        first = self.chart_data_row + 1
        for offset, (label, count) in enumerate(pairs):
            put(ws, first + offset, 1, label)
            ws.cell(row=first + offset, column=2, value=count).number_format = FMT_INT
        last = first + len(pairs) - 1
        self.chart_data_row = last + 3
        return ws, first, last

    # -- sheets -------------------------------------------------------------------------------------

    def summary(self) -> None:
        s = self.stats.summary
        ws = self.sheet(_("Summary"))
        self.heading(ws, _("Complaint statistics"))
        p = self.stats.period
        rows: list[tuple[str, Any, str | None, str, str]] = [
            (_("Period from"), p.date_from, FMT_DATE, "", "period_from"),
            (_("Period to"), p.date_to, FMT_DATE, "", "period_to"),
            (_("Previous period from"), p.previous_from, FMT_DATE, "", "previous_from"),
            (_("Previous period to"), p.previous_to, FMT_DATE, "", "previous_to"),
            (_("Cases received"), s.total, FMT_INT, _("Cases received in the period"), "total"),
            (_("Cases received in the previous period"), s.previous_total, FMT_INT, "", "previous_total"),
            (_("Change on the previous period"), s.change, FMT_CHANGE, "", "change"),
            (_("Change on the previous period (%)"), s.change_pct, FMT_CHANGE_PCT,
             _("Empty when the previous period had no cases"), "change_pct"),
            (_("Cases decided"), s.decided, FMT_INT, _("Decision communicated to the customer"), "decided"),
            (_("Cases due for a decision"), s.due_for_decision, FMT_INT,
             _("Decided, or past the due date by the report day; refused and withdrawn cases excluded"),
             "due_for_decision"),
            (_("Decided on time"), s.decided_on_time, FMT_INT, _("Decision communicated on or before the due date"),
             "decided_on_time"),
            (_("On-time completion rate"), s.on_time_rate, FMT_PCT, _("Decided on time ÷ cases due for a decision"),
             "on_time_rate"),
            (_("Median days to first contact"), s.median_days_to_first_contact, FMT_DAYS,
             _("From receipt to the first contact with the customer"), "median_first_contact_days"),
            (_("Median days to decision"), s.median_days_to_decision, FMT_DAYS,
             _("From receipt to the decision communicated"), "median_decision_days"),
            (_("Cases with a satisfaction score"), s.satisfaction_count, FMT_INT,
             _("The last scored callback of each case"), "satisfaction_count"),
            (_("Average satisfaction (1–5)"), s.satisfaction_average, FMT_SCORE, "", "satisfaction_average"),
            (_("Repeat complaints"), s.repeat_cases, FMT_INT,
             _("The customer had complained before (an earlier case, any branch)"), "repeat_cases"),
            (_("Repeat-complaint rate"), s.repeat_rate, FMT_PCT, _("Repeat complaints ÷ cases received"),
             "repeat_rate"),
            (_("Cases judged"), s.judged_cases, FMT_INT,
             _("Cases with an approved resolution saying whether the complaint is upheld"), "judged_cases"),
            (_("Cases upheld"), s.upheld_cases, FMT_INT, "", "upheld_cases"),
            (_("Upheld rate"), s.upheld_rate, FMT_PCT, _("Cases upheld ÷ cases judged"), "upheld_rate"),
            (_("Cases with compensation"), s.compensation_cases, FMT_INT, _("Approved resolutions with an amount"),
             "compensation_cases"),
            (_("Compensation approved (yuan)"), s.compensation_total, FMT_MONEY,
             _("Sum of the amounts of approved resolutions"), "compensation_total"),
            (_("Open cases past their due date"), s.open_overdue, FMT_INT,
             _("Statutory clock still running after the due date, as of the report day"), "open_overdue"),
            (_("Finished cases"), s.finished, FMT_INT, _("Closed, refused or withdrawn"), "finished"),
        ]
        cols = [Col(_("Indicator"), lambda r: r[0], width=38), Col(_("Value"), lambda r: r[1], width=16),
                Col(_("Definition"), lambda r: r[3], width=70), Col(_("Key"), lambda r: r[4], width=14)]
        self.write_rows(ws, HEADER_ROW, cols, rows)
        for i, row in enumerate(rows, start=FIRST_DATA_ROW):
            if row[2]:
                ws.cell(row=i, column=2).number_format = row[2]
            ws.cell(row=i, column=4).font = _KEY_FONT
        ws.column_dimensions["D"].hidden = True  # the keys are for programs reading the workbook, not for people
        ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)
        # Satisfaction distribution, below the indicators.
        dist_header = FIRST_DATA_ROW + len(rows) + 2
        ws.cell(row=dist_header - 1, column=1, value=_("Satisfaction distribution")).font = _SUBTOTAL_FONT
        dist = [(score, n) for score, n in sorted(s.satisfaction_distribution.items())]
        total = s.satisfaction_count
        dist_cols = [Col(_("Score"), lambda r: r[0], FMT_INT), Col(_("Cases"), lambda r: r[1], FMT_INT),
                     Col(_("Share"), lambda r: r[1] / total if total else None, FMT_PCT)]
        self.write_rows(ws, dist_header, dist_cols, dist)
        for j, width in enumerate((38, 16, 70, 14), start=1):
            ws.column_dimensions[get_column_letter(j)].width = width
        self.bar_chart(ws, _("Satisfaction distribution"), ws, 1, 2, dist_header + 1, dist_header + len(dist),
                       f"F{HEADER_ROW}")
        self.print_setup(ws, f"A1:D{dist_header + len(dist)}")

    def branches(self) -> None:
        rows: Sequence[BranchRow] = self.stats.branches
        cols = [
            Col(_("Rank"), lambda r: r.rank, FMT_INT, 6),
            *_code_name_cols(),
            *_count_cols(),
            Col(_("Due for a decision"), lambda r: r.due_for_decision, FMT_INT),
            Col(_("Decided on time"), lambda r: r.decided_on_time, FMT_INT),
            Col(_("On-time rate"), lambda r: r.on_time_rate, FMT_PCT),
            Col(_("Median days to decision"), lambda r: r.median_days_to_decision, FMT_DAYS),
            Col(_("Open past due date"), lambda r: r.open_overdue, FMT_INT),
            Col(_("Repeat-complaint rate"), lambda r: r.repeat_rate, FMT_PCT),
            Col(_("Average satisfaction"), lambda r: r.satisfaction_average, FMT_SCORE),
            Col(_("Upheld rate"), lambda r: r.upheld_rate, FMT_PCT),
            Col(_("Compensation approved (yuan)"), lambda r: r.compensation_total, FMT_MONEY),
        ]
        ws = self.table(_("By branch"), _("Cases by branch"), cols, rows, freeze_cols=3)
        self.bar_chart(ws, _("Cases by branch"), ws, 2, 4, FIRST_DATA_ROW, HEADER_ROW + len(rows),
                       f"{get_column_letter(len(cols) + 2)}{HEADER_ROW}")

    def flat(self, name: str, title: str, rows: Sequence[GroupRow], chart: bool = True) -> None:
        cols = [*_code_name_cols(), *_count_cols()]
        ws = self.table(name, title, cols, rows, freeze_cols=2)
        if chart:
            self.bar_chart(ws, title, ws, 2, 3, FIRST_DATA_ROW, HEADER_ROW + len(rows),
                           f"{get_column_letter(len(cols) + 2)}{HEADER_ROW}")

    def axis(self, axis: str, rows: Sequence[GroupRow]) -> None:
        axis_name = self.stats.axis_names.get(axis, axis)
        cols = [Col(_("Level"), lambda r: r.level, FMT_INT, 6), *_code_name_cols(),
                Col(_("Parent code"), lambda r: r.parent, width=10), *_count_cols()]
        title = _("Cases by {axis} ({letter} axis)").format(axis=axis_name, letter=axis)
        ws = self.table(_("{letter} {axis}").format(letter=axis, axis=axis_name), title, cols, rows,
                        bold=lambda r: r.level == 1, freeze_cols=3)
        majors = [(f"{r.code} {r.name}", r.count) for r in rows if r.level == 1]
        data_ws, first, last = self.chart_block(title, majors)
        self.bar_chart(ws, title, data_ws, 1, 2, first, last, f"{get_column_letter(len(cols) + 2)}{HEADER_ROW}",
                       horizontal=True)

    def pareto(self) -> None:
        rows: Sequence[ParetoRow] = self.stats.pareto
        cols = [Col(_("Rank"), lambda r: r.rank, FMT_INT, 6), *_code_name_cols(),
                Col(_("Cases"), lambda r: r.count, FMT_INT), Col(_("Share"), lambda r: r.share, FMT_PCT),
                Col(_("Cumulative share"), lambda r: r.cumulative_share, FMT_PCT)]
        ws = self.table(_("Top causes"), _("Top {n} causes (Pareto)").format(n=len(rows) or 10), cols, rows,
                        freeze_cols=3)
        if not rows:
            return
        first, last = FIRST_DATA_ROW, HEADER_ROW + len(rows)
        bars = BarChart()
        bars.title = _("Top causes (Pareto)")
        bars.y_axis.title = _("Cases")
        bars.add_data(Reference(ws, min_col=4, min_row=HEADER_ROW, max_row=last), titles_from_data=True)
        bars.set_categories(Reference(ws, min_col=2, min_row=first, max_row=last))
        line = LineChart()
        line.add_data(Reference(ws, min_col=6, min_row=HEADER_ROW, max_row=last), titles_from_data=True)
        line.y_axis.axId = 200
        line.y_axis.title = _("Cumulative share")
        line.y_axis.number_format = "0%"
        line.y_axis.scaling.min = 0
        line.y_axis.scaling.max = 1
        line.y_axis.crosses = "max"
        bars += line
        bars.height, bars.width = 9, 18
        ws.add_chart(bars, f"{get_column_letter(len(cols) + 2)}{HEADER_ROW}")

    def team(self, name: str, title: str, first: Col, rows: Sequence[CaseFigures]) -> None:
        """The team page's figures (``desk_app.services.team``), one row per handler or per branch."""
        cols = [first, Col(_("Branch"), lambda r: r.branch_code, width=10),
                Col(_("Open cases"), lambda r: r.open_cases, FMT_INT),
                Col(_("Due this week"), lambda r: r.due_this_week, FMT_INT),
                Col(_("Overdue"), lambda r: r.overdue, FMT_INT),
                Col(_("Cases in period"), lambda r: r.period_cases, FMT_INT),
                Col(_("Due for a decision"), lambda r: r.needed_decision, FMT_INT),
                Col(_("Decided on time"), lambda r: r.decided_on_time, FMT_INT),
                Col(_("On-time rate"), lambda r: r.on_time_rate, FMT_PCT),
                Col(_("Median days to respond"), lambda r: r.median_days_to_respond, FMT_DAYS),
                Col(_("Average satisfaction"), lambda r: r.satisfaction, FMT_SCORE),
                Col(_("Cases scored"), lambda r: r.satisfaction_count, FMT_INT),
                Col(_("Cases decided"), lambda r: r.decided, FMT_INT),
                Col(_("Re-opened or reviewed"), lambda r: r.reopened, FMT_INT),
                Col(_("Reopen / review rate"), lambda r: r.reopen_rate, FMT_PCT),
                Col(_("Quality score"), lambda r: r.quality_score, FMT_DAYS),
                Col(_("Cases inspected"), lambda r: r.quality_count, FMT_INT)]
        self.table(name, title, cols, rows, freeze_cols=2)

    def root_causes(self) -> None:
        rows: Sequence[RootCauseRow] = self.stats.root_causes
        cols = [Col(_("Level"), lambda r: r.level, width=10), Col(_("Level name"), lambda r: r.level_name),
                Col(_("Cause code"), lambda r: r.cause_code, width=10), Col(_("Cause name"), lambda r: r.cause_name),
                Col(_("Cases"), lambda r: r.count, FMT_INT)]
        self.table(_("Root causes"), _("Root causes recorded for the cases of the period"), cols, rows)

    def actions(self) -> None:
        rows: Sequence[ActionRow] = self.stats.actions
        cols = [Col(_("Improvement action"), lambda r: r.title), Col(_("Branch"), lambda r: r.branch_code, width=10),
                Col(_("Department"), lambda r: r.department),
                Col(_("Cause code"), lambda r: r.cause_code, width=10), Col(_("Cause name"), lambda r: r.cause_name),
                Col(_("Level"), lambda r: r.level_name), Col(_("Owner"), lambda r: r.owner),
                Col(_("Due date"), lambda r: r.due_on, FMT_DATE, 12), Col(_("State"), lambda r: r.state_name),
                Col(_("Completed on"), lambda r: r.completed_on, FMT_DATE, 12),
                Col(_("Evidence of completion"), lambda r: r.evidence, width=40),
                Col(_("Review"), lambda r: r.review, width=40), Col(_("Reviewed by"), lambda r: r.reviewed_by),
                Col(_("Reviewed on"), lambda r: r.reviewed_on, FMT_DATE, 12),
                Col(_("Linked cases"), lambda r: r.linked_cases, FMT_INT),
                Col(_("Overdue"), lambda r: _("yes") if r.overdue else "", width=8),
                Col(_("State code"), lambda r: r.state, width=12)]
        ws = self.table(_("Improvement actions"), _("Improvement actions and their state"), cols, rows)
        for column in ("K", "L"):  # evidence and review: wrapped in their column
            for cell in ws[column][HEADER_ROW:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")

    def definitions(self) -> None:
        ws = self.sheet(_("Definitions"))
        self.heading(ws, _("Definitions"))
        tz = self.stats.timezone
        generated = self.stats.generated_at.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
        rows = [
            (_("Period"), _("Cases received from the first to the last day of the period, inclusive, on the "
                            "office's calendar ({tz}).").format(tz=tz)),
            (_("Previous period"), _("The same number of whole months before the period when it is whole months "
                                     "(e.g. the previous quarter), otherwise the same number of days before.")),
            (_("Share"), _("Cases of the row ÷ all cases of the period. A case may carry several special flags.")),
            (_("Taxonomy"), _("Codes and names from the classification taxonomy (JR/T 0169 shape): a major class "
                              "(level 1) counts its own cases and those of its minor classes (level 2).")),
            (_("On-time completion rate"), _("Decisions communicated on or before the due date ÷ cases that "
                                             "needed a decision by the report day.")),
            (_("Satisfaction"), _("The last callback with a score (1–5) of each case.")),
            (_("Repeat complaint"), _("The same customer had an earlier case, at any branch.")),
            (_("Upheld rate and compensation"), _("Approved resolutions only.")),
            (_("Team figures"), _("Per handler: the cases the handler owns now (open, due this week and overdue as "
                                  "of the report day; the others for the cases of the period). Reopen / review "
                                  "rate: decided cases re-opened or taken to review since. Quality score: the mean "
                                  "score (out of 100) of the handler's inspected cases in the months of the "
                                  "period. The same figures as the team page.")),
            (_("Report day"), self.stats.today.isoformat()),
            (_("Generated at"), generated.strftime("%Y-%m-%d %H:%M")),
        ]
        cols = [Col(_("Term"), lambda r: r[0], width=30), Col(_("Definition"), lambda r: r[1], width=100)]
        self.write_rows(ws, HEADER_ROW, cols, rows)
        for i in range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(rows)):
            ws.cell(row=i, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)
        self.print_setup(ws, f"A1:B{HEADER_ROW + len(rows)}")

    def write(self, path: Path) -> None:
        stats = self.stats
        self.summary()
        self.branches()
        self.flat(_("Intake channel"), _("Cases by intake channel"), stats.channels)
        for axis, rows in stats.axes.items():
            self.axis(axis, rows)
        self.flat(_("Severity"), _("Cases by severity"), stats.severities)
        self.flat(_("Special flags"), _("Special complaints by flag"), stats.flags)
        self.pareto()
        self.team(_("Team"), _("Figures per handler"), Col(_("Handler"), lambda r: r.name), stats.team)
        if stats.team_branches:
            self.team(_("Team by branch"), _("Figures per branch"), Col(_("Branch name"), lambda r: r.name),
                      stats.team_branches)
        self.root_causes()
        self.actions()
        if stats.prevention is not None:  # the grumble funnel and the opportunities (投诉经营)
            from desk_app.reports.prevention_sheets import write_prevention_sheets
            write_prevention_sheets(self, stats.prevention)
        self.definitions()
        if self.chart_data is not None:  # keep the chart data last
            self.wb.move_sheet(self.chart_data, offset=len(self.wb.worksheets) - 1
                               - self.wb.worksheets.index(self.chart_data))
        self.wb.properties.title = _("Complaint statistics")
        self.wb.properties.creator = "Complaint Desk"
        self.wb.properties.created = datetime.now().replace(microsecond=0)
        self.wb.active = 0
        self.wb.properties.modified = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        # openpyxl's Workbook.save leaves its zip open when a write fails (a full disk): its finaliser then
        # fails again at exit. Owning the zip closes it on every path.
        with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(self.wb, archive).save()


def write_statistics_workbook(stats: Statistics, path: Path) -> None:
    """Write ``stats`` as an .xlsx file at ``path`` (replaced atomically)."""
    _Writer(stats).write(Path(path))
