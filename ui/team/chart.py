"""The team chart (QtCharts): open and overdue cases per handler or branch, the most loaded first."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from desk_app.i18n import _
from ui.team.model import FigureRow

#: At most this many bars (the most open cases); the table lists everyone.
CHART_LIMIT = 15
_OPEN, _OVERDUE = QColor("#2f6db5"), QColor("#c0392b")


class LoadChart(QChartView):
    def __init__(self, parent: QWidget | None = None) -> None:
        self.chart_ = QChart()
        self.chart_.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        super().__init__(self.chart_, parent)
        self.setObjectName("teamChart")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)
        self.categories: list[str] = []

    def show_rows(self, rows: Sequence[FigureRow]) -> None:
        chart = self.chart_
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        top = sorted(rows, key=lambda r: (-r.open_cases, -r.overdue, r.name))[:CHART_LIMIT]
        self.categories = [r.name for r in top]
        open_set, overdue_set = QBarSet(_("Open")), QBarSet(_("Overdue"))
        open_set.setColor(_OPEN)
        overdue_set.setColor(_OVERDUE)
        open_set.append([float(r.open_cases) for r in top])
        overdue_set.append([float(r.overdue) for r in top])
        series = QBarSeries()
        series.append(open_set)
        series.append(overdue_set)
        chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append(self.categories or [""])
        x.setTruncateLabels(False)
        y = QValueAxis()
        y.setRange(0, max((r.open_cases for r in top), default=0) * 1.1 or 10)
        y.applyNiceNumbers()
        y.setLabelFormat("%d")
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        chart.setTitle(_("Open and overdue cases (the {n} most loaded)").format(n=len(top)))
        self.setAccessibleName(_("Chart of open and overdue cases"))
