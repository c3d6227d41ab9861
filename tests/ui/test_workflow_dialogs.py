"""The ticket workflow driven as a desk would: assign mechanics and book hours, add and
remove parts (watching the Stock page), lose a race for the last parts, walk a ticket
through its lifecycle, cancel and reopen, survive another desk's edit without losing
typed text, print and export the invoice; on both backends."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette, QTextCursor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.bootstrap import forbid_main_thread
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.services import mechanics, parts, tickets, workflow
from mechanic_desktop.services import shop as shop_service
from mechanic_desktop.services import stock as stock_service
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.add_parts import AddPartsDialog
from mechanic_desktop.ui.dialogs.assign_mechanics import AssignMechanicsDialog
from mechanic_desktop.ui.dialogs.shop_settings import ShopSettingsDialog
from mechanic_desktop.ui.dialogs.stock_moves import (
    AdjustStockDialog,
    MovementsDialog,
    ReceiveStockDialog,
)
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.dialogs.ticket_work import pdf_file_name
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.operations import DbWorker
from mechanic_desktop.ui.pages.stock import StockPage
from mechanic_desktop.ui.pages.tickets import TicketsPage
from tests.conftest import empty_tables
from tests.ui.conftest import FakePrompts, Shop
from tests.ui.helpers import (
    WAIT_MS,
    click_line,
    column,
    job_lines,
    save_shot,
    select,
    wait_column,
    wait_dialog,
)
from tests.ui.test_screenshots import fill
from tests.unit import factories

LEFT = Qt.MouseButton.LeftButton


# -- helpers ---------------------------------------------------------------------------


def open_ticket(qtbot: QtBot, ui: UiContext, shop_rows: Shop) -> TicketDialog:
    dialog = TicketDialog(ui, shop_rows.ticket)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.work is not None and dialog.work.detail is not None,
                    timeout=WAIT_MS)
    return dialog


def work_of(dialog: TicketDialog):  # type: ignore[no-untyped-def]
    assert dialog.work is not None
    return dialog.work


def closed(dialog: QWidget) -> bool:
    """Closed (dialogs delete themselves on close)."""
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def idle(qtbot: QtBot, ui: UiContext) -> None:
    qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)


def loaded(qtbot: QtBot, model: object) -> None:
    qtbot.waitUntil(lambda: model.loaded_once and not model.loading  # type: ignore[attr-defined]
                    and not model.search_pending, timeout=WAIT_MS)  # type: ignore[attr-defined]


def search(qtbot: QtBot, dialog: AssignMechanicsDialog | AddPartsDialog, text: str) -> None:
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, text)
    loaded(qtbot, dialog.model)


def unnamed_widgets(root: QWidget) -> list[str]:
    """Interactive widgets missing an object name or an accessible name."""
    kinds = (QLineEdit, QComboBox, QCheckBox, QAbstractButton, QAbstractItemView,
             QAbstractSpinBox, QPlainTextEdit)
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, kinds) or isinstance(widget, QHeaderView):
            continue
        parent = widget.parentWidget()
        inside = False
        while parent is not None:
            if isinstance(parent, QComboBox | QAbstractSpinBox | QAbstractItemView | QLineEdit):
                inside = True
            parent = parent.parentWidget()
        if inside or widget.objectName() == "qt_toolbar_ext_button":
            continue  # Qt's own parts of a composite widget (e.g. a line edit's clear button)
        if not widget.objectName() or not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def tick(qtbot: QtBot, dialog: AssignMechanicsDialog, name: str) -> None:
    """Tick (or untick) a mechanic with the keyboard, as a user going down the list."""
    rows = column(dialog.model, 0)
    index = dialog.model.index(rows.index(name), 0)
    dialog.table.setFocus()
    dialog.table.setCurrentIndex(index)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Space)


def set_hours(qtbot: QtBot, dialog: AssignMechanicsDialog, mechanic_id: int, text: str) -> None:
    spin = dialog.rows[mechanic_id].hours
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Tab)


def choose_part(qtbot: QtBot, dialog: AddPartsDialog, text: str, quantity: int) -> None:
    search(qtbot, dialog, text)
    dialog.table.selectRow(0)
    dialog.quantity.selectAll()
    qtbot.keyClicks(dialog.quantity, str(quantity))
    qtbot.mouseClick(dialog.add_button, LEFT)


def on_hand(qtbot: QtBot, window: MainWindow, expected: list[str]) -> None:
    """The Stock page's On hand column (SKU order: FLT-100, OIL-5W30)."""
    page = window.page("stock")
    page.start()
    wait_column(qtbot, page, expected, 2)


# -- mechanics ---------------------------------------------------------------------------


