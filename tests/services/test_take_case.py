"""A handler takes an unassigned case of their own branch (case_workflow.take_case), when the branch allows it
(branches.set_handlers_may_take); every other attempt is refused with a clear message and writes nothing.
The supervisor's work queues (overview.work_queues) list the case until it is taken."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from db_digest import database_digest
from sqlalchemy import select, update

from desk_app.db.models import AuditEntry, Branch, Complaint, ComplaintEvent
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role, Status
from desk_app.domain.events import describe_event
from desk_app.domain.workflow import Action
from desk_app.errors import IllegalTransitionError, PermissionDeniedError, StaleVersionError
from desk_app.services import branches, overview
from desk_app.services import case_workflow as wf
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import register_complaint
from desk_app.services.dto import ComplaintDetail
from desk_app.services.overview import ASSIGNABLE, case_overview, work_queues
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff, draft


def _bj_handler(db: Database, staff: Staff) -> Actor:
    with db.unit_of_work() as session:
        bj = session.scalars(select(Branch.id).where(Branch.code == "BJ01")).one()
    create_user(db, staff.admin, username="bjhandler", display_name="BJ handler", password=PASSWORD,
                role=Role.HANDLER, branch_id=bj, must_change_password=False)
    return authenticate(db, "bjhandler", PASSWORD)


@pytest.fixture
def case(database: Database, staff: Staff) -> ComplaintDetail:
    return register_complaint(database, staff.clerk, draft())


def test_a_handler_takes_an_unassigned_case(database: Database, staff: Staff, case: ComplaintDetail) -> None:
    assert wf.may_take(database, staff.handler, case.id)
    taken = wf.take_case(database, staff.handler, case.id, case.version)
    assert taken.owner_id == staff.handler.user_id and taken.status is Status.ASSIGNED
    assert taken.version > case.version
    event = taken.events[-1]
    assert event.kind == "assigned" and event.payload["taken"] is True
    assert event.payload["to_owner"] == str(staff.handler.user_id) and event.payload["owner_name"] == "Handler"
    assert describe_event(event.kind, event.payload).startswith("Taken by Handler")  # not "Assigned to"
    with database.unit_of_work() as session:
        actor_id = session.scalar(select(ComplaintEvent.actor_id).where(ComplaintEvent.complaint_id == case.id)
                                  .order_by(ComplaintEvent.seq.desc()).limit(1))
    assert actor_id == staff.handler.user_id
    assert not wf.may_take(database, staff.handler, case.id)
    # and the handler works on it as on an assigned case
    started = wf.perform(database, staff.handler, case.id, taken.version, Action.START)
    assert started.status is Status.IN_PROGRESS


def test_taking_from_a_list_row_without_a_version(database: Database, staff: Staff, case: ComplaintDetail) -> None:
    taken = wf.take_case(database, staff.handler, case.id)
    assert taken.owner_id == staff.handler.user_id


def test_a_supervisor_may_take_too_but_a_clerk_may_not(database: Database, staff: Staff,
                                                       case: ComplaintDetail) -> None:
    assert not wf.may_take(database, staff.clerk, case.id)
    before = database_digest(database)
    for actor in (staff.clerk, staff.admin):
        with pytest.raises(PermissionDeniedError, match="does not handle cases"):
            wf.take_case(database, actor, case.id, case.version)
    assert database_digest(database) == before
    assert wf.take_case(database, staff.supervisor, case.id).owner_id == staff.supervisor.user_id


def test_another_branchs_case_is_refused(database: Database, staff: Staff, case: ComplaintDetail) -> None:
    bj = _bj_handler(database, staff)
    before = database_digest(database)
    with pytest.raises(PermissionDeniedError, match="another branch"):
        wf.take_case(database, bj, case.id)
    with pytest.raises(PermissionDeniedError, match="another branch"):
        wf.take_case(database, bj, case.id, case.version)
    with pytest.raises(PermissionDeniedError, match="another branch"):
        wf.may_take(database, bj, case.id)
    assert database_digest(database) == before


def test_an_assigned_case_is_refused_naming_its_handler(database: Database, staff: Staff,
                                                        case: ComplaintDetail) -> None:
    create_user(database, staff.admin, username="handler2", display_name="Second handler", password=PASSWORD,
                role=Role.HANDLER, must_change_password=False)
    second = authenticate(database, "handler2", PASSWORD)
    assigned = wf.assign(database, staff.supervisor, case.id, case.version, second.user_id)
    before = database_digest(database)
    with pytest.raises(IllegalTransitionError, match=r"already assigned to Second handler"):
        wf.take_case(database, staff.handler, case.id, assigned.version)
    with pytest.raises(IllegalTransitionError, match=r"already assigned to Second handler"):
        wf.take_case(database, staff.handler, case.id)  # two handlers at once: the second is told
    assert not wf.may_take(database, staff.handler, case.id)
    assert database_digest(database) == before


def test_a_stale_version_and_a_finished_case_are_refused(database: Database, staff: Staff,
                                                         case: ComplaintDetail) -> None:
    wf.add_note(database, staff.clerk, case.id, "客户来电补充")  # a note does not change the version
    wf.escalate(database, staff.clerk, case.id, case.version, "客户情绪激动")
    with pytest.raises(StaleVersionError):
        wf.take_case(database, staff.handler, case.id, case.version)
    with database.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == case.id).values(status=Status.WITHDRAWN.value))
    with pytest.raises(IllegalTransitionError, match="cannot be taken"):
        wf.take_case(database, staff.handler, case.id)


def test_a_branch_that_does_not_allow_it(database: Database, staff: Staff, case: ComplaintDetail) -> None:
    info = branches.set_handlers_may_take(database, staff.supervisor, False)
    assert info.handlers_may_take is False and info.code == "SH01"
    assert not branches.handlers_may_take(database, staff.handler)
    assert not wf.may_take(database, staff.handler, case.id)
    before = database_digest(database)
    with pytest.raises(PermissionDeniedError, match=r"Branch SH01 does not let handlers take cases"):
        wf.take_case(database, staff.handler, case.id, case.version)
    assert database_digest(database) == before
    # the supervisor still assigns; the manager opens taking again
    branches.set_handlers_may_take(database, staff.manager, True)
    assert wf.take_case(database, staff.handler, case.id).owner_id == staff.handler.user_id


def test_who_may_change_the_branch_rule(database: Database, staff: Staff) -> None:
    bj = _bj_handler(database, staff)
    before = database_digest(database)
    for actor in (staff.clerk, staff.handler, bj):
        with pytest.raises(PermissionDeniedError, match="may not change whether handlers take cases"):
            branches.set_handlers_may_take(database, actor, False)
    with pytest.raises(PermissionDeniedError, match="rules of your own branch"):
        branches.set_handlers_may_take(database, staff.supervisor, False, bj.branch_id)
    assert database_digest(database) == before
    assert branches.set_handlers_may_take(database, staff.admin, False, bj.branch_id).code == "BJ01"  # HQ admin
    assert not branches.handlers_may_take(database, bj)
    with database.unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert entry.action == "branch_changed" and entry.user_id == staff.admin.user_id
    assert entry.detail["operation"] == "set_handlers_may_take" and entry.detail["branch"] == "BJ01"


def test_the_administrator_sets_the_rule_in_the_branch_form(database: Database, staff: Staff) -> None:
    own = next(b for b in branches.list_branches(database) if b.code == "SH01")
    assert own.handlers_may_take is True  # the default, for branches made before the rule existed too
    changed = branches.update_branch(database, staff.admin, own.id,
                                     dataclasses.replace(own.fields(), handlers_may_take=False), own.version)
    assert changed.handlers_may_take is False
    assert not branches.handlers_may_take(database, staff.handler)


def test_the_queues_list_the_case_until_it_is_taken(database: Database, staff: Staff) -> None:
    today = date.today()
    older = register_complaint(database, staff.clerk, draft())
    newer = register_complaint(database, staff.clerk, draft())
    bj_clerk_case = register_complaint(database, staff.other_branch_clerk, draft())
    with database.unit_of_work() as session:  # the older one came in a week ago and is overdue now
        session.execute(update(Complaint).where(Complaint.id == older.id).values(
            received_at=older.received_at - timedelta(days=7), due_on=today - timedelta(days=2)))
    queues = work_queues(database, staff.supervisor, today)
    assert [c.case_number for c in queues.to_assign] == [older.case_number, newer.case_number]
    assert queues.to_assign_count == 2 and queues.handlers_may_take
    first = queues.to_assign[0]
    assert first.complaint_id == older.id and first.due_on == today - timedelta(days=2) and first.days_left == -2
    assert first.owner_name == "" and first.customer_name == "王*" and first.branch_code == "SH01"
    assert [c.case_number for c in queues.overdue] == [older.case_number]
    assert bj_clerk_case.case_number not in {c.case_number for c in queues.to_assign}

    wf.take_case(database, staff.handler, older.id)
    after = case_overview(database, staff.supervisor, today).queues
    assert [c.case_number for c in after.to_assign] == [newer.case_number] and after.to_assign_count == 1
    assert [(c.case_number, c.owner_name) for c in after.overdue] == [(older.case_number, "Handler")]
    branches.set_handlers_may_take(database, staff.supervisor, False)
    assert not work_queues(database, staff.handler, today).handlers_may_take


def test_the_queues_share_the_assignable_states() -> None:
    assert ASSIGNABLE == wf.ASSIGNABLE


def test_only_those_who_act_on_a_queue_read_it(database: Database, staff: Staff,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    today = date.today()
    for _ in range(3):
        case = register_complaint(database, staff.clerk, draft())
    with database.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == case.id).values(due_on=today - timedelta(days=1)))
    for actor in (staff.clerk, staff.admin):  # a clerk assigns nothing; headquarters follows the urgent list
        queues = work_queues(database, actor, today)
        assert (queues.to_assign, queues.to_assign_count, queues.overdue) == ((), 0, ())
    handler = work_queues(database, staff.handler, today)  # may take them, has no overdue list
    assert handler.to_assign_count == 3 and handler.overdue == ()
    manager = work_queues(database, staff.manager, today)
    assert manager.to_assign_count == 3 and [c.complaint_id for c in manager.overdue] == [case.id]
    monkeypatch.setattr(overview, "QUEUE_COUNT_CAP", 2)  # a big backlog is counted up to the cap
    capped = work_queues(database, staff.supervisor, today)
    assert capped.to_assign_count == 2 and len(capped.to_assign) == 3
