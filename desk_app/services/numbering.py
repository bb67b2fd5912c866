"""Collision-free human numbers (case and letter numbers) from per-key counters.

One atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per allocation works the same on SQLite
(where the transaction already holds the write lock: BEGIN IMMEDIATE) and PostgreSQL (row lock).
"""

from __future__ import annotations

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desk_app.db.models import NumberCounter


def next_value(session: Session, key: str) -> int:
    insert_fn = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt: Insert = insert_fn(NumberCounter).values(key=key, value=1)
    stmt = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=[NumberCounter.key], set_={"value": NumberCounter.value + 1}
    ).returning(NumberCounter.value)
    return int(session.execute(stmt).scalar_one())


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
