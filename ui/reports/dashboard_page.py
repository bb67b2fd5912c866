"""The dashboard (QtCharts): cases per week or month, the Pareto of causes, cases by branch with the
overdue part, the satisfaction trend; under them, as tabs, early warnings, improvement actions and the
prevention funnel of grumbles (``ui.reports.prevention_panel``).

The figures come from ``desk_app.services.dashboard.dashboard_data`` (aggregated in the database, run
in the background). Clicking a bar emits ``sig_filter_requested`` with the case-list filter that
shows those cases; each chart can be saved as a PNG image.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QMargins, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.actor import Actor
from desk_app.i18n import _, current_language
from desk_app.services.case_list import CaseFilter
from desk_app.services.dashboard import Dashboard, DashboardQuery, Granularity, dashboard_data
from ui import icons
from ui.context import AppContext
from ui.errors import show_error
from ui.page import Page
from ui.reports.prevention_panel import PreventionPanel
from ui.saved_file import show_saved
from ui.tables import fill_texts, readonly_table
from ui.tasks import run_call

BLUE = QColor("#305496")
RED = QColor("#c0392b")
GREY = QColor("#9aa5b1")
ORANGE = QColor("#e67e22")
CHART_KEYS = ("trend", "pareto", "branches", "satisfaction")
#: Narrower than this, the charts go one under the other.
NARROW = 900


def _date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _short(name: str, length: int = 6) -> str:
    """A cause's name short enough for a bar's label (the tooltip has it in full)."""
    return name if len(name) <= length else name[:length - 1] + "…"


def _bucket_label(start: date, granularity: Granularity) -> str:
    """Short enough to fit under a bar: 26-03 (a month), 03-02 (the Monday of a week)."""
    return start.strftime("%y-%m") if granularity is Granularity.MONTH else start.strftime("%m-%d")


class ChartBox(QGroupBox):
    """A chart with its title and an "Export PNG" button."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"chart_{key}")
        self.chart = QChart()
        self.chart.setMargins(QMargins(2, 2, 2, 2))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.view = QChartView(self.chart, self)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumSize(360, 240)
        self.export_button = QToolButton(self)
        self.export_button.setObjectName(f"export_{key}")
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

    def reset(self) -> None:
        self.chart.setTitle("")
        self.chart.removeAllSeries()
        for axis in list(self.chart.axes()):
            self.chart.removeAxis(axis)

    def save_png(self, path: Path) -> bool:
        """Render the chart alone (no buttons) into a PNG file."""
        return bool(self.view.grab().save(str(path), "PNG"))


