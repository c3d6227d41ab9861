"""Saving a customer, vehicle, mechanic or staff account from a copy another desk has
since saved: the editor says who changed it and when, keeps what was typed, offers
Reload, and saves once reloaded — as the ticket and part editors do; on both backends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import customers, mechanics, staff, vehicles
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.dialogs.form import EditorDialog
from mechanic_desktop.ui.dialogs.mechanic import MechanicDialog
from mechanic_desktop.ui.dialogs.staff import StaffDialog
from mechanic_desktop.ui.dialogs.vehicle import VehicleDialog
from tests.ui.accounts import make_admin, make_staff
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS
from tests.ui.test_reload_dialogs import idle, opened, save

LEFT = Qt.MouseButton.LeftButton

#: kind → (open the editor, the field typed in, what the other desk saves, their value)
Case = tuple[
    Callable[[UiContext, Shop, UnitOfWork], EditorDialog],
    str,
    Callable[[UnitOfWork, Shop], object],
    str,
]


def _staff_editor(ui: UiContext, shop: Shop, arrange: UnitOfWork) -> EditorDialog:
    admin = arrange.actor
    assert admin is not None
    kim = make_staff(arrange, admin, "kim", "Kim Desk", Role.WRITER)
    arrange.actor = admin  # make_staff signs out afterwards
    return StaffDialog(ui, kim)


def _promote_kim(arrange: UnitOfWork, shop: Shop) -> object:
    kim = next(r for r in staff.list_staff(arrange).rows if r.username == "kim")
    return staff.update_staff(arrange, kim.id, staff.StaffData("kim", "Kim Desk", Role.ADMIN),
                              kim.version)


CASES: dict[str, Case] = {
    "customer": (
        lambda ui, shop, _a: CustomerDialog(ui, shop.ada), "name",
        lambda a, shop: customers.update_customer(
            a, shop.ada.id, customers.CustomerData("Ada King", "ada@example.com"),
            shop.ada.version),
        "Ada King"),
    "vehicle": (
        lambda ui, shop, a: VehicleDialog(ui, shop.ada.id, vehicles.get_vehicle(a, shop.car.id)),
        "plate",
        lambda a, shop: vehicles.update_vehicle(
            a, shop.car.id, vehicles.VehicleData(shop.ada.id, shop.car.vin, plate="THEIRS 1"),
            vehicles.get_vehicle(a, shop.car.id).version),
        "THEIRS 1"),
    "mechanic": (
        lambda ui, shop, _a: MechanicDialog(ui, shop.sam), "name",
        lambda a, shop: mechanics.update_mechanic(
            a, shop.sam.id, mechanics.MechanicData("Samantha Wrench", hourly_rate="90"),
            shop.sam.version),
        "Samantha Wrench"),
    "staff": (_staff_editor, "full_name", _promote_kim, "Kim Desk"),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_a_stale_save_keeps_the_typing_and_offers_reload(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, kind: str, tmp_path: Path
) -> None:
    make_editor, field, theirs, their_value = CASES[kind]
    arrange.actor = make_admin(arrange)  # Pat Owner, at another desk
    ui.sign_in(arrange.actor)
    dialog = opened(qtbot, make_editor(ui, shop, arrange))
    edit = dialog.field(field)
    assert isinstance(edit, QLineEdit)
    edit.selectAll()
    qtbot.keyClicks(edit, "Typed Here")
    theirs(arrange, shop)  # saved meanwhile; no live notice reaches this editor

    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: "changed at another desk" in dialog.banner_text, timeout=WAIT_MS)
    assert "by Pat Owner at " in dialog.banner_text
    assert dialog.isVisible() and edit.text() == "Typed Here"
    assert dialog.reload_button.isVisible() and dialog.reload_button.isEnabled()
    assert dialog.grab().save(str(tmp_path / f"stale-{kind}.png"))

    qtbot.mouseClick(dialog.reload_button, LEFT)
    idle(qtbot, dialog)
    assert edit.text() == their_value and dialog.banner_text == ""
    edit.selectAll()
    qtbot.keyClicks(edit, "Typed Again")
    save(qtbot, dialog)
    assert getattr(dialog.record, field).casefold() == "typed again"  # plates: upper case
    if kind == "staff":  # the promotion made meanwhile survives the reloaded save
        assert dialog.record.role is Role.ADMIN
