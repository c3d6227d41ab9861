"""Report charts (Qt Charts): a horizontal bar chart for the mechanic ranking and a
line chart for revenue. Both repaint in the application's light or dark palette when
it changes, so a chart never stays white on a dark desktop."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QEvent, QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget

from mechanic_desktop.ui import theme


class ReportChart(QChartView):
    """A chart view that follows the palette; subclasses fill ``self.chart()``."""

    def __init__(self, name: str, accessible: str, parent: QWidget | None = None) -> None:
        super().__init__(QChart(), parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(260, 200)
        chart = self.chart()
        chart.legend().hide()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.apply_palette()

    def accent(self) -> QColor:
        return theme.accent(self.palette())

    def apply_palette(self) -> None:
        pal = self.palette()
        chart = self.chart()
        chart.setTheme(QChart.ChartTheme.ChartThemeDark if theme.is_dark(pal)
                       else QChart.ChartTheme.ChartThemeLight)
        chart.setBackgroundBrush(pal.color(QPalette.ColorRole.Base))
        chart.setBackgroundRoundness(0)
        chart.setTitleBrush(pal.color(QPalette.ColorRole.Text))
        for axis in chart.axes():
            axis.setLabelsColor(pal.color(QPalette.ColorRole.Text))
            axis.setGridLineColor(pal.color(QPalette.ColorRole.Mid))
            axis.setLinePenColor(pal.color(QPalette.ColorRole.Mid))
        chart.legend().hide()
        self.setBackgroundBrush(pal.color(QPalette.ColorRole.Window))
        self.recolor()

    def recolor(self) -> None:
        """Give the series the accent colour (a theme change resets it)."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.apply_palette()
        super().changeEvent(event)

    def _clear(self) -> None:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)


class RankingChart(ReportChart):
    """Completed tickets per mechanic, best at the top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("rankingChart", "Completed tickets per mechanic chart", parent)
        self.bars: QBarSet | None = None
        self.names: list[str] = []
        self.values: list[int] = []

    def set_data(self, names: Sequence[str], values: Sequence[int], title: str) -> None:
        self._clear()
        self.names, self.values = list(names)[::-1], list(values)[::-1]
        chart = self.chart()
        chart.setTitle(title)
        bars = QBarSet("Completed tickets")
        bars.append([float(v) for v in self.values])
        series = QHorizontalBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append(self.names or [""])
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(categories)
        axis = QValueAxis()
        top = max([*self.values, 1])
        axis.setLabelFormat("%d")
        if top <= 10:  # whole-number ticks: 0, 1, 2 … tickets
            axis.setRange(0, top)
            axis.setTickCount(top + 1)
        else:
            axis.setRange(0, top)
            axis.applyNiceNumbers()
        chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis)
        self.bars = bars
        self.apply_palette()

    def recolor(self) -> None:
        if getattr(self, "bars", None) is not None and self.bars is not None:
            self.bars.setColor(self.accent())
            self.bars.setBorderColor(self.accent())
            self.bars.setLabelColor(self.palette().color(QPalette.ColorRole.Text))


class RevenueChart(ReportChart):
    """Total billed per week or month as a line with points."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("revenueChart", "Revenue chart", parent)
        self.line: QLineSeries | None = None
        self.labels: list[str] = []
        self.values: list[float] = []

    def set_data(self, labels: Sequence[str], values: Sequence[Decimal], title: str) -> None:
        self._clear()
        self.labels, self.values = list(labels), [float(v) for v in values]
        chart = self.chart()
        chart.setTitle(title)
        line = QLineSeries()
        line.setName("Total")
        line.setPointsVisible(True)
        for i, value in enumerate(self.values):
            line.append(QPointF(i, value))
        chart.addSeries(line)
        categories = QBarCategoryAxis()
        categories.append(self.labels or [""])
        # Slanted once they would share the width too thinly, and never cut to "…".
        categories.setLabelsAngle(-90 if len(self.labels) > 4 else 0)
        categories.setTruncateLabels(False)
        chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        line.attachAxis(categories)
        axis = QValueAxis()
        top = max([*self.values, 1.0])
        axis.setRange(0, top * 1.15)
        axis.setLabelFormat("%.0f")
        axis.applyNiceNumbers()
        chart.addAxis(axis, Qt.AlignmentFlag.AlignLeft)
        line.attachAxis(axis)
        self.line = line
        self.apply_palette()

    def recolor(self) -> None:
        if getattr(self, "line", None) is not None and self.line is not None:
            pen = QPen(self.accent())
            pen.setWidth(3)
            self.line.setPen(pen)
