"""Keyboard first, as a person types: every dialog opens on its first input, a Space never
cancels, Return does what the focused box is for (issue 17, items 6 and 9)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import parts, workflow
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.add_parts import AddPartsDialog
from mechanic_desktop.ui.dialogs.change_password import ChangePasswordDialog
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.dialogs.first_run import FirstRunDialog
from mechanic_desktop.ui.dialogs.mechanic import MechanicDialog
from mechanic_desktop.ui.dialogs.part import PartDialog
from mechanic_desktop.ui.dialogs.stock_moves import AdjustStockDialog
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.dialogs.vehicle import VehicleDialog
from tests.ui.accounts import make_admin
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS
from tests.ui.test_workflow_dialogs import idle, search


def opened(qtbot: QtBot, dialog: QDialog) -> QDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=WAIT_MS)
    return dialog


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def tab_stops(qtbot: QtBot, count: int = 12) -> list[str]:
    """The object names Tab visits, from the focused widget on."""
    names = []
    for _ in range(count):
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        names.append(focused().objectName())
    return names


def test_first_start_opens_on_the_name_and_a_space_never_cancels(
    qtbot: QtBot, ui: UiContext
) -> None:
    dialog = opened(qtbot, FirstRunDialog(ui, "shop.sqlite3"))
    assert focused() is dialog.full_name  # type: ignore[attr-defined]
    qtbot.keyClicks(focused(), "Pat Owner")  # the space once pressed Cancel and quit
    assert dialog.isVisible()
    assert dialog.full_name.text() == "Pat Owner"  # type: ignore[attr-defined]
    assert "firstRunCancel" not in tab_stops(qtbot)
    if os.environ.get("MD_SHOTS_DIR"):
        dialog.grab().save(os.path.join(os.environ["MD_SHOTS_DIR"], "first_run_focus.png"))


def test_forced_password_change_opens_on_the_current_password(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork
) -> None:
    admin = make_admin(arrange)
    dialog = opened(qtbot, ChangePasswordDialog(ui, admin, forced=True))
    assert focused() is dialog.old  # type: ignore[attr-defined]
    qtbot.keyClick(focused(), Qt.Key.Key_Space)
    assert dialog.isVisible()
    assert "changePasswordCancel" not in tab_stops(qtbot)  # the Sign out button
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)  # Escape still leaves
    assert not dialog.isVisible()


EDITORS: dict[str, tuple[Callable[[UiContext, Shop], QDialog], str]] = {
    "customer": (lambda ui, shop: CustomerDialog(ui), "customerName"),
    "customer edit": (lambda ui, shop: CustomerDialog(ui, shop.ada), "customerName"),
    "vehicle": (lambda ui, shop: VehicleDialog(ui, shop.ada.id), "vehicleVin"),
    "ticket": (lambda ui, shop: TicketDialog(ui), "ticketCustomerSearch"),
    "mechanic": (lambda ui, shop: MechanicDialog(ui), "mechanicName"),
    "part": (lambda ui, shop: PartDialog(ui), "partSku"),
    "add parts": (lambda ui, shop: AddPartsDialog(ui, shop.ticket.id), "addPartsSearch"),
    "adjust stock": (lambda ui, shop: AdjustStockDialog(ui, shop.oil), "adjustCountedQuantity"),
}


@pytest.mark.parametrize("editor", list(EDITORS))
def test_every_editor_opens_on_its_first_input(
    qtbot: QtBot, ui: UiContext, shop: Shop, editor: str
) -> None:
    make, first = EDITORS[editor]
    dialog = opened(qtbot, make(ui, shop))
    assert focused().objectName() == first
    qtbot.keyClick(focused(), Qt.Key.Key_Space)
    assert dialog.isVisible()
    assert not any(name.endswith("Cancel") for name in tab_stops(qtbot))


def test_return_with_an_empty_reason_says_the_reason_is_needed(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = opened(qtbot, AdjustStockDialog(ui, shop.oil))
    qtbot.keyClicks(focused(), "3")
    assert dialog.error_of("note") == ""  # not typed in yet: no complaint so far
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert dialog.error_of("note") == "Say why the count changed (e.g. damaged, miscounted)."
    assert focused() is dialog.reason
    assert dialog.isVisible()
    qtbot.keyClicks(focused(), "miscounted")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert parts.get_part(arrange, shop.oil.id).quantity_on_hand == 3


def test_return_in_the_quantity_box_adds_to_the_basket(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = opened(qtbot, AddPartsDialog(ui, shop.ticket.id))
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    search(qtbot, dialog, "oil-")  # type: ignore[arg-type]
    dialog.table.selectRow(0)  # type: ignore[attr-defined]
    qtbot.keyClick(dialog, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)  # &Quantity
    assert focused() is dialog.quantity  # type: ignore[attr-defined]
    qtbot.keyClick(focused(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(focused(), "3")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert [(b.sku, b.quantity) for b in dialog.basket.rows] == [("OIL-5W30", 3)]  # type: ignore[attr-defined]
    assert dialog.isVisible()  # Return added to the basket; it did not save
    assert workflow.get_ticket_detail(arrange, shop.ticket.id).parts == ()


def test_add_parts_by_keyboard_alone(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    """Found walking the app: Down in Add parts' search did nothing, and Return on a row
    added it and also pressed Add to ticket. Now: type, Down (onto the first row), Tab,
    a quantity, Return (into the basket); Return on a row adds it again; nothing is
    saved until Add to ticket."""
    dialog = opened(qtbot, AddPartsDialog(ui, shop.ticket.id))
    assert isinstance(dialog, AddPartsDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=WAIT_MS)
    search(qtbot, dialog, "oil-")
    assert focused() is dialog.search
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    assert focused() is dialog.table
    part = dialog.chosen_part()
    assert part is not None and part.sku == "OIL-5W30"
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is dialog.quantity
    qtbot.keyClick(focused(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(focused(), "2")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert focused() is dialog.table
    dialog.quantity.setValue(1)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # the row again: one more
    assert [(b.sku, b.quantity) for b in dialog.basket.rows] == [("OIL-5W30", 3)]
    idle(qtbot, ui)
    assert dialog.isVisible() and dialog.save_button.text() == "&Add to ticket"
    assert workflow.get_ticket_detail(arrange, shop.ticket.id).parts == ()

