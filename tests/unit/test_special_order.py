"""Special order, on both backends: an approved job that wants more of a part than the
shelf holds takes what there is and puts the rest on order (when asked to); the order
report lists what tickets wait for; the stock, once received, is taken from the line;
a ticket waiting for parts cannot be completed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import ShortStock, ValidationError
from mechanic_desktop.domain.jobs import AuthorisationMethod, JobStatus, amount_after
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.services import jobs, parts, reports, shop, stock, workflow
from tests.unit import factories
from tests.unit import workflow_factories as wf


def _lines(detail: TicketDetail) -> list[tuple[str, int, bool, bool]]:
    return sorted((p.sku, p.quantity, p.taken, p.ordered) for p in detail.parts)


def _on_hand(uow: UnitOfWork, part_id: int) -> int:
    return parts.get_part(uow, part_id).quantity_on_hand


def _decide(uow: UnitOfWork, detail: TicketDetail, decision: JobStatus,
            special: bool = False) -> TicketDetail:
    decisions = {detail.jobs[0].id: decision}
    settings = shop.get_settings(uow)
    amount = amount_after(detail, decisions, settings.tax_rules)
    data = jobs.AuthorisationData(decisions, "Pat Customer", AuthorisationMethod.IN_PERSON,
                                  amount, special_order=special)
    return jobs.record_authorisation(uow, detail.ticket.id, data, detail.ticket.version)


def _waiting(uow: UnitOfWork, sku: str) -> int | None:
    line = next((r for r in reports.low_stock(uow) if r.sku == sku), None)
    return None if line is None else line.for_tickets


def test_short_part_is_refused_or_split_onto_special_order(uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow)
    pad = wf.part(uow, "BRK-01", on_hand=2, price="25.00")
    wf.part(uow, "OIL-01", on_hand=0)
    with pytest.raises(ShortStock) as refused:
        workflow.add_part_lines(uow, ticket.id, [(pad.id, 5)])
    assert refused.value.fields == {f"quantity:{pad.id}": "Only 2 of BRK-01 left; cannot take 5."}
    assert refused.value.offer() == (
        "Only 2 of BRK-01 left for 5 wanted: take those 2 and put the other 3 on special order?")
    assert _on_hand(uow, pad.id) == 2 and not workflow.get_ticket_detail(uow, ticket.id).parts
    assert _waiting(uow, "BRK-01") == 0  # low (2 at reorder level 2), nothing waits

    detail = workflow.add_part_lines(uow, ticket.id, [(pad.id, 5)], special_order=True)
    assert _lines(detail) == [("BRK-01", 2, True, False), ("BRK-01", 3, False, True)]
    assert _on_hand(uow, pad.id) == 0
    assert detail.totals.parts == Decimal("125.00")  # the order is billed like the rest
    [line] = [r for r in reports.low_stock(uow) if r.sku == "BRK-01"]
    assert (line.for_tickets, line.suggested) == (3, 3 + reports.suggested_order(0, 2, 2))

    # More of it while none is on the shelf: the order grows; the taken line stays.
    detail = workflow.add_part_lines(uow, ticket.id, [(pad.id, 1)], special_order=True)
    assert _lines(detail) == [("BRK-01", 2, True, False), ("BRK-01", 4, False, True)]


def test_ordered_stock_is_taken_when_it_arrives(uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow)
    pad = wf.part(uow, "BRK-01", on_hand=1)
    detail = workflow.add_part_lines(uow, ticket.id, [(pad.id, 4)], special_order=True)
    ordered = next(p for p in detail.parts if p.ordered)
    with pytest.raises(ShortStock, match=r"Only 0 of BRK-01 left; cannot take 3\."):
        workflow.take_ordered_line(uow, ordered.id)
    stock.receive_stock(uow, pad.id, 5, "delivery")
    detail = workflow.take_ordered_line(uow, ordered.id)
    assert _lines(detail) == [("BRK-01", 4, True, False)]
    assert _on_hand(uow, pad.id) == 2
    assert _waiting(uow, "BRK-01") == 0
    with pytest.raises(ValidationError, match="removed at another desk"):
        workflow.take_ordered_line(uow, ordered.id)
    taken = detail.parts[0].id
    with pytest.raises(ValidationError, match="not on special order"):
        workflow.take_ordered_line(uow, taken)


def test_a_ticket_waiting_for_parts_cannot_be_completed(uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow)
    pad = wf.part(uow, "BRK-01", on_hand=0)
    workflow.add_part_lines(uow, ticket.id, [(pad.id, 2)], special_order=True)
    detail = factories.authorise(uow, ticket.id)  # the customer agrees to the parts
    [line] = detail.parts
    assert (line.taken, line.ordered) == (False, True)
    detail = workflow.set_status(uow, ticket.id, "in_progress", detail.ticket.version)
    with pytest.raises(ValidationError) as refused:
        workflow.set_status(uow, ticket.id, "completed", detail.ticket.version)
    assert "waits for parts on special order (2 × BRK-01)" in str(refused.value)
    stock.receive_stock(uow, pad.id, 2, "delivery")
    detail = workflow.take_ordered_line(uow, line.id)
    detail = workflow.set_status(uow, ticket.id, "completed", detail.ticket.version)
    assert detail.ticket.status == "completed"


def test_approving_short_work_offers_the_order_and_declining_folds_it(
    uow: UnitOfWork,
) -> None:
    record = factories.ticket(uow, approved=False)
    pad = wf.part(uow, "BRK-01", on_hand=1)
    detail = workflow.add_part_lines(uow, record.id, [(pad.id, 4)])
    assert _lines(detail) == [("BRK-01", 4, False, False)]
    with pytest.raises(ShortStock, match=r"Only 1 of BRK-01 left; cannot take 4\."):
        _decide(uow, detail, JobStatus.APPROVED)
    assert workflow.get_ticket_detail(uow, record.id).jobs[0].status == "proposed"
    detail = _decide(uow, detail, JobStatus.APPROVED, special=True)
    assert _lines(detail) == [("BRK-01", 1, True, False), ("BRK-01", 3, False, True)]
    assert _on_hand(uow, pad.id) == 0 and _waiting(uow, "BRK-01") == 3

    detail = _decide(uow, detail, JobStatus.DECLINED)
    assert _lines(detail) == [("BRK-01", 4, False, False)]  # nothing waits, 1 back
    assert _on_hand(uow, pad.id) == 1 and _waiting(uow, "BRK-01") == 0

    # None on the shelf at all: the whole line is the order.
    stock.adjust_stock(uow, pad.id, 0, "count")
    detail = _decide(uow, detail, JobStatus.APPROVED, special=True)
    assert _lines(detail) == [("BRK-01", 4, False, True)]
    detail = workflow.set_status(uow, record.id, "cancelled", detail.ticket.version)
    assert _lines(detail) == [("BRK-01", 4, False, False)]
    assert _waiting(uow, "BRK-01") == 0
