"""The front desk's shortcuts: what the app can fill in, it fills in (issue: front desk).

Typed as a clerk would; then what the fields show is read back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.dialogs.vehicle import VehicleDialog
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS


def test_a_valid_vin_fills_make_and_year_but_never_what_was_typed(
    qtbot: QtBot, ui: UiContext, shop: Shop
) -> None:
    dialog = VehicleDialog(ui, shop.bob.id)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.vin, "1g4ah59h45g118341")
    assert dialog.make.text() == "Buick" and dialog.year.text() == "2005"
    dialog.vin.clear()
    dialog.make.clear()
    qtbot.keyClicks(dialog.make, "GMC")  # the clerk knows better
    qtbot.keyClicks(dialog.vin, "1FTMW1T88MFA00001")
    assert dialog.make.text() == "GMC"  # typed: kept
    assert dialog.year.text() == "2021"  # filled before: follows the new VIN


def test_a_vin_with_an_unknown_maker_leaves_make_empty(
    qtbot: QtBot, ui: UiContext, shop: Shop
) -> None:
    dialog = VehicleDialog(ui, shop.bob.id)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.vin, "XYZ1234")  # not a VIN: nothing decoded
    assert dialog.make.text() == "" and dialog.year.text() == ""


def test_new_ticket_offers_the_vehicles_last_odometer_reading(
    qtbot: QtBot, ui: UiContext, shop: Shop
) -> None:
    dialog = TicketDialog(ui)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.customer_search, "love")
    qtbot.waitUntil(lambda: dialog.vehicle.currentData() == shop.car.id, timeout=WAIT_MS)
    assert "last reading 42,000" in dialog.odometer.placeholderText()


def test_new_ticket_from_the_customer_record_and_history_opens(
    qtbot: QtBot, ui: UiContext, shop: Shop
) -> None:
    """Customer calls: their record → New ticket (customer and only car chosen) → Save;
    the history shows it, and Return on a history entry opens that ticket."""
    customer = CustomerDialog(ui, shop.ada)
    qtbot.addWidget(customer)
    customer.show()
    qtbot.waitUntil(lambda: customer.history.count() == 1, timeout=WAIT_MS)
    qtbot.mouseClick(customer.new_ticket_button, Qt.MouseButton.LeftButton)
    ticket = customer.ticket_dialog
    assert isinstance(ticket, TicketDialog) and ticket.existing is None
    qtbot.waitUntil(lambda: ticket.vehicle.currentData() == shop.car.id, timeout=WAIT_MS)
    assert ticket.customer_id == shop.ada.id
    qtbot.keyClicks(ticket.description, "Wipers smear")
    with qtbot.waitSignal(ticket.saved, timeout=WAIT_MS):
        qtbot.mouseClick(ticket.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: customer.history.count() == 2, timeout=WAIT_MS)
    customer.history.setCurrentRow(0)  # newest first
    qtbot.keyClick(customer.history, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: customer.ticket_dialog is not None
                    and customer.ticket_dialog is not ticket, timeout=WAIT_MS)
    opened = customer.ticket_dialog
    assert opened.existing is not None and opened.existing.description == "Wipers smear"


def test_a_new_customer_offers_no_ticket_until_saved(qtbot: QtBot, ui: UiContext) -> None:
    customer = CustomerDialog(ui)
    qtbot.addWidget(customer)
    assert not customer.new_ticket_button.isEnabled()
    assert "Save the customer first" in customer.new_ticket_button.toolTip()
