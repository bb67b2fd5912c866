"""The case list reads the same rows in the same order whichever plan it steers the database to: sorting the
few matches, or (SQLite, many matches) walking the order's index with the filter kept off the indexes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from desk_app.db.uow import Database
from desk_app.domain.enums import Role, Severity, SpecialFlag, Status
from desk_app.services import case_list
from desk_app.services import case_workflow as wf
from desk_app.services.case_list import CaseFilter, SortKey, fetch_page
from desk_app.services.complaints import register_complaint
from tests.support.staff import Staff, draft, make_accounts


@pytest.mark.parametrize("flt_name", ["all", "severity", "status", "branches", "cause", "any flag"])
def test_walking_the_order_finds_what_sorting_finds(database: Database, staff: Staff, flt_name: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(UTC)
    severities = [Severity.GENERAL, Severity.SERIOUS, Severity.CRITICAL]
    for i in range(9):
        clerk = staff.clerk if i % 3 else staff.other_branch_clerk
        case = register_complaint(database, clerk, draft(received_at=now - timedelta(days=i, hours=i),
                                                         severity=severities[i % 3], axis_b=("B0302", "B0201")[i % 2],
                                                         axis_c=("C09", "C01", "C02")[i % 3],
                                                         flags=frozenset({SpecialFlag.MEDIA} if i % 3 else ())))
        if i % 2 and clerk is staff.clerk:
            wf.assign(database, staff.supervisor, case.id, case.version, staff.handler.user_id)
    branches = {r.id for r in case_list.branches(database, staff.admin)}
    flt = {"all": CaseFilter(), "severity": CaseFilter(severities=frozenset({Severity.GENERAL, Severity.SERIOUS})),
           "status": CaseFilter(statuses=frozenset({Status.REGISTERED, Status.ASSIGNED})),
           "branches": CaseFilter(branch_ids=frozenset(branches)), "cause": CaseFilter(axis_c="C01"),
           "any flag": CaseFilter(any_flag=True)}[flt_name]
    for sort in SortKey:
        for descending in (False, True):
            def page(few: int, flt: CaseFilter = flt, sort: SortKey = sort, descending: bool = descending) -> list[str]:
                monkeypatch.setattr(case_list, "FEW_MATCHES", few)
                return [r.case_number for r in fetch_page(database, staff.admin, flt, date.today(), sort=sort,
                                                          descending=descending, offset=1, limit=5, matches=9)]
            assert page(0) == page(1000), (sort, descending)  # walked (SQLite) == sorted


def test_by_owner_pages_owners_of_one_name_and_owners_without_cases(database: Database, staff: Staff,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Owners are read name by name (``_owner_page``): two handlers called the same, one more with no case, and
    cases without an owner; every page, both directions, equals sorting all the cases by (owner name, number)."""
    twins = make_accounts(database, staff.admin, (("twin1", Role.HANDLER), ("twin2", Role.HANDLER),
                                                  ("idle", Role.HANDLER)),
                          display_name=lambda login: "Idle" if login == "idle" else "Twin")
    now = datetime.now(UTC)
    owners: dict[str, str | None] = {}
    for i in range(12):
        case = register_complaint(database, staff.clerk, draft(received_at=now - timedelta(hours=i)))
        owner = (staff.handler, twins["twin1"], twins["twin2"], None)[i % 4]
        if owner is not None:
            wf.assign(database, staff.supervisor, case.id, case.version, owner.user_id)
        owners[case.case_number] = None if owner is None else owner.display_name
    monkeypatch.setattr(case_list, "FEW_MATCHES", 0)  # always the owner-by-owner read
    for descending in (False, True):
        named = sorted((n for n, o in owners.items() if o is not None), key=lambda n: (owners[n], n),
                       reverse=descending)
        unowned = sorted((n for n, o in owners.items() if o is None), reverse=descending)
        sqlite_first = database.dialect == "sqlite"  # where each database puts NULL, ascending
        expected = unowned + named if sqlite_first != descending else named + unowned
        for offset, limit in ((0, 12), (0, 5), (2, 4), (5, 5), (9, 5)):
            page = [r.case_number for r in fetch_page(database, staff.admin, CaseFilter(), date.today(),
                                                      sort=SortKey.OWNER, descending=descending, offset=offset,
                                                      limit=limit, matches=12)]
            assert page == expected[offset:offset + limit], (descending, offset, limit)


def test_deep_pages_read_from_their_first_row_give_what_offset_gives(database: Database, staff: Staff,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL reads a page far down the list from its first row's sort key (``_deep_page``), backwards when the
    page is nearer the end; every page of every order, with and without the row count, equals OFFSET's."""
    now = datetime.now(UTC)
    severities = [Severity.GENERAL, Severity.SERIOUS, Severity.CRITICAL]
    for i in range(11):  # ties in every sort column but the case number
        register_complaint(database, staff.clerk, draft(received_at=now - timedelta(days=i // 3),
                                                        severity=severities[i % 3], axis_c=("C09", "C01")[i % 2]))
    today = date.today()
    monkeypatch.setattr(case_list, "FEW_MATCHES", -1)
    for flt in (CaseFilter(), CaseFilter(severities=frozenset({Severity.GENERAL, Severity.CRITICAL}))):
        total = case_list.count_cases(database, staff.clerk, flt, today)
        for sort in SortKey:
            for descending in (False, True):
                def pages(deep: int, matches: int | None, flt: CaseFilter = flt, sort: SortKey = sort,
                          descending: bool = descending, total: int = total) -> list[list[str]]:
                    monkeypatch.setattr(case_list, "DEEP_OFFSET", deep)
                    return [[r.case_number for r in fetch_page(database, staff.clerk, flt, today, sort=sort,
                                                               descending=descending, offset=offset, limit=4,
                                                               matches=matches)]
                            for offset in range(total + 1)]
                expected = pages(10**9, None)
                assert expected[0] and expected[total] == []
                assert pages(0, None) == expected, (flt, sort, descending)
                assert pages(0, total) == expected, (flt, sort, descending)
