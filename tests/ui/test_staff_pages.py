"""The window by role, and the administrator's Staff and Audit trail pages, driven as a
user would: a mechanic's own queue, accounts created, reset, unlocked and deactivated,
the trail filtered."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.db.engine import describe
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import LoginFailed
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import audit, auth, tickets
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.change_password import ChangePasswordDialog
from mechanic_desktop.ui.dialogs.first_run import FirstRunDialog
from mechanic_desktop.ui.dialogs.login import LoginDialog
from mechanic_desktop.ui.dialogs.staff import NEEDS_MECHANIC, ResetPasswordDialog, StaffDialog
from mechanic_desktop.ui.idle_lock import LockScreen
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.pages.audit import AuditPage
from mechanic_desktop.ui.pages.staff import StaffPage
from tests.ui.accounts import FLOOR, GOOD, NEW, TEMPORARY, make_admin, make_signed_in
from tests.ui.conftest import FakePrompts, Shop
from tests.ui.helpers import WAIT_MS, column, select, wait_column, wait_dialog


@pytest.fixture
def ui(ui: UiContext) -> UiContext:
    ui.hasher = FLOOR
    return ui


def _window(qtbot: QtBot, ui: UiContext, engine: Engine, settings: QSettings,
            actor: Actor) -> MainWindow:
    ui.sign_in(actor)
    win = MainWindow(ui, describe(engine.url), settings, actor=actor)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.current_page.model.loaded_once, timeout=WAIT_MS)
    return win


def _open(qtbot: QtBot, window: MainWindow, key: str) -> object:
    window.show_page([p.key for p in window.pages].index(key))
    page = window.current_page
    qtbot.waitUntil(lambda: page.model.loaded_once and not page.model.loading, timeout=WAIT_MS)
    return page


def test_mechanic_sees_only_their_open_tickets(
    qtbot: QtBot, ui: UiContext, engine: Engine, settings: QSettings, shop: Shop,
    arrange: UnitOfWork,
) -> None:
    admin = make_admin(arrange)
    other = tickets.create_ticket(arrange, tickets.TicketData(
        shop.ada.id, shop.car.id, "Rotate tyres", odometer_in=42100))
    sam = make_signed_in(arrange, admin, "sam", "Sam Wrench", Role.MECHANIC, shop.sam.id)
    window = _window(qtbot, ui, engine, settings, sam)
    assert [a.title for a in window.areas] == ["My tickets"]
    assert window.findChild(QWidget, "staffPage") is None
    assert window.findChild(QWidget, "auditPage") is None
    page = window.current_page
    assert page.key == "mytickets"
    wait_column(qtbot, page, [f"RO-{shop.ticket.number}"])
    assert str(other.number) not in column(page.model)
    assert not window.new_action.isEnabled()
    select(qtbot, page, f"RO-{shop.ticket.number}")
    assert window.edit_action.isEnabled()  # status and hours are theirs to record
    assert not window.delete_action.isEnabled()
    assert window.user_label is not None and "Mechanic" in window.user_label.text()


def test_service_writer_cannot_reach_staff_audit_or_mechanic_editing(
    qtbot: QtBot, ui: UiContext, engine: Engine, settings: QSettings, shop: Shop,
    arrange: UnitOfWork,
) -> None:
    admin = make_admin(arrange)
    writer = make_signed_in(arrange, admin, "fran", "Fran Desk", Role.WRITER)
    window = _window(qtbot, ui, engine, settings, writer)
    assert [p.key for p in window.pages] == ["tickets", "customers", "mechanics", "stock"]
    assert window.new_action.isEnabled()
    _open(qtbot, window, "mechanics")
    assert not window.new_action.isEnabled()
    select(qtbot, window.current_page, "Sam Wrench")
    assert not window.edit_action.isEnabled() and not window.delete_action.isEnabled()


def test_staff_page_create_reset_unlock_deactivate(
    qtbot: QtBot, ui: UiContext, engine: Engine, settings: QSettings, shop: Shop,
    arrange: UnitOfWork, prompts: FakePrompts,
) -> None:
    admin = make_admin(arrange)
    window = _window(qtbot, ui, engine, settings, admin)
    page = _open(qtbot, window, "staff")
    assert isinstance(page, StaffPage)
    wait_column(qtbot, page, ["boss"])
    assert not page.reset_button.isEnabled()

    window.new_action.trigger()
    dialog = wait_dialog(qtbot, page)
    assert isinstance(dialog, StaffDialog)
    qtbot.keyClicks(dialog.full_name, "Sam Wrench")
    qtbot.keyClicks(dialog.username, "sam")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.MECHANIC.value))
    assert dialog.error_of("mechanic_id") == NEEDS_MECHANIC
    qtbot.waitUntil(lambda: dialog.mechanic.count() > 2, timeout=WAIT_MS)
    dialog.mechanic.setCurrentIndex(dialog.mechanic.findData(shop.sam.id))
    assert dialog.error_of("mechanic_id") == ""
    qtbot.keyClicks(dialog.password, TEMPORARY)
    qtbot.keyClicks(dialog.confirm, TEMPORARY)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_column(qtbot, page, ["boss", "sam"])
    assert column(page.model, 2) == ["Administrator", "Mechanic"]
    assert column(page.model, 5) == ["", "Sam Wrench"]

    for attempt in range(auth.FREE_FAILURES):  # Sam forgets the password at another desk
        with pytest.raises(LoginFailed):
            auth.login(arrange, "sam", f"guess-{attempt}", hasher=FLOOR)
    page.refresh()
    qtbot.waitUntil(lambda: column(page.model, 4) == ["", "Locked"], timeout=WAIT_MS)
    select(qtbot, page, "sam")
    assert page.unlock_button.isEnabled()
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: column(page.model, 4) == ["", ""], timeout=WAIT_MS)
    assert auth.login(arrange, "sam", TEMPORARY, hasher=FLOOR).must_change_password

    select(qtbot, page, "sam")
    qtbot.mouseClick(page.reset_button, Qt.MouseButton.LeftButton)
    reset = wait_dialog(qtbot, page)
    assert isinstance(reset, ResetPasswordDialog)
    qtbot.keyClicks(reset.password, "sam wrench")
    assert reset.error_of("password") != ""  # built from their own name: refused
    reset.password.clear()
    qtbot.keyClicks(reset.password, NEW)
    qtbot.keyClicks(reset.confirm, NEW)
    with qtbot.waitSignal(reset.saved, timeout=WAIT_MS):
        qtbot.mouseClick(reset.save_button, Qt.MouseButton.LeftButton)
    assert auth.login(arrange, "sam", NEW, hasher=FLOOR).must_change_password

    qtbot.waitUntil(lambda: page.selected_staff() is not None, timeout=WAIT_MS)
    assert page.active_button.text() == "&Deactivate"
    qtbot.mouseClick(page.active_button, Qt.MouseButton.LeftButton)
    assert prompts.questions[-1][2] == "Deactivate"
    qtbot.waitUntil(lambda: column(page.model, 3) == ["Yes", "No"], timeout=WAIT_MS)
    with pytest.raises(LoginFailed, match=auth.WRONG):  # the account is not named
        auth.login(arrange, "sam", NEW, hasher=FLOOR)
    qtbot.waitUntil(lambda: page.active_button.text() == "Reac&tivate", timeout=WAIT_MS)
    qtbot.mouseClick(page.active_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: column(page.model, 3) == ["Yes", "Yes"], timeout=WAIT_MS)

    select(qtbot, page, "boss")  # the last administrator cannot be switched off
    qtbot.mouseClick(page.active_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(prompts.notices), timeout=WAIT_MS)
    assert "last active administrator" in prompts.notices[-1][1]


def test_audit_page_newest_first_with_filters(
    qtbot: QtBot, ui: UiContext, engine: Engine, settings: QSettings, shop: Shop,
    arrange: UnitOfWork,
) -> None:
    admin = make_admin(arrange)
    make_signed_in(arrange, admin, "fran", "Fran Desk", Role.WRITER)
    for attempt in range(auth.FREE_FAILURES):
        with pytest.raises(LoginFailed):
            auth.login(arrange, "fran", f"guess-{attempt}", hasher=FLOOR)
    auth.login(arrange, "boss", GOOD, hasher=FLOOR)
    window = _window(qtbot, ui, engine, settings, admin)
    page = _open(qtbot, window, "audit")
    assert isinstance(page, AuditPage)
    assert not window.new_action.isEnabled()
    actions = column(page.model, 2)
    assert actions[0] == "login" and "lockout" in actions and "create" in actions
    assert column(page.model, 1)[0] == "boss"

    page.entity_filter.setCurrentIndex(page.entity_filter.findData("staff"))
    page.action_filter.setCurrentIndex(page.action_filter.findData("lockout"))
    wait_column(qtbot, page, ["lockout"], 2)
    # A failed sign-in is no one's act: it is filed under the computer it came from.
    assert column(page.model, 1) == [f"computer {audit.WORKSTATION}"]
    page.action_filter.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.who_filter.count() == 3, timeout=WAIT_MS)
    page.who_filter.setCurrentIndex(page.who_filter.findText("Pat Owner (boss)"))
    qtbot.waitUntil(lambda: not page.model.loading and page.model.loaded_once
                    and set(column(page.model, 1)) == {"boss"}, timeout=WAIT_MS)
    tomorrow = QDate.currentDate().addDays(1)
    page.since_filter.setDate(tomorrow)
    wait_column(qtbot, page, [])
    assert "No audit entries match" in page.empty.text()
    page.since_filter.setDate(tomorrow.addDays(-2))
    page.until_filter.setDate(tomorrow.addDays(-1))
    qtbot.waitUntil(lambda: not page.model.loading and page.model.loaded_rows > 0,
                    timeout=WAIT_MS)
    page.clear_filters()
    qtbot.waitUntil(lambda: not page.model.loading and page.model.loaded_rows == len(actions),
                    timeout=WAIT_MS)
    assert page.model.query.filters == {}


def _unnamed(root: QWidget) -> list[str]:
    """Interactive widgets without an objectName or accessibleName (Qt's own inner parts
    of composite widgets, and tool-bar buttons named by their actions, excepted)."""
    kinds = (QLineEdit, QComboBox, QCheckBox, QAbstractButton, QAbstractItemView,
             QAbstractSpinBox)
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, kinds) or isinstance(widget, QHeaderView):
            continue
        parent = widget.parentWidget()
        inside = False
        while parent is not None:
            inside = inside or isinstance(parent, QComboBox | QAbstractSpinBox | QLineEdit
                                          | QAbstractItemView)
            parent = parent.parentWidget()
        if inside or type(widget).__name__ in ("QToolButton", "QLineEditIconButton"):
            continue
        if not widget.objectName() or not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def test_every_new_interactive_widget_is_named(
    qtbot: QtBot, ui: UiContext, engine: Engine, settings: QSettings, shop: Shop,
    arrange: UnitOfWork,
) -> None:
    admin = make_admin(arrange)
    window = _window(qtbot, ui, engine, settings, admin)
    for key in ("staff", "audit"):
        _open(qtbot, window, key)
    staff_page = window.page("staff")
    assert isinstance(staff_page, StaffPage)
    row = staff_page.model.row_at(0)
    assert row is not None
    dialogs: list[QWidget] = [
        LoginDialog(ui, "db"), FirstRunDialog(ui, "db"),
        ChangePasswordDialog(ui, admin, forced=True), StaffDialog(ui, None, window),
        ResetPasswordDialog(ui, row, window), LockScreen(ui, admin, 15, window),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
    assert [name for root in (window, *dialogs) for name in _unnamed(root)] == []
