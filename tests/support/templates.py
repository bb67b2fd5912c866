"""Database templates: a world built once per session and handed to each test cheaply.

SQLite: the built file is copied (as tests/conftest.py's ``_sqlite_template`` does for the empty schema).
PostgreSQL: the built rows are read once and, per test, the tables are emptied and the rows written back in
one transaction — far cheaper than setting the world up again (password hashes, reference data, services).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, text

from desk_app.db.engine import make_engine
from desk_app.db.models import Base
from desk_app.db.uow import Database

#: Tables a trigger keeps in step with another (migration 0009: case counts per branch, status and severity):
#: written back last, over what the trigger counted while the complaints were written back.
TRIGGER_MAINTAINED = ("case_counts", "change_tokens")

TableRows = dict[str, list[dict[str, Any]]]


def copy_sqlite(template: Path, target: Path) -> Database:
    """A Database on a fresh copy of the SQLite file ``template`` (closed, its WAL checkpointed)."""
    shutil.copyfile(template, target)
    return Database(make_engine(f"sqlite:///{target}"))


def snapshot_rows(db: Database) -> TableRows:
    """Every row of every table the models declare, as the database holds them now."""
    with db.engine.connect() as conn:
        return {table.name: [dict(row._mapping) for row in conn.execute(select(table))]
                for table in Base.metadata.sorted_tables}


def restore_rows(db: Database, rows: TableRows) -> None:
    """PostgreSQL: empty every table and write ``rows`` (from ``snapshot_rows``) back, in one transaction."""
    tables = Base.metadata.sorted_tables
    with db.engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " CASCADE"))
        for table in (*[t for t in tables if t.name not in TRIGGER_MAINTAINED],
                      *[t for t in tables if t.name in TRIGGER_MAINTAINED]):
            if table.name in TRIGGER_MAINTAINED:
                conn.execute(delete(table))
            if rows[table.name]:
                conn.execute(insert(table), rows[table.name])
