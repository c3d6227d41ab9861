"""The shared steps of every ticket write (services/workflow.py), each called as the
services call it, inside a transaction, on both backends: locking the ticket and what
the lock brings with it, the checks a status move makes, automatic fees, folding parts
on order, the totals put on the ticket, the ticket's discount and lines read once.

Other services (jobs, fees, discounts, payments, credit notes, recommendations) build on
these steps; the tests call them directly so that each rule is judged by its own test
(docs/mutation.md: the mutation run gives a function's mutants its most direct tests).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mechanic_desktop.db import ticket_loading
from mechanic_desktop.db.models import (
    FeeRuleRow,
    ServiceTicket,
    ShopSettings,
    StockMovement,
    TicketDiscount,
    TicketFee,
    TicketJob,
    TicketPart,
)
from mechanic_desktop.db.repositories import StockRepository
from mechanic_desktop.db.round_trips import RoundTrips
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.discounts import Discount
from mechanic_desktop.domain.errors import (
    NotFound,
    PermissionDenied,
    ShortStock,
    StaleRecord,
    ValidationError,
)
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.services import workflow
from mechanic_desktop.services.permissions import require
from mechanic_desktop.services.shop import fee_rules_in, settings_in
from tests.unit import workflow_factories as wf
from tests.unit.test_workflow_rules import _labour, _line, _mechanic, _part, _ticket

D = Decimal


def _sent(engine: Engine, call: Callable[[], Any]) -> tuple[Any, int]:
    """What ``call()`` returns, and how many statements it sent."""
    counter = RoundTrips(engine)
    with counter.counting():
        result = call()
    return result, counter.count


def _fields(call: Callable[[], Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.fields


def _ticket_row(uow: UnitOfWork, ticket_id: int) -> ServiceTicket:
    row = uow.session.get(ServiceTicket, ticket_id)
    assert row is not None
    return row


# --- locking the ticket --------------------------------------------------------------------


def test_the_lock_brings_the_account_the_fee_rules_and_the_parts_along(
    engine: Engine,
) -> None:
    """One exchange reads the ticket with the signed-in account, the fee rules and the
    parts about to go on; the write's later checks and the new line's name need no
    second read, and locking again in the same transaction reads nothing."""
    ticket_id, [job] = _ticket(engine)
    pad = _part(engine)
    uow = UnitOfWork(engine, actor=wf.actor(engine))
    with uow.writing():
        ticket, first = _sent(engine, lambda: workflow._lock_ticket(
            uow, ticket_id, 1, lines=True, action=Action.ASSIGN_WORK, part_ids=[pad]))
        assert ticket.id == ticket_id
        rules, after = _sent(engine, lambda: (
            require(uow, Action.ASSIGN_WORK), fee_rules_in(uow),
            workflow._lock_ticket(uow, ticket_id, 1, lines=True),
            workflow._authorisations(uow, ticket_id)))
        assert (rules[1], rules[3], after) == ((), [], 0)
        uow.session.add(TicketPart(ticket_id=ticket_id, job_id=job, part_id=pad, quantity=1,
                                   unit_price=D("25.00"), taken=True))
        lines, flushed = _sent(engine, lambda: workflow._lines(uow, ticket_id))
        assert [(tp.quantity, sku, name) for tp, sku, name in lines[2]] == [
            (1, "BRK-01", "Part BRK-01")]
        assert flushed == 1  # the INSERT, and nothing read again
    # The ticket, its jobs, labour, parts, fees, authorisations and billing; the account
    # (with the settings), the fee rules, the parts (SQLite: one statement each).
    assert first == (10 if engine.dialect.name == "sqlite" else 1)


def test_a_lock_without_parts_reads_none(uow: UnitOfWork, engine: Engine) -> None:
    ticket_id, _ = _ticket(engine)
    with uow.writing():
        _, sent = _sent(engine, lambda: workflow._lock_ticket(uow, ticket_id, 1, lines=True))
        assert ticket_loading.held(uow.session, ticket_id) is not None
    assert sent == (8 if engine.dialect.name == "sqlite" else 1)  # ticket, lines, fee rules


def test_a_ticket_gone_is_refused_by_its_id(uow: UnitOfWork) -> None:
    with uow.writing(), pytest.raises(NotFound) as gone:
        workflow._lock_ticket(uow, 999, None, lines=False)
    assert str(gone.value) == (
        "Ticket #999 no longer exists; it may have been deleted at another desk.")


def test_a_stale_version_is_refused_saying_when_and_by_whom(engine: Engine) -> None:
    """Refused naming when the ticket row was last changed, and who did it when the
    audit trail says so."""
    ticket_id, _ = _ticket(engine)
    uow = UnitOfWork(engine)
    with Session(engine) as s:
        changed = s.get_one(ServiceTicket, ticket_id).updated_at
    when = changed.astimezone().strftime("%Y-%m-%d %H:%M")
    with uow.writing(), pytest.raises(StaleRecord) as stale:
        workflow._lock_ticket(uow, ticket_id, 2, lines=False)
    assert str(stale.value) == (
        f"Ticket RO-7 was changed at another desk at {when} after you opened it; it has been "
        "reloaded. Apply your changes again.")
    jane = UnitOfWork(engine, actor=wf.actor(engine, "jane", "Jane Desk"))
    workflow.set_status(jane, ticket_id, "in_progress", 1)
    with uow.writing(), pytest.raises(StaleRecord) as stale:
        workflow._lock_ticket(uow, ticket_id, 1, lines=False)
    assert str(stale.value).startswith("Ticket RO-7 was changed at another desk by Jane Desk at ")


@pytest.mark.parametrize(("status", "why"), [
    ("cancelled", "Ticket RO-7 is cancelled; its lines can no longer change."),
    ("completed", "Ticket RO-7 is completed, so its lines are read-only. Reopen it first if "
     "more work is needed."),
    ("closed", "Ticket RO-7 is closed, so its lines are read-only. Reopen it first if more "
     "work is needed."),
])
def test_a_finished_tickets_lines_are_locked(
    uow: UnitOfWork, engine: Engine, status: str, why: str
) -> None:
    ticket_id, _ = _ticket(engine, status=status)
    with uow.writing():
        assert _fields(lambda: workflow._lock_ticket(uow, ticket_id, 1, lines=True)) == {
            "status": why}
        assert workflow._lock_ticket(uow, ticket_id, 1, lines=False).status == status


def test_the_permission_is_checked_before_the_copy(engine: Engine) -> None:
    """Someone who may not do it at all is told so, however old their copy."""
    ticket_id, _ = _ticket(engine)
    bay = UnitOfWork(engine, actor=wf.actor(engine, "sam", "Sam", Role.MECHANIC))
    with bay.writing(), pytest.raises(PermissionDenied):
        workflow._lock_ticket(bay, ticket_id, 5, lines=True, action=Action.ASSIGN_WORK)
    with pytest.raises(PermissionDenied):
        workflow.set_status(bay, ticket_id, "cancelled", 5)


def test_a_mechanic_works_only_on_tickets_assigned_to_them(
    uow: UnitOfWork, engine: Engine
) -> None:
    ticket_id, [job] = _ticket(engine)
    sam, ann = _mechanic(engine, "Sam Wrench"), _mechanic(engine, "Ann Bolt")
    _labour(engine, ticket_id, job, sam, 30)
    on_it = Actor(1, "sam", "Sam Wrench", Role.MECHANIC, sam)
    not_on_it = Actor(2, "ann", "Ann Bolt", Role.MECHANIC, ann)
    writer = Actor(3, "pat", "Pat Desk", Role.WRITER, None)
    with uow.writing():
        ticket = _ticket_row(uow, ticket_id)
        for actor in (None, on_it, writer):
            workflow._own_ticket_only(uow, actor, ticket, "book time on")
        with pytest.raises(PermissionDenied) as denied:
            workflow._own_ticket_only(uow, not_on_it, ticket, "book time on")
        assert str(denied.value) == (
            "Mechanics can book time on only the tickets assigned to them; ticket RO-7 is not "
            "assigned to Ann Bolt.")


def test_a_line_goes_on_a_job_of_the_ticket(uow: UnitOfWork, engine: Engine) -> None:
    ticket_id, [first, second] = _ticket(engine, "approved", "approved")
    other_id, [elsewhere] = _ticket(engine, number=8)
    with uow.writing():
        ticket = _ticket_row(uow, ticket_id)
        assert [workflow._job_of(uow, ticket, j).id for j in (None, first, second)] == [
            first, first, second]
        assert _fields(lambda: workflow._job_of(uow, ticket, elsewhere)) == {
            "job": "That job was removed at another desk; reload the ticket."}
    with Session(engine) as s:
        s.query(TicketJob).filter_by(ticket_id=other_id).delete()
        s.commit()
    with uow.writing():
        assert _fields(lambda: workflow._job_of(uow, _ticket_row(uow, other_id), None)) == {
            "job": "Ticket RO-8 has no job yet; add one first."}


def test_quantities_on_a_line() -> None:
    assert workflow._check_quantity(1, 1) == 1
    assert workflow._check_quantity(10_000, 0) == 10_000
    assert workflow._check_quantity(0, 0) == 0
    for bad, minimum, why in ((True, 1, "Quantity must be a whole number."),
                              ("2", 1, "Quantity must be a whole number."),
                              (0, 1, "Quantity must be between 1 and 10,000."),
                              (10_001, 0, "Quantity must be between 0 and 10,000.")):
        assert _fields(lambda b=bad, m=minimum: workflow._check_quantity(b, m)) == {
            "quantity": why}


def test_a_status_move_says_what_the_desk_saw() -> None:
    workflow._require_copy(3, None)
    workflow._require_copy(None, "open")
    with pytest.raises(ValueError) as bad:
        workflow._require_copy(None, None)
    assert str(bad.value) == "a status change needs the version or the status the desk saw"


# --- the checks of a status move ------------------------------------------------------------


def _check(uow: UnitOfWork, ticket_id: int, new: TicketStatus) -> dict[str, str] | None:
    """What ``_check_work_may`` refuses the move with (None: it lets it happen)."""
    with uow.writing():
        try:
            workflow._check_work_may(uow, _ticket_row(uow, ticket_id), new)
        except ValidationError as refused:
            return refused.fields
    return None


def test_work_starts_only_on_an_approved_job(uow: UnitOfWork, engine: Engine) -> None:
    ticket_id, _ = _ticket(engine, "proposed", "declined")
    why = {"status": "Ticket RO-7 has no approved job: record the customer's authorisation "
           "before work starts."}
    assert _check(uow, ticket_id, TicketStatus.IN_PROGRESS) == why
    assert _check(uow, ticket_id, TicketStatus.COMPLETED) == why
    assert _check(uow, ticket_id, TicketStatus.CANCELLED) is None
    started, _ = _ticket(engine, "approved", "proposed", number=8)
    assert _check(uow, started, TicketStatus.IN_PROGRESS) is None


def test_a_ticket_waiting_for_parts_on_order_does_not_complete(
    uow: UnitOfWork, engine: Engine
) -> None:
    ticket_id, [job] = _ticket(engine, status="in_progress")
    pad, oil = _part(engine), _part(engine, "OIL-01")
    _line(engine, ticket_id, job, pad, 2, taken=False, ordered=True)
    _line(engine, ticket_id, job, oil, 1, taken=True)
    _line(engine, ticket_id, job, oil, 3, taken=False, ordered=True)
    assert _check(uow, ticket_id, TicketStatus.COMPLETED) == {
        "status": "Ticket RO-7 waits for parts on special order (2 × BRK-01, 3 × OIL-01): take "
        "them from stock when they arrive (Take from stock on the line), or remove them, "
        "before completing it."}


def test_a_ticket_with_proposed_work_does_not_complete(uow: UnitOfWork, engine: Engine) -> None:
    ticket_id, _ = _ticket(engine, "approved", "proposed", "deferred", "proposed",
                           status="in_progress")
    assert _check(uow, ticket_id, TicketStatus.COMPLETED) == {
        "status": "Ticket RO-7 still has proposed work (Job 2, Job 4): record whether the "
        "customer approves, declines or defers it first."}


def test_a_ticket_completes_only_within_what_was_authorised(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Priced first (today's rules): 40.00 of approved work against 30.00 authorised
    needs 10.00 more; within the shop's tolerance it completes."""
    ticket_id, [job, _] = _ticket(engine, "approved", "declined", status="in_progress",
                                  authorised="30.00")
    _line(engine, ticket_id, job, _part(engine), 2, "20.00")
    assert _check(uow, ticket_id, TicketStatus.COMPLETED) == {
        "status": "Ticket RO-7 needs the customer's authorisation for 10.00 more before it can "
        "be completed."}
    with Session(engine) as s:
        s.get_one(ShopSettings, 1).authorisation_tolerance = D("10.00")
        s.commit()
    assert _check(uow, ticket_id, TicketStatus.COMPLETED) is None


