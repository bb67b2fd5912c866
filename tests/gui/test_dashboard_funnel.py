"""The dashboard's prevention funnel on a 1366×768 screen: reached with Alt+U from the dashboard (keys into the
focused widget), its tables showing the figures the service computed, the page still fitting the screen."""

from __future__ import annotations

import pytest
from gui_support import SetUp, open_main_window
from keyboard import ALT, CTRL, focus_widget, key
from PySide6.QtCore import Qt
from pytestqt.exceptions import TimeoutError as WaitTimeout
from pytestqt.qtbot import QtBot
from remote_support import activate

from desk_app.services import demo, grumbles
from desk_app.services.accounts import authenticate
from desk_app.services.complaints import register_complaint
from desk_app.services.demo import DEMO_PASSWORD
from tests.support.grumbles import grumble
from tests.support.staff import draft
from ui.reports.dashboard_page import DashboardPage
from ui.screen_fit import SCREEN, fit_problems


def test_the_funnel_tab_shows_the_grumbles_on_a_small_screen(qtbot: QtBot, set_up: SetUp) -> None:
    if set_up.db.engine.dialect.name != "sqlite":
        pytest.skip("layout does not depend on the database (the service's tests run on both)")
    db = set_up.db
    demo.generate_demo_data(db, 60, seed=5)
    sh01, bj01 = (authenticate(db, name, DEMO_PASSWORD) for name in ("sh01.clerk", "bj01.clerk"))
    for clerk, cause, settled in ((sh01, "C09", True), (sh01, "C09", False), (sh01, "C01", True),
                                  (bj01, "C09", True)):
        grumbles.record_grumble(db, clerk, grumble(axis_c=cause, settled=settled))
    turned = grumbles.record_grumble(db, sh01, grumble(axis_c="C09", settled=False))
    grumbles.link_complaint(db, sh01, turned.id, register_complaint(db, sh01, draft(axis_c="C09")).id)

    window = open_main_window(qtbot, set_up, "sh01.supervisor")  # the branch's own funnel
    window.resize(*SCREEN)
    qtbot.waitExposed(window)
    activate(window)
    row = window.page_titles().index("Dashboard")
    key(qtbot, getattr(Qt.Key, f"Key_{row + 1}"), CTRL)
    holder = window.dashboard_page
    qtbot.waitUntil(lambda: isinstance(holder.page, DashboardPage) and holder.page.data is not None, timeout=20_000)
    page = holder.page
    assert isinstance(page, DashboardPage) and page.data is not None
    page.date_from.setFocus()
    key(qtbot, Qt.Key.Key_U, ALT)  # Prevention f&unnel
    assert page.lists.currentWidget() is page.prevention and page.prevention.isVisible()

    funnel = page.data.funnel
    assert (funnel.grumbles, funnel.settled, funnel.turned) == (4, 2, 1)  # not BJ01's
    table = page.prevention.by_cause
    assert table.rowCount() == len(funnel.rows) == 2
    shown = {(table.item(i, 0).text(), table.item(i, 1).text().split()[0]): table.item(i, 2).text()
             for i in range(table.rowCount())}
    assert shown == {("SH01", "C09"): "3", ("SH01", "C01"): "1"}
    assert "4 grumbles" in page.prevention.summary.text() and "1 turned into complaints (25%)" in \
        page.prevention.summary.text()
    rising = page.prevention.rising
    assert [rising.item(i, 0).text().split()[0] for i in range(rising.rowCount())] == ["C09", "C01"]
    assert rising.item(0, 5).text() == "yes"  # C09's complaint came with its grumbles

    assert fit_problems(window, window.pages, SCREEN) == []

    def rows_shown() -> bool:  # scrolled into view below the charts (the scroll area does it on a later turn)
        return table.visibleRegion().boundingRect().height() >= 3 * table.rowHeight(0)

    try:
        qtbot.waitUntil(rows_shown, timeout=5000)
    except WaitTimeout:
        raise AssertionError("the funnel's rows are hidden on a 768-pixel screen") from None
    key(qtbot, Qt.Key.Key_W, ALT)  # and back to the early warnings
    assert page.lists.currentWidget() is page.warning_box
    assert focus_widget() is not None
