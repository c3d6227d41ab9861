"""Add fee…: a fee line on one job (an environmental or disposal fee, shop supplies):
what it is for, its amount, and whether sales tax applies. The fields are checked by
the service's own rule (``fees.check_fee``) as they are typed; the save carries the
ticket version the editor read, and a stale save keeps what was typed."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QWidget

from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.fee_rules import FeeRule
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.records import JobRecord, TicketDetail
from mechanic_desktop.services import fees, shop
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.form import line_edit
from mechanic_desktop.ui.dialogs.labour import _TicketWrite
from mechanic_desktop.ui.dialogs.styles import NOTE_STYLE
from mechanic_desktop.ui.operations import alive


class AddFeeDialog(_TicketWrite):
    """Description, amount and taxable flag of a fee line on ``job``."""

    def __init__(self, ui: UiContext, ticket_id: int, version: int, job: JobRecord,
                 parent: QWidget | None = None) -> None:
        super().__init__(ui, "fee", f"Add a fee to “{job.title}”", ticket_id, version, parent)
        self.job_id = job.id
        self.job_labour, self.job_parts = job.totals.labor, job.totals.parts
        self.rules: list[FeeRule] = []
        self.picker = QComboBox(self)
        self.picker.addItem("— type the fee below —", None)
        self.picker.setEnabled(False)  # until the shop's fees are read
        self.add_field("picker", "From the shop's &list:", self.picker)
        self.picker.activated.connect(self._picked)
        ui.worker.read(shop.get_fee_rules, alive(self, self._offer),
                       alive(self, self.show_errors))
        self.description = line_edit(self, "", "e.g. Tyre disposal, Shop supplies",
                                     fees.MAX_DESCRIPTION)
        self.add_field("description", "&Fee for:", self.description,
                       lambda: self._problem("description"))
        self.amount = line_edit(self, "", "e.g. 3.50")
        self.price = QLabel(self)
        self.price.setStyleSheet(NOTE_STYLE)
        self.add_field("amount", "&Amount:", self.amount, lambda: self._problem("amount"),
                       note=self.price)
        self.taxable = QCheckBox("Sales tax applies (at the parts rate)", self)
        self.taxable.setChecked(True)
        self.add_field("taxable", "&Taxable:", self.taxable)
        self.amount.textChanged.connect(lambda _t: self._priced())
        self.save_button.setText("Add f&ee")
        self._priced()
        self.revalidate()

    def _offer(self, rules: tuple[FeeRule, ...]) -> None:
        """The shop's by-hand fees, priced for this job."""
        self.rules = [r for r in rules if not r.automatic]
        for i, rule in enumerate(self.rules):
            self.picker.addItem(rule.describe(self.job_labour, self.job_parts), i)
        self.picker.setEnabled(bool(self.rules))

    def _picked(self, _index: int) -> None:
        """Fill the fields from the fee chosen (they can still be changed)."""
        chosen = self.picker.currentData()
        if chosen is None:
            return
        rule = self.rules[int(chosen)]
        self.description.setText(rule.name)
        self.amount.setText(f"{rule.amount_for(self.job_labour, self.job_parts):.2f}")
        self.taxable.setChecked(rule.taxable)
        self._priced()
        self.revalidate()
        self.amount.setFocus()

    def _data(self) -> fees.FeeData:
        return fees.FeeData(self.description.text(), self.amount.text(),
                            self.taxable.isChecked())

    def _problem(self, field: str) -> str | None:
        """The service's message for ``field`` (None: it will do)."""
        try:
            fees.check_fee(self._data())
        except ValidationError as error:
            return error.fields.get(field)
        return None

    def _priced(self) -> None:
        """The amount as it will be billed (an amount with more cents is rounded)."""
        data = fees.FeeData("fee", self.amount.text())
        try:
            _, amount = fees.check_fee(data)
        except ValidationError:
            self.price.setText("")
            return
        typed = self.amount.text().strip().replace(",", "").lstrip("$").strip()
        rounded = money_text(amount)
        self.price.setText(f"Adds {rounded}" + (
            f" (rounded to cents from {typed})" if typed != rounded.replace(",", "") else ""))

    def job(self) -> Operation[TicketDetail]:
        ticket_id, job_id, version, data = self.ticket_id, self.job_id, self.version, self._data()
        return lambda uow: fees.add_fee(uow, ticket_id, job_id, data, version)
