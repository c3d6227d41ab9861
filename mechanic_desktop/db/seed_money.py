"""Invoices, payments and credit notes for the seeded tickets, as a shop's would be.

Every closed ticket has its posted invoice (numbered in closing order, a compact frozen
snapshot) and is paid: most at the counter when closed, some with a deposit when the
work was booked, by card, cash, cheque or bank transfer. A few are closed on account:
part paid then, the rest paid weeks later — except for some that are still owed, more
of them recent, so the receivables have every age. Now and then a goodwill credit note
credits a tenth of an invoice. A few open tickets hold a deposit. Each ticket's
``owed`` (Σ invoices − Σ credit notes − Σ payments) comes back for its row.

It draws from a random generator of its own, so the rest of the seeded data stays the
same as without it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from mechanic_desktop.domain.status import TicketStatus

INVOICE_COLUMNS = (
    "id", "number", "label", "ticket_id", "posted_at", "posted_by", "parts_total",
    "labor_total", "tax_total", "total", "on_account", "snapshot",
)
PAYMENT_COLUMNS = (
    "id", "ticket_id", "taken_at", "amount", "method", "reference", "taken_by", "note",
    "reason",
)
CREDIT_NOTE_COLUMNS = (
    "id", "number", "label", "invoice_id", "ticket_id", "issued_at", "issued_by", "amount",
    "reason", "cancels", "lines",
)
MONEY_TABLES = ("invoices", "credit_notes", "payments")
METHODS = (("card", 0.55), ("cash", 0.85), ("cheque", 0.93), ("bank_transfer", 1.0))
DAY = 86_400 * 1_000_000
SNAPSHOT_VERSION = 1


@dataclass
class MoneyRows:
    """Rows made since the last flush."""

    invoices: list[tuple[object, ...]] = field(default_factory=list)
    payments: list[tuple[object, ...]] = field(default_factory=list)
    notes: list[tuple[object, ...]] = field(default_factory=list)

    def clear(self) -> None:
        self.invoices, self.payments, self.notes = [], [], []


@dataclass
class Party:
    """What an invoice prints of its customer and vehicle."""

    name: str
    phone: str
    address: str
    vehicle: str
    vin: str


class MoneySeeder:
    """Makes the money rows of one ticket at a time (ids and numbers after ``bases``)."""

    def __init__(self, seed: int, money: Callable[[int], object],
                 flag: Callable[[bool], object], fmt: Callable[[int], str], now: int,
                 bases: dict[str, int], shop_name: str = "My Repair Shop") -> None:
        self.rng = random.Random(seed ^ 0x5EED_CA5)
        self.money, self.flag, self.fmt, self.now = money, flag, fmt, now
        self.invoice_id, self.note_id = bases["invoices"], bases["credit_notes"]
        self.payment_id = bases["payments"]
        self.invoice_number = bases["invoice_number"]
        self.note_number = bases["credit_note_number"]
        self.shop = {"name": shop_name, "address": "", "phone": ""}
        self.rows = MoneyRows()

    def _method(self) -> tuple[str, str]:
        r, rng = self.rng.random(), self.rng
        method = next(m for m, upto in METHODS if r < upto)
        if method == "card":
            return method, f"{rng.randrange(10_000):04d}"
        if method == "cheque":
            return method, str(rng.randrange(100, 9_999))
        return method, ""

    def _pay(self, ticket_id: int, at: int, cents: int) -> None:
        if cents <= 0:
            return
        method, reference = self._method()
        self.payment_id += 1
        self.rows.payments.append((self.payment_id, ticket_id, self.fmt(at), self.money(cents),
                                   method, reference, None, "", ""))

    def _snapshot(self, label: str, ticket_label: str, day: str, party: Party,
                  title: str, parts: int, labor: int, total: int) -> str:
        def m(cents: int) -> str:
            return f"{cents // 100}.{cents % 100:02d}"

        return json.dumps({
            "version": SNAPSHOT_VERSION, "label": label, "ticket_label": ticket_label,
            "posted": True, "date": day, "posted_by": "",
            "shop": self.shop,
            "customer": {"name": party.name, "address": party.address, "phone": party.phone},
            "vehicle": {"title": party.vehicle, "vin": party.vin, "odometer_in": None},
            "jobs": [{"position": 1, "title": title, "concern": title, "cause": "",
                      "correction": "", "total": m(total), "labour": [], "parts": []}],
            "not_done": [], "authorisations": [],
            "totals": {"parts": m(parts), "labor": m(labor), "tax": "0.00", "total": m(total)},
            "tax_label": "Tax", "labour_untaxed": False,
        }, ensure_ascii=False, separators=(",", ":"))

    def ticket(self, ticket_id: int, number: int, status: TicketStatus, opened: int,
               closed: int | None, parts: int, labor: int, party: Party, title: str) -> int:
        """The money rows of one ticket; returns what it still owes, in cents."""
        rng, total = self.rng, parts + labor
        if status is not TicketStatus.CLOSED or closed is None:
            if status in (TicketStatus.OPEN, TicketStatus.IN_PROGRESS) and total \
                    and rng.random() < 0.05:
                deposit = total // 2 // 100 * 100
                self._pay(ticket_id, opened + DAY // 48, deposit)
                return -deposit if deposit > 0 else 0
            return 0
        paid = 0
        if total and rng.random() < 0.12:  # a deposit when the work was booked
            deposit = min(total, max(100, total // 3 // 100 * 100))
            self._pay(ticket_id, opened + DAY // 48, deposit)
            paid += deposit
        age_days = (self.now - closed) // DAY
        on_account = total > 0 and rng.random() < (0.08 if age_days < 120 else 0.03)
        self.invoice_id += 1
        self.invoice_number += 1
        label = f"INV-{self.invoice_number}"
        day = self.fmt(closed)[:10]
        self.rows.invoices.append((
            self.invoice_id, self.invoice_number, label, ticket_id, self.fmt(closed), None,
            self.money(parts), self.money(labor), self.money(0), self.money(total),
            self.flag(on_account),
            self._snapshot(label, f"RO-{number}", day, party, title, parts, labor, total)))
        credited = 0
        if total >= 2_000 and rng.random() < 0.005:  # goodwill: a tenth of the invoice
            credited = total // 10
            self.note_id += 1
            self.note_number += 1
            self.rows.notes.append((
                self.note_id, self.note_number, f"CN-{self.note_number}", self.invoice_id,
                ticket_id, self.fmt(closed + DAY // 24), None, self.money(credited),
                "Goodwill: the car was ready a day late", self.flag(False), "[]"))
        due = total - credited - paid
        if not on_account:
            self._pay(ticket_id, closed, due)
            return 0
        now_paid = due * rng.randrange(0, 8) // 10
        self._pay(ticket_id, closed, now_paid)
        rest = due - now_paid
        # Older balances were mostly collected; recent ones are still open.
        collected = rng.random() < min(0.97, age_days / 120)
        if collected and rest > 0:
            later = closed + DAY * rng.randrange(7, max(8, min(age_days, 60)))
            self._pay(ticket_id, min(later, self.now - DAY // 24), rest)
            return 0
        return rest