def test_search_tick_mechanics_and_book_hours(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, qtmodeltester: object
) -> None:
    alex = mechanics.create_mechanic(
        arrange, mechanics.MechanicData("Alex Piston", hourly_rate="88.00"))
    dialog = open_ticket(qtbot, ui, shop)
    work = work_of(dialog)
    assert job_lines(work, "labour", 0) == ["Sam Wrench"]
    qtbot.mouseClick(work.assign_button, LEFT)
    assign = work.assign_dialog
    assert isinstance(assign, AssignMechanicsDialog)
    loaded(qtbot, assign.model)
    # Active mechanics only, each with their open-ticket count; Sam is already ticked.
    assert column(assign.model, 0) == ["Alex Piston", "Sam Wrench"]
    assert column(assign.model, 2)[1] == "1"  # Sam's open ticket
    assert set(assign.chosen) == {shop.sam.id}
    qtmodeltester.check(assign.model)  # type: ignore[attr-defined]

    search(qtbot, assign, "ale")
    assert column(assign.model, 0) == ["Alex Piston"]
    tick(qtbot, assign, "Alex Piston")
    assert set(assign.chosen) == {shop.sam.id, alex.id}
    assert assign.model.index(0, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    set_hours(qtbot, assign, alex.id, "1.5")
    assert assign.labor_total.text() == "Labour 132.00"
    set_hours(qtbot, assign, shop.sam.id, "2")
    assert assign.labor_total.text() == "Labour 323.00"  # 1.5 × 88.00 + 2 × 95.50
    set_hours(qtbot, assign, shop.sam.id, "2.1")  # snapped to the quarter hour
    assert assign.rows[shop.sam.id].hours.value() == 2.0
    assert unnamed_widgets(assign) == []

    qtbot.mouseClick(assign.save_button, LEFT)
    qtbot.waitUntil(lambda: len(work.detail.mechanics) == 2, timeout=WAIT_MS)
    assert closed(assign)
    assert job_lines(work, "labour", 1) == ["1.5", "2"]
    assert work.total_labels["labor"].text() == "323.00"
    assert work.total_labels["total"].text() == "323.00"
    qtmodeltester.check(work.jobs_tree.model())  # type: ignore[attr-defined]

    # Untick Sam (from the "On this ticket" side) and save again.
    qtbot.mouseClick(work.assign_button, LEFT)
    again = work.assign_dialog
    assert again is not None and again is not assign
    loaded(qtbot, again.model)
    qtbot.mouseClick(again.rows[shop.sam.id].remove, LEFT)
    assert again.model.index(1, 0).data(Qt.ItemDataRole.CheckStateRole) \
        == Qt.CheckState.Unchecked
    qtbot.mouseClick(again.save_button, LEFT)
    qtbot.waitUntil(lambda: len(work.detail.mechanics) == 1, timeout=WAIT_MS)
    assert work.total_labels["labor"].text() == "132.00"
    idle(qtbot, ui)


def test_assign_from_the_tickets_page(
    qtbot: QtBot, shop: Shop, window: MainWindow, arrange: UnitOfWork
) -> None:
    page = window.tickets_page
    wait_column(qtbot, page, [f"RO-{shop.ticket.number}"])
    qtbot.waitUntil(lambda: page.settings is not None, timeout=WAIT_MS)
    assert not page.assign_action.isEnabled()  # nothing selected yet
    select(qtbot, page, f"RO-{shop.ticket.number}")
    assert page.assign_action.isEnabled() and page.add_parts_action.isEnabled()
    page.assign_action.trigger()
    dialog = wait_dialog(qtbot, page)
    assert isinstance(dialog, AssignMechanicsDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=WAIT_MS)
    loaded(qtbot, dialog.model)
    assert dialog.windowTitle() == f"Assign mechanics to ticket RO-{shop.ticket.number}"
    set_hours(qtbot, dialog, shop.sam.id, "0.75")
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: closed(dialog), timeout=WAIT_MS)
    wait_column(qtbot, page, ["71.63"], 7)  # 0.75 h × 95.50, rounded at the line
    detail = workflow.get_ticket_detail(arrange, shop.ticket.id)
    assert [m.minutes for m in detail.mechanics] == [45]


# -- parts -------------------------------------------------------------------------------


