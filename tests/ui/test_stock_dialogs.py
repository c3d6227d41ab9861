"""The Stock page's movements, as a stock keeper would use them: receive a delivery,
correct a count with a reason, read the part's ledger; on both backends."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import parts, stock
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.stock_moves import (
    AdjustStockDialog,
    MovementsDialog,
    ReceiveStockDialog,
)
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.pages.stock import StockPage
from tests.ui.accounts import make_admin, make_signed_in
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS, column, select, wait_column, wait_dialog
from tests.ui.test_workflow_dialogs import unnamed_widgets

LEFT = Qt.MouseButton.LeftButton


def stock_page(qtbot: QtBot, window: MainWindow) -> StockPage:
    index = [p.key for p in window.pages].index("stock")
    window.show_page(index)
    page = window.current_page
    assert isinstance(page, StockPage)
    qtbot.waitUntil(lambda: page.model.loaded_once and not page.model.loading, timeout=WAIT_MS)
    return page


def test_receive_and_adjust_from_the_stock_page(
    qtbot: QtBot, shop: Shop, window: MainWindow, arrange: UnitOfWork
) -> None:
    page = stock_page(qtbot, window)
    wait_column(qtbot, page, ["40", "4"], 2)
    assert not page.receive_action.isEnabled()  # nothing selected
    select(qtbot, page, "OIL-5W30")
    assert page.receive_action.isEnabled() and page.adjust_action.isEnabled()

    page.receive_action.trigger()
    receive = wait_dialog(qtbot, page)
    assert isinstance(receive, ReceiveStockDialog)
    assert unnamed_widgets(receive) == []
    assert not receive.save_button.isEnabled()  # how many is required
    qtbot.keyClicks(receive.quantity, "0")
    assert "between 1 and" in receive.error_of("quantity")
    receive.quantity.clear()
    qtbot.keyClicks(receive.quantity, "12")
    assert receive.preview.text() == "On hand 4 → 16"
    qtbot.keyClicks(receive.note, "Delivery note 5531")
    with qtbot.waitSignal(receive.saved, timeout=WAIT_MS):
        qtbot.mouseClick(receive.save_button, LEFT)
    wait_column(qtbot, page, ["40", "16"], 2)

    page.adjust_action.trigger()
    qtbot.waitUntil(lambda: isinstance(page.dialog, AdjustStockDialog)
                    and shiboken6.isValid(page.dialog) and page.dialog.isVisible(),
                    timeout=WAIT_MS)
    adjust = page.dialog
    assert isinstance(adjust, AdjustStockDialog)
    assert unnamed_widgets(adjust) == []
    qtbot.keyClicks(adjust.counted, "13")
    assert adjust.preview.text() == "On hand 16 → 13: −3 booked as a count correction."
    assert not adjust.save_button.isEnabled()  # a reason is required
    qtbot.keyClicks(adjust.reason, "x")
    adjust.reason.clear()
    assert "Say why" in adjust.error_of("note")
    qtbot.keyClicks(adjust.reason, "Three bottles leaked")
    with qtbot.waitSignal(adjust.saved, timeout=WAIT_MS):
        qtbot.mouseClick(adjust.save_button, LEFT)
    wait_column(qtbot, page, ["40", "13"], 2)
    assert parts.get_part(arrange, shop.oil.id).quantity_on_hand == 13
    assert stock.stock_discrepancies(arrange) == []


def test_movements_history_follows_new_movements(
    qtbot: QtBot, shop: Shop, window: MainWindow, arrange: UnitOfWork, qtmodeltester: object
) -> None:
    stock.receive_stock(arrange, shop.oil.id, 6, "Supplier A")
    stock.adjust_stock(arrange, shop.oil.id, 9, "Dropped one")
    page = stock_page(qtbot, window)
    select(qtbot, page, "OIL-5W30")
    page.movements_action.trigger()
    qtbot.waitUntil(lambda: page.movements is not None and page.movements.isVisible(),
                    timeout=WAIT_MS)
    dialog = page.movements
    assert isinstance(dialog, MovementsDialog)
    model = dialog.model
    qtbot.waitUntil(lambda: model.loaded_once and not model.loading, timeout=WAIT_MS)
    assert column(model, 2) == ["Count corrected", "Received", "Opening stock"]  # newest first
    assert column(model, 1) == ["−1", "+6", "+4"]
    assert column(model, 5)[:2] == ["Dropped one", "Supplier A"]
    assert dialog.status.text() == "3 movements"
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert unnamed_widgets(dialog) == []

    # A delivery booked from the page while the history is open shows up in it.
    page.receive_action.trigger()
    receive = wait_dialog(qtbot, page)
    qtbot.keyClicks(receive.quantity, "2")
    qtbot.mouseClick(receive.save_button, LEFT)
    qtbot.waitUntil(lambda: column(model, 1)[:1] == ["+2"], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: dialog.on_hand.text() == "On hand: 11", timeout=WAIT_MS)

    qtbot.keyClicks(dialog.search, "Supp")  # (case-sensitive on PostgreSQL today)
    qtbot.waitUntil(lambda: not model.search_pending and not model.loading
                    and column(model, 5) == ["Supplier A"], timeout=WAIT_MS)


def test_a_failed_save_restores_the_dialogs_own_button_label(
    qtbot: QtBot, ui: UiContext, shop: Shop, engine: Engine
) -> None:
    dialog = AdjustStockDialog(ui, parts.get_part(UnitOfWork(engine), shop.oil.id))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.counted, "7")
    qtbot.keyClicks(dialog.reason, "shelf count")
    assert dialog.save_button.text() == "&Adjust"
    parts.delete_part(UnitOfWork(engine), shop.oil.id)  # another desk deletes it meanwhile
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog._saving, timeout=WAIT_MS)
    assert dialog.banner_text  # the refusal is shown…
    assert dialog.save_button.text() == "&Adjust"  # …and the button reads as before
    assert dialog.counted.text() == "7" and dialog.reason.text() == "shelf count"


def test_a_writer_sees_why_a_count_correction_is_not_offered(
    qtbot: QtBot, shop: Shop, window: MainWindow, ui: UiContext, arrange: UnitOfWork
) -> None:
    admin = make_admin(arrange)
    writer = make_signed_in(arrange, admin, "desk", "Front Desk", Role.WRITER)
    ui.sign_in(writer)
    page = stock_page(qtbot, window)
    select(qtbot, page, "OIL-5W30")
    assert page.receive_action.isEnabled() and page.delivery_action.isEnabled()
    assert not page.adjust_action.isEnabled()
    assert page.adjust_action.toolTip() == (
        "Service writers cannot correct stock counts; ask an administrator.")
    assert "Book a delivery" in page.receive_action.toolTip()