# --- automatic fees ---------------------------------------------------------------------------


def _rules(engine: Engine, *rules: tuple[str, str | None, str | None, str | None, bool, bool]
           ) -> None:
    """Fee rules (name, amount, percent, base, automatic, taxable), in order."""
    with Session(engine) as s:
        s.add_all(FeeRuleRow(position=i, name=name, amount=None if amount is None else D(amount),
                             percent=None if pct is None else D(pct), base=base,
                             automatic=automatic, taxable=taxable)
                  for i, (name, amount, pct, base, automatic, taxable) in enumerate(rules))
        s.commit()


def _fee_rows(engine: Engine) -> list[tuple[int, int, str, Decimal, bool, bool]]:
    with Session(engine) as s:
        return sorted((f.ticket_id, f.job_id, f.description, f.amount, f.taxable, f.automatic)
                      for f in s.scalars(select(TicketFee)))


def _sync(uow: UnitOfWork, ticket_id: int) -> bool:
    with uow.writing():
        changed = workflow._sync_automatic_fees(
            uow, _ticket_row(uow, ticket_id), workflow._lines(uow, ticket_id))
        uow.commit()
    return changed


SUPPLIES = ("Supplies", None, "10", "labour", True, True)
PARTS_FEE = ("Parts fee", None, "10", "parts", True, False)
DISPOSAL = ("Disposal", "3.50", None, None, False, True)


