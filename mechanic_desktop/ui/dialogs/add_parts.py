"""Add parts: find stock by SKU or name, see what is on the shelf and its price, put a
quantity of each into a basket, and take the whole basket in one ``add_part_lines``.

An approved job takes its parts from the shelf at once. Asking for more than the shelf
holds is allowed: the basket line says how many are short and the dialog offers, under
its banner, to take what there is and put the rest on special order. If another desk
took the stock meanwhile, the service refuses the whole basket and names each short
part; the dialog stays open with the basket as it was, marks those lines, re-reads the
on-hand counts and makes the same offer, so the user can accept it or lower a quantity.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.errors import ShortStock, ValidationError
from mechanic_desktop.domain.jobs import JobStatus
from mechanic_desktop.domain.records import PartRow, TicketDetail
from mechanic_desktop.domain.totals import parts_line
from mechanic_desktop.services import parts, workflow
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.form import button, run_on_return
from mechanic_desktop.ui.dialogs.special_order import SpecialOrderOffer
from mechanic_desktop.ui.dialogs.work_common import TicketLinesDialog, compact_table
from mechanic_desktop.ui.models.columns import RIGHT, Column, TableSpec, money
from mechanic_desktop.ui.models.lines import LinesModel
from mechanic_desktop.ui.models.paged_model import PagedTableModel
from mechanic_desktop.ui.theme import warning_colour

ERROR_COLOUR = QColor(179, 38, 30)

STOCK: TableSpec[PartRow] = TableSpec(
    entity="part",
    columns=(
        Column("SKU", lambda r: r.sku, "sku", 110),
        Column("Part", lambda r: r.name, "name", 220, tooltip=lambda r: r.name),
        Column("On hand", lambda r: f"{r.quantity_on_hand:,}", "on_hand", 70, RIGHT,
               tooltip=lambda r: "Low stock: at or below the reorder level"
               if r.low_stock else None),
        Column("Price", lambda r: money(r.unit_price), "price", 80, RIGHT),
    ),
    row_id=lambda r: r.id,
    default_sort="sku",
    background=lambda r: warning_colour() if r.low_stock else None,
)


@dataclass(frozen=True)
class BasketLine:
    """Parts waiting to be added; ``problem`` is the service's refusal for this part."""

    part_id: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    on_hand: int
    problem: str = ""

    @property
    def amount(self) -> Decimal:
        return parts_line(self.quantity, self.unit_price)


BASKET_COLUMNS: tuple[Column[BasketLine], ...] = (
    Column("SKU", lambda b: b.sku, None, 110,
           tooltip=lambda b: b.problem or None,
           foreground=lambda b: ERROR_COLOUR if b.problem else None),
    Column("Part", lambda b: b.name, None, 200,
           tooltip=lambda b: b.problem or b.name,
           foreground=lambda b: ERROR_COLOUR if b.problem else None),
    Column("Qty", lambda b: f"{b.quantity:,}", None, 50, RIGHT,
           foreground=lambda b: ERROR_COLOUR if b.problem else None),
    Column("Unit price", lambda b: money(b.unit_price), None, 80, RIGHT),
    Column("Amount", lambda b: money(b.amount), None, 85, RIGHT),
)


