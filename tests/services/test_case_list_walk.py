"""The case list reads the same rows in the same order whichever plan it steers the database to: sorting the
few matches, or (SQLite, many matches) walking the order's index with the filter kept off the indexes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from desk_app.db.uow import Database
from desk_app.domain.enums import Severity, Status
from desk_app.services import case_list
from desk_app.services import case_workflow as wf
from desk_app.services.case_list import CaseFilter, SortKey, fetch_page
from desk_app.services.complaints import register_complaint
from tests.support.staff import Staff, draft


@pytest.mark.parametrize("flt_name", ["all", "severity", "status", "branches", "cause"])
def test_walking_the_order_finds_what_sorting_finds(database: Database, staff: Staff, flt_name: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(UTC)
    severities = [Severity.GENERAL, Severity.SERIOUS, Severity.CRITICAL]
    for i in range(9):
        clerk = staff.clerk if i % 3 else staff.other_branch_clerk
        case = register_complaint(database, clerk, draft(received_at=now - timedelta(days=i, hours=i),
                                                         severity=severities[i % 3], axis_b=("B0302", "B0201")[i % 2],
                                                         axis_c=("C09", "C01", "C02")[i % 3]))
        if i % 2 and clerk is staff.clerk:
            wf.assign(database, staff.supervisor, case.id, case.version, staff.handler.user_id)
    branches = {r.id for r in case_list.branches(database, staff.admin)}
    flt = {"all": CaseFilter(), "severity": CaseFilter(severities=frozenset({Severity.GENERAL, Severity.SERIOUS})),
           "status": CaseFilter(statuses=frozenset({Status.REGISTERED, Status.ASSIGNED})),
           "branches": CaseFilter(branch_ids=frozenset(branches)), "cause": CaseFilter(axis_c="C01")}[flt_name]
    for sort in SortKey:
        for descending in (False, True):
            def page(few: int, flt: CaseFilter = flt, sort: SortKey = sort, descending: bool = descending) -> list[str]:
                monkeypatch.setattr(case_list, "FEW_MATCHES", few)
                return [r.case_number for r in fetch_page(database, staff.admin, flt, date.today(), sort=sort,
                                                          descending=descending, offset=1, limit=5, matches=9)]
            assert page(0) == page(1000), (sort, descending)  # walked (SQLite) == sorted