def test_add_change_and_remove_parts_moves_stock(
    qtbot: QtBot, shop: Shop, window: MainWindow, prompts: FakePrompts,
    qtmodeltester: object,
) -> None:
    on_hand(qtbot, window, ["40", "4"])
    page = window.tickets_page
    window.show_page(0)
    wait_column(qtbot, page, [f"RO-{shop.ticket.number}"])
    select(qtbot, page, f"RO-{shop.ticket.number}")
    window.edit_action.trigger()
    dialog = wait_dialog(qtbot, page)
    assert isinstance(dialog, TicketDialog)
    work = work_of(dialog)
    qtbot.waitUntil(lambda: work.detail is not None, timeout=WAIT_MS)
    assert dialog.windowTitle() == f"Ticket RO-{shop.ticket.number}"

    qtbot.mouseClick(work.add_parts_button, LEFT)
    basket = work.parts_dialog
    assert isinstance(basket, AddPartsDialog)
    loaded(qtbot, basket.model)
    qtmodeltester.check(basket.model)  # type: ignore[attr-defined]
    assert not basket.save_button.isEnabled()  # empty basket
    choose_part(qtbot, basket, "flt", 3)
    search(qtbot, basket, "oil-")
    basket.table.selectRow(0)
    assert basket.stock_note.text() == "OIL-5W30: 4 available"
    basket.quantity.selectAll()
    qtbot.keyClicks(basket.quantity, "5")  # more than the shelf holds: not cut down
    qtbot.mouseClick(basket.add_button, LEFT)
    assert column(basket.basket, 2) == ["3", "5"]
    assert "all 4 on the shelf are in the basket" in basket.stock_note.text()
    assert basket.offer.isVisible()  # ... but offered as a special order (its own test)
    qtbot.mouseClick(basket.basket_table.viewport(), LEFT,
                     pos=basket.basket_table.visualRect(basket.basket.index(1, 0)).center())
    qtbot.mouseClick(basket.remove_button, LEFT)
    assert not basket.offer.isVisible()
    choose_part(qtbot, basket, "oil-", 2)
    assert column(basket.basket, 0) == ["FLT-100", "OIL-5W30"]
    assert basket.basket_total.text() == "5 items · 51.48"
    qtmodeltester.check(basket.basket)  # type: ignore[attr-defined]
    assert unnamed_widgets(basket) == []
    qtbot.mouseClick(basket.save_button, LEFT)
    qtbot.waitUntil(lambda: len(work.detail.parts) == 2, timeout=WAIT_MS)
    assert work.total_labels["parts"].text() == "51.48"  # 3 × 8.50 + 2 × 12.99
    qtmodeltester.check(work.jobs_tree.model())  # type: ignore[attr-defined]
    on_hand(qtbot, window, ["37", "2"])

    # One more oil on the line: taken from the shelf.
    click_line(qtbot, work, "part", "OIL-5W30")
    assert work.quantity.value() == 2
    work.quantity.selectAll()
    qtbot.keyClicks(work.quantity, "3")
    qtbot.mouseClick(work.set_quantity_button, LEFT)
    qtbot.waitUntil(lambda: [p.quantity for p in work.detail.parts
                             if p.sku == "OIL-5W30"] == [3], timeout=WAIT_MS)
    on_hand(qtbot, window, ["37", "1"])

    # Remove the filters: they go back on the shelf.
    click_line(qtbot, work, "part", "FLT-100")
    prompts.answer = False
    qtbot.mouseClick(work.remove_button, LEFT)
    assert "go back to stock" in prompts.questions[-1][1]
    idle(qtbot, window.ui)
    assert len(work.detail.parts) == 2
    prompts.answer = True
    qtbot.mouseClick(work.remove_button, LEFT)
    qtbot.waitUntil(lambda: len(work.detail.parts) == 1, timeout=WAIT_MS)
    on_hand(qtbot, window, ["40", "1"])
    assert "back in stock" in work.note.text()


def test_another_desk_takes_the_stock_first(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = AddPartsDialog(ui, shop.ticket.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=WAIT_MS)
    choose_part(qtbot, dialog, "oil-", 3)
    choose_part(qtbot, dialog, "flt", 1)
    # Meanwhile the other desk takes two of the four oils for another job.
    other = tickets.create_ticket(arrange, tickets.TicketData(
        shop.ada.id, shop.car.id, "Oil change"))
    factories.authorise(arrange, other.id, "Ada Lovelace")
    workflow.add_part_lines(arrange, other.id, [(shop.oil.id, 2)])

    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: "Only 2 of OIL-5W30 left" in dialog.banner_text, timeout=WAIT_MS)
    assert dialog.isVisible()
    assert [(b.sku, b.quantity) for b in dialog.basket.rows] == [("OIL-5W30", 3),
                                                                   ("FLT-100", 1)]
    assert dialog.basket.index(0, 0).data(Qt.ItemDataRole.ToolTipRole).startswith("Only 2")
    search(qtbot, dialog, "oil-")
    wait_column(qtbot, dialog, ["2"], 2)  # type: ignore[arg-type]
    assert parts.get_part(arrange, shop.oil.id).quantity_on_hand == 2
    assert workflow.get_ticket_detail(arrange, shop.ticket.id).parts == ()  # nothing taken

    # Take what is left instead.
    dialog.basket_table.selectRow(0)
    qtbot.mouseClick(dialog.remove_button, LEFT)
    choose_part(qtbot, dialog, "oil-", 2)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, LEFT)
    detail = workflow.get_ticket_detail(arrange, shop.ticket.id)
    assert sorted((p.sku, p.quantity) for p in detail.parts) == [("FLT-100", 1),
                                                                  ("OIL-5W30", 2)]
    assert parts.get_part(arrange, shop.oil.id).quantity_on_hand == 0


