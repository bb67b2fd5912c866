"""The overview never stays at the state before a change: a refresh asked for while a read is under way (an
approval decided, a case taken meanwhile) reads again once that read is in, instead of being dropped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from gui_support import SetUp
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.services import case_workflow as wf
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import register_complaint
from desk_app.services.overview import case_overview
from tests.support.passwords import PASSWORD
from tests.support.staff import draft
from ui.context import AppContext
from ui.overview.page import OverviewPage


class HeldBackend(LocalBackend):
    """The real backend; while ``held`` is set, a finished overview read waits for ``release`` before it
    answers (so the answer is the state from before what the test does meanwhile)."""

    def __init__(self, backend: LocalBackend) -> None:
        super().__init__(backend.db, backend.label)
        self.held = threading.Event()
        self.release = threading.Event()
        self.reads = 0

    def call(self, actor: Actor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        result = super().call(actor, fn, *args, **kwargs)
        if fn is case_overview:
            self.reads += 1
            if self.held.is_set():
                assert self.release.wait(10), "the test never released the read"
        return result


def _person(set_up: SetUp, login: str, role: Role) -> Actor:
    create_user(set_up.db, set_up.admin, username=login, display_name=login.title(), password=PASSWORD, role=role,
                must_change_password=False)
    return authenticate(set_up.db, login, PASSWORD)


def test_a_refresh_during_a_read_reads_again(qtbot: QtBot, set_up: SetUp) -> None:
    clerk, handler = _person(set_up, "clerk", Role.COUNTER_CLERK), _person(set_up, "handler", Role.HANDLER)
    supervisor = _person(set_up, "super", Role.SUPERVISOR)
    case = register_complaint(set_up.db, clerk, draft())
    backend = HeldBackend(LocalBackend(set_up.db))
    page = OverviewPage(AppContext(AppConfig(db_url=str(set_up.db.engine.url)), backend,
                                   schema_state(set_up.db.engine).current), supervisor)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    qtbot.waitUntil(lambda: page.overview is not None, timeout=10_000)
    assert page.to_assign.model.rowCount() == 1 and page.to_assign.model.row(0).case_number == case.case_number
    backend.held.set()
    page.refresh()  # a read of the state before the take
    qtbot.waitUntil(lambda: backend.reads == 2, timeout=10_000)
    wf.take_case(set_up.db, handler, case.id)
    page.refresh()  # asked for by the change, while the read is still under way
    backend.held.clear()
    backend.release.set()
    qtbot.waitUntil(lambda: backend.reads == 3, timeout=10_000)
    qtbot.waitUntil(lambda: page.to_assign.model.rowCount() == 0, timeout=10_000)
    assert page.overview is not None and page.overview.queues.to_assign_count == 0
    assert page.to_assign.empty_label.isVisible()
