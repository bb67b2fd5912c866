"""The case counter table stays exact through every change of a case's branch, status or severity, and the
case list's counts from it equal the rows the list shows."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select, text, update

from desk_app.db.models import Base, Branch, Complaint
from desk_app.db.models.case_counts import CaseCount
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Severity, Status
from desk_app.domain.workflow import Action
from desk_app.services import case_workflow as wf
from desk_app.services import handling, retention
from desk_app.services.case_list import CaseFilter, count_cases, fetch_page
from desk_app.services.complaints import get_complaint, register_complaint
from tests.support.staff import Staff, draft
from tests.support.workflow import walk_to_act


def _assert_exact(database: Database) -> None:
    with database.unit_of_work() as session:
        actual = Counter({(b, s, v): n for b, s, v, n in session.execute(
            select(Complaint.branch_id, Complaint.status, Complaint.severity, func.count())
            .group_by(Complaint.branch_id, Complaint.status, Complaint.severity))})
        counted = Counter({(b, s, v): n for b, s, v, n in session.execute(
            select(CaseCount.branch_id, CaseCount.status, CaseCount.severity, CaseCount.n)) if n})
    assert counted == actual


def _listed(database: Database, actor: Actor, flt: CaseFilter) -> int:
    """The count the list shows, checked against the rows it lists."""
    n = count_cases(database, actor, flt, date.today())
    assert n == len(fetch_page(database, actor, flt, date.today(), limit=1000))
    return n


def test_counts_stay_exact_through_a_cases_life(database: Database, staff: Staff) -> None:
    cases = [register_complaint(database, staff.clerk, draft()) for _ in range(3)]
    register_complaint(database, staff.other_branch_clerk, draft(severity=Severity.SERIOUS))
    _assert_exact(database)
    assert _listed(database, staff.admin, CaseFilter()) == 4
    assert _listed(database, staff.clerk, CaseFilter()) == 3
    assert _listed(database, staff.admin, CaseFilter(severities=frozenset({Severity.SERIOUS}))) == 1

    # assigned, handled through the six steps, answered, called back, closed; then reviewed and reopened
    case = wf.assign(database, staff.supervisor, cases[0].id, cases[0].version, staff.handler.user_id)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.START)
    case = wf.record_first_contact(database, staff.handler, case.id, case.version)
    case = walk_to_act(database, staff, case)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.RESPOND)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.AWAIT_CALLBACK)
    handling.record_callback(database, staff.handler, case.id, method="phone", reached=True, satisfaction=4)
    case = get_complaint(database, staff.handler, case.id)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.CLOSE)
    _assert_exact(database)
    closed = CaseFilter(statuses=frozenset({Status.CLOSED}))
    assert _listed(database, staff.clerk, closed) == 1
    case = wf.perform(database, staff.handler, case.id, case.version, Action.APPLY_REVIEW, "客户申请核查")
    case = wf.perform(database, staff.handler, case.id, case.version, Action.REOPEN, "核查发现新证据")
    _assert_exact(database)
    assert _listed(database, staff.clerk, closed) == 0
    assert _listed(database, staff.clerk, CaseFilter(statuses=frozenset({Status.IN_PROGRESS}))) == 1

    # transferred to the other branch: it leaves this branch's counts and joins the other's
    with database.unit_of_work() as session:
        beijing = session.scalars(select(Branch.id).where(Branch.code == "BJ01")).one()
    assigned = wf.assign(database, staff.supervisor, cases[1].id, cases[1].version, staff.handler.user_id)
    wf.transfer(database, staff.supervisor, assigned.id, assigned.version, beijing, "客户在北京办理业务")
    _assert_exact(database)
    assert _listed(database, staff.clerk, CaseFilter()) == 2
    assert _listed(database, staff.other_branch_clerk, CaseFilter()) == 2
    assert _listed(database, staff.admin, CaseFilter(branch_ids=frozenset({beijing}),
                                                      statuses=frozenset({Status.REGISTERED}))) == 2

    # refused, then its severity changed in place (any writer: the triggers count, not the services)
    refused = wf.perform(database, staff.supervisor, cases[2].id, cases[2].version, Action.REFUSE, "不属于投诉")
    with database.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == refused.id).values(severity=Severity.CRITICAL.value))
    _assert_exact(database)
    assert _listed(database, staff.clerk, CaseFilter(severities=frozenset({Severity.CRITICAL}))) == 1

    # personal data removed from finished cases: the cases and their counts stay
    assert retention.anonymise(database, staff.admin, 1, date.today() + timedelta(days=800)) == 1
    _assert_exact(database)
    assert _listed(database, staff.admin, CaseFilter()) == 4

    # a case deleted outright (e.g. from a database console) leaves the counts too
    with database.engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if "complaint_id" in table.c:
                conn.execute(table.delete().where(table.c.complaint_id == refused.id))
        conn.execute(text("DELETE FROM complaints WHERE case_number = :n"), {"n": refused.case_number})
    _assert_exact(database)
    assert _listed(database, staff.admin, CaseFilter()) == 3
    assert _listed(database, staff.clerk, CaseFilter(severities=frozenset({Severity.CRITICAL}))) == 0
