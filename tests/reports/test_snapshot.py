"""Several connections on one snapshot (``read_snapshots``): what the detail export's two threads rely
on to write a readable sheet and technical records that describe the same database state."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from desk_app.db.uow import Database
from desk_app.reports.snapshot import read_snapshots


@pytest.fixture
def busy_writer(database: Database) -> Iterator[threading.Event]:
    """A thread committing one row after another into a scratch table while the test runs."""
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE snapshot_probe (n INTEGER)"))
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            with database.engine.begin() as conn:
                conn.execute(text("INSERT INTO snapshot_probe (n) VALUES (:n)"), {"n": n})

    thread = threading.Thread(target=write)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join()
        with database.engine.begin() as conn:
            conn.execute(text("DROP TABLE snapshot_probe"))


def count(session: object) -> int:
    return int(session.execute(text("SELECT count(*) FROM snapshot_probe")).scalar_one())  # type: ignore[attr-defined]


def test_sessions_share_one_snapshot_while_others_commit(database: Database, busy_writer: threading.Event) -> None:
    seen = set()
    for _round in range(25):
        with read_snapshots(database, 3) as sessions:
            first = [count(s) for s in sessions]
            with database.engine.begin() as conn:  # a commit after the snapshot is not seen
                conn.execute(text("INSERT INTO snapshot_probe (n) VALUES (0)"))
            assert [count(s) for s in sessions] == first
            assert len(set(first)) == 1, first
            seen.add(first[0])
    assert len(seen) > 5  # the writer really was committing between the rounds


def test_sessions_can_be_used_from_other_threads(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE snapshot_probe (n INTEGER)"))
        conn.execute(text("INSERT INTO snapshot_probe (n) VALUES (1), (2)"))
    results: list[int] = []
    with read_snapshots(database, 2) as (main, other):
        thread = threading.Thread(target=lambda: results.append(count(other)))
        thread.start()
        thread.join()
        assert results == [count(main)] == [2]
