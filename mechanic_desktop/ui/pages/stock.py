"""Stock page: parts with on-hand counts; rows at or below the reorder level stand out.

On-hand only changes through movements, so the page offers them for the selected part:
receive a delivery, correct a count, and read the part's ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QDialog, QMenu, QToolBar, QVBoxLayout, QWidget

from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import PartRow
from mechanic_desktop.services import parts
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.models.tables import PARTS
from mechanic_desktop.ui.operations import alive
from mechanic_desktop.ui.pages.list_page import ListPage
from mechanic_desktop.ui.pages.tickets import name_tool_button
from mechanic_desktop.ui.permission_gate import gate, show_reasons

if TYPE_CHECKING:  # the dialogs are imported when first opened (start-up time)
    from mechanic_desktop.ui.dialogs.stock_moves import (
        AdjustStockDialog,
        MovementsDialog,
        ReceiveStockDialog,
    )


class StockPage(ListPage):
    key = "stock"
    singular = "part"
    plural = "parts"
    search_hint = "SKU or part name…"
    watches = frozenset({"part", "ticket"})

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, PARTS, parts.list_parts, parent)
        self.movements: MovementsDialog | None = None
        self._make_stock_actions()
        self.selection_changed.connect(self.update_stock_actions)
        self.update_stock_actions()

    def _make_stock_actions(self) -> None:
        """A toolbar under the search row, and the same actions on right-click."""
        bar = QToolBar("Selected part", self)
        bar.setObjectName("stockActions")
        bar.setAccessibleName("Actions on the selected part")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.receive_action = self._stock_action(
            "stockReceiveAction", "&Receive stock…", self.receive_stock,
            "Book a delivery of the selected part")
        self.adjust_action = self._stock_action(
            "stockAdjustAction", "Adjust &count…", self.adjust_stock,
            "Correct on-hand to what was counted on the shelf, with a reason")
        self.movements_action = self._stock_action(
            "stockMovementsAction", "&Movements…", self.show_movements,
            "Every change to the selected part's stock, newest first")
        self.delivery_action = self._stock_action(
            "stockDeliveryAction", "Receive a &delivery…", self.receive_delivery,
            "Book a supplier's delivery: scan or type each SKU with its count and unit "
            "cost (Ctrl+Shift+R)")
        self.delivery_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.delivery_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.delivery_action)
        for action in (self.receive_action, self.adjust_action, self.movements_action):
            bar.addAction(action)
            name_tool_button(bar, action)
        bar.addSeparator()
        bar.addAction(self.delivery_action)
        name_tool_button(bar, self.delivery_action)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)  # ListPage's: search row, then the table
        layout.insertWidget(1, bar)
        self.stock_bar = bar
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)

    def _stock_action(self, name: str, text: str, slot: Callable[[], None], tip: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setToolTip(tip)
        action.triggered.connect(lambda _c=False: slot())
        return action

    def selected_part(self) -> PartRow | None:
        row = self.selected_row()
        return row if isinstance(row, PartRow) else None

    def update_stock_actions(self) -> None:
        """Enabled when the role may (and a part is chosen where one is needed); a role
        that may not finds the reason in the tooltip, as the service would say it."""
        chosen = self.selected_part() is not None
        gate(self.receive_action, self.ui, Action.RECEIVE_STOCK, ready=chosen)
        gate(self.adjust_action, self.ui, Action.ADJUST_STOCK, ready=chosen)
        self.movements_action.setEnabled(chosen)
        gate(self.delivery_action, self.ui, Action.RECEIVE_STOCK)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid() or self.model.row_at(index.row()) is None:
            return
        self.table.selectRow(index.row())
        menu = QMenu(self)
        menu.setObjectName("stockContextMenu")
        show_reasons(menu)
        edit = menu.addAction("&Edit part…")
        edit.triggered.connect(lambda _c=False: self.edit_selected())
        gate(edit, self.ui, Action.EDIT_PARTS)
        menu.addSeparator()
        for action in (self.receive_action, self.adjust_action, self.movements_action):
            menu.addAction(action)
        self.context_menu = menu
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def receive_stock(self) -> None:
        part = self.selected_part()
        if part is not None:
            from mechanic_desktop.ui.dialogs.stock_moves import ReceiveStockDialog

            self._open_stock_dialog(ReceiveStockDialog(self.ui, part, self.window()))

    def receive_delivery(self) -> None:
        """Several parts at once, each with the unit cost on the delivery note."""
        from mechanic_desktop.ui.dialogs.receive_delivery import ReceiveDeliveryDialog

        dialog = ReceiveDeliveryDialog(self.ui, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(alive(self, lambda records: self.message.emit(
            f"Received {len(records)} part{'s' if len(records) != 1 else ''} into stock.")))
        self.dialog = dialog
        dialog.open()

    def adjust_stock(self) -> None:
        part = self.selected_part()
        if part is not None:
            from mechanic_desktop.ui.dialogs.stock_moves import AdjustStockDialog

            self._open_stock_dialog(AdjustStockDialog(self.ui, part, self.window()))

    def _open_stock_dialog(self, dialog: ReceiveStockDialog | AdjustStockDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._saved)
        dialog.saved.connect(alive(self, lambda rec: self.message.emit(
            f"{rec.sku}: {rec.quantity_on_hand:,} on hand.")))
        self.dialog = dialog
        dialog.open()

    def show_movements(self) -> None:
        """The ledger opens beside the page (not modal), so the table stays usable."""
        part = self.selected_part()
        if part is None:
            return
        from mechanic_desktop.ui.dialogs.stock_moves import MovementsDialog

        dialog = MovementsDialog(self.ui, part, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.movements = dialog
        dialog.show()

    def add_filters(self) -> None:
        self.low_stock = QCheckBox("Low stock only", self)
        self.low_stock.setObjectName("stockLowOnly")
        self.low_stock.setAccessibleName("Show low-stock parts only")
        self.low_stock.setToolTip("Parts at or below their reorder level")
        self.low_stock.toggled.connect(lambda checked: self.model.set_filter("low_stock", checked))
        self.filters.addWidget(self.low_stock)

    def found_by(self, record: Any) -> str | None:
        return str(record.sku)

    def make_dialog(self, record: Any | None) -> QDialog:
        from mechanic_desktop.ui.dialogs.part import PartDialog

        return PartDialog(self.ui, record, self.window())

    def load_record(self, row_id: int) -> Operation[Any]:
        return lambda uow: parts.get_part(uow, row_id)

    def delete_job(self, row: Any) -> Operation[Any]:
        row_id = row.id
        return lambda uow: parts.delete_part(uow, row_id)

    def describe(self, row: Any) -> str:
        return f"{row.sku} ({row.name})"
