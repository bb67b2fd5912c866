"""Case list: filters, Chinese search (long and short queries), sorting and paging on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from desk_app.db.uow import Database
from desk_app.domain.deadlines import DeadlineState
from desk_app.domain.enums import Severity, SpecialFlag, Status
from desk_app.domain.workflow import Action
from desk_app.services import case_list
from desk_app.services import case_workflow as wf
from desk_app.services.case_list import CaseFilter, FirstPage, SortKey, branches, count_cases, fetch_page, open_list
from desk_app.services.complaints import get_complaint, register_complaint, update_complaint
from desk_app.services.dto import CustomerDraft
from tests.support.staff import Staff, draft


def _setup(database: Database, staff: Staff) -> dict[str, str]:
    now = datetime.now(UTC)
    a = register_complaint(database, staff.clerk, draft(
        received_at=now - timedelta(days=40), facts_what="自助机具吞卡后三天未归还银行卡",
        customer=CustomerDraft(name="欧阳娜", phone="13911112222")))
    b = register_complaint(database, staff.clerk, draft(
        received_at=now - timedelta(days=1), severity=Severity.SERIOUS, flags=frozenset({SpecialFlag.MEDIA}),
        facts_what="理财产品收益与宣传不符，客户称将向媒体反映",
        customer=CustomerDraft(name="李明", phone="13700001111")))
    c = register_complaint(database, staff.clerk, draft(
        received_at=now - timedelta(hours=2), facts_what="信用卡分期手续费未告知",
        customer=CustomerDraft(name="王芳", id_number="11010519491231002X", phone="13812345678")))
    register_complaint(database, staff.other_branch_clerk, draft(
        facts_what="北京网点排队时间过长", customer=CustomerDraft(name="赵强", phone="13600000000")))
    c_assigned = wf.assign(database, staff.supervisor, c.id, c.version, staff.handler.user_id)
    assert c_assigned.status is Status.ASSIGNED
    return {"a": a.case_number, "b": b.case_number, "c": c.case_number}


def _numbers(database: Database, staff: Staff, flt: CaseFilter, **kw: object) -> list[str]:
    return [r.case_number for r in fetch_page(database, staff.clerk, flt, date.today(), **kw)]  # type: ignore[arg-type]


def test_branch_scope_and_default_order(database: Database, staff: Staff) -> None:
    n = _setup(database, staff)
    assert _numbers(database, staff, CaseFilter()) == [n["c"], n["b"], n["a"]]
    assert count_cases(database, staff.clerk, CaseFilter(), date.today()) == 3
    assert count_cases(database, staff.admin, CaseFilter(), date.today()) == 4  # HQ administrator sees all


def test_search_long_and_short_chinese_queries(database: Database, staff: Staff) -> None:
    n = _setup(database, staff)
    assert _numbers(database, staff, CaseFilter(text="收益与宣传")) == [n["b"]]   # 5 characters, facts
    assert _numbers(database, staff, CaseFilter(text="吞卡后三天")) == [n["a"]]
    assert _numbers(database, staff, CaseFilter(text="欧阳娜")) == [n["a"]]      # 3 characters, name
    assert _numbers(database, staff, CaseFilter(text="王芳")) == [n["c"]]        # 2 characters: name prefix
    assert _numbers(database, staff, CaseFilter(text="欧阳")) == [n["a"]]
    assert _numbers(database, staff, CaseFilter(text="1391111")) == [n["a"]]    # phone digits
    assert _numbers(database, staff, CaseFilter(text=n["b"][-9:])) == [n["b"]]  # part of the case number
    assert _numbers(database, staff, CaseFilter(text='"; DROP TABLE x; --')) == []


def test_search_follows_updates(database: Database, staff: Staff) -> None:
    n = _setup(database, staff)
    assert _numbers(database, staff, CaseFilter(text="吞卡")) == [n["a"]]  # two characters search the text too
    case = fetch_page(database, staff.clerk, CaseFilter(text="吞卡后"), date.today())[0]
    from desk_app.services.complaints import get_complaint

    detail = get_complaint(database, staff.clerk, case.id)
    update_complaint(database, staff.handler, detail.id, detail.version,
                     {"facts_what": "ATM机故障未退卡", "summary": "ATM机故障"})
    assert _numbers(database, staff, CaseFilter(text="吞卡后")) == []
    assert _numbers(database, staff, CaseFilter(text="吞卡")) == []
    assert _numbers(database, staff, CaseFilter(text="ATM机故障")) == [n["a"]]
    assert _numbers(database, staff, CaseFilter(text="故障")) == [n["a"]]


def test_filters(database: Database, staff: Staff) -> None:
    n = _setup(database, staff)
    today = date.today()
    assert _numbers(database, staff, CaseFilter(overdue=True)) == [n["a"]]
    assert _numbers(database, staff, CaseFilter(flags=frozenset({SpecialFlag.MEDIA}))) == [n["b"]]
    assert _numbers(database, staff, CaseFilter(severities=frozenset({Severity.SERIOUS}))) == [n["b"]]
    assert _numbers(database, staff, CaseFilter(statuses=frozenset({Status.ASSIGNED}))) == [n["c"]]
    mine = fetch_page(database, staff.handler, CaseFilter(mine=True), today)
    assert [r.case_number for r in mine] == [n["c"]]
    assert _numbers(database, staff, CaseFilter(received_from=today - timedelta(days=2))) == [n["c"], n["b"]]
    rows = {r.case_number: r for r in fetch_page(database, staff.clerk, CaseFilter(), today)}
    assert rows[n["a"]].deadline is DeadlineState.OVERDUE and rows[n["a"]].days_left < 0
    assert rows[n["c"]].customer == "王*" and rows[n["c"]].phone == "138****5678"
    assert rows[n["c"]].business_name == "信用卡" and rows[n["c"]].cause_code == "C09"


def test_sort_and_pages(database: Database, staff: Staff) -> None:
    n = _setup(database, staff)
    by_customer = _numbers(database, staff, CaseFilter(), sort=SortKey.CUSTOMER, descending=False)
    assert set(by_customer) == set(n.values())
    assert _numbers(database, staff, CaseFilter(), sort=SortKey.RECEIVED, descending=False) == [n["a"], n["b"], n["c"]]
    assert _numbers(database, staff, CaseFilter(), offset=1, limit=1) == [n["b"]]


def test_any_flag_and_every_flag(database: Database, staff: Staff) -> None:
    n = _setup(database, staff)
    register_complaint(database, staff.clerk, draft(
        flags=frozenset({SpecialFlag.GROUP, SpecialFlag.LITIGATION}), facts_what="多名客户联名投诉理财产品",
        customer=CustomerDraft(name="孙立", phone="13500001234")))
    numbers = _numbers(database, staff, CaseFilter(any_flag=True))
    assert len(numbers) == 2 and n["b"] in numbers
    both = CaseFilter(flags=frozenset({SpecialFlag.GROUP, SpecialFlag.LITIGATION}))
    assert _numbers(database, staff, both) == [x for x in numbers if x != n["b"]]
    assert _numbers(database, staff, CaseFilter(flags=frozenset({SpecialFlag.GROUP, SpecialFlag.MEDIA}))) == []
    assert count_cases(database, staff.clerk, CaseFilter(any_flag=True), date.today()) == 2
    assert count_cases(database, staff.clerk, both, date.today()) == 1  # SQLite: intersected flag indexes
    group_and_any = CaseFilter(flags=frozenset({SpecialFlag.GROUP}), any_flag=True)
    assert _numbers(database, staff, group_and_any) == _numbers(database, staff, both)
    assert _numbers(database, staff, CaseFilter(flags=frozenset({SpecialFlag.MEDIA}), any_flag=True)) == [n["b"]]


def test_pages_concatenate_to_the_whole_list_in_every_order(database: Database, staff: Staff) -> None:
    _setup(database, staff)
    for i in range(7):  # same receipt time: the case number breaks the tie, so pages never overlap
        register_complaint(database, staff.clerk, draft(
            received_at=datetime(2026, 11, 2, 2, 0, tzinfo=UTC), customer=CustomerDraft(
                name=f"钱{'一二三四五六七'[i]}", phone=f"1390000{i:04d}")))
    today = date.today()
    for sort in SortKey:
        for descending in (False, True):
            whole = _numbers(database, staff, CaseFilter(), sort=sort, descending=descending, limit=1000)
            pages = [n for offset in range(0, 10, 3) for n in _numbers(
                database, staff, CaseFilter(), sort=sort, descending=descending, offset=offset, limit=3)]
            assert pages == whole and len(whole) == 10, (sort, descending)
    rows = fetch_page(database, staff.clerk, CaseFilter(), today, sort=SortKey.CASE_NUMBER, descending=False)
    assert [r.case_number for r in rows] == sorted(r.case_number for r in rows)
    assert all(r.business_name_en for r in rows) and all(r.cause_name_en for r in rows)


def test_opening_a_list_gives_its_count_and_first_page_in_one_call(database: Database, staff: Staff) -> None:
    """``open_list`` (one request through a desk server) answers what ``count_cases`` and the first
    ``fetch_page`` answer, for a clerk (own branch) and HQ, in every order, with filters and a search."""
    _setup(database, staff)
    today = date.today()
    filters = (CaseFilter(), CaseFilter(overdue=True), CaseFilter(statuses=frozenset({Status.REGISTERED})),
               CaseFilter(severities=frozenset({Severity.SERIOUS})), CaseFilter(text="信用卡"),
               CaseFilter(text="没有这样的投诉"))
    for actor in (staff.clerk, staff.admin):
        for flt in filters:
            count = count_cases(database, actor, flt, today)
            for sort in (SortKey.RECEIVED, SortKey.CUSTOMER, SortKey.DUE):
                for descending in (False, True):
                    first = fetch_page(database, actor, flt, today, sort=sort, descending=descending, limit=2)
                    opened = open_list(database, actor, flt, today, sort=sort, descending=descending, limit=2)
                    assert opened == FirstPage(count, first), (actor.username, flt, sort, descending)
    assert open_list(database, staff.admin, CaseFilter(), today).count == 4
    assert open_list(database, staff.clerk, CaseFilter(text="北京网点"), today) == FirstPage(0, [])  # other branch's
    assert open_list(database, staff.admin, CaseFilter(text="北京网点"), today).count == 1


def test_the_row_count_hint_changes_no_row(database: Database, staff: Staff) -> None:
    """With ``matches`` PostgreSQL sorts the matches itself (a planning fence); the rows are the same."""
    _setup(database, staff)
    today = date.today()
    for flt in (CaseFilter(), CaseFilter(overdue=True), CaseFilter(statuses=frozenset({Status.REGISTERED}))):
        matches = count_cases(database, staff.clerk, flt, today)
        for sort in SortKey:
            for descending in (False, True):
                for offset in (0, 1):
                    plain = fetch_page(database, staff.clerk, flt, today, sort=sort, descending=descending,
                                       offset=offset, limit=2)
                    hinted = fetch_page(database, staff.clerk, flt, today, sort=sort, descending=descending,
                                        offset=offset, limit=2, matches=matches)
                    assert hinted == plain, (flt, sort, descending, offset)


def test_a_search_with_many_matches_gives_the_same_rows(database: Database, staff: Staff,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MANY_SEARCH_MATCHES a SQLite search walks the order's index instead; same rows, same order."""
    _setup(database, staff)
    today = date.today()
    for text in ("客户", "诸葛", "信用卡分期", "138"):
        flt = CaseFilter(text=text)
        matches = count_cases(database, staff.admin, flt, today)
        expected = {sort: fetch_page(database, staff.admin, flt, today, sort=sort, matches=matches)
                    for sort in SortKey}
        monkeypatch.setattr(case_list, "MANY_SEARCH_MATCHES", -1)
        for sort in SortKey:
            assert fetch_page(database, staff.admin, flt, today, sort=sort, matches=matches) == expected[sort]
        monkeypatch.undo()