class DashboardPage(Page):
    #: A case-list filter for the clicked bar (the lead connects it to the case list page).
    sig_filter_requested = Signal(object)

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None,
                 today: Callable[[], date] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardPage")
        self._ctx, self._actor = ctx, actor
        self._today = today or (lambda: datetime.now(ctx.office_tz).date())
        self.data: Dashboard | None = None
        self._loading = False
        self._asked_in = self._data_in = current_language()  # the core names branches and causes in it

        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.scope = QLabel(self)
        self.from_label, self.to_label, self.granularity_label = QLabel(self), QLabel(self), QLabel(self)
        end = self._today()
        self.date_from = QDateEdit(_qdate(end.replace(day=1) - timedelta(days=335)), self)
        self.date_to = QDateEdit(_qdate(end), self)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.from_label.setBuddy(self.date_from)
        self.to_label.setBuddy(self.date_to)
        self.granularity = QComboBox(self)
        self.granularity.setObjectName("granularity")
        self.granularity_label.setBuddy(self.granularity)
        self.refresh_button = QPushButton(self)
        self.refresh_button.clicked.connect(self.refresh)
        heading = QHBoxLayout()
        heading.addWidget(self.title)
        heading.addSpacing(12)
        heading.addWidget(self.scope, 1)
        bar = QHBoxLayout()  # the period on a row of its own: the bar must fit a 1366 px screen at 150 %
        for widget in (self.from_label, self.date_from, self.to_label, self.date_to, self.granularity_label,
                       self.granularity, self.refresh_button):
            bar.addWidget(widget)
        bar.addStretch(1)

        self.charts = {key: ChartBox(key, self) for key in CHART_KEYS}
        for key, box in self.charts.items():
            box.export_button.clicked.connect(lambda _checked=False, k=key: self._ask_export(k))
        self.chart_grid = QGridLayout()
        self._chart_columns = 0
        self._place_charts(2)

        self.warning_box = QGroupBox(self)
        self.warning_table = QTableWidget(0, 6, self.warning_box)
        self.action_box = QGroupBox(self)
        self.action_table = QTableWidget(0, 6, self.action_box)
        for table, group in ((self.warning_table, self.warning_box), (self.action_table, self.action_box)):
            readonly_table(table).setMinimumHeight(120)
            QVBoxLayout(group).addWidget(table)
        self.warning_table.setObjectName("earlyWarnings")
        self.action_table.setObjectName("improvementActions")
        self.prevention = PreventionPanel(self)
        self.lists = QTabWidget(self)  # one list at a time: the charts keep their height on a 768-pixel screen
        self.lists.setObjectName("dashboardLists")
        self.lists.addTab(self.warning_box, "")
        self.lists.addTab(self.action_box, "")
        self.lists.addTab(self.prevention, "")
        self.lists.currentChanged.connect(lambda _index: self._show_lists())

        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addLayout(bar)
        layout.addLayout(self.chart_grid, 3)
        layout.addWidget(self.lists, 1)
        self.retranslate_ui()

    def _place_charts(self, columns: int) -> None:
        """Charts two by two, or one under the other on a narrow window (where two would squeeze the
        axis labels)."""
        if columns == self._chart_columns:
            return
        self._chart_columns = columns
        for index, key in enumerate(CHART_KEYS):
            self.chart_grid.addWidget(self.charts[key], index // columns, index % columns)

    def _show_lists(self) -> None:
        """A tab chosen (Alt+W, Alt+C, Alt+U) below the charts is scrolled into view on a short screen."""
        area = self.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        if area is not None:
            area.ensureWidgetVisible(self.lists, 0, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_charts(1 if event.size().width() < NARROW else 2)

    # -- Page -----------------------------------------------------------------------------------

    def nav_title(self) -> str:
        return _("Dashboard")

    def nav_icon(self) -> QIcon:
        return icons.icon(icons.DASHBOARD)

    def retranslate_ui(self) -> None:
        self.title.setText(_("Dashboard"))
        self.from_label.setText(_("Fro&m"))
        self.to_label.setText(_("&To"))
        self.granularity_label.setText(_("&Per"))
        current = self.granularity.currentData() or Granularity.MONTH.value
        self.granularity.blockSignals(True)
        self.granularity.clear()
        self.granularity.addItem(_("Week"), Granularity.WEEK.value)
        self.granularity.addItem(_("Month"), Granularity.MONTH.value)
        self.granularity.setCurrentIndex(self.granularity.findData(current))
        self.granularity.blockSignals(False)
        self.refresh_button.setText(_("&Refresh"))
        titles = {"trend": _("Complaints received"), "pareto": _("Top causes (Pareto)"),
                  "branches": _("Cases by branch (overdue part in red)"), "satisfaction": _("Satisfaction trend")}
        for key, box in self.charts.items():
            box.setTitle(titles[key])
            box.view.setAccessibleName(titles[key])
            box.export_button.setText(_("Save as PNG…"))
            box.export_button.setAccessibleName(_("Save the chart {name} as a PNG image").format(name=titles[key]))
        self.warning_box.setTitle(_("Early warnings: causes rising well above a branch's own baseline"))
        self.warning_table.setHorizontalHeaderLabels([_("Branch"), _("Cause"), _("Period"), _("Cases"),
                                                 _("Baseline average"), _("× baseline")])
        self.action_box.setTitle(_("Improvement actions"))
        self.action_table.setHorizontalHeaderLabels([_("Improvement action"), _("Branch"), _("Cause"), _("Owner"),
                                                _("Due date"), _("State")])
        for index, text in enumerate((_("Early &warnings"), _("Improvement a&ctions"), _("Prevention f&unnel"))):
            self.lists.setTabText(index, text)
        self.prevention.retranslate_ui()
        self._update_scope()
        if self.data is not None:
            self.set_dashboard(self.data)
            if self._data_in != current_language():
                self.refresh()

    def _update_scope(self) -> None:
        if self.data is None:
            self.scope.setText(_("Loading…") if self._loading else "")
        else:
            self.scope.setText(_("{scope} · {n} cases · as of {today}").format(
                scope=self.data.scope_label, n=self.data.total, today=self.data.today.isoformat()))

    # -- loading ---------------------------------------------------------------------------------

    def query(self) -> DashboardQuery:
        return DashboardQuery(_date(self.date_from.date()), _date(self.date_to.date()),
                              granularity=Granularity(self.granularity.currentData() or Granularity.MONTH.value),
                              timezone=self._ctx.config.office_timezone)

    def refresh(self) -> None:
        if self._loading:
            return
        self._loading = True
        self._asked_in = current_language()
        self._update_scope()
        backend, actor, query, today = self._ctx.backend, self._actor, self.query(), self._today()

        run_call(self, lambda: backend.call(actor, dashboard_data, query, today=today), self._loaded, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self._update_scope()
        show_error(self, exc)

    def _loaded(self, result: Dashboard) -> None:
        self._loading = False
        self._data_in = self._asked_in
        self.set_dashboard(result)
        if self._data_in != current_language():  # switched while loading: the labels again in the new one
            self.refresh()

    # -- drawing ---------------------------------------------------------------------------------

    def set_dashboard(self, data: Dashboard) -> None:
        self.data = data
        self._update_scope()
        g = data.query.granularity
        self._trend(data, g)
        self._pareto(data)
        self._branches(data)
        self._satisfaction(data, g)
        fill_texts(self.warning_table, [
            (f"{w.branch_code} {w.branch_name}", f"{w.cause_code} {w.cause_name}", w.period_start.isoformat(),
             str(w.count), f"{w.baseline_average:.1f}", f"{w.ratio:.1f}" if w.ratio else "—")
            for w in data.warnings])
        fill_texts(self.action_table, [
            (a.title, a.branch_code or _("all branches"), f"{a.cause_code} {a.cause_name}".strip(), a.owner,
             a.due_on.isoformat() if a.due_on else "", a.state_name + (" ⚠" if a.overdue else ""))
            for a in data.actions])
        self.prevention.set_funnel(data.funnel)

    def _axes(self, box: ChartBox, series: QBarSeries | QStackedBarSeries | QLineSeries, labels: list[str],
              maximum: float, y_title: str) -> tuple[QBarCategoryAxis, QValueAxis]:
        x = QBarCategoryAxis()
        x.append(labels or [""])
        x.setTruncateLabels(False)  # "26-01" in full, not "2…", when the bars are narrow
        if len(labels) > 8:
            x.setLabelsAngle(-60)
        y = QValueAxis()
        # At least 0–10: Qt Charts elides the axis title to "⋮" when every tick label is one character wide.
        y.setRange(0, max(maximum, 9) * 1.1)
        y.applyNiceNumbers()  # ticks at round counts (0, 10, 20…), not at 0, 8.25, 16.5…
        y.setLabelFormat("%d")
        y.setTitleText(y_title)
        box.chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        box.chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)
        return x, y

    def _trend(self, data: Dashboard, g: Granularity) -> None:
        box = self.charts["trend"]
        box.reset()
        bars = QBarSet(_("Cases"))
        bars.setColor(BLUE)
        bars.append([float(p.count) for p in data.trend])
        series = QBarSeries()
        series.append(bars)
        box.chart.addSeries(series)
        box.chart.legend().hide()
        self._axes(box, series, [_bucket_label(p.start, g) for p in data.trend],
                   max((p.count for p in data.trend), default=0), _("Cases"))
        bars.clicked.connect(lambda index: self._emit(
            CaseFilter(received_from=data.trend[index].start, received_to=data.trend[index].end,
                       office_tz=data.query.timezone)))

    def _pareto(self, data: Dashboard) -> None:
        box = self.charts["pareto"]
        box.reset()
        bars = QBarSet(_("Cases"))
        bars.setColor(BLUE)
        bars.append([float(p.count) for p in data.pareto])
        series = QBarSeries()
        series.append(bars)
        line = QLineSeries()
        line.setName(_("Cumulative share (%)"))
        line.setPen(QPen(ORANGE, 2))
        line.setPointsVisible(True)
        for index, row in enumerate(data.pareto):
            line.append(index, 100 * (row.cumulative_share or 0))
        box.chart.addSeries(series)
        box.chart.addSeries(line)
        labels = [f"{p.code} {_short(p.name)}" for p in data.pareto]  # names, not codes only
        x, _y = self._axes(box, series, labels, max((p.count for p in data.pareto), default=0), _("Cases"))
        if len(labels) > 3:
            x.setLabelsAngle(-45)
        share = QValueAxis()
        share.setRange(0, 100)
        share.setLabelFormat("%d%%")
        box.chart.addAxis(share, Qt.AlignmentFlag.AlignRight)
        line.attachAxis(x)
        line.attachAxis(share)
        box.view.setToolTip("\n".join(f"{p.code} {p.name}: {p.count}" for p in data.pareto))
        bars.clicked.connect(lambda index: self._emit(
            CaseFilter(axis_c=data.pareto[index].code, received_from=data.query.date_from,
                       received_to=data.query.date_to, office_tz=data.query.timezone)))

    def _branches(self, data: Dashboard) -> None:
        box = self.charts["branches"]
        box.reset()
        in_time = QBarSet(_("On time or not yet due"))
        in_time.setColor(BLUE)
        late = QBarSet(_("Overdue"))
        late.setColor(RED)
        in_time.append([float(b.count - b.overdue) for b in data.branches])
        late.append([float(b.overdue) for b in data.branches])
        series = QStackedBarSeries()
        series.append(in_time)
        series.append(late)
        box.chart.addSeries(series)
        box.chart.legend().show()
        labels = [f"{b.code} ({(b.overdue_share or 0):.0%})" for b in data.branches]
        self._axes(box, series, labels, max((b.count for b in data.branches), default=0), _("Cases"))

        def branch_filter(index: int, overdue: bool) -> None:
            bar = data.branches[index]
            self._emit(CaseFilter(branch_ids=frozenset({bar.id}), overdue=overdue, received_from=data.query.date_from,
                                  received_to=data.query.date_to, office_tz=data.query.timezone))

        in_time.clicked.connect(lambda index: branch_filter(index, False))
        late.clicked.connect(lambda index: branch_filter(index, True))

    def _satisfaction(self, data: Dashboard, g: Granularity) -> None:
        box = self.charts["satisfaction"]
        box.reset()
        line = QLineSeries()
        line.setName(_("Average score (1–5)"))
        line.setPen(QPen(BLUE, 2))
        line.setPointsVisible(True)
        for index, point in enumerate(data.satisfaction):
            if point.average is not None:
                line.append(index, point.average)
        box.chart.addSeries(line)
        box.chart.legend().hide()
        if line.count() == 0:
            box.chart.setTitle(_("No follow-up call with a satisfaction score in this period."))
        _x, y = self._axes(box, line, [_bucket_label(p.start, g) for p in data.satisfaction], 5, _("Score"))
        y.setRange(0, 5)
        y.setTickCount(6)
        y.setLabelFormat("%.1f")  # averages; and one-character labels would make Qt elide the title to "⋮"

    def _emit(self, flt: CaseFilter) -> None:
        self.sig_filter_requested.emit(flt)

    # -- export -----------------------------------------------------------------------------------

    def export_chart(self, key: str, path: Path) -> bool:
        return self.charts[key].save_png(path)

    def _ask_export(self, key: str) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, _("Save the chart as a PNG image"),
                                                    f"{key}-{self._today().isoformat()}.png", _("PNG images (*.png)"))
        if not name:
            return
        if not self.export_chart(key, Path(name)):
            show_error(self, OSError(_("The image could not be written to {path}.").format(path=name)))
            return
        show_saved(self, Path(name), _("The chart is saved as an image."))
