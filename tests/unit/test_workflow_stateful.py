"""Random sequences of desk work against a model, on both backends: two tickets of
two jobs each, lines on either job (parts, labour, fees; taxable or not), the customer
approving, declining and deferring.

After every step: stock never negative and equal to its ledger; each ticket's movements
took exactly the lines of its approved jobs off the shelf (nothing for a job that is
not approved, everything back once cancelled); a line is ``taken`` only when its job is
approved, and a line of an approved job is either taken or on special order (what the
shelf could not cover, which nothing else takes and only an approved job has); and the
ticket's totals are those of its approved jobs' lines, special orders and fees included,
less the lines' own discounts and the ticket's discount spread over them, each line's tax
at its kind's rate (labour has its own) rounded once on what it bills, untaxed lines none.
"""

from __future__ import annotations

from dataclasses import replace
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
    TicketFee,
    TicketJob,
    TicketMechanic,
    TicketPart,
)
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.discounts import Discount, parse_discount, spread
from mechanic_desktop.domain.errors import StaleRecord, ValidationError
from mechanic_desktop.domain.jobs import AuthorisationMethod, JobStatus, amount_after
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.status import ALLOWED_TRANSITIONS, TicketStatus
from mechanic_desktop.domain.totals import (
    Charge,
    LineKind,
    Totals,
    charges_totals,
    labor_line,
    parts_line,
)
from mechanic_desktop.services import discounts, fees, jobs, shop, stock, tickets, workflow
from tests.conftest import empty_tables
from tests.unit import factories
from tests.unit import workflow_factories as wf

TICKETS = 2
PARTS = 2
JOBS = 2
ticket_index = st.integers(0, TICKETS - 1)
part_index = st.integers(0, PARTS - 1)
job_index = st.integers(0, JOBS - 1)
decision = st.sampled_from([None, JobStatus.APPROVED, JobStatus.DECLINED, JobStatus.DEFERRED])


