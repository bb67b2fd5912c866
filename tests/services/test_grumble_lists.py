"""The grumble list's filters (period, cause, settled, turned, text; branch-scoped, masked at HQ) and the
dashboard's prevention funnel, which is the prevention figures' own computation, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desk_app.config import DEFAULT_TIMEZONE
from desk_app.db.uow import Database
from desk_app.reports.prevention_figures import OpportunityKind
from desk_app.services import grumbles, opportunities, prevention
from desk_app.services.complaints import register_complaint
from desk_app.services.dashboard import DashboardQuery, dashboard_data
from desk_app.services.opportunities import OpportunityDraft
from desk_app.services.report_scope import ReportScope, office_today
from tests.support.grumbles import backdate, grumble, make_analyst
from tests.support.staff import Staff, draft

TODAY = office_today(DEFAULT_TIMEZONE)  # the office's day: a report period is in office-local days
SCOPE = ReportScope(TODAY - timedelta(days=29), TODAY)  # previous period: the 30 days before


def test_the_list_filters_by_period_cause_settled_turned_and_text(database: Database, staff: Staff) -> None:
    fee = grumbles.record_grumble(database, staff.clerk, grumble(axis_c="C09", remark="年费太高了",
                                                                 customer_name="王芳", customer_phone="13812345678"))
    queue = grumbles.record_grumble(database, staff.clerk, grumble(axis_c="C10", settled=False,
                                                                   action_taken="安排优先办理"))
    turned = grumbles.record_grumble(database, staff.clerk, grumble(axis_c="C11", settled=False))
    grumbles.link_complaint(database, staff.clerk, turned.id, register_complaint(database, staff.clerk, draft()).id)
    old = grumbles.record_grumble(database, staff.clerk, grumble(remark="100%_太高"))
    backdate(database, old.id, 40)
    elsewhere = grumbles.record_grumble(database, staff.other_branch_clerk, grumble(remark="也嫌太高"))

    def ids(**filters: object) -> set[object]:
        return {g.id for g in grumbles.list_grumbles(database, staff.clerk, **filters)}  # type: ignore[arg-type]

    assert ids() == {fee.id, queue.id, turned.id, old.id}  # not the other branch's
    since = datetime.now(UTC) - timedelta(days=10)
    assert ids(since=since) == {fee.id, queue.id, turned.id}
    assert ids(until=since) == {old.id}
    assert ids(cause="c11") == {turned.id}
    assert ids(cause="c1") == {queue.id, turned.id}  # a code prefix
    assert ids(settled=False) == {queue.id, turned.id}
    assert ids(turned=True) == {turned.id}
    assert ids(turned=False, settled=False) == {queue.id}
    assert ids(text="太高") == {fee.id, old.id}
    assert ids(text="优先") == {queue.id}  # what was done
    assert ids(text="%_") == {old.id}  # taken as text, not as LIKE wildcards
    assert ids(text="王芳") == ids(text="1381234") == {fee.id}  # the branch's own staff see the customer

    analyst = make_analyst(database, staff)
    at_hq = {g.id: g for g in grumbles.list_grumbles(database, analyst, text="太高")}
    assert set(at_hq) == {fee.id, old.id, elsewhere.id}
    assert at_hq[fee.id].masked and "王芳" not in at_hq[fee.id].customer_name
    assert grumbles.list_grumbles(database, analyst, text="王芳") == []  # no finding a masked name by search


def test_opportunity_list_keeps_its_filters(database: Database, staff: Staff) -> None:
    """``list_opportunities`` on the shared list shape: scope, period, kind, product prefix."""
    analyst = make_analyst(database, staff)
    g = grumbles.record_grumble(database, staff.other_branch_clerk, grumble(axis_b="B01"))
    case = register_complaint(database, staff.clerk, draft())
    a = opportunities.add_opportunity(database, staff.handler, OpportunityDraft(
        OpportunityKind.SUGGESTION, "a", complaint_id=case.id))
    b = opportunities.add_opportunity(database, staff.other_branch_clerk, OpportunityDraft(
        OpportunityKind.OPPORTUNITY, "b", grumble_id=g.id))
    assert [o.id for o in opportunities.list_opportunities(database, analyst)] == [b.id, a.id]  # newest first
    assert [o.id for o in opportunities.list_opportunities(database, analyst, product="b03")] == [a.id]
    assert [o.id for o in opportunities.list_opportunities(database, staff.supervisor)] == [a.id]  # own branch
    assert opportunities.list_opportunities(database, analyst, until=datetime.now(UTC) - timedelta(days=1)) == []
    assert len(opportunities.list_opportunities(database, analyst, limit=1)) == 1


def test_the_dashboard_shows_the_prevention_funnel(database: Database, staff: Staff) -> None:
    analyst = make_analyst(database, staff)
    for clerk, cause, settled in ((staff.clerk, "C09", True), (staff.clerk, "C09", False),
                                  (staff.other_branch_clerk, "C01", True)):
        grumbles.record_grumble(database, clerk, grumble(axis_c=cause, settled=settled))
    turned = grumbles.record_grumble(database, staff.clerk, grumble(axis_c="C09", settled=False))
    grumbles.link_complaint(database, staff.clerk, turned.id,
                            register_complaint(database, staff.clerk, draft(axis_c="C09")).id)
    earlier = grumbles.record_grumble(database, staff.clerk, grumble(axis_c="C01"))
    backdate(database, earlier.id, 40)

    board = dashboard_data(database, analyst, DashboardQuery(SCOPE.date_from, SCOPE.date_to), today=TODAY)
    assert board.funnel == prevention.prevention_funnel(database, analyst, SCOPE)  # the same figures
    funnel = board.funnel
    assert (funnel.grumbles, funnel.settled, funnel.turned) == (4, 2, 1)
    assert {(r.branch_code, r.cause_code): (r.grumbles, r.settled, r.turned) for r in funnel.rows} == {
        ("SH01", "C09"): (3, 1, 1), ("BJ01", "C01"): (1, 1, 0)}
    assert [(r.cause_code, r.grumbles, r.previous_grumbles, r.complaints, r.previous_complaints)
            for r in funnel.rising] == [("C09", 3, 0, 1, 0)]  # C01 holds at one
    own = dashboard_data(database, staff.supervisor, DashboardQuery(SCOPE.date_from, SCOPE.date_to), today=TODAY)
    assert {r.branch_code for r in own.funnel.rows} == {"SH01"} and own.funnel.grumbles == 3


@pytest.mark.parametrize("limit", [0, 10_000])
def test_the_list_limit_stays_within_bounds(database: Database, staff: Staff, limit: int) -> None:
    for _i in range(3):
        grumbles.record_grumble(database, staff.clerk, grumble())
    assert len(grumbles.list_grumbles(database, staff.clerk, limit=limit)) == (1 if limit == 0 else 3)
