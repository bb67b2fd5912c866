"""The counter's user flows as steps, shared by the GUI tests on this PC (LocalBackend) and against a desk
server (RemoteBackend): the staff of a branch, the intake form typed from the keyboard, the case view's six
steps, a letter issued and saved, a statistics export, an import.

Every step drives the real widgets with key events into the focused widget (``keyboard``); it never calls
``setText``. A step only needs an ``AppContext``, so the same step runs in process or over HTTPS.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from keyboard import CTRL, focus_widget, key, mnemonic, tab_to, type_text
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desk_app.api.backend import Backend, LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import head_revision
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import InstitutionType, Role
from desk_app.services.accounts import create_user
from desk_app.services.drafts import DraftStore
from desk_app.services.setup import SetupRequest, initialise
from ui.context import AppContext
from ui.intake.intake_page import IntakePage
from ui.tasks import db_pool

PASSWORD = "counter2026"
ADMIN_PASSWORD = "admin12345"
VALID_ID = "11010519491231002X"
PHONE = "13812345678"
STAFF = (("clerk", "柜员小李", Role.COUNTER_CLERK), ("handler", "经办人老张", Role.HANDLER),
         ("supervisor", "主管王姐", Role.SUPERVISOR), ("manager", "行长刘总", Role.BRANCH_MANAGER))


# -- the branch ------------------------------------------------------------------------------------------
def set_up_branch(db: Database) -> Actor:
    """A bank branch BJ01 with its administrator and one account per counter role (password ``PASSWORD``);
    returns the administrator. Works on the owner's connection behind a desk server, too."""
    admin = initialise(db, SetupRequest("BJ01", "北京第一支行", InstitutionType.BANK, "admin", "王管理",
                                        ADMIN_PASSWORD, branch_hotline="95533"))
    for username, name, role in STAFF:
        create_user(db, admin, username=username, display_name=name, password=PASSWORD, role=role,
                    branch_id=admin.branch_id, must_change_password=False)
    return admin


def context(backend: Backend, db_url: str = "sqlite://") -> AppContext:
    """What the windows get: the backend (this PC's database or a desk server)."""
    return AppContext(AppConfig(db_url=db_url), backend, head_revision())


def local_context(db: Database) -> AppContext:
    return context(LocalBackend(db), str(db.engine.url))


def settle() -> None:
    """Let queued background calls finish and their results arrive."""
    db_pool().waitForDone(15_000)
    QApplication.processEvents()


# -- the intake form -------------------------------------------------------------------------------------
def open_intake(qtbot: QtBot, ctx: AppContext, actor: Actor, drafts_dir: Path) -> IntakePage:
    """The intake form as a window of its own, active, with its reference lists loaded."""
    page = IntakePage(ctx, actor, drafts=DraftStore(actor.username, drafts_dir))
    qtbot.addWidget(page)
    page.resize(1180, 720)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.ready, timeout=15_000)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page.window(), timeout=5000)
    return page


def code(qtbot: QtBot, letter: str, text: str) -> None:
    """Alt+letter to a code picker, type the code, Escape closes the completer's list."""
    mnemonic(qtbot, letter)
    type_text(qtbot, text)
    key(qtbot, Qt.Key.Key_Escape)


def type_complaint(qtbot: QtBot, page: IntakePage) -> None:
    """A complete, valid complaint typed as a clerk types it: mnemonics to the fields, Tab where a field
    has none, Space for check boxes. (The same complaint as ``test_intake_form.fill_valid``.)"""
    mnemonic(qtbot, "n")
    assert focus_widget() is page.customer.name
    type_text(qtbot, "王芳")
    mnemonic(qtbot, "i")
    type_text(qtbot, VALID_ID)
    mnemonic(qtbot, "p")
    type_text(qtbot, PHONE)
    tab_to(qtbot, page.customer.address)
    type_text(qtbot, "北京市朝阳区建国路88号")
    mnemonic(qtbot, "w")
    assert focus_widget() is page.facts.what
    type_text(qtbot, "客户反映信用卡出现一笔未授权境外消费3,200.00元")
    mnemonic(qtbot, "e")
    type_text(qtbot, "建国路支行营业厅")
    mnemonic(qtbot, "m")
    type_text(qtbot, "3,200.00")
    mnemonic(qtbot, "r")
    type_text(qtbot, "信用卡中心")
    tab_to(qtbot, page.request.kinds["refund"])  # (Alt+Q would tick the first kind: a check box buddy)
    key(qtbot, Qt.Key.Key_Space)
    mnemonic(qtbot, "x")
    type_text(qtbot, "要求退还被盗刷款项")
    mnemonic(qtbot, "l")
    type_text(qtbot, "3200")
    code(qtbot, "a", "A01")
    code(qtbot, "b", "B0302")
    code(qtbot, "u", "C09")
    mnemonic(qtbot, "g")  # the recusal declaration
    assert page.recusal.isChecked()


def save_intake(qtbot: QtBot, page: IntakePage) -> None:
    """Ctrl+S from wherever the focus is in the form."""
    key(qtbot, Qt.Key.Key_S, CTRL)


def registered(qtbot: QtBot, page: IntakePage) -> uuid.UUID:
    """Save the typed complaint with Ctrl+S and wait for the case number; the new case's id."""
    with qtbot.waitSignal(page.sig_saved, timeout=20_000) as saved:
        save_intake(qtbot, page)
    complaint_id = saved.args[0]
    assert isinstance(complaint_id, uuid.UUID)
    return complaint_id


@dataclass(frozen=True)
class Staff:
    """The accounts of ``set_up_branch``, signed in through ``backend``."""

    admin: Actor
    clerk: Actor
    handler: Actor
    supervisor: Actor
    manager: Actor


def sign_in_staff(backend: Backend, admin: Actor) -> Staff:
    signed = {username: backend.sign_in(username, PASSWORD) for username, _name, _role in STAFF}
    return Staff(admin, **signed)