def _fees_of(engine: Engine, ticket_id: int) -> list[tuple[int, str, Decimal, bool, bool]]:
    return [row[1:] for row in _fee_rows(engine) if row[0] == ticket_id]


def test_automatic_fees_follow_each_jobs_work_and_the_rules_of_the_day(
    uow: UnitOfWork, engine: Engine
) -> None:
    """One test, so that a busy mutation run, which may keep only the cheapest test of a
    function, still judges every rule of it. With no rules an automatic fee goes (and
    with none either, nothing changes). Each job with work carries the automatic fees on
    its own labour or parts; a job with no work carries none; a fee that comes to nothing
    is not put on (one of exactly 1.00 is); a fee by hand is never put on by itself, nor
    taken off. A fee whose job's work changed is re-priced (keeping its taxable flag);
    one no rule wants any more is taken off."""
    pad = _part(engine)
    bare, [job] = _ticket(engine, number=1)
    _line(engine, bare, job, pad, 1, "10.00")
    assert _sync(uow, bare) is False  # no rules, no fees: nothing to do
    with Session(engine) as s:
        s.add(TicketFee(ticket_id=bare, job_id=job, description="Supplies", amount=D("1.00"),
                        automatic=True))
        s.commit()
    assert _sync(uow, bare) is True
    assert _fees_of(engine, bare) == []

    _rules(engine, SUPPLIES, PARTS_FEE, DISPOSAL)
    fresh, [idle, labour, parts] = _ticket(engine, "approved", "approved", "approved",
                                           number=2)
    _labour(engine, fresh, labour, _mechanic(engine, "Sam"), 30)  # 40.00
    _line(engine, fresh, parts, pad, 1, "10.00")
    assert _sync(uow, fresh) is True
    assert _fees_of(engine, fresh) == [
        (labour, "Supplies", D("4.00"), True, True),
        (parts, "Parts fee", D("1.00"), False, True),
    ]
    assert idle not in {row[0] for row in _fees_of(engine, fresh)}
    assert _sync(uow, fresh) is False  # as the rules want them

    older, [first, second] = _ticket(engine, "approved", "approved", number=3)
    _labour(engine, older, first, _mechanic(engine, "Ann"), 60)  # 80.00
    _line(engine, older, second, pad, 1, "10.00")
    with Session(engine) as s:
        s.add_all([
            TicketFee(ticket_id=older, job_id=first, description="Supplies",
                      amount=D("4.00"), taxable=False, automatic=True),
            TicketFee(ticket_id=older, job_id=second, description="Supplies",
                      amount=D("1.00"), automatic=True),
            TicketFee(ticket_id=older, job_id=second, description="Disposal",
                      amount=D("3.50"), automatic=False),
        ])
        s.commit()
    assert _sync(uow, older) is True
    assert _fees_of(engine, older) == [
        (first, "Supplies", D("8.00"), False, True),  # keeps its taxable flag
        (second, "Disposal", D("3.50"), True, False),
        (second, "Parts fee", D("1.00"), False, True),
    ]


