"""The dashboard page: loads in the background, draws the four charts and the two lists, emits the
case-list filter of a clicked bar, saves each chart as PNG, and retranslates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QLineSeries, QStackedBarSeries, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from desk_app import i18n
from desk_app.api.backend import LocalBackend
from desk_app.config import AppConfig
from desk_app.db.migrate import schema_state
from desk_app.db.uow import Database
from desk_app.domain.actor import Actor
from desk_app.services.accounts import authenticate
from desk_app.services.case_list import CaseFilter
from desk_app.services.dashboard import Granularity
from desk_app.services.demo import DEMO_PASSWORD
from tests.reports.report_data import TODAY, build_report_data
from ui.context import AppContext
from ui.reports.dashboard_page import CHART_KEYS, DashboardPage


@pytest.fixture
def hq(gui_db: Database) -> Actor:
    build_report_data(gui_db, count=300)
    return authenticate(gui_db, "hq.analyst", DEMO_PASSWORD)


def _page(qtbot: QtBot, db: Database, actor: Actor) -> DashboardPage:
    ctx = AppContext(AppConfig(db_url=str(db.engine.url)), LocalBackend(db), schema_state(db.engine).current)
    page = DashboardPage(ctx, actor, today=lambda: TODAY)
    qtbot.addWidget(page)
    page.resize(1280, 900)
    page.show()
    page.date_from.setDate(page.date_from.date().fromString("2026-01-01", "yyyy-MM-dd"))
    page.refresh()
    qtbot.waitUntil(lambda: page.data is not None, timeout=15_000)
    return page


def _bars(page: DashboardPage, key: str) -> list[QBarSet]:
    series = page.charts[key].chart.series()[0]
    assert isinstance(series, QBarSeries | QStackedBarSeries)
    return list(series.barSets())


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_dashboard_draws_and_filters(qtbot: QtBot, gui_db: Database, hq: Actor, tmp_path: Path) -> None:
    page = _page(qtbot, gui_db, hq)
    data = page.data
    assert data is not None and data.total > 50
    assert data.query.date_from == date(2026, 1, 1) and data.query.granularity is Granularity.MONTH
    trend = _bars(page, "trend")[0]
    assert [int(trend.at(i)) for i in range(trend.count())] == [p.count for p in data.trend]
    assert len(data.trend) == 6  # January … June
    branch_sets = _bars(page, "branches")
    assert [int(branch_sets[0].at(i) + branch_sets[1].at(i)) for i in range(branch_sets[0].count())] == [
        b.count for b in data.branches]
    assert [int(branch_sets[1].at(i)) for i in range(branch_sets[1].count())] == [b.overdue for b in data.branches]
    line = page.charts["satisfaction"].chart.series()[0]
    assert isinstance(line, QLineSeries) and line.count() == sum(1 for p in data.satisfaction if p.average)
    assert page.action_table.rowCount() == len(data.actions) > 0
    assert page.warning_table.rowCount() == len(data.warnings)
    pareto_axis = next(a for a in page.charts["pareto"].chart.axes() if isinstance(a, QBarCategoryAxis))
    assert pareto_axis.categories() == [f"{p.code} {p.name if len(p.name) <= 6 else p.name[:5] + '…'}"
                                        for p in data.pareto]  # the causes' names, not codes only
    for key in CHART_KEYS:  # one-character tick labels ("0" … "5") make Qt Charts elide the axis title to "⋮"
        axis = next(a for a in page.charts[key].chart.axes(Qt.Orientation.Vertical) if isinstance(a, QValueAxis))
        assert axis.labelFormat() == "%.1f" if key == "satisfaction" else axis.max() >= 10, key

    with qtbot.waitSignal(page.sig_filter_requested) as blocker:
        _bars(page, "pareto")[0].clicked.emit(0)
    flt = blocker.args[0]
    assert isinstance(flt, CaseFilter) and flt.axis_c == data.pareto[0].code
    assert (flt.received_from, flt.received_to) == (date(2026, 1, 1), TODAY)
    with qtbot.waitSignal(page.sig_filter_requested) as blocker:
        branch_sets[1].clicked.emit(0)
    assert blocker.args[0].branch_ids == frozenset({data.branches[0].id}) and blocker.args[0].overdue
    with qtbot.waitSignal(page.sig_filter_requested) as blocker:
        trend.clicked.emit(2)
    assert (blocker.args[0].received_from, blocker.args[0].received_to) == (date(2026, 3, 1), date(2026, 3, 31))

    for key in CHART_KEYS:
        path = tmp_path / f"{key}.png"
        assert page.export_chart(key, path)
        image = QImage(str(path))
        assert not image.isNull() and image.width() > 300

    page.granularity.setCurrentIndex(page.granularity.findData(Granularity.WEEK.value))
    page.data = None
    page.refresh()
    qtbot.waitUntil(lambda: page.data is not None, timeout=15_000)
    assert page.data.query.granularity is Granularity.WEEK and len(page.data.trend) > 20


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_dashboard_retranslates(qtbot: QtBot, gui_db: Database, hq: Actor) -> None:
    page = _page(qtbot, gui_db, hq)
    assert page.charts["trend"].title() == "Complaints received"
    i18n.set_language("zh_CN")
    page.retranslate_ui()
    assert page.nav_title() == i18n._("Dashboard")
    assert page.granularity.count() == 2 and page.granularity.currentData() == Granularity.MONTH.value
