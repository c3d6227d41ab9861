"""The discount rules where they live (``services/discounts.py``), each asserted exactly:
which field a bad discount is refused on, the shop's limit for a service writer (at it is
allowed, over it refused naming the discount and the limit; administrators and the
program itself held to nothing but the amount the discount is taken off), a line's or the
ticket's discount given, changed and taken away with what the row keeps and what the audit
trail says, what a ticket discount is taken off (the approved lines after their own
discounts), and the refusals: a line removed at another desk, a stale copy, a finished
ticket, a ticket with no approved work.

The tickets are written straight to the tables (one short transaction) and then changed
through the services, so that each test is cheap and the mutation run
(docs/mutation.md) judges the module by them. The shop's settings row is left out unless
a test needs a limit: a write on a shop that never saved its settings stores the defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import (
    AuditEntry,
    Customer,
    Part,
    ServiceTicket,
    ShopSettings,
    TicketDiscount,
    TicketFee,
    TicketJob,
    TicketMechanic,
    TicketPart,
    Vehicle,
)
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.discounts import Discount
from mechanic_desktop.domain.errors import PermissionDenied, StaleRecord, ValidationError
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.domain.totals import LineKind
from mechanic_desktop.services import discounts
from mechanic_desktop.services.discounts import DiscountData
from mechanic_desktop.services.shop import DEFAULTS
from tests.unit import factories
from tests.unit import workflow_factories as wf

D = Decimal
LIMIT_10 = replace(DEFAULTS, max_writer_discount=D("10"))
WRITER = Actor(5, "wendy", "Wendy Writer", Role.WRITER, None)
ADMIN = Actor(6, "ann", "Ann Admin", Role.ADMIN, None)


@dataclass(frozen=True)
class Shop:
    """A ticket written straight to the tables, and its lines' ids."""

    ticket: int
    jobs: list[int]
    labour: int | None
    bare_labour: int | None
    part: int | None
    fee: int | None


def shop_ticket(
    engine: Engine, *, status: str = "open", jobs: tuple[str, ...] = ("approved",),
    labour: bool = True, part: str | None = "25.00", part_off: str | None = None,
    fee: str | None = None, limit: str | None = None,
) -> Shop:
    """Ticket 7 of Ada's car in ``status``, with a job of each status in ``jobs`` ("Job 1",
    "Job 2", …). The first job holds (``labour``) 1 h of "Fit pads" at 80.00 and 30 min of
    labour with no operation at 80.00, (``part``) 2 × a part at that price (``part_off``
    off it), and (``fee``) a "Disposal" fee of that amount. The stored totals are 0.00:
    the first write recomputes them. The shop's settings row is stored only with a
    writer's ``limit``."""
    with Session(engine) as s:
        if limit is not None:
            s.add(ShopSettings(id=1, max_writer_discount=D(limit)))
        owner = Customer(name="Ada Lovelace", name_key="ada lovelace", surname_key="lovelace")
        s.add(owner)
        s.flush()
        car = Vehicle(customer_id=owner.id, vin=factories.VINS[0])
        s.add(car)
        s.flush()
        ticket = ServiceTicket(number=7, customer_id=owner.id, vehicle_id=car.id,
                               status=status)
        s.add(ticket)
        s.flush()
        job_rows = [TicketJob(ticket_id=ticket.id, position=i, title=f"Job {i}", status=j)
                    for i, j in enumerate(jobs, start=1)]
        s.add_all(job_rows)
        s.flush()
        first = job_rows[0].id
        fit = bare = part_line = fee_line = None
        if labour:
            fit = TicketMechanic(ticket_id=ticket.id, job_id=first, operation="Fit pads",
                                 minutes=60, hourly_rate=D("80.00"))
            bare = TicketMechanic(ticket_id=ticket.id, job_id=first, minutes=30,
                                  hourly_rate=D("80.00"))
            s.add_all([fit, bare])
        if part is not None:
            pad = Part(sku="PAD", name="Pads", name_key="pads", unit_price=D(part),
                       quantity_on_hand=10)
            s.add(pad)
            s.flush()
            part_line = TicketPart(ticket_id=ticket.id, job_id=first, part_id=pad.id,
                                   quantity=2, unit_price=D(part),
                                   discount_amount=D(part_off) if part_off else None,
                                   discount_reason="Loyal" if part_off else "")
            s.add(part_line)
        if fee is not None:
            fee_line = TicketFee(ticket_id=ticket.id, job_id=first, description="Disposal",
                                 amount=D(fee))
            s.add(fee_line)
        s.commit()
        return Shop(ticket.id, [j.id for j in job_rows], fit and fit.id, bare and bare.id,
                    part_line and part_line.id, fee_line and fee_line.id)


