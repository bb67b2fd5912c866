"""No control character reaches a text column, whichever use case writes it.

Every service checks its own fields; this is the last line: before each flush, every text value that is new
or changed is checked (``reject_control_characters``), so a NUL byte (which PostgreSQL refuses with a
driver error carrying the row's values) or a text-direction override becomes a clear ValidationError and
the whole use case is rolled back.
"""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from desk_app.domain.validation import reject_control_characters


def _check_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in itertools.chain(session.new, session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            if not isinstance(attr.columns[0].type, String):
                continue
            value = getattr(obj, attr.key)
            if isinstance(value, str) and (obj in session.new or state.attrs[attr.key].history.has_changes()):
                reject_control_characters(value, f"{state.mapper.class_.__name__}.{attr.key}")


def guard_text(sessions: sessionmaker[Session]) -> None:
    """Check the text of every flush of the sessions this factory makes."""
    event.listen(sessions, "before_flush", _check_flush)
