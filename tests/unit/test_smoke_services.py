from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.services import customers, mechanics, parts, tickets, vehicles


def test_end_to_end(uow):
    c = customers.create_customer(uow, customers.CustomerData("Ada Lovelace", "Ada@Example.com", "555-123-4567"))
    v = vehicles.create_vehicle(uow, vehicles.VehicleData(c.id, "1M8GDM9AXKP042788", "Ford", "F150", 2019, "abc 123"))
    m = mechanics.create_mechanic(uow, mechanics.MechanicData("Sam Wrench", hourly_rate="95.50"))
    p = parts.create_part(uow, parts.PartData("oil-5w30", "Oil 5W-30", "12.999", "7", 5, 20))
    t = tickets.create_ticket(uow, tickets.TicketData(c.id, v.id, "Brakes squeal", odometer_in=42000))
    assert c.email == "ada@example.com"
    assert p.unit_price == __import__("decimal").Decimal("13.00")
    page = customers.list_customers(uow, ListQuery(search="lovel"))
    assert [r.name for r in page.rows] == ["Ada Lovelace"]
    page = tickets.list_tickets(uow, ListQuery())
    assert page.rows[0].number == t.number == 1
    assert mechanics.list_mechanics(uow, ListQuery()).rows[0].hourly_rate == __import__("decimal").Decimal("95.50")
    assert parts.list_parts(uow, ListQuery(search="oil")).rows[0].sku == "OIL-5W30"
