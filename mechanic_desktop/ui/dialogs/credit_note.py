"""Two money dialogs of the ticket editor's Payments box:

- "Credit note…" (administrators): credit chosen lines of the posted invoice (each with
  its tax) or an amount of it, with the reason. What is left to credit is shown; more is
  refused by the service with the sentence shown under the amount.
- "Apply credit…": pay the ticket from the customer's credit (what they overpaid on
  finished tickets), at most what the ticket owes.

Keyboard first: Space ticks a line, Tab goes on, Enter issues or applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QWidget

from mechanic_desktop.domain.billing import MAX_NOTE, ZERO, amount_text_rounded, parse_amount
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.services import credit_notes, payments
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import line_edit
from mechanic_desktop.ui.dialogs.labour import _TicketWrite
from mechanic_desktop.ui.dialogs.styles import NOTE_STYLE

_KEY = Qt.ItemDataRole.UserRole


class CreditNoteDialog(_TicketWrite):
    """Credit part (or all) of the ticket's posted invoice."""

    def __init__(self, ui: UiContext, detail: TicketDetail, label: str,
                 lines: Sequence[credit_notes.InvoiceLine],
                 parent: QWidget | None = None) -> None:
        invoice = detail.billing.invoice
        assert invoice is not None
        super().__init__(ui, "creditNote", f"Credit note: invoice {invoice.label}",
                         detail.ticket.id, detail.ticket.version, parent)
        self.invoice_id = invoice.id
        self.left = invoice.creditable
        self.lines = QTreeWidget(self)
        self.lines.setRootIsDecorated(False)
        self.lines.setHeaderLabels(["Line", "Amount", "Credit with tax"])
        self.lines.setColumnWidth(0, 340)
        self.lines.setColumnWidth(1, 90)
        self.setMinimumWidth(620)
        for line in lines:
            item = QTreeWidgetItem([line.what, money_text(line.amount),
                                    f"credited by {line.credited_by}" if line.credited_by
                                    else money_text(line.credit)])
            item.setData(0, _KEY, line.key)
            item.setData(1, _KEY, str(line.credit))
            for column in (1, 2):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
            if line.credited_by:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            else:
                item.setCheckState(0, Qt.CheckState.Unchecked)
            self.lines.addTopLevelItem(item)
        self.lines.setMaximumHeight(self.fontMetrics().lineSpacing() * 8)
        self.add_field("lines", "&Lines:", self.lines)
        self.amount = line_edit(self, "", "or an amount, e.g. 25.00")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.add_field("amount", "&Amount:", self.amount, self._amount_problem)
        self.amount.editingFinished.connect(self._round_amount)
        self.reason = line_edit(self, "", "e.g. part returned unused", MAX_NOTE)
        self.add_field("reason", "Reaso&n:", self.reason,
                       checks.required_text(self.reason, "Say why the invoice is credited."))
        self.standing = QLabel(self)
        self.standing.setObjectName("creditNoteStanding")
        self.standing.setStyleSheet(NOTE_STYLE)
        self.standing.setWordWrap(True)
        self.form.addRow("", self.standing)
        self.lines.itemChanged.connect(lambda _item, _column: self._chosen_changed())
        self.save_button.setText("&Issue credit note")
        self._chosen_changed()
        self.lines.setFocus()
        first = self.lines.topLevelItem(0)
        if first is not None:
            self.lines.setCurrentItem(first)

    def chosen(self) -> list[QTreeWidgetItem]:
        items = (self.lines.topLevelItem(i) for i in range(self.lines.topLevelItemCount()))
        return [i for i in items if i is not None and i.checkState(0) == Qt.CheckState.Checked]

    def _chosen_changed(self) -> None:
        chosen = self.chosen()
        self.amount.setEnabled(not chosen)
        if chosen:
            total = sum((Decimal(str(i.data(1, _KEY))) for i in chosen), ZERO)
            self.amount.setText(f"{total:.2f}")
        left = f"{money_text(self.left)} is left to credit on this invoice"
        self.standing.setText(
            f"{left}. Tick lines to credit them with their tax, or type an amount."
            if not chosen else f"{left}; the lines ticked credit {self.amount.text()}.")
        self.revalidate()

    def _round_amount(self) -> None:
        rounded = amount_text_rounded(self.amount.text())
        if rounded is not None:
            self.amount.setText(rounded)
            self.standing.setText(f"Amount rounded to cents: {rounded}. " + self.standing.text())

    def _amount_problem(self) -> str | None:
        if self.chosen():
            return None
        try:
            amount = parse_amount(self.amount.text(), "Amount to credit")
        except ValueError as exc:
            return str(exc)
        if amount > self.left:
            return (f"A credit note of {money_text(amount)} is more than the "
                    f"{money_text(self.left)} left to credit on this invoice.")
        return None

    def job(self) -> Operation[TicketDetail]:
        ticket_id, version = self.ticket_id, self.version
        keys = tuple(str(i.data(0, _KEY)) for i in self.chosen())
        data = credit_notes.CreditData(self.invoice_id, self.reason.text(), keys,
                                       "" if keys else self.amount.text())
        return lambda uow: credit_notes.credit_invoice(uow, ticket_id, data, version)


class ApplyCreditDialog(_TicketWrite):
    """Pay the ticket from the customer's credit."""

    def __init__(self, ui: UiContext, detail: TicketDetail, label: str, credit: Decimal,
                 parent: QWidget | None = None) -> None:
        super().__init__(ui, "applyCredit", f"Apply credit: ticket {label}",
                         detail.ticket.id, detail.ticket.version, parent)
        due = detail.billing.balance
        self.most = min(credit, due)
        self.amount = line_edit(self, f"{self.most:.2f}", "e.g. 20.00")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.add_field("amount", "&Amount:", self.amount, self._amount_problem)
        self.standing = QLabel(
            f"The customer has {money_text(credit)} in credit; ticket {label} owes "
            f"{money_text(due)}.", self)
        self.standing.setObjectName("applyCreditStanding")
        self.standing.setStyleSheet(NOTE_STYLE)
        self.form.addRow("", self.standing)
        self.save_button.setText("&Apply credit")
        self.amount.setFocus()
        self.amount.selectAll()
        self.revalidate()

    def _amount_problem(self) -> str | None:
        try:
            amount = parse_amount(self.amount.text())
        except ValueError as exc:
            return str(exc)
        if amount > self.most:
            return f"At most {money_text(self.most)} can be applied here."
        return None

    def job(self) -> Operation[TicketDetail]:
        ticket_id, version, amount = self.ticket_id, self.version, self.amount.text()
        return lambda uow: payments.apply_credit(uow, ticket_id, amount, version)
