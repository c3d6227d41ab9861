"""Receive a supplier's delivery in one go: scan or type each SKU, the count and the
unit cost from the delivery note, then book every line in one transaction.

Keyboard first, as at a counter with a scanner: the SKU box has the focus; a scanner
types the SKU and Return, which adds the part with the quantity and cost beside it (a
second scan of the same SKU adds to its line) and leaves the focus in the SKU box for
the next one. Quantities and costs can be corrected in the table before booking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from mechanic_desktop.domain.errors import DomainError
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import PartRecord
from mechanic_desktop.services import stock
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.form import EditorDialog, button, line_edit
from mechanic_desktop.ui.dialogs.styles import note_label
from mechanic_desktop.ui.operations import alive

COLUMNS = ("SKU", "Part", "Quantity", "Unit cost", "On hand after")
QTY, COST = 2, 3


@dataclass
class _Line:
    part: PartRecord
    quantity: int
    cost: str


class _ReturnAdds(QObject):
    """Return in the SKU, count or cost box adds the line (and never presses the
    dialog's Receive)."""

    def __init__(self, dialog: ReceiveDeliveryDialog) -> None:
        super().__init__(dialog)
        self.dialog = dialog

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.dialog.add_scanned()
            return True
        return False


class ReceiveDeliveryDialog(EditorDialog):
    needs = Action.RECEIVE_STOCK

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, "delivery", "Receive a delivery", parent)
        self.setMinimumSize(760, 520)
        self.lines: list[_Line] = []
        self._filling = False

        self.sku = line_edit(self, "", "scan or type a SKU, then Return", 40)
        self.quantity = QSpinBox(self)
        self.quantity.setObjectName("deliveryQuantity")
        self.quantity.setAccessibleName("Quantity")
        self.quantity.setRange(1, stock.MAX_STOCK)
        self.cost = line_edit(self, "", "unit cost", 14)
        self.cost.setToolTip("The unit cost on the delivery note (leave empty to keep the "
                             "part's cost)")
        self.add_button = button(self, "&Add line", "deliveryAdd")
        self.add_button.clicked.connect(self.add_scanned)
        row = QWidget(self)
        scan = QHBoxLayout(row)
        scan.setContentsMargins(0, 0, 0, 0)
        scan.addWidget(self.sku, 3)
        scan.addWidget(QLabel("×", row))
        scan.addWidget(self.quantity, 1)
        scan.addWidget(QLabel("at", row))
        scan.addWidget(self.cost, 1)
        scan.addWidget(self.add_button)
        self.add_field("sku", "&SKU:", row)
        self.sku.setObjectName("deliverySkuInput")
        self.sku.setAccessibleName("SKU")
        for box in (self.sku, self.quantity, self.cost):
            box.installEventFilter(_ReturnAdds(self))
        self.note = line_edit(self, "", "supplier, delivery note number… (optional)",
                              stock.MAX_NOTE)
        self.add_field("note", "&Note:", self.note)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("deliveryLines")
        self.table.setAccessibleName("Delivery lines")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 120), (QTY, 80), (COST, 90), (4, 110)):
            self.table.setColumnWidth(column, width)
        self.table.itemChanged.connect(self._cell_edited)
        self.extra.addWidget(self.table, 1)
        self.summary = note_label(self)
        self.summary.setObjectName("deliverySummary")
        self.extra.addWidget(self.summary)
        self.remove_button = button(self, "Re&move line", "deliveryRemove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.extra.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.save_button.setText("&Receive")
        self.save_button.setAccessibleName("Receive")
        self._show_lines()
        self.sku.setFocus()

    # -- adding lines -----------------------------------------------------------------

    def add_scanned(self) -> None:
        """Look the SKU up (on the worker) and add the part with the count and cost."""
        code = self.sku.text()
        if not code.strip():
            return
        quantity, cost = self.quantity.value(), self.cost.text().strip()
        self.ui.worker.read(lambda uow: stock.find_part_by_sku(uow, code),
                            alive(self, lambda part: self._add(part, quantity, cost)),
                            alive(self, self._not_found))

    def _add(self, part: PartRecord, quantity: int, cost: str) -> None:
        for line in self.lines:
            if line.part.id == part.id:
                line.quantity += quantity
                line.cost = cost or line.cost
                break
        else:
            self.lines.append(_Line(part, quantity, cost))
        self.mark_changed()
        self.sku.clear()
        self.quantity.setValue(1)
        self.cost.clear()
        self._set_banner("")
        self._show_lines()
        self.sku.setFocus()

    def _not_found(self, error: BaseException) -> None:
        self._set_banner(str(error) if isinstance(error, DomainError)
                         else f"Could not look the SKU up: {error}")
        self.sku.selectAll()
        self.sku.setFocus()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            del self.lines[row]
        if rows:
            self.mark_changed()
            self._show_lines()

    # -- the table ---------------------------------------------------------------------

    def _show_lines(self) -> None:
        self._filling = True
        self.table.setRowCount(len(self.lines))
        for row, line in enumerate(self.lines):
            cells = (line.part.sku, line.part.name, str(line.quantity),
                     line.cost or f"{line.part.unit_cost:.2f}",
                     f"{line.part.quantity_on_hand + line.quantity:,}")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column not in (QTY, COST):
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if column in (QTY, COST, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self._filling = False
        units = sum(line.quantity for line in self.lines)
        self.summary.setText(f"{len(self.lines)} part{'s' if len(self.lines) != 1 else ''}, "
                             f"{units:,} unit{'s' if units != 1 else ''}" if self.lines else
                             "Nothing yet: scan or type the first SKU.")
        self.remove_button.setEnabled(bool(self.lines))
        self.revalidate()

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        """A quantity or cost corrected in the table (checked again when booking)."""
        if self._filling or item.row() >= len(self.lines):
            return
        line = self.lines[item.row()]
        if item.column() == QTY:
            text = item.text().replace(",", "").strip()
            line.quantity = int(text) if text.isdecimal() else 0
        elif item.column() == COST:
            line.cost = item.text().strip()
        self.mark_changed()

    def form_ready(self) -> bool:
        return bool(self.lines)

    def job(self) -> Operation[Any]:
        lines = [stock.DeliveryLine(line.part.id, line.quantity, line.cost)
                 for line in self.lines]
        note = self.note.text()
        return lambda uow: stock.receive_delivery(uow, lines, note)
