"""The columns of each area's table: tickets, customers, mechanics and stock."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication

from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.records import CustomerRow, MechanicRow, PartRow, TicketRow
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.ui.models.columns import (
    CENTER,
    RIGHT,
    Column,
    TableSpec,
    count,
    money,
    when,
)
from mechanic_desktop.ui.theme import overdue_colour, status_colour, warning_colour


def status_label(value: str) -> str:
    try:
        return TicketStatus(value).label
    except ValueError:
        return value


def is_overdue(row: TicketRow, now: datetime | None = None) -> bool:
    """Promised for a time that has passed, and the work is not finished."""
    if row.promised_at is None:
        return False
    try:
        active = TicketStatus(row.status).is_active
    except ValueError:
        return False
    return active and row.promised_at < (now or datetime.now(UTC))


def _overdue(row: TicketRow) -> QColor | None:
    return overdue_colour() if is_overdue(row) else None


def _overdue_tip(row: TicketRow) -> str | None:
    return "Overdue: the promised time has passed" if is_overdue(row) else None


def _status_colour(row: TicketRow) -> QColor | None:
    try:
        return status_colour(TicketStatus(row.status))
    except ValueError:
        return None


TICKETS: TableSpec[TicketRow] = TableSpec(
    entity="ticket",
    columns=(
        Column("No.", lambda r: r.label or str(r.number), "number", 80, RIGHT),
        Column("Status", lambda r: status_label(r.status), "status", 95,
               foreground=_status_colour),
        Column("Customer", lambda r: r.customer_name, None, 170),
        Column("Vehicle", lambda r: r.vehicle_title, None, 215,
               tooltip=lambda r: r.vehicle_title),
        Column("Opened", lambda r: when(r.opened_at), "opened", 125),
        Column("Promised", lambda r: when(r.promised_at), None, 125,
               foreground=_overdue, tooltip=_overdue_tip),
        Column("Mechanics", lambda r: r.mechanics, None, 165, tooltip=lambda r: r.mechanics),
        Column("Total", lambda r: money(r.total), None, 90, RIGHT),
    ),
    row_id=lambda r: r.id,
    default_sort="opened",
    default_descending=True,
)

CUSTOMERS: TableSpec[CustomerRow] = TableSpec(
    entity="customer",
    columns=(
        Column("Name", lambda r: r.name, "name", 240),
        Column("Phone", lambda r: phone_text(r.phone), "phone", 150),
        Column("E-mail", lambda r: r.email or "", None, 260),
        Column("Vehicles", lambda r: count(r.vehicle_count), None, 80, RIGHT),
        Column("Open tickets", lambda r: count(r.open_tickets), None, 100, RIGHT),
    ),
    row_id=lambda r: r.id,
    default_sort="name",
)

MECHANICS: TableSpec[MechanicRow] = TableSpec(
    entity="mechanic",
    columns=(
        Column("Name", lambda r: r.name, "name", 240),
        Column("Phone", lambda r: phone_text(r.phone), None, 150),
        Column("Hourly rate", lambda r: money(r.hourly_rate), "rate", 110, RIGHT),
        Column("Active", lambda r: "Yes" if r.active else "No", None, 70, CENTER,
               foreground=lambda r: None if r.active else QColor(130, 130, 130)),
        Column("Open tickets", lambda r: count(r.open_tickets), None, 100, RIGHT),
    ),
    row_id=lambda r: r.id,
    default_sort="name",
)


def _low_stock_icon(row: PartRow) -> QIcon | None:
    if not row.low_stock:
        return None
    # Imported here: the first import of QStyle makes all of its enums (~30 ms), which the
    # Tickets page, loaded at start-up, does not need.
    from PySide6.QtWidgets import QStyle

    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


PARTS: TableSpec[PartRow] = TableSpec(
    entity="part",
    columns=(
        Column("SKU", lambda r: r.sku, "sku", 150, icon=_low_stock_icon,
               tooltip=lambda r: "Low stock: at or below the reorder level" if r.low_stock
               else None),
        Column("Name", lambda r: r.name, "name", 300),
        Column("On hand", lambda r: f"{r.quantity_on_hand:,}", "on_hand", 90, RIGHT),
        Column("Reorder level", lambda r: f"{r.reorder_level:,}", None, 110, RIGHT),
        Column("Price", lambda r: money(r.unit_price), "price", 100, RIGHT),
    ),
    row_id=lambda r: r.id,
    default_sort="sku",
    background=lambda r: warning_colour() if r.low_stock else None,
)