class WorkflowMachine(RuleBasedStateMachine):
    engine: ClassVar[Engine]

    def __init__(self) -> None:
        super().__init__()
        empty_tables(self.engine)
        self.uow = UnitOfWork(self.engine)
        shop.get_settings(self.uow)
        self.settings = workflow.update_settings(
            self.uow, shop.ShopSettingsData("Shop", tax_rate="8.875", labor_taxed=True,
                                            labor_tax_rate="5.5"), 1
        )
        self.part_ids = [
            wf.part(self.uow, f"P-{i}", on_hand=3 + 2 * i, price=f"{7 + i}.35").id
            for i in range(PARTS)
        ]
        self.on_hand = {p: 3 + 2 * i for i, p in enumerate(self.part_ids)}
        c = factories.customer(self.uow)
        v = factories.vehicle(self.uow, c.id)
        self.ticket_ids = []
        self.job_ids: dict[int, list[int]] = {}
        for i in range(TICKETS):
            t = tickets.create_ticket(self.uow, tickets.TicketData(c.id, v.id, f"Job {i}"))
            detail = jobs.add_job(self.uow, t.id, jobs.JobData("Second job"), t.version)
            self.ticket_ids.append(t.id)
            self.job_ids[t.id] = [j.id for j in detail.jobs]
        self.status = dict.fromkeys(self.ticket_ids, TicketStatus.OPEN)
        self.job_status = {j: JobStatus.PROPOSED for js in self.job_ids.values() for j in js}
        #: ticket → (job, part, on special order) → quantity
        self.lines: dict[int, dict[tuple[int, int, bool], int]] = {
            t: {} for t in self.ticket_ids}
        #: ticket → job → minutes of Sam's time
        self.minutes: dict[int, dict[int, int]] = {t: {} for t in self.ticket_ids}
        #: ticket → job → whether Sam's labour line on it is taxable
        self.labour_taxed: dict[int, dict[int, bool]] = {t: {} for t in self.ticket_ids}
        #: ticket → fee line id → (job, amount, taxable)
        self.fees: dict[int, dict[int, tuple[int, Decimal, bool]]] = {
            t: {} for t in self.ticket_ids}
        #: fee line id → percent off it
        self.fee_discount: dict[int, Decimal] = {}
        self.ticket_discount: dict[int, Discount | None] = dict.fromkeys(self.ticket_ids)
        self.authorised = dict.fromkeys(self.ticket_ids, Decimal("0.00"))
        self.mechanic_id = wf.mechanic(self.uow, "Sam", "87.50").id
        self.rate = Decimal("87.50")

    # --- helpers ---------------------------------------------------------------------

    def detail(self, t: int) -> TicketDetail:
        return workflow.get_ticket_detail(self.uow, t)

    def active(self, t: int) -> bool:
        return self.status[t].is_active

    def approved(self, j: int) -> bool:
        return self.job_status[j] is JobStatus.APPROVED

    def expected_totals(self, t: int, statuses: dict[int, JobStatus] | None = None,
                        *, ticket_discount: bool = True) -> Totals:
        """The approved jobs' totals, by the model's own lines and discounts (without the
        ticket's own discount unless ``ticket_discount``)."""
        status = self.job_status | (statuses or {})
        ok = {j for j in self.job_ids[t] if status[j] is JobStatus.APPROVED}
        lines = [
            *(Charge(LineKind.LABOUR, labor_line(m, self.rate), self.labour_taxed[t][j])
              for j, m in self.minutes[t].items() if j in ok),
            *(Charge(LineKind.PART, parts_line(q, self.price(p)))
              for (j, p, _), q in self.lines[t].items() if j in ok),
            *(Charge(LineKind.FEE, amount, taxable,
                     Discount(self.fee_discount[f], reason="x").off(amount)
                     if f in self.fee_discount else Decimal("0.00"))
              for f, (j, amount, taxable) in self.fees[t].items() if j in ok),
        ]
        off = self.ticket_discount[t] if ticket_discount else None
        shares = (spread(off, [c.net for c in lines]) if off is not None
                  else [Decimal(0)] * len(lines))
        return charges_totals(
            [replace(c, discount=c.discount + s) for c, s in zip(lines, shares, strict=True)],
            self.settings.tax_rules)

    def expected_total(self, t: int, statuses: dict[int, JobStatus] | None = None) -> Decimal:
        return self.expected_totals(t, statuses).total

    def price(self, p: int) -> Decimal:
        return Decimal(f"{7 + self.part_ids.index(p)}.35")

    def put(self, t: int, key: tuple[int, int, bool], qty: int) -> None:
        if qty:
            self.lines[t][key] = self.lines[t].get(key, 0) + qty

    def fold_ordered(self, t: int, job_ids: list[int]) -> None:
        """The service folds a job's special orders into its ordinary lines."""
        for (j, p, ordered), q in list(self.lines[t].items()):
            if ordered and j in job_ids:
                del self.lines[t][(j, p, True)]
                self.put(t, (j, p, False), q)

    # --- rules -----------------------------------------------------------------------

    @rule(ti=ticket_index, ji=job_index, pi=part_index, qty=st.integers(1, 4),
          special=st.booleans())
    def add_line(self, ti: int, ji: int, pi: int, qty: int, special: bool) -> None:
        t, p = self.ticket_ids[ti], self.part_ids[pi]
        j = self.job_ids[t][ji]
        version = self.detail(t).ticket.version
        taking = self.approved(j)
        if self.active(t) and (not taking or special or self.on_hand[p] >= qty):
            workflow.add_part_lines(self.uow, t, [(p, qty)], version, j, special_order=special)
            from_shelf = min(qty, self.on_hand[p]) if taking else qty
            if taking:
                self.on_hand[p] -= from_shelf
            self.put(t, (j, p, False), from_shelf)
            self.put(t, (j, p, True), qty - from_shelf)
        else:
            with pytest.raises(ValidationError):
                workflow.add_part_lines(self.uow, t, [(p, qty)], version, j,
                                        special_order=special)

    @rule(ti=ticket_index, ji=job_index, pi=part_index, qty=st.integers(0, 6),
          ordered=st.booleans())
    def change_quantity(self, ti: int, ji: int, pi: int, qty: int, ordered: bool) -> None:
        t, p = self.ticket_ids[ti], self.part_ids[pi]
        j = self.job_ids[t][ji]
        detail = self.detail(t)
        line = next((ln for ln in detail.parts
                     if (ln.job_id, ln.part_id, ln.ordered) == (j, p, ordered)), None)
        if line is None:
            return
        more = qty - line.quantity
        taking = self.approved(j) and not ordered
        if self.active(t) and (not taking or self.on_hand[p] >= more):
            workflow.change_part_quantity(self.uow, line.id, qty, detail.ticket.version)
            if taking:
                self.on_hand[p] -= more
            if qty:
                self.lines[t][(j, p, ordered)] = qty
            else:
                del self.lines[t][(j, p, ordered)]
        else:
            with pytest.raises(ValidationError):
                workflow.change_part_quantity(self.uow, line.id, qty, detail.ticket.version)

    @rule(ti=ticket_index, ji=job_index, pi=part_index, ordered=st.booleans())
    def remove_line(self, ti: int, ji: int, pi: int, ordered: bool) -> None:
        t, p = self.ticket_ids[ti], self.part_ids[pi]
        j = self.job_ids[t][ji]
        line = next((ln for ln in self.detail(t).parts
                     if (ln.job_id, ln.part_id, ln.ordered) == (j, p, ordered)), None)
        if line is None:
            return
        if self.active(t):
            workflow.remove_part_line(self.uow, line.id)
            qty = self.lines[t].pop((j, p, ordered))
            if self.approved(j) and not ordered:
                self.on_hand[p] += qty
        else:
            with pytest.raises(ValidationError):
                workflow.remove_part_line(self.uow, line.id)

    @rule(ti=ticket_index, ji=job_index, minutes=st.sampled_from([0, 15, 60, 135]))
    def book_time(self, ti: int, ji: int, minutes: int) -> None:
        t = self.ticket_ids[ti]
        j = self.job_ids[t][ji]
        version = self.detail(t).ticket.version
        if self.active(t):
            workflow.assign_mechanics(self.uow, t, {self.mechanic_id: minutes}, version, j)
            self.minutes[t][j] = minutes
            self.labour_taxed[t].setdefault(j, True)
        else:
            with pytest.raises(ValidationError):
                workflow.assign_mechanics(self.uow, t, {self.mechanic_id: minutes}, version, j)

    @rule(ti=ticket_index, ji=job_index, amount=st.sampled_from(["0.99", "3.50", "12.07"]),
          taxable=st.booleans())
    def add_fee(self, ti: int, ji: int, amount: str, taxable: bool) -> None:
        t = self.ticket_ids[ti]
        j = self.job_ids[t][ji]
        version = self.detail(t).ticket.version
        data = fees.FeeData("Disposal fee", amount, taxable)
        if self.active(t):
            detail = fees.add_fee(self.uow, t, j, data, version)
            new = [f for f in detail.fees if f.id not in self.fees[t]]
            assert len(new) == 1 and new[0].job_id == j
            self.fees[t][new[0].id] = (j, Decimal(amount), taxable)
        else:
            with pytest.raises(ValidationError):
                fees.add_fee(self.uow, t, j, data, version)

    @rule(ti=ticket_index, remove=st.booleans())
    def change_fee(self, ti: int, remove: bool) -> None:
        """Remove the ticket's first fee, or flip whether it is taxed."""
        t = self.ticket_ids[ti]
        if not self.fees[t]:
            return
        line = min(self.fees[t])
        j, amount, taxable = self.fees[t][line]
        version = self.detail(t).ticket.version
        if not self.active(t):
            with pytest.raises(ValidationError):
                fees.remove_fee(self.uow, line, version)
        elif remove:
            fees.remove_fee(self.uow, line, version)
            del self.fees[t][line]
        else:
            fees.set_taxable(self.uow, LineKind.FEE, line, not taxable, version)
            self.fees[t][line] = (j, amount, not taxable)

    @rule(ti=ticket_index, percent=st.sampled_from([None, "12.5", "100"]))
    def discount_fee(self, ti: int, percent: str | None) -> None:
        """Take a percentage off the ticket's first fee (None: no discount)."""
        t = self.ticket_ids[ti]
        if not self.fees[t]:
            return
        line = min(self.fees[t])
        version = self.detail(t).ticket.version
        data = discounts.DiscountData(f"{percent}%" if percent else "", "Goodwill")
        if self.active(t):
            discounts.set_line_discount(self.uow, LineKind.FEE, line, data, version)
            if percent:
                self.fee_discount[line] = Decimal(percent)
            else:
                self.fee_discount.pop(line, None)
        else:
            with pytest.raises(ValidationError):
                discounts.set_line_discount(self.uow, LineKind.FEE, line, data, version)

    @rule(ti=ticket_index, text=st.sampled_from(["", "7%", "3.00", "500.00"]))
    def discount_ticket(self, ti: int, text: str) -> None:
        """A discount on the ticket's approved work, or none (blank)."""
        t = self.ticket_ids[ti]
        version = self.detail(t).ticket.version
        data = discounts.DiscountData(text, "Regular customer")
        given = parse_discount(text, "Regular customer")
        base = self.expected_totals(t, ticket_discount=False)
        base_net = base.parts + base.labor + base.fees - base.discount
        refused = not self.active(t) or (given is not None and (
            base_net <= 0 or (given.amount is not None and given.amount > base_net)))
        if refused:
            with pytest.raises(ValidationError):
                discounts.set_ticket_discount(self.uow, t, data, version)
            return
        discounts.set_ticket_discount(self.uow, t, data, version)
        self.ticket_discount[t] = given

    @rule(ti=ticket_index, ji=job_index)
    def flip_labour_tax(self, ti: int, ji: int) -> None:
        t = self.ticket_ids[ti]
        j = self.job_ids[t][ji]
        detail = self.detail(t)
        line = next((m for m in detail.mechanics if m.job_id == j), None)
        if line is None:
            return
        taxable = not self.labour_taxed[t][j]
        if self.active(t):
            fees.set_taxable(self.uow, LineKind.LABOUR, line.line_id, taxable,
                             detail.ticket.version)
            self.labour_taxed[t][j] = taxable
        else:
            with pytest.raises(ValidationError):
                fees.set_taxable(self.uow, LineKind.LABOUR, line.line_id, taxable,
                                 detail.ticket.version)

    @rule(ti=ticket_index, ji=job_index, pi=part_index)
    def take_ordered(self, ti: int, ji: int, pi: int) -> None:
        t, p = self.ticket_ids[ti], self.part_ids[pi]
        j = self.job_ids[t][ji]
        detail = self.detail(t)
        line = next((ln for ln in detail.parts
                     if (ln.job_id, ln.part_id, ln.ordered) == (j, p, True)), None)
        if line is None:
            return
        if self.active(t) and self.on_hand[p] >= line.quantity:
            workflow.take_ordered_line(self.uow, line.id, detail.ticket.version)
            self.on_hand[p] -= line.quantity
            del self.lines[t][(j, p, True)]
            self.put(t, (j, p, False), line.quantity)
        else:
            with pytest.raises(ValidationError):
                workflow.take_ordered_line(self.uow, line.id, detail.ticket.version)

    @rule(ti=ticket_index, first=decision, second=decision, wrong_amount=st.booleans(),
          special=st.booleans())
    def authorise(self, ti: int, first: JobStatus | None, second: JobStatus | None,
                  wrong_amount: bool, special: bool) -> None:
        t = self.ticket_ids[ti]
        chosen = {j: d for j, d in zip(self.job_ids[t], (first, second), strict=True)
                  if d is not None}
        detail = self.detail(t)
        amount = amount_after(detail, chosen, self.settings.tax_rules)
        assert amount == self.expected_total(t, chosen)
        data = jobs.AuthorisationData(
            chosen, "Pat Customer", AuthorisationMethod.IN_PERSON,
            amount + (Decimal("0.01") if wrong_amount else 0), special_order=special)
        newly = [j for j, d in chosen.items() if d is JobStatus.APPROVED and not self.approved(j)]
        need: dict[int, int] = {}
        for (j, p, _), q in self.lines[t].items():
            if j in newly:
                need[p] = need.get(p, 0) + q
        short = any(self.on_hand[p] < q for p, q in need.items())
        if not chosen or not self.active(t) or wrong_amount or (short and not special):
            with pytest.raises(ValidationError):
                jobs.record_authorisation(self.uow, t, data, detail.ticket.version)
            return
        jobs.record_authorisation(self.uow, t, data, detail.ticket.version)
        # The service takes in (part, line id) order; what the shelf lacks is ordered.
        for ln in sorted(detail.parts, key=lambda ln: (ln.part_id, ln.id)):
            j, p = ln.job_id, ln.part_id
            if j in newly:
                from_shelf = min(ln.quantity, self.on_hand[p])
                self.on_hand[p] -= from_shelf
                if from_shelf < ln.quantity:
                    self.lines[t][(j, p, False)] -= ln.quantity - from_shelf
                    if not self.lines[t][(j, p, False)]:
                        del self.lines[t][(j, p, False)]
                    self.put(t, (j, p, True), ln.quantity - from_shelf)
            elif (j in chosen and self.approved(j) and chosen[j] is not JobStatus.APPROVED
                  and not ln.ordered):
                self.on_hand[p] += ln.quantity
        self.fold_ordered(t, [j for j, d in chosen.items() if d is not JobStatus.APPROVED])
        self.job_status |= chosen
        self.authorised[t] = amount

    @rule(ti=ticket_index, new=st.sampled_from(list(TicketStatus)))
    def set_status(self, ti: int, new: TicketStatus) -> None:
        t = self.ticket_ids[ti]
        version = self.detail(t).ticket.version
        current = self.status[t]
        ours = self.job_ids[t]
        allowed = new is current or new in ALLOWED_TRANSITIONS[current]
        if new is not current and new in (TicketStatus.IN_PROGRESS, TicketStatus.COMPLETED):
            allowed = allowed and any(self.approved(j) for j in ours)
        if new is TicketStatus.COMPLETED and new is not current:
            allowed = allowed and all(self.job_status[j] is not JobStatus.PROPOSED
                                      for j in ours)
            allowed = allowed and self.expected_total(t) <= self.authorised[t]
            allowed = allowed and not any(o for _, _, o in self.lines[t])
        if allowed:
            workflow.set_status(self.uow, t, new, version, on_account=True)
            if new is TicketStatus.CANCELLED and current is not new:
                for (j, p, ordered), qty in self.lines[t].items():
                    if self.approved(j) and not ordered:
                        self.on_hand[p] += qty
                self.fold_ordered(t, ours)
            self.status[t] = new
        else:
            with pytest.raises(ValidationError):
                workflow.set_status(self.uow, t, new, version)

    @rule(ti=ticket_index)
    def reopen(self, ti: int) -> None:
        t = self.ticket_ids[ti]
        version = self.detail(t).ticket.version
        if self.status[t] in (TicketStatus.COMPLETED, TicketStatus.CLOSED):
            workflow.reopen_ticket(self.uow, t, "Customer came back", version,
                                   credit_note=True)
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
            lines: dict[int, list[tuple[int, int, int, Decimal, bool, bool]]] = {
                t: [] for t in self.ticket_ids}
            for t, j, p, q, price, taken, ordered in session.execute(
                select(TicketPart.ticket_id, TicketPart.job_id, TicketPart.part_id,
                       TicketPart.quantity, TicketPart.unit_price, TicketPart.taken,
                       TicketPart.ordered)
            ).all():
                lines[t].append((j, p, q, price, taken, ordered))
            labor: dict[int, list[tuple[int, int, Decimal, bool]]] = {
                t: [] for t in self.ticket_ids}
            for t, j, m, rate, taxable in session.execute(
                select(TicketMechanic.ticket_id, TicketMechanic.job_id, TicketMechanic.minutes,
                       TicketMechanic.hourly_rate, TicketMechanic.taxable)
            ).all():
                labor[t].append((j, m, rate, taxable))
            fee_rows: dict[int, dict[int, tuple[int, Decimal, bool]]] = {
                t: {} for t in self.ticket_ids}
            for line, t, j, amount, taxable in session.execute(
                select(TicketFee.id, TicketFee.ticket_id, TicketFee.job_id, TicketFee.amount,
                       TicketFee.taxable)
            ).all():
                fee_rows[t][line] = (j, amount, taxable)
            job_status = dict(session.execute(select(TicketJob.id, TicketJob.status)).all())
            rows = session.execute(
                select(ServiceTicket.id, ServiceTicket.status, ServiceTicket.parts_total,
                       ServiceTicket.labor_total, ServiceTicket.tax_total, ServiceTicket.total)
            ).all()
            ticket_rows = {r[0]: r[1:] for r in rows}
        assert on_hand == self.on_hand
        assert all(n >= 0 for n in on_hand.values())
        assert {p: int(ledger.get(p, 0)) for p in on_hand} == on_hand
        assert {j: JobStatus(s) for j, s in job_status.items()} == self.job_status
        for t in self.ticket_ids:
            status, parts_total, labor_total, tax, total = ticket_rows[t]
            assert TicketStatus(status) is self.status[t]
            cancelled = self.status[t] is TicketStatus.CANCELLED
            assert {(j, p, o): q for j, p, q, _, _, o in lines[t]} == self.lines[t]
            # Taken ⇒ the job is approved; an approved job's line is taken or on special
            # order, never both; nothing is either once cancelled.
            for j, _, _, _, taken, ordered in lines[t]:
                assert not (taken and ordered)
                assert taken + ordered == (self.approved(j) and not cancelled)
            taken_by_part: dict[int, int] = {}
            for _j, p, q, _, taken, _ in lines[t]:
                if taken:
                    taken_by_part[p] = taken_by_part.get(p, 0) + q
            assert moved[t] == taken_by_part
            assert fee_rows[t] == self.fees[t]
            ok = {j for j in self.job_ids[t] if self.approved(j)}
            counted = [(q, u) for j, _, q, u, _, _ in lines[t] if j in ok]
            time = [(m, r, taxable) for j, m, r, taxable in labor[t] if j in ok]
            billed_fees = [(a, taxable) for j, a, taxable in fee_rows[t].values() if j in ok]
            assert parts_total == sum((parts_line(q, u) for q, u in counted), Decimal(0))
            assert labor_total == sum((labor_line(m, r) for m, r, _ in time), Decimal(0))
            fees_total = sum((a for a, _ in billed_fees), Decimal(0))
            if self.status[t].is_active:
                expected = self.expected_totals(t)
                assert (parts_total, labor_total, tax, total) == (
                    expected.parts, expected.labor, expected.tax, expected.total)
                assert expected.fees == fees_total
                assert total == parts_total + labor_total + fees_total - expected.discount + tax


def test_random_desk_work_keeps_stock_and_tickets_consistent(engine: Engine) -> None:
    machine = type("Machine", (WorkflowMachine,), {"engine": engine})
    run_state_machine_as_test(
        machine,
        settings=settings(max_examples=25, stateful_step_count=20, deadline=None),
    )
