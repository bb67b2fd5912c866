"""A read-only Session on one consistent snapshot of the database, for long reports and exports.

``Database.unit_of_work()`` starts SQLite transactions with BEGIN IMMEDIATE (the write lock), which
is right for writers but would make every clerk's save wait while a big export runs. A report only
reads: on SQLite it uses a deferred transaction (WAL gives it a stable snapshot without blocking
writers), on PostgreSQL a REPEATABLE READ, READ ONLY transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from desk_app.db.uow import Database


@contextmanager
def read_snapshot(db: Database) -> Iterator[Session]:
    engine = db.engine
    if engine.dialect.name == "sqlite":
        conn = engine.connect()
        try:
            # AUTOCOMMIT keeps the engine's BEGIN IMMEDIATE hook away; we open the snapshot ourselves.
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("BEGIN DEFERRED")
            try:
                with Session(bind=conn) as session:
                    yield session
            finally:
                conn.exec_driver_sql("ROLLBACK")
        finally:
            # The pool would hand this connection back with the driver's transaction handling changed
            # by the isolation-level reset; drop it instead (a SQLite connection is cheap to make).
            conn.invalidate()
            conn.close()
        return
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin(), Session(bind=conn) as session:
            yield session
