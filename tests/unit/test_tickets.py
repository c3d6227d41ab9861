"""Ticket service on both backends: numbering, validation, stale edits, lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import StaleRecord, ValidationError
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.services import customers, tickets, vehicles
from mechanic_desktop.services.tickets import TicketData
from tests.unit import factories


def test_tickets_are_numbered_in_sequence(uow: UnitOfWork) -> None:
    first = factories.ticket(uow)
    c = factories.customer(uow, "Bob Smith")
    v = factories.vehicle(uow, c.id, factories.VINS[1])
    second = tickets.create_ticket(uow, TicketData(c.id, v.id, "Oil change", odometer_in=1000))
    assert (first.number, second.number) == (1, 2)
    assert second.status == "open"
    assert second.vehicle_title == "2005 Ford F-150 · ABC 123"
    assert second.opened_at.tzinfo is UTC


def test_ticket_validation(uow: UnitOfWork) -> None:
    ada = factories.customer(uow)
    bob = factories.customer(uow, "Bob Smith")
    bobs_car = factories.vehicle(uow, bob.id, odometer=90_000)
    with pytest.raises(ValidationError) as caught:
        tickets.create_ticket(uow, TicketData(ada.id, bobs_car.id, "  ", odometer_in=5))
    assert caught.value.fields == {
        "vehicle_id": "This vehicle belongs to Bob Smith.",
        "description": "Describe the customer's concern or the work requested.",
        "odometer_in": "Odometer cannot go below the last reading of 90,000.",
    }


def test_a_ticket_for_a_customer_or_vehicle_deleted_meanwhile_says_so(uow: UnitOfWork) -> None:
    """Another desk deleted what the clerk picked: the refusal says what happened."""
    cy = factories.customer(uow, "Cy Twombly")
    car = factories.vehicle(uow, cy.id)
    vehicles.delete_vehicle(uow, car.id)
    with pytest.raises(ValidationError) as caught:
        tickets.create_ticket(uow, TicketData(cy.id, car.id, "Oil change"))
    assert caught.value.fields == {
        "vehicle_id": "This vehicle was deleted at another desk after you chose it; "
                      "choose the vehicle again."}
    car = factories.vehicle(uow, cy.id)
    customers.delete_customer(uow, cy.id)  # takes the vehicle with it
    with pytest.raises(ValidationError) as caught:
        tickets.create_ticket(uow, TicketData(cy.id, car.id, "Oil change"))
    assert caught.value.fields == {
        "customer_id": "This customer was deleted at another desk after you chose them; "
                       "choose the customer again.",
        "vehicle_id": "This vehicle was deleted at another desk after you chose it; "
                      "choose the vehicle again."}
    with pytest.raises(ValidationError) as caught:  # nothing chosen is still "choose"
        tickets.create_ticket(uow, TicketData(0, 0, "Oil change"))
    assert caught.value.fields == {"customer_id": "Choose the customer.",
                                   "vehicle_id": "Choose the vehicle."}


def test_edit_from_a_stale_copy_is_refused_not_lost(uow: UnitOfWork) -> None:
    t = factories.ticket(uow)
    data = TicketData(t.customer_id, t.vehicle_id, "Brakes squeal, front left")
    saved = tickets.update_ticket(uow, t.id, data, expected_version=t.version)
    assert saved.version == t.version + 1
    with pytest.raises(StaleRecord, match="changed at another desk"):
        tickets.update_ticket(uow, t.id, TicketData(t.customer_id, t.vehicle_id, "x"), t.version)
    assert tickets.get_ticket(uow, t.id).description == "Brakes squeal, front left"


def test_list_filters_search_and_sorts(uow: UnitOfWork) -> None:
    first = factories.ticket(uow, "Ada Lovelace")
    c = factories.customer(uow, "Bob Smith")
    v = factories.vehicle(uow, c.id, factories.VINS[1])
    promised = datetime(2030, 1, 2, 15, 0, tzinfo=UTC)
    second = tickets.create_ticket(uow, TicketData(c.id, v.id, "Noise", promised_at=promised))

    def numbers(**kwargs: object) -> list[int]:
        return [r.number for r in tickets.list_tickets(uow, ListQuery(**kwargs)).rows]  # type: ignore[arg-type]

    assert numbers(sort="number") == [1, 2]
    assert numbers(sort="number", descending=True) == [2, 1]
    assert numbers(search="smith") == [2]
    assert numbers(search="#1") == [1]
    assert numbers(filters={"customer_id": first.customer_id}) == [1]
    assert numbers(filters={"status": ["closed"]}) == []
    assert tickets.get_ticket(uow, second.id).promised_at == promised


@pytest.mark.parametrize("cap", [1, 3000])
def test_search_by_customer_and_plate_with_few_or_many_matches(
    uow: UnitOfWork, cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few matches filter by a list of ids, many by a subquery: same answers either way."""
    from mechanic_desktop.db import repositories

    monkeypatch.setattr(repositories, "MATCH_CAP", cap)
    first = factories.ticket(uow, "Ada Smith")
    c = factories.customer(uow, "Bob Smithers")
    v = factories.vehicle(uow, c.id, factories.VINS[1])
    tickets.create_ticket(uow, TicketData(c.id, v.id, "Noise"))
    factories.customer(uow, "Smitty NoTickets")

    def numbers(text: str) -> list[int]:
        return [
            r.number for r in tickets.list_tickets(uow, ListQuery(search=text, sort="number")).rows
        ]

    assert numbers("smith") == [first.number, 2]
    assert numbers("smithe") == [2]
    assert numbers("ABC") == [first.number, 2]  # both cars carry plate ABC 123
    assert numbers("zzz") == []


