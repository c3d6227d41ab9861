"""Demo data: an administrator fills an empty database; nobody fills a real one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DomainError, PermissionDenied
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import customers, demo, shop, tickets
from tests.unit import factories


def test_admin_fills_an_empty_database_once(uow: UnitOfWork) -> None:
    lines: list[str] = []
    report = demo.add_demo_data(uow, customers=15, tickets=40, progress=lines.append)
    assert "15" in report and lines
    assert customers.count_customers(uow) == 15
    assert len(tickets.list_tickets(uow, ListQuery(limit=100)).rows) == 40
    # A demo shop bills its canned jobs' labour at a rate, not at 0.00; no tax is made up.
    settings = shop.get_settings(uow)
    assert (settings.labor_rate, settings.tax_rate) == (Decimal("120.00"), Decimal("0"))
    assert (settings.name, settings.email) == ("Demo Auto Repair", "desk@demo-auto.example")
    with pytest.raises(DomainError, match="only into an empty database"):
        demo.add_demo_data(uow, customers=5, tickets=5)
    assert customers.count_customers(uow) == 15


@pytest.mark.parametrize("role", [Role.WRITER, Role.MECHANIC])
def test_only_an_administrator_may(uow: UnitOfWork, role: Role) -> None:
    uow.actor = factories.signed_in(uow, role)
    with pytest.raises(PermissionDenied):
        demo.add_demo_data(uow, customers=5, tickets=5)
    assert demo.is_empty(uow)
