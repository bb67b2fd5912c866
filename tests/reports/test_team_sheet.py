"""The statistics workbook's team sheets (issue 18): the figures per handler, and per branch at
headquarters, recomputed here with plain Python from the rows of the cases the test creates."""

from __future__ import annotations

import random
import statistics
import uuid
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from desk_app.db.models import Branch, Callback, Complaint, ComplaintEvent, User
from desk_app.db.models.quality import QualitySample
from desk_app.db.uow import Database
from desk_app.services.accounts import authenticate
from desk_app.services.demo import DEMO_PASSWORD
from desk_app.services.report_scope import ReportScope
from desk_app.services.statistics import export_statistics
from desk_app.services.timeline import append_event
from tests.reports.report_data import NOW, Q2, TODAY, build_report_data, local_day
from tests.support.workbooks import table

NUMBERS = ("Open cases", "Due this week", "Overdue", "Cases in period", "Due for a decision", "Decided on time",
           "Cases decided", "Re-opened or reviewed", "Cases scored", "Cases inspected")
RATES = ("On-time rate", "Median days to respond", "Average satisfaction", "Reopen / review rate", "Quality score")
HANDLING_ROLES = {"handler", "supervisor", "branch_manager"}  # the roles that handle cases


def _add_reopenings_and_inspections(db: Database) -> None:
    """Some decided cases re-opened or taken to review, and scored quality samples (one outside Q2)."""
    rng = random.Random(3)
    with db.unit_of_work() as session:
        decided = list(session.scalars(select(Complaint).where(Complaint.responded_at.is_not(None),
                                                               Complaint.owner_id.is_not(None))
                                       .order_by(Complaint.case_number)))
        actor = session.scalars(select(User.id).order_by(User.username)).first()
        for c in rng.sample(decided, 12):
            action = rng.choice(["reopen", "apply_review", "close"])  # "close" is no re-opening
            append_event(session, c.id, "status_changed", actor, {"action": action, "from": "closed",
                                                                  "to": "in_progress"})
        for i, c in enumerate(rng.sample(decided, 10)):
            month = "2026-05" if i else "2026-01"
            session.add(QualitySample(month=month, complaint_id=c.id, handler_id=c.owner_id, branch_id=c.branch_id,
                                      seed=1, drawn_by_id=actor, total=rng.randint(50, 100)))