# --- the totals put on the ticket --------------------------------------------------------------


def test_the_ticket_totals_are_its_approved_work_less_its_discount(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Approved jobs only, each line's discount and the ticket's, tax on what is left."""
    ticket_id, [job, proposed] = _ticket(engine, "approved", "proposed")
    pad = _part(engine)
    _line(engine, ticket_id, job, pad, 4, "25.00")
    _line(engine, ticket_id, proposed, pad, 1, "60.00")
    with Session(engine) as s:
        s.add(TicketDiscount(ticket_id=ticket_id, discount_amount=D("10.00"),
                             discount_reason="Regular"))
        s.get_one(ShopSettings, 1).tax_rate = D("10")
        s.commit()
    with uow.writing():
        ticket = _ticket_row(uow, ticket_id)
        workflow._recompute(uow, ticket, settings_in(uow, create=True))
        assert (ticket.parts_total, ticket.labor_total, ticket.tax_total, ticket.total) == (
            D("100.00"), D("0.00"), D("9.00"), D("99.00"))


def test_a_finished_tickets_automatic_fees_are_not_repriced(
    uow: UnitOfWork, engine: Engine
) -> None:
    _rules(engine, PARTS_FEE)
    ticket_id, [job] = _ticket(engine, status="completed")
    _line(engine, ticket_id, job, _part(engine), 1, "10.00")
    with Session(engine) as s:
        s.add(TicketFee(ticket_id=ticket_id, job_id=job, description="Parts fee",
                        amount=D("4.00"), taxable=False, automatic=True))
        s.commit()
    with uow.writing():
        ticket = _ticket_row(uow, ticket_id)
        workflow._recompute(uow, ticket, settings_in(uow, create=True))
        assert ticket.total == D("14.00")
        uow.commit()
    assert _fee_rows(engine) == [(ticket_id, job, "Parts fee", D("4.00"), False, True)]


def test_a_tax_change_reprices_each_open_ticket_and_counts_them(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Each ticket with its own discount; only those whose total or tax moved count."""
    pad = _part(engine)
    ids = []
    for number, status in ((1, "open"), (2, "in_progress"), (3, "in_progress"),
                           (4, "completed")):
        ticket_id, [job] = _ticket(engine, status=status, number=number, parts="10.00",
                                   total="10.00")
        if number != 3:  # ticket 3 has no lines: nothing to tax
            _line(engine, ticket_id, job, pad, 1, "10.00")
        ids.append(ticket_id)
    with Session(engine) as s:
        s.add(TicketDiscount(ticket_id=ids[0], discount_percent=D("50"),
                             discount_reason="Regular"))
        s.get_one(ShopSettings, 1).tax_rate = D("10")
        s.commit()
    with uow.writing():
        assert workflow._reprice_tickets(uow, ["open", "in_progress"]) == 3
        uow.commit()
    with Session(engine) as s:
        assert [s.get_one(ServiceTicket, t).total for t in ids] == [
            D("5.50"), D("11.00"), D("0.00"), D("10.00")]


# --- read once per transaction --------------------------------------------------------------


def test_the_ticket_discount_is_read_once_a_transaction_and_for_its_own_ticket(
    uow: UnitOfWork, engine: Engine
) -> None:
    with_discount, _ = _ticket(engine)
    without, _ = _ticket(engine, number=8)
    with Session(engine) as s:
        s.add(TicketDiscount(ticket_id=with_discount, discount_percent=D("10"),
                             discount_reason="Regular"))
        s.commit()
    regular = Discount(D("10"), None, "Regular")
    with uow.writing():
        uow.session.execute(select(1))  # the transaction under way (PostgreSQL: BEGIN sent)
        assert _sent(engine, lambda: workflow._ticket_discount(uow, with_discount)) == (
            regular, 1)
        assert _sent(engine, lambda: workflow._ticket_discount(uow, with_discount)) == (
            regular, 0)
        assert _sent(engine, lambda: workflow._ticket_discount(uow, without)) == (None, 1)
        assert _sent(engine, lambda: workflow._ticket_discount(uow, without)) == (None, 0)


def test_the_lines_are_read_once_a_transaction(uow: UnitOfWork, engine: Engine) -> None:
    ticket_id, [job] = _ticket(engine)
    _line(engine, ticket_id, job, _part(engine), 2)
    with uow.writing():
        uow.session.execute(select(1))  # the transaction under way (PostgreSQL: BEGIN sent)
        first, sent = _sent(engine, lambda: workflow._lines(uow, ticket_id))
        assert sent == 4 and [tp.quantity for tp, _, _ in first[2]] == [2]
        assert _sent(engine, lambda: workflow._lines(uow, ticket_id)) == (first, 0)


# --- parts ----------------------------------------------------------------------------------------


def test_taking_from_the_shelf_books_the_ticket_and_who(engine: Engine) -> None:
    """Taken: a movement naming the ticket and the staff member. Short: refused naming
    what is on the shelf (none, for a part that is gone)."""
    ticket_id, _ = _ticket(engine)
    pad = _part(engine, on_hand=3)
    jane = wf.actor(engine)
    uow = UnitOfWork(engine, actor=jane)
    with uow.writing():
        stock, ticket = StockRepository(uow.session), _ticket_row(uow, ticket_id)
        workflow._take(uow, stock, ticket, pad, "BRK-01", 2)
        with pytest.raises(ShortStock) as short:
            workflow._take(uow, stock, ticket, pad, "BRK-01", 2)
        assert short.value.short == {pad: ("BRK-01", 1, 2)}
        with pytest.raises(ShortStock) as short:
            workflow._take(uow, stock, ticket, 999, "GONE-1", 1)
        assert short.value.short == {999: ("GONE-1", 0, 1)}
        uow.commit()
    with Session(engine) as s:
        assert [(m.part_id, m.quantity, m.reason, m.ticket_id, m.staff_user_id)
                for m in s.scalars(select(StockMovement))] == [
            (pad, -2, "ticket", ticket_id, jane.id)]


def test_what_waited_on_order_folds_into_its_jobs_line(uow: UnitOfWork, engine: Engine) -> None:
    """Each ordered line joins the ordinary line of its part on its own job, or becomes
    one; ordinary lines stay as they are."""
    ticket_id, [first, second] = _ticket(engine, "approved", "approved")
    pad, oil = _part(engine), _part(engine, "OIL-01")
    _line(engine, ticket_id, first, oil, 1)
    _line(engine, ticket_id, first, pad, 4)
    _line(engine, ticket_id, first, pad, 2, taken=False, ordered=True)
    _line(engine, ticket_id, second, pad, 3, taken=False, ordered=True)
    _line(engine, ticket_id, first, oil, 5, taken=False, ordered=True)
    with uow.writing():
        rows = list(uow.session.scalars(select(TicketPart).order_by(TicketPart.id)))
        workflow._fold_ordered(uow, rows)
        uow.commit()
    with Session(engine) as s:
        assert sorted((tp.job_id, tp.part_id, tp.quantity, tp.ordered)
                      for tp in s.scalars(select(TicketPart))) == [
            (first, pad, 6, False), (first, oil, 6, False), (second, pad, 3, False)]


def test_a_save_hands_back_the_detail_it_was_given(uow: UnitOfWork, engine: Engine) -> None:
    """A write that already holds the fresh detail (closing, with the invoice it posted)
    saves without reading the ticket again: the audit row, the ticket, the commit."""
    ticket_id, _ = _ticket(engine)
    with uow.writing():
        ticket = _ticket_row(uow, ticket_id)
        shown = workflow._detail(uow, ticket)
        ticket.description = "Brakes squeal"
        detail, sent = _sent(engine, lambda: workflow._save(uow, ticket, "status", "noted",
                                                            shown))
    assert (detail.ticket.description, detail.ticket.version, detail.jobs) == (
        "Brakes squeal", 2, shown.jobs)
    assert sent == 3  # INSERT audit_log, UPDATE service_tickets, COMMIT


def test_a_shop_that_never_saved_its_settings_reads_a_ticket_with_the_defaults(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A read stores nothing (it could not: its transaction is read-only)."""
    ticket_id, [job] = _ticket(engine, settings=False)
    _line(engine, ticket_id, job, _part(engine), 2, "10.00")
    with uow.reading():
        detail = workflow._detail(uow, _ticket_row(uow, ticket_id))
    assert (detail.ticket.number, detail.estimate.total if detail.estimate else None) == (
        7, D("20.00"))
    with Session(engine) as s:
        assert s.get(ShopSettings, 1) is None
