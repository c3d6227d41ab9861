"""Reload after another desk's change, in every editor that offers it: each field shows
the record as it is now (combo boxes, dates, money, derived notes too), and saving
afterwards keeps the other desk's values instead of writing stale ones back; on both
backends."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.services import (
    customers,
    mechanics,
    parts,
    shop,
    staff,
    stock,
    tickets,
    vehicles,
    workflow,
)
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.add_parts import AddPartsDialog
from mechanic_desktop.ui.dialogs.assign_mechanics import AssignMechanicsDialog
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.dialogs.form import EditorDialog
from mechanic_desktop.ui.dialogs.mechanic import MechanicDialog
from mechanic_desktop.ui.dialogs.part import PartDialog
from mechanic_desktop.ui.dialogs.shop_settings import ShopSettingsDialog
from mechanic_desktop.ui.dialogs.staff import StaffDialog
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.dialogs.vehicle import VehicleDialog, describe_vin
from tests.ui.accounts import make_admin, make_staff
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS, job_lines
from tests.ui.test_workflow_dialogs import choose_part

OTHER = "Pat Owner"
LEFT = Qt.MouseButton.LeftButton
D = TypeVar("D", bound=EditorDialog)


def opened(qtbot: QtBot, dialog: D) -> D:
    """Show ``dialog`` and let its first reads finish."""
    qtbot.addWidget(dialog)
    dialog.show()
    idle(qtbot, dialog)
    return dialog


def idle(qtbot: QtBot, dialog: EditorDialog) -> None:
    qtbot.waitUntil(lambda: dialog.ui.worker.pending == 0, timeout=WAIT_MS)


def reload_after_change(qtbot: QtBot, dialog: EditorDialog, entity: str, record_id: int) -> None:
    """Hear of another desk's change as the live listener delivers it, then press Reload
    and wait for everything it re-reads."""
    dialog.ui.worker.changed.emit(Changes.from_payload({entity: [record_id]}, OTHER))
    assert dialog.notice_text.startswith(f"Changed by {OTHER} at ")
    qtbot.mouseClick(dialog.reload_button, LEFT)
    idle(qtbot, dialog)
    assert dialog.notice_text == "" and dialog.banner_text == ""


def save(qtbot: QtBot, dialog: EditorDialog) -> None:
    assert dialog.save_button.isEnabled(), (dialog.local_errors(), dialog.banner_text)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, LEFT)


def test_customer_reload_shows_every_field(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = opened(qtbot, CustomerDialog(ui, shop.ada))
    qtbot.keyClicks(dialog.name, " (typed)")
    theirs = customers.CustomerData("Ada King", "ada@king.example", "555-000-1111",
                                    "1 New Street\nCambridge", "Call after 5")
    customers.update_customer(arrange, shop.ada.id, theirs, shop.ada.version)

    reload_after_change(qtbot, dialog, "customer", shop.ada.id)
    assert (dialog.name.text(), dialog.email.text(), dialog.phone.text(),
            dialog.address.toPlainText(), dialog.notes.toPlainText()) == (
        "Ada King", "ada@king.example", "(555) 000-1111", "1 New Street\nCambridge",
        "Call after 5")
    assert dialog.windowTitle() == "Ada King"
    save(qtbot, dialog)
    now = customers.get_customer(arrange, shop.ada.id)
    assert (now.name, now.email, now.phone, now.address, now.notes) == (
        "Ada King", "ada@king.example", "555-000-1111", "1 New Street\nCambridge",
        "Call after 5")


def test_vehicle_reload_shows_every_field_and_the_decoded_vin(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = opened(qtbot, VehicleDialog(ui, shop.ada.id, shop.car))
    qtbot.keyClicks(dialog.make, " (typed)")
    vin = "WVWZZZ1KZ8W000001"  # built outside North America: the note warns
    vehicles.update_vehicle(arrange, shop.car.id, vehicles.VehicleData(
        shop.ada.id, vin, "Volkswagen", "Golf", 2008, "XYZ 987", 120000),
        vehicles.get_vehicle(arrange, shop.car.id).version)  # the shop's ticket moved it

    reload_after_change(qtbot, dialog, "vehicle", shop.car.id)
    assert (dialog.vin.text(), dialog.make.text(), dialog.model.text(), dialog.year.text(),
            dialog.plate.text(), dialog.odometer.text()) == (
        vin, "Volkswagen", "Golf", "2008", "XYZ 987", "120000")
    note, style = describe_vin(vin)
    assert "outside North America" in note
    assert (dialog.vin_note.text(), dialog.vin_note.styleSheet()) == (note, style)
    assert dialog.year.placeholderText() == "not in this VIN: type it"  # not NA: no year
    assert dialog.windowTitle() == f"Vehicle {vin}"
    assert dialog.error_of("vin") == ""
    save(qtbot, dialog)
    now = vehicles.get_vehicle(arrange, shop.car.id)
    assert (now.customer_id, now.vin, now.make, now.model, now.year, now.plate,
            now.odometer) == (shop.ada.id, vin, "Volkswagen", "Golf", 2008, "XYZ 987", 120000)


def test_mechanic_reload_shows_rate_and_active(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = opened(qtbot, MechanicDialog(ui, shop.sam))
    qtbot.keyClicks(dialog.rate, "5")
    mechanics.update_mechanic(arrange, shop.sam.id, mechanics.MechanicData(
        "Samantha Wrench", "sam@example.com", "555-444-3333", "101.25", active=False),
        shop.sam.version)

    reload_after_change(qtbot, dialog, "mechanic", shop.sam.id)
    assert (dialog.name.text(), dialog.email.text(), dialog.phone.text(),
            dialog.rate.text(), dialog.active.isChecked()) == (
        "Samantha Wrench", "sam@example.com", "(555) 444-3333", "101.25", False)
    assert dialog.windowTitle() == "Samantha Wrench"
    save(qtbot, dialog)
    now = mechanics.get_mechanic(arrange, shop.sam.id)
    assert (now.name, now.email, now.phone, now.hourly_rate, now.active) == (
        "Samantha Wrench", "sam@example.com", "555-444-3333", Decimal("101.25"), False)


def test_part_reload_shows_prices_and_stock_and_saves_the_new_version(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = opened(qtbot, PartDialog(ui, shop.oil))
    qtbot.keyClicks(dialog.cost, "9")
    parts.update_part(arrange, shop.oil.id, parts.PartData(
        "OIL-0W20", "Oil 0W-20, 1 qt", "14.5", "8.25", reorder_level=6),
        expected_version=shop.oil.version)
    stock.receive_stock(arrange, shop.oil.id, 1_000, "pallet")
    qtbot.mouseClick(dialog.save_button, LEFT)  # before the news arrives: refused
    qtbot.waitUntil(lambda: "changed at another desk" in dialog.banner_text, timeout=WAIT_MS)

    reload_after_change(qtbot, dialog, "part", shop.oil.id)
    on_hand = dialog.field("quantity_on_hand")
    assert isinstance(on_hand, QLabel)
    assert (dialog.sku.text(), dialog.name.text(), dialog.price.text(), dialog.cost.text(),
            dialog.reorder.text(), on_hand.text()) == (
        "OIL-0W20", "Oil 0W-20, 1 qt", "14.50", "8.25", "6",
        "1,004 (changes through stock movements)")
    assert dialog.windowTitle() == "Part OIL-0W20"
    fresh = parts.get_part(arrange, shop.oil.id)
    assert dialog.existing.version == fresh.version
    save(qtbot, dialog)
    now = parts.get_part(arrange, shop.oil.id)
    assert (now.sku, now.name, now.unit_price, now.unit_cost, now.reorder_level,
            now.quantity_on_hand) == ("OIL-0W20", "Oil 0W-20, 1 qt", Decimal("14.50"),
                                      Decimal("8.25"), 6, 1_004)


def test_ticket_reload_shows_customer_vehicle_promise_status_and_lines(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    van = vehicles.create_vehicle(arrange, vehicles.VehicleData(
        shop.bob.id, "2FMDK3GC8BBA00001", "Ford", "Transit", 2011, "VAN 1", 12000))
    dialog = opened(qtbot, TicketDialog(ui, shop.ticket))
    work = dialog.work
    assert work is not None and dialog.vehicle.currentData() == shop.car.id
    qtbot.keyClicks(dialog.description, " (typed)")
    qtbot.keyClicks(dialog.customer_search, "Bo")  # a search of their own, left running
    qtbot.mouseClick(dialog.promised_on, LEFT)  # and a promise of their own
    assert dialog.unsaved_fields() == ["description", "promised_at"]
    promised = datetime(2031, 5, 6, 14, 30).astimezone()
    record = tickets.update_ticket(arrange, shop.ticket.id, tickets.TicketData(
        shop.bob.id, van.id, "Van will not start", promised, 12500), shop.ticket.version)
    detail = workflow.add_part_lines(arrange, shop.ticket.id, [(shop.filter.id, 2)],
                                     record.version)
    workflow.set_status(arrange, shop.ticket.id, TicketStatus.IN_PROGRESS,
                        detail.ticket.version)

    reload_after_change(qtbot, dialog, "ticket", shop.ticket.id)
    assert dialog.customer_search.text() == "Bob Builder"
    assert dialog.customer_id == shop.bob.id
    current = dialog.customer_list.currentItem()
    assert current is not None and current.data(Qt.ItemDataRole.UserRole) == shop.bob.id
    assert dialog.vehicle.currentData() == van.id
    assert dialog.vehicle.currentText() == f"2011 Ford Transit (VAN 1) · {van.vin}"
    assert dialog.description.toPlainText() == "Van will not start"
    assert dialog.odometer.text() == "12500"
    assert dialog.promised_on.isChecked() and dialog.promised.isEnabled()
    assert dialog.promised.dateTime().toString("yyyy-MM-dd HH:mm") == "2031-05-06 14:30"
    assert dialog.status.text() == "In progress"
    assert job_lines(work, "part", 0) == ["FLT-100"]
    assert work.total_labels["parts"].text() == "17.00"
    assert dialog.unsaved_fields() == []
    fresh = tickets.get_ticket(arrange, shop.ticket.id)
    assert dialog.existing.version == fresh.version
    save(qtbot, dialog)
    now = tickets.get_ticket(arrange, shop.ticket.id)
    assert (now.customer_id, now.vehicle_id, now.description, now.odometer_in,
            now.promised_at, now.status) == (
        shop.bob.id, van.id, "Van will not start", 12500, promised, "in_progress")


def test_staff_reload_shows_name_role_and_linked_mechanic(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    admin = make_admin(arrange)
    kim = make_staff(arrange, admin, "kim", "Kim Desk", Role.WRITER)
    dialog = opened(qtbot, StaffDialog(ui, kim))
    assert not dialog.mechanic.isEnabled()
    qtbot.keyClicks(dialog.full_name, " (typed)")
    # Kim joins the crew: a mechanic this dialog has not listed yet.
    crew = mechanics.create_mechanic(arrange, mechanics.MechanicData("Kim Spanner",
                                                                     hourly_rate="80"))
    staff.update_staff(arrange, kim.id,
                       staff.StaffData("kim.s", "Kim Spanner", Role.MECHANIC, crew.id),
                       kim.version)

    reload_after_change(qtbot, dialog, "staff", kim.id)
    assert (dialog.full_name.text(), dialog.username.text()) == ("Kim Spanner", "kim.s")
    assert dialog.chosen_role is Role.MECHANIC and dialog.role.currentText() == "Mechanic"
    assert dialog.mechanic.isEnabled()
    assert (dialog.mechanic.currentData(), dialog.mechanic.currentText()) == (
        crew.id, "Kim Spanner")
    assert dialog.error_of("mechanic_id") == ""
    assert dialog.windowTitle() == "Staff account — Kim Spanner"
    save(qtbot, dialog)
    now = next(r for r in staff.list_staff(arrange).rows if r.id == kim.id)
    assert (now.username, now.full_name, now.role, now.mechanic_id) == (
        "kim.s", "Kim Spanner", Role.MECHANIC, crew.id)


def test_shop_settings_reload_keeps_the_tax_rate_exact(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork
) -> None:
    dialog = opened(qtbot, ShopSettingsDialog(ui, shop.get_settings(arrange)))
    dialog.tax_rate.setText("9")  # typed here: the note warns of re-pricing
    assert dialog.tax_note.isVisibleTo(dialog)
    workflow.update_settings(arrange, shop.ShopSettingsData(
        "Bolt Garage", "1 Main St", "555-000-1111", "8.875", True, "WO-"),
        dialog.existing.version)

    reload_after_change(qtbot, dialog, "settings", 1)
    assert (dialog.name.text(), dialog.address.toPlainText(), dialog.phone.text(),
            dialog.tax_rate.text(), dialog.labor_taxed.isChecked(),
            dialog.prefix_edit.text()) == (
        "Bolt Garage", "1 Main St", "(555) 000-1111", "8.875", True, "WO-")
    assert not dialog.tax_note.isVisibleTo(dialog)  # nothing here differs from the shop's
    assert dialog.prefix_note.text().startswith("Tickets are labelled WO-42")

    # The same rate typed here as the other desk saved: no field changes on Reload, yet
    # the warning must go, since nothing is re-priced any more.
    dialog.tax_rate.setText("8.25")
    assert dialog.tax_note.isVisibleTo(dialog)
    workflow.update_settings(arrange, shop.ShopSettingsData(
        "Bolt Garage & Sons", "1 Main St", "555-000-1111", "8.25", True, "WO-"),
        dialog.existing.version)
    reload_after_change(qtbot, dialog, "settings", 1)
    assert (dialog.name.text(), dialog.tax_rate.text()) == ("Bolt Garage & Sons", "8.25")
    assert not dialog.tax_note.isVisibleTo(dialog)
    save(qtbot, dialog)
    now = shop.get_settings(arrange)
    assert (now.name, now.tax_rate, now.labor_taxed, now.ticket_prefix) == (
        "Bolt Garage & Sons", Decimal("8.25"), True, "WO-")


def test_assign_mechanics_reload_shows_the_tickets_crew(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    kim = mechanics.create_mechanic(arrange, mechanics.MechanicData("Kim Spanner",
                                                                    hourly_rate="80"))
    dialog = opened(qtbot, AssignMechanicsDialog(ui, shop.ticket.id))
    assert set(dialog.chosen) == {shop.sam.id}
    dialog.rows[shop.sam.id].hours.setValue(3)  # typed here, not saved
    repainted: set[int] = set()
    dialog.model.dataChanged.connect(
        lambda top, bottom, *_: repainted.update(range(top.row(), bottom.row() + 1)))
    workflow.assign_mechanics(arrange, shop.ticket.id, {shop.sam.id: 90, kim.id: 30},
                              shop.ticket.version)

    reload_after_change(qtbot, dialog, "ticket", shop.ticket.id)
    assert {m: c.minutes for m, c in dialog.chosen.items()} == {shop.sam.id: 90, kim.id: 30}
    assert dialog.rows[shop.sam.id].hours.value() == 1.5
    assert dialog.rows[kim.id].hours.value() == 0.5
    assert dialog.hours_total.text() == "2 mechanics, 2 h"
    assert dialog.labor_total.text() == "Labour 183.25"
    ticked = {dialog.model.row_at(r).id for r in range(dialog.model.rowCount())
              if dialog.model.index(r, 0).data(Qt.ItemDataRole.CheckStateRole)
              == Qt.CheckState.Checked}
    assert ticked == {shop.sam.id, kim.id}
    assert dialog.model.row_of_id(kim.id) in repainted  # the view shows the new tick
    save(qtbot, dialog)
    now = workflow.get_ticket_detail(arrange, shop.ticket.id)
    assert {m.mechanic_id: m.minutes for m in now.mechanics} == {shop.sam.id: 90, kim.id: 30}


def test_add_parts_reload_takes_the_new_version_and_keeps_the_basket(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = opened(qtbot, AddPartsDialog(ui, shop.ticket.id))
    choose_part(qtbot, dialog, "oil-", 1)  # an addition, not a copy of the ticket's lines
    detail = workflow.assign_mechanics(arrange, shop.ticket.id, {shop.sam.id: 60},
                                       shop.ticket.version)

    reload_after_change(qtbot, dialog, "ticket", shop.ticket.id)
    assert dialog.version == detail.ticket.version
    assert [(b.sku, b.quantity) for b in dialog.basket.rows] == [("OIL-5W30", 1)]
    save(qtbot, dialog)
    now = workflow.get_ticket_detail(arrange, shop.ticket.id)
    assert [(p.sku, p.quantity) for p in now.parts] == [("OIL-5W30", 1)]
    assert [m.minutes for m in now.mechanics] == [60]


def test_a_refused_save_offers_reload_even_without_live_news(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    """On one SQLite workstation (two windows) no change notice arrives: the refusal
    itself must lead to Reload, or every further Save is refused against the old copy."""
    dialog = opened(qtbot, PartDialog(ui, shop.oil))
    dialog.cost.clear()
    qtbot.keyClicks(dialog.cost, "9.10")
    parts.update_part(arrange, shop.oil.id, parts.PartData("OIL-0W20", "Oil 0W-20", "14.5"),
                      expected_version=shop.oil.version)
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: dialog.notice_text != "", timeout=WAIT_MS)
    assert "changed at another desk after you opened it" in dialog.banner_text
    assert "Reload to see it (your typing is kept until then)" in dialog.notice_text
    assert dialog.cost.text() == "9.10" and dialog.sku.text() == shop.oil.sku
    qtbot.mouseClick(dialog.reload_button, LEFT)
    idle(qtbot, dialog)
    assert (dialog.notice_text, dialog.banner_text) == ("", "")
    assert (dialog.sku.text(), dialog.name.text(), dialog.price.text()) == (
        "OIL-0W20", "Oil 0W-20", "14.50")
    dialog.cost.clear()
    qtbot.keyClicks(dialog.cost, "9.10")
    save(qtbot, dialog)
    now = parts.get_part(arrange, shop.oil.id)
    assert (now.sku, now.unit_price, now.unit_cost) == ("OIL-0W20", Decimal("14.50"),
                                                        Decimal("9.10"))
