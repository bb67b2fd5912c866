"""Bulk demo data: the demo generator's rows written fast, with indexes dropped and rebuilt."""

from __future__ import annotations

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
