"""Invoices, credit notes and payments as values and rules (no database, no Qt).

A ticket owes what its posted invoice bills (or, before posting, its current total),
less what was paid. Payments are entries added, never edited: a refund is a negative
entry with a reason. The balance is ``billed − paid`` where billed is
Σ invoices − Σ credit notes once an invoice is posted (credit notes credit a whole
invoice), so it never depends on the order entries were made in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from mechanic_desktop.domain.money import MAX_AMOUNT, money_text

ZERO = Decimal("0.00")
MAX_REFERENCE = 40
MAX_NOTE = 500
#: Prefix of a credit note's number ("CN-7").
CREDIT_NOTE_PREFIX_DEFAULT = "CN-"
INVOICE_PREFIX_DEFAULT = "INV-"


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    CHEQUE = "cheque"
    BANK_TRANSFER = "bank_transfer"

    @property
    def label(self) -> str:
        return _METHOD_LABELS[self]


_METHOD_LABELS = {
    PaymentMethod.CASH: "Cash",
    PaymentMethod.CARD: "Card",
    PaymentMethod.CHEQUE: "Cheque",
    PaymentMethod.BANK_TRANSFER: "Bank transfer",
}


class PaymentState(StrEnum):
    NOTHING_DUE = "Nothing due"
    UNPAID = "Unpaid"
    PARTLY_PAID = "Partially paid"
    PAID = "Paid"
    OVERPAID = "Overpaid"


def payment_state(billed: Decimal, paid: Decimal) -> PaymentState:
    """Where a ticket stands: what it bills against what was paid (net of refunds)."""
    if billed == paid:
        return PaymentState.PAID if billed else PaymentState.NOTHING_DUE
    if paid > billed:
        return PaymentState.OVERPAID
    return PaymentState.UNPAID if paid <= 0 else PaymentState.PARTLY_PAID


def parse_amount(text: str | Decimal | int, label: str = "Amount") -> Decimal:
    """A positive amount in cents as typed; ``ValueError`` with the sentence to show.

    Unlike the price fields, an amount of money changing hands is never rounded for the
    user: 12.345 is refused (which cent was meant?)."""
    raw = str(text).strip().replace(",", "").lstrip("$").strip()
    if not raw:
        raise ValueError(f"{label} is required.")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{label} must be a number, like 12.50.") from None
    if not amount.is_finite():
        raise ValueError(f"{label} must be a number, like 12.50.")
    if amount <= 0:
        raise ValueError(f"{label} must be more than 0.00 (a refund is entered as a refund).")
    if amount > MAX_AMOUNT:
        raise ValueError(f"{label} is too large (at most {MAX_AMOUNT:,}).")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{label} can have at most two decimals (cents), like 12.50.")
    return amount.quantize(Decimal("0.01"))


def check_reference(method: PaymentMethod, reference: str) -> str | None:
    """Why ``reference`` will not do for ``method`` (None: it will)."""
    if len(reference) > MAX_REFERENCE:
        return f"Reference is too long (at most {MAX_REFERENCE} characters)."
    if method is PaymentMethod.CARD and not re.fullmatch(r"\d{4}", reference):
        return "For a card payment, enter the card's last four digits (e.g. 4242)."
    if method is PaymentMethod.CHEQUE and not reference:
        return "For a cheque, enter the cheque number."
    return None


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """One payment entry (negative: a refund, with its reason)."""

    id: int
    taken_at: datetime
    amount: Decimal
    #: A PaymentMethod value.
    method: str
    reference: str
    taken_by: str
    note: str
    reason: str = ""

    @property
    def is_refund(self) -> bool:
        return self.amount < 0

    @property
    def method_text(self) -> str:
        text = PaymentMethod(self.method).label
        if self.reference:
            text += (f" ····{self.reference}" if self.method == PaymentMethod.CARD
                     else f" #{self.reference}")
        return text


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    """A posted invoice as the ticket lists it (the document is its snapshot)."""

    id: int
    label: str
    posted_at: datetime
    total: Decimal
    on_account: bool
    #: The credit note that cancelled it ("" while it stands).
    credited_by: str = ""


@dataclass(frozen=True, slots=True)
class CreditNoteRecord:
    id: int
    label: str
    invoice_id: int
    invoice_label: str
    issued_at: datetime
    amount: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class BillingRecord:
    """What a ticket billed and what was paid against it."""

    invoices: tuple[InvoiceRecord, ...] = ()
    credit_notes: tuple[CreditNoteRecord, ...] = ()
    payments: tuple[PaymentRecord, ...] = ()
    #: Σ invoices − Σ credit notes once posted; the ticket's total before.
    billed: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        return self.billed - self.paid

    @property
    def state(self) -> PaymentState:
        return payment_state(self.billed, self.paid)

    @property
    def invoice(self) -> InvoiceRecord | None:
        """The posted invoice that stands (not credited), if any."""
        return next((i for i in reversed(self.invoices) if not i.credited_by), None)

    def summary(self) -> str:
        """One line for the ticket: e.g. "Partially paid: 120.00 due of 340.50"."""
        state = self.state
        if state is PaymentState.OVERPAID:
            return f"Overpaid: {money_text(-self.balance)} to refund or keep as credit"
        if state in (PaymentState.PAID, PaymentState.NOTHING_DUE):
            return state.value
        return f"{state.value}: {money_text(self.balance)} due of {money_text(self.billed)}"
