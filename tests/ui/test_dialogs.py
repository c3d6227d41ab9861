"""Editor dialogs: typed-as-you-go checks, saving on the worker, errors beside fields."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import customers, mechanics, parts, tickets, vehicles
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.dialogs.mechanic import MechanicDialog
from mechanic_desktop.ui.dialogs.part import PartDialog
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.dialogs.vehicle import VehicleDialog
from mechanic_desktop.ui.main_window import MainWindow
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS, wait_column, wait_dialog


def _save(qtbot: QtBot, dialog: object) -> object:
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS) as blocker:  # type: ignore[attr-defined]
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    return blocker.args[0]


def _shows(text: str, expected: str) -> bool:
    return expected in text if expected else text == ""


@pytest.mark.parametrize(
    ("vin", "note", "error"),
    [
        ("1M8GDM9AXKP042788", "model year 1989", ""),
        ("1M8GDM9A1KP042788", "model year 1989", "should be X"),
        ("XYZ1234", "", "17 characters"),
        ("1M8GDM9AXKP04278O", "", "never contains"),
        ("WVWZZZ1KZ8W000001", "outside North America", ""),
    ],
)
def test_vin_is_checked_as_typed(
    qtbot: QtBot, ui: UiContext, shop: Shop, vin: str, note: str, error: str
) -> None:
    dialog = VehicleDialog(ui, shop.bob.id)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.vin, vin.lower())
    assert dialog.vin.text() == vin.upper()
    # An empty expectation means nothing is shown there (`"" in text` would always pass).
    assert _shows(dialog.vin_note.text(), note)
    assert _shows(dialog.error_of("vin"), error)
    assert dialog.save_button.isEnabled() == (not error)


@pytest.mark.parametrize(("vin", "placeholder"), [
    ("1M8GDM9AXKP042788", "1989 (from the VIN)"),
    ("WVWZZZAUZYW000001", "not in this VIN: type it"),  # European: would read as 2030
    ("WVWZZZ", "from the VIN"),
])
def test_year_field_says_whether_the_vin_tells_the_year(
    qtbot: QtBot, ui: UiContext, shop: Shop, vin: str, placeholder: str
) -> None:
    dialog = VehicleDialog(ui, shop.bob.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.vin, vin)
    assert dialog.year.placeholderText() == placeholder
    assert "model year" not in dialog.vin_note.text() or vin.startswith("1")
    assert "Decodes to built" not in dialog.vin_note.text()
    assert vin.startswith("1") or "Europe" in dialog.vin_note.text() or len(vin) < 17
    if os.environ.get("MD_SHOTS_DIR") and vin.startswith("WVWZZZA"):
        qtbot.wait(100)  # the note laid out
        dialog.grab().save(os.path.join(os.environ["MD_SHOTS_DIR"], "vehicle_foreign.png"))


def test_vehicle_saved_with_warning_and_duplicate_vin_refused(
    qtbot: QtBot, ui: UiContext, shop: Shop
) -> None:
    dialog = VehicleDialog(ui, shop.bob.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.vin, shop.car.vin)
    assert dialog.save_button.isEnabled(), (dialog.error_of("vin"), dialog.banner_text)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_of("vin") != "", timeout=WAIT_MS)
    assert "already on file for Ada Lovelace" in dialog.error_of("vin")
    dialog.vin.clear()
    qtbot.keyClicks(dialog.vin, "WVWZZZ1KZ8W000001")
    assert dialog.make.text() == "Volkswagen"  # decoded from the VIN
    dialog.year.clear()  # the year the VIN gave, replaced by hand
    qtbot.keyClicks(dialog.year, "1800")
    assert "between 1886" in dialog.error_of("year")
    dialog.year.clear()
    record = _save(qtbot, dialog)
    assert record.vin_warning  # type: ignore[attr-defined]


def test_customer_dialog_lists_vehicles_and_history(
    qtbot: QtBot, ui: UiContext, shop: Shop
) -> None:
    dialog = CustomerDialog(ui, shop.ada)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.vehicles.count() == 1 and dialog.history.count() == 1,
                    timeout=WAIT_MS)
    assert "F-150" in dialog.vehicles.item(0).text()
    assert dialog.history.item(0).text().startswith(f"RO-{shop.ticket.number} ")
    dialog.vehicles.setCurrentRow(0)
    qtbot.mouseClick(dialog.add_vehicle_button, Qt.MouseButton.LeftButton)
    assert dialog.vehicle_dialog is not None
    vehicle = dialog.vehicle_dialog
    qtbot.keyClicks(vehicle.vin, "1G4AH59H45G118341")
    qtbot.keyClicks(vehicle.make, "Buick")
    _save(qtbot, vehicle)
    qtbot.waitUntil(lambda: dialog.vehicles.count() == 2, timeout=WAIT_MS)


def test_add_vehicle_on_a_new_customer_saves_them_first(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork
) -> None:
    """No save-close-reopen: Add vehicle saves the new customer and carries on."""
    dialog = CustomerDialog(ui)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "saves the customer first" in dialog.vehicles_note.text()
    qtbot.mouseClick(dialog.add_vehicle_button, Qt.MouseButton.LeftButton)
    assert "Complete the form first; then add their vehicles." in dialog.banner_text
    assert dialog.vehicle_dialog is None
    qtbot.keyClicks(dialog.name, "Nora Newcomer")
    qtbot.mouseClick(dialog.add_vehicle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.vehicle_dialog is not None, timeout=WAIT_MS)
    assert dialog.existing is not None and dialog.windowTitle() == "Nora Newcomer"
    assert customers.get_customer(arrange, dialog.existing.id).name == "Nora Newcomer"
    vehicle = dialog.vehicle_dialog
    assert vehicle is not None
    qtbot.keyClicks(vehicle.vin, "1G4AH59H45G118341")
    _save(qtbot, vehicle)
    qtbot.waitUntil(lambda: dialog.vehicles.count() == 1, timeout=WAIT_MS)
    assert dialog.isVisible()  # still editing the customer


def test_ticket_created_by_picking_customer_and_vehicle(
    qtbot: QtBot, shop: Shop, window: MainWindow, arrange: UnitOfWork
) -> None:
    page = window.tickets_page
    window.new_action.trigger()
    dialog = wait_dialog(qtbot, page)
    assert isinstance(dialog, TicketDialog)
    assert dialog.findChild(object, "ticketLinesPlaceholder") is not None
    qtbot.keyClicks(dialog.customer_search, "love")
    qtbot.waitUntil(lambda: dialog.customer_id == shop.ada.id, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: dialog.vehicle.currentData() == shop.car.id, timeout=WAIT_MS)
    assert not dialog.save_button.isEnabled()  # no description yet
    qtbot.keyClicks(dialog.description, "Oil change")
    qtbot.keyClicks(dialog.odometer, "100")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_of("odometer_in") != "", timeout=WAIT_MS)
    assert "cannot go below" in dialog.error_of("odometer_in")
    assert dialog.description.toPlainText() == "Oil change"
    dialog.odometer.clear()
    qtbot.keyClicks(dialog.odometer, "43000")
    dialog.promised_on.setChecked(True)
    record = _save(qtbot, dialog)
    assert record.promised_at is not None  # type: ignore[attr-defined]
    wait_column(qtbot, page, [f"RO-{record.number}", f"RO-{shop.ticket.number}"])  # type: ignore[attr-defined]
    assert vehicles.get_vehicle(arrange, shop.car.id).odometer == 43000


def test_ticket_for_a_customer_deleted_at_another_desk_says_so(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    cy = customers.create_customer(arrange, customers.CustomerData("Cy Twombly"))
    car = vehicles.create_vehicle(arrange, vehicles.VehicleData(cy.id, "1FTMW1T88MFA00001"))
    dialog = TicketDialog(ui)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.customer_search, "twombly")
    qtbot.waitUntil(lambda: dialog.vehicle.currentData() == car.id, timeout=WAIT_MS)
    qtbot.keyClicks(dialog.description, "Brakes squeal")
    customers.delete_customer(arrange, cy.id)  # meanwhile, at another desk
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_of("customer_id") != "", timeout=WAIT_MS)
    assert "deleted at another desk" in dialog.error_of("customer_id")
    assert "deleted at another desk" in dialog.error_of("vehicle_id")
    assert dialog.description.toPlainText() == "Brakes squeal"  # the typing is kept


def test_ticket_dialog_adds_a_vehicle_for_the_customer(
    qtbot: QtBot, ui: UiContext, shop: Shop
) -> None:
    dialog = TicketDialog(ui)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.customer_search, "bob")
    qtbot.waitUntil(lambda: dialog.customer_id == shop.bob.id, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "add one" in dialog.vehicle.placeholderText(), timeout=WAIT_MS)
    qtbot.mouseClick(dialog.add_vehicle_button, Qt.MouseButton.LeftButton)
    vehicle = dialog.vehicle_dialog
    assert vehicle is not None
    qtbot.keyClicks(vehicle.vin, "1FTMW1T88MFA00001")
    saved = _save(qtbot, vehicle)
    qtbot.waitUntil(lambda: dialog.vehicle.currentData() == saved.id, timeout=WAIT_MS)  # type: ignore[attr-defined]


def test_ticket_edit_keeps_customer_and_vehicle(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = TicketDialog(ui, shop.ticket)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.vehicle.currentData() == shop.car.id, timeout=WAIT_MS)
    assert dialog.status.text() == "Estimate"
    assert dialog.vehicle.toolTip().endswith(f" · {shop.car.vin}")  # all of it, even if cut
    dialog.description.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(dialog.description, " and rattles")
    _save(qtbot, dialog)
    assert tickets.get_ticket(arrange, shop.ticket.id).description.endswith("and rattles")


def test_a_later_visits_reading_is_corrected_down_to_the_earlier_visit_not_below(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    """The clerk fixes a typo on the car's second visit: below the first visit's reading
    is refused next to the field, with what was typed kept; the first visit's own
    reading is fine."""
    later = tickets.create_ticket(arrange, tickets.TicketData(
        shop.ada.id, shop.car.id, "Rattle", odometer_in=420_000))
    dialog = TicketDialog(ui, later)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.vehicle.currentData() == shop.car.id, timeout=WAIT_MS)
    dialog.odometer.setFocus()
    dialog.odometer.selectAll()
    qtbot.keyClicks(dialog.odometer, "41999")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_of("odometer_in") != "", timeout=WAIT_MS)
    assert dialog.error_of("odometer_in") == (
        "Odometer cannot go below the reading of an earlier visit (42,000).")
    assert dialog.odometer.text() == "41999" and dialog.isVisible()
    if os.environ.get("MD_SHOTS_DIR"):
        dialog.grab().save(os.path.join(os.environ["MD_SHOTS_DIR"], "ticket_earlier_visit.png"))
    dialog.odometer.selectAll()
    qtbot.keyClicks(dialog.odometer, "42000")
    _save(qtbot, dialog)
    assert tickets.get_ticket(arrange, later.id).odometer_in == 42_000


def test_mechanic_and_part_dialogs_save(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    crew = MechanicDialog(ui)
    qtbot.addWidget(crew)
    qtbot.keyClicks(crew.name, "Kim Torque")
    qtbot.keyClicks(crew.rate, "abc")
    assert "must be a number" in crew.error_of("hourly_rate")
    crew.rate.clear()
    qtbot.keyClicks(crew.rate, "101.5")
    saved = _save(qtbot, crew)
    assert mechanics.get_mechanic(arrange, saved.id).hourly_rate == 101.5  # type: ignore[attr-defined]

    part = PartDialog(ui, shop.oil)
    qtbot.addWidget(part)
    part.sku.clear()
    qtbot.keyClicks(part.sku, "flt-100")
    qtbot.mouseClick(part.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: part.error_of("sku") != "", timeout=WAIT_MS)
    assert "already used by 'Oil filter'" in part.error_of("sku")
    part.sku.clear()
    qtbot.keyClicks(part.sku, "OIL-5W30-Q")
    _save(qtbot, part)
    assert parts.get_part(arrange, shop.oil.id).sku == "OIL-5W30-Q"
    assert customers.count_customers(arrange) == 2


def test_phones_show_formatted_in_the_list_and_editor_and_stay_as_typed(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, window: MainWindow
) -> None:
    """Stored as typed (searched by digits), shown in one format: the customers list and
    the editor read (555) 246-8100; saving another field leaves the stored text alone."""
    cy = customers.create_customer(arrange, customers.CustomerData("Cy Dots", "", "555.246.8100"))
    window.show_page([p.key for p in window.pages].index("customers"))
    page = window.current_page
    wait_column(qtbot, page, ["(555) 123-4567", "(555) 987-6543", "(555) 246-8100"], col=1)
    dialog = CustomerDialog(ui, customers.get_customer(arrange, cy.id))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.phone.text() == "(555) 246-8100"
    dialog.notes.setFocus()
    qtbot.keyClicks(dialog.notes, "Calls after five")
    _save(qtbot, dialog)
    assert customers.get_customer(arrange, cy.id).phone == "555.246.8100"
    dialog = CustomerDialog(ui, customers.get_customer(arrange, cy.id))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.phone.setFocus()
    dialog.phone.selectAll()
    qtbot.keyClicks(dialog.phone, "+44 20 7946 0958")
    _save(qtbot, dialog)
    wait_column(qtbot, page, ["(555) 123-4567", "(555) 987-6543", "+44 20 7946 0958"], col=1)
