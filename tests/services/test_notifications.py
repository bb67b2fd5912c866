"""Reminders: for each rule, who is told, when, and that each (rule, case, occasion) is told once."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from desk_app.db.models import NotificationReceipt
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.domain.notification_rules import RuleKind, default_rules, parse_rules
from desk_app.domain.workflow import Action
from desk_app.errors import ValidationError
from desk_app.services import case_workflow as wf
from desk_app.services import handling
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.dto import ComplaintDetail
from desk_app.services.notifications import Notification, _record_told, current_notifications, mark_read
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff, draft

TZ = ZoneInfo("Asia/Shanghai")


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), TZ)


def _told(db: Database, actor: Actor, rule: RuleKind, at: datetime | None = None) -> list[Notification]:
    return [n for n in current_notifications(db, actor, at) if n.rule is rule]


def _assigned(db: Database, staff: Staff, handler: Actor | None = None) -> ComplaintDetail:
    case = register_complaint(db, staff.clerk, draft())
    return wf.assign(db, staff.supervisor, case.id, case.version, (handler or staff.handler).user_id)


def _user(db: Database, staff: Staff, login: str, role: Role, branch: object = None) -> Actor:
    create_user(db, staff.admin, username=login, display_name=login.title(), password=PASSWORD, role=role,
                branch_id=branch or staff.admin.branch_id, must_change_password=False)  # type: ignore[arg-type]
    return authenticate(db, login, PASSWORD)


def test_first_contact_due_tells_the_owner_and_the_supervisor_once(database: Database, staff: Staff) -> None:
    case = _assigned(database, staff)
    due = get_complaint(database, staff.handler, case.id).first_contact_due
    before_lead = due - timedelta(hours=5)  # the rule's lead is 4 hours
    in_lead = due - timedelta(hours=3)
    assert _told(database, staff.handler, RuleKind.FIRST_CONTACT_DUE, before_lead) == []
    first = _told(database, staff.handler, RuleKind.FIRST_CONTACT_DUE, in_lead)
    assert [(n.case_number, n.new, n.due_at) for n in first] == [(case.case_number, True, due)]
    again = _told(database, staff.handler, RuleKind.FIRST_CONTACT_DUE, in_lead)
    assert [(n.case_number, n.new) for n in again] == [(case.case_number, False)]  # listed, but no pop-up
    assert [n.new for n in _told(database, staff.supervisor, RuleKind.FIRST_CONTACT_DUE, in_lead)] == [True]
    for nobody in (staff.manager, staff.clerk, staff.other_branch_clerk, staff.admin):
        assert _told(database, nobody, RuleKind.FIRST_CONTACT_DUE, in_lead) == []
    assert mark_read(database, staff.handler, [first[0].key]) == 1
    assert mark_read(database, staff.handler, [first[0].key]) == 0
    assert _told(database, staff.handler, RuleKind.FIRST_CONTACT_DUE, due + timedelta(hours=1)) == []
    current = get_complaint(database, staff.handler, case.id)
    wf.record_first_contact(database, staff.handler, case.id, current.version, note="电话联系")
    assert _told(database, staff.supervisor, RuleKind.FIRST_CONTACT_DUE, in_lead) == []  # no longer holds


def test_deadline_soon_then_overdue_for_the_owner_and_the_branch_leads(database: Database, staff: Staff) -> None:
    case = _assigned(database, staff)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.START)
    due = case.due_on
    assert _told(database, staff.handler, RuleKind.DEADLINE_SOON, _noon(due - timedelta(days=3))) == []
    for who in (staff.handler, staff.supervisor, staff.manager):
        soon = _told(database, who, RuleKind.DEADLINE_SOON, _noon(due - timedelta(days=2)))
        assert [(n.case_number, n.due_on, n.new) for n in soon] == [(case.case_number, due, True)], who.role
        assert _told(database, who, RuleKind.OVERDUE, _noon(due)) == []  # due today is not overdue
    assert _told(database, staff.clerk, RuleKind.DEADLINE_SOON, _noon(due)) == []
    assert [n.new for n in _told(database, staff.handler, RuleKind.DEADLINE_SOON, _noon(due))] == [False]
    late = _told(database, staff.handler, RuleKind.OVERDUE, _noon(due + timedelta(days=1)))
    assert [(n.case_number, n.occasion, n.new) for n in late] == [(case.case_number, due.isoformat(), True)]
    mark_read(database, staff.handler, [late[0].key])
    assert _told(database, staff.handler, RuleKind.OVERDUE, _noon(due + timedelta(days=5))) == []
    assert [n.new for n in _told(database, staff.manager, RuleKind.OVERDUE, _noon(due + timedelta(days=5)))] == [True]
    bj_lead = _user(database, staff, "bjsupervisor", Role.SUPERVISOR, staff.other_branch_clerk.branch_id)
    assert _told(database, bj_lead, RuleKind.OVERDUE, _noon(due + timedelta(days=5))) == []


def test_a_proposal_waits_for_its_approver_and_a_returned_one_tells_its_proposer(
        database: Database, staff: Staff) -> None:
    case = _assigned(database, staff)
    case = wf.perform(database, staff.handler, case.id, case.version, Action.START)
    big = handling.propose_resolution(database, staff.handler, case.id, resolution_type="compensation",
                                      amount="30000", description="赔偿损失", basis="章程", upheld=True)
    waiting = _told(database, staff.manager, RuleKind.APPROVAL_WAITING)
    assert [(n.case_number, n.occasion, n.new) for n in waiting] == [(case.case_number, f"resolution:{big.id}", True)]
    for nobody in (staff.supervisor, staff.handler, staff.clerk):
        assert _told(database, nobody, RuleKind.APPROVAL_WAITING) == []
    handling.decide_resolution(database, staff.manager, big.id, big.version, approve=False, reason="金额过高")
    assert _told(database, staff.manager, RuleKind.APPROVAL_WAITING) == []  # decided: gone
    returned = _told(database, staff.handler, RuleKind.PROPOSAL_RETURNED)
    assert [(n.case_number, n.detail, n.new) for n in returned] == [(case.case_number, "金额过高", True)]
    for nobody in (staff.manager, staff.supervisor):
        assert _told(database, nobody, RuleKind.PROPOSAL_RETURNED) == []
    mark_read(database, staff.handler, [returned[0].key])
    assert _told(database, staff.handler, RuleKind.PROPOSAL_RETURNED) == []
    much_later = datetime.now(TZ) + timedelta(days=31)  # past the rule's 30 days: no longer news
    small = handling.propose_resolution(database, staff.handler, case.id, resolution_type="refund", amount="100",
                                        description="退费", basis="章程", upheld=True)
    handling.decide_resolution(database, staff.supervisor, small.id, small.version, approve=False, reason="不符")
    assert _told(database, staff.handler, RuleKind.PROPOSAL_RETURNED, much_later) == []


def test_an_escalation_tells_the_branch_leads_not_the_one_who_escalated(database: Database, staff: Staff) -> None:
    case = _assigned(database, staff)
    wf.escalate(database, staff.handler, case.id, case.version, "客户情绪激动")
    for lead in (staff.supervisor, staff.manager):
        told = _told(database, lead, RuleKind.ESCALATED)
        assert [(n.case_number, n.detail, n.new) for n in told] == [(case.case_number, "客户情绪激动", True)]
        assert [n.new for n in _told(database, lead, RuleKind.ESCALATED)] == [False]
    bj_lead = _user(database, staff, "bjmanager", Role.BRANCH_MANAGER, staff.other_branch_clerk.branch_id)
    for nobody in (staff.handler, staff.clerk, bj_lead):
        assert _told(database, nobody, RuleKind.ESCALATED) == []


def test_an_assignment_tells_the_new_owner_only(database: Database, staff: Staff) -> None:
    second = _user(database, staff, "handler2", Role.HANDLER)
    case = _assigned(database, staff)
    told = _told(database, staff.handler, RuleKind.ASSIGNED)
    assert [(n.case_number, n.new) for n in told] == [(case.case_number, True)]
    assert _told(database, staff.supervisor, RuleKind.ASSIGNED) == []
    wf.assign(database, staff.supervisor, case.id, case.version, second.user_id)
    assert _told(database, staff.handler, RuleKind.ASSIGNED) == []  # no longer theirs
    assert [n.new for n in _told(database, second, RuleKind.ASSIGNED)] == [True]
    mine = register_complaint(database, staff.clerk, draft())
    wf.assign(database, staff.manager, mine.id, mine.version, staff.manager.user_id)  # self-assigned: no news
    assert _told(database, staff.manager, RuleKind.ASSIGNED) == []


def test_the_rules_file_is_data_and_bad_entries_are_named() -> None:
    rules = default_rules()
    assert set(rules) == set(RuleKind)
    assert rules[RuleKind.DEADLINE_SOON].lead_days == 2
    assert rules[RuleKind.ESCALATED].roles == {Role.SUPERVISOR, Role.BRANCH_MANAGER}
    assert set(parse_rules(b'version = 1\n[[rule]]\ncode = "overdue"\nowner = true\n', "x.toml")) == {
        RuleKind.OVERDUE}
    for body, message in ((b'version = 1\n[[rule]]\ncode = "late"\n', "unknown rule code 'late'"),
                          (b'version = 1\n[[rule]]\ncode = "overdue"\nroles = ["boss"]\n', "roles must be"),
                          (b'version = 1\n[[rule]]\ncode = "overdue"\nlead_days = -1\n', "lead_days must be"),
                          (b'[[rule]]\ncode = "overdue"\n', "version is missing")):
        with pytest.raises(ValidationError, match=message):
            parse_rules(body, "rules.toml")


def test_a_receipt_recorded_meanwhile_by_another_desk_is_not_an_error(database: Database, staff: Staff) -> None:
    """Two desks of one user (or a desk and the digest) may both find a reminder new: the second insert is skipped."""
    case = _assigned(database, staff)
    row = {"user_id": staff.handler.user_id, "rule": "assigned", "complaint_id": case.id, "occasion": "event:x",
           "told_at": datetime.now(TZ)}
    for _ in range(2):
        with database.unit_of_work() as session:
            _record_told(session, [{**row, "id": uuid.uuid4()}])
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(NotificationReceipt)
                              .where(NotificationReceipt.occasion == "event:x")) == 1
