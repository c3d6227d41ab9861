"""The offer a dialog makes when an approved job wants more of a part than the shelf
holds: say so under the banner, where the user is looking, with one button that takes
what there is and puts the rest on special order (the service's ``special_order``)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from mechanic_desktop.domain.errors import ShortStock


class SpecialOrderOffer(QFrame):
    """Hidden until :meth:`offer`; ``accepted`` when the user takes it."""

    accepted = Signal()

    def __init__(self, parent: QWidget, prefix: str, layout: QVBoxLayout, after: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName(f"{prefix}SpecialOrder")
        self.setStyleSheet(
            f"QFrame#{prefix}SpecialOrder {{ background: #fff7e0; border: 1px solid #e8c66a;"
            " border-radius: 4px; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        self.text = QLabel(self)
        self.text.setObjectName(f"{prefix}SpecialOrderText")
        self.text.setAccessibleName("Special order offer")
        self.text.setWordWrap(True)
        row.addWidget(self.text, 1)
        self.button = QPushButton("Special &order the rest", self)
        self.button.setObjectName(f"{prefix}SpecialOrderButton")
        self.button.setAccessibleName("Special order the rest")
        self.button.setToolTip("Take what the shelf has now; the rest waits as a \"To "
                               "order\" line until the stock arrives (Take from stock).")
        self.button.clicked.connect(self.accepted)
        row.addWidget(self.button)
        layout.insertWidget(layout.indexOf(after) + 1, self)
        self.hide()

    def offer(self, error: ShortStock | str) -> None:
        self.text.setText(error.offer() if isinstance(error, ShortStock) else error)
        self.setVisible(bool(self.text.text()))
