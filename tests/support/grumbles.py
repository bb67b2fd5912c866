"""Grumbles in tests: a valid grumble draft, an HQ analyst to read every branch's, and grumbles dated back."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from desk_app.db.models import Grumble
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Channel, Role
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.grumbles import GrumbleDraft
from tests.support.passwords import PASSWORD
from tests.support.staff import Staff


def grumble(**overrides: object) -> GrumbleDraft:
    """A grumble settled at the counter (an annual fee explained); ``overrides`` replace its fields."""
    values: dict[str, object] = dict(channel=Channel.COUNTER, axis_b="B0302", axis_c="C09",
                                     action_taken="当场解释了年费减免规则", settled=True)
    values.update(overrides)
    return GrumbleDraft(**values)  # type: ignore[arg-type]


def make_analyst(database: Database, staff: Staff) -> Actor:
    """An HQ analyst at ``staff``'s headquarters branch, signed in."""
    create_user(database, staff.admin, username="analyst", display_name="Analyst", password=PASSWORD,
                role=Role.HQ_ANALYST, branch_id=staff.admin.branch_id, must_change_password=False)
    return authenticate(database, "analyst", PASSWORD)


def backdate(database: Database, grumble_id: uuid.UUID, days: int) -> None:
    """Date the grumble ``days`` before now."""
    record_at(database, [grumble_id], datetime.now(UTC) - timedelta(days=days))


def record_at(database: Database, grumble_ids: Iterable[uuid.UUID], at: datetime) -> None:
    """Date the grumbles at ``at`` (as if recorded then)."""
    with database.unit_of_work() as session:
        session.execute(update(Grumble).where(Grumble.id.in_(list(grumble_ids))).values(recorded_at=at))