# -- status ------------------------------------------------------------------------------


def test_walk_a_ticket_through_every_status(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = open_ticket(qtbot, ui, shop)
    work = work_of(dialog)

    def move(key: str, label: str, offered: set[str]) -> None:
        qtbot.mouseClick(work.status_buttons[key], LEFT)
        qtbot.waitUntil(lambda: dialog.status.text() == label, timeout=WAIT_MS)
        assert set(work.status_buttons) == offered

    assert set(work.status_buttons) == {"in_progress", "cancelled"}  # no Complete yet
    assert work.status_buttons["in_progress"].text() == "Start work"
    move("in_progress", "In progress", {"open", "completed", "cancelled"})
    move("open", "Estimate", {"in_progress", "cancelled"})
    move("in_progress", "In progress", {"open", "completed", "cancelled"})
    move("completed", "Completed", {"closed", "reopen"})
    # A finished ticket is read-only: no line changes, no form edits — and looks it: the
    # description is drawn in the window's colour, not an input's.
    assert not work.assign_button.isEnabled() and not work.add_parts_button.isEnabled()
    assert dialog.description.isReadOnly() and not dialog.save_button.isEnabled()
    assert "Reopen" in dialog.save_button.toolTip()
    box = dialog.description
    inside = box.grab().toImage().pixelColor(box.width() - 12, box.height() - 8)
    assert inside == dialog.palette().color(QPalette.ColorRole.Window)
    assert work.status_buttons["closed"].text() == "Invoice"
    move("closed", "Closed", {"reopen"})
    assert tickets.get_ticket(arrange, shop.ticket.id).closed_at is not None

    qtbot.mouseClick(work.status_buttons["reopen"], LEFT)
    reason = work.reason_dialog
    assert reason is not None and reason.isVisible()
    assert not reason.ok_button.isEnabled()  # a reason is required
    qtbot.keyClicks(reason.reason, "Customer says the squeal is back")
    qtbot.mouseClick(reason.ok_button, LEFT)
    qtbot.waitUntil(lambda: dialog.status.text() == "In progress", timeout=WAIT_MS)
    assert work.assign_button.isEnabled() and not dialog.description.isReadOnly()
    assert "in progress again" in work.note.text()
    record = tickets.get_ticket(arrange, shop.ticket.id)
    assert record.status == TicketStatus.IN_PROGRESS and record.closed_at is None


def test_cancel_from_the_tickets_page_returns_parts(
    qtbot: QtBot, shop: Shop, window: MainWindow, arrange: UnitOfWork, prompts: FakePrompts
) -> None:
    workflow.add_part_lines(arrange, shop.ticket.id, [(shop.oil.id, 3)], shop.ticket.version)
    on_hand(qtbot, window, ["40", "1"])
    window.show_page(0)
    page = window.tickets_page
    assert isinstance(page, TicketsPage)
    page.refresh()
    wait_column(qtbot, page, ["Estimate"], 1)
    select(qtbot, page, f"RO-{shop.ticket.number}")
    offered = [a.text() for a in page.status_menu.actions()]
    assert offered == ["Start work", "Cancel ticket…"]  # Complete is not a move from an estimate
    cancel = page.status_menu.actions()[1]

    prompts.answer = False
    cancel.trigger()
    _title, question, accept = prompts.questions[-1]
    assert accept == "Cancel ticket" and "goes back to stock" in question
    idle(qtbot, window.ui)
    assert tickets.get_ticket(arrange, shop.ticket.id).status == "open"

    prompts.answer = True
    cancel.trigger()
    wait_column(qtbot, page, ["Cancelled"], 1)
    on_hand(qtbot, window, ["40", "4"])
    window.show_page(0)
    select(qtbot, page, f"RO-{shop.ticket.number}")
    assert page.status_menu.actions() == [] and not page.status_button.isEnabled()
    assert not page.assign_action.isEnabled()
    assert "cancelled" in page.hint.text()


def test_status_change_from_the_list_refuses_a_stale_row(
    qtbot: QtBot, shop: Shop, window: MainWindow, arrange: UnitOfWork, prompts: FakePrompts
) -> None:
    page = window.tickets_page
    wait_column(qtbot, page, ["Estimate"], 1)
    select(qtbot, page, f"RO-{shop.ticket.number}")
    start = page.status_menu.actions()[0]
    workflow.set_status(arrange, shop.ticket.id, "in_progress", shop.ticket.version)
    start.trigger()
    qtbot.waitUntil(lambda: bool(prompts.notices), timeout=WAIT_MS)
    assert "changed at another desk" in prompts.notices[-1][1]
    wait_column(qtbot, page, ["In progress"], 1)


# -- another desk ------------------------------------------------------------------------


def test_stale_ticket_reloads_and_keeps_typed_text(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    dialog = open_ticket(qtbot, ui, shop)
    work = work_of(dialog)
    version = work.version
    dialog.description.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(dialog.description, " and rattles")
    # Another desk books an hour for Sam behind this dialog's back.
    workflow.assign_mechanics(arrange, shop.ticket.id, {shop.sam.id: 60}, version)

    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: "changed at another desk" in dialog.banner_text, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: work.version != version, timeout=WAIT_MS)
    assert "What you typed here was kept" in dialog.banner_text
    assert dialog.isVisible()
    assert dialog.description.toPlainText() == "Brakes squeal when cold and rattles"
    assert job_lines(work, "labour", 1) == ["1"]  # the other desk's hour is shown
    assert work.total_labels["labor"].text() == "95.50"

    # And again, through a status button: the banner says so and the text stays.
    workflow.assign_mechanics(arrange, shop.ticket.id, {shop.sam.id: 120}, work.version)
    qtbot.mouseClick(work.status_buttons["in_progress"], LEFT)
    qtbot.waitUntil(lambda: job_lines(work, "labour", 1) == ["2"], timeout=WAIT_MS)
    assert "changed at another desk" in dialog.banner_text
    assert dialog.status.text() == "Estimate"
    assert dialog.description.toPlainText().endswith("and rattles")

    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, LEFT)
    saved = tickets.get_ticket(arrange, shop.ticket.id)
    assert saved.description == "Brakes squeal when cold and rattles"
    assert workflow.get_ticket_detail(arrange, shop.ticket.id).mechanics[0].minutes == 120


