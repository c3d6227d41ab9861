"""Stock page: parts with on-hand counts; rows at or below the reorder level stand out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QDialog, QWidget

from mechanic_desktop.services import parts
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.part import PartDialog
from mechanic_desktop.ui.models.tables import PARTS
from mechanic_desktop.ui.operations import Changes
from mechanic_desktop.ui.pages.list_page import ListPage


class StockPage(ListPage):
    key = "stock"
    singular = "part"
    plural = "parts"
    search_hint = "SKU or part name…"
    watches = frozenset({"part", "ticket"})

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        uow = ui.uow
        super().__init__(ui, PARTS, lambda q: parts.list_parts(uow, q), parent)

    def add_filters(self) -> None:
        self.low_stock = QCheckBox("Low stock only", self)
        self.low_stock.setObjectName("stockLowOnly")
        self.low_stock.setAccessibleName("Show low-stock parts only")
        self.low_stock.setToolTip("Parts at or below their reorder level")
        self.low_stock.toggled.connect(lambda checked: self.model.set_filter("low_stock", checked))
        self.filters.addWidget(self.low_stock)

    def make_dialog(self, record: Any | None) -> QDialog:
        return PartDialog(self.ui, record, self.window())

    def load_record(self, row_id: int) -> Callable[[], Any]:
        uow = self.ui.uow
        return lambda: parts.get_part(uow, row_id)

    def delete_job(self, row: Any) -> tuple[Callable[[], Any], Changes]:
        uow, row_id = self.ui.uow, row.id
        return lambda: parts.delete_part(uow, row_id), Changes.of("part", row_id)

    def describe(self, row: Any) -> str:
        return f"{row.sku} ({row.name})"
