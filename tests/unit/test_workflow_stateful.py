"""Random sequences of desk work against a model, on both backends.

After every step: stock never negative and equal to its ledger, each ticket's lines
matching what its movements took from the shelf, and totals equal to the sum of lines.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import (
    Part,
    ServiceTicket,
    StockMovement,
    TicketMechanic,
    TicketPart,
)
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import StaleRecord, ValidationError
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.status import ALLOWED_TRANSITIONS, TicketStatus
from mechanic_desktop.domain.totals import labor_line, parts_line, ticket_totals
from mechanic_desktop.services import shop, stock, tickets, workflow
from tests.conftest import empty_tables
from tests.unit import factories
from tests.unit import workflow_factories as wf

TICKETS = 2
PARTS = 2
ticket_index = st.integers(0, TICKETS - 1)
part_index = st.integers(0, PARTS - 1)


class WorkflowMachine(RuleBasedStateMachine):
    engine: ClassVar[Engine]

    def __init__(self) -> None:
        super().__init__()
        empty_tables(self.engine)
        self.uow = UnitOfWork(self.engine)
        shop.get_settings(self.uow)
        self.settings = workflow.update_settings(
            self.uow, shop.ShopSettingsData("Shop", tax_rate="8.875", labor_taxed=True), 1
        )
        self.part_ids = [
            wf.part(self.uow, f"P-{i}", on_hand=3 + 2 * i, price=f"{7 + i}.35").id
            for i in range(PARTS)
        ]
        self.on_hand = {p: 3 + 2 * i for i, p in enumerate(self.part_ids)}
        c = factories.customer(self.uow)
        v = factories.vehicle(self.uow, c.id)
        self.ticket_ids = [
            tickets.create_ticket(self.uow, tickets.TicketData(c.id, v.id, f"Job {i}")).id
            for i in range(TICKETS)
        ]
        self.status = dict.fromkeys(self.ticket_ids, TicketStatus.OPEN)
        self.lines: dict[int, dict[int, int]] = {t: {} for t in self.ticket_ids}
        self.mechanic_id = wf.mechanic(self.uow, "Sam", "87.50").id

    # --- helpers ---------------------------------------------------------------------

    def detail(self, t: int) -> TicketDetail:
        return workflow.get_ticket_detail(self.uow, t)

    def active(self, t: int) -> bool:
        return self.status[t].is_active

    # --- rules -----------------------------------------------------------------------

    @rule(ti=ticket_index, pi=part_index, qty=st.integers(1, 4))
    def add_line(self, ti: int, pi: int, qty: int) -> None:
        t, p = self.ticket_ids[ti], self.part_ids[pi]
        version = self.detail(t).ticket.version
        if self.active(t) and self.on_hand[p] >= qty:
            workflow.add_part_lines(self.uow, t, [(p, qty)], version)
            self.on_hand[p] -= qty
            self.lines[t][p] = self.lines[t].get(p, 0) + qty
        else:
            with pytest.raises(ValidationError):
                workflow.add_part_lines(self.uow, t, [(p, qty)], version)

    @rule(ti=ticket_index, pi=part_index, qty=st.integers(0, 6))
    def change_quantity(self, ti: int, pi: int, qty: int) -> None:
        t, p = self.ticket_ids[ti], self.part_ids[pi]
        detail = self.detail(t)
        line = next((ln for ln in detail.parts if ln.part_id == p), None)
        if line is None:
            return
        more = qty - line.quantity
        if self.active(t) and self.on_hand[p] >= more:
            workflow.change_part_quantity(self.uow, line.id, qty, detail.ticket.version)
            self.on_hand[p] -= more
            if qty:
                self.lines[t][p] = qty
            else:
                del self.lines[t][p]
        else:
            with pytest.raises(ValidationError):
                workflow.change_part_quantity(self.uow, line.id, qty, detail.ticket.version)

    @rule(ti=ticket_index, pi=part_index)
    def remove_line(self, ti: int, pi: int) -> None:
        t, p = self.ticket_ids[ti], self.part_ids[pi]
        line = next((ln for ln in self.detail(t).parts if ln.part_id == p), None)
        if line is None:
            return
        if self.active(t):
            workflow.remove_part_line(self.uow, line.id)
            self.on_hand[p] += self.lines[t].pop(p)
        else:
            with pytest.raises(ValidationError):
                workflow.remove_part_line(self.uow, line.id)

    @rule(ti=ticket_index, minutes=st.sampled_from([0, 15, 60, 135]))
    def book_time(self, ti: int, minutes: int) -> None:
        t = self.ticket_ids[ti]
        version = self.detail(t).ticket.version
        if self.active(t):
            workflow.assign_mechanics(self.uow, t, {self.mechanic_id: minutes}, version)
        else:
            with pytest.raises(ValidationError):
                workflow.assign_mechanics(self.uow, t, {self.mechanic_id: minutes}, version)

    @rule(ti=ticket_index, new=st.sampled_from(list(TicketStatus)))
    def set_status(self, ti: int, new: TicketStatus) -> None:
        t = self.ticket_ids[ti]
        version = self.detail(t).ticket.version
        current = self.status[t]
        if new is current or new in ALLOWED_TRANSITIONS[current]:
            workflow.set_status(self.uow, t, new, version)
            if new is TicketStatus.CANCELLED and current is not new:
                for p, qty in self.lines[t].items():
                    self.on_hand[p] += qty
            self.status[t] = new
        else:
            with pytest.raises(ValidationError):
                workflow.set_status(self.uow, t, new, version)

    @rule(ti=ticket_index)
    def reopen(self, ti: int) -> None:
        t = self.ticket_ids[ti]
        version = self.detail(t).ticket.version
        if self.status[t] in (TicketStatus.COMPLETED, TicketStatus.CLOSED):
            workflow.reopen_ticket(self.uow, t, "Customer came back", version)
            self.status[t] = TicketStatus.IN_PROGRESS
        else:
            with pytest.raises(ValidationError):
                workflow.reopen_ticket(self.uow, t, "Customer came back", version)

    @rule(ti=ticket_index, pi=part_index)
    def stale_edit(self, ti: int, pi: int) -> None:
        t, p = self.ticket_ids[ti], self.part_ids[pi]
        version = self.detail(t).ticket.version
        if version > 1:
            with pytest.raises(StaleRecord):
                workflow.add_part_lines(self.uow, t, [(p, 1)], version - 1)

    @rule(pi=part_index, qty=st.integers(1, 5))
    def receive(self, pi: int, qty: int) -> None:
        p = self.part_ids[pi]
        stock.receive_stock(self.uow, p, qty, "delivery")
        self.on_hand[p] += qty

    @rule(pi=part_index, counted=st.integers(0, 8))
    def adjust(self, pi: int, counted: int) -> None:
        p = self.part_ids[pi]
        stock.adjust_stock(self.uow, p, counted, "count")
        self.on_hand[p] = counted

    # --- invariants (one session, a handful of queries: they run after every step) ---

    @invariant()
    def stock_tickets_and_totals_agree(self) -> None:
        with Session(self.engine) as session:
            on_hand = {
                r[0]: r[1] for r in session.execute(select(Part.id, Part.quantity_on_hand))
            }
            ledger = {
                r[0]: int(r[1])
                for r in session.execute(
                    select(StockMovement.part_id, func.sum(StockMovement.quantity))
                    .group_by(StockMovement.part_id)
                )
            }
            moved: dict[int, dict[int, int]] = {t: {} for t in self.ticket_ids}
            for t, p, n in session.execute(
                select(
                    StockMovement.ticket_id,
                    StockMovement.part_id,
                    func.sum(StockMovement.quantity),
                )
                .where(StockMovement.ticket_id.is_not(None))
                .group_by(StockMovement.ticket_id, StockMovement.part_id)
            ).all():
                if n:
                    moved[t][p] = -int(n)
            lines: dict[int, list[tuple[int, int, Decimal]]] = {t: [] for t in self.ticket_ids}
            for t, p, q, price in session.execute(
                select(TicketPart.ticket_id, TicketPart.part_id, TicketPart.quantity,
                       TicketPart.unit_price)
            ).all():
                lines[t].append((p, q, price))
            labor: dict[int, list[tuple[int, Decimal]]] = {t: [] for t in self.ticket_ids}
            for t, m, rate in session.execute(
                select(TicketMechanic.ticket_id, TicketMechanic.minutes,
                       TicketMechanic.hourly_rate)
            ).all():
                labor[t].append((m, rate))
            rows = session.execute(
                select(ServiceTicket.id, ServiceTicket.status, ServiceTicket.parts_total,
                       ServiceTicket.labor_total, ServiceTicket.tax_total, ServiceTicket.total)
            ).all()
            ticket_rows = {r[0]: r[1:] for r in rows}
        assert on_hand == self.on_hand
        assert all(n >= 0 for n in on_hand.values())
        assert {p: int(ledger.get(p, 0)) for p in on_hand} == on_hand
        for t in self.ticket_ids:
            status, parts_total, labor_total, tax, total = ticket_rows[t]
            assert TicketStatus(status) is self.status[t]
            quantities = {p: q for p, q, _ in lines[t]}
            assert quantities == self.lines[t]
            assert moved[t] == ({} if self.status[t] is TicketStatus.CANCELLED else quantities)
            assert parts_total == sum((parts_line(q, u) for _, q, u in lines[t]), Decimal(0))
            assert labor_total == sum((labor_line(m, r) for m, r in labor[t]), Decimal(0))
            assert total == parts_total + labor_total + tax
            if self.status[t].is_active:
                expected = ticket_totals(
                    labor[t], [(q, u) for _, q, u in lines[t]],
                    self.settings.tax_rate, self.settings.labor_taxed,
                )
                assert tax == expected.tax


def test_random_desk_work_keeps_stock_and_tickets_consistent(engine: Engine) -> None:
    machine = type("Machine", (WorkflowMachine,), {"engine": engine})
    run_state_machine_as_test(
        machine,
        settings=settings(max_examples=25, stateful_step_count=20, deadline=None),
    )
