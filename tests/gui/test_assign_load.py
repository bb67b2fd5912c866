"""The assign dialog shows each handler's load (open and overdue cases) and marks the least loaded."""

from __future__ import annotations

from datetime import date, timedelta

from gui_support import SetUp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.models import Complaint
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role, Status
from desk_app.domain.workflow import Action
from desk_app.services import case_workflow as wf
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import register_complaint
from tests.support.passwords import PASSWORD
from tests.support.staff import draft
from ui.cases.case_view import CaseView
from ui.context import AppContext


def _person(set_up: SetUp, login: str, role: Role) -> Actor:
    create_user(set_up.db, set_up.admin, username=login, display_name=login.title(), password=PASSWORD, role=role,
                must_change_password=False)
    return authenticate(set_up.db, login, PASSWORD)


def test_the_assign_dialog_shows_each_handlers_load(qtbot: QtBot, set_up: SetUp) -> None:
    clerk, supervisor = _person(set_up, "clerk", Role.COUNTER_CLERK), _person(set_up, "super", Role.SUPERVISOR)
    busy, _idle = _person(set_up, "busy", Role.HANDLER), _person(set_up, "idle", Role.HANDLER)
    for _ in range(2):
        case = register_complaint(set_up.db, clerk, draft())
        wf.assign(set_up.db, supervisor, case.id, case.version, busy.user_id)
    with set_up.db.unit_of_work() as session:  # one of them is overdue
        session.execute(update(Complaint).where(Complaint.id == case.id).values(
            status=Status.IN_PROGRESS.value, due_on=date.today() - timedelta(days=3)))
    new = register_complaint(set_up.db, clerk, draft())
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db), "head")
    view = CaseView(ctx, supervisor, new.id)
    qtbot.addWidget(view)
    view.resize(1300, 720)
    view.show()
    qtbot.waitUntil(lambda: view.file is not None and not view.busy, timeout=10_000)
    button = view.action_buttons[Action.ASSIGN]
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.active_dialog is not None and view.active_dialog.isVisible(), timeout=10_000)
    assert view.active_dialog is not None
    combo = view.active_dialog.fields["owner"]
    assert isinstance(combo, QComboBox)
    texts = {combo.itemText(i).split(" (")[0]: combo.itemText(i) for i in range(1, combo.count())}
    assert texts["Busy"].endswith("— 2 open, 1 overdue")
    assert texts["Idle"].endswith("— 0 open, 0 overdue · least loaded")
