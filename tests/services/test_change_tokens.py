"""Change tokens (migration 0024): every write to the calendar or the taxonomy, by any writer, renews its
token, and what a process keeps under the old token (the working calendar, the active codes) is not used
again. The writes here go straight to the database, as a console or another server process would."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Connection, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from desk_app.db.models import CalendarEntry, CalendarYear, ChangeToken, Complaint, ReferenceItem, TaxonomyCode
from desk_app.db.uow import Database
from desk_app.errors import UnknownCodeError
from desk_app.services.change_tokens import CALENDAR, TAXONOMY, Kept, current_token
from desk_app.services.complaints import register_complaint
from tests.support.staff import Staff, draft

RECEIVED = datetime(2026, 2, 6, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, the Friday before 春节


def tokens(db: Database) -> dict[str, str]:
    with db.engine.connect() as conn:
        return {kind: token for kind, token in conn.execute(select(ChangeToken.kind, ChangeToken.token))}


WRITES = {
    "calendar_entries": (CALENDAR, lambda c: c.execute(insert(CalendarEntry).values(
        day=date(2031, 5, 2), kind="holiday", name="劳动节"))),
    "calendar_years": (CALENDAR, lambda c: c.execute(update(CalendarYear).where(CalendarYear.year == 2026)
                                                     .values(entered_by="console"))),
    "calendar_entries delete": (CALENDAR, lambda c: c.execute(delete(CalendarEntry).where(
        CalendarEntry.day == date(2026, 1, 1)))),
    "taxonomy_codes": (TAXONOMY, lambda c: c.execute(update(TaxonomyCode).where(TaxonomyCode.code == "C09")
                                                     .values(active=False))),
    "reference_items": (TAXONOMY, lambda c: c.execute(update(ReferenceItem).where(ReferenceItem.code == "refund")
                                                      .values(name_zh="退款"))),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_write_renews_the_token_of_its_kind_only(database: Database, staff: Staff, write: str) -> None:
    kind, change = WRITES[write]
    before = tokens(database)
    assert set(before) == {CALENDAR, TAXONOMY} and all(len(t) == 32 for t in before.values())
    with database.engine.begin() as conn:
        change(conn)
    after = tokens(database)
    assert after[kind] != before[kind]
    assert {k: v for k, v in after.items() if k != kind} == {k: v for k, v in before.items() if k != kind}


def test_truncating_the_calendar_renews_its_token(database: Database, staff: Staff) -> None:
    if database.dialect != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite's DELETE fires the row triggers (tested above)")
    before = tokens(database)
    with database.engine.begin() as conn:
        conn.execute(text("TRUNCATE calendar_entries"))
    assert tokens(database)[CALENDAR] != before[CALENDAR]


def test_a_rolled_back_write_leaves_the_token(database: Database, staff: Staff) -> None:
    before = tokens(database)
    with database.engine.connect() as conn:
        WRITES["taxonomy_codes"][1](conn)
        conn.rollback()
    assert tokens(database) == before


def test_a_holiday_entered_in_a_console_moves_the_next_due_date(database: Database, staff: Staff) -> None:
    first = register_complaint(database, staff.clerk, draft(received_at=RECEIVED))
    assert first.due_on == date(2026, 2, 24)  # the calendar is now kept by this process
    with database.engine.begin() as conn:
        conn.execute(insert(CalendarEntry).values(day=date(2026, 2, 24), kind="holiday", name="调休"))
    second = register_complaint(database, staff.clerk, draft(received_at=RECEIVED))
    assert second.due_on == date(2026, 2, 25)


def _cases(db: Database) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Complaint)) or 0


def test_a_code_retired_in_a_console_is_refused_at_the_next_registration(database: Database, staff: Staff) -> None:
    register_complaint(database, staff.clerk, draft())  # the active codes are now kept by this process
    with database.engine.begin() as conn:
        WRITES["taxonomy_codes"][1](conn)  # C09 retired
    with pytest.raises(UnknownCodeError) as refused:
        register_complaint(database, staff.clerk, draft())
    assert refused.value.field == "axis_c" and "C09" in str(refused.value)
    assert _cases(database) == 1
    with database.engine.begin() as conn:
        conn.execute(update(TaxonomyCode).where(TaxonomyCode.code == "C09").values(active=True))
    assert register_complaint(database, staff.clerk, draft()).axis_c == "C09"


def test_a_value_built_across_a_change_is_not_kept(database: Database, staff: Staff) -> None:
    """A change committed while a value is built (here by the build itself, on another connection): each
    statement sees the latest commits, so the token read after building differs and the value is not kept;
    the next call builds again and keeps that one."""
    if database.dialect != "postgresql":
        pytest.skip("a SQLite transaction takes the write lock at BEGIN: nothing commits while it reads")
    builds: list[str | None] = []

    def build(session: Session) -> int:
        builds.append(current_token(session, TAXONOMY))
        if len(builds) == 1:
            with database.engine.begin() as other:
                _rename(other)
        return len(builds)

    kept: Kept[int] = Kept(TAXONOMY, build)
    with database.unit_of_work() as session:
        assert kept.get(session) == 1
        old = builds[0]
        assert old is not None and current_token(session, TAXONOMY) != old
        assert kept.get(session, old) == 2  # nothing was kept under the old token: built again
        assert kept.get(session) == 3  # nor under the new one (that value was built under the old)
        assert kept.get(session) == 3  # kept now
    assert len(builds) == 3


def _rename(conn: Connection) -> None:
    conn.execute(update(ReferenceItem).where(ReferenceItem.code == "refund").values(name_en="Refund (renamed)"))
