"""The front desk's shortcuts: what the app can fill in, it fills in (issue: front desk).

Typed as a clerk would; then what the fields show is read back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from mechanic_desktop.db.models import ServiceTicket
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.services import customers, tickets
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.dialogs.staff import StaffDialog
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.dialogs.ticket_work import STATUS_VERBS
from mechanic_desktop.ui.dialogs.vehicle import VehicleDialog
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.screen_fit import (
    FRAME,
    fit_to_screen,
    fitted,
    restore_geometry,
    save_geometry,
)
from mechanic_desktop.ui.theme import overdue_colour
from mechanic_desktop.ui.vehicle_combo import VehicleCombo
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS, wait_dialog
from tests.unit import factories


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
    # Customer and car chosen: the focus is past them, on the concern (it stayed in the
    # customer search box, where typing would have replaced the customer).
    assert ticket.focusWidget() is ticket.description
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
    # Return opened the ticket only: the record stays open (it also pressed the record's
    # Save once, which closed it and the ticket with it; found walking the app).
    assert customer.isVisible() and opened.isVisible()


def test_new_ticket_for_a_customer_with_two_cars_waits_on_the_vehicle(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    factories.vehicle(arrange, shop.ada.id, factories.VINS[1])
    ticket = TicketDialog(ui, for_customer=(shop.ada.id, shop.ada.name))
    qtbot.addWidget(ticket)
    ticket.show()
    qtbot.waitUntil(lambda: ticket.vehicle.count() == 2, timeout=WAIT_MS)
    assert ticket.vehicle.currentIndex() == -1
    assert ticket.focusWidget() is ticket.vehicle
    ticket.activateWindow()
    qtbot.waitUntil(ticket.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(ticket.vehicle, Qt.Key.Key_Down)
    qtbot.keyClick(ticket.vehicle, Qt.Key.Key_Tab)  # past Add vehicle, to the concern
    assert ticket.focusWidget() is ticket.description
    qtbot.keyClicks(ticket.description, "Brakes grind when stopping")
    assert ticket.description.toPlainText() == "Brakes grind when stopping"
    assert ticket.vehicle.currentIndex() == 0 and ticket.vehicle_dialog is None


def test_new_ticket_on_a_new_customer_saves_them_first(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork
) -> None:
    customer = CustomerDialog(ui)
    qtbot.addWidget(customer)
    customer.show()
    qtbot.keyClicks(customer.name, "Olive Walkin")
    qtbot.mouseClick(customer.new_ticket_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: customer.ticket_dialog is not None, timeout=WAIT_MS)
    assert customer.existing is not None
    assert customers.get_customer(arrange, customer.existing.id).name == "Olive Walkin"
    assert customer.ticket_dialog.customer_id == customer.existing.id


def test_a_new_tickets_first_mechanic_saves_it_and_opens_its_full_editor(
    qtbot: QtBot, shop: Shop, window: MainWindow, arrange: UnitOfWork
) -> None:
    """New ticket → customer, description → Assign mechanics: saved, and the crew
    dialog is open on it at once (no 'save first, then open it again')."""
    page = window.tickets_page
    window.new_action.trigger()
    dialog = wait_dialog(qtbot, page)
    assert isinstance(dialog, TicketDialog)
    qtbot.keyClicks(dialog.customer_search, "love")
    qtbot.waitUntil(lambda: dialog.vehicle.currentData() == shop.car.id, timeout=WAIT_MS)
    qtbot.keyClicks(dialog.description, "Timing belt")
    qtbot.mouseClick(dialog.first_assign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is not dialog and page.dialog is not None,
                    timeout=WAIT_MS)
    editor = page.dialog
    assert isinstance(editor, TicketDialog) and editor.existing is not None
    assert editor.work is not None
    qtbot.waitUntil(lambda: getattr(editor.work, "assign_dialog", None) is not None,
                    timeout=WAIT_MS)
    assert editor.work.assign_dialog.isVisible()
    saved = tickets.get_ticket(arrange, editor.existing.id)
    assert saved.description == "Timing belt" and saved.vehicle_id == shop.car.id


def test_a_new_customer_is_shown_and_selected_whatever_the_search(
    qtbot: QtBot, shop: Shop, window: MainWindow
) -> None:
    window.show_page(1)
    page = window.current_page
    assert page.key == "customers"
    qtbot.keyClicks(page.search, "Bob")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT_MS)
    window.new_action.trigger()
    dialog = wait_dialog(qtbot, page)
    qtbot.keyClicks(dialog.name, "Zed Zebra")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.selected_row() is not None
                    and page.selected_row().name == "Zed Zebra", timeout=WAIT_MS)
    assert page.search.text() == "Zed Zebra"


def test_windows_fit_a_small_laptop_screen_and_remember_each_screen(
    qtbot: QtBot, tmp_path: Path
) -> None:
    laptop = QRect(0, 0, 1366, 728)  # 1366×768 less a 40 px task bar
    widget = QWidget()
    qtbot.addWidget(widget)
    fit_to_screen(widget, 1280, 800, laptop)
    assert widget.width() == 1280 and widget.height() == 728 - FRAME  # status bar on screen
    assert fitted(900, 760, QRect(0, 0, 1920, 1040)) == (900, 760)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    widget.resize(700, 500)
    save_geometry(widget, settings, "window")
    other = QWidget()
    qtbot.addWidget(other)
    restore_geometry(other, settings, "window", 1280, 800)
    assert (other.width(), other.height()) == (700, 500)  # this screen's own size
    assert all("/geometry/" in key for key in settings.allKeys())


def test_an_overdue_promise_is_highlighted_in_the_tickets_list(
    qtbot: QtBot, shop: Shop, window: MainWindow, arrange: UnitOfWork
) -> None:
    with arrange.writing():  # promised an hour ago, still open: overdue
        arrange.session.execute(update(ServiceTicket).where(ServiceTicket.id == shop.ticket.id)
                                .values(promised_at=datetime.now(UTC) - timedelta(hours=1)))
        arrange.commit()
    assert tickets.get_ticket(arrange, shop.ticket.id).promised_at is not None
    page = window.tickets_page
    page.start()
    page.refresh()  # as F5 does

    def listed() -> bool:
        row = page.model.row_at(page.model.row_of_id(shop.ticket.id))
        return row is not None and row.promised_at is not None

    qtbot.waitUntil(listed, timeout=WAIT_MS)
    promised = next(i for i, c in enumerate(page.model.spec.columns) if c.header == "Promised")
    cell = page.model.index(page.model.row_of_id(shop.ticket.id), promised)
    assert cell.data(Qt.ItemDataRole.ForegroundRole) == overdue_colour()
    assert "Overdue" in cell.data(Qt.ItemDataRole.ToolTipRole)
    number = page.model.index(page.model.row_of_id(shop.ticket.id), 0)
    assert number.data(Qt.ItemDataRole.ForegroundRole) != overdue_colour()


def test_the_vehicle_box_shortens_the_model_never_the_vin(
    qtbot: QtBot, ui: UiContext, shop: Shop
) -> None:
    dialog = TicketDialog(ui)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.customer_search, "love")
    qtbot.waitUntil(lambda: dialog.vehicle.currentData() == shop.car.id, timeout=WAIT_MS)
    box = dialog.vehicle
    assert isinstance(box, VehicleCombo)
    full = box.currentText()
    box.setMinimumWidth(0)
    box.setFixedWidth(box.fontMetrics().horizontalAdvance(full) // 2 + 40)
    shown = box.shown_text()
    assert shown != full and shown.endswith(" · 1M8GDM9AXKP042788") and "…" in shown
    assert box.toolTip() == full


def test_leaving_the_editor_invoicing_and_closed_share_no_word(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = TicketDialog(ui, tickets.get_ticket(arrange, shop.ticket.id))
    qtbot.addWidget(dialog)
    leave = dialog.buttons.button(dialog.buttons.StandardButton.Cancel).text()
    words = [leave, STATUS_VERBS[TicketStatus.CLOSED], TicketStatus.CLOSED.label]
    stems = [{w.lower().rstrip("d").rstrip("e") for w in text.split()} for text in words]
    assert words == ["Done", "Invoice", "Closed"]
    assert not (stems[0] & stems[1] or stems[0] & stems[2] or stems[1] & stems[2])


def test_down_from_the_search_return_opens_tab_leaves_the_table(
    qtbot: QtBot, shop: Shop, window: MainWindow
) -> None:
    """Find, arrow, open, with no mouse; and Tab walks fields, not a table's cells."""
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    window.show_page(1)
    page = window.current_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT_MS)
    page.search.setFocus()
    qtbot.keyClicks(page.search, "bob")
    qtbot.waitUntil(lambda: page.model.loaded_rows == 1 and not page.model.loading,
                    timeout=WAIT_MS)
    qtbot.keyClick(page.search, Qt.Key.Key_Down)
    assert page.table.hasFocus() and page.selected_row().name == "Bob Builder"
    qtbot.keyClick(page.table, Qt.Key.Key_Tab)
    assert not page.table.hasFocus()
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    dialog = wait_dialog(qtbot, page)
    assert dialog.existing is not None and dialog.existing.name == "Bob Builder"


