"""Which areas and actions the window offers each role — the UI side of
``domain.permissions``. The services refuse what a role may not do anyway; this only
keeps the window from offering what would fail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from mechanic_desktop.domain.permissions import Action, allowed
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.pages.audit import AuditPage
from mechanic_desktop.ui.pages.customers import CustomersPage
from mechanic_desktop.ui.pages.list_page import ListPage
from mechanic_desktop.ui.pages.mechanics import MechanicsPage
from mechanic_desktop.ui.pages.my_tickets import MyTicketsPage
from mechanic_desktop.ui.pages.staff import StaffPage
from mechanic_desktop.ui.pages.stock import StockPage
from mechanic_desktop.ui.pages.tickets import TicketsPage

PageFactory = Callable[[UiContext, QWidget], ListPage]
TICKET_WORK = frozenset({Action.EDIT_TICKETS, Action.SET_STATUS, Action.LOG_HOURS,
                         Action.ASSIGN_WORK})


@dataclass(frozen=True)
class Area:
    """One side-bar entry: its page, icon, and what a role needs to use it."""

    title: str
    factory: PageFactory
    #: Name of one of our icons (resources/icons/actions).
    icon: str
    #: What New needs (None: nothing is created from this page).
    new: Action | None
    #: Any one of these lets a role open a row (empty: rows are only read).
    open: frozenset[Action]
    #: Which roles see the area at all.
    roles: frozenset[Role] = frozenset(Role)


TICKETS = Area("Tickets", TicketsPage, "tickets",
               Action.EDIT_TICKETS, TICKET_WORK, frozenset({Role.ADMIN, Role.WRITER}))
MY_TICKETS = Area("My tickets", MyTicketsPage, "tickets",
                  Action.EDIT_TICKETS, TICKET_WORK, frozenset({Role.MECHANIC}))
CUSTOMERS = Area("Customers", CustomersPage, "customers", Action.EDIT_CUSTOMERS,
                 frozenset({Action.EDIT_CUSTOMERS}), frozenset({Role.ADMIN, Role.WRITER}))
MECHANICS = Area("Mechanics", MechanicsPage, "mechanics", Action.EDIT_MECHANICS,
                 frozenset({Action.EDIT_MECHANICS}), frozenset({Role.ADMIN, Role.WRITER}))
STOCK = Area("Stock", StockPage, "stock", Action.EDIT_PARTS,
             frozenset({Action.EDIT_PARTS}), frozenset({Role.ADMIN, Role.WRITER}))
STAFF = Area("Staff", StaffPage, "staff", Action.MANAGE_STAFF,
             frozenset({Action.MANAGE_STAFF}), frozenset({Role.ADMIN}))
AUDIT = Area("Audit trail", AuditPage, "audit", None, frozenset(),
             frozenset({Role.ADMIN}))

#: Nobody signed in (tests, tools building a window directly): today's four areas.
UNSIGNED: tuple[Area, ...] = (TICKETS, CUSTOMERS, MECHANICS, STOCK)
ALL: tuple[Area, ...] = (MY_TICKETS, TICKETS, CUSTOMERS, MECHANICS, STOCK, STAFF, AUDIT)


def areas_for(actor: Actor | None) -> tuple[Area, ...]:
    """The side bar of ``actor``'s window, default area first."""
    if actor is None:
        return UNSIGNED
    return tuple(a for a in ALL if actor.role in a.roles)


def may_open(actor: Actor | None, area: Area) -> bool:
    return actor is None or any(allowed(actor.role, a) for a in area.open)


def restrict(page: ListPage, area: Area, actor: Actor | None) -> None:
    """Stop a double-click or Return opening rows the role may not open."""
    if not may_open(actor, area):
        page.table.activated.disconnect()
