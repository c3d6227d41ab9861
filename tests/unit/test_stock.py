"""Stock on both backends: receiving, count corrections, the ledger and its check."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import AuditEntry
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import NotFound, StaleRecord, ValidationError
from mechanic_desktop.domain.records import ListQuery, StockDiscrepancy
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import parts, stock, workflow
from tests.unit import factories
from tests.unit import workflow_factories as wf


def test_receiving_adds_stock_with_a_movement(engine: Engine) -> None:
    jane = wf.actor(engine)
    uow = UnitOfWork(engine, actor=jane)
    pad = wf.part(uow, "BRK-01", on_hand=2)
    record = stock.receive_stock(uow, pad.id, 12, "  Delivery #881 ")
    assert (record.quantity_on_hand, record.version) == (14, pad.version + 1)
    assert wf.movements(engine)[-1] == (pad.id, 12, "receive", None, jane.id, "Delivery #881")
    assert stock.stock_discrepancies(uow) == []


def test_receiving_needs_a_positive_quantity(uow: UnitOfWork) -> None:
    pad = wf.part(uow)
    for bad, message in ((0, "between 1 and 1,000,000"), (None, "Enter how many"),
                         ("x", "whole number")):
        with pytest.raises(ValidationError, match=message):
            stock.receive_stock(uow, pad.id, bad, "")  # type: ignore[arg-type]
    with pytest.raises(NotFound, match="Part #999 no longer exists"):
        stock.receive_stock(uow, 999, 1)


def test_adjusting_books_the_difference(uow: UnitOfWork, engine: Engine) -> None:
    pad = wf.part(uow, "BRK-01", on_hand=10)
    with pytest.raises(ValidationError, match="Say why the count changed"):
        stock.adjust_stock(uow, pad.id, 7, " ")
    assert stock.adjust_stock(uow, pad.id, 7, "Two damaged, one missing").quantity_on_hand == 7
    assert stock.adjust_stock(uow, pad.id, 9, "Found two behind the shelf").quantity_on_hand == 9
    unchanged = stock.adjust_stock(uow, pad.id, 9, "Recount")
    assert unchanged.quantity_on_hand == 9
    assert [(m[1], m[2], m[5]) for m in wf.movements(engine)] == [
        (10, "initial", "Opening stock"),
        (-3, "adjust", "Two damaged, one missing"),
        (2, "adjust", "Found two behind the shelf"),
    ]
    with pytest.raises(ValidationError, match="between 0 and 1,000,000"):
        stock.adjust_stock(uow, pad.id, -1, "typo")
    assert stock.stock_discrepancies(uow) == []


def test_stock_moves_bump_the_part_version(uow: UnitOfWork) -> None:
    """A catalogue edit made from a copy read before a stock move is refused."""
    pad = wf.part(uow, "BRK-01", on_hand=10)
    stock.receive_stock(uow, pad.id, 1)
    with pytest.raises(StaleRecord):
        parts.update_part(
            uow, pad.id, parts.PartData("BRK-01", "Pads", "1.00"), expected_version=pad.version
        )


def test_movements_of_a_part_are_paged(uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow)
    pad = wf.part(uow, "BRK-01", on_hand=5)
    other = wf.part(uow, "OIL-1", on_hand=5)
    for n in range(1, 5):
        stock.receive_stock(uow, pad.id, n, f"delivery {n}")
    workflow.add_part_lines(uow, ticket.id, [(pad.id, 2), (other.id, 1)])
    first = stock.movements_of_part(uow, pad.id, ListQuery(descending=True, limit=4))
    assert [(r.quantity, r.reason) for r in first.rows] == [
        (-2, "ticket"), (4, "receive"), (3, "receive"), (2, "receive")
    ]
    assert first.rows[0].ticket_number == ticket.number
    assert first.next_cursor is not None
    rest = stock.movements_of_part(
        uow, pad.id, ListQuery(descending=True, limit=4, cursor=first.next_cursor)
    )
    assert [(r.quantity, r.reason) for r in rest.rows] == [(1, "receive"), (5, "initial")]
    assert rest.next_cursor is None
    found = stock.movements_of_part(uow, pad.id, ListQuery(search="delivery 3"))
    assert [r.note for r in found.rows] == ["delivery 3"]


def test_the_consistency_check_finds_a_count_changed_behind_the_ledger(
    uow: UnitOfWork, engine: Engine
) -> None:
    pad = wf.part(uow, "BRK-01", on_hand=5)
    wf.part(uow, "OIL-1", on_hand=0)
    assert stock.stock_discrepancies(uow) == []
    with engine.begin() as conn:
        conn.execute(text("UPDATE parts SET quantity_on_hand = 9 WHERE id = :id"), {"id": pad.id})
    assert stock.stock_discrepancies(uow) == [StockDiscrepancy(pad.id, "BRK-01", 9, 5)]


def test_a_delivery_of_several_parts_is_booked_at_once_with_its_costs(
    uow: UnitOfWork, engine: Engine
) -> None:
    oil = wf.part(uow, "OIL-1", on_hand=2, price="9.00")
    pads = wf.part(uow, "BRK-01", on_hand=0)
    found = stock.find_part_by_sku(uow, "  brk-01 ")
    assert found.id == pads.id
    received = stock.receive_delivery(uow, [
        stock.DeliveryLine(oil.id, 10, "4.15"),
        stock.DeliveryLine(pads.id, "4", ""),  # no cost on the note: cost kept
    ], "Delivery note 7781")
    assert [(r.sku, r.quantity_on_hand) for r in received] == [("OIL-1", 12), ("BRK-01", 4)]
    assert parts.get_part(uow, oil.id).unit_cost == Decimal("4.15")
    assert parts.get_part(uow, pads.id).unit_cost == Decimal("10.00")
    moves = [(m.quantity, m.reason, m.note) for m in
             stock.movements_of_part(uow, oil.id, ListQuery()).rows]
    assert (10, "receive", "Delivery note 7781") in moves
    assert stock.stock_discrepancies(uow) == []


def test_one_bad_line_books_nothing_and_names_the_line(uow: UnitOfWork) -> None:
    oil = wf.part(uow, "OIL-1", on_hand=2)
    pads = wf.part(uow, "BRK-01", on_hand=0)
    with pytest.raises(ValidationError) as refused:
        stock.receive_delivery(uow, [stock.DeliveryLine(oil.id, 3, "4.00"),
                                     stock.DeliveryLine(pads.id, 0, "-1")])
    assert set(refused.value.fields) == {"line:2:quantity", "line:2:unit_cost"}
    assert "Line 2" in refused.value.fields["line:2:quantity"]
    assert parts.get_part(uow, oil.id).quantity_on_hand == 2  # nothing of line 1 either
    with pytest.raises(ValidationError) as unknown:
        stock.find_part_by_sku(uow, "xyz")
    assert unknown.value.fields == {"sku": "No part has the SKU XYZ."}
    with pytest.raises(ValidationError) as blank:
        stock.find_part_by_sku(uow, "  ")
    assert blank.value.fields == {"sku": "Scan or type a SKU."}
    with pytest.raises(ValidationError, match="at least one part"):
        stock.receive_delivery(uow, [])


def _stock_trail(engine: Engine) -> list[tuple[object, ...]]:
    """The audit entries of stock received and counted: (action, entity, id, summary)."""
    with Session(engine) as session:
        return [tuple(r) for r in session.execute(
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                   AuditEntry.summary)
            .where(AuditEntry.action.in_(["receive", "adjust"]))
            .order_by(AuditEntry.id)
        )]


def test_stock_refusals_name_their_fields_and_the_trail_names_the_part(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Exact field errors (the dialog shows each beside its box) and exact audit entries
    for deliveries and counts, with and without a note."""
    pad = wf.part(uow, "BRK-01", on_hand=10)
    with pytest.raises(ValidationError) as caught:
        stock.receive_stock(uow, pad.id, 0, "x" * 501)
    assert caught.value.fields == {
        "quantity": "Quantity received must be between 1 and 1,000,000.",
        "note": "The note is too long (at most 500 characters).",
    }
    with pytest.raises(ValidationError) as caught:
        stock.adjust_stock(uow, pad.id, None, "")  # type: ignore[arg-type]
    assert caught.value.fields == {
        "counted_quantity": "Enter how many are on the shelf.",
        "note": "Say why the count changed (e.g. damaged, miscounted).",
    }
    with pytest.raises(NotFound, match="Part #999 no longer exists"):
        stock.adjust_stock(uow, 999, 1, "Recount")
    assert stock.receive_stock(uow, pad.id, 3).quantity_on_hand == 13
    assert stock.receive_stock(uow, pad.id, 2, " Delivery 7 ").quantity_on_hand == 15
    assert stock.adjust_stock(uow, pad.id, 12, "Three damaged").quantity_on_hand == 12
    assert _stock_trail(engine) == [
        ("receive", "part", pad.id, "+3"),
        ("receive", "part", pad.id, "+2 (Delivery 7)"),
        ("adjust", "part", pad.id, "on hand 15 → 12 (Three damaged)"),
    ]
    assert [m[5] for m in wf.movements(engine)][1:] == ["", "Delivery 7", "Three damaged"]
    jane = wf.actor(engine)
    stock.adjust_stock(UnitOfWork(engine, actor=jane), pad.id, 11, "One more damaged")
    assert wf.movements(engine)[-1] == (pad.id, -1, "adjust", None, jane.id, "One more damaged")


