"""Invoices, credit notes and payments as values and rules (no database, no Qt).

A ticket owes what its posted invoice bills (or, before posting, its current total),
less what was paid. Payments are entries added, never edited: a refund is a negative
entry with a reason. The balance is ``billed − paid`` where billed is
Σ invoices − Σ credit notes once an invoice is posted (a credit note credits the whole
invoice or part of it), so it never depends on the order entries were made in.

Money moved from one ticket's overpayment to another ticket of the same customer (their
*customer credit*) is a pair of entries in the method ``credit``: minus on the ticket
it leaves, plus on the one it pays, so the identity holds per ticket and per customer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
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
    #: Customer credit moved between two tickets of the customer (no money changes hands).
    CREDIT = "credit"

    @property
    def label(self) -> str:
        return _METHOD_LABELS[self]


_METHOD_LABELS = {
    PaymentMethod.CASH: "Cash",
    PaymentMethod.CARD: "Card",
    PaymentMethod.CHEQUE: "Cheque",
    PaymentMethod.BANK_TRANSFER: "Bank transfer",
    PaymentMethod.CREDIT: "Customer credit",
}
#: The methods a desk offers for money taken (customer credit is applied, not taken).
TAKEN_METHODS = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.CHEQUE,
                 PaymentMethod.BANK_TRANSFER)
MAX_METHOD = 20


def method_label(method: str) -> str:
    """How a stored method reads: the built-in ones' labels, a shop's own as named."""
    try:
        return PaymentMethod(method).label
    except ValueError:
        return method


def shop_methods(text: str) -> tuple[str, ...]:
    """The shop's own payment methods from their settings text (one per line, or
    separated by commas), without blanks, duplicates or names of the built-in ones."""
    builtin = {m.value for m in PaymentMethod} | {m.label.lower() for m in PaymentMethod}
    seen: list[str] = []
    for line in text.replace(",", "\n").splitlines():
        name = " ".join(line.split())
        if name and name.lower() not in builtin and name.lower() not in (
                s.lower() for s in seen):
            seen.append(name)
    return tuple(seen)


def check_shop_methods(text: str) -> str | None:
    """Why the settings' list of payment methods will not do (None: it will)."""
    for name in shop_methods(text):
        if len(name) > MAX_METHOD:
            return (f"Payment method '{name}' is too long (at most {MAX_METHOD} "
                    "characters).")
    return None


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


def round_cents(amount: Decimal) -> Decimal:
    """``amount`` to whole cents, half-up (12.345 → 12.35)."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def amount_text_rounded(text: str) -> str | None:
    """The typed amount as it will be recorded when it has more than two decimals
    (``"12.345"`` → ``"12.35"``), so the desk shows the rounding; None otherwise."""
    raw = str(text).strip().replace(",", "").lstrip("$").strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount == amount.quantize(Decimal("0.01")):
        return None
    return f"{round_cents(amount):.2f}"


def parse_amount(text: str | Decimal | int, label: str = "Amount") -> Decimal:
    """A positive amount in cents as typed; ``ValueError`` with the sentence to show.

    More than two decimals are rounded half-up to cents (the desk shows the rounded
    amount before it is recorded: ``amount_text_rounded``); rounding to nothing is
    refused as zero."""
    raw = str(text).strip().replace(",", "").lstrip("$").strip()
    if not raw:
        raise ValueError(f"{label} is required.")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{label} must be a number, like 12.50.") from None
    if not amount.is_finite():
        raise ValueError(f"{label} must be a number, like 12.50.")
    amount = round_cents(amount)
    if amount <= 0:
        raise ValueError(f"{label} must be more than 0.00 (a refund is entered as a refund).")
    if amount > MAX_AMOUNT:
        raise ValueError(f"{label} is too large (at most {MAX_AMOUNT:,}).")
    return amount


def check_reason(reason: str, missing: str) -> str | None:
    """Why the (cleaned) reason for a refund or credit note will not do: ``missing``
    when there is none, or it is too long (None: it will)."""
    if not reason:
        return missing
    if len(reason) > MAX_NOTE:
        return f"The reason is too long (at most {MAX_NOTE} characters)."
    return None


def check_reference(method: str, reference: str) -> str | None:
    """Why ``reference`` will not do for ``method`` (None: it will)."""
    if len(reference) > MAX_REFERENCE:
        return f"Reference is too long (at most {MAX_REFERENCE} characters)."
    if method == PaymentMethod.CARD and not re.fullmatch(r"\d{4}", reference):
        return "For a card payment, enter the card's last four digits (e.g. 4242)."
    if method == PaymentMethod.CHEQUE and not reference:
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
        text = method_label(self.method)
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
    #: What credit notes have credited of it so far (partial notes included).
    credited: Decimal = ZERO

    @property
    def creditable(self) -> Decimal:
        """What a further credit note may still credit."""
        return self.total - self.credited


@dataclass(frozen=True, slots=True)
class CreditNoteRecord:
    id: int
    label: str
    invoice_id: int
    invoice_label: str
    issued_at: datetime
    amount: Decimal
    reason: str
    #: What a partial note credits: (what, amount) pairs; empty for an amount alone.
    lines: tuple[tuple[str, Decimal], ...] = ()
    #: It brought the invoice's credits to its total (the invoice is cancelled).
    cancels: bool = True


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
