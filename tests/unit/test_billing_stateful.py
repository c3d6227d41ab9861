"""Random sequences of front-desk money work against a model, on both backends: work
done, invoices posted (paid, or on account), payments, refunds, partial credit notes
(an amount, or the invoice's lines), customer credit applied from one ticket's
overpayment to another's balance, reopening with a credit note for what is left, more
work and a new invoice.

After every step: each ticket's balance is Σ invoices − Σ credit notes − Σ payments once
an invoice stands (its current total less payments before), and so is its stored
``owed``; the customer's balance is the sum of theirs; what was paid matches the model
and is never negative; no posted invoice's row or snapshot ever changes; invoice and
credit-note numbers are 1..N with no gap and no duplicate; an invoice's credit notes
never credit more than its total, and one cancels it exactly when they reach it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import CreditNote, Invoice, Payment, ServiceTicket
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.services import credit_notes, money_reports, payments, shop, workflow
from tests.conftest import empty_tables
from tests.unit import factories
from tests.unit import workflow_factories as wf

TICKETS = 3
ZERO = Decimal("0.00")
ticket_index = st.integers(0, TICKETS - 1)
cents = st.integers(1, 9000).map(lambda c: Decimal(c) / 100)


class BillingMachine(RuleBasedStateMachine):
    engine: ClassVar[Engine]

    def __init__(self) -> None:
        super().__init__()
        empty_tables(self.engine)
        self.uow = UnitOfWork(self.engine)
        shop.get_settings(self.uow)
        workflow.update_settings(self.uow, shop.ShopSettingsData("Shop", tax_rate="8.875"), 1)
        self.part = wf.part(self.uow, "PAD", on_hand=500, price="19.99").id
        c = factories.customer(self.uow)
        self.customer_id = c.id
        v = factories.vehicle(self.uow, c.id)
        self.ticket_ids = [
            factories.completed(self.uow, c.id, v.id, self.part, 1 + i, f"Job {i}").ticket.id
            for i in range(TICKETS)
        ]
        self.paid = dict.fromkeys(self.ticket_ids, ZERO)
        #: invoice id → (row values, snapshot) as posted
        self.posted: dict[int, tuple[Any, ...]] = {}

    def detail(self, t: int) -> TicketDetail:
        return workflow.get_ticket_detail(self.uow, t)

    def status(self, t: int) -> TicketStatus:
        return TicketStatus(self.detail(t).ticket.status)

    @rule(ti=ticket_index, amount=cents)
    def pay(self, ti: int, amount: Decimal) -> None:
        t = self.ticket_ids[ti]
        payments.take_payment(self.uow, t, payments.PaymentData(amount, "cash"),
                              self.detail(t).ticket.version)
        self.paid[t] += amount

    @rule(ti=ticket_index, amount=cents)
    def refund(self, ti: int, amount: Decimal) -> None:
        t = self.ticket_ids[ti]
        data = payments.RefundData(amount, "cash", "Customer asked")
        if amount > self.paid[t]:
            try:
                payments.refund_payment(self.uow, t, data, self.detail(t).ticket.version)
            except ValidationError as exc:
                assert "cannot be more than what was paid" in str(exc)
            else:
                raise AssertionError("a refund over what was paid was taken")
            return
        payments.refund_payment(self.uow, t, data, self.detail(t).ticket.version)
        self.paid[t] -= amount

    @rule(ti=ticket_index)
    def settle(self, ti: int) -> None:
        """Pay exactly what is due (if anything)."""
        t = self.ticket_ids[ti]
        due = self.detail(t).billing.balance
        if due > 0:
            self.pay(ti, due)

    @rule(ti=ticket_index, on_account=st.booleans())
    def close(self, ti: int, on_account: bool) -> None:
        t = self.ticket_ids[ti]
        detail = self.detail(t)
        due = detail.totals.total - self.paid[t]
        if detail.ticket.status == TicketStatus.CLOSED.value:  # already: nothing happens
            again = workflow.set_status(self.uow, t, "closed", detail.ticket.version,
                                        on_account=on_account)
            assert again.billing == detail.billing
            return
        ok = detail.ticket.status == TicketStatus.COMPLETED.value and (due <= 0 or on_account)
        if not ok:
            try:
                workflow.set_status(self.uow, t, "closed", detail.ticket.version,
                                    on_account=on_account)
            except ValidationError:
                return
            raise AssertionError("a ticket closed that should not have")
        detail = workflow.set_status(self.uow, t, "closed", detail.ticket.version,
                                     on_account=on_account)
        invoice = detail.billing.invoice
        assert invoice is not None and invoice.total == detail.totals.total
        assert invoice.on_account == (due > 0)
        with Session(self.engine) as s:
            row = s.get(Invoice, invoice.id)
            assert row is not None
            self.posted[invoice.id] = self._frozen(row)

    @staticmethod
    def _frozen(row: Invoice) -> tuple[Any, ...]:
        return (row.number, row.label, row.ticket_id, row.posted_at, row.total, row.tax_total,
                row.parts_total, row.labor_total, row.on_account, row.snapshot)

    def _owed(self, t: int) -> Decimal:
        """The model's Σ invoices − Σ credit notes − Σ payments of ticket ``t``."""
        with Session(self.engine) as s:
            invoiced = sum(s.scalars(select(Invoice.total).where(Invoice.ticket_id == t)),
                           ZERO)
            credited = sum(s.scalars(select(CreditNote.amount)
                                     .where(CreditNote.ticket_id == t)), ZERO)
        return invoiced - credited - self.paid[t]

    @rule(ti=ticket_index, amount=cents)
    def credit_an_amount(self, ti: int, amount: Decimal) -> None:
        t = self.ticket_ids[ti]
        detail = self.detail(t)
        invoice = detail.billing.invoice
        if invoice is None:
            return
        data = credit_notes.CreditData(invoice.id, "Goodwill", amount=amount)
        if amount > invoice.creditable:
            try:
                credit_notes.credit_invoice(self.uow, t, data, detail.ticket.version)
            except ValidationError as exc:
                assert "more than" in str(exc)
            else:
                raise AssertionError("a credit note beyond the invoice was issued")
            return
        after = credit_notes.credit_invoice(self.uow, t, data, detail.ticket.version)
        assert after.billing.credit_notes[-1].amount == amount

    @rule(ti=ticket_index)
    def credit_the_lines(self, ti: int) -> None:
        t = self.ticket_ids[ti]
        detail = self.detail(t)
        invoice = detail.billing.invoice
        if invoice is None:
            return
        lines = [x for x in credit_notes.invoice_lines(self.uow, invoice.id)
                 if not x.credited_by]
        if not lines:
            return
        data = credit_notes.CreditData(invoice.id, "Returned", lines=(lines[0].key,))
        try:
            credit_notes.credit_invoice(self.uow, t, data, detail.ticket.version)
        except ValidationError as exc:
            assert lines[0].credit > invoice.creditable and "more than" in str(exc)

    @rule(ti=ticket_index, amount=cents)
    def apply_credit(self, ti: int, amount: Decimal) -> None:
        t = self.ticket_ids[ti]
        detail = self.detail(t)
        sources = [(o, -self._owed(o)) for o in sorted(self.ticket_ids)
                   if o != t and self.status(o) is TicketStatus.CLOSED and self._owed(o) < 0]
        available = sum((c for _, c in sources), ZERO)
        due = detail.billing.balance
        if amount > due or amount > available:
            try:
                payments.apply_credit(self.uow, t, amount, detail.ticket.version)
            except ValidationError:
                return
            raise AssertionError("credit applied beyond the credit or the balance")
        payments.apply_credit(self.uow, t, amount, detail.ticket.version)
        left = amount
        for o, credit in sources:
            part = min(left, credit)
            self.paid[o] -= part
            self.paid[t] += part
            left -= part
            if not left:
                break

    @rule(ti=ticket_index)
    def reopen(self, ti: int) -> None:
        t = self.ticket_ids[ti]
        detail = self.detail(t)
        if not detail.reopenable:
            return
        workflow.reopen_ticket(self.uow, t, "Customer came back", detail.ticket.version,
                               credit_note=True)

    @rule(ti=ticket_index, more=st.integers(1, 3))
    def more_work_and_complete(self, ti: int, more: int) -> None:
        t = self.ticket_ids[ti]
        detail = self.detail(t)
        if detail.ticket.status != TicketStatus.IN_PROGRESS.value:
            return
        line = detail.parts[0]
        workflow.change_part_quantity(self.uow, line.id, line.quantity + more,
                                      detail.ticket.version)
        version = factories.authorise(self.uow, t).ticket.version
        workflow.set_status(self.uow, t, "completed", version)

    @invariant()
    def balances_add_up(self) -> None:
        with Session(self.engine) as s:
            invoices = s.scalars(select(Invoice).order_by(Invoice.number)).all()
            notes = s.scalars(select(CreditNote).order_by(CreditNote.number)).all()
            entries = s.scalars(select(Payment)).all()
            assert [i.number for i in invoices] == list(range(1, len(invoices) + 1))
            assert [n.number for n in notes] == list(range(1, len(notes) + 1))
            by_id = {i.id: i for i in invoices}
            credited_of: dict[int, Decimal] = {}
            for n in notes:
                assert by_id[n.invoice_id].ticket_id == n.ticket_id
                credited_of[n.invoice_id] = credited_of.get(n.invoice_id, ZERO) + n.amount
                assert credited_of[n.invoice_id] <= by_id[n.invoice_id].total
                assert n.cancels == (credited_of[n.invoice_id] == by_id[n.invoice_id].total)
            assert {i.id: self._frozen(i) for i in invoices} == self.posted
            owed = {t.id: t.owed for t in s.scalars(select(ServiceTicket))}
            for t in self.ticket_ids:
                billing = self.detail(t).billing
                paid = sum((p.amount for p in entries if p.ticket_id == t), ZERO)
                assert billing.paid == paid == self.paid[t] and paid >= 0
                invoiced = sum((i.total for i in invoices if i.ticket_id == t), ZERO)
                credited = sum((n.amount for n in notes if n.ticket_id == t), ZERO)
                assert owed[t] == invoiced - credited - paid
                if billing.invoice is not None:
                    assert self.status(t) is TicketStatus.CLOSED
                if self.status(t) is TicketStatus.CLOSED:  # credited in full or not
                    assert billing.balance == invoiced - credited - paid == owed[t]
                else:
                    assert invoiced == credited
                    assert billing.balance == self.detail(t).totals.total - paid
            statement = money_reports.statement(self.uow, self.customer_id)
            assert statement.balance == sum(owed.values(), ZERO)


def test_random_front_desk_money_work_keeps_the_books(engine: Engine) -> None:
    machine = type("Machine", (BillingMachine,), {"engine": engine})
    run_state_machine_as_test(
        machine,
        settings=settings(max_examples=15, stateful_step_count=25, deadline=None),
    )
