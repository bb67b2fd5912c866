"""Case list: filters, Chinese search (long and short queries), sorting and paging on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from desk_app.db.uow import Database
from desk_app.domain.deadlines import DeadlineState
from desk_app.domain.enums import Severity, SpecialFlag, Status
from desk_app.services import case_workflow as wf
from desk_app.services.case_list import CaseFilter, SortKey, count_cases, fetch_page
from desk_app.services.complaints import register_complaint, update_complaint
from desk_app.services.dto import CustomerDraft
from tests.services.conftest import Staff, draft


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
    page = fetch_page(database, staff.clerk, CaseFilter(text="吞卡"), date.today())
    assert page == []  # two characters only match names and numbers
    case = fetch_page(database, staff.clerk, CaseFilter(text="吞卡后"), date.today())[0]
    from desk_app.services.complaints import get_complaint

    detail = get_complaint(database, staff.clerk, case.id)
    update_complaint(database, staff.handler, detail.id, detail.version,
                     {"facts_what": "ATM机故障未退卡", "summary": "ATM机故障"})
    assert _numbers(database, staff, CaseFilter(text="吞卡后")) == []
    assert _numbers(database, staff, CaseFilter(text="ATM机故障")) == [n["a"]]


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
