"""Part editor: catalogue fields; the quantity on hand is only typed for a new part
(afterwards it changes through stock movements)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import PartRecord
from mechanic_desktop.services import parts
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import EditorDialog, line_edit


class PartDialog(EditorDialog):
    needs = Action.EDIT_PARTS

    def __init__(
        self, ui: UiContext, record: PartRecord | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(ui, "part", "New part" if record is None else self.title_of(record),
                         parent)
        self.existing = record
        r = record
        self.sku = line_edit(self, r.sku if r else "", "e.g. OIL-5W30", 40)
        self.add_field("sku", "&SKU:", self.sku,
                       lambda: None if self.sku.text().strip() else "SKU is required.")
        self.name = line_edit(self, r.name if r else "", "What the part is", 200)
        self.add_field("name", "&Name:", self.name, checks.name(self.name))
        self.price = line_edit(self, f"{r.unit_price:.2f}" if r else "", "selling price", 16)
        self.add_field("unit_price", "&Price:", self.price, checks.money(self.price, "Price"))
        self.cost = line_edit(self, f"{r.unit_cost:.2f}" if r else "0.00", "what we pay", 16)
        self.add_field("unit_cost", "&Cost:", self.cost, checks.money(self.cost, "Cost"))
        self.reorder = line_edit(self, str(r.reorder_level) if r else "0", "", 9)
        self.add_field("reorder_level", "&Reorder level:", self.reorder,
                       checks.whole(self.reorder, "Reorder level", 0, 1_000_000))
        if r is None:
            self.quantity = line_edit(self, "0", "", 9)
            self.add_field("initial_quantity", "&On hand:", self.quantity,
                           checks.whole(self.quantity, "Quantity on hand", 0, 1_000_000))
        else:
            on_hand = QLabel(f"{r.quantity_on_hand:,} (changes through stock movements)", self)
            self.add_field("quantity_on_hand", "On hand:", on_hand)
        self.revalidate()

    @staticmethod
    def title_of(record: PartRecord) -> str:
        return f"Part {record.sku}"

    def job(self) -> Operation[Any]:
        existing = self.existing
        data = parts.PartData(
            sku=self.sku.text(), name=self.name.text(), unit_price=self.price.text(),
            unit_cost=self.cost.text(), reorder_level=self.reorder.text(),
            initial_quantity=self.quantity.text() if existing is None else 0,
        )

        def run(uow: UnitOfWork) -> PartRecord:
            if existing is None:
                return parts.create_part(uow, data)
            return parts.update_part(uow, existing.id, data, expected_version=existing.version)

        return run
