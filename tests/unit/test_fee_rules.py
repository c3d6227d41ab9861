"""The fee-line rules where they live (``services/fees.py``), each asserted exactly: a fee
refused on its own field with its own sentence (a description at its longest allowed), a
fee put on the job asked for, taxed or not, a fee removed, a line marked taxable or not
(or left as it was), each audited naming the line; and the refusals: a line removed at
another desk, a stale copy, a finished ticket.

The tickets are written straight to the tables (``test_discount_rules.shop_ticket``) and
then changed through the services, so that each test is cheap and the mutation run
(docs/mutation.md) judges the module by them. The shop never saved its settings: each
write stores the defaults, as every write to a ticket does.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import (
    FeeRuleRow,
    ShopSettings,
    TicketFee,
    TicketMechanic,
    TicketPart,
)
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import StaleRecord, ValidationError
from mechanic_desktop.domain.totals import LineKind
from mechanic_desktop.services import fees, workflow
from mechanic_desktop.services.fees import FeeData
from tests.unit.test_discount_rules import (
    READ_ONLY,
    STALE,
    audit,
    settings_version,
    shop_ticket,
    stored,
)

D = Decimal


def _fees(engine: Engine) -> list[tuple[int, str, Decimal, bool]]:
    """The fee lines as stored: (job id, description, amount, taxable)."""
    with Session(engine) as s:
        return [tuple(r) for r in s.execute(  # type: ignore[misc]
            select(TicketFee.job_id, TicketFee.description, TicketFee.amount,
                   TicketFee.taxable).order_by(TicketFee.id))]


def _forget_settings(engine: Engine) -> None:
    with Session(engine) as s:
        s.execute(delete(ShopSettings))
        s.commit()


# --- what is typed ------------------------------------------------------------------------


@pytest.mark.parametrize(("description", "amount", "fields"), [
    (" ", "3.00", {"description": "Say what the fee is for, e.g. \"Tyre disposal\"."}),
    ("x" * 201, "3.00", {"description": "The description is too long (at most 200 "
                                         "characters)."}),
    ("Disposal", " ", {"amount": "The fee is required."}),
    ("Disposal", "abc", {"amount": "The fee must be a number, like 12.50."}),
    ("Disposal", "0.004", {"amount": "The fee must be more than 0.00."}),
])
def test_a_bad_fee_is_refused_on_its_own_field(
    description: str, amount: str, fields: dict[str, str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        fees.check_fee(FeeData(description, amount))
    assert caught.value.fields == fields


def test_what_a_fee_keeps_of_what_is_typed() -> None:
    assert fees.check_fee(FeeData("x" * 200, "2.345")) == ("x" * 200, D("2.35"))
    assert fees.check_fee(FeeData("  Tyre \n disposal ", D("3.5"))) == (
        "Tyre disposal", D("3.50"))


def test_how_a_line_is_named() -> None:
    assert fees._line_name(TicketFee(id=3, description="Disposal")) == "fee Disposal"
    assert fees._line_name(TicketMechanic(id=4, operation="Fit pads")) == "labour Fit pads"
    assert fees._line_name(TicketMechanic(id=5, operation="")) == "labour #5"
    assert fees._line_name(TicketPart(id=6)) == "part line #6"


# --- a fee put on and taken off ------------------------------------------------------------


def test_a_fee_goes_on_the_job_asked_for_taxed_or_not(uow: UnitOfWork, engine: Engine) -> None:
    shop = shop_ticket(engine, jobs=("approved", "approved"), part=None, labour=False)
    detail = fees.add_fee(uow, shop.ticket, shop.jobs[1],
                          FeeData(" Tyre  disposal ", "3.50", taxable=False), 1)
    assert settings_version(engine) == 1  # the defaults stored
    assert detail.totals.fees == D("3.50") and detail.ticket.version == 2
    detail = fees.add_fee(uow, shop.ticket, shop.jobs[0], FeeData("Supplies", "2"), 2)
    assert _fees(engine) == [(shop.jobs[1], "Tyre disposal", D("3.50"), False),
                             (shop.jobs[0], "Supplies", D("2.00"), True)]
    assert detail.totals.fees == D("5.50")
    assert audit(engine) == [
        ("fees", "ticket", shop.ticket, "Ticket 7: Job 2: fee Tyre disposal 3.50, not taxed"),
        ("fees", "ticket", shop.ticket, "Ticket 7: Job 1: fee Supplies 2.00"),
    ]


def test_no_fee_on_a_stale_copy_or_a_finished_ticket(uow: UnitOfWork, engine: Engine) -> None:
    shop = shop_ticket(engine, status="completed")
    with pytest.raises(ValidationError) as caught:
        fees.add_fee(uow, shop.ticket, shop.jobs[0], FeeData("Disposal", "3.00"), 1)
    assert caught.value.fields == READ_ONLY
    with pytest.raises(StaleRecord, match=STALE):
        fees.add_fee(uow, shop.ticket, shop.jobs[0], FeeData("Disposal", "3.00"), 2)
    assert _fees(engine) == [] and audit(engine) == []


def test_a_fee_removed(uow: UnitOfWork, engine: Engine) -> None:
    shop = shop_ticket(engine, labour=False, fee="5.00")
    assert shop.fee is not None
    detail = fees.remove_fee(uow, shop.fee, 1)
    assert settings_version(engine) == 1  # the defaults stored
    assert detail.jobs[0].fees == () and detail.totals.total == D("50.00")
    assert audit(engine) == [("fees", "ticket", shop.ticket, "Ticket 7: removed fee Disposal 5.00")]
    with pytest.raises(ValidationError) as caught:
        fees.remove_fee(uow, shop.fee, 2)
    assert caught.value.fields == {
        "fee": "That fee line was removed at another desk; reload the ticket."}


def test_no_fee_removed_from_a_stale_copy_or_a_finished_ticket(
    uow: UnitOfWork, engine: Engine
) -> None:
    shop = shop_ticket(engine, status="completed", fee="5.00")
    assert shop.fee is not None
    with pytest.raises(ValidationError) as caught:
        fees.remove_fee(uow, shop.fee, 1)
    assert caught.value.fields == READ_ONLY
    with pytest.raises(StaleRecord, match=STALE):
        fees.remove_fee(uow, shop.fee, 2)
    assert len(_fees(engine)) == 1 and audit(engine) == []


def test_removing_a_fee_the_rules_put_on_is_refused_and_the_line_kept(
    uow: UnitOfWork, engine: Engine
) -> None:
    shop = shop_ticket(engine, part=None)  # 120.00 of labour: 8 % is 9.60
    with Session(engine) as s:
        s.add(FeeRuleRow(position=1, name="Shop supplies", percent=D("8"), base="labour",
                         automatic=True))
        line = TicketFee(ticket_id=shop.ticket, job_id=shop.jobs[0], description="Shop supplies",
                         amount=D("9.60"), automatic=True, taxable=False,
                         discount_percent=D("50"), discount_reason="Goodwill")
        s.add(line)
        s.commit()
        line_id = line.id
    with pytest.raises(ValidationError) as refused:
        fees.remove_fee(uow, line_id, 1)
    assert refused.value.fields == {"fee": "Shop supplies is put on by the shop's fee rules "
                                    "and would come straight back: to waive it on this "
                                    "ticket, give it a 100% discount."}
    after = workflow.get_ticket_detail(uow, shop.ticket).jobs[0].fees
    removed = [a for a in audit(engine) if "removed fee" in a[3]]
    kept = [(f.description, f.taxable, f.discount and f.discount.reason, f.automatic)
            for f in after]
    assert (kept, removed) == ([("Shop supplies", False, "Goodwill", True)], [])


# --- taxable or not -----------------------------------------------------------------------


def test_a_line_marked_taxable_or_not_or_left_as_it_was(
    uow: UnitOfWork, engine: Engine
) -> None:
    shop = shop_ticket(engine)
    assert shop.labour is not None and shop.bare_labour is not None
    detail = fees.set_taxable(uow, LineKind.LABOUR, shop.labour, True, 1)
    assert settings_version(engine) == 1 and detail.ticket.version == 2  # the defaults stored
    _forget_settings(engine)
    detail = fees.set_taxable(uow, "labour", shop.bare_labour, False, 2)
    assert settings_version(engine) == 1  # the defaults stored again
    assert [m.taxable for m in detail.jobs[0].mechanics] == [True, False]
    detail = fees.set_taxable(uow, LineKind.LABOUR, shop.bare_labour, True, 3)
    assert [m.taxable for m in detail.jobs[0].mechanics] == [True, True]
    assert audit(engine) == [
        ("tax", "ticket", shop.ticket, "Ticket 7: labour Fit pads unchanged"),
        ("tax", "ticket", shop.ticket, f"Ticket 7: labour #{shop.bare_labour} not taxable"),
        ("tax", "ticket", shop.ticket, f"Ticket 7: labour #{shop.bare_labour} taxable"),
    ]


def test_taxable_on_a_line_removed_or_a_finished_ticket(
    uow: UnitOfWork, engine: Engine
) -> None:
    shop = shop_ticket(engine, status="completed")
    assert shop.part is not None
    with pytest.raises(ValidationError) as caught:
        fees.set_taxable(uow, LineKind.PART, shop.part + 1, False, 1)
    assert caught.value.fields == {
        "taxable": "That part line was removed at another desk; reload the ticket."}
    with pytest.raises(ValidationError) as caught:
        fees.set_taxable(uow, LineKind.PART, shop.part, False, 1)
    assert caught.value.fields == READ_ONLY
    assert stored(engine, shop.ticket) == (1, D("0.00")) and audit(engine) == []
