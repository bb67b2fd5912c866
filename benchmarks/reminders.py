"""Reminder polls and team figures on a bulk database: every signed-in user's desk polls its reminders each
minute, so one poll must stay small; the team page reads a branch's cases of a period once.

    python benchmarks/reminders.py --database-url sqlite:////tmp/bulk.sqlite3      # filled with demo-data --bulk N

The users are found by role: the handler with most open cases, the supervisor and the branch manager of that
handler's branch, and an HQ analyst (made if missing). Each figure is the median of ``--repeat`` runs after one
warm-up (the first poll also records the receipts; later ones only read). Target: a poll under 100 ms, the team
figures of a branch's quarter under 1 s. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from desk_app.db.engine import make_engine  # noqa: E402
from desk_app.db.models import Branch, Complaint, User  # noqa: E402
from desk_app.db.uow import Database  # noqa: E402
from desk_app.domain.actor import Actor  # noqa: E402
from desk_app.domain.enums import Role  # noqa: E402
from desk_app.services.notifications import current_notifications  # noqa: E402
from desk_app.services.team import team_figures  # noqa: E402


def _actor(db: Database, user_id: object) -> Actor:
    with db.unit_of_work() as session:
        user, branch = session.execute(select(User, Branch).join(Branch, Branch.id == User.branch_id)
                                       .where(User.id == user_id)).one()
        return Actor(user.id, user.username, user.display_name, Role(user.role), branch.id, branch.code,
                     branch.is_headquarters)


def _people(db: Database) -> dict[str, Actor]:
    with db.unit_of_work() as session:
        owner, branch = session.execute(
            select(Complaint.owner_id, Complaint.branch_id).where(Complaint.owner_id.is_not(None))
            .group_by(Complaint.owner_id, Complaint.branch_id).order_by(func.count().desc()).limit(1)).one()
        found = {"handler (most open cases)": owner}
        for role in (Role.SUPERVISOR, Role.BRANCH_MANAGER):
            uid = session.scalar(select(User.id).where(User.branch_id == branch, User.role == role.value).limit(1))
            if uid is not None:
                found[f"{role.value} (same branch)"] = uid
        analyst = session.scalar(select(User.id).where(User.role == Role.HQ_ANALYST.value).limit(1))
        if analyst is not None:
            found["hq_analyst"] = analyst
    return {label: _actor(db, uid) for label, uid in found.items()}


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    db = Database(make_engine(args.database_url))
    with db.unit_of_work() as session:
        cases = session.scalar(select(func.count()).select_from(Complaint)) or 0
    now = datetime.now(UTC)
    today = now.date()
    print(f"{cases:,} cases · {args.database_url.split('://')[0]}")
    print(f"{'user':<32}{'reminders':>10}{'poll ms':>10}{'team ms (90 days)':>20}")
    start = today - timedelta(days=89)
    for label, actor in _people(db).items():
        found = len(current_notifications(db, actor, now))
        poll = _median_ms(partial(current_notifications, db, actor, now), args.repeat)
        team = "—"
        if actor.role is not Role.HANDLER:
            team = f"{_median_ms(partial(team_figures, db, actor, start, today), args.repeat):.0f}"
        print(f"{label:<32}{found:>10}{poll:>10.1f}{team:>20}")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
