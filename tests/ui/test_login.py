"""Signing in as a user would: the first administrator on an empty database, the login
dialog's messages, lockout, a forced password change, cancel, sign out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import auth, shop
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.change_password import ChangePasswordDialog
from mechanic_desktop.ui.dialogs.connection import Authority, ConnectionDialog
from mechanic_desktop.ui.dialogs.first_run import FirstRunDialog
from mechanic_desktop.ui.dialogs.login import LoginDialog
from mechanic_desktop.ui.dialogs.passwords import DIFFER
from mechanic_desktop.ui.dialogs.shop_details import ShopDetailsDialog
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.session import Session, read_password
from tests.ui.accounts import FLOOR, GOOD, NEW, TEMPORARY, make_admin, make_staff
from tests.ui.conftest import FakePrompts
from tests.ui.helpers import WAIT_MS, save_shot


@pytest.fixture
def ui(ui: UiContext) -> UiContext:
    ui.hasher = FLOOR
    return ui


@pytest.fixture
def session(qtbot: QtBot, ui: UiContext, settings: QSettings) -> Iterator[Session]:
    s = Session(ui, "shop.sqlite3 on this computer", settings, idle_ms=0)
    yield s
    s.close()
    qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)


def _dialog(qtbot: QtBot, session: Session, kind: type) -> object:
    qtbot.waitUntil(lambda: isinstance(session.dialog, kind) and session.dialog.isVisible(),
                    timeout=WAIT_MS)
    return session.dialog


def _window(qtbot: QtBot, session: Session) -> MainWindow:
    qtbot.waitUntil(lambda: session.window is not None and session.window.isVisible(),
                    timeout=WAIT_MS)
    assert session.window is not None
    return session.window


def _sign_in(qtbot: QtBot, dialog: LoginDialog, name: str, password: str) -> None:
    dialog.username.clear()
    qtbot.keyClicks(dialog.username, name)
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_first_run_creates_the_administrator(
    qtbot: QtBot, session: Session, ui: UiContext, arrange: UnitOfWork
) -> None:
    session.start()
    dialog = _dialog(qtbot, session, FirstRunDialog)
    assert isinstance(dialog, FirstRunDialog)
    assert "shop.sqlite3 on this computer" in dialog.intro.text()
    assert not dialog.save_button.isEnabled()
    qtbot.keyClicks(dialog.full_name, "Pat Owner")
    qtbot.keyClicks(dialog.username, "Pat Owner")
    assert "User name: 2-60 letters" in dialog.error_of("username")
    dialog.username.clear()
    qtbot.keyClicks(dialog.username, "pat")
    qtbot.keyClicks(dialog.password, "short")
    assert dialog.error_of("password") == "Use at least 10 characters."
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "password123")
    assert dialog.error_of("password").startswith("This is a very common password.")
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, GOOD)
    assert dialog.error_of("password") == ""
    qtbot.keyClicks(dialog.confirm, GOOD + "!")
    assert dialog.error_of("confirm") == DIFFER
    assert not dialog.save_button.isEnabled()
    qtbot.keyClick(dialog.confirm, Qt.Key.Key_Backspace)
    assert dialog.save_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    # First start asks for the shop (skippable): Skip goes straight on to the window.
    details = _dialog(qtbot, session, ShopDetailsDialog)
    assert isinstance(details, ShopDetailsDialog)
    qtbot.mouseClick(details.buttons.button(QDialogButtonBox.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    window = _window(qtbot, session)
    assert shop.get_settings(arrange).name == shop.DEFAULTS.name
    assert window.actor is not None and window.actor.role is Role.ADMIN
    assert ui.actor == window.actor
    assert [a.title for a in window.areas][-2:] == ["Staff", "Audit trail"]
    assert window.user_label is not None
    assert window.user_label.text() == "Signed in as Pat Owner (Administrator)"
    assert auth.login(arrange, "pat", GOOD, hasher=FLOOR).actor.full_name == "Pat Owner"


def test_first_start_asks_for_the_shop_so_the_first_invoice_is_right(
    qtbot: QtBot, session: Session, ui: UiContext, arrange: UnitOfWork, tmp_path: Path
) -> None:
    session.start()
    first = _dialog(qtbot, session, FirstRunDialog)
    assert isinstance(first, FirstRunDialog)
    qtbot.keyClicks(first.full_name, "Pat Owner")
    qtbot.keyClicks(first.username, "pat")
    qtbot.keyClicks(first.password, GOOD)
    qtbot.keyClicks(first.confirm, GOOD)
    qtbot.keyClick(first.confirm, Qt.Key.Key_Return)
    dialog = _dialog(qtbot, session, ShopDetailsDialog)
    assert isinstance(dialog, ShopDetailsDialog)
    qtbot.waitUntil(dialog.name.hasFocus, timeout=WAIT_MS)
    assert dialog.name.text() == "" and not dialog.save_button.isEnabled()
    qtbot.keyClicks(dialog.name, "Bolt & Nut Garage")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.address, "1 Main Street")
    qtbot.keyClick(dialog.address, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.address, "Springfield")
    qtbot.keyClick(dialog.address, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.phone, "555-010-2000")
    qtbot.keyClick(dialog.phone, Qt.Key.Key_Tab)
    assert dialog.tax_rate.hasFocus()
    dialog.tax_rate.selectAll()
    qtbot.keyClicks(dialog.tax_rate, "8,875")
    assert dialog.error_of("tax_rate") == "Tax rate must be a number of percent, like 8.875."
    assert not dialog.save_button.isEnabled()
    dialog.tax_rate.selectAll()
    qtbot.keyClicks(dialog.tax_rate, "8.875")
    assert dialog.save_button.isEnabled()
    shots = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    save_shot(dialog, shots / "account-first-run-shop.png", "Bolt & Nut Garage", "Skip for now")
    qtbot.keyClick(dialog.tax_rate, Qt.Key.Key_Return)
    window = _window(qtbot, session)
    assert window.actor is not None and window.actor.role is Role.ADMIN
    saved = shop.get_settings(arrange)
    assert (saved.name, saved.address, saved.phone, saved.tax_rate) == (
        "Bolt & Nut Garage", "1 Main Street\nSpringfield", "555-010-2000", Decimal("8.875"))
    # The rest stays as it was (prefixes, validity).
    assert (saved.ticket_prefix, saved.estimate_valid_days) == ("RO-", 30)


def test_wrong_name_or_password_read_the_same_then_sign_in(
    qtbot: QtBot, session: Session, arrange: UnitOfWork, tmp_path: Path
) -> None:
    make_admin(arrange)
    session.start()
    dialog = _dialog(qtbot, session, LoginDialog)
    assert isinstance(dialog, LoginDialog)
    assert "shop.sqlite3 on this computer" in dialog.database.text()
    assert not dialog.sign_in_button.isEnabled()
    _sign_in(qtbot, dialog, "nobody", GOOD)
    qtbot.waitUntil(lambda: dialog.error_text != "", timeout=WAIT_MS)
    assert dialog.error_text == "Wrong user name or password."
    assert dialog.password.text() == ""
    save_shot(dialog, Path(os.environ.get("MD_SHOTS_DIR") or tmp_path) / "sign-in-refused.png",
              "Wrong user name or password.", "shop.sqlite3 on this computer")
    _sign_in(qtbot, dialog, "boss", "not-the-password")
    qtbot.waitUntil(lambda: dialog.sign_in_button.text() == "&Sign in", timeout=WAIT_MS)
    assert dialog.error_text == "Wrong user name or password."
    _sign_in(qtbot, dialog, "BOSS ", GOOD)
    window = _window(qtbot, session)
    assert window.actor is not None and window.actor.username == "boss"
    assert session.settings.value("session/last_user") == "boss"


def test_lockout_says_when_to_try_again(
    qtbot: QtBot, session: Session, arrange: UnitOfWork
) -> None:
    make_admin(arrange)
    session.start()
    dialog = _dialog(qtbot, session, LoginDialog)
    assert isinstance(dialog, LoginDialog)
    for attempt in range(auth.FREE_FAILURES):
        _sign_in(qtbot, dialog, "boss", f"wrong-{attempt}")
        qtbot.waitUntil(lambda: dialog.sign_in_button.text() == "&Sign in"
                        and dialog.error_text != "", timeout=WAIT_MS)
    assert dialog.error_text.startswith("Too many failed sign-ins: this account is locked.")
    assert "Try again in 30 seconds" in dialog.error_text
    _sign_in(qtbot, dialog, "boss", GOOD)  # even the right password waits
    qtbot.waitUntil(lambda: dialog.sign_in_button.text() == "&Sign in", timeout=WAIT_MS)
    assert "locked" in dialog.error_text
    assert session.window is None


def test_reset_password_must_be_changed_before_the_window(
    qtbot: QtBot, session: Session, arrange: UnitOfWork, ui: UiContext
) -> None:
    admin = make_admin(arrange)
    make_staff(arrange, admin, "sam", "Sam Writer", Role.WRITER)
    session.start()
    login = _dialog(qtbot, session, LoginDialog)
    assert isinstance(login, LoginDialog)
    _sign_in(qtbot, login, "sam", TEMPORARY)
    change = _dialog(qtbot, session, ChangePasswordDialog)
    assert isinstance(change, ChangePasswordDialog)
    assert session.window is None
    assert "set by an administrator" in change.intro.text()
    qtbot.keyClicks(change.old, "not-it-at-all")
    qtbot.keyClicks(change.password, NEW)
    qtbot.keyClicks(change.confirm, NEW)
    qtbot.mouseClick(change.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: change.error_of("old_password") != "", timeout=WAIT_MS)
    assert change.error_of("old_password") == "The current password is wrong."
    change.old.clear()
    qtbot.keyClicks(change.old, TEMPORARY)
    qtbot.mouseClick(change.save_button, Qt.MouseButton.LeftButton)
    window = _window(qtbot, session)
    assert window.actor is not None and window.actor.username == "sam"
    assert [a.title for a in window.areas] == ["Tickets", "Customers", "Mechanics", "Stock"]
    assert not auth.login(arrange, "sam", NEW, hasher=FLOOR).must_change_password


def test_declining_the_new_password_goes_back_to_sign_in(
    qtbot: QtBot, session: Session, arrange: UnitOfWork, ui: UiContext
) -> None:
    admin = make_admin(arrange)
    make_staff(arrange, admin, "sam", "Sam Writer", Role.WRITER)
    session.start()
    login = _dialog(qtbot, session, LoginDialog)
    assert isinstance(login, LoginDialog)
    _sign_in(qtbot, login, "sam", TEMPORARY)
    change = _dialog(qtbot, session, ChangePasswordDialog)
    assert isinstance(change, ChangePasswordDialog)
    change.reject()
    again = _dialog(qtbot, session, LoginDialog)
    assert again is not login
    assert ui.actor is None and session.window is None


def test_cancel_at_sign_in_ends_the_app_and_connection_is_explained(
    qtbot: QtBot, session: Session, arrange: UnitOfWork, prompts: FakePrompts
) -> None:
    make_admin(arrange)
    session.start()
    dialog = _dialog(qtbot, session, LoginDialog)
    assert isinstance(dialog, LoginDialog)
    qtbot.mouseClick(dialog.change_connection, Qt.MouseButton.LeftButton)
    connection = session.connection_dialog
    assert isinstance(connection, ConnectionDialog) and connection.isVisible()
    # This database works and has accounts: only an administrator, signed in, changes it.
    assert connection.authority is Authority.VIEW and not connection.host.isEnabled()
    with qtbot.assertNotEmitted(session.reconnect_requested):
        connection.reject()
    with qtbot.waitSignal(session.finished, timeout=WAIT_MS) as finished:
        dialog.reject()
    assert finished.args == [0]


def test_sign_out_and_change_my_password(
    qtbot: QtBot, session: Session, arrange: UnitOfWork, ui: UiContext
) -> None:
    make_admin(arrange)
    session.start()
    login = _dialog(qtbot, session, LoginDialog)
    assert isinstance(login, LoginDialog)
    _sign_in(qtbot, login, "boss", GOOD)
    window = _window(qtbot, session)
    assert window.change_password_action is not None and window.sign_out_action is not None
    window.change_password_action.trigger()
    change = window.password_dialog
    qtbot.waitUntil(change.isVisible, timeout=WAIT_MS)
    qtbot.keyClicks(change.old, GOOD)
    qtbot.keyClicks(change.password, GOOD)
    assert change.error_of("password") == "Choose a password different from the old one."
    change.password.clear()
    qtbot.keyClicks(change.password, NEW)
    qtbot.keyClicks(change.confirm, NEW)
    with qtbot.waitSignal(change.saved, timeout=WAIT_MS):
        qtbot.mouseClick(change.save_button, Qt.MouseButton.LeftButton)
    window.sign_out_action.trigger()
    again = _dialog(qtbot, session, LoginDialog)
    assert isinstance(again, LoginDialog)
    assert again.username.text() == "boss"  # remembered for the next sign-in
    assert session.window is None and ui.actor is None
    qtbot.waitUntil(lambda: not any(isinstance(w, MainWindow) and w.isVisible()
                                    for w in QApplication.topLevelWidgets()), timeout=WAIT_MS)
    assert auth.login(arrange, "boss", NEW, hasher=FLOOR).actor.username == "boss"


def test_window_without_actor_is_unchanged(window: MainWindow) -> None:
    """Tools and older tests build the window directly: every area, no account menu."""
    assert [p.key for p in window.pages] == ["tickets", "customers", "mechanics", "stock"]
    assert window.sign_out_action is None and window.user_label is None


def test_password_for_user_option() -> None:
    import io

    assert read_password("boss", io.StringIO("x"), {"MECHANIC_PASSWORD": "s3cret"}) == "s3cret"
    assert read_password("boss", io.StringIO("from stdin\nrest\n"), {}) == "from stdin"
    assert read_password("boss", io.StringIO(""), {}) is None
