"""Receiving a delivery as at the counter: scan (type) SKUs with Return, correct a
count in the table, Receive; then read the stock back."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import parts
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.receive_delivery import ReceiveDeliveryDialog
from mechanic_desktop.ui.main_window import MainWindow
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS


def _scan(qtbot: QtBot, dialog: ReceiveDeliveryDialog, sku: str, lines: int) -> None:
    qtbot.keyClicks(dialog.sku, sku)
    qtbot.keyClick(dialog.sku, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(dialog.lines) == lines and not dialog.sku.text(),
                    timeout=WAIT_MS)


def test_a_delivery_of_several_parts_by_scanning(
    qtbot: QtBot, shop: Shop, window: MainWindow, arrange: UnitOfWork
) -> None:
    window.show_page(3)
    page = window.current_page
    assert page.key == "stock"
    page.delivery_action.trigger()
    dialog = page.dialog
    assert isinstance(dialog, ReceiveDeliveryDialog)
    oil_before = parts.get_part(arrange, shop.oil.id)
    _scan(qtbot, dialog, shop.oil.sku.lower(), 1)
    _scan(qtbot, dialog, shop.oil.sku, 1)  # scanned twice: one line of 2
    assert dialog.lines[0].quantity == 2 and dialog.isVisible()  # Return did not book
    dialog.quantity.setValue(3)
    qtbot.keyClicks(dialog.cost, "6.10")
    _scan(qtbot, dialog, shop.filter.sku, 2)
    qtbot.keyClicks(dialog.sku, "NOPE-1")
    qtbot.keyClick(dialog.sku, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "No part has the SKU NOPE-1" in dialog.banner_text, timeout=WAIT_MS)
    assert len(dialog.lines) == 2
    dialog.table.item(0, 2).setText("5")  # the count corrected in the table
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    oil = parts.get_part(arrange, shop.oil.id)
    assert oil.quantity_on_hand == oil_before.quantity_on_hand + 5
    assert oil.unit_cost == oil_before.unit_cost  # no cost typed: kept
    assert parts.get_part(arrange, shop.filter.id).unit_cost == Decimal("6.10")


def test_sku_tab_count_return_adds_the_line(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    """Found walking the app: SKU, Tab, a count, Return booked the delivery then and
    there (the count box let Return through to Receive). It adds the line."""
    dialog = ReceiveDeliveryDialog(ui)
    qtbot.addWidget(dialog)
    dialog.show()
    before = parts.get_part(arrange, shop.oil.id).quantity_on_hand
    qtbot.keyClicks(dialog.sku, shop.oil.sku)
    dialog.quantity.setFocus()
    dialog.quantity.selectAll()
    qtbot.keyClicks(dialog.quantity, "5")
    qtbot.keyClick(dialog.quantity, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(dialog.lines) == 1, timeout=WAIT_MS)
    assert dialog.lines[0].quantity == 5 and dialog.isVisible()
    assert dialog.summary.text() == "1 part, 5 units"
    assert parts.get_part(arrange, shop.oil.id).quantity_on_hand == before
    # Alt+R is Receive's alone (Remove line took it too, so it only moved the focus).
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.keyClick(dialog, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    assert parts.get_part(arrange, shop.oil.id).quantity_on_hand == before + 5


def test_a_bad_count_books_nothing_and_says_which_line(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = ReceiveDeliveryDialog(ui)
    qtbot.addWidget(dialog)
    dialog.show()
    _scan(qtbot, dialog, shop.oil.sku, 1)
    dialog.table.item(0, 2).setText("0")
    before = parts.get_part(arrange, shop.oil.id).quantity_on_hand
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Line 1" in dialog.banner_text, timeout=WAIT_MS)
    assert parts.get_part(arrange, shop.oil.id).quantity_on_hand == before
    assert dialog.isVisible() and len(dialog.lines) == 1