def audit(engine: Engine) -> list[tuple[str, str, int | None, str]]:
    """The audit trail: (action, entity, entity id, summary), oldest first."""
    with Session(engine) as s:
        return [tuple(r) for r in s.execute(  # type: ignore[misc]
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                   AuditEntry.summary).order_by(AuditEntry.id))]


def settings_version(engine: Engine) -> int | None:
    """The stored settings row's version (None: the shop never saved its settings)."""
    with Session(engine) as s:
        row = s.get(ShopSettings, 1)
        return None if row is None else row.version


def stored(engine: Engine, ticket_id: int) -> tuple[int, Decimal]:
    """The ticket's version and total as stored."""
    with Session(engine) as s:
        row = s.get(ServiceTicket, ticket_id)
        assert row is not None
        return row.version, row.total


def writer(uow: UnitOfWork, engine: Engine, role: Role = Role.WRITER) -> Actor:
    uow.actor = wf.actor(engine, "wendy", "Wendy Writer", role)
    return uow.actor


STALE = (r"^Ticket RO-7 was changed at another desk.* after you opened it; it has been "
         r"reloaded\. Apply your changes again\.$")
READ_ONLY = {"status": "Ticket RO-7 is completed, so its lines are read-only. Reopen it "
             "first if more work is needed."}


