"""Upkeep off the writers' time (issue 21.2): SQLite's log is checkpointed by a background thread after
commits, not inside them; the background search drain works in short transactions and lets writers in
between them. PostgreSQL needs neither."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import event, func, select, text

from desk_app.db import search, wal
from desk_app.db.engine import sqlite_path
from desk_app.db.models import Complaint
from desk_app.db.uow import Database
from desk_app.services import numbering
from desk_app.services.demo_bulk import generate_bulk


def _count(database: Database, key: str) -> int:
    with database.unit_of_work() as session:
        return numbering.next_value(session, key)


def _in_database_file(path: str, key: str) -> int | None:
    """The counter as the database file holds it, ignoring the log (what a checkpoint has copied)."""
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as conn:
        row = conn.execute("SELECT value FROM number_counters WHERE key = ?", (key,)).fetchone()
    return None if row is None else int(row[0])


def test_commits_are_checkpointed_in_the_background(database: Database) -> None:
    _count(database, "test:wal")
    if database.dialect != "sqlite":
        assert not wal.CHECKPOINTS.watching(database)  # the server has no log for us to look after
        return
    path = str(sqlite_path(database.engine.url.render_as_string(hide_password=False)))
    with database.engine.connect() as conn:  # a commit checkpoints itself only past the safety net
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == wal.AUTOCHECKPOINT_PAGES
    value = _count(database, "test:wal")
    deadline = time.monotonic() + wal.EVERY_S + 10  # the stated delay, and room for a slow machine
    while _in_database_file(path, "test:wal") != value and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _in_database_file(path, "test:wal") == value == 2


def test_the_background_drain_lets_writers_in(database: Database) -> None:
    generate_bulk(database, 300, seed=4)  # lands indexed
    assert search.pending(database) == 0
    if database.dialect != "sqlite":
        assert search.drain(database) == 0
        return
    with database.engine.begin() as conn:  # every case queued again, as edits of its text would queue it
        total = conn.execute(text(f"INSERT INTO {search.QUEUE} (complaint_rowid, indexed_body) "
                                  f"SELECT rowid, {search.BODY_SQL} FROM complaints")).rowcount
    drain_commits: list[int] = []
    main = threading.get_ident()

    def on_commit(_conn: Any) -> None:
        if threading.get_ident() != main:
            drain_commits.append(1)

    event.listen(database.engine, "commit", on_commit)
    mid_drain = 0
    deadline = time.monotonic() + 120
    while (left := search.pending(database)) and time.monotonic() < deadline:
        _count(database, "test:writer")  # a writer keeps writing, as clerks registering cases would
        search.index_soon(database)
        mid_drain += 0 < search.pending(database) < total
        time.sleep(0.01)
    event.remove(database.engine, "commit", on_commit)
    assert left == 0
    assert len(drain_commits) >= total // search.BACKGROUND_BATCH
    assert mid_drain > 0  # writes went in between the drain's transactions
    with database.unit_of_work() as session:  # and the index is exact: each case once
        facts = str(session.scalar(select(Complaint.facts_what).limit(1)))
        word = next(facts[i:i + 2] for i in range(len(facts) - 1) if search.words_query(facts[i:i + 2]))
        scanned = session.scalar(select(func.count()).select_from(Complaint).where(
            text(f"{search.BODY_SQL} LIKE :w").bindparams(w=f"%{word}%")))
        assert search.count_matches(session, word) >= scanned > 0
        indexed = session.execute(text(f"SELECT count(*) FROM {search.WORDS} WHERE {search.WORDS} MATCH :m"),
                                  {"m": search.words_query(word)}).scalar()
        assert indexed == scanned
