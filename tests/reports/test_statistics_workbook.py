"""The statistics workbook: every figure is recomputed from the database with plain Python and compared
with the cells; the workbook's format; LibreOffice opens it and converts it to PDF and CSV."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.errors import PermissionDeniedError, ValidationError
from desk_app.reports.statistics_workbook import HEADER_ROW
from desk_app.services.accounts import authenticate
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.report_scope import ReportScope, previous_period
from desk_app.services.statistics import export_statistics
from tests.reports.report_data import NOW, Q1, Q2, TODAY, Expected, build_report_data, expected_figures, median
from tests.support.office import convert_with_libreoffice
from tests.support.workbooks import table


@pytest.fixture
def demo_db(database: Database) -> Database:
    build_report_data(database)
    return database


@pytest.fixture
def hq(demo_db: Database) -> Actor:
    return authenticate(demo_db, "hq.analyst", DEMO_PASSWORD)


def summary_values(ws: Worksheet) -> dict[str, Any]:
    return {row["Key"]: row["Value"] for row in table(ws) if row.get("Key")}


def approx(value: float | None) -> Any:
    return None if value is None else pytest.approx(value, abs=1e-9)


@pytest.fixture
def q2_workbook(demo_db: Database, hq: Actor, tmp_path: Path) -> Iterator[tuple[Path, Expected]]:
    path = tmp_path / "stats.xlsx"
    export_statistics(demo_db, hq, ReportScope(*Q2), path, today=TODAY, now=NOW)
    yield path, expected_figures(demo_db, Q2, Q1)


def test_previous_period() -> None:
    assert previous_period(date(2026, 4, 1), date(2026, 6, 30)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert previous_period(date(2026, 1, 1), date(2026, 1, 31)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert previous_period(date(2026, 3, 1), date(2026, 3, 31)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert previous_period(date(2026, 1, 1), date(2026, 12, 31)) == (date(2025, 1, 1), date(2025, 12, 31))
    assert previous_period(date(2026, 3, 10), date(2026, 3, 16)) == (date(2026, 3, 3), date(2026, 3, 9))


def test_summary_matches_an_independent_recomputation(q2_workbook: tuple[Path, Expected]) -> None:
    path, e = q2_workbook
    wb = load_workbook(path)
    s = summary_values(wb["Summary"])
    assert e.total > 50 and e.previous_total > 50 and e.scores and e.judged and e.repeat  # data is meaningful
    assert s["period_from"].date() == Q2[0] and s["period_to"].date() == Q2[1]
    assert s["previous_from"].date() == Q1[0] and s["previous_to"].date() == Q1[1]
    assert s["total"] == e.total
    assert s["previous_total"] == e.previous_total
    assert s["change"] == e.total - e.previous_total
    assert s["change_pct"] == approx((e.total - e.previous_total) / e.previous_total)
    assert s["decided"] == e.decided
    assert s["due_for_decision"] == e.due
    assert s["decided_on_time"] == e.on_time
    assert s["on_time_rate"] == approx(e.on_time / e.due)
    assert s["median_first_contact_days"] == pytest.approx(median(e.first_contact_days), abs=1e-6)
    assert s["median_decision_days"] == pytest.approx(median(e.decision_days), abs=1e-6)
    n = sum(e.scores.values())
    assert s["satisfaction_count"] == n
    assert s["satisfaction_average"] == approx(sum(k * v for k, v in e.scores.items()) / n)
    assert s["repeat_cases"] == e.repeat
    assert s["repeat_rate"] == approx(e.repeat / e.total)
    assert s["judged_cases"] == e.judged
    assert s["upheld_cases"] == e.upheld
    assert s["upheld_rate"] == approx(e.upheld / e.judged)
    assert s["compensation_cases"] == e.compensation_cases
    assert Decimal(str(s["compensation_total"])) == e.compensation
    assert s["open_overdue"] == e.open_overdue
    assert s["finished"] == e.finished
    distribution = {row["Score"]: row["Cases"] for row in table_below(wb["Summary"], "Score")}
    assert distribution == {k: e.scores.get(k, 0) for k in range(1, 6)}


def table_below(ws: Worksheet, first_header: str) -> list[dict[str, Any]]:
    """A second table on a sheet, found by the text of its first header cell."""
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        if row[0].value == first_header:
            headers = [c.value for c in row if c.value is not None]
            out = []
            for values in ws.iter_rows(min_row=row[0].row + 1, max_col=len(headers), values_only=True):
                if values[0] is None:
                    break
                out.append(dict(zip(headers, values, strict=True)))
            return out
    raise AssertionError(f"no table headed {first_header!r}")


def test_branch_sheet(q2_workbook: tuple[Path, Expected]) -> None:
    path, e = q2_workbook
    rows = {row["Code"]: row for row in table(load_workbook(path)["By branch"])}
    assert set(rows) >= set(e.by["branch"])
    counts = sorted(rows.values(), key=lambda r: -r["Cases"])
    for row in counts:  # competition ranking: 1 + the number of branches with more cases
        assert row["Rank"] == 1 + sum(1 for other in counts if other["Cases"] > row["Cases"])
    for code, row in rows.items():
        b = e.branch[code]
        assert row["Cases"] == e.by["branch"][code]
        assert row["Previous period"] == e.by_previous["branch"][code]
        assert row["Change"] == e.by["branch"][code] - e.by_previous["branch"][code]
        assert row["Share"] == approx(e.by["branch"][code] / e.total)
        assert row["Due for a decision"] == b["due"]
        assert row["Decided on time"] == b["on_time"]
        assert row["On-time rate"] == approx(b["on_time"] / b["due"] if b["due"] else None)
        assert row["Median days to decision"] == pytest.approx(median(b.get("decision_days", [])), abs=1e-6)
        assert row["Open past due date"] == b["overdue"]
        assert row["Repeat-complaint rate"] == approx(b["repeat"] / row["Cases"] if row["Cases"] else None)
        assert row["Average satisfaction"] == approx(b["score_sum"] / b["score_n"] if b["score_n"] else None)
        assert row["Upheld rate"] == approx(b["upheld"] / b["judged"] if b["judged"] else None)
        assert Decimal(str(row["Compensation approved (yuan)"])) == Decimal(b["compensation"]).quantize(
            Decimal("0.01"))


@pytest.mark.parametrize(("sheet", "dimension"), [
    ("Intake channel", "channel"), ("A channel", "A"), ("B business type", "B"), ("C cause", "C"),
    ("D insurance cause", "D"), ("Severity", "severity"), ("Special flags", "flag")])
def test_breakdown_sheets(q2_workbook: tuple[Path, Expected], sheet: str, dimension: str) -> None:
    path, e = q2_workbook
    rows = table(load_workbook(path)[sheet])
    assert all(row["Code"] and row["Name"] for row in rows)  # code and name on every row
    by_code = {row["Code"]: row for row in rows}
    for code, n in e.by[dimension].items():  # every code used is listed with its count
        if code in by_code and by_code[code].get("Level", 1) == 1 and any(
                r.get("Parent code") == code for r in rows):
            continue  # a major class with minor classes: checked below as their sum
        assert by_code[code]["Cases"] == n, code
        assert by_code[code]["Previous period"] == e.by_previous[dimension][code]
        assert by_code[code]["Share"] == approx(n / e.total)
    for row in rows:
        children = [r for r in rows if r.get("Parent code") == row["Code"]]
        own = e.by[dimension][row["Code"]]
        assert row["Cases"] == own + sum(e.by[dimension][c["Code"]] for c in children), row["Code"]
        previous = e.by_previous[dimension][row["Code"]] + sum(e.by_previous[dimension][c["Code"]]
                                                               for c in children)
        assert row["Previous period"] == previous
        assert row["Change"] == row["Cases"] - previous
        assert row["Change %"] == approx((row["Cases"] - previous) / previous if previous else None)
    if dimension not in ("flag",):
        assert sum(row["Cases"] for row in rows if row.get("Level", 1) == 1) == (
            e.total if dimension != "D" else sum(e.by["D"].values()))


def test_pareto_root_causes_and_actions(q2_workbook: tuple[Path, Expected]) -> None:
    path, e = q2_workbook
    wb = load_workbook(path)
    pareto = table(wb["Top causes"])
    expected = sorted(e.by["C"].items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(row["Code"], row["Cases"]) for row in pareto] == expected
    running = 0
    for row, (_code, n) in zip(pareto, expected, strict=True):
        running += n
        assert row["Cumulative share"] == approx(running / e.total)
        assert row["Name"]
    roots = {(row["Level"], row["Cause code"]): row["Cases"] for row in table(wb["Root causes"])}
    assert roots == dict(e.root_causes)
    actions = table(wb["Improvement actions"])
    titles = {row["Improvement action"] for row in actions}
    assert titles == {"优化信用卡盗刷处置流程", "柜面服务礼仪培训", "理财产品风险揭示整改"}  # finished 2025: left out
    late = {row["Improvement action"]: row for row in actions}["理财产品风险揭示整改"]
    assert late["Overdue"] == "yes" and late["Linked cases"] == 3 and late["State code"] == "planned"


def test_branch_scope_and_rights(demo_db: Database, hq: Actor, tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    stats = export_statistics(demo_db, hq, ReportScope(*Q2, branch_codes=("sh01", "BJ01")), path, today=TODAY)
    e = expected_figures(demo_db, Q2, Q1, branch_codes={"SH01", "BJ01"})
    assert stats.summary.total == e.total
    assert summary_values(load_workbook(path)["Summary"])["total"] == e.total
    assert {row["Code"] for row in table(load_workbook(path)["By branch"])} == {"SH01", "BJ01"}
    assert "D insurance cause" not in load_workbook(path).sheetnames  # no insurer in scope

    manager = authenticate(demo_db, "sh01.manager", DEMO_PASSWORD)
    own = export_statistics(demo_db, manager, ReportScope(*Q2), tmp_path / "own.xlsx", today=TODAY)
    assert own.summary.total == expected_figures(demo_db, Q2, Q1, branch_codes={"SH01"}).total
    with pytest.raises(PermissionDeniedError):
        export_statistics(demo_db, manager, ReportScope(*Q2, branch_codes=("BJ01",)), tmp_path / "x.xlsx")
    clerk = authenticate(demo_db, "sh01.clerk", DEMO_PASSWORD)
    with pytest.raises(PermissionDeniedError):
        export_statistics(demo_db, clerk, ReportScope(*Q2), tmp_path / "x.xlsx")
    with pytest.raises(ValidationError):
        export_statistics(demo_db, hq, ReportScope(Q2[1], Q2[0]), tmp_path / "x.xlsx")
    with pytest.raises(ValidationError):
        export_statistics(demo_db, hq, ReportScope(*Q2, branch_codes=("NOPE",)), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_workbook_format(q2_workbook: tuple[Path, Expected]) -> None:
    path, _e = q2_workbook
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "Summary" and wb.sheetnames[-1] == "Chart data"
    for name in ("By branch", "Intake channel", "C cause", "Top causes", "Improvement actions"):
        ws = wb[name]
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith(str(HEADER_ROW + 1))
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    branch = wb["By branch"]
    headers = [c.value for c in branch[HEADER_ROW]]
    first = branch[HEADER_ROW + 1]
    assert first[headers.index("Share")].number_format == "0.0%"
    assert first[headers.index("Compensation approved (yuan)")].number_format == "#,##0.00"
    assert wb["Summary"]["B5"].number_format == "yyyy-mm-dd"
    assert len(wb["By branch"]._charts) == 1 and len(wb["Top causes"]._charts) == 1
    assert len(wb["C cause"]._charts) == 1 and len(wb["Summary"]._charts) == 1


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_libreoffice_opens_and_converts(q2_workbook: tuple[Path, Expected], tmp_path: Path) -> None:
    path, e = q2_workbook
    pdf_dir, csv_dir = tmp_path / "pdf", tmp_path / "csv"
    pdf_dir.mkdir()
    csv_dir.mkdir()
    pdf = convert_with_libreoffice(path, "pdf", pdf_dir)
    assert pdf[0].read_bytes().startswith(b"%PDF") and pdf[0].stat().st_size > 10_000
    # Every sheet to its own CSV (the last token, -1, exports all sheets), UTF-8.
    csvs = convert_with_libreoffice(path, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,"
                                    "false,-1", csv_dir)
    assert len(csvs) == len(load_workbook(path).sheetnames)
    summary = next(p for p in csvs if "Summary" in p.name).read_text("utf-8")
    assert f"Cases received,{e.total}," in summary


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_text_that_looks_like_a_formula_stays_text(demo_db: Database, hq: Actor, tmp_path: Path) -> None:
    """A branch named like a formula (it could be a customer's name or a cause in another sheet): stored as
    text in every sheet, so neither Excel nor LibreOffice runs it when the file is opened."""
    from sqlalchemy import update

    from desk_app.db.models import Branch

    names = {"SH01": '=HYPERLINK("http://evil.example","点我")', "BJ01": "@SUM(1+1)"}
    with demo_db.unit_of_work() as session:
        for code, name in names.items():
            session.execute(update(Branch).where(Branch.code == code).values(name=name))
    path = tmp_path / "formula.xlsx"
    export_statistics(demo_db, hq, ReportScope(*Q2), path, today=TODAY)
    import zipfile

    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in z.read(n) for n in sheets)  # not a single formula cell
    rows = {row["Code"]: row for row in table(load_workbook(path)["By branch"])}
    assert {code: rows[code]["Name"] for code in names} == names