# --- what is typed ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "reason", "fields"), [
    ("abc", "x", {"discount": "Type the discount as a percentage (10%) or an amount (5.00)."}),
    ("0", "x", {"discount": "A discount must be more than 0."}),
    ("10%", " ", {"reason": "Say why the discount is given (e.g. loyal customer)."}),
    ("10%", "x" * 201, {"reason": "The reason is too long (at most 200 characters)."}),
])
def test_a_bad_discount_is_refused_on_its_own_field(
    text: str, reason: str, fields: dict[str, str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        discounts.check_discount(DiscountData(text, reason))
    assert caught.value.fields == fields


def test_what_is_typed_and_how_it_is_said() -> None:
    assert discounts.check_discount(DiscountData(" ", "")) is None
    given = discounts.check_discount(DiscountData("12.5 %", " Loyal  customer "))
    assert given == Discount(D("12.500"), None, "Loyal customer")
    assert discounts._said(given) == "discount 12.5% (Loyal customer)"
    assert discounts._said(Discount(None, D("5.00"), "Dent")) == "discount 5.00 (Dent)"
    assert discounts._said(None) == "no discount"


def test_applying_no_discount_clears_the_row() -> None:
    row = TicketPart(discount_percent=D("10"), discount_amount=None, discount_reason="Loyal")
    discounts._apply(row, Discount(None, D("4.00"), "Dent"))
    assert (row.discount_percent, row.discount_amount, row.discount_reason) == (
        None, D("4.00"), "Dent")
    discounts._apply(row, None)
    assert (row.discount_percent, row.discount_amount, row.discount_reason) == (None, None, "")


# --- the shop's limit ---------------------------------------------------------------------


def test_the_limit_holds_a_writer_but_not_an_administrator_or_the_program() -> None:
    fifty = D("50.00")
    for actor in (None, ADMIN):
        # Anything up to the whole of what it is taken off.
        assert discounts._within_limit(actor, Discount(D("60"), None, "x"), fifty,
                                       LIMIT_10) is None
        assert discounts._within_limit(actor, Discount(None, fifty, "x"), fifty,
                                       LIMIT_10) is None
    # A writer up to the limit exactly, as a percentage or an amount.
    assert discounts._within_limit(WRITER, Discount(D("10"), None, "x"), fifty,
                                   LIMIT_10) is None
    assert discounts._within_limit(WRITER, Discount(None, D("5.00"), "x"), fifty,
                                   LIMIT_10) is None


@pytest.mark.parametrize("actor", [None, ADMIN, WRITER])
def test_an_amount_over_what_it_is_taken_off_is_refused_for_everyone(
    actor: Actor | None,
) -> None:
    with pytest.raises(ValidationError) as caught:
        discounts._within_limit(actor, Discount(None, D("50.01"), "x"), D("50.00"), LIMIT_10)
    assert caught.value.fields == {
        "discount": "A discount of 50.01 is more than the 50.00 it is taken off."}


@pytest.mark.parametrize(("discount", "given"), [
    (Discount(D("10.5"), None, "x"), "10.5%"),
    (Discount(None, D("5.55"), "x"), "5.55 (11.1%)"),
])
def test_a_writer_over_the_limit_is_told_the_discount_and_the_limit(
    discount: Discount, given: str,
) -> None:
    with pytest.raises(PermissionDenied) as caught:
        discounts._within_limit(WRITER, discount, D("50.00"), LIMIT_10)
    assert str(caught.value) == (
        f"A discount of {given} is over the largest a service writer may give (10%); an "
        "administrator can give it, or change the limit in Shop settings.")


@pytest.mark.parametrize(("amount", "base", "shown"), [
    ("5.01", "50.00", "10.02"),     # a tenth would read 10 %, the limit itself
    ("50.02", "500.00", "10.004"),  # a hundredth too: to the thousandth
    ("6.00", "50.00", "12"),
])
def test_an_amount_just_over_the_limit_is_shown_over_it(amount: str, base: str,
                                                        shown: str) -> None:
    with pytest.raises(PermissionDenied) as caught:
        discounts._within_limit(WRITER, Discount(None, D(amount), "x"), D(base), LIMIT_10)
    found = re.match(r"A discount of [\d.]+ \(([\d.]+)%\) is over the largest a service "
                     r"writer may give \(([\d.]+)%\)", str(caught.value))
    assert found is not None
    assert (found[1], found[2]) == (shown, "10")


# --- a line's discount --------------------------------------------------------------------


def test_a_line_discount_given_and_taken_away_is_audited(
    uow: UnitOfWork, engine: Engine
) -> None:
    """On a shop that never saved its settings: the write stores the defaults."""
    shop = shop_ticket(engine)
    assert shop.part is not None
    detail = discounts.set_line_discount(uow, LineKind.PART, shop.part,
                                         DiscountData("10%", "Loyal customer"), 1)
    assert detail.totals.discount == D("5.00")
    assert settings_version(engine) == 1
    detail = discounts.set_line_discount(uow, "part", shop.part, DiscountData("", ""), 2)
    assert detail.totals.discount == D("0.00") and detail.ticket.version == 3
    with Session(engine) as s:
        row = s.get(TicketPart, shop.part)
        assert row is not None
        assert (row.discount_percent, row.discount_amount, row.discount_reason) == (
            None, None, "")
    assert audit(engine) == [
        ("discount", "ticket", shop.ticket,
         f"Ticket 7: part line #{shop.part}: discount 10% (Loyal customer)"),
        ("discount", "ticket", shop.ticket, f"Ticket 7: part line #{shop.part}: no discount"),
    ]


def test_a_writer_is_held_to_the_limit_on_a_line(uow: UnitOfWork, engine: Engine) -> None:
    shop = shop_ticket(engine, limit="10")
    writer(uow, engine)
    assert shop.labour is not None
    with pytest.raises(PermissionDenied) as caught:
        discounts.set_line_discount(uow, LineKind.LABOUR, shop.labour,
                                    DiscountData("8.80", "Loyal"), 1)
    assert str(caught.value) == (
        "A discount of 8.80 (11%) is over the largest a service writer may give (10%); an "
        "administrator can give it, or change the limit in Shop settings.")
    assert stored(engine, shop.ticket) == (1, D("0.00")) and audit(engine) == []
    detail = discounts.set_line_discount(uow, LineKind.LABOUR, shop.labour,
                                         DiscountData("8.00", "Loyal"), 1)
    assert detail.totals.discount == D("8.00")


def test_a_line_removed_at_another_desk_or_on_a_finished_ticket(
    uow: UnitOfWork, engine: Engine
) -> None:
    shop = shop_ticket(engine, status="completed", fee="5.00")
    assert shop.fee is not None
    with pytest.raises(ValidationError) as caught:
        discounts.set_line_discount(uow, LineKind.FEE, shop.fee + 1,
                                    DiscountData("10%", "x"), 1)
    assert caught.value.fields == {
        "discount": "That fee line was removed at another desk; reload the ticket."}
    with pytest.raises(ValidationError) as caught:
        discounts.set_line_discount(uow, LineKind.FEE, shop.fee, DiscountData("10%", "x"), 1)
    assert caught.value.fields == READ_ONLY
    assert audit(engine) == []


# --- the ticket's discount ----------------------------------------------------------------


def test_what_a_ticket_discount_is_taken_off(uow: UnitOfWork, engine: Engine) -> None:
    """The approved jobs' lines after their own discounts: 80.00 + 40.00 of labour and
    50.00 − 10.00 of parts, plus the 5.00 fee; the proposed job's fee is left out."""
    shop = shop_ticket(engine, part_off="10.00", fee="5.00", jobs=("approved", "proposed"))
    with Session(engine) as s:
        s.add(TicketFee(ticket_id=shop.ticket, job_id=shop.jobs[1], description="Tow",
                        amount=D("30.00")))
        s.commit()
    with uow:
        ticket = uow.session.get(ServiceTicket, shop.ticket)
        assert ticket is not None
        assert discounts._approved_net(uow, ticket) == D("165.00")


def test_a_ticket_discount_is_taken_off_what_the_lines_bill_after_their_own(
    uow: UnitOfWork, engine: Engine
) -> None:
    shop = shop_ticket(engine, labour=False, part_off="10.00")
    with pytest.raises(ValidationError) as caught:
        discounts.set_ticket_discount(uow, shop.ticket, DiscountData("40.01", "x"), 1)
    assert caught.value.fields == {
        "discount": "A discount of 40.01 is more than the 40.00 it is taken off."}
    detail = discounts.set_ticket_discount(uow, shop.ticket, DiscountData("40.00", "x"), 1)
    assert detail.totals.discount == D("50.00") and detail.totals.total == D("0.00")


def test_a_ticket_discount_given_and_changed(uow: UnitOfWork, engine: Engine) -> None:
    """Who gave it is kept, a change rewrites the one row, each is audited. On a shop
    that never saved its settings: the write stores the defaults."""
    shop = shop_ticket(engine)
    actor = writer(uow, engine, Role.ADMIN)
    detail = discounts.set_ticket_discount(uow, shop.ticket, DiscountData("10.00", "Regular"),
                                           1)
    assert settings_version(engine) == 1
    assert detail.discount == Discount(None, D("10.00"), "Regular")
    assert detail.totals.discount == D("10.00") and detail.totals.total == D("160.00")
    detail = discounts.set_ticket_discount(uow, shop.ticket, DiscountData("5%", "Fleet"), 2)
    assert detail.totals.discount == D("8.50") and detail.ticket.version == 3
    with Session(engine) as s:
        rows = [(r.given_by, r.discount_percent, r.discount_amount, r.discount_reason)
                for r in s.scalars(select(TicketDiscount))]
    assert rows == [(actor.id, D("5.000"), None, "Fleet")]
    assert audit(engine) == [
        ("discount", "ticket", shop.ticket, "Ticket 7: ticket: discount 10.00 (Regular)"),
        ("discount", "ticket", shop.ticket, "Ticket 7: ticket: discount 5% (Fleet)"),
    ]


def test_a_ticket_discount_taken_away(uow: UnitOfWork, engine: Engine) -> None:
    """Blank deletes the row (in a transaction that has not read the ticket's discount
    yet); blank again has nothing to take away, and the ticket is still saved."""
    shop = shop_ticket(engine)
    with Session(engine) as s:
        s.add(TicketDiscount(ticket_id=shop.ticket, discount_amount=D("3.00"),
                             discount_reason="Old"))
        s.commit()
    detail = discounts.set_ticket_discount(uow, shop.ticket, DiscountData("", ""), 1)
    assert detail.discount is None and detail.totals.total == D("170.00")
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(TicketDiscount)) == 0
    detail = discounts.set_ticket_discount(uow, shop.ticket, DiscountData(" ", "Old"), 2)
    assert detail.ticket.version == 3
    assert audit(engine) == [
        ("discount", "ticket", shop.ticket, "Ticket 7: ticket: no discount"),
        ("discount", "ticket", shop.ticket, "Ticket 7: ticket: no discount"),
    ]


def test_a_writer_is_held_to_the_limit_on_the_ticket(uow: UnitOfWork, engine: Engine) -> None:
    shop = shop_ticket(engine, limit="10")
    writer(uow, engine)
    with pytest.raises(PermissionDenied) as caught:
        discounts.set_ticket_discount(uow, shop.ticket, DiscountData("10.5%", "Fleet"), 1)
    assert str(caught.value) == (
        "A discount of 10.5% is over the largest a service writer may give (10%); an "
        "administrator can give it, or change the limit in Shop settings.")
    assert stored(engine, shop.ticket) == (1, D("0.00")) and audit(engine) == []


def test_a_ticket_discount_on_a_dollar_of_approved_work(
    uow: UnitOfWork, engine: Engine
) -> None:
    shop = shop_ticket(engine, labour=False, part=None, fee="1.00")
    detail = discounts.set_ticket_discount(uow, shop.ticket, DiscountData("10%", "x"), 1)
    assert detail.totals.discount == D("0.10") and detail.totals.total == D("0.90")


def test_no_ticket_discount_without_approved_work(uow: UnitOfWork, engine: Engine) -> None:
    shop = shop_ticket(engine, jobs=("proposed",))
    with pytest.raises(ValidationError) as caught:
        discounts.set_ticket_discount(uow, shop.ticket, DiscountData("5%", "x"), 1)
    assert caught.value.fields == {
        "discount": "The ticket has no approved work to discount yet: record the "
        "customer's authorisation first, or discount a line."}
    assert stored(engine, shop.ticket) == (1, D("0.00"))


def test_a_ticket_discount_on_a_stale_copy_or_a_finished_ticket(
    uow: UnitOfWork, engine: Engine
) -> None:
    shop = shop_ticket(engine)
    with pytest.raises(StaleRecord, match=STALE):
        discounts.set_ticket_discount(uow, shop.ticket, DiscountData("5%", "x"), 2)
    with Session(engine) as s:
        row = s.get(ServiceTicket, shop.ticket)
        assert row is not None
        row.status = "completed"
        s.commit()
    with pytest.raises(ValidationError) as caught:
        discounts.set_ticket_discount(uow, shop.ticket, DiscountData("5%", "x"), 2)
    assert caught.value.fields == READ_ONLY
    assert audit(engine) == []
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(TicketDiscount)) == 0
