"""The intake page for GUI tests: a counter clerk at a branch with a hotline, and the page opened for them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import update

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.db.models import Branch
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.drafts import DraftStore
from tests.support.passwords import CLERK_PASSWORD
from ui.context import AppContext
from ui.intake.intake_page import IntakePage


@dataclass(frozen=True)
class Counter:
    ctx: AppContext
    clerk: Actor


def make_counter(db: Database, admin: Actor, *, institution_type: str = "bank", cap: int = 5) -> Counter:
    """Clerk 柜员小李 at ``admin``'s branch (hotline 95533, ``institution_type``, group representatives up to
    ``cap``), with an application context on ``db``."""
    with db.unit_of_work() as session:
        session.execute(update(Branch).values(hotline="95533", institution_type=institution_type,
                                              group_rep_cap=cap))
    create_user(db, admin, username="clerk", display_name="柜员小李", password=CLERK_PASSWORD,
                role=Role.COUNTER_CLERK, must_change_password=False)
    ctx = AppContext(AppConfig(db_url=str(db.engine.url)), LocalBackend(db), schema_state(db.engine).current)
    return Counter(ctx, authenticate(db, "clerk", CLERK_PASSWORD))


def open_page(qtbot: QtBot, counter: Counter, drafts_dir: Path) -> IntakePage:
    """The clerk's intake page, shown at 1180x720 and ready for input."""
    page = IntakePage(counter.ctx, counter.clerk, drafts=DraftStore(counter.clerk.username, drafts_dir))
    qtbot.addWidget(page)
    page.resize(1180, 720)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.ready, timeout=10_000)
    return page
