"""Render the sign-in dialogs, the Staff and Audit trail pages, a mechanic's queue and
the lock screen at a realistic size, to PNG files for review (MD_SHOTS_DIR keeps them).
Also proves each renders non-empty."""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import LoginFailed
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import auth
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.change_password import ChangePasswordDialog
from mechanic_desktop.ui.dialogs.first_run import FirstRunDialog
from mechanic_desktop.ui.dialogs.login import LoginDialog
from mechanic_desktop.ui.dialogs.staff import ResetPasswordDialog, StaffDialog
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.session import Session
from tests.ui.accounts import FLOOR, make_admin, make_signed_in, make_staff
from tests.ui.helpers import WAIT_MS, save_shot
from tests.ui.test_screenshots import demo_ui, fill, shots

__all__ = ["demo_ui", "shots"]


def test_render_account_screens(
    qtbot: QtBot, demo_ui: UiContext, sqlite_engine: Engine, shots: Path, tmp_path: Path
) -> None:
    ui = demo_ui
    ui.hasher = FLOOR
    arrange = UnitOfWork(sqlite_engine)
    rows = fill(arrange)
    description = "shop.sqlite3 in /home/pat/.local/share/MechanicDesktop"

    first = FirstRunDialog(ui, description)
    qtbot.addWidget(first)
    first.show()
    qtbot.keyClicks(first.full_name, "Pat Owner")
    qtbot.keyClicks(first.username, "pat")
    qtbot.keyClicks(first.password, "password123")
    qtbot.keyClicks(first.confirm, "password12")
    qtbot.wait(20)
    save_shot(first, shots / "account-first-run-weak.png", "Pat Owner", "common password")

    admin = make_admin(arrange)
    crew = rows["mechanic"]
    sam = make_signed_in(arrange, admin, "sam", "Sam Wrench", Role.MECHANIC, crew.id)  # type: ignore[attr-defined]
    make_staff(arrange, admin, "fran", "Fran Desk", Role.WRITER)
    for attempt in range(auth.FREE_FAILURES):
        with contextlib.suppress(LoginFailed):
            auth.login(arrange, "fran", f"guess-{attempt}", hasher=FLOOR)

    login = LoginDialog(ui, description, "fran")
    qtbot.addWidget(login)
    login.show()
    qtbot.keyClicks(login.password, "guess-again")
    login.submit()
    qtbot.waitUntil(lambda: login.error_text != "", timeout=WAIT_MS)
    qtbot.wait(20)
    save_shot(login, shots / "account-login-locked.png", "fran", "Try again in")

    ui.sign_in(admin)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    session = Session(ui, description, settings, idle_ms=0)
    window = session.open_window(admin)
    window.resize(1280, 800)
    for key in ("staff", "audit"):
        window.show_page([p.key for p in window.pages].index(key))
        page = window.current_page
        qtbot.waitUntil(lambda p=page: p.model.loaded_once and not p.model.loading,
                        timeout=WAIT_MS)
        page.table.selectRow(1)
        qtbot.wait(20)
        save_shot(window, shots / f"account-page-{key}.png",
                  {"staff": "Fran Desk", "audit": "lockout"}[key])

    staff_page = window.page("staff")
    row = staff_page.model.row_at(1)
    dialogs: dict[str, QWidget] = {
        "staff-new": StaffDialog(ui, None, window),
        "staff-edit": StaffDialog(ui, row, window),
        "reset-password": ResetPasswordDialog(ui, row, window),
        "change-password-forced": ChangePasswordDialog(ui, admin, forced=True, parent=window),
    }
    shows = {"staff-new": "Mechanic", "staff-edit": row.full_name,
             "reset-password": row.full_name, "change-password-forced": "Pat Owner"}
    for dialog in dialogs.values():
        dialog.show()
    new = dialogs["staff-new"]
    assert isinstance(new, StaffDialog)
    new.role.setCurrentIndex(new.role.findData(Role.MECHANIC.value))
    qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
    qtbot.wait(20)
    for name, dialog in dialogs.items():
        save_shot(dialog, shots / f"account-dialog-{name}.png", shows[name])
        dialog.close()

    window.show_page(0)
    assert session.idle is not None
    session.idle.idle_ms = 15 * 60_000
    session.idle.lock()
    screen = session.idle.screen
    assert screen is not None
    qtbot.wait(20)
    save_shot(screen, shots / "account-lock-screen.png", "Pat Owner")
    session.close()

    ui.sign_in(sam)
    mechanic = MainWindow(ui, description, settings, actor=sam)
    qtbot.addWidget(mechanic)
    mechanic.resize(1280, 800)
    mechanic.show()
    page = mechanic.current_page
    qtbot.waitUntil(lambda: page.model.loaded_once and not page.model.loading, timeout=WAIT_MS)
    qtbot.wait(20)
    save_shot(mechanic, shots / "account-page-mytickets.png", "Sam Wrench")
    ui.sign_in(None)
