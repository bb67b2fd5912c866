"""Collision-free human numbers (case and letter numbers) from per-key counters.

One atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per allocation works the same on SQLite
(where the transaction already holds the write lock: BEGIN IMMEDIATE) and PostgreSQL (row lock).
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Insert, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desk_app.db.models import NumberCounter


@cache
def _allocate(dialect: str) -> Insert:
    """The upsert that takes the next value of the counter ``key`` (a parameter), built once per dialect: it
    runs in every registration, while the counter's row lock serialises that branch's registrations."""
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt: Insert = insert_fn(NumberCounter).values(key=bindparam("key"), value=1)
    return stmt.on_conflict_do_update(  # type: ignore[attr-defined,no-any-return]
        index_elements=[NumberCounter.key], set_={"value": NumberCounter.value + 1}
    ).returning(NumberCounter.value)


def next_value(session: Session, key: str) -> int:
    stmt = _allocate(session.get_bind().dialect.name)
    return int(session.connection().execute(stmt, {"key": key}).scalar_one())


def case_number(session: Session, branch_code: str, local_day_compact: str) -> str:
    seq = next_value(session, f"case:{branch_code}:{local_day_compact}")
    return f"{branch_code}-{local_day_compact}-{seq:04d}"


def letter_key(branch_code: str, kind_code: str, year: int) -> str:
    """The counter of a branch's letters of one kind in one year."""
    return f"letter:{branch_code}:{kind_code}:{year}"


def format_letter_number(branch_code: str, kind_code: str, year: int, seq: int) -> str:
    return f"{branch_code}-{kind_code}-{year}-{seq:04d}"


def letter_number(session: Session, branch_code: str, kind_code: str, year: int) -> str:
    seq = next_value(session, letter_key(branch_code, kind_code, year))
    return format_letter_number(branch_code, kind_code, year, seq)