# -- printing and settings ---------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_print_preview_and_invoice_pdf(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, tmp_path: Path
) -> None:
    settings = shop_service.get_settings(arrange)
    workflow.update_settings(arrange, shop_service.ShopSettingsData(
        "Bolt Garage", "1 Main St", "555-000-1111", "8.875", False, "WO-"), settings.version)
    ticket = shop.ticket
    detail = workflow.assign_mechanics(arrange, ticket.id, {shop.sam.id: 90}, ticket.version)
    workflow.add_part_lines(arrange, ticket.id, [(shop.oil.id, 2)], detail.ticket.version)
    dialog = open_ticket(qtbot, ui, shop)
    work = work_of(dialog)
    # 1.5 h × 95.50 = 143.25; 2 × 12.99 = 25.98; tax 8.875% of parts = 2.31.
    assert work.total_labels["total"].text() == "171.54"
    assert work.tax_caption.text() == "Tax (8.875%)"
    assert dialog.windowTitle() == f"Ticket WO-{ticket.number}"

    qtbot.mouseClick(work.print_invoice_button, LEFT)
    qtbot.waitUntil(lambda: work.preview is not None and work.preview.isVisible(),
                    timeout=WAIT_MS)
    assert work.preview.windowTitle() == f"Print preview: Invoice WO-{ticket.number}"
    work.preview.close()

    asked: list[str] = []

    def choose(_parent: QWidget, suggested: str) -> str:
        asked.append(suggested)
        return str(tmp_path / suggested)

    work.choose_pdf_path = choose
    work.export_invoice_action.trigger()
    qtbot.waitUntil(lambda: work.last_pdf is not None, timeout=WAIT_MS)
    assert asked == [f"invoice-wo-{ticket.number}.pdf"]
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", str(work.last_pdf), "-"],
                          capture_output=True, encoding="utf-8", check=True).stdout
    for expected in ("Invoice", f"WO-{ticket.number}", "Sam Wrench", "143.25", "25.98",
                     "Tax (8.875%)", "2.31", "171.54", "Bolt Garage"):
        assert expected in text
    assert "saved to" in work.note.text()


