"""What a process builds from reference data, kept under the data's change token (migration 0024).

Every registration needs the working calendar (about 800 day objects) and checks its codes against the
active taxonomy and list items. Reading them, or a digest of them, on every call cost a round trip each
and 0.4 ms of PostgreSQL's CPU for the calendar's digest. A trigger sets a new random token for a kind of
reference data at every change of its tables, whoever writes them; a process keeps what it built under
the token it read and builds again when the database shows another token.

A value is kept only when the token read after building it is the one read before: on PostgreSQL each
statement sees the latest commits, and a change committed in between must not be kept under the old
token. Without a token row (a table emptied behind the app's back) nothing is kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session

from desk_app.db.models import ChangeToken

CALENDAR = "calendar"
"""The holiday table (``calendar_entries``, ``calendar_years``)."""
TAXONOMY = "taxonomy"
"""The classification codes and the reference lists (``taxonomy_codes``, ``reference_items``)."""

T = TypeVar("T")


def token_column(kind: str) -> ScalarSelect[str]:
    """The kind's token as a column of another statement (a registration reads both with its branch)."""
    return select(ChangeToken.token).where(ChangeToken.kind == kind).scalar_subquery()


def current_token(session: Session, kind: str) -> str | None:
    return session.scalar(select(ChangeToken.token).where(ChangeToken.kind == kind))


class Kept(Generic[T]):
    """Values built from one kind of reference data, by token. A few: tests and tools open several
    databases in one process; the desk server and the app open one."""

    def __init__(self, kind: str, build: Callable[[Session], T], keep: int = 8) -> None:
        self.kind = kind
        self._build = build
        self._keep = keep
        self._values: dict[str, T] = {}
        self._lock = threading.Lock()  # the desk server's worker threads share it

    def get(self, session: Session, token: str | None = None) -> T:
        """The value for the database's current token (``token``: that token, already read by the caller)."""
        token = token or current_token(session, self.kind)
        if token is not None:
            with self._lock:
                kept = self._values.get(token)
            if kept is not None:
                return kept
        value = self._build(session)
        if token is not None and current_token(session, self.kind) == token:
            with self._lock:
                if len(self._values) >= self._keep:
                    self._values.pop(next(iter(self._values)))
                self._values[token] = value
        return value
