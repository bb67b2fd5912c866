"""Issue 18.3 in the services: the root cause on three levels with the course's cause type, improvement
actions with a department, closed only with evidence, reviewed by someone other than the owner, and the
improvement page's order (overdue first)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desk_app.db.uow import Database
from desk_app.domain.cause_types import CauseType
from desk_app.domain.enums import ActionState, RootCauseLevel
from desk_app.errors import IllegalTransitionError, PermissionDeniedError, StaleVersionError, ValidationError
from desk_app.services import improvements
from desk_app.services.complaints import register_complaint
from desk_app.services.report_scope import ReportScope, office_today
from desk_app.services.statistics import export_statistics
from tests.support.staff import Staff, draft
from tests.support.workbooks import table

TODAY = office_today("Asia/Shanghai")


def test_root_cause_on_three_levels_with_its_cause_type(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    info = improvements.record_root_cause(
        database, staff.handler, case.id, RootCauseLevel.RULES, "C03", "规则不清",
        cause_type=CauseType.RULES_PROCESS_PRODUCT, data_finding=" 风控数据未覆盖境外交易 ",
        rules_finding="盗刷处置规则未规定时限", process_finding="")
    got = improvements.get_root_cause(database, staff.supervisor, case.id)
    assert got == info
    assert (got.cause_type, got.data_finding, got.rules_finding, got.process_finding) == (
        CauseType.RULES_PROCESS_PRODUCT, "风控数据未覆盖境外交易", "盗刷处置规则未规定时限", "")
    # corrected: the type may be cleared, the findings replaced
    info = improvements.record_root_cause(database, staff.handler, case.id, RootCauseLevel.PROCESS, "C09",
                                          cause_type=CauseType.COMPLAINANT, process_finding="客户泄露验证码")
    assert (info.level, info.cause_type, info.data_finding, info.process_finding) == (
        RootCauseLevel.PROCESS, CauseType.COMPLAINANT, "", "客户泄露验证码")
    with pytest.raises(ValidationError) as too_long:
        improvements.record_root_cause(database, staff.handler, case.id, RootCauseLevel.DATA, "C01",
                                       rules_finding="长" * (improvements.MAX_TEXT + 1))
    assert too_long.value.field == "rules_finding"
    assert CauseType.SKILL_MISUNDERSTANDING.label == "Sales or service skill, misunderstanding"


def test_an_action_is_closed_with_evidence_and_reviewed_by_another(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    action = improvements.create_action(database, staff.supervisor, improvements.ActionDraft(
        title="境外交易风控规则补充", department=" 风险管理部 ", owner_id=staff.handler.user_id,
        due_on=TODAY + timedelta(days=10), case_ids=(case.id,)))
    assert (action.department, action.evidence, action.review) == ("风险管理部", "", "")
    with pytest.raises(ValidationError) as no_evidence:
        improvements.complete_action(database, staff.supervisor, action.id, action.version, "  ")
    assert no_evidence.value.field == "evidence"
    with pytest.raises(IllegalTransitionError):  # only a done action is reviewed
        improvements.review_action(database, staff.manager, action.id, action.version, "有效")
    evidence = "风控规则V3.2已上线（附上线通知）"
    done = improvements.complete_action(database, staff.supervisor, action.id, action.version, evidence,
                                        completed_on=TODAY)
    assert (done.state, done.completed_on, done.evidence) == (ActionState.DONE, TODAY, evidence)
    with pytest.raises(StaleVersionError):
        improvements.review_action(database, staff.manager, action.id, action.version, "有效")
    with pytest.raises(ValidationError):
        improvements.review_action(database, staff.manager, action.id, done.version, "")
    reviewed = improvements.review_action(database, staff.manager, action.id, done.version,
                                          "三个月无同类投诉，整改有效")
    assert (reviewed.review, reviewed.reviewed_by) == ("三个月无同类投诉，整改有效", "Manager")
    assert reviewed.reviewed_at is not None
    assert improvements.get_action(database, staff.supervisor, action.id) == reviewed
    with pytest.raises(PermissionDeniedError):
        improvements.complete_action(database, staff.handler, action.id, reviewed.version, "x")
    with pytest.raises(ValidationError):
        improvements.update_action(database, staff.manager, action.id, reviewed.version, {"department": "部" * 101})


def test_owner_cannot_review_own_action(database: Database, staff: Staff) -> None:
    action = improvements.create_action(database, staff.supervisor, improvements.ActionDraft(
        title="柜面话术培训", owner_id=staff.manager.user_id))
    done = improvements.complete_action(database, staff.supervisor, action.id, action.version, "培训签到表")
    with pytest.raises(PermissionDeniedError):
        improvements.review_action(database, staff.manager, action.id, done.version, "有效")


def test_the_page_lists_overdue_actions_first(database: Database, staff: Staff) -> None:
    def make(title: str, days: int | None) -> improvements.ActionInfo:
        due = TODAY + timedelta(days=days) if days is not None else None
        return improvements.create_action(database, staff.supervisor, improvements.ActionDraft(title=title, due_on=due))

    later, no_date, overdue, long_overdue, soon = make("later", 30), make("no date", None), make("overdue", -1), \
        make("long overdue", -20), make("soon", 2)
    finished = make("finished long ago", -40)
    improvements.complete_action(database, staff.supervisor, finished.id, finished.version, "已完成")
    listed = improvements.overdue_first(improvements.list_actions(database, staff.supervisor))
    assert [a.title for a in listed] == ["long overdue", "overdue", "soon", "later", "no date", "finished long ago"]
    assert [a.overdue for a in listed] == [True, True, False, False, False, False]
    assert {later.id, no_date.id, overdue.id, long_overdue.id, soon.id} < {a.id for a in listed}


def test_root_cause_and_closed_action_reach_the_statistics_workbook(database: Database, staff: Staff,
                                                                     tmp_path: Path) -> None:
    """The whole loop without the GUI: a root cause recorded on a case, an action created for it, closed with
    evidence and reviewed; both are in the exported workbook."""
    case = register_complaint(database, staff.clerk, draft())
    improvements.record_root_cause(database, staff.handler, case.id, RootCauseLevel.RULES, "C03", "规则不清",
                                   cause_type=CauseType.RULES_PROCESS_PRODUCT)
    action = improvements.create_action(database, staff.supervisor, improvements.ActionDraft(
        title="盗刷处置时限写入规则", department="风险管理部", cause_code="C03", level=RootCauseLevel.RULES,
        owner_id=staff.handler.user_id, due_on=TODAY + timedelta(days=10), case_ids=(case.id,)))
    done = improvements.complete_action(database, staff.supervisor, action.id, action.version,
                                        "规则第12条已修订（附发文）", completed_on=TODAY)
    improvements.review_action(database, staff.manager, action.id, done.version, "一个月内无同类投诉")
    path = tmp_path / "stats.xlsx"
    export_statistics(database, staff.supervisor, ReportScope(TODAY - timedelta(days=30), TODAY), path)

    wb = load_workbook(path)
    roots = table(wb["Root causes"])
    assert [(r["Level"], r["Cause code"], r["Cases"]) for r in roots] == [("rules", "C03", 1)]
    [row] = table(wb["Improvement actions"])
    assert (row["Improvement action"], row["Department"], row["Cause code"], row["State code"]) == (
        "盗刷处置时限写入规则", "风险管理部", "C03", "done")
    assert (row["Evidence of completion"], row["Review"], row["Reviewed by"]) == (
        "规则第12条已修订（附发文）", "一个月内无同类投诉", "Manager")
    assert row["Completed on"].date() == TODAY and row["Reviewed on"].date() == TODAY
    assert row["Linked cases"] == 1 and row["Overdue"] is None