def test_shop_settings_from_the_menu(
    qtbot: QtBot, shop: Shop, window: MainWindow, arrange: UnitOfWork
) -> None:
    before = shop_service.get_settings(arrange)
    workflow.update_settings(arrange, shop_service.ShopSettingsData(
        before.name, labor_rate="95.00", estimate_valid_days=14, credit_note_prefix="CR-",
        authorisation_tolerance="10.00"), before.version)
    window.shop_settings_action.trigger()
    qtbot.waitUntil(lambda: isinstance(window.shop_settings_dialog, ShopSettingsDialog)
                    and window.shop_settings_dialog.isVisible(), timeout=WAIT_MS)
    dialog = window.shop_settings_dialog
    assert isinstance(dialog, ShopSettingsDialog)
    assert unnamed_widgets(dialog) == []
    dialog.tax_rate.selectAll()
    qtbot.keyClicks(dialog.tax_rate, "8.8755")
    assert "at most 3 decimal places" in dialog.error_of("tax_rate")
    assert not dialog.save_button.isEnabled()
    dialog.tax_rate.selectAll()
    qtbot.keyClicks(dialog.tax_rate, "7.25")
    assert "re-prices open and in-progress tickets" in dialog.tax_note.text()
    dialog.prefix_edit.selectAll()
    qtbot.keyClicks(dialog.prefix_edit, "JOB-")
    assert "JOB-42" in dialog.prefix_note.text()
    dialog.invoice_prefix.selectAll()
    qtbot.keyClicks(dialog.invoice_prefix, "F-")
    assert "F-1, F-2" in dialog.invoice_note.text()
    qtbot.keyClicks(dialog.methods, "An unusually long way of paying")
    assert "is too long (at most 20 characters)" in dialog.error_of("payment_methods")
    dialog.methods.clear()
    qtbot.keyClicks(dialog.methods, "Financing, gift card, Cash")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, LEFT)
    saved = shop_service.get_settings(arrange)
    assert (saved.tax_rate, saved.ticket_prefix, saved.invoice_prefix) == (7.25, "JOB-", "F-")
    assert saved.payment_methods == "Financing\ngift card"  # cash is built in
    # What the dialog does not show is kept, not reset to the defaults.
    assert (saved.labor_rate, saved.estimate_valid_days, saved.credit_note_prefix,
            saved.authorisation_tolerance) == (95, 14, "CR-", 10)
    page = window.tickets_page
    qtbot.waitUntil(lambda: page.label(7) == "JOB-7", timeout=WAIT_MS)


def test_new_ticket_says_where_lines_come_from(qtbot: QtBot, ui: UiContext) -> None:
    dialog = TicketDialog(ui)
    qtbot.addWidget(dialog)
    assert dialog.work is None
    placeholder = dialog.findChild(QWidget, "ticketLinesPlaceholder")
    assert placeholder is not None


def test_ticket_editor_widgets_are_named(qtbot: QtBot, ui: UiContext, shop: Shop) -> None:
    dialog = open_ticket(qtbot, ui, shop)
    assert unnamed_widgets(dialog) == []
    idle(qtbot, ui)


@pytest.mark.qt_log_ignore("This plugin does not support")  # a popup menu, offscreen
def test_tickets_and_stock_pages_offer_row_actions(
    qtbot: QtBot, shop: Shop, window: MainWindow
) -> None:
    tickets_page = window.tickets_page
    stock_page = window.page("stock")
    assert isinstance(stock_page, StockPage)
    for page in (tickets_page, stock_page):
        assert unnamed_widgets(page) == []
    # Tickets are cancelled, never deleted.
    select(qtbot, tickets_page, f"RO-{shop.ticket.number}")
    assert not window.delete_action.isEnabled()
    # Right-click offers the same moves as the toolbar.
    rect = tickets_page.table.visualRect(tickets_page.model.index(0, 1))
    tickets_page.table.customContextMenuRequested.emit(rect.center())
    menu = tickets_page.context_menu
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["&Open…", "Start work", "Cancel ticket…", "Assign &mechanics…",
                     "Add &parts…"]
    menu.close()


# -- pictures for review -----------------------------------------------------------------


@pytest.fixture
def demo(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[UiContext]:
    empty_tables(sqlite_engine)
    worker = DbWorker(UnitOfWork(sqlite_engine, guard=forbid_main_thread))
    yield UiContext(worker, FakePrompts())
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=WAIT_MS)
    worker.shutdown()


def _shot(qtbot: QtBot, widget: QWidget, folder: Path, name: str, *expected: str) -> None:
    qtbot.wait(30)  # let layouts settle, as the event loop would between key presses
    save_shot(widget, folder / f"{name}.png", *expected)


