"""The statistics workbook's prevention sheets: the grumble funnel, the rising causes and the opportunities,
read back with openpyxl and compared with the rows the test made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import update

from desk_app.config import DEFAULT_TIMEZONE
from desk_app.db.models import Grumble
from desk_app.db.uow import Database
from desk_app.domain.enums import Role
from desk_app.reports.prevention_figures import OpportunityKind
from desk_app.reports.statistics_workbook import HEADER_ROW
from desk_app.services import grumbles, opportunities
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import register_complaint
from desk_app.services.opportunities import OpportunityDraft
from desk_app.services.report_scope import ReportScope, office_today
from desk_app.services.statistics import export_statistics
from tests.support.grumbles import grumble
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff, draft

TODAY = office_today(DEFAULT_TIMEZONE)  # the office's day: a report period is in office-local days


def rows(ws: Worksheet) -> list[dict[str, Any]]:
    headers = [c.value for c in ws[HEADER_ROW]]
    return [dict(zip(headers, values, strict=False))
            for values in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if any(v is not None for v in values)]


def test_the_workbook_has_the_funnel_and_opportunity_sheets(database: Database, staff: Staff, tmp_path: Path) -> None:
    create_user(database, staff.admin, username="analyst", display_name="Analyst", password=PASSWORD,
                role=Role.HQ_ANALYST, branch_id=staff.admin.branch_id, must_change_password=False)
    analyst = authenticate(database, "analyst", PASSWORD)
    made = [grumbles.record_grumble(database, staff.clerk, grumble(settled=settled)) for settled in (True, True, False)]
    case = register_complaint(database, staff.clerk, draft())
    grumbles.link_complaint(database, staff.clerk, made[2].id, case.id)
    earlier = grumbles.record_grumble(database, staff.other_branch_clerk, grumble(axis_c="C01"))
    with database.unit_of_work() as session:
        session.execute(update(Grumble).where(Grumble.id == earlier.id).values(
            recorded_at=datetime.now(UTC) - timedelta(days=45)))
    opportunities.add_opportunity(database, staff.handler, OpportunityDraft(
        OpportunityKind.OPPORTUNITY, "客户希望开通境外消费提醒", complaint_id=case.id))
    opportunities.add_opportunity(database, staff.clerk, OpportunityDraft(
        OpportunityKind.SUGGESTION, "建议增设叫号屏", grumble_id=made[0].id, product="B01"))

    path = tmp_path / "stats.xlsx"
    export_statistics(database, analyst, ReportScope(TODAY - timedelta(days=29), TODAY), path)
    wb = load_workbook(path)
    funnel = rows(wb["Grumble funnel"])
    assert funnel[0]["Cause name"] == "All grumbles"
    assert (funnel[0]["Grumbles"], funnel[0]["Settled on the spot"], funnel[0]["Turned into complaints"]) == (3, 2, 1)
    assert funnel[0]["Settled rate"] == 2 / 3 and funnel[0]["Turned rate"] == 1 / 3
    assert [(r["Branch"], r["Cause code"], r["Grumbles"]) for r in funnel[1:]] == [("SH01", "C09", 3)]
    rising = rows(wb["Rising grumbles"])
    assert [(r["Cause code"], r["Grumbles"], r["Grumbles in the previous period"], r["Change"], r["Complaints"])
            for r in rising] == [("C09", 3, 0, 3, 1)]
    found = {(r["Product code"], r["Kind code"]): (r["Opportunities"], r["From cases"], r["From grumbles"])
             for r in rows(wb["Opportunities"])}
    assert found == {("B0302", "opportunity"): (1, 1, 0), ("B01", "suggestion"): (1, 0, 1)}
    assert wb.sheetnames.index("Opportunities") < wb.sheetnames.index("Definitions")
