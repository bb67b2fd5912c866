"""Lists of what staff record at a branch without a case number — grumbles and opportunities — in one shape:
the actor's branch (every branch for headquarters), a period of recording (``since`` inclusive, ``until``
exclusive), the list's own conditions, newest first, at most a cap."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, select

from desk_app.domain.actor import Actor
from desk_app.services.access import sees_all_branches


class RecordedRow(Protocol):
    """A mapped class with a branch and a time of recording (``Grumble``, ``Opportunity``)."""

    branch_id: Any
    recorded_at: Any
    id: Any


T = TypeVar("T", bound=RecordedRow)


def newest_recorded(model: type[T], actor: Actor, since: datetime | None, until: datetime | None,
                    conditions: list[ColumnElement[bool]], limit: int, cap: int) -> Select[T]:
    """SELECT of ``model`` rows the actor may list, recorded in [since, until), meeting ``conditions``, newest
    first, at most ``limit`` (kept within 1 … ``cap``)."""
    stmt = select(model).where(*conditions)
    if not sees_all_branches(actor):
        stmt = stmt.where(model.branch_id == actor.branch_id)
    if since is not None:
        stmt = stmt.where(model.recorded_at >= since)
    if until is not None:
        stmt = stmt.where(model.recorded_at < until)
    return stmt.order_by(model.recorded_at.desc(), model.id).limit(max(1, min(limit, cap)))