def test_branches_to_filter_by(database: Database, staff: Staff) -> None:
    assert [b.code for b in branches(database, staff.admin)] == ["BJ01", "SH01"]  # HQ: every branch
    own = branches(database, staff.clerk)
    assert [(b.code, b.name) for b in own] == [("SH01", "上海浦东支行")]
    assert own[0].id == staff.clerk.branch_id


def test_overdue_and_due_soon_leave_out_stopped_clocks(database: Database, staff: Staff) -> None:
    n = _setup(database, staff)
    today = date.today()
    late = fetch_page(database, staff.clerk, CaseFilter(overdue=True), today)
    assert [r.case_number for r in late] == [n["a"]]
    b = next(r for r in fetch_page(database, staff.clerk, CaseFilter(), today) if r.case_number == n["b"])
    detail = get_complaint(database, staff.clerk, b.id)
    wf.perform(database, staff.clerk, b.id, detail.version, Action.WITHDRAW, "客户撤回投诉")
    # as of a day far ahead every running case is overdue, and none is due soon; the withdrawn one is neither
    future = today + timedelta(days=400)
    late = fetch_page(database, staff.clerk, CaseFilter(overdue=True), future)
    assert {r.case_number for r in late} == {n["a"], n["c"]}
    assert fetch_page(database, staff.clerk, CaseFilter(due_soon=True), future) == []
    withdrawn = fetch_page(database, staff.clerk, CaseFilter(statuses=frozenset({Status.WITHDRAWN})), future)
    assert [r.deadline for r in withdrawn] == [DeadlineState.STOPPED]
