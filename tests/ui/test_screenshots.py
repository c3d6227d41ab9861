"""Render every page and dialog at 1280×800 with demo rows, to PNG files for review.

Set MD_SHOTS_DIR to keep the pictures (e.g. /tmp/md-shots); otherwise they go to the
test's temporary folder. Each picture must show what it is of: a known row's or field's
text, read through the widgets, and ink (not one flat colour) overall and in every
table's rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select, update

from mechanic_desktop.bootstrap import forbid_main_thread
from mechanic_desktop.db.models import ServiceTicket, TicketJob
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import customers, mechanics, parts, tickets, vehicles, workflow
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.dialogs.mechanic import MechanicDialog
from mechanic_desktop.ui.dialogs.part import PartDialog
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.dialogs.vehicle import VehicleDialog
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.operations import DbWorker
from tests.conftest import empty_tables
from tests.ui.conftest import FakePrompts
from tests.ui.helpers import WAIT_MS, save_shot

PEOPLE = [
    "Ada Lovelace", "Bob Builder", "Carmen Ortiz", "Deepak Rao", "Eleanor Rigby",
    "Farid Haddad", "Grace Hopper", "Hiro Tanaka", "Ingrid Svensson", "Jamal Wright",
    "Katarzyna Nowak", "Liam O'Connor", "Maria Rossi", "Nkechi Okafor", "Oscar Lindqvist",
    "Priya Natarajan", "Quentin Blake", "Rosa Parks-Whitfield", "Samuel Jackson",
    "Tomás García Márquez",
]
VINS = ["1M8GDM9AXKP042788", "1G4AH59H45G118341", "1FTMW1T88MFA00001",
        "WVWZZZ1KZ8W000001"]
CARS = [("Ford", "F-150"), ("Buick", "LeSabre"), ("Ford", "Transit"), ("Volkswagen", "Golf")]
CONCERNS = ["Brakes squeal when cold", "Check engine light on", "Annual service and oil",
            "A/C blows warm air", "Replace front tyres", "Noise from rear suspension"]
STATUSES = ["open", "in_progress", "completed", "closed", "open", "cancelled"]


def fill(uow: UnitOfWork) -> dict[str, object]:
    crew = [
        mechanics.create_mechanic(uow, mechanics.MechanicData(name, f"{name.split()[0].lower()}@"
                                  "shop.example", f"555-010-{i:04d}", rate, active))
        for i, (name, rate, active) in enumerate([
            ("Sam Wrench", "95.50", True), ("Alex Piston", "88.00", True),
            ("Jo Sparks", "102.25", True), ("Pat Retired", "80.00", False)])
    ]
    made = []
    for i, name in enumerate(PEOPLE):
        made.append(customers.create_customer(uow, customers.CustomerData(
            name, f"{name.split()[0].lower()}{i}@example.com", f"555-{100 + i:03d}-{4567 + i}",
            f"{10 + i} Main Street\nSpringfield", "")))
    cars = []
    for i, vin in enumerate(VINS):
        make, model = CARS[i]
        cars.append(vehicles.create_vehicle(uow, vehicles.VehicleData(
            made[i].id, vin, make, model, None, f"KX{i}{i} 7{i}B", 40000 + i * 1000)))
    numbers = []
    for i in range(12):
        car = cars[i % len(cars)]
        ticket = tickets.create_ticket(uow, tickets.TicketData(
            car.customer_id, car.id, CONCERNS[i % len(CONCERNS)],
            promised_at=datetime.now(UTC) + timedelta(days=i % 3) if i % 2 else None,
            odometer_in=50000 + i * 500))
        numbers.append(ticket)
        with uow.writing():
            job = uow.session.scalar(select(TicketJob.id).where(TicketJob.ticket_id == ticket.id))
            uow.session.execute(update(TicketJob).where(TicketJob.id == job)
                                .values(status="approved"))
            uow.commit()
        # Hours through the service, so each ticket's total is what its lines come to.
        hours = {crew[i % 3].id: 60 + 15 * (i % 5)}
        if i % 4 == 0:
            hours[crew[(i + 1) % 3].id] = 45
        version = tickets.get_ticket(uow, ticket.id).version
        workflow.assign_mechanics(uow, ticket.id, hours, version)
        with uow.writing():
            uow.session.execute(update(ServiceTicket).where(ServiceTicket.id == ticket.id)
                                .values(status=STATUSES[i % len(STATUSES)]))
            uow.commit()
    stock = []
    for i, (sku, name, price, reorder, qty) in enumerate([
        ("OIL-5W30", "Engine oil 5W-30, 1 qt", "12.99", 10, 4),
        ("FLT-100", "Oil filter, spin-on", "8.50", 5, 40),
        ("BRK-PAD-F", "Brake pads, front, ceramic", "64.00", 4, 2),
        ("BRK-ROT-F", "Brake rotor, front", "89.90", 2, 6),
        ("WPR-22", "Wiper blade 22 in", "14.75", 6, 12),
        ("BAT-H6", "Battery group H6, 760 CCA", "189.00", 2, 1),
        ("SPK-IR", "Spark plug, iridium", "11.20", 16, 48),
        ("CAB-FLT", "Cabin air filter", "22.40", 4, 4),
    ]):
        stock.append(parts.create_part(uow, parts.PartData(sku, name, price, "1", reorder, qty)))
        del i
    return {"customer": made[0], "car": cars[0], "mechanic": crew[0], "part": stock[0],
            "ticket": tickets.get_ticket(uow, numbers[0].id)}


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def demo_ui(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[UiContext]:
    empty_tables(sqlite_engine)
    worker = DbWorker(UnitOfWork(sqlite_engine, guard=forbid_main_thread))
    yield UiContext(worker, FakePrompts())
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=WAIT_MS)
    worker.shutdown()


#: A known row's text (or the page's own words) that each page's picture must show.
PAGE_SHOWS = {
    "tickets": "Ada Lovelace",
    "customers": "Ada Lovelace",
    "mechanics": "Sam Wrench",
    "stock": "OIL-5W30",
}
DIALOG_SHOWS = {
    "customer": "Ada Lovelace",
    "customer-new": "New customer",
    "vehicle": "1M8GDM9AXKP042788",
    "mechanic": "Sam Wrench",
    "part": "OIL-5W30",
    "part-new": "New part",
    "ticket": "Brakes squeal when cold",
    "ticket-new": "New ticket",
    "vehicle-bad-vin": "should be X",
    "vehicle-foreign": "outside North America",
}


def _save_dark(qtbot: QtBot, window: MainWindow, path: Path, *expected: str) -> None:
    """The first page as it looks with the operating system in dark mode."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    dark = QPalette(light)
    for role, colour in [
        (QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.AlternateBase, "#262626"),
        (QPalette.ColorRole.Text, "#e6e6e6"), (QPalette.ColorRole.Button, "#353535"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"), (QPalette.ColorRole.Highlight, "#2f65ca"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.Mid, "#444444"),
        (QPalette.ColorRole.PlaceholderText, "#9a9a9a"),
    ]:
        dark.setColor(role, QColor(colour))
    dark.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#7a7a7a"))
    try:
        app.setPalette(dark)
        qtbot.wait(50)
        save_shot(window, path, *expected)
    finally:
        app.setPalette(light)


def test_render_pages_and_dialogs(
    qtbot: QtBot, demo_ui: UiContext, sqlite_engine: Engine, shots: Path, tmp_path: Path
) -> None:
    rows = fill(UnitOfWork(sqlite_engine))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(demo_ui, str(sqlite_engine.url.database), settings)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    for i, page in enumerate(window.pages):
        window.show_page(i)
        qtbot.waitUntil(lambda p=page: p.model.loaded_once and not p.model.loading,
                        timeout=WAIT_MS)
        page.table.selectRow(1)
        save_shot(window, shots / f"page-{i + 1}-{page.key}.png", PAGE_SHOWS[page.key])
    window.show_page(0)
    _save_dark(qtbot, window, shots / "page-1-tickets-dark.png", PAGE_SHOWS["tickets"])
    window.show_page(1)
    page = window.current_page
    page.search.setText("qqq")  # Q is in no VIN ("zzz" is: WVWZZZ…)
    qtbot.waitUntil(lambda: page.model.loaded_once and page.empty.isVisible(), timeout=WAIT_MS)
    save_shot(window, shots / "page-2-customers-empty-search.png", "No customers match")

    dialogs: dict[str, QWidget] = {
        "customer": CustomerDialog(demo_ui, rows["customer"], window),  # type: ignore[arg-type]
        "customer-new": CustomerDialog(demo_ui, None, window),
        "vehicle": VehicleDialog(demo_ui, rows["customer"].id, rows["car"], window),  # type: ignore[attr-defined,arg-type]
        "mechanic": MechanicDialog(demo_ui, rows["mechanic"], window),  # type: ignore[arg-type]
        "part": PartDialog(demo_ui, rows["part"], window),  # type: ignore[arg-type]
        "part-new": PartDialog(demo_ui, None, window),
        "ticket": TicketDialog(demo_ui, rows["ticket"], window),  # type: ignore[arg-type]
        "ticket-new": TicketDialog(demo_ui, None, window),
    }
    for dialog in dialogs.values():
        dialog.show()
    qtbot.waitUntil(lambda: demo_ui.worker.pending == 0, timeout=WAIT_MS)
    bad_vin = VehicleDialog(demo_ui, rows["customer"].id, None, window)  # type: ignore[attr-defined]
    bad_vin.show()
    qtbot.keyClicks(bad_vin.vin, "1M8GDM9A1KP042788")
    qtbot.keyClicks(bad_vin.year, "12")
    dialogs["vehicle-bad-vin"] = bad_vin
    foreign = VehicleDialog(demo_ui, rows["customer"].id, None, window)  # type: ignore[attr-defined]
    foreign.show()
    qtbot.keyClicks(foreign.vin, "WVWZZZ1KZ8W000001")
    dialogs["vehicle-foreign"] = foreign
    qtbot.wait(50)  # let layouts settle, as the event loop would between key presses
    for name, dialog in dialogs.items():
        save_shot(dialog, shots / f"dialog-{name}.png", DIALOG_SHOWS[name])
        dialog.close()
