"""Moving a case through its lifecycle, steps, pauses and extensions on a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from desk_app.db.models import ComplaintEvent
from desk_app.db.uow import Database
from desk_app.domain.calendar import CalendarDay, DayKind
from desk_app.domain.enums import Complexity, Severity, Stage, Status
from desk_app.domain.workflow import Action
from desk_app.errors import IllegalTransitionError, PermissionDeniedError, StaleVersionError, ValidationError
from desk_app.services import case_workflow as wf
from desk_app.services import extensions, handling
from desk_app.services.calendar import enter_year_schedule
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.dto import ComplaintDetail
from desk_app.services.timeline import check_chain
from tests.support.staff import Staff, draft
from tests.support.workflow import STEP_RECORDS, tick_listening, walk_to_act


def _assigned(database: Database, staff: Staff, **overrides: object) -> ComplaintDetail:
    case = register_complaint(database, staff.clerk, draft(**overrides))
    return wf.assign(database, staff.supervisor, case.id, case.version, staff.handler.user_id)


def test_full_lifecycle_with_six_steps(database: Database, staff: Staff) -> None:
    case = _assigned(database, staff, severity=Severity.SERIOUS)
    assert case.status is Status.ASSIGNED and case.owner_name == "Handler"
    case = wf.perform(database, staff.handler, case.id, case.version, Action.START)
    assert case.stage is Stage.LISTEN
    case = wf.record_first_contact(database, staff.handler, case.id, case.version)
    case = walk_to_act(database, staff, case)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.RESPOND)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.AWAIT_CALLBACK)
    handling.record_callback(database, staff.handler, case.id, method="phone", reached=True, satisfaction=4)
    case = get_complaint(database, staff.handler, case.id)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.CLOSE)
    assert case.status is Status.CLOSED
    case = wf.perform(database, staff.handler, case.id, case.version, Action.APPLY_REVIEW, "客户申请核查")
    case = wf.perform(database, staff.handler, case.id, case.version, Action.REOPEN, "核查发现新证据")
    assert case.status is Status.IN_PROGRESS and case.stage is Stage.LISTEN
    kinds = [e.kind for e in case.events]
    assert kinds[:4] == ["registered", "assigned", "status_changed", "first_contact"]
    assert kinds.count("stage_changed") == 5 and kinds.count("status_changed") == 6
    assert {"stage_record", "contact", "resolution_proposed", "resolution_decided", "callback"} <= set(kinds)
    with database.unit_of_work() as session:
        assert check_chain(session, case.id) is None


def test_steps_need_their_records(database: Database, staff: Staff) -> None:
    case = _assigned(database, staff)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.START)
    with pytest.raises(IllegalTransitionError, match="real demand"):
        wf.move_stage(database, staff.handler, case.id, case.version, Stage.INVESTIGATE)
    case = handling.record_stage(database, staff.handler, case.id, case.version, Stage.LISTEN,
                                 STEP_RECORDS[Stage.LISTEN])
    with pytest.raises(IllegalTransitionError, match="Judge the true demand"):
        wf.move_stage(database, staff.handler, case.id, case.version, Stage.INVESTIGATE)
    tick_listening(database, staff, case.id)
    case = wf.move_stage(database, staff.handler, case.id, case.version, Stage.INVESTIGATE)
    assert case.stage is Stage.INVESTIGATE


def test_response_needs_approved_resolution_and_close_needs_callback(database: Database, staff: Staff) -> None:
    case = _assigned(database, staff)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.START)
    for stage, target in ((Stage.LISTEN, Stage.INVESTIGATE), (Stage.INVESTIGATE, Stage.ANALYSE),
                          (Stage.ANALYSE, Stage.NEGOTIATE)):
        case = handling.record_stage(database, staff.handler, case.id, case.version, stage, STEP_RECORDS[stage])
        if stage is Stage.LISTEN:
            tick_listening(database, staff, case.id)
        case = wf.move_stage(database, staff.handler, case.id, case.version, target)
    proposal = handling.propose_resolution(database, staff.handler, case.id, resolution_type="compensation",
                                           amount="80000", description="赔偿", basis="合同第5条", upheld=True)
    with pytest.raises(IllegalTransitionError, match="approved resolution"):
        wf.perform(database, staff.handler, case.id, case.version, Action.RESPOND)
    with pytest.raises(PermissionDeniedError, match="may not do this"):
        handling.decide_resolution(database, staff.handler, proposal.id, proposal.version, approve=True)
    with pytest.raises(PermissionDeniedError, match="needs the approval of: Head office"):
        handling.decide_resolution(database, staff.supervisor, proposal.id, proposal.version, approve=True)
    handling.decide_resolution(database, staff.manager, proposal.id, proposal.version, approve=True)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.RESPOND)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.AWAIT_CALLBACK)
    with pytest.raises(IllegalTransitionError, match="callback"):
        wf.perform(database, staff.handler, case.id, case.version, Action.CLOSE)
    with pytest.raises(ValidationError, match="1 to 5"):
        handling.record_callback(database, staff.handler, case.id, method="phone", reached=True, satisfaction=6)


def test_serious_case_cannot_skip_deliberation(database: Database, staff: Staff) -> None:
    case = _assigned(database, staff, severity=Severity.SERIOUS)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.START)
    case = handling.record_stage(database, staff.handler, case.id, case.version, Stage.LISTEN,
                                 STEP_RECORDS[Stage.LISTEN])
    tick_listening(database, staff, case.id)
    case = wf.move_stage(database, staff.handler, case.id, case.version, Stage.INVESTIGATE)
    with pytest.raises(IllegalTransitionError, match="deliberation"):
        wf.move_stage(database, staff.handler, case.id, case.version, Stage.ANALYSE)


def test_illegal_transition_changes_nothing(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    with pytest.raises(IllegalTransitionError, match="Registered"):
        wf.perform(database, staff.handler, case.id, case.version, Action.CLOSE)
    again = get_complaint(database, staff.handler, case.id)
    assert again.status is Status.REGISTERED and again.version == case.version and len(again.events) == 1


def test_stale_version_refused(database: Database, staff: Staff) -> None:
    case = _assigned(database, staff)
    wf.perform(database, staff.handler, case.id, case.version, Action.START)
    with pytest.raises(StaleVersionError):
        wf.perform(database, staff.handler, case.id, case.version, Action.REFUSE, "不属于受理范围")


def test_roles_enforced(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    with pytest.raises(PermissionDeniedError):
        wf.assign(database, staff.clerk, case.id, case.version, staff.handler.user_id)
    with pytest.raises(ValidationError, match="not a handler"):
        wf.assign(database, staff.supervisor, case.id, case.version, staff.clerk.user_id)


def test_withdrawal_ends_the_case(database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft())
    case = wf.perform(database, staff.clerk, case.id, case.version, Action.WITHDRAW, "客户书面撤回")
    assert case.status is Status.WITHDRAWN and case.allowed_actions == ()


def test_extension_needs_manager_approval_for_60_days(database: Database, staff: Staff) -> None:
    """The due dates of each step (the request, the approval, the notice) are in tests/services/test_approvals.py;
    here: the 60-day limit itself, once the manager approved it in person."""
    received = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    case = _assigned(database, staff, received_at=received)
    assert case.due_on == date(2026, 3, 17)
    case = extensions.request_extension(database, staff.handler, case.id, case.version, Complexity.SPECIAL,
                                        "需外部鉴定", today=date(2026, 3, 10))
    assert case.due_on == date(2026, 3, 17) and case.extension_requested is Complexity.SPECIAL
    with pytest.raises(PermissionDeniedError, match="Approve extensions to 60 days"):
        extensions.decide_extension(database, staff.supervisor, case.id, case.version, approve=True)
    case = extensions.decide_extension(database, staff.manager, case.id, case.version, approve=True,
                                       today=date(2026, 3, 10))
    assert case.extension_approved and case.events[-1].payload["approver"] == "Manager"
    request = [e for e in case.events if e.kind == "extension_requested"][-1]
    assert request.payload["new_due_on"] == "2026-05-06"  # day 60 is 5-1, in the Labour Day holiday → 5-6


def test_pause_pushes_the_due_date(database: Database, staff: Staff) -> None:
    case = _assigned(database, staff, received_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    case = wf.pause(database, staff.handler, case.id, case.version, "送司法鉴定", start=date(2026, 3, 5))
    assert case.paused
    case = wf.resume(database, staff.handler, case.id, case.version, end=date(2026, 3, 9))
    assert not case.paused
    assert case.due_on == date(2026, 3, 23)  # 3-17 + 5 paused days = 3-22 (Sunday) → 3-23
    assert case.events[-1].kind == "deadline_recomputed"


def test_transfer_to_another_branch(database: Database, staff: Staff) -> None:
    case = _assigned(database, staff)
    target = staff.other_branch_clerk.branch_id
    case = wf.transfer(database, staff.supervisor, case.id, case.version, target, "属地管理：客户在北京办理业务")
    assert case.branch_code == "BJ01" and case.owner_id is None and case.status is Status.REGISTERED
    assert get_complaint(database, staff.other_branch_clerk, case.id).case_number == case.case_number
    with pytest.raises(PermissionDeniedError):
        get_complaint(database, staff.clerk, case.id)


def test_hq_holiday_schedule_redates_open_cases(database: Database, staff: Staff) -> None:
    """A 2027 case counts weekends only until HQ enters the 2027 schedule; then it is re-dated and logged."""
    case = register_complaint(database, staff.clerk, draft())  # received now (2026-11 or later)
    entries = [CalendarDay(date(2027, 1, 1), DayKind.HOLIDAY, "元旦")]
    entries += [CalendarDay(date(2027, 2, d), DayKind.HOLIDAY, "春节") for d in range(5, 12)]
    entries += [CalendarDay(date(2027, 1, 31), DayKind.WORKDAY, "春节"),
                CalendarDay(date(2027, 2, 20), DayKind.WORKDAY, "春节")]
    with pytest.raises(PermissionDeniedError):
        enter_year_schedule(database, staff.clerk, 2027, entries)
    with pytest.raises(ValidationError, match="weekday"):
        enter_year_schedule(database, staff.admin, 2027,
                            [*entries, CalendarDay(date(2027, 3, 3), DayKind.WORKDAY, "x")])
    change = enter_year_schedule(database, staff.admin, 2027, entries)
    assert change.year == 2027 and change.cases_rechecked >= 1
    with database.unit_of_work() as session:
        logged = session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id,
                                                              ComplaintEvent.kind == "deadline_recomputed")).all()
    assert len(logged) == change.cases_changed  # only one case exists