def test_a_promise_in_the_past_is_refused_but_an_overdue_one_is_kept(uow: UnitOfWork) -> None:
    c = factories.customer(uow, "Ada Lovelace")
    v = factories.vehicle(uow, c.id)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        tickets.create_ticket(uow, TicketData(c.id, v.id, "Noise", promised_at=yesterday))
    assert "already passed" in refused.value.fields["promised_at"]
    soon = datetime.now(UTC) + timedelta(hours=2)
    t = tickets.create_ticket(uow, TicketData(c.id, v.id, "Noise", promised_at=soon))
    with uow.writing():  # the promised hour goes by: the ticket is overdue
        uow.tickets.get(t.id).promised_at = yesterday  # type: ignore[union-attr]
        uow.commit()
    overdue = tickets.get_ticket(uow, t.id)
    saved = tickets.update_ticket(uow, t.id, TicketData(c.id, v.id, "Noise and rattle",
                                                        promised_at=overdue.promised_at),
                                  overdue.version)
    assert saved.description == "Noise and rattle"


def test_the_list_names_each_mechanic_once_in_name_order(uow: UnitOfWork) -> None:
    """A ticket's mechanics come with the page (one query): each once though they work
    on several jobs, in name order whatever the case; unassigned labour names nobody,
    and a ticket with no labour reads blank. (Sam on two jobs read "Sam Wrench, Sam
    Wrench".)"""
    from mechanic_desktop.services import jobs, mechanics, workflow

    ticket = factories.ticket(uow)
    owner = factories.customer(uow, "Grace Hopper")
    car = factories.vehicle(uow, owner.id, factories.VINS[1])
    bare = tickets.create_ticket(uow, TicketData(owner.id, car.id, "Oil change"))
    sam = mechanics.create_mechanic(uow, mechanics.MechanicData("Sam Wrench"))
    al = mechanics.create_mechanic(uow, mechanics.MechanicData("al Piston"))
    version = workflow.assign_mechanics(uow, ticket.id, {sam.id: 30, al.id: 15},
                                        ticket.version).ticket.version
    detail = jobs.add_job(uow, ticket.id, jobs.JobData("Brakes"), version)
    second = detail.jobs[-1].id
    detail = workflow.assign_mechanics(uow, ticket.id, {sam.id: 60}, detail.ticket.version,
                                       second)
    jobs.add_labour(uow, ticket.id, second, "Road test", 15, detail.ticket.version)
    rows = {r.id: r for r in tickets.list_tickets(uow, ListQuery()).rows}
    assert rows[ticket.id].mechanics == "al Piston, Sam Wrench"
    assert rows[bare.id].mechanics == ""
    only = tickets.list_tickets(uow, ListQuery(search=str(ticket.number))).rows
    assert [r.mechanics for r in only if r.id == ticket.id] == ["al Piston, Sam Wrench"]