def test_render_workflow_screens(
    qtbot: QtBot, demo: UiContext, sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Every new dialog and the changed pages at a realistic size, to PNG (MD_SHOTS_DIR)."""
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    arrange = UnitOfWork(sqlite_engine)
    rows = fill(arrange)
    settings = shop_service.get_settings(arrange)
    workflow.update_settings(arrange, shop_service.ShopSettingsData(
        "Bolt & Nut Garage", "1 Main Street\nSpringfield", "555-010-2000", "8.875", False,
        "RO-"), settings.version)
    ticket = rows["ticket"]
    crew = mechanics.list_mechanics(arrange, ListQuery(filters={"active_only": True})).rows
    stock_rows = parts.list_parts(arrange, ListQuery()).rows
    ticket = workflow.get_ticket_detail(arrange, ticket.id).ticket  # type: ignore[attr-defined]
    detail = workflow.assign_mechanics(
        arrange, ticket.id, {crew[0].id: 90, crew[1].id: 165}, ticket.version)
    detail = workflow.add_part_lines(
        arrange, ticket.id, [(stock_rows[3].id, 2), (stock_rows[6].id, 4), (stock_rows[2].id, 1)],
        detail.ticket.version)  # type: ignore[attr-defined]
    done = tickets.create_ticket(arrange, tickets.TicketData(
        detail.ticket.customer_id, detail.ticket.vehicle_id, "Replace wiper blades"))
    d2 = workflow.assign_mechanics(arrange, done.id, {crew[2].id: 30}, done.version)
    d2 = workflow.add_part_lines(arrange, done.id, [(stock_rows[7].id, 2)], d2.ticket.version)
    d2 = factories.authorise(arrange, done.id)
    d2 = workflow.set_status(arrange, done.id, "in_progress", d2.ticket.version)
    workflow.set_status(arrange, done.id, "completed", d2.ticket.version)

    window = MainWindow(demo, str(sqlite_engine.url.database),
                        QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    page = window.tickets_page
    qtbot.waitUntil(lambda: page.model.loaded_once and page.settings is not None,
                    timeout=WAIT_MS)
    page.table.selectRow(page.model.row_of_id(ticket.id))  # type: ignore[attr-defined]
    _shot(qtbot, window, folder, "workflow-page-tickets", "Ada Lovelace")
    stock = window.page("stock")
    window.show_page([p.key for p in window.pages].index("stock"))
    qtbot.waitUntil(lambda: stock.model.loaded_once and not stock.model.loading,
                    timeout=WAIT_MS)
    stock.table.selectRow(0)
    _shot(qtbot, window, folder, "workflow-page-stock", "OIL-5W30")

    editor = TicketDialog(demo, tickets.get_ticket(arrange, ticket.id), window)  # type: ignore[attr-defined]
    editor.show()
    qtbot.waitUntil(lambda: editor.work is not None and editor.work.detail is not None,
                    timeout=WAIT_MS)
    click_line(qtbot, work_of(editor), "part", "")
    _shot(qtbot, editor, folder, "workflow-ticket", "Brakes squeal when cold",
          stock_rows[3].sku, crew[0].name)
    finished = TicketDialog(demo, tickets.get_ticket(arrange, done.id), window)
    finished.show()
    qtbot.waitUntil(lambda: finished.work is not None and finished.work.detail is not None,
                    timeout=WAIT_MS)
    _shot(qtbot, finished, folder, "workflow-ticket-completed", "Replace wiper blades")
    finished.close()

    qtbot.mouseClick(work_of(editor).assign_button, LEFT)
    assign = work_of(editor).assign_dialog
    assert assign is not None
    loaded(qtbot, assign.model)
    tick(qtbot, assign, column(assign.model, 0)[2])
    _shot(qtbot, assign, folder, "workflow-assign-mechanics", crew[0].name)
    assign.close()

    qtbot.mouseClick(work_of(editor).add_parts_button, LEFT)
    basket = work_of(editor).parts_dialog
    assert basket is not None
    loaded(qtbot, basket.model)
    choose_part(qtbot, basket, "brk", 1)
    choose_part(qtbot, basket, "wpr", 2)
    search(qtbot, basket, "")
    stock_service.adjust_stock(arrange, stock_rows[0].id, 0, "Recount")  # BAT-H6 gone
    basket.table.selectRow(0)
    qtbot.mouseClick(basket.add_button, LEFT)
    qtbot.mouseClick(basket.save_button, LEFT)
    qtbot.waitUntil(lambda: basket.banner_text != "", timeout=WAIT_MS)
    _shot(qtbot, basket, folder, "workflow-add-parts-short", "BAT-H6")
    basket.close()

    work_of(finished_again := TicketDialog(demo, tickets.get_ticket(arrange, done.id), window))
    finished_again.show()
    qtbot.waitUntil(lambda: work_of(finished_again).detail is not None, timeout=WAIT_MS)
    qtbot.mouseClick(work_of(finished_again).status_buttons["reopen"], LEFT)
    reason = work_of(finished_again).reason_dialog
    assert reason is not None
    qtbot.keyClicks(reason.reason, "Customer reports streaks on the windscreen")
    _shot(qtbot, reason, folder, "workflow-reopen",
          "Customer reports streaks on the windscreen")
    reason.close()
    finished_again.close()

    # Stale: another desk books time behind the editor's back; the user had typed.
    editor.description.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(editor.description, "; also check the handbrake")
    workflow.assign_mechanics(arrange, ticket.id, {crew[0].id: 120}, work_of(editor).version)  # type: ignore[arg-type]
    qtbot.mouseClick(editor.save_button, LEFT)
    qtbot.waitUntil(lambda: "another desk" in editor.banner_text, timeout=WAIT_MS)
    idle(qtbot, demo)
    _shot(qtbot, editor, folder, "workflow-ticket-stale", "another desk",
          "also check the handbrake")
    editor.close()

    window.open_shop_settings()
    qtbot.waitUntil(lambda: window.shop_settings_dialog is not None
                    and window.shop_settings_dialog.isVisible(), timeout=WAIT_MS)
    settings_dialog = window.shop_settings_dialog
    assert isinstance(settings_dialog, ShopSettingsDialog)
    settings_dialog.tax_rate.selectAll()
    qtbot.keyClicks(settings_dialog.tax_rate, "9.25")
    _shot(qtbot, settings_dialog, folder, "workflow-shop-settings", "Bolt & Nut Garage",
          "9.25")
    settings_dialog.close()

    part = stock.selected_row()
    receive = ReceiveStockDialog(demo, part, window)
    receive.show()
    qtbot.keyClicks(receive.quantity, "24")
    qtbot.keyClicks(receive.note, "Delivery note 5531")
    _shot(qtbot, receive, folder, "stock-receive", "Delivery note 5531")
    adjust = AdjustStockDialog(demo, part, window)
    adjust.show()
    qtbot.keyClicks(adjust.counted, "1")
    qtbot.keyClicks(adjust.reason, "x")
    adjust.reason.clear()
    _shot(qtbot, adjust, folder, "stock-adjust", "Say why")
    for dialog in (receive, adjust):
        dialog.close()
    moves = MovementsDialog(demo, part, window)
    moves.show()
    qtbot.waitUntil(lambda: moves.model.loaded_once and not moves.model.loading,
                    timeout=WAIT_MS)
    _shot(qtbot, moves, folder, "stock-movements", "Recount")
    moves.close()


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Invoice RO-12", "invoice-ro-12.pdf"),
        ("Work order R/O:7", "work-order-r-o-7.pdf"),
        ('Invoice "A|B"?*<>\\9', "invoice-a-b-9.pdf"),
        ("Invoice .12.", "invoice-.12.pdf"),
    ],
)
def test_pdf_file_names_are_valid_on_every_platform(title: str, name: str) -> None:
    assert pdf_file_name(title) == name


def test_add_parts_finds_a_word_inside_a_part_name_without_waiting(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, qtmodeltester: object,
    tmp_path: Path,
) -> None:
    """Typing "brake" finds "Moog Brake pad set, front" (a word inside the name), two
    words narrow, a SKU fragment is found anywhere; the search runs on the DB worker
    (each keystroke returns at once) and the list still follows Qt's model rules."""
    for sku, name in [("BPF-000005", "Moog Brake pad set, front"),
                      ("BPR-000006", "Moog Brake pad set, rear")]:
        parts.create_part(arrange, parts.PartData(sku, name, "49.90", "30", 0, 6))
    dialog = AddPartsDialog(ui, shop.ticket.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=WAIT_MS)
    loaded(qtbot, dialog.model)
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "brake")
    assert dialog.model.search_pending or dialog.model.loading  # not answered in the slot
    loaded(qtbot, dialog.model)
    assert column(dialog.model, 1) == ["Moog Brake pad set, front", "Moog Brake pad set, rear"]
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    save_shot(dialog, tmp_path / "add-parts-brake.png", "Moog Brake pad set, front")
    search(qtbot, dialog, "brake front")
    assert column(dialog.model, 1) == ["Moog Brake pad set, front"]
    search(qtbot, dialog, "5w3")  # inside the SKU "OIL-5W30"
    assert column(dialog.model) == ["OIL-5W30"]
    search(qtbot, dialog, "filter")  # the last word of "Oil filter"
    assert column(dialog.model) == ["FLT-100"]
