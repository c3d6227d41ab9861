"""The front desk's shortcuts: what the app can fill in, it fills in (issue: front desk).

Typed as a clerk would; then what the fields show is read back.
"""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from mechanic_desktop.ui.context import UiContext
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
