"""Controls follow the permission table (issue 17 item 11): what a role may not use is
disabled with the service's own words in its tooltip, or hidden (pay rates from a
mechanic); signing in as someone else decides again. Checked through the widgets a
person sees: the side bar, the toolbar's buttons, the menus, the dialogs' buttons."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolBar, QToolButton
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import customers, mechanics
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.dialogs.mechanic import MechanicDialog
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.pages.list_page import ListPage
from mechanic_desktop.ui.pages.mechanics import MechanicsPage
from tests.ui.accounts import make_admin, make_signed_in
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS, column, save_shot

SHOTS = Path(os.environ.get("MD_SHOTS_DIR", "/tmp/md-gate-shots"))


def _shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def _accounts(arrange: UnitOfWork, shop: Shop) -> tuple[Actor, Actor, Actor]:
    admin = make_admin(arrange)
    writer = make_signed_in(arrange, admin, "desk", "Front Desk", Role.WRITER)
    mechanic = make_signed_in(arrange, admin, "sam", "Sam Wrench", Role.MECHANIC, shop.sam.id)
    return admin, writer, mechanic


def _button(window: MainWindow, action: QAction) -> QToolButton:
    bar = window.findChild(QToolBar, "mainToolbar")
    assert bar is not None
    widget = bar.widgetForAction(action)
    assert isinstance(widget, QToolButton)
    return widget


def _menu_entry(window: MainWindow, menu_title: str, text: str) -> QAction:
    menu = next(m for m in window.menuBar().findChildren(QMenu)
                if m.title().replace("&", "") == menu_title)
    assert menu.toolTipsVisible()  # a disabled entry can say why
    return next(a for a in menu.actions() if a.text().replace("&", "") == text)


def _go(qtbot: QtBot, window: MainWindow, title: str) -> ListPage:
    sidebar = window.sidebar
    item = next(sidebar.item(i) for i in range(sidebar.count()) if sidebar.item(i).text() == title)
    qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton,
                     pos=sidebar.visualItemRect(item).center())
    page = window.current_page
    qtbot.waitUntil(lambda: page.model.loaded_once and not page.model.loading, timeout=WAIT_MS)
    return page


def _click_row(qtbot: QtBot, page: ListPage, text: str) -> None:
    row = column(page.model).index(text)
    rect = page.table.visualRect(page.model.index(row, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: page.selected_row() is not None, timeout=WAIT_MS)


def _header_titles(page: ListPage) -> list[str]:
    model, table = page.model, page.table
    return [str(model.headerData(c, Qt.Orientation.Horizontal))
            for c in range(model.columnCount()) if not table.isColumnHidden(c)]


def test_a_service_writer_sees_what_is_not_theirs_disabled_and_why(
    qtbot: QtBot, shop: Shop, ui: UiContext, arrange: UnitOfWork, engine: Engine,
    settings: QSettings,
) -> None:
    _admin, writer, _mechanic = _accounts(arrange, shop)
    ui.sign_in(writer)
    window = MainWindow(ui, "test database", settings, actor=writer)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()

    page = _go(qtbot, window, "Mechanics")
    new, edit = _button(window, window.new_action), _button(window, window.edit_action)
    assert not new.isEnabled()
    assert new.toolTip() == (
        "Service writers cannot edit mechanics and their pay rates; ask an administrator.")
    _click_row(qtbot, page, "Sam Wrench")
    assert not edit.isEnabled() and edit.toolTip() == new.toolTip()
    delete = _button(window, window.delete_action)
    assert not delete.isEnabled()
    assert delete.toolTip() == "Service writers cannot delete records; ask an administrator."
    assert "Hourly rate" in _header_titles(page)  # who assigns work sees the rates
    save_shot(window, _shots() / "gate-writer-mechanics.png", "Sam Wrench", "Hourly rate")

    customers_page = _go(qtbot, window, "Customers")
    _click_row(qtbot, customers_page, "Ada Lovelace")
    assert new.isEnabled() and new.toolTip() == "Add a new record to this list (Ctrl+N)"
    assert edit.isEnabled()
    assert not delete.isEnabled()  # writers edit customers but delete nothing

    settings_entry = _menu_entry(window, "Settings", "Shop settings…")
    assert not settings_entry.isEnabled()
    assert settings_entry.toolTip() == (
        "Service writers cannot change shop settings; ask an administrator.")
    assert _menu_entry(window, "File", "Import customers…").isEnabled()
    parts_import = _menu_entry(window, "File", "Import parts…")
    assert not parts_import.isEnabled()
    assert parts_import.toolTip() == (
        "Service writers cannot edit parts and prices; ask an administrator.")


def test_a_mechanic_sees_no_pay_rate_and_no_editing_they_may_not_do(
    qtbot: QtBot, shop: Shop, ui: UiContext, arrange: UnitOfWork, settings: QSettings,
) -> None:
    _admin, _writer, mechanic = _accounts(arrange, shop)
    ui.sign_in(mechanic)

    page = MechanicsPage(ui)  # not in a mechanic's side bar; the list hides rates anyway
    qtbot.addWidget(page)
    page.resize(900, 400)
    page.show()
    page.start()
    qtbot.waitUntil(lambda: page.model.loaded_once and not page.model.loading, timeout=WAIT_MS)
    assert "Hourly rate" not in _header_titles(page)
    shown = [column(page.model, c) for c in range(page.model.columnCount())
             if not page.table.isColumnHidden(c)]
    assert "Sam Wrench" in shown[0] and not any("95.50" in cells for cells in shown)

    arrange.actor = mechanic
    record = mechanics.get_mechanic(arrange, shop.sam.id)
    arrange.actor = None
    assert record.hourly_rate is None  # the service never sent it
    dialog = MechanicDialog(ui, record)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.rate.isVisible()
    assert dialog.form.labelForField(dialog.rate.parentWidget()).isHidden()
    assert not dialog.save_button.isEnabled()
    assert dialog.save_button.toolTip() == (
        "Mechanics cannot edit mechanics and their pay rates; ask an administrator.")
    save_shot(dialog, _shots() / "gate-mechanic-mechanic-dialog.png", "Sam Wrench")

    ada = customers.get_customer(arrange, shop.ada.id)
    customer = CustomerDialog(ui, ada)
    qtbot.addWidget(customer)
    customer.show()
    qtbot.keyClicks(customer.name, " Byron")  # typing does not make Save usable
    assert not customer.save_button.isEnabled()
    assert customer.save_button.toolTip() == (
        "Mechanics cannot edit customers and vehicles; ask an administrator.")
    assert not customer.add_vehicle_button.isEnabled()
    assert not customer.new_ticket_button.isEnabled()
    assert customer.new_ticket_button.toolTip() == (
        "Mechanics cannot open and edit tickets; ask an administrator.")
    save_shot(customer, _shots() / "gate-mechanic-customer-dialog.png", "Ada Lovelace")

    window = MainWindow(ui, "test database", settings, actor=mechanic)
    qtbot.addWidget(window)
    window.show()
    for menu, entry, words in (("Settings", "Shop settings…", "change shop settings"),
                               ("File", "Import customers…", "edit customers and vehicles"),
                               ("File", "Import parts…", "edit parts and prices")):
        action = _menu_entry(window, menu, entry)
        assert not action.isEnabled()
        assert action.toolTip() == f"Mechanics cannot {words}; ask an administrator."


def test_signing_in_as_someone_else_decides_again(
    qtbot: QtBot, shop: Shop, ui: UiContext, arrange: UnitOfWork,
) -> None:
    admin, writer, mechanic = _accounts(arrange, shop)
    ui.sign_in(writer)
    page = MechanicsPage(ui)
    qtbot.addWidget(page)
    page.show()
    page.start()
    qtbot.waitUntil(lambda: page.model.loaded_once, timeout=WAIT_MS)
    dialog = MechanicDialog(ui, mechanics.get_mechanic(arrange, shop.sam.id))
    qtbot.addWidget(dialog)
    dialog.show()
    refusal = "Service writers cannot edit mechanics and their pay rates; ask an administrator."
    assert not dialog.save_button.isEnabled() and dialog.save_button.toolTip() == refusal
    assert dialog.rate.isVisible() and "Hourly rate" in _header_titles(page)

    ui.sign_in(mechanic)
    assert not dialog.rate.isVisible() and "Hourly rate" not in _header_titles(page)

    ui.sign_in(admin)
    assert dialog.rate.isVisible() and "Hourly rate" in _header_titles(page)
    qtbot.keyClicks(dialog.name, " Jr")
    assert dialog.save_button.isEnabled()
    assert dialog.save_button.toolTip() == ""  # the refusal went with the rights
