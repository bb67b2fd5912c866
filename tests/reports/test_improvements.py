"""Root causes and improvement actions, and how they appear in the statistics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from desk_app.db.models import Branch, ComplaintEvent
from desk_app.db.uow import Database
from desk_app.domain.enums import ActionState, RootCauseLevel
from desk_app.errors import (
    IllegalTransitionError,
    PermissionDeniedError,
    StaleVersionError,
    UnknownCodeError,
    ValidationError,
)
from desk_app.services import improvements
from desk_app.services.complaints import register_complaint
from desk_app.services.report_scope import ReportScope, office_today
from desk_app.services.statistics import compute_statistics
from tests.support.staff import Staff, draft, make_staff

TODAY = office_today("Asia/Shanghai")


@pytest.fixture
def staff(database: Database) -> Staff:
    return make_staff(database)


def test_root_cause_is_recorded_corrected_and_logged(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    info = improvements.record_root_cause(database, staff.handler, case.id, RootCauseLevel.RULES, "c03", "规则不清")
    assert (info.level, info.cause_code, info.case_number) == (RootCauseLevel.RULES, "C03", case.case_number)
    assert info.cause_name and info.recorded_by == "Handler"
    info = improvements.record_root_cause(database, staff.supervisor, case.id, RootCauseLevel.PROCESS, "C09")
    got = improvements.get_root_cause(database, staff.manager, case.id)
    assert got is not None and (got.level, got.cause_code) == (RootCauseLevel.PROCESS, "C09")
    with database.unit_of_work() as s:
        notes = [e.payload for e in s.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id,
                                                                           ComplaintEvent.kind == "note"))]
    assert [n["root_cause"]["cause_code"] for n in notes] == ["C03", "C09"]
    with pytest.raises(UnknownCodeError):
        improvements.record_root_cause(database, staff.handler, case.id, RootCauseLevel.DATA, "C77")
    with pytest.raises(ValidationError):
        improvements.record_root_cause(database, staff.handler, case.id, RootCauseLevel.DATA, "B01")
    with pytest.raises(PermissionDeniedError):
        improvements.record_root_cause(database, staff.clerk, case.id, RootCauseLevel.DATA, "C01")
    with pytest.raises(PermissionDeniedError):
        improvements.record_root_cause(database, staff.other_branch_clerk, case.id, RootCauseLevel.DATA, "C01")


def test_action_lifecycle_links_and_listing(database: Database, staff: Staff) -> None:
    cases = [register_complaint(database, staff.clerk, draft()) for _i in range(3)]
    action = improvements.create_action(database, staff.supervisor, improvements.ActionDraft(
        title="优化盗刷处置流程", cause_code="C09", level=RootCauseLevel.PROCESS, owner_id=staff.handler.user_id,
        due_on=TODAY + timedelta(days=30), case_ids=(cases[0].id, cases[1].id)))
    assert action.state is ActionState.PLANNED and action.branch_code == "SH01"
    assert action.case_numbers == tuple(sorted(c.case_number for c in cases[:2])) and action.owner_name == "Handler"
    action = improvements.link_cases(database, staff.manager, action.id, [cases[2].id, cases[0].id])
    assert len(action.case_numbers) == 3
    action = improvements.unlink_case(database, staff.manager, action.id, cases[2].id)
    assert len(action.case_numbers) == 2
    action = improvements.set_action_state(database, staff.manager, action.id, action.version,
                                           ActionState.IN_PROGRESS)
    with pytest.raises(StaleVersionError):
        improvements.update_action(database, staff.manager, action.id, action.version - 1, {"title": "x"})
    action = improvements.set_action_state(database, staff.manager, action.id, action.version,
                                           ActionState.CANCELLED)
    with pytest.raises(IllegalTransitionError):  # a cancelled action is re-planned before it can be done
        improvements.set_action_state(database, staff.manager, action.id, action.version, ActionState.DONE)
    action = improvements.set_action_state(database, staff.manager, action.id, action.version, ActionState.PLANNED)
    action = improvements.update_action(database, staff.manager, action.id, action.version,
                                        {"due_on": TODAY - timedelta(days=1), "title": "优化盗刷处置流程（二期）"})
    assert action.overdue and action.title.endswith("（二期）")
    done = improvements.set_action_state(database, staff.manager, action.id, action.version, ActionState.DONE,
                                         completed_on=TODAY)
    assert done.completed_on == TODAY and not done.overdue
    assert [a.id for a in improvements.list_actions(database, staff.manager)] == [action.id]
    assert improvements.list_actions(database, staff.manager, open_only=True) == []


def test_action_rights(database: Database, staff: Staff) -> None:
    with pytest.raises(PermissionDeniedError):
        improvements.create_action(database, staff.handler, improvements.ActionDraft(title="x"))
    with pytest.raises(PermissionDeniedError):  # only HQ runs network-wide actions (the admin here is HQ's)
        improvements.create_action(database, staff.supervisor, improvements.ActionDraft(title="x", network_wide=True))
    with database.unit_of_work() as s:
        bj = s.scalars(select(Branch).where(Branch.code == "BJ01")).one().id
    with pytest.raises(PermissionDeniedError):
        improvements.create_action(database, staff.supervisor, improvements.ActionDraft(title="x", branch_id=bj))
    with pytest.raises(ValidationError):
        improvements.create_action(database, staff.supervisor, improvements.ActionDraft(title="  "))
    with pytest.raises(ValidationError):  # the owner must work at the action's branch
        improvements.create_action(database, staff.supervisor, improvements.ActionDraft(
            title="x", owner_id=staff.other_branch_clerk.user_id))
    network = improvements.create_action(database, staff.admin, improvements.ActionDraft(
        title="全辖服务礼仪培训", network_wide=True, cause_code="C01"))
    assert network.branch_id is None
    assert [a.title for a in improvements.list_actions(database, staff.supervisor)] == ["全辖服务礼仪培训"]


def test_root_causes_and_actions_in_the_statistics(database: Database, staff: Staff) -> None:
    cases = [register_complaint(database, staff.clerk, draft()) for _i in range(3)]
    for case, (level, code) in zip(cases, [(RootCauseLevel.DATA, "C09"), (RootCauseLevel.DATA, "C09"),
                                           (RootCauseLevel.RULES, "C03")], strict=True):
        improvements.record_root_cause(database, staff.handler, case.id, level, code)
    improvements.create_action(database, staff.manager, improvements.ActionDraft(
        title="整改A", cause_code="C09", due_on=TODAY - timedelta(days=3), case_ids=(cases[0].id,)))
    stats = compute_statistics(database, staff.manager, ReportScope(TODAY - timedelta(days=7), TODAY), today=TODAY)
    assert [(r.level, r.cause_code, r.count) for r in stats.root_causes] == [("data", "C09", 2), ("rules", "C03", 1)]
    assert [(a.title, a.linked_cases, a.overdue, a.state) for a in stats.actions] == [("整改A", 1, True, "planned")]
