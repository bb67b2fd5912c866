"""The detail export's optional timeline sheet: every event of the exported cases, in the words of the case
timeline (describe_event), refused before writing when one sheet could not hold them."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from desk_app.db.models import Complaint, ComplaintEvent
from desk_app.db.uow import Database
from desk_app.domain.events import describe_event
from desk_app.errors import ValidationError
from desk_app.reports import timeline_sheet
from desk_app.reports.statistics_workbook import HEADER_ROW
from desk_app.services.accounts import authenticate
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.detail_export import export_detail
from desk_app.services.report_scope import ReportScope
from tests.reports.report_data import NOW, Q2, TODAY, build_report_data, local_day


@pytest.fixture
def demo_db(database: Database) -> Database:
    build_report_data(database, count=60)
    return database


def sheet_rows(path: Path, title: str) -> list[dict[str, Any]]:
    ws = load_workbook(path)[title]
    headers = [c.value for c in ws[HEADER_ROW]]
    return [dict(zip(headers, row, strict=False)) for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]


def test_the_timeline_sheet_describes_every_event_as_the_timeline_does(demo_db: Database, tmp_path: Path) -> None:
    analyst = authenticate(demo_db, "hq.analyst", DEMO_PASSWORD)
    result = export_detail(demo_db, analyst, ReportScope(*Q2), tmp_path / "detail.xlsx", include_timeline=True,
                           today=TODAY, now=NOW)
    with demo_db.unit_of_work() as s:
        stored = {(number, e.seq): (e.kind, dict(e.payload)) for e, number, received in s.execute(
            select(ComplaintEvent, Complaint.case_number, Complaint.received_at)
            .join(Complaint, Complaint.id == ComplaintEvent.complaint_id))
            if Q2[0] <= local_day(received) <= Q2[1]}
    rows = sheet_rows(result.path, "Timeline")
    assert len(rows) == len(stored) > result.cases > 10
    kinds, tz = set(), ZoneInfo(ReportScope(*Q2).timezone)
    for row in rows:
        kind, payload = stored[(row["Case number"], row["No."])]
        assert row["Event code"] == kind and row["Event"] == describe_event(kind, payload, tz=tz)
        kinds.add(kind)
    assert {"registered", "assigned", "status_changed"} <= kinds
    assert load_workbook(result.path).sheetnames[:2] == ["Case details", "Timeline"]


def test_without_the_option_there_is_no_timeline_sheet(demo_db: Database, tmp_path: Path) -> None:
    analyst = authenticate(demo_db, "hq.analyst", DEMO_PASSWORD)
    result = export_detail(demo_db, analyst, ReportScope(*Q2), tmp_path / "plain.xlsx", include_records=False)
    assert load_workbook(result.path).sheetnames == ["Case details"]


def test_more_events_than_a_sheet_holds_are_refused_before_writing(
        demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeline_sheet, "MAX_EVENT_ROWS", 5)
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "too-many.xlsx"
    with pytest.raises(ValidationError, match="more than one sheet holds"):
        export_detail(demo_db, authenticate(demo_db, "hq.analyst", DEMO_PASSWORD), ReportScope(*Q2), path,
                      include_timeline=True)
    assert list(folder.iterdir()) == []