def test_a_delivery_is_checked_booked_as_the_receiver_and_audited_whole(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Exact refusals (an empty delivery, a line's quantity out of 1..1,000,000), each
    movement booked under the signed-in account with the note, one audit entry for the
    delivery; a count that is one more than on hand books +1."""
    oil = wf.part(uow, "OIL-1", on_hand=2)
    pads = wf.part(uow, "BRK-01", on_hand=0)
    with pytest.raises(ValidationError) as refused:
        stock.receive_delivery(uow, [])
    assert refused.value.fields == {"lines": "Add at least one part to the delivery."}
    with pytest.raises(ValidationError) as refused:
        stock.receive_delivery(uow, [stock.DeliveryLine(oil.id, 1_000_001, "")])
    assert refused.value.fields == {
        "line:1:quantity": "Line 1: quantity received must be between 1 and 1,000,000."}
    with pytest.raises(ValidationError) as refused:
        stock.adjust_stock(uow, oil.id, -1, "Recount")
    assert refused.value.fields == {
        "counted_quantity": "Counted quantity must be between 0 and 1,000,000."}
    uow.actor = factories.signed_in(uow, Role.ADMIN, "kim")
    stock.receive_delivery(uow, [stock.DeliveryLine(oil.id, 1, ""),
                                 stock.DeliveryLine(pads.id, 1_013, "")], "Note 7781")
    stock.receive_delivery(uow, [stock.DeliveryLine(pads.id, 3, "")])
    assert stock.adjust_stock(uow, oil.id, 4, "Found one").quantity_on_hand == 4
    rows = stock.movements_of_part(uow, pads.id, ListQuery()).rows
    assert [(m.quantity, m.reason, m.staff_name, m.note) for m in rows] == [
        (1_013, "receive", "Staff kim", "Note 7781"), (3, "receive", "Staff kim", "")]
    rows = stock.movements_of_part(uow, oil.id, ListQuery()).rows
    assert [(m.quantity, m.reason) for m in rows][-1] == (1, "adjust")
    assert _stock_trail(engine) == [
        ("receive", "delivery", None, "2 parts, 1,014 units (Note 7781)"),
        ("receive", "delivery", None, "1 parts, 3 units"),
        ("adjust", "part", oil.id, "on hand 3 → 4 (Found one)"),
    ]
    assert stock.stock_discrepancies(uow) == []
