"""Approvals done by the approver: a proposal waits in the queue of the level whose limit covers it, and only
an approver of that level (never the proposer) moves it; the 60-day extension needs the branch manager's own
approval; an extension counts once its notice is issued and is refused after the deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from desk_app.db.models import AuditEntry, Branch
from desk_app.db.uow import Database
from desk_app.documents.content import ExtensionInputs
from desk_app.domain.actor import Actor
from desk_app.domain.approvals import ApprovalLevel, required_level
from desk_app.domain.enums import ApprovalState, Complexity, LetterKind, Role
from desk_app.domain.workflow import Action
from desk_app.errors import IllegalTransitionError, PermissionDeniedError, ValidationError
from desk_app.services import approvals, extensions, handling, letters, overview
from desk_app.services import case_workflow as wf
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.dto import ComplaintDetail
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff, draft


def _in_progress(db: Database, staff: Staff, clerk: Actor | None = None, supervisor: Actor | None = None,
                 handler: Actor | None = None, **overrides: object) -> ComplaintDetail:
    case = register_complaint(db, clerk or staff.clerk, draft(**overrides))
    case = wf.assign(db, supervisor or staff.supervisor, case.id, case.version, (handler or staff.handler).user_id)
    return wf.perform(db, handler or staff.handler, case.id, case.version, Action.START)


def _propose(db: Database, handler: Actor, case: ComplaintDetail, amount: str) -> handling.ResolutionInfo:
    return handling.propose_resolution(db, handler, case.id, resolution_type="compensation", amount=amount,
                                       description="赔偿损失", basis="《银行卡章程》第十二条", upheld=True)


def _queue(db: Database, actor: Actor) -> list[str]:
    return [item.case_number for item in approvals.approval_queue(db, actor)]


def test_levels_follow_the_limits() -> None:
    from decimal import Decimal

    assert [required_level(Decimal(v)) for v in ("1", "5000", "5000.01", "50000", "50000.01", "9999999")] == [
        ApprovalLevel.SUPERVISOR, ApprovalLevel.SUPERVISOR, ApprovalLevel.BRANCH_MANAGER,
        ApprovalLevel.BRANCH_MANAGER, ApprovalLevel.HEAD_OFFICE, ApprovalLevel.HEAD_OFFICE]


def test_30000_reaches_the_managers_queue_and_only_the_managers_approval_moves_it(
        database: Database, staff: Staff) -> None:
    case = _in_progress(database, staff)
    proposal = _propose(database, staff.handler, case, "30000")
    assert proposal.approval_level is ApprovalLevel.BRANCH_MANAGER
    assert case.case_number in _queue(database, staff.manager)
    assert case.case_number not in _queue(database, staff.supervisor)
    assert _queue(database, staff.handler) == []
    with pytest.raises(PermissionDeniedError, match=r"30,000\.00 needs the approval of: Branch manager"):
        handling.decide_resolution(database, staff.supervisor, proposal.id, proposal.version, approve=True)
    with pytest.raises(PermissionDeniedError):
        handling.decide_resolution(database, staff.handler, proposal.id, proposal.version, approve=True)
    with pytest.raises(TypeError):  # no free-text substitute for the approver's own decision
        handling.decide_resolution(database, staff.supervisor, proposal.id, proposal.version,  # type: ignore[call-arg]
                                   approve=True, head_office_reference="总行消保〔2026〕18号")
    still = handling.resolutions(database, staff.handler, case.id)[-1]
    assert still.approval_state is ApprovalState.PROPOSED
    approved = handling.decide_resolution(database, staff.manager, proposal.id, proposal.version, approve=True)
    assert approved.approval_state is ApprovalState.APPROVED and approved.approved_by == "Manager"
    assert case.case_number not in _queue(database, staff.manager)
    decided = get_complaint(database, staff.handler, case.id).events[-1]
    assert decided.kind == "resolution_decided" and decided.payload["level"] == "branch_manager"
    with database.unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "approval")).one()
        assert entry.user_id == staff.manager.user_id and entry.complaint_id == case.id


def test_the_overview_shows_the_approvers_queue(database: Database, staff: Staff) -> None:
    case = _in_progress(database, staff)
    _propose(database, staff.handler, case, "30000")
    today = date.today()
    shown = overview.case_overview(database, staff.manager, today).approvals
    assert [(a.case_number, a.kind, a.amount) for a in shown] == [
        (case.case_number, approvals.ApprovalKind.COMPENSATION, 30000)]
    assert overview.case_overview(database, staff.supervisor, today).approvals == ()


def test_nobody_approves_their_own_proposal(database: Database, staff: Staff) -> None:
    case = _in_progress(database, staff, handler=staff.supervisor)
    proposal = _propose(database, staff.supervisor, case, "3000")
    assert _queue(database, staff.supervisor) == []  # not in the proposer's own queue
    with pytest.raises(PermissionDeniedError, match="own proposal"):
        handling.decide_resolution(database, staff.supervisor, proposal.id, proposal.version, approve=True)
    assert _queue(database, staff.manager) == [case.case_number]  # a higher level may decide it
    handling.decide_resolution(database, staff.manager, proposal.id, proposal.version, approve=True)


def test_a_return_needs_a_reason_and_goes_back_to_the_handler(database: Database, staff: Staff) -> None:
    case = _in_progress(database, staff)
    proposal = _propose(database, staff.handler, case, "3000")
    with pytest.raises(ValidationError, match="returned"):
        handling.decide_resolution(database, staff.supervisor, proposal.id, proposal.version, approve=False)
    returned = handling.decide_resolution(database, staff.supervisor, proposal.id, proposal.version,
                                          approve=False, reason="金额计算依据不足")
    assert returned.approval_state is ApprovalState.REJECTED and returned.decision_reason == "金额计算依据不足"
    assert _queue(database, staff.supervisor) == []
    assert handling.resolutions(database, staff.handler, case.id)[-1].approved_by == "Supervisor"


def test_an_amount_changed_behind_the_apps_back_still_needs_its_level(database: Database, staff: Staff) -> None:
    from desk_app.db.models import Resolution

    case = _in_progress(database, staff)
    proposal = _propose(database, staff.handler, case, "3000")
    with database.unit_of_work() as session:
        session.execute(update(Resolution).where(Resolution.id == proposal.id).values(amount=9999999))
    with pytest.raises(PermissionDeniedError, match="Head office"):
        handling.decide_resolution(database, staff.supervisor, proposal.id, proposal.version, approve=True)


def test_head_office_decides_above_the_branch_managers_limit(database: Database, staff: Staff) -> None:
    with database.unit_of_work() as session:
        bj = session.scalars(select(Branch).where(Branch.code == "BJ01")).one()
        session.execute(update(Branch).where(Branch.id == bj.id).values(is_headquarters=False))
        bj_id = bj.id
    people = {}
    for login, role in (("bjhandler", Role.HANDLER), ("bjsup", Role.SUPERVISOR), ("bjmanager", Role.BRANCH_MANAGER)):
        create_user(database, staff.admin, username=login, display_name=login, password=PASSWORD, role=role,
                    branch_id=bj_id, must_change_password=False)
        people[role] = authenticate(database, login, PASSWORD)
    case = _in_progress(database, staff, clerk=staff.other_branch_clerk, supervisor=people[Role.SUPERVISOR],
                        handler=people[Role.HANDLER])
    proposal = _propose(database, people[Role.HANDLER], case, "80000")
    assert proposal.approval_level is ApprovalLevel.HEAD_OFFICE
    assert _queue(database, people[Role.BRANCH_MANAGER]) == []
    with pytest.raises(PermissionDeniedError, match="Head office"):
        handling.decide_resolution(database, people[Role.BRANCH_MANAGER], proposal.id, proposal.version,
                                   approve=True)
    assert case.case_number in _queue(database, staff.manager)  # the headquarters' manager
    approved = handling.decide_resolution(database, staff.manager, proposal.id, proposal.version, approve=True)
    assert approved.approval_state is ApprovalState.APPROVED


# ---- extensions ------------------------------------------------------------------------------------------

def _letterhead(db: Database) -> None:
    with db.unit_of_work() as session:
        session.execute(update(Branch).where(Branch.code == "SH01").values(
            address="上海市浦东新区世纪大道100号", hotline="95588", superior_institution="上海分行消保部",
            superior_contact="上海市黄浦区中山东一路1号，电话021-61234567"))


def _recent(db: Database, staff: Staff) -> ComplaintDetail:
    _letterhead(db)
    return register_complaint(db, staff.clerk, draft(received_at=datetime.now(UTC) - timedelta(days=2)))


def test_a_30_day_extension_counts_when_its_notice_is_issued(database: Database, staff: Staff) -> None:
    case = _recent(database, staff)
    due = case.due_on
    case = wf.extend(database, staff.handler, case.id, case.version, Complexity.COMPLEX, "需调取监控录像")
    assert case.due_on == due and case.complexity is Complexity.SIMPLE  # asked for, not yet counting
    assert case.extension_requested is Complexity.COMPLEX
    assert LetterKind.EXTENSION in letters.available_kinds(database, staff.handler, case.id)
    letters.issue_letter(database, staff.handler, case.id, LetterKind.EXTENSION, ExtensionInputs())
    case = get_complaint(database, staff.handler, case.id)
    assert case.complexity is Complexity.COMPLEX and case.due_on > due and case.extension_requested is None
    kinds = [e.kind for e in case.events]
    assert kinds[-3:] == ["extension_requested", "extended", "letter_issued"]  # the notice with the extension


def test_the_60_day_extension_needs_the_branch_managers_own_approval(database: Database, staff: Staff) -> None:
    case = _recent(database, staff)
    due = case.due_on
    case = wf.extend(database, staff.handler, case.id, case.version, Complexity.SPECIAL, "需外部鉴定")
    with pytest.raises(IllegalTransitionError, match="waits for the branch manager's approval"):
        letters.issue_letter(database, staff.handler, case.id, LetterKind.EXTENSION, ExtensionInputs())
    waiting = approvals.approval_queue(database, staff.manager)
    assert [(a.case_number, a.kind) for a in waiting] == [(case.case_number, approvals.ApprovalKind.EXTENSION)]
    with pytest.raises(PermissionDeniedError):
        extensions.decide_extension(database, staff.supervisor, case.id, case.version, approve=True)
    case = extensions.decide_extension(database, staff.manager, case.id, case.version, approve=True)
    assert case.due_on == due and case.extension_approved
    assert approvals.approval_queue(database, staff.manager) == []
    letters.issue_letter(database, staff.handler, case.id, LetterKind.EXTENSION, ExtensionInputs())
    case = get_complaint(database, staff.handler, case.id)
    assert case.complexity is Complexity.SPECIAL and case.due_on > due
    extended = [e for e in case.events if e.kind == "extended"][-1]
    assert extended.payload["approver"] == "Manager"


def test_the_requester_does_not_approve_their_own_extension(database: Database, staff: Staff) -> None:
    case = _recent(database, staff)
    case = wf.extend(database, staff.manager, case.id, case.version, Complexity.SPECIAL, "需外部鉴定")
    assert approvals.approval_queue(database, staff.manager) == []
    with pytest.raises(PermissionDeniedError, match="own extension request"):
        extensions.decide_extension(database, staff.manager, case.id, case.version, approve=True)


def test_a_returned_extension_request_lapses(database: Database, staff: Staff) -> None:
    case = _recent(database, staff)
    case = wf.extend(database, staff.handler, case.id, case.version, Complexity.SPECIAL, "需外部鉴定")
    with pytest.raises(ValidationError, match="returned"):
        extensions.decide_extension(database, staff.manager, case.id, case.version, approve=False)
    case = extensions.decide_extension(database, staff.manager, case.id, case.version, approve=False,
                                       reason="可在30日内办结")
    assert case.extension_requested is None and case.events[-1].kind == "extension_returned"
    assert LetterKind.EXTENSION not in letters.available_kinds(database, staff.handler, case.id)


def test_an_extension_after_the_deadline_is_refused_and_the_case_stays_overdue(
        database: Database, staff: Staff) -> None:
    case = register_complaint(database, staff.clerk, draft(received_at=datetime.now(UTC) - timedelta(days=40)))
    assert case.due_on < date.today()
    with pytest.raises(IllegalTransitionError, match="can no longer be extended and stays overdue"):
        wf.extend(database, staff.handler, case.id, case.version, Complexity.COMPLEX, "案情复杂")
    after = get_complaint(database, staff.handler, case.id)
    assert after.due_on == case.due_on and after.version == case.version and after.extension_requested is None


def test_an_approval_or_notice_after_the_deadline_is_refused(database: Database, staff: Staff) -> None:
    case = _recent(database, staff)
    case = wf.extend(database, staff.handler, case.id, case.version, Complexity.SPECIAL, "需外部鉴定")
    later = case.due_on + timedelta(days=1)
    with pytest.raises(IllegalTransitionError, match="stays overdue"):
        extensions.decide_extension(database, staff.manager, case.id, case.version, approve=True, today=later)
    case = extensions.decide_extension(database, staff.manager, case.id, case.version, approve=True)
    with database.unit_of_work() as session:  # the notice is issued only after the deadline
        from desk_app.db.models import Complaint

        session.execute(update(Complaint).where(Complaint.id == case.id).values(
            due_on=date.today() - timedelta(days=1)))
    with pytest.raises(IllegalTransitionError, match="stays overdue"):
        letters.issue_letter(database, staff.handler, case.id, LetterKind.EXTENSION, ExtensionInputs())
    assert get_complaint(database, staff.handler, case.id).complexity is Complexity.SIMPLE
