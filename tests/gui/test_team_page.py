"""The team page: a supervisor sees their handlers' figures, sorts them from the keyboard, and head office picks a
branch."""

from __future__ import annotations

from gui_support import SetUp
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.domain.actor import Actor
from desk_app.domain.enums import Role
from desk_app.services import case_workflow as wf
from desk_app.services.accounts import authenticate, create_user
from desk_app.services.complaints import register_complaint
from tests.support.passwords import PASSWORD
from tests.support.staff import draft
from ui.context import AppContext
from ui.team.page import TeamPage


def _person(set_up: SetUp, login: str, role: Role) -> Actor:
    create_user(set_up.db, set_up.admin, username=login, display_name=login.title(), password=PASSWORD, role=role,
                must_change_password=False)
    return authenticate(set_up.db, login, PASSWORD)


def test_the_supervisor_sees_and_sorts_the_handlers_load(qtbot: QtBot, set_up: SetUp) -> None:
    clerk, supervisor = _person(set_up, "clerk", Role.COUNTER_CLERK), _person(set_up, "super", Role.SUPERVISOR)
    busy, idle = _person(set_up, "busy", Role.HANDLER), _person(set_up, "idle", Role.HANDLER)
    for owner, n in ((busy, 3), (idle, 1)):
        for _ in range(n):
            case = register_complaint(set_up.db, clerk, draft())
            wf.assign(set_up.db, supervisor, case.id, case.version, owner.user_id)
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    page = TeamPage(ctx, supervisor)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    page.refresh()
    qtbot.waitUntil(lambda: page.figures is not None, timeout=10_000)
    assert not page.branch.isVisible()  # a branch supervisor sees their branch only

    def column(col: int) -> list[str]:
        return [page.proxy.index(r, col).data() for r in range(page.proxy.rowCount())]

    assert column(0)[:2] == ["Busy", "Idle"] and column(2)[:2] == ["3", "1"]  # most open cases first
    assert set(column(0)) == {"Busy", "Idle", "Super"}
    assert page.chart.categories == ["Busy", "Idle", "Super"]  # the chart: most open cases first
    header = page.table.horizontalHeader()
    at = QPoint(header.sectionViewportPosition(2) + 5, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=at)  # a click on the header turns the order
    assert header.sortIndicatorSection() == 2 and header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    assert column(2)[0] == "0" and column(2)[-1] == "3"
    page.date_from.setFocus()
    qtbot.keyClick(page.date_from, Qt.Key.Key_Down)  # a day earlier: the period changes, the figures reload
    page.figures = None
    qtbot.keyClick(page.show_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.figures is not None, timeout=10_000)
    assert page.figures is not None and page.figures.date_from == page.date_from.date().toPython()


def test_head_office_chooses_a_branch(qtbot: QtBot, set_up: SetUp) -> None:
    admin = set_up.headquarters_admin()
    create_user(set_up.db, admin, username="analyst", display_name="Analyst", password=PASSWORD,
                role=Role.HQ_ANALYST, must_change_password=False)
    analyst = authenticate(set_up.db, "analyst", PASSWORD)
    clerk = _person(set_up, "clerk", Role.COUNTER_CLERK)
    register_complaint(set_up.db, clerk, draft())
    ctx = AppContext(AppConfig(db_url=str(set_up.db.engine.url)), LocalBackend(set_up.db),
                     schema_state(set_up.db.engine).current)
    page = TeamPage(ctx, analyst)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    qtbot.waitUntil(lambda: page.figures is not None and page.branch.count() > 0, timeout=10_000)
    assert page.branch.isVisible() and page.figures is not None and page.figures.all_branches
    assert page.model.headerData(0, Qt.Orientation.Horizontal) == "Handler"
    page.per_branch.setFocus()
    qtbot.keyClick(page.per_branch, Qt.Key.Key_Space)  # one row per branch
    assert page.model.headerData(0, Qt.Orientation.Horizontal) == "Branch name"
    assert [page.proxy.index(r, 1).data() for r in range(page.proxy.rowCount())] == ["BJ01"]
    assert page.proxy.index(0, 2).data() == "1"  # the unassigned case is open in its branch
