"""One digest of a whole database, for tests that prove a failed use case wrote nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from sqlalchemy import select

from desk_app.db.models import Base
from desk_app.db.uow import Database


def database_digest(db: Database, *, except_tables: Collection[str] = ()) -> str:
    """SHA-256 of every row of every table (table by table, rows in primary-key order); ``except_tables``
    are left out (e.g. the audit log, where a refusal is recorded on purpose)."""
    digest = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in except_tables:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            digest.update(table.name.encode())
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