def _expected(db: Database, period: tuple[date, date], today: date) -> tuple[dict[tuple[str, str], dict[str, Any]],
                                                                              dict[str, dict[str, Any]]]:
    """Per (handler name, branch code) and per branch code: every figure of the team sheets."""
    with db.unit_of_work() as session:
        code = {b.id: b.code for b in session.scalars(select(Branch))}
        users = {u.id: u for u in session.scalars(select(User))}
        cases = list(session.scalars(select(Complaint)))
        last_called: dict[uuid.UUID, Callback] = {}
        for cb in session.scalars(select(Callback).where(Callback.satisfaction.is_not(None))):
            if cb.complaint_id not in last_called or cb.called_at >= last_called[cb.complaint_id].called_at:
                last_called[cb.complaint_id] = cb
        reopened = {e.complaint_id for e in session.scalars(select(ComplaintEvent).where(
            ComplaintEvent.kind == "status_changed")) if e.payload.get("action") in ("reopen", "apply_review")}
        samples = [(s.handler_id, s.branch_id, s.total) for s in session.scalars(select(QualitySample))
                   if f"{period[0]:%Y-%m}" <= s.month <= f"{period[1]:%Y-%m}" and s.total is not None]
    sunday = today + timedelta(days=6 - today.weekday())
    people: dict[Any, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    branches: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for c in cases:
        running = c.status in ("registered", "assigned", "in_progress", "under_review")
        in_period = period[0] <= local_day(c.received_at) <= period[1]
        decided = c.responded_at is not None
        for f in ([people[c.owner_id]] if c.owner_id else []) + [branches[code[c.branch_id]]]:
            f["Open cases"] += c.status not in ("closed", "refused", "withdrawn")
            f["Overdue"] += running and c.due_on < today
            f["Due this week"] += running and today <= c.due_on <= sunday
            if not in_period:
                continue
            f["Cases in period"] += 1
            f["Due for a decision"] += decided or (c.due_on < today and c.status not in ("refused", "withdrawn"))
            if decided:
                f["Cases decided"] += 1
                f["Decided on time"] += local_day(c.responded_at) <= c.due_on
                f.setdefault("days", []).append((c.responded_at - c.received_at).total_seconds() / 86400)
                f["Re-opened or reviewed"] += c.id in reopened
            if c.id in last_called:
                f.setdefault("scores", []).append(last_called[c.id].satisfaction)
    for handler, branch, total in samples:
        for f in (people[handler], branches[code[branch]]):
            f.setdefault("quality", []).append(total)
    for f in [*(people[uid] for uid in users), *branches.values()]:
        f["Cases scored"] = len(f.get("scores", []))
        f["Cases inspected"] = len(f.get("quality", []))
        f["On-time rate"] = f["Decided on time"] / f["Due for a decision"] if f["Due for a decision"] else None
        f["Median days to respond"] = statistics.median(f["days"]) if f.get("days") else None
        f["Average satisfaction"] = statistics.fmean(f["scores"]) if f.get("scores") else None
        f["Reopen / review rate"] = f["Re-opened or reviewed"] / f["Cases decided"] if f["Cases decided"] else None
        f["Quality score"] = statistics.fmean(f["quality"]) if f.get("quality") else None
    def busy(f: dict[str, Any]) -> bool:
        return bool(f["Open cases"] or f["Cases in period"])

    listed = {uid for uid, u in users.items() if busy(people[uid]) or (u.active and u.role in HANDLING_ROLES)}
    with db.unit_of_work() as session:
        headquarters = {b.code for b in session.scalars(select(Branch).where(Branch.is_headquarters))}
    shown = {c for c, f in branches.items() if busy(f)} | {
        code[users[uid].branch_id] for uid in listed if code[users[uid].branch_id] not in headquarters}
    return ({(users[uid].display_name, code[users[uid].branch_id]): people[uid] for uid in listed},
            {c: branches[c] for c in shown})


def _compare(row: dict[str, Any], want: dict[str, Any], key: object) -> None:
    for name in NUMBERS:
        assert row[name] == want[name], (key, name)
    for name in RATES:
        assert row[name] == (None if want[name] is None else pytest.approx(want[name])), (key, name)


def test_team_sheets_match_an_independent_recomputation(database: Database, tmp_path: Path) -> None:
    build_report_data(database)
    _add_reopenings_and_inspections(database)
    hq = authenticate(database, "hq.analyst", DEMO_PASSWORD)
    path = tmp_path / "stats.xlsx"
    export_statistics(database, hq, ReportScope(*Q2), path, today=TODAY, now=NOW)
    people, branches = _expected(database, Q2, TODAY)
    wb = load_workbook(path)
    rows = {(row["Handler"], row["Branch"]): row for row in table(wb["Team"])}
    assert rows.keys() == people.keys()
    for key, row in rows.items():
        _compare(row, people[key], key)
    # the data exercise every figure
    assert sum(r["Re-opened or reviewed"] for r in rows.values()) > 0
    assert sum(r["Cases inspected"] for r in rows.values()) == 9  # the January sample is outside Q2
    assert any(r["Overdue"] for r in rows.values()) and any(r["Average satisfaction"] for r in rows.values())
    by_branch = {row["Branch"]: row for row in table(wb["Team by branch"])}
    assert by_branch.keys() == branches.keys()
    for branch, row in by_branch.items():
        _compare(row, branches[branch], branch)
    sheet = wb["Team"]
    assert sheet.freeze_panes == "C5" and sheet.print_title_rows == "$4:$4"


def test_a_branch_sees_its_own_handlers_and_no_branch_comparison(database: Database, tmp_path: Path) -> None:
    build_report_data(database, count=120)
    manager = authenticate(database, "sh01.manager", DEMO_PASSWORD)
    path = tmp_path / "own.xlsx"
    export_statistics(database, manager, ReportScope(*Q2), path, today=TODAY, now=NOW)
    wb = load_workbook(path)
    people, _branches = _expected(database, Q2, TODAY)
    rows = {(row["Handler"], row["Branch"]): row for row in table(wb["Team"])}
    assert rows.keys() == {key for key in people if key[1] == "SH01"}
    for key, row in rows.items():
        _compare(row, people[key], key)
    assert "Team by branch" not in wb.sheetnames
