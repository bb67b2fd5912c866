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

#: A valid resident ID number (its check digit is X), one with a wrong check digit, and a mobile number.
VALID_ID = "11010519491231002X"
BAD_CHECKSUM_ID = "110105194912310021"
PHONE = "13812345678"


def fill_valid(page: IntakePage) -> None:
    """A complete, valid complaint (Chinese text goes in with setText: QTest.keyClicks aborts on it)."""
    customer = page.customer
    customer.name.setText("王芳")
    customer.id_number.setText(VALID_ID)
    customer.phone.setText(PHONE)
    customer.address.setText("北京市朝阳区建国路88号")
    page.facts.what.setPlainText("客户反映信用卡出现一笔未授权境外消费3,200.00元")
    page.facts.where.setText("建国路支行营业厅")
    page.facts.amount.setText("3,200.00")
    page.facts.respondent.setText("信用卡中心")
    page.request.kinds["refund"].setChecked(True)
    page.request.text.setPlainText("要求退还被盗刷款项")
    page.request.claimed.setText("3200")
    page.classification.pickers["A"].set_text("A01")
    page.classification.pickers["B"].set_text("信用卡")
    page.classification.pickers["C"].set_text("C09")
    page.recusal.setChecked(True)


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
