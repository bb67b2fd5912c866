"""The case view in GUI tests: a desk of branch staff on the set-up database, a view opened for one of them,
and waiting for the calls the view makes in the background."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from tests.support.staff import make_accounts
from ui.cases.action_dialogs import ActionDialog
from ui.cases.case_view import CaseView
from ui.context import AppContext


@dataclass(frozen=True)
class Desk:
    ctx: AppContext
    clerk: Actor
    handler: Actor
    supervisor: Actor
    manager: Actor


def make_desk(db: Database, admin: Actor) -> Desk:
    """A clerk, handler, supervisor and branch manager at ``admin``'s branch (named after their logins), with an
    application context on ``db``."""
    actors = make_accounts(db, admin, (("clerk", Role.COUNTER_CLERK), ("handler", Role.HANDLER),
                                       ("supervisor", Role.SUPERVISOR), ("manager", Role.BRANCH_MANAGER)))
    return Desk(AppContext(AppConfig(db_url=str(db.engine.url)), LocalBackend(db), "head"), **actors)


def settle(qtbot: QtBot, view: CaseView) -> None:
    """The view calls the services in the background, and then reloads its checklists: wait for both."""
    qtbot.waitUntil(lambda: not view.busy and not view.checklists.loading, timeout=10_000)


def open_view(qtbot: QtBot, desk: Desk, actor: Actor, complaint_id: uuid.UUID, *,
              size: tuple[int, int] | None = None) -> CaseView:
    """The case shown to ``actor`` in a view (of ``size``, else its own), loaded."""
    view = CaseView(desk.ctx, actor, complaint_id)
    qtbot.addWidget(view)
    if size is not None:
        view.resize(*size)
    view.show()
    settle(qtbot, view)
    assert view.file is not None
    return view


def click(qtbot: QtBot, view: CaseView, button: QAbstractButton) -> None:
    """Click a button of the view and wait for the call it starts."""
    button.click()
    settle(qtbot, view)


def opened(qtbot: QtBot, view: CaseView) -> ActionDialog:
    """The dialog the view opened (some first read their choices in the background)."""
    qtbot.waitUntil(lambda: view.active_dialog is not None and view.active_dialog.isVisible(), timeout=10_000)
    assert view.active_dialog is not None
    return view.active_dialog
