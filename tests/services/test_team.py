"""The team page's figures, recomputed here from the cases the test creates, and who may see them."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from desk_app.db.models import Callback, Complaint
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role, Status
from desk_app.domain.timeline import EventKind
from desk_app.errors import PermissionDeniedError, ValidationError
from desk_app.services import case_workflow as wf
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import register_complaint
from desk_app.services.team import handler_loads, team_figures
from desk_app.services.timeline import append_event
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff, draft

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime.now(UTC)
TODAY = NOW.astimezone(TZ).date()
FROM, TO = TODAY - timedelta(days=30), TODAY


@dataclass(frozen=True)
class Spec:
    owner: str
    status: Status
    received_days_ago: float
    due_in_days: int
    responded_after_days: float | None = None
    scores: tuple[int, ...] = ()
    reopened: bool = False


SPECS = (
    Spec("a", Status.IN_PROGRESS, 3, 12),
    Spec("a", Status.IN_PROGRESS, 14, 1),                      # due this week (or not, near Sunday)
    Spec("a", Status.IN_PROGRESS, 20, -2),                     # overdue
    Spec("a", Status.CLOSED, 25, -10, 5.5, (2, 4)),            # on time, last score 4
    Spec("a", Status.AWAITING_CALLBACK, 18, -3, 16.0),         # late decision (due 15 days after receipt)
    Spec("a", Status.IN_PROGRESS, 28, -13, 9.25, (5,), True),  # decided on time, then re-opened
    Spec("a", Status.IN_PROGRESS, 45, -30),                    # before the period: open and overdue only
    Spec("b", Status.RESPONDED, 10, 5, 2.0),
    Spec("b", Status.WITHDRAWN, 22, -7),                       # needs no decision
    Spec("b", Status.CLOSED, 12, 3, 1.5, (3,)),
    Spec("b", Status.IN_PROGRESS, 2, 0),                       # due today
)


def _create(db: Database, staff: Staff, owners: dict[str, Actor], spec: Spec,
            clerk: Actor | None = None, supervisor: Actor | None = None) -> uuid.UUID:
    case = register_complaint(db, clerk or staff.clerk, draft())
    if spec.owner:  # "": nobody owns it yet
        wf.assign(db, supervisor or staff.supervisor, case.id, case.version, owners[spec.owner].user_id)
    received = NOW - timedelta(days=spec.received_days_ago)
    responded = received + timedelta(days=spec.responded_after_days) if spec.responded_after_days is not None else None
    with db.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == case.id).values(
            status=spec.status.value, received_at=received, due_on=TODAY + timedelta(days=spec.due_in_days),
            responded_at=responded))
        for i, score in enumerate(spec.scores):
            session.add(Callback(complaint_id=case.id, called_at=received + timedelta(days=20 + i),
                                 called_by_id=staff.supervisor.user_id, satisfaction=score))
        if spec.reopened:
            append_event(session, case.id, EventKind.STATUS_CHANGED.value, staff.supervisor.user_id,
                         {"action": "reopen", "from": "closed", "to": "in_progress", "reason": "客户不满"})
    return case.id


def _expected(specs: list[Spec]) -> dict[str, object]:
    """The figures of one handler, computed straight from the specs."""
    week_end = TODAY + timedelta(days=6 - TODAY.weekday())
    running = {Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.UNDER_REVIEW}
    in_period = [s for s in specs if (NOW - timedelta(days=s.received_days_ago)).astimezone(TZ).date() >= FROM]
    decided = [s for s in in_period if s.responded_after_days is not None]
    needed = [s for s in in_period if s.responded_after_days is not None
              or (s.due_in_days < 0 and s.status not in (Status.REFUSED, Status.WITHDRAWN))]

    def on_time(s: Spec) -> bool:
        assert s.responded_after_days is not None
        responded = NOW - timedelta(days=s.received_days_ago) + timedelta(days=s.responded_after_days)
        return responded.astimezone(TZ).date() <= TODAY + timedelta(days=s.due_in_days)

    scores = [s.scores[-1] for s in in_period if s.scores]
    return {
        "open_cases": sum(s.status not in (Status.CLOSED, Status.REFUSED, Status.WITHDRAWN) for s in specs),
        "overdue": sum(s.status in running and s.due_in_days < 0 for s in specs),
        "due_this_week": sum(s.status in running and TODAY <= TODAY + timedelta(days=s.due_in_days) <= week_end
                             for s in specs),
        "period_cases": len(in_period), "needed_decision": len(needed),
        "decided_on_time": sum(on_time(s) for s in decided),
        "median_days_to_respond": statistics.median(s.responded_after_days for s in decided  # type: ignore[type-var]
                                                    ) if decided else None,
        "satisfaction": statistics.fmean(scores) if scores else None, "satisfaction_count": len(scores),
        "decided": len(decided), "reopened": sum(s.reopened for s in decided),
    }


def _analyst(db: Database, staff: Staff) -> Actor:
    create_user(db, staff.admin, username="analyst", display_name="Analyst", password=PASSWORD,
                role=Role.HQ_ANALYST, branch_id=staff.admin.branch_id, must_change_password=False)
    return authenticate(db, "analyst", PASSWORD)


def test_figures_per_handler_match_the_cases(database: Database, staff: Staff) -> None:
    create_user(database, staff.admin, username="handler2", display_name="Handler2", password=PASSWORD,
                role=Role.HANDLER, branch_id=staff.admin.branch_id, must_change_password=False)
    owners = {"a": staff.handler, "b": authenticate(database, "handler2", PASSWORD)}
    for spec in SPECS:
        _create(database, staff, owners, spec)
    figures = team_figures(database, staff.supervisor, FROM, TO, today=TODAY)
    rows = {row.user_id: row for row in figures.rows}
    for key, actor in owners.items():
        row = rows[actor.user_id]
        got = {name: getattr(row, name) for name in _expected([])}
        want = _expected([s for s in SPECS if s.owner == key])
        assert got.keys() == want.keys()
        for name, value in want.items():
            assert got[name] == (pytest.approx(value) if isinstance(value, float) else value), (key, name)
        assert row.branch_code == "SH01"
    a = rows[staff.handler.user_id]
    assert (a.on_time_rate, a.reopen_rate) == (pytest.approx(2 / 4), pytest.approx(1 / 3))  # 4 needed, 3 decided
    assert rows[staff.supervisor.user_id].open_cases == 0  # supervisors handle cases too: listed with zeros
    assert staff.clerk.user_id not in rows
    assert figures.rows == team_figures(database, staff.manager, FROM, TO, today=TODAY).rows


def test_who_sees_which_branch(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    wf.assign(database, staff.supervisor, case.id, case.version, staff.handler.user_id)
    with pytest.raises(PermissionDeniedError):
        team_figures(database, staff.handler, FROM, TO)
    with pytest.raises(PermissionDeniedError):
        team_figures(database, staff.supervisor, FROM, TO, branch_id=staff.other_branch_clerk.branch_id)
    with pytest.raises(ValidationError, match="starts after it ends"):
        team_figures(database, staff.supervisor, TO, FROM)
    analyst = _analyst(database, staff)
    everyone = team_figures(database, analyst, FROM, TO)
    assert everyone.all_branches
    assert {r.name: r.open_cases for r in everyone.rows}["Handler"] == 1
    bj_handler = create_user(database, staff.admin, username="bjhandler", display_name="BJ handler",
                             password=PASSWORD, role=Role.HANDLER, branch_id=staff.other_branch_clerk.branch_id,
                             must_change_password=False)
    bj = team_figures(database, analyst, FROM, TO, branch_id=staff.other_branch_clerk.branch_id)
    assert [(r.name, r.branch_code, r.open_cases) for r in bj.rows] == [("BJ handler", "BJ01", 0)]
    assert bj_handler.display_name not in {r.name for r in team_figures(database, staff.supervisor, FROM, TO).rows}


def test_loads_for_the_assign_dialog(database: Database, staff: Staff) -> None:
    for _ in range(3):
        case = register_complaint(database, staff.clerk, draft())
        wf.assign(database, staff.supervisor, case.id, case.version, staff.handler.user_id)
    with database.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == case.id).values(
            status=Status.IN_PROGRESS.value, due_on=TODAY - timedelta(days=1)))
    loads = {load.user_id: (load.open_cases, load.overdue)
             for load in handler_loads(database, staff.supervisor, staff.supervisor.branch_id)}
    assert loads == {staff.handler.user_id: (3, 1)}
    with pytest.raises(PermissionDeniedError):
        handler_loads(database, staff.supervisor, staff.other_branch_clerk.branch_id)


def test_head_office_compares_branches(database: Database, staff: Staff) -> None:
    """Per branch: every case of the branch (unowned ones too), medians over its cases."""
    bj = staff.other_branch_clerk.branch_id
    people = {}
    for login, role in (("bjsuper", Role.SUPERVISOR), ("bjhandler", Role.HANDLER), ("handler2", Role.HANDLER)):
        create_user(database, staff.admin, username=login, display_name=login.title(), password=PASSWORD,
                    role=role, branch_id=bj if login.startswith("bj") else staff.admin.branch_id,
                    must_change_password=False)
        people[login] = authenticate(database, login, PASSWORD)
    owners = {"a": staff.handler, "b": people["handler2"], "bj": people["bjhandler"]}
    sh_specs = [*SPECS, Spec("", Status.REGISTERED, 1, 14), Spec("", Status.RESPONDED, 8, 6, 3.0, (1,))]
    bj_specs = [Spec("bj", Status.IN_PROGRESS, 5, -1), Spec("bj", Status.CLOSED, 15, -2, 7.5, (5,), True)]
    for spec in sh_specs:
        _create(database, staff, owners, spec)
    for spec in bj_specs:
        _create(database, staff, owners, spec, staff.other_branch_clerk, people["bjsuper"])
    figures = team_figures(database, _analyst(database, staff), FROM, TO, today=TODAY)
    branches = {row.branch_code: row for row in figures.branches}
    assert set(branches) == {"SH01", "BJ01"}  # SH01 is headquarters but has cases: listed
    for code, specs, handlers in (("SH01", sh_specs, 4), ("BJ01", bj_specs, 2)):
        row = branches[code]
        assert row.handlers == handlers, code  # handlers, supervisors and managers who may handle cases
        for name, value in _expected(specs).items():
            assert getattr(row, name) == (pytest.approx(value) if isinstance(value, float) else value), (code, name)
    bj_only = team_figures(database, people["bjsuper"], FROM, TO, today=TODAY)
    assert [b.branch_code for b in bj_only.branches] == ["BJ01"]
    assert {r.name for r in bj_only.rows} == {"Bjsuper", "Bjhandler"}
