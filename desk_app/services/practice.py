"""The practice database (练习数据库): a SQLite file of its own on this PC, made and migrated on first use, on
which practice drills run and their results are kept. It is never the real database, even when the real one
is a desk server: practice opens this file in the process, whatever the configuration names.

A practice database is marked when it is made (``database_facts.purpose = practice``) and the drill services
refuse any database without the mark, so a drill can never write into the real one by mistake.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.config import sqlite_url
from desk_app.db.engine import sqlite_path
from desk_app.db.migrate import open_at_head
from desk_app.db.models import Complaint, DatabaseFact, User
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.errors import UserError
from desk_app.i18n import _
from desk_app.paths import user_data_dir

PRACTICE_PURPOSE = "practice"
PRACTICE_FILE = "practice.sqlite3"
#: The branch a trainee stands for in practice mode started without signing in (``--practice``).
PRACTICE_BRANCH = uuid.UUID(int=0)


class NotAPracticeDatabaseError(UserError):
    """A drill asked for on a database that is not a practice database."""


def practice_database_path() -> Path:
    return user_data_dir() / PRACTICE_FILE


def _same_file(url: str, path: Path) -> bool:
    real = sqlite_path(url)
    return real is not None and real.resolve() == path.resolve()


def open_practice_database(path: Path | None = None, *, real_url: str = "") -> tuple[Database, str | None]:
    """The practice database at ``path`` (default: ``practice.sqlite3`` in the user data folder), made and
    migrated to head when needed and marked as a practice database. ``real_url`` is the real database's URL:
    practice refuses to run on it."""
    path = path or practice_database_path()
    if real_url and _same_file(real_url, path):
        raise NotAPracticeDatabaseError(_("The practice database cannot be the real database ({path}).").format(
            path=path))
    db, revision = open_at_head(sqlite_url(path))
    try:
        claim_for_practice(db)
    except Exception:
        db.dispose()
        raise
    return db, revision


def claim_for_practice(db: Database) -> None:
    """Mark a new, empty database as a practice database; one already marked is fine; any other (with staff
    accounts or cases, or marked for another purpose) is refused."""
    with db.unit_of_work() as session:
        fact = session.get(DatabaseFact, "purpose")
        if fact is not None and fact.value == PRACTICE_PURPOSE:
            return
        in_use = (session.scalar(select(func.count()).select_from(User))
                  or session.scalar(select(func.count()).select_from(Complaint)))
        if fact is not None or in_use:
            raise NotAPracticeDatabaseError(_(
                "This database holds real work and cannot be used for practice; practice uses its own "
                "file."))
        session.add(DatabaseFact(key="purpose", value=PRACTICE_PURPOSE))


def require_practice(session: Session) -> None:
    """Raise unless ``session`` works on a practice database."""
    fact = session.get(DatabaseFact, "purpose")
    if fact is None or fact.value != PRACTICE_PURPOSE:
        raise NotAPracticeDatabaseError(_(
            "Drills run on the practice database only, never on the real one. Open practice mode."))


def practice_trainee(name: str) -> Actor:
    """The trainee in practice mode started without signing in: known by name only, no rights anywhere."""
    name = name.strip() or _("Trainee")
    return Actor(uuid.uuid5(uuid.NAMESPACE_URL, f"practice:{name}"), name, name, Role.COUNTER_CLERK,
                 PRACTICE_BRANCH, _("Practice"))
