"""Discount…: a percentage ("10%") or an amount ("5.00") off the selected line, or off
the ticket's approved work, with the reason; blank takes a discount away. The fields are
checked by the service's own rule as they are typed; whether a service writer may give
that much is the service's to say (the refusal names the shop's limit, shown beside the
field before saving)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QLabel, QRadioButton, QWidget

from mechanic_desktop.domain.discounts import Discount
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.totals import LineKind
from mechanic_desktop.services import discounts
from mechanic_desktop.services.documents import percent_text
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.form import line_edit
from mechanic_desktop.ui.dialogs.labour import _TicketWrite
from mechanic_desktop.ui.dialogs.styles import NOTE_STYLE

#: The line a discount may go on: its kind, id, what it is called, its discount now.
Target = tuple[LineKind, int, str, Discount | None]


class DiscountDialog(_TicketWrite):
    """How much off, and why: on the selected line (when there is one) or the ticket."""

    def __init__(self, ui: UiContext, detail: TicketDetail, line: Target | None,
                 writer_limit: str, parent: QWidget | None = None) -> None:
        super().__init__(ui, "discount", "Discount", detail.ticket.id,
                         detail.ticket.version, parent)
        self.line = line
        self.ticket_discount = detail.discount
        self.on_line = QRadioButton(f"This line: {line[2]}" if line else "This line", self)
        self.on_line.setEnabled(line is not None)
        self.on_ticket = QRadioButton("The ticket's approved work (spread over its lines)",
                                      self)
        (self.on_line if line is not None else self.on_ticket).setChecked(True)
        self.add_field("on_line", "Off &what:", self.on_line)
        self.on_ticket.setObjectName("discountOnTicket")
        self.on_ticket.setAccessibleName("Discount the ticket's approved work")
        self.form.addRow("", self.on_ticket)
        self.amount = line_edit(self, "", "10% or 5.00 (blank: no discount)", 20)
        limit = QLabel(writer_limit, self)
        limit.setStyleSheet(NOTE_STYLE)
        self.add_field("discount", "&Discount:", self.amount,
                       lambda: self._problem("discount"), note=limit)
        self.reason = line_edit(self, "", "e.g. Loyal customer, warranty goodwill", 200)
        self.add_field("reason", "&Reason:", self.reason, lambda: self._problem("reason"))
        self.save_button.setText("&Give discount")
        for button in (self.on_line, self.on_ticket):
            button.toggled.connect(lambda _c: self._fill())
        self._fill()
        self.revalidate()

    def _current(self) -> Discount | None:
        if self.on_line.isChecked() and self.line is not None:
            return self.line[3]
        return self.ticket_discount

    def _fill(self) -> None:
        """Show the discount the chosen target has now (to change or clear it)."""
        now = self._current()
        self.amount.setText(now.text if now else "")
        self.reason.setText(now.reason if now else "")
        self.revalidate()

    def _data(self) -> discounts.DiscountData:
        return discounts.DiscountData(self.amount.text(), self.reason.text())

    def _problem(self, field: str) -> str | None:
        try:
            discounts.check_discount(self._data())
        except ValidationError as error:
            return error.fields.get(field)
        return None

    def job(self) -> Operation[TicketDetail]:
        data, version, ticket_id = self._data(), self.version, self.ticket_id
        if self.on_line.isChecked() and self.line is not None:
            kind, line_id = self.line[0], self.line[1]
            return lambda uow: discounts.set_line_discount(uow, kind, line_id, data, version)
        return lambda uow: discounts.set_ticket_discount(uow, ticket_id, data, version)


def limit_text(limit: Decimal, is_admin: bool) -> str:
    """What the person at the desk may give, for the note under the field."""
    if is_admin:
        return "Administrators may give any discount."
    if not limit:
        return "Service writers may not give discounts (an administrator sets the limit)."
    return f"Service writers may give up to {percent_text(limit)}% off."


def line_target(kind: LineKind, line_id: int, name: str, amount: Decimal,
                discount: Discount | None) -> Target:
    return kind, line_id, f"{name} ({money_text(amount)})", discount