class AddPartsDialog(TicketLinesDialog):
    """Stock to choose from (top) and the basket that one save takes (bottom)."""

    def __init__(
        self,
        ui: UiContext,
        ticket_id: int,
        detail: TicketDetail | None = None,
        parent: QWidget | None = None,
        number_prefix: str = "",
        job_id: int | None = None,
    ) -> None:
        super().__init__(ui, "addParts", "Add parts to ticket", ticket_id, detail, parent,
                         number_prefix, job_id)
        self.setMinimumSize(820, 600)
        #: The user accepted the offer: short parts are taken in part, the rest ordered.
        self.special_order = False
        self.offer = SpecialOrderOffer(self, "addParts", self.layout_, self.banner)
        self.offer.accepted.connect(self._order_the_rest)
        self.model = PagedTableModel(STOCK, parts.list_parts, ui.worker, self)
        self.basket = LinesModel(BASKET_COLUMNS, lambda b: b.part_id, self)
        self.extra.addLayout(self._stock_side(), 3)
        self.extra.addWidget(self._basket_side(), 2)
        self.set_save_text("&Add to ticket")
        self.start(detail)
        self.model.start()
        self._set_basket([])
        self._part_chosen()

    # -- building ----------------------------------------------------------------------

    def _stock_side(self) -> QVBoxLayout:
        side = self.pick_side(
            self.model, STOCK.columns, search_hint="Search stock by SKU or name…",
            search_name="Search stock", table_name="addPartsStock",
            table_accessible="Parts in stock", stretch=1, note_name="addPartsStockNote",
            empty=("No part matches “{search}”.", "No parts in stock yet."))
        self.stock_note = self.pick_note
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._part_chosen())
        row = QHBoxLayout()
        row.addWidget(self.stock_note, 1)
        caption = QLabel("&Quantity:", self)
        self.quantity = QSpinBox(self)
        self.quantity.setObjectName("addPartsQuantity")
        self.quantity.setAccessibleName("Quantity to add")
        self.quantity.setToolTip("More than the shelf holds is offered as a special order")
        self.quantity.setRange(1, 1)
        self.quantity.setMinimumWidth(80)
        run_on_return(self.quantity, self.add_to_basket)
        caption.setBuddy(self.quantity)
        row.addWidget(caption)
        row.addWidget(self.quantity)
        self.add_button = button(self, "Add to &basket", "addPartsAddToBasket")
        self.add_button.setToolTip("Put this quantity in the basket (or press Return on a row)")
        self.add_button.clicked.connect(self.add_to_basket)
        row.addWidget(self.add_button)
        side.addLayout(row)
        return side

    def _basket_side(self) -> QGroupBox:
        box = QGroupBox("Basket: added to the ticket together", self)
        box.setObjectName("addPartsBasketBox")
        layout = QVBoxLayout(box)
        self.basket_table = compact_table(box, self.basket, BASKET_COLUMNS,
                                          "addPartsBasket", "Basket", 1)
        self.basket_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_buttons())
        layout.addWidget(self.basket_table, 1)
        row = QHBoxLayout()
        self.remove_button = button(box, "&Remove from basket", "addPartsRemove")
        self.remove_button.clicked.connect(self.remove_from_basket)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        self.basket_total = QLabel(box)
        self.basket_total.setObjectName("addPartsBasketTotal")
        self.basket_total.setAccessibleName("Basket total")
        font = self.basket_total.font()
        font.setBold(True)
        self.basket_total.setFont(font)
        row.addWidget(self.basket_total)
        layout.addLayout(row)
        return box

    # -- choosing ----------------------------------------------------------------------

    def chosen_part(self) -> PartRow | None:
        rows = self.table.selectionModel().selectedRows()
        row = self.model.row_at(rows[0].row()) if rows else None
        return row if isinstance(row, PartRow) else None

    def in_basket(self, part_id: int) -> int:
        return next((b.quantity for b in self.basket.rows if b.part_id == part_id), 0)

    def _part_chosen(self) -> None:
        part = self.chosen_part()
        if part is None:
            self.stock_note.setText("Choose a part, then how many.")
            self.quantity.setRange(1, 1)
            self.quantity.setEnabled(False)
            self.add_button.setEnabled(False)
        else:
            taken = self.in_basket(part.id)
            left = part.quantity_on_hand - taken
            if part.quantity_on_hand <= 0:
                self.stock_note.setText(f"{part.sku}: none left on the shelf")
            elif left <= 0:
                self.stock_note.setText(
                    f"{part.sku}: all {part.quantity_on_hand:,} on the shelf are in the basket")
            else:
                self.stock_note.setText(f"{part.sku}: {left:,} available")
            room = workflow.MAX_LINE_QUANTITY - taken
            self.quantity.setRange(1, max(1, room))
            self.quantity.setEnabled(room > 0)
            self.add_button.setEnabled(room > 0)
        self._update_buttons()

    def pick(self, index: QModelIndex) -> None:
        self.add_to_basket()

    def picks_shown(self) -> None:
        self._part_chosen()

    def add_to_basket(self) -> None:
        part = self.chosen_part()
        if part is None or not self.add_button.isEnabled():
            return
        quantity = self.quantity.value()
        lines = list(self.basket.rows)
        for i, line in enumerate(lines):
            if line.part_id == part.id:
                lines[i] = replace(line, quantity=line.quantity + quantity,
                                   on_hand=part.quantity_on_hand, problem="")
                break
        else:
            lines.append(BasketLine(part.id, part.sku, part.name, quantity, part.unit_price,
                                    part.quantity_on_hand))
        self._set_basket(lines)
        self.mark_changed()
        self._part_chosen()
        self.table.setFocus()

    def remove_from_basket(self) -> None:
        rows = self.basket_table.selectionModel().selectedRows()
        line = self.basket.row_at(rows[0].row()) if rows else None
        if line is None:
            return
        self._set_basket([b for b in self.basket.rows if b.part_id != line.part_id])
        self.mark_changed()
        self._part_chosen()

    def _takes_now(self) -> bool:
        """The job is approved: what goes in the basket leaves the shelf on saving."""
        job = self.job_record()
        return job is not None and job.status == JobStatus.APPROVED.value

    def _short_lines(self, lines: list[BasketLine]) -> list[BasketLine]:
        """Mark lines wanting more than the shelf holds (an approved job's only); offer
        to order the rest."""
        if not self._takes_now():
            return lines
        short = {b.part_id: (b.sku, max(0, b.on_hand), b.quantity)
                 for b in lines if b.quantity > b.on_hand}
        if short and not self.special_order:
            self.offer.offer(ShortStock(short))
        elif not short:
            self.offer.hide()
        return [replace(b, problem=b.problem or (
            f"Only {max(0, b.on_hand):,} on the shelf: {b.quantity - max(0, b.on_hand):,} "
            "to special order") if b.part_id in short else b.problem) for b in lines]

    def _order_the_rest(self) -> None:
        self.special_order = True
        self.offer.hide()
        self.save()

    def _set_basket(self, lines: list[BasketLine]) -> None:
        lines = self._short_lines(lines)
        self.basket.set_rows(lines)
        total = sum((b.amount for b in lines), Decimal("0.00"))
        pieces = sum(b.quantity for b in lines)
        self.basket_total.setText(
            f"{pieces:,} item{'s' if pieces != 1 else ''} · {money(total)}" if lines
            else "Empty")
        self.revalidate()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.basket_table.selectionModel().hasSelection())

    def form_ready(self) -> bool:
        return super().form_ready() and bool(self.basket.rows)

    # -- saving ------------------------------------------------------------------------

    def show_errors(self, error: BaseException) -> None:
        """A short part is marked in the basket; its message also goes to the banner."""
        problems: dict[int, str] = {}
        self.special_order = False
        if isinstance(error, ShortStock):
            self.offer.offer(error)
        if isinstance(error, ValidationError):
            for key, message in error.fields.items():
                _, _, raw = key.partition(":")
                if raw.isdecimal():
                    problems[int(raw)] = message
        self._set_basket([replace(b, problem=problems.get(b.part_id, ""))
                          for b in self.basket.rows])
        super().show_errors(error)
        if problems:
            self.model.refresh()  # show what is really on the shelf now

    def job(self) -> Operation[TicketDetail]:
        ticket_id, version = self.ticket_id, self.version
        job = self.job_record()
        job_id = job.id if job is not None else None
        items = [(b.part_id, b.quantity) for b in self.basket.rows]
        special = self.special_order
        assert version is not None  # Save is enabled only once the detail is loaded

        def run(uow: UnitOfWork) -> TicketDetail:
            return workflow.add_part_lines(uow, ticket_id, items, version, job_id,
                                           special_order=special)

        return run
