"""Which areas and actions the window offers each role — the UI side of
``domain.permissions``. The services refuse what a role may not do anyway; this only
keeps the window from offering what would fail.

Each area names its page by a factory that imports the page's module when the area is
first shown (the main window builds pages on first use): start-up loads the first
area's page only, not Reports with Qt Charts, the audit trail or the stock dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from PySide6.QtWidgets import QWidget

from mechanic_desktop.domain.permissions import Action, allowed
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.pages.list_page import ListPage

PageFactory = Callable[[UiContext, QWidget], ListPage]
TICKET_WORK = frozenset({Action.EDIT_TICKETS, Action.SET_STATUS, Action.LOG_HOURS,
                         Action.ASSIGN_WORK})


@dataclass(frozen=True)
class Area:
    """One side-bar entry: its page, icon, and what a role needs to use it."""

    title: str
    #: The page's ``key``, known before the page is built.
    key: str
    factory: PageFactory
    #: Name of one of our icons (resources/icons/actions).
    icon: str
    #: What New needs (None: nothing is created from this page).
    new: Action | None
    #: Any one of these lets a role open a row (empty: rows are only read).
    open: frozenset[Action]
    #: Which roles see the area at all.
    roles: frozenset[Role] = frozenset(Role)


# The page factories: each imports its page's module on first use (see the docstring).

def _tickets(ui: UiContext, parent: QWidget) -> ListPage:
    from mechanic_desktop.ui.pages.tickets import TicketsPage

    return TicketsPage(ui, parent)


def _my_tickets(ui: UiContext, parent: QWidget) -> ListPage:
    from mechanic_desktop.ui.pages.my_tickets import MyTicketsPage

    return MyTicketsPage(ui, parent)


def _customers(ui: UiContext, parent: QWidget) -> ListPage:
    from mechanic_desktop.ui.pages.customers import CustomersPage

    return CustomersPage(ui, parent)


def _mechanics(ui: UiContext, parent: QWidget) -> ListPage:
    from mechanic_desktop.ui.pages.mechanics import MechanicsPage

    return MechanicsPage(ui, parent)


def _stock(ui: UiContext, parent: QWidget) -> ListPage:
    from mechanic_desktop.ui.pages.stock import StockPage

    return StockPage(ui, parent)


def _staff(ui: UiContext, parent: QWidget) -> ListPage:
    from mechanic_desktop.ui.pages.staff import StaffPage

    return StaffPage(ui, parent)


def _audit(ui: UiContext, parent: QWidget) -> ListPage:
    from mechanic_desktop.ui.pages.audit import AuditPage

    return AuditPage(ui, parent)


def _reports(ui: UiContext, parent: QWidget) -> ListPage:
    """Reports (with Qt Charts): the page offers a list page's interface."""
    from mechanic_desktop.ui.pages.reports import ReportsPage

    return cast(ListPage, ReportsPage(ui, parent))


TICKETS = Area("Tickets", "tickets", _tickets, "tickets",
               Action.EDIT_TICKETS, TICKET_WORK, frozenset({Role.ADMIN, Role.WRITER}))
MY_TICKETS = Area("My tickets", "mytickets", _my_tickets, "tickets",
                  Action.EDIT_TICKETS, TICKET_WORK, frozenset({Role.MECHANIC}))
CUSTOMERS = Area("Customers", "customers", _customers, "customers", Action.EDIT_CUSTOMERS,
                 frozenset({Action.EDIT_CUSTOMERS}), frozenset({Role.ADMIN, Role.WRITER}))
MECHANICS = Area("Mechanics", "mechanics", _mechanics, "mechanics", Action.EDIT_MECHANICS,
                 frozenset({Action.EDIT_MECHANICS}), frozenset({Role.ADMIN, Role.WRITER}))
STOCK = Area("Stock", "stock", _stock, "stock", Action.EDIT_PARTS,
             frozenset({Action.EDIT_PARTS}), frozenset({Role.ADMIN, Role.WRITER}))
REPORTS = Area("Reports", "reports", _reports, "reports", None,
               frozenset({Action.EDIT_SETTINGS}), frozenset({Role.ADMIN}))
STAFF = Area("Staff", "staff", _staff, "staff", Action.MANAGE_STAFF,
             frozenset({Action.MANAGE_STAFF}), frozenset({Role.ADMIN}))
AUDIT = Area("Audit trail", "audit", _audit, "audit", None, frozenset(),
             frozenset({Role.ADMIN}))

#: Nobody signed in (tests, tools building a window directly): today's four areas.
UNSIGNED: tuple[Area, ...] = (TICKETS, CUSTOMERS, MECHANICS, STOCK)
#: Reports comes after the record areas (after Stock; before Staff and Audit trail).
ALL: tuple[Area, ...] = (MY_TICKETS, TICKETS, CUSTOMERS, MECHANICS, STOCK, REPORTS, STAFF,
                         AUDIT)


def areas_for(actor: Actor | None) -> tuple[Area, ...]:
    """The side bar of ``actor``'s window, default area first. A window nobody signed in
    to (tools, older tests) has the four record areas, without Reports."""
    if actor is None:
        return UNSIGNED
    return tuple(a for a in ALL if actor.role in a.roles)


def may_open(actor: Actor | None, area: Area) -> bool:
    return actor is None or any(allowed(actor.role, a) for a in area.open)


def restrict(page: ListPage, area: Area, actor: Actor | None) -> None:
    """Stop a double-click or Return opening rows the role may not open."""
    if not may_open(actor, area):
        page.table.activated.disconnect()
