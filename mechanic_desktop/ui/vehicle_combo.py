"""A vehicle chooser whose VIN always shows whole.

Items read "year make model (plate) · VIN". A plain combo box cuts the end, which is
the VIN — the one part a clerk reads back to the customer. This one shortens the
description instead and keeps " · VIN" intact; the whole text stays in the tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QPaintEvent
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter

SEPARATOR = " · "


def elide_title(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` fitted into ``width`` pixels by shortening what comes before the VIN."""
    title, sep, vin = text.rpartition(SEPARATOR)
    if not sep or metrics.horizontalAdvance(text) <= width:
        return text
    room = max(0, width - metrics.horizontalAdvance(sep + vin))
    return metrics.elidedText(title, Qt.TextElideMode.ElideRight, room) + sep + vin


class VehicleCombo(QComboBox):
    def shown_text(self) -> str:
        """What the closed box shows for its current item at its current width."""
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option,
            QStyle.SubControl.SC_ComboBoxEditField, self)
        return elide_title(option.currentText, self.fontMetrics(), field.width() - 4)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        option.currentText = self.shown_text()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
