"""Read-only Sessions on one consistent snapshot of the database, for long reports and exports.

``Database.unit_of_work()`` starts SQLite transactions with BEGIN IMMEDIATE (the write lock), which
is right for writers but would make every clerk's save wait while a big export runs. A report only
reads: on SQLite it uses a deferred transaction (WAL gives it a stable snapshot without blocking
writers), on PostgreSQL a REPEATABLE READ, READ ONLY transaction.

``read_snapshots`` gives several connections the *same* snapshot, so that an export can read on
two cores at once (the detail export builds its technical records beside the readable sheet):
on SQLite the write lock is held for the instant in which the connections start reading, so no
commit can fall between them; on PostgreSQL the first transaction exports its snapshot and the
others adopt it (``SET TRANSACTION SNAPSHOT``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from desk_app.db.uow import Database

Prepare = Callable[[Connection], None]
"""Called on each SQLite connection before its transaction starts (e.g. to ATTACH a file)."""


@contextmanager
def read_snapshot(db: Database) -> Iterator[Session]:
    with read_snapshots(db, 1) as (session,):
        yield session


@contextmanager
def read_snapshots(db: Database, count: int, prepare: Sequence[Prepare | None] = ()) -> Iterator[tuple[Session, ...]]:
    """``count`` read-only sessions, each on its own connection, all seeing the same snapshot. The
    sessions may be used from different threads (one thread per session). ``prepare[i]`` (SQLite
    only) is called on the i-th connection before its transaction starts. A session may end its
    transaction early (COMMIT, e.g. after writing to an attached file)."""
    with ExitStack() as stack:
        if db.engine.dialect.name == "sqlite":
            connections = _sqlite_snapshot(db, count, prepare, stack)
        else:
            connections = _postgresql_snapshot(db, count, stack)
        yield tuple(stack.enter_context(Session(bind=conn)) for conn in connections)


def _sqlite_snapshot(db: Database, count: int, prepare: Sequence[Prepare | None],
                     stack: ExitStack) -> list[Connection]:
    connections = []
    for i in range(count):
        # AUTOCOMMIT keeps the engine's BEGIN IMMEDIATE hook away; we open the snapshot ourselves.
        conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        stack.callback(_drop, conn)
        if i < len(prepare) and (step := prepare[i]) is not None:
            step(conn)
        connections.append(conn)
    lock = None
    if count > 1:  # no commit may fall between the connections' first reads
        lock = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        lock.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        for conn in connections:
            conn.exec_driver_sql("BEGIN DEFERRED")
            stack.callback(_end, conn)
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master")  # the snapshot starts at the first read
    finally:
        if lock is not None:
            lock.exec_driver_sql("ROLLBACK")
            _drop(lock)
    return connections


def _end(conn: Connection) -> None:
    driver = conn.connection.driver_connection
    if driver is not None and driver.in_transaction:
        conn.exec_driver_sql("ROLLBACK")


def _drop(conn: Connection) -> None:
    """The pool would hand this connection back with the driver's transaction handling changed by the
    isolation-level reset; drop it instead (a SQLite connection is cheap to make)."""
    conn.invalidate()
    conn.close()


def _postgresql_snapshot(db: Database, count: int, stack: ExitStack) -> list[Connection]:
    connections = []
    snapshot = None
    for _i in range(count):
        conn = stack.enter_context(db.engine.connect()).execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True)
        stack.enter_context(conn.begin())
        if count > 1:
            if snapshot is None:
                snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            else:
                conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        connections.append(conn)
    return connections
