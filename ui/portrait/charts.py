"""The portrait's two charts (QtCharts): the six-dimension radar and the emotion/risk trend."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import QCategoryAxis, QChart, QChartView, QLineSeries, QPolarChart, QValueAxis
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from desk_app.domain.portrait import DIMENSIONS, LEVELS, Dimension
from desk_app.i18n import _
from desk_app.services.portraits import TrendPoint

CURRENT = QColor("#1f3a5f")
SAVED = QColor("#9aa5b1")
EMOTION = QColor("#b23a3a")
RISK = QColor("#1f5fa8")


def _pen(color: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(color)
    pen.setWidthF(width)
    pen.setStyle(style)
    return pen


class RadarChart(QChartView):
    """The six ratings on a polar chart: the ratings being edited, and the last saved version dashed."""

    STEP = 360.0 / len(Dimension)

    def __init__(self, parent: QWidget | None = None) -> None:
        self.chart_ = QPolarChart()
        super().__init__(self.chart_, parent)
        self.setObjectName("portraitRadar")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(260, 260)
        self.chart_.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_.setMargins(QMargins(4, 4, 4, 4))
        self.current = QLineSeries()
        self.current.setPen(_pen(CURRENT, 2.5))
        self.current.setPointsVisible(True)
        self.saved = QLineSeries()
        self.saved.setPen(_pen(SAVED, 1.5, Qt.PenStyle.DashLine))
        self.angular = QCategoryAxis()
        self.angular.setRange(0, 360)
        self.angular.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        self.radial = QValueAxis()
        self.radial.setRange(0, max(LEVELS))
        self.radial.setTickCount(len(LEVELS) + 1)
        self.radial.setLabelFormat("%d")
        self.chart_.addAxis(self.angular, QPolarChart.PolarOrientation.PolarOrientationAngular)
        self.chart_.addAxis(self.radial, QPolarChart.PolarOrientation.PolarOrientationRadial)
        for series in (self.saved, self.current):
            self.chart_.addSeries(series)
            series.attachAxis(self.angular)
            series.attachAxis(self.radial)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        for label in list(self.angular.categoriesLabels()):
            self.angular.remove(label)
        for index, dimension in enumerate(Dimension):
            self.angular.append(DIMENSIONS[dimension].name.text(), index * self.STEP)
        self.current.setName(_("Now"))
        self.saved.setName(_("Last saved"))
        self.setAccessibleName(_("Portrait radar chart"))

    @classmethod
    def _points(cls, values: Sequence[float]) -> list[QPointF]:
        points = [QPointF(index * cls.STEP, value) for index, value in enumerate(values)]
        return [*points, QPointF(360.0, values[0])] if points else []

    def set_current(self, values: Sequence[float]) -> None:
        self.current.replace(self._points(values))
        self.setAccessibleDescription(", ".join(f"{DIMENSIONS[d].name.text()} {int(v)}"
                                                for d, v in zip(Dimension, values, strict=True)))

    def set_saved(self, values: Sequence[float] | None) -> None:
        self.saved.replace(self._points(values) if values else [])
        self.saved.setVisible(bool(values))

    def current_values(self) -> list[float]:
        """The plotted ratings, one per dimension (the closing point left out)."""
        return [p.y() for p in self.current.points()[:len(Dimension)]]


class TrendChart(QChartView):
    """Emotion and risk over the portrait versions of this case and the customer's earlier cases."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.chart_ = QChart()
        super().__init__(self.chart_, parent)
        self.setObjectName("portraitTrend")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(170)
        self.chart_.setMargins(QMargins(4, 4, 4, 4))
        self.chart_.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.emotion = QLineSeries()
        self.emotion.setPen(_pen(EMOTION, 2))
        self.emotion.setPointsVisible(True)
        self.risk = QLineSeries()
        self.risk.setPen(_pen(RISK, 2, Qt.PenStyle.DashLine))
        self.risk.setPointsVisible(True)
        self.x_axis = QValueAxis()
        self.x_axis.setLabelFormat("%d")
        self.y_axis = QValueAxis()
        self.y_axis.setRange(0, max(LEVELS))
        self.y_axis.setTickCount(len(LEVELS) + 1)
        self.y_axis.setLabelFormat("%d")
        self.chart_.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart_.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in (self.emotion, self.risk):
            self.chart_.addSeries(series)
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)
        self.points: list[TrendPoint] = []
        self.set_points([])
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.emotion.setName(DIMENSIONS[Dimension.EMOTION].name.text())
        self.risk.setName(DIMENSIONS[Dimension.RISK].name.text())
        self.chart_.setTitle(_("Emotion and risk over the portrait versions"))
        self.x_axis.setTitleText(_("Version (this case and earlier cases)"))
        self.setAccessibleName(_("Emotion and risk trend"))

    def set_points(self, points: Sequence[TrendPoint]) -> None:
        self.points = list(points)
        self.emotion.replace([QPointF(i, p.emotion) for i, p in enumerate(points, 1)])
        self.risk.replace([QPointF(i, p.risk) for i, p in enumerate(points, 1)])
        self.x_axis.setRange(1, max(2, len(points)))
        self.x_axis.setTickCount(max(2, len(points)) if len(points) <= 12 else 12)
        self.setAccessibleDescription("; ".join(
            f"{p.case_number} v{p.version_no}: {p.emotion}/{p.risk}" for p in points))

    def values(self) -> dict[str, list[float]]:
        return {"emotion": [p.y() for p in self.emotion.points()], "risk": [p.y() for p in self.risk.points()]}
