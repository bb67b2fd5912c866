"""Linked and merged cases, on both databases: counts, deadlines, timelines and audit after a merge; links and
their removal; the refusals (another branch without a transfer, a case into itself, twice, a finished case),
each leaving the database exactly as it was.

The counting test registers its own cases and works out what every figure must be from its own list (plain
Python), then checks the statistics, the dashboard, the overview and the case list against it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from desk_app.db.models import AuditEntry, Base, CaseLink, Complaint, ComplaintEvent
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Channel, LinkKind, Role, Status
from desk_app.domain.events.describe import describe_event
from desk_app.domain.timeline import EventKind
from desk_app.errors import IllegalTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from desk_app.services import audit, case_links, overview, statistics
from desk_app.services import case_workflow as wf
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.calendar import load_work_calendar
from desk_app.services.case_links import MergeDirection, Relation
from desk_app.services.case_list import CaseFilter, count_cases
from desk_app.services.complaints import get_complaint, register_complaint
from desk_app.services.dashboard import DashboardQuery, dashboard_data
from desk_app.services.deadline_refresh import refresh_due_dates
from desk_app.services.dto import ComplaintDetail
from desk_app.services.report_scope import ReportScope
from desk_app.services.timeline import check_chain
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff, draft

NOW = datetime.now(UTC)
TODAY = NOW.astimezone().date()
SCOPE = ReportScope(TODAY - timedelta(days=60), TODAY + timedelta(days=1))
REASON = "监管转办件与柜面投诉为同一事项"


def _case(db: Database, staff: Staff, days_ago: int = 0, channel: Channel = Channel.COUNTER) -> ComplaintDetail:
    return register_complaint(db, staff.clerk, draft(channel=channel, received_at=NOW - timedelta(days=days_ago)))


def _merge(db: Database, staff: Staff, main: ComplaintDetail, duplicate_number: str) -> list[case_links.LinkedCase]:
    current = get_complaint(db, staff.supervisor, main.id, with_events=False)
    return case_links.merge_cases(db, staff.supervisor, main.id, current.version, duplicate_number,
                                  MergeDirection.INTO_THIS, REASON)


def fingerprint(db: Database) -> dict[str, object]:
    """Every table's row count, and the cases' statuses, due dates and versions: what a refusal must not change."""
    with db.unit_of_work() as session:
        counts = {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
        cases = sorted(session.execute(select(Complaint.case_number, Complaint.status, Complaint.due_on,
                                              Complaint.version, Complaint.merged_into_id)).all())
    return {"counts": counts, "cases": cases}


def _audit(db: Database, action: str) -> list[AuditEntry]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))


def test_a_merge_keeps_both_timelines_and_numbers_and_the_earlier_deadline(database: Database, staff: Staff) -> None:
    main = _case(database, staff)
    # the regulator's transfer of the same complaint, received by the regulator three weeks earlier: due first
    duplicate = _case(database, staff, days_ago=20, channel=Channel.REGULATOR)
    assert duplicate.due_on < main.due_on
    before_main = len(get_complaint(database, staff.supervisor, main.id).events)
    before_duplicate = len(get_complaint(database, staff.supervisor, duplicate.id).events)

    links = _merge(database, staff, main, duplicate.case_number)

    assert [(x.other_number, x.relation, x.other_status) for x in links] == [
        (duplicate.case_number, Relation.MERGED_FROM, Status.MERGED)]
    merged_main = get_complaint(database, staff.supervisor, main.id)
    merged_duplicate = get_complaint(database, staff.supervisor, duplicate.id)
    # both numbers kept, one deadline: the earlier
    assert (merged_main.case_number, merged_duplicate.case_number) == (main.case_number, duplicate.case_number)
    assert merged_main.due_on == duplicate.due_on and merged_main.status is main.status
    assert merged_duplicate.status is Status.MERGED
    # both timelines kept, each with its own new event, chains intact
    assert len(merged_main.events) == before_main + 1 and len(merged_duplicate.events) == before_duplicate + 1
    on_main, on_duplicate = merged_main.events[-1], merged_duplicate.events[-1]
    assert on_main.kind == EventKind.CASE_MERGED.value and on_main.payload["duplicate_number"] == duplicate.case_number
    assert on_main.payload["old_due_on"] == main.due_on.isoformat()
    assert on_main.payload["new_due_on"] == duplicate.due_on.isoformat()
    assert on_duplicate.kind == EventKind.MERGED_INTO.value and on_duplicate.payload["main_number"] == main.case_number
    assert on_duplicate.payload["from"] == Status.REGISTERED.value
    assert duplicate.case_number in describe_event(on_main.kind, on_main.payload)
    assert main.case_number in describe_event(on_duplicate.kind, on_duplicate.payload)
    with database.unit_of_work() as session:
        assert check_chain(session, main.id) is None and check_chain(session, duplicate.id) is None
        assert session.get_one(Complaint, duplicate.id).merged_into_id == main.id
    # the duplicate's side lists its main case
    assert [(x.other_number, x.relation) for x in case_links.list_links(database, staff.clerk, duplicate.id)] == [
        (main.case_number, Relation.MERGED_INTO)]
    # audited, by whom, with both numbers and the due dates
    [entry] = _audit(database, audit.AuditAction.CASE_MERGE)
    assert entry.user_id == staff.supervisor.user_id and entry.complaint_id == main.id
    assert entry.detail == {"main": main.case_number, "duplicate": duplicate.case_number,
                            "duplicate_status": "registered", "old_due_on": main.due_on.isoformat(),
                            "new_due_on": duplicate.due_on.isoformat()}
    # a later recomputation of the main case (here: the holiday table changed) keeps the earlier date
    with database.unit_of_work() as session:
        row = session.get_one(Complaint, main.id)
        assert refresh_due_dates(session, [row], load_work_calendar(session), staff.supervisor, "节假日调整") == 0
        assert row.due_on == duplicate.due_on
    # and the duplicate takes no more workflow actions
    with pytest.raises(IllegalTransitionError, match="Merged"):
        wf.assign(database, staff.supervisor, duplicate.id, merged_duplicate.version, staff.handler.user_id)


def test_statistics_and_queues_count_a_merged_case_once(database: Database, staff: Staff) -> None:
    # four complaints received in the period, one of them overdue; the overdue one is a duplicate of another
    received = [0, 3, 10, 45]
    cases = [_case(database, staff, days_ago=d) for d in received]
    main, duplicate = cases[1], cases[3]
    assert duplicate.due_on < TODAY <= main.due_on
    before = overview.case_overview(database, staff.supervisor, TODAY)
    assert (before.total, before.overdue) == (4, 1)

    _merge(database, staff, main, duplicate.case_number)

    # what the figures must be, from this test's own list: every case but the duplicate, the main case now
    # overdue in its place (it took the duplicate's earlier due date)
    counted = [c for c in cases if c.id != duplicate.id]
    expected_total = len(counted)
    expected_overdue = sum(1 for c in counted if (duplicate.due_on if c.id == main.id else c.due_on) < TODAY)
    assert (expected_total, expected_overdue) == (3, 1)

    stats = statistics.compute_statistics(database, staff.supervisor, SCOPE, today=TODAY)
    assert stats.summary.total == expected_total
    assert stats.summary.open_overdue == expected_overdue
    assert sum(row.count for row in stats.channels) == expected_total
    assert stats.summary.repeat_cases == expected_total - 1  # the same customer each time; the first not a repeat
    board = dashboard_data(database, staff.supervisor, DashboardQuery(SCOPE.date_from, SCOPE.date_to), today=TODAY)
    assert board.total == expected_total and sum(b.count for b in board.branches) == expected_total
    assert sum(p.count for p in board.trend) == expected_total
    after = overview.case_overview(database, staff.supervisor, TODAY)
    assert after.total == expected_total and after.open == expected_total and after.overdue == expected_overdue
    assert after.counts[Status.MERGED] == 1
    assert main.case_number in [u.case_number for u in after.urgent]
    assert duplicate.case_number not in [u.case_number for u in after.urgent]
    # the case list keeps both numbers (a search by either finds its case) but only the main case is overdue
    assert count_cases(database, staff.supervisor, CaseFilter(overdue=True), TODAY) == expected_overdue
    assert count_cases(database, staff.supervisor, CaseFilter(statuses=frozenset({Status.MERGED})), TODAY) == 1
    assert count_cases(database, staff.supervisor, CaseFilter(text=duplicate.case_number), TODAY) == 1


def test_a_merge_across_branches_is_refused_until_the_case_is_transferred(database: Database, staff: Staff) -> None:
    main = _case(database, staff)
    elsewhere = register_complaint(database, staff.other_branch_clerk, draft(channel=Channel.REGULATOR))
    before = fingerprint(database)
    with pytest.raises(ValidationError, match="transfer"):
        _merge(database, staff, main, elsewhere.case_number)
    with pytest.raises(ValidationError, match="transfer"):
        case_links.link_cases(database, staff.clerk, main.id, elsewhere.case_number, LinkKind.REGULATOR_DUPLICATE)
    assert fingerprint(database) == before
    assert _audit(database, audit.AuditAction.CASE_MERGE) == []
    # the other branch's supervisor hands the case over explicitly; then it can be merged
    create_user(database, staff.admin, username="bjsupervisor", display_name="BJ supervisor", password=PASSWORD,
                role=Role.SUPERVISOR, branch_id=staff.other_branch_clerk.branch_id, must_change_password=False)
    bj_supervisor: Actor = authenticate(database, "bjsupervisor", PASSWORD)
    wf.transfer(database, bj_supervisor, elsewhere.id, elsewhere.version, staff.clerk.branch_id, "属上海支行业务")
    _merge(database, staff, main, elsewhere.case_number)
    assert get_complaint(database, staff.supervisor, elsewhere.id, with_events=False).status is Status.MERGED


def test_refused_merges_write_nothing(database: Database, staff: Staff) -> None:
    main, duplicate, closed, third = (_case(database, staff) for _ in range(4))
    with database.unit_of_work() as session:
        session.execute(update(Complaint).where(Complaint.id == closed.id).values(status=Status.CLOSED.value))
    before = fingerprint(database)
    refusals = [
        (lambda: _merge(database, staff, main, main.case_number), ValidationError, "itself"),
        (lambda: _merge(database, staff, main, closed.case_number), ValidationError, "not yet answered"),
        (lambda: case_links.merge_cases(database, staff.supervisor, closed.id, closed.version,
                                        main.case_number, MergeDirection.INTO_THIS, REASON), ValidationError,
         "still being handled"),
        (lambda: _merge(database, staff, main, "SH01-19990101-0001"), NotFoundError, "SH01-19990101-0001"),
        (lambda: _merge(database, staff, main, "  "), ValidationError, "number"),
        (lambda: case_links.merge_cases(database, staff.supervisor, main.id, main.version, duplicate.case_number,
                                        MergeDirection.INTO_THIS, "  "), ValidationError, "why"),
        (lambda: case_links.merge_cases(database, staff.clerk, main.id, main.version, duplicate.case_number,
                                        MergeDirection.INTO_THIS, REASON), PermissionDeniedError, "role"),
        (lambda: case_links.link_cases(database, staff.clerk, main.id, main.case_number, LinkKind.SAME_CUSTOMER),
         ValidationError, "itself"),
    ]
    for call, error, words in refusals:
        with pytest.raises(error, match=words):
            call()
        assert fingerprint(database) == before
    # once merged, neither case can be merged again, nor the duplicate linked
    _merge(database, staff, main, duplicate.case_number)
    merged = fingerprint(database)
    with pytest.raises(ValidationError, match="already been merged"):
        _merge(database, staff, third, duplicate.case_number)
    with pytest.raises(ValidationError, match="already been merged"):
        case_links.merge_cases(database, staff.supervisor, third.id, third.version, duplicate.case_number,
                               MergeDirection.THIS_INTO_OTHER, REASON)
    with pytest.raises(ValidationError, match="main case"):
        case_links.link_cases(database, staff.clerk, third.id, duplicate.case_number, LinkKind.SAME_CUSTOMER)
    # a main case stays a main case: it is not merged into a third one
    current = get_complaint(database, staff.supervisor, main.id, with_events=False)
    with pytest.raises(ValidationError, match="stays a main case"):
        case_links.merge_cases(database, staff.supervisor, main.id, current.version, third.case_number,
                               MergeDirection.THIS_INTO_OTHER, REASON)
    assert fingerprint(database) == merged


def test_link_and_unlink_show_on_both_cases_and_are_audited(database: Database, staff: Staff) -> None:
    counter, hotline = _case(database, staff), _case(database, staff, channel=Channel.HOTLINE)
    [link] = case_links.link_cases(database, staff.clerk, counter.id, f" {hotline.case_number} ",
                                   LinkKind.SAME_CUSTOMER, "同一客户电话再次投诉")
    assert (link.other_number, link.relation, link.kind, link.note, link.created_by) == (
        hotline.case_number, Relation.LINKED, LinkKind.SAME_CUSTOMER, "同一客户电话再次投诉", "Clerk")
    [back] = case_links.list_links(database, staff.handler, hotline.id)
    assert (back.other_number, back.link_id) == (counter.case_number, link.link_id)
    with pytest.raises(ValidationError, match="already linked"):
        case_links.link_cases(database, staff.clerk, hotline.id, counter.case_number, LinkKind.GROUP_MEMBER)
    for case, other in ((counter, hotline), (hotline, counter)):
        last = get_complaint(database, staff.clerk, case.id).events[-1]
        assert last.kind == EventKind.CASE_LINKED.value and last.payload["other_number"] == other.case_number
    assert [e.detail["kind"] for e in _audit(database, audit.AuditAction.CASE_LINK)] == ["same_customer"]
    # the other branch neither sees nor removes it
    assert link.link_id is not None
    with pytest.raises(PermissionDeniedError):
        case_links.unlink_cases(database, staff.other_branch_clerk, counter.id, link.link_id)
    assert case_links.unlink_cases(database, staff.clerk, hotline.id, link.link_id, "并非同一事项") == []
    assert case_links.list_links(database, staff.clerk, counter.id) == []
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(CaseLink)) == 0
        kinds = list(session.scalars(select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == counter.id)
                                     .order_by(ComplaintEvent.seq)))
    assert kinds[-2:] == [EventKind.CASE_LINKED.value, EventKind.CASE_UNLINKED.value]
    [entry] = _audit(database, audit.AuditAction.CASE_UNLINK)
    assert entry.user_id == staff.clerk.user_id and entry.detail["other"] == counter.case_number
    with pytest.raises(NotFoundError):
        case_links.unlink_cases(database, staff.clerk, counter.id, link.link_id)


def test_the_due_date_is_the_earlier_even_when_the_main_case_was_received_first(database: Database,
                                                                               staff: Staff) -> None:
    """Merging a later duplicate leaves the main case's own (earlier) deadline as it was."""
    main = _case(database, staff, days_ago=5)
    later = _case(database, staff)
    _merge(database, staff, main, later.case_number)
    detail = get_complaint(database, staff.supervisor, main.id)
    assert detail.due_on == main.due_on < later.due_on
    assert "→" not in describe_event(detail.events[-1].kind, detail.events[-1].payload)


def test_this_case_can_be_merged_into_the_other(database: Database, staff: Staff) -> None:
    """Merging "this case into the other" works from the duplicate's own view."""
    main, duplicate = _case(database, staff), _case(database, staff)
    links = case_links.merge_cases(database, staff.supervisor, duplicate.id, duplicate.version, main.case_number,
                                   MergeDirection.THIS_INTO_OTHER, REASON)
    assert [(x.other_number, x.relation) for x in links] == [(main.case_number, Relation.MERGED_INTO)]