def test_a_mechanics_account_links_the_mechanic_of_the_same_name(
    qtbot: QtBot, ui: UiContext, shop: Shop
) -> None:
    dialog = StaffDialog(ui, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.mechanic.count() > 1, timeout=WAIT_MS)
    qtbot.keyClicks(dialog.full_name, "Sam Wrench")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.MECHANIC.value))
    assert dialog.mechanic.currentData() == shop.sam.id
    dialog.role.setCurrentIndex(dialog.role.findData(Role.WRITER.value))
    dialog.role.setCurrentIndex(dialog.role.findData(Role.MECHANIC.value))
    assert dialog.mechanic.currentData() == shop.sam.id  # a chosen link is kept


def test_a_ticket_stays_open_beside_the_list_and_opens_once(
    qtbot: QtBot, shop: Shop, window: MainWindow
) -> None:
    """The ticket editor no longer locks the main window: with a repair order on
    screen the writer can still search the lists (receive a delivery, find another
    customer); opening the same ticket again brings its editor forward, not a second."""
    window.show()
    page = window.tickets_page
    qtbot.waitUntil(lambda: page.model.rowCount() >= 1, timeout=WAIT_MS)
    page.table.setFocus()
    page.table.selectRow(0)
    page.edit_selected()
    editor = wait_dialog(qtbot, page)
    assert isinstance(editor, TicketDialog) and editor.existing is not None
    assert not editor.isModal() and QApplication.activeModalWidget() is None
    window.show_page(1)  # customers, while the ticket is open
    customers_page = window.current_page
    assert customers_page.isEnabled()
    customers_page.search.setFocus()
    qtbot.keyClicks(customers_page.search, "bob")
    qtbot.waitUntil(lambda: customers_page.model.loaded_rows == 1, timeout=WAIT_MS)
    assert editor.isVisible()
    page.table.selectRow(0)
    page.edit_selected()  # the same ticket again
    qtbot.wait(200)
    assert page.dialog is editor and editor.isVisible()
    assert [w for w in QApplication.topLevelWidgets()  # (other tests' windows aside)
            if isinstance(w, TicketDialog) and w.isVisible()
            and w.parentWidget() is window] == [editor]
