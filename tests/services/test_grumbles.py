"""The grumble log, opportunities and the prevention funnel, on both databases.

The funnel test creates grumbles at two branches in this and the previous period, turns some into complaints,
and recomputes every figure from the rows it created (plain Python over its own list), not from the service.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from desk_app.config import DEFAULT_TIMEZONE
from desk_app.db.models import Grumble, Opportunity
from desk_app.db.uow import Database
from desk_app.errors import NotFoundError, PermissionDeniedError, UnknownCodeError, ValidationError
from desk_app.reports.prevention_figures import OpportunityKind
from desk_app.services import grumbles, opportunities, prevention
from desk_app.services.complaints import register_complaint
from desk_app.services.opportunities import OpportunityDraft
from desk_app.services.report_scope import ReportScope, office_today
from tests.support.grumbles import backdate, grumble, make_analyst
from tests.support.staff import Staff, draft

TODAY = office_today(DEFAULT_TIMEZONE)  # the office's day: a report period is in office-local days
SCOPE = ReportScope(TODAY - timedelta(days=29), TODAY)  # previous period: the 30 days before


def test_a_clerk_records_a_grumble_without_a_clock(database: Database, staff: Staff) -> None:
    info = grumbles.record_grumble(database, staff.clerk, grumble(
        customer_name="王芳", customer_phone="138 1234 5678", remark="排队太久"))
    assert info.branch_code == "SH01" and info.settled and info.axis_c == "C09" and info.cause_name
    assert info.customer_phone == "13812345678" and not info.masked and info.case_number == ""
    with database.unit_of_work() as session:
        row = session.get_one(Grumble, info.id)
        assert not hasattr(row, "due_on") and row.recorded_by_id == staff.clerk.user_id
    # the other branch does not see it, HQ sees it masked
    assert grumbles.list_grumbles(database, staff.other_branch_clerk) == []
    with pytest.raises(NotFoundError):
        grumbles.get_grumble(database, staff.other_branch_clerk, info.id)
    seen = grumbles.list_grumbles(database, make_analyst(database, staff))
    assert [g.id for g in seen] == [info.id] and seen[0].masked and seen[0].customer_phone == "138****5678"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"action_taken": "  "}, "action_taken"),
    ({"axis_c": "C9999"}, "axis_c"),
    ({"axis_b": "C09"}, "axis_b"),
    ({"customer_phone": "12"}, "phone"),
])
def test_bad_input_is_refused_naming_the_field(database: Database, staff: Staff, overrides: dict[str, object],
                                               field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        grumbles.record_grumble(database, staff.clerk, grumble(**overrides))
    assert caught.value.field == field
    with database.unit_of_work() as session:
        assert session.scalars(select(Grumble)).all() == []


def test_an_analyst_may_not_record_a_grumble(database: Database, staff: Staff) -> None:
    with pytest.raises(PermissionDeniedError, match="Register complaints"):
        grumbles.record_grumble(database, make_analyst(database, staff), grumble())


def test_turning_into_a_complaint_links_once(database: Database, staff: Staff) -> None:
    info = grumbles.record_grumble(database, staff.clerk, grumble(settled=False))
    case = register_complaint(database, staff.clerk, draft())
    linked = grumbles.link_complaint(database, staff.clerk, info.id, case.id)
    assert linked.complaint_id == case.id and linked.case_number == case.case_number
    assert grumbles.link_complaint(database, staff.clerk, info.id, case.id).complaint_id == case.id  # idempotent
    other = register_complaint(database, staff.clerk, draft())
    with pytest.raises(ValidationError, match=case.case_number):
        grumbles.link_complaint(database, staff.clerk, info.id, other.id)
    second = grumbles.record_grumble(database, staff.clerk, grumble())
    with pytest.raises(ValidationError, match="another grumble"):
        grumbles.link_complaint(database, staff.clerk, second.id, case.id)
    with pytest.raises(NotFoundError):  # another branch's clerk cannot reach it
        grumbles.link_complaint(database, staff.other_branch_clerk, second.id, other.id)


def test_opportunities_on_a_case_and_a_grumble(database: Database, staff: Staff) -> None:
    analyst = make_analyst(database, staff)
    case = register_complaint(database, staff.clerk, draft())
    g = grumbles.record_grumble(database, staff.clerk, grumble(axis_b="B01"))
    on_case = opportunities.add_opportunity(database, staff.handler, OpportunityDraft(
        OpportunityKind.OPPORTUNITY, "客户希望有境外消费提醒短信", complaint_id=case.id))
    on_grumble = opportunities.add_opportunity(database, staff.clerk, OpportunityDraft(
        OpportunityKind.SUGGESTION, "建议增加叫号屏", grumble_id=g.id))
    assert on_case.product == "B0302" and on_case.case_number == case.case_number  # the case's business
    assert on_grumble.product == "B01" and on_grumble.grumble_id == g.id
    assert [o.id for o in opportunities.list_for_case(database, staff.clerk, case.id)] == [on_case.id]
    assert {o.id for o in opportunities.list_opportunities(database, analyst)} == {on_case.id, on_grumble.id}
    assert [o.id for o in opportunities.list_opportunities(database, analyst, kind=OpportunityKind.SUGGESTION)] == [
        on_grumble.id]
    with pytest.raises(ValidationError):
        opportunities.add_opportunity(database, staff.clerk, OpportunityDraft(
            OpportunityKind.SUGGESTION, "x", complaint_id=case.id, grumble_id=g.id))
    with pytest.raises(ValidationError, match="Describe"):
        opportunities.add_opportunity(database, staff.clerk, OpportunityDraft(
            OpportunityKind.SUGGESTION, " ", grumble_id=g.id))
    with pytest.raises(UnknownCodeError):
        opportunities.add_opportunity(database, staff.clerk, OpportunityDraft(
            OpportunityKind.SUGGESTION, "x", product="Z9", grumble_id=g.id))
    with pytest.raises(PermissionDeniedError, match="another branch"):
        opportunities.add_opportunity(database, staff.other_branch_clerk, OpportunityDraft(
            OpportunityKind.SUGGESTION, "x", grumble_id=g.id))
    with pytest.raises(PermissionDeniedError, match="Run and export reports"):
        opportunities.list_opportunities(database, staff.clerk)


@dataclass(frozen=True)
class Made:
    """A grumble the funnel test made: where, which cause, in which period, settled, turned."""

    branch: str
    cause: str
    current: bool
    settled: bool
    turned: bool


def test_funnel_figures_recomputed_from_the_rows_made(database: Database, staff: Staff) -> None:
    analyst = make_analyst(database, staff)
    plan = [  # (clerk, cause, current period?, settled?, turned?)
        (staff.clerk, "C09", True, True, False), (staff.clerk, "C09", True, False, True),
        (staff.clerk, "C09", True, True, False), (staff.clerk, "C01", True, False, False),
        (staff.clerk, "C09", False, True, False), (staff.clerk, "C01", False, True, False),
        (staff.clerk, "C01", False, False, False),
        (staff.other_branch_clerk, "C09", True, True, False), (staff.other_branch_clerk, "C02", True, False, True),
        (staff.other_branch_clerk, "C02", False, True, False),
    ]
    made: list[Made] = []
    for clerk, cause, current, settled, turned in plan:
        info = grumbles.record_grumble(database, clerk, grumble(axis_c=cause, settled=settled))
        if turned:
            case = register_complaint(database, clerk, draft(axis_c=cause))
            grumbles.link_complaint(database, clerk, info.id, case.id)
        if not current:
            backdate(database, info.id, 40)
        made.append(Made(clerk.branch_code, cause, current, settled, turned))
    outside = grumbles.record_grumble(database, staff.clerk, grumble(axis_c="C01"))
    backdate(database, outside.id, 90)  # before the previous period: counted nowhere

    funnel = prevention.prevention_funnel(database, analyst, SCOPE)
    now = [m for m in made if m.current]
    assert (funnel.grumbles, funnel.settled, funnel.turned) == (
        len(now), sum(m.settled for m in now), sum(m.turned for m in now))
    expected = {}
    for key in {(m.branch, m.cause) for m in now}:
        group = [m for m in now if (m.branch, m.cause) == key]
        expected[key] = (len(group), sum(m.settled for m in group), sum(m.turned for m in group))
    assert {(r.branch_code, r.cause_code): (r.grumbles, r.settled, r.turned) for r in funnel.rows} == expected
    assert all(r.cause_name for r in funnel.rows)
    this, before = Counter(m.cause for m in now), Counter(m.cause for m in made if not m.current)
    rising = {cause for cause in this if this[cause] > before[cause]}
    assert {r.cause_code for r in funnel.rising} == rising == {"C09"}  # C02 holds, C01 falls
    c09 = next(r for r in funnel.rising if r.cause_code == "C09")
    assert (c09.grumbles, c09.previous_grumbles, c09.change) == (this["C09"], before["C09"], 3)
    assert (c09.complaints, c09.previous_complaints) == (1, 0)  # the turned grumble's complaint
    assert funnel.rising[0].cause_code == "C09"  # the largest rise first

    own = prevention.prevention_funnel(database, staff.supervisor, SCOPE)  # a branch sees its own
    assert {r.branch_code for r in own.rows} == {"SH01"}
    assert own.grumbles == sum(1 for m in now if m.branch == "SH01")
    with pytest.raises(PermissionDeniedError):
        prevention.prevention_funnel(database, staff.clerk, SCOPE)


def test_opportunity_summary_by_product_and_kind(database: Database, staff: Staff) -> None:
    analyst = make_analyst(database, staff)
    case = register_complaint(database, staff.clerk, draft())
    g = grumbles.record_grumble(database, staff.other_branch_clerk, grumble(axis_b="B01"))
    drafts = [OpportunityDraft(OpportunityKind.SUGGESTION, "a", complaint_id=case.id),
              OpportunityDraft(OpportunityKind.SUGGESTION, "b", complaint_id=case.id),
              OpportunityDraft(OpportunityKind.OPPORTUNITY, "c", complaint_id=case.id, product="B01"),
              OpportunityDraft(OpportunityKind.OPPORTUNITY, "d", grumble_id=g.id)]
    for d in drafts:
        opportunities.add_opportunity(database, staff.handler if d.complaint_id else staff.other_branch_clerk, d)
    with database.unit_of_work() as session:  # one recorded long ago: outside the period
        old = session.scalars(select(Opportunity).where(Opportunity.text == "b")).one()
        old.recorded_at = datetime.combine(date(2020, 1, 1), datetime.min.time(), UTC)
    rows = {(r.product_code, r.kind): (r.count, r.from_cases, r.from_grumbles)
            for r in prevention.opportunity_summary(database, analyst, SCOPE)}
    assert rows == {("B0302", OpportunityKind.SUGGESTION): (1, 1, 0),
                    ("B01", OpportunityKind.OPPORTUNITY): (2, 1, 1)}


def test_retention_blanks_the_customer_of_old_grumbles(database: Database, staff: Staff) -> None:
    from desk_app.services import retention

    old = grumbles.record_grumble(database, staff.clerk, grumble(customer_name="王芳", customer_phone="13812345678"))
    recent = grumbles.record_grumble(database, staff.clerk, grumble(customer_name="李四"))
    backdate(database, old.id, 4 * 366)
    assert retention.anonymise(database, staff.admin, 3, TODAY) == 0  # no case, but the grumble's customer
    kept = {g.id: (g.customer_name, g.customer_phone) for g in grumbles.list_grumbles(database, staff.clerk)}
    assert kept == {old.id: ("", ""), recent.id: ("李四", "")}
