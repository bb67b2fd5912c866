"""Bulk demo data: the demo generator's rows written fast, with indexes dropped and rebuilt."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from desk_app.db.engine import make_engine
from desk_app.db.models import Callback, Complaint, ComplaintEvent, NumberCounter, Resolution
from desk_app.db.uow import Database
from desk_app.services.demo import generate_demo_data
from desk_app.services.demo_bulk import generate_bulk, plain_indexes
from desk_app.services.integrity import run_checks


def _count(db: Database, model: type) -> int:
    with db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_bulk_cases_are_valid_demo_cases_with_indexes_back(database: Database) -> None:
    generate_demo_data(database, 5, seed=1)  # a database already in use: numbers continue its counters
    events_before = _count(database, ComplaintEvent)
    with database.engine.connect() as conn:
        indexes_before = plain_indexes(conn)
    figures = generate_bulk(database, 250, seed=7, chunk=60, drop_indexes_from=100)  # 5 chunks, indexes dropped

    assert figures.cases == 250
    assert _count(database, Complaint) == 255
    assert _count(database, ComplaintEvent) - events_before == figures.events > 250  # every case has its timeline
    assert _count(database, Resolution) + _count(database, Callback) > 0
    with database.engine.connect() as conn:
        assert plain_indexes(conn) == indexes_before
    with database.unit_of_work() as session:
        numbers = list(session.scalars(select(Complaint.case_number)))
        assert len(set(numbers)) == len(numbers)
        # each branch-and-day counter stands at the highest number used that day
        highest: dict[str, int] = {}
        for number in numbers:
            code, day, seq = number.split("-")
            highest[f"case:{code}:{day}"] = max(highest.get(f"case:{code}:{day}", 0), int(seq))
        counters = dict(session.execute(select(NumberCounter.key, NumberCounter.value)
                                        .where(NumberCounter.key.like("case:%"))).all())
        assert counters == highest
    report = run_checks(database)  # hash chains intact, schema at head
    assert report.ok, report


def test_bulk_fills_past_the_producer_process(database: Database) -> None:
    """Enough chunks for the rows to be made in a forked producer process."""
    generate_bulk(database, 120, seed=3, chunk=30, drop_indexes_from=10**6)
    assert _count(database, Complaint) == 120
    with database.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(DISTINCT complaint_id) FROM complaint_events")) == 120


def test_desk_cli_demo_data_bulk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from desk_app.__main__ import main

    url = f"sqlite:///{tmp_path / 'bulk.sqlite3'}"
    assert main(["--database-url", url, "--language", "en", "demo-data", "--bulk", "40", "--seed", "5"]) == 0
    assert "Added 40 demo cases in bulk" in capsys.readouterr().out
    db = Database(make_engine(url))
    try:
        assert _count(db, Complaint) == 40
        assert run_checks(db).ok
    finally:
        db.dispose()


def test_event_body_is_the_timeline_body() -> None:
    """The bulk writer's event text is exactly what the timeline hashes (so ``check`` verifies its chains)."""
    from datetime import UTC, date, datetime, timedelta, timezone

    from desk_app.domain.events import payloads as ev
    from desk_app.domain.events import stored_payload
    from desk_app.domain.timeline import _body
    from desk_app.services.demo_bulk import _canonical, event_body

    complaint, actor = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    for seq, payload in enumerate((
            ev.Registered(case_number="SH01-20260301-0001", channel="counter", severity="general",
                          axes=["A01", "B0302", "C09", None], customer="hmac:0123", due_on=date(2026, 3, 16),
                          regime="banking_insurance"),
            ev.Assigned(to_owner=actor, owner_name="张伟"),
            ev.StatusChanged(from_="assigned", to="in_progress")), 1):
        safe = stored_payload(payload)
        for who, when in ((actor, at), (None, at.astimezone(UTC).replace(microsecond=5))):
            assert event_body(str(complaint), seq, payload.KIND.value, who, when, _canonical(safe)) == \
                _body(complaint, seq, payload.KIND.value, who, when, safe)


def test_fast_sqlite_values_are_sqlalchemys() -> None:
    """Each shortcut for a SQLite column type gives the text SQLAlchemy's own bind processor gives."""
    from datetime import UTC, date, datetime, timedelta, timezone

    from sqlalchemy import Boolean, Date, Uuid
    from sqlalchemy.dialects import sqlite

    from desk_app.db.models import Base
    from desk_app.db.types import UTCDateTime
    from desk_app.services.demo_bulk import _fast_processor

    dialect = sqlite.pysqlite.dialect()
    samples: list[tuple[type, list[object]]] = [
        (UTCDateTime, [datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8))),
                       datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                       datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-5)))]),
        (Date, [date(2026, 3, 1), date(1950, 12, 31), date(999, 1, 1)]),
        (Uuid, [uuid.uuid4(), uuid.UUID(int=0)]),
        (Boolean, [True, False]),
    ]
    covered = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            fast = _fast_processor(column.type, dialect)
            if fast is None:
                continue
            slow = column.type._cached_bind_processor(dialect)
            kind, values = next((kind, values) for kind, values in samples if isinstance(column.type, kind))
            for value in values:
                assert slow is not None and fast(value) == slow(value), (table.name, column.name, value)
            covered.add(kind)
    assert covered == {kind for kind, _values in samples}


def test_bulk_cases_are_indexed_counted_and_listed(database: Database) -> None:
    """Each chunk lands searchable (nothing left in the search queue; 1-, 2- and 3-character searches find
    what a scan of the texts finds), counted (the counter table matches the cases) and in the case list."""
    from datetime import date

    from desk_app.db import search
    from desk_app.db.models import CaseCount, Customer
    from desk_app.services.accounts import authenticate
    from desk_app.services.case_list import CaseFilter, count_cases, fetch_page
    from desk_app.services.demo import DEMO_PASSWORD

    figures = generate_bulk(database, 90, seed=11, chunk=30, drop_indexes_from=60)  # producers, indexes dropped
    assert figures.cases == 90
    assert search.pending(database) == 0
    admin = authenticate(database, "admin", DEMO_PASSWORD)
    with database.unit_of_work() as session:
        texts = [f"{k.case_number} {c.name} {c.phone} {k.summary} {k.facts_what} {k.request_text}" for k, c in
                 session.execute(select(Complaint, Customer).join(Customer, Customer.id == Complaint.customer_id))]
        by_group = dict(session.execute(select(Complaint.status, func.count()).group_by(Complaint.status)).all())
        counted: dict[str, int] = {}
        for status, n in session.execute(select(CaseCount.status, CaseCount.n)):
            counted[status] = counted.get(status, 0) + n
        assert {s: n for s, n in counted.items() if n} == by_group
    word = texts[0].split()[3]
    for query in (word[:1], word[:2], word[:3]):
        found = count_cases(database, admin, CaseFilter(text=query), date.today())
        assert found == sum(1 for t in texts if query in t), query
    page = fetch_page(database, admin, CaseFilter(), date.today(), limit=50)
    numbers = {t.split()[0] for t in texts}
    assert len(page) == 50 and {row.case_number for row in page} <= numbers
