"""Demo data for trying the app: only into an empty database, only by an administrator."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from mechanic_desktop.db.repositories import WorkflowRepository
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.changes import ALL_ENTITIES
from mechanic_desktop.domain.errors import DomainError
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.services import audit
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.shop import DEFAULTS, settings_in

DEMO_CUSTOMERS = 200
DEMO_TICKETS = 1000


def is_empty(uow: UnitOfWork) -> bool:
    with uow:
        return uow.customers.count() == 0


#: The labour rate a demo shop bills an hour nobody is assigned to yet at.
DEMO_LABOUR_RATE = Decimal("120.00")
#: What the demo shop's documents print at the top and foot.
DEMO_SHOP = {
    "name": "Demo Auto Repair", "address": "12 Demo Street\nSpringfield, IL 62701",
    "phone": "217-555-0142", "email": "desk@demo-auto.example", "tax_number": "EIN 12-3456789",
    "invoice_terms": "Payment is due on collection. Parts and labour carry a 12-month / "
                     "12,000-mile warranty. Thank you for your business.",
}


def add_demo_data(
    uow: UnitOfWork,
    customers: int = DEMO_CUSTOMERS,
    tickets: int = DEMO_TICKETS,
    progress: Callable[[str], None] | None = None,
) -> str:
    """Fill an empty database with realistic demo rows; returns the seeder's report."""
    with uow:
        require_permission(uow, Action.LOAD_DEMO_DATA)
    if not is_empty(uow):
        raise DomainError("Demo data goes only into an empty database; this one has customers.")
    from mechanic_desktop.db.seed import SeedPlan, seed  # Faker is slow to import

    report = seed(uow.engine, SeedPlan(customers=customers, tickets=tickets), progress=progress)
    with uow.writing():
        require_permission(uow, Action.LOAD_DEMO_DATA)
        # The seeder bulk-loads on a raw connection of its own: name what it filled here,
        # so the committed change set (and NOTIFY) says every list may have new rows.
        for entity in ALL_ENTITIES:
            uow.record_all(entity)
        # Canned jobs price their labour at the shop's labour rate: a demo shop has one
        # (the tax rate stays as it is: the demo tickets were priced without tax).
        settings_in(uow, create=True)
        row = WorkflowRepository(uow.session).settings()
        if row is not None and not row.labor_rate:
            row.labor_rate = DEMO_LABOUR_RATE
        if row is not None and (row.name, row.address) == (DEFAULTS.name, ""):
            # A shop that never said who it is prints as the demo shop (one that did
            # keeps its own details).
            for field, value in DEMO_SHOP.items():
                setattr(row, field, value)
        audit.record(uow, "demo data", "database", None, report.splitlines()[-1][:200])
        uow.commit()
    return report
