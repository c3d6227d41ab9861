"""Stock movements from the Stock page: receive a delivery, correct a count, and read a
part's ledger (every change to on-hand, newest first, paged like any table)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import PartRecord, PartRow, StockMovementRow
from mechanic_desktop.services import parts, stock
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import EditorDialog, line_edit
from mechanic_desktop.ui.dialogs.styles import NOTE_STYLE, note_label
from mechanic_desktop.ui.dialogs.work_common import compact_table
from mechanic_desktop.ui.models.columns import RIGHT, Column, TableSpec, when
from mechanic_desktop.ui.models.paged_model import PagedTableModel
from mechanic_desktop.ui.operations import alive

PartLike = PartRow | PartRecord

REASONS = {
    "initial": "Opening stock",
    "receive": "Received",
    "ticket": "Taken for ticket",
    "return": "Returned from ticket",
    "cancel": "Ticket cancelled",
    "adjust": "Count corrected",
}
IN_COLOUR = QColor(46, 125, 50)
OUT_COLOUR = QColor(179, 38, 30)


def _whole(text: str) -> int:
    return int(text.strip().replace(",", ""))


def _signed(quantity: int) -> str:
    return f"+{quantity:,}" if quantity > 0 else f"−{-quantity:,}"


MOVES: TableSpec[StockMovementRow] = TableSpec(
    entity="movement",
    columns=(
        Column("When", lambda m: when(m.created_at), "created", 130),
        Column("Change", lambda m: _signed(m.quantity), None, 75, RIGHT,
               foreground=lambda m: IN_COLOUR if m.quantity > 0 else OUT_COLOUR),
        Column("Reason", lambda m: REASONS.get(m.reason, m.reason), None, 150),
        Column("Ticket", lambda m: "" if m.ticket_number is None else f"#{m.ticket_number}",
               None, 80),
        Column("By", lambda m: m.staff_name or "", None, 120),
        Column("Note", lambda m: m.note, None, 200, tooltip=lambda m: m.note or None),
    ),
    row_id=lambda m: m.id,
    default_sort="created",
    default_descending=True,
)


def read_on_hand(
    dialog: QDialog, ui: UiContext, part_id: int, then: Callable[[PartRecord], None]
) -> None:
    """Re-read the part: the row the page handed over may be older than the shelf."""
    ui.worker.read(lambda uow: parts.get_part(uow, part_id), alive(dialog, then),
                          alive(dialog, lambda _error: None))


class ReceiveStockDialog(EditorDialog):
    """Book a delivery: how many arrived, and a note (supplier, delivery note)."""

    needs = Action.RECEIVE_STOCK

    def __init__(self, ui: UiContext, part: PartLike, parent: QWidget | None = None) -> None:
        super().__init__(ui, "receive", f"Receive stock: {part.sku}", parent)
        self.part = part
        self.setMinimumWidth(460)
        self.on_hand = part.quantity_on_hand
        self.quantity = line_edit(self, "", "how many arrived", 9)
        self.preview = note_label(self)
        self.add_field("quantity", "&Quantity received:", self.quantity,
                       checks.whole(self.quantity, "Quantity received", 1, stock.MAX_STOCK,
                                    required=True),
                       note=self.preview)
        self.note = line_edit(self, "", "supplier, delivery note number… (optional)",
                              stock.MAX_NOTE)
        self.add_field("note", "&Note:", self.note)
        self.form.insertRow(0, "Part:", QLabel(f"{part.sku}  {part.name}", self))
        self.quantity.textChanged.connect(lambda _t: self._preview())
        self.save_button.setText("&Receive")
        self._preview()
        self.revalidate()
        read_on_hand(self, ui, part.id, self._fresh)

    def _fresh(self, record: PartRecord) -> None:
        self.on_hand = record.quantity_on_hand
        self._preview()

    def _preview(self) -> None:
        text = self.quantity.text()
        if self.error_of("quantity") or not text.strip().replace(",", "").isdecimal():
            self.preview.setText(f"On hand now: {self.on_hand:,}")
        else:
            self.preview.setText(f"On hand {self.on_hand:,} → {self.on_hand + _whole(text):,}")

    def job(self) -> Operation[Any]:
        part_id = self.part.id
        quantity, note = _whole(self.quantity.text()), self.note.text()
        return lambda uow: stock.receive_stock(uow, part_id, quantity, note)


class AdjustStockDialog(EditorDialog):
    """Correct on-hand to what was counted on the shelf, saying why."""

    needs = Action.ADJUST_STOCK

    def __init__(self, ui: UiContext, part: PartLike, parent: QWidget | None = None) -> None:
        super().__init__(ui, "adjust", f"Adjust count: {part.sku}", parent)
        self.part = part
        self.setMinimumWidth(480)
        self.on_hand = part.quantity_on_hand
        self.counted = line_edit(self, "", "what is on the shelf now", 9)
        self.preview = note_label(self)
        self.add_field("counted_quantity", "&Counted:", self.counted,
                       checks.whole(self.counted, "Counted quantity", 0, stock.MAX_STOCK,
                                    required=True),
                       note=self.preview)
        self.reason = line_edit(self, "", "e.g. damaged in storage, miscounted",
                                stock.MAX_NOTE)
        self.add_field("note", "&Reason:", self.reason,
                       lambda: None if self.reason.text().strip()
                       else "Say why the count changed (e.g. damaged, miscounted).")
        self.form.insertRow(0, "Part:", QLabel(f"{part.sku}  {part.name}", self))
        self.counted.textChanged.connect(lambda _t: self._preview())
        self.save_button.setText("&Adjust")
        self._preview()
        self.revalidate()
        read_on_hand(self, ui, part.id, self._fresh)

    def _fresh(self, record: PartRecord) -> None:
        self.on_hand = record.quantity_on_hand
        self._preview()

    def _preview(self) -> None:
        text = self.counted.text().strip().replace(",", "")
        if not text.isdecimal() or self.error_of("counted_quantity"):
            self.preview.setText(f"The system says {self.on_hand:,} on hand.")
            return
        difference = int(text) - self.on_hand
        if difference == 0:
            self.preview.setText(f"Matches the {self.on_hand:,} on hand: nothing to book.")
        else:
            self.preview.setText(f"On hand {self.on_hand:,} → {int(text):,}: "
                                 f"{_signed(difference)} booked as a count correction.")

    def job(self) -> Operation[Any]:
        part_id = self.part.id
        counted, reason = _whole(self.counted.text()), self.reason.text()
        return lambda uow: stock.adjust_stock(uow, part_id, counted, reason)


class MovementsDialog(QDialog):
    """A part's ledger, newest first; it follows writes that touch the part while open."""

    def __init__(self, ui: UiContext, part: PartLike, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = ui
        self.part_id = part.id
        title = f"Stock movements: {part.sku}"
        self.setObjectName("movementsDialog")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.resize(820, 520)
        part_id = part.id
        self.model = PagedTableModel(
            MOVES, lambda uow, q: stock.movements_of_part(uow, part_id, q), ui.worker, self)
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        name = QLabel(f"<b>{part.sku}</b>  {part.name}", self)
        name.setTextFormat(Qt.TextFormat.RichText)
        header.addWidget(name, 1)
        self.on_hand = QLabel(f"On hand: {part.quantity_on_hand:,}", self)
        self.on_hand.setObjectName("movementsOnHand")
        header.addWidget(self.on_hand)
        layout.addLayout(header)
        self.search = line_edit(self, "", "Search the notes…")
        self.search.setObjectName("movementsSearch")
        self.search.setAccessibleName("Search movement notes")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.model.set_search)
        layout.addWidget(self.search)
        self.table = compact_table(self, self.model, MOVES.columns, "movementsTable",
                                   "Stock movements", len(MOVES.columns) - 1)
        layout.addWidget(self.table, 1)
        self.status = QLabel(self)
        self.status.setObjectName("movementsStatus")
        self.status.setStyleSheet(NOTE_STYLE)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("movementsClose")
        close.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.model.page_loaded.connect(lambda _n: self._status())
        self.model.failed.connect(self.status.setText)
        ui.worker.changed.connect(alive(self, self._changed))
        self.model.start()
        read_on_hand(self, ui, part.id, self._part_read)

    def _status(self) -> None:
        n = self.model.loaded_rows
        if n == 0:
            self.status.setText("No movements match." if self.model.query.search
                                else "No movements yet.")
        else:
            more = "" if self.model.complete else ", more below"
            self.status.setText(f"{n:,} movement{'s' if n != 1 else ''}{more}")

    def _changed(self, changes: Changes) -> None:
        if self.part_id in changes.ids("part") or changes.touches("ticket"):
            self.model.refresh()
            read_on_hand(self, self.ui, self.part_id, self._part_read)

    def _part_read(self, record: PartRecord) -> None:
        self.on_hand.setText(f"On hand: {record.quantity_on_hand:,}")
