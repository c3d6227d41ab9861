"""File → Back up… / Restore… round-trip a SQLite shop; a shared server's backup is
explained and made with pg_dump where it is installed."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from mechanic_desktop import bootstrap
from mechanic_desktop.db.local_files import pg_dump_available, run_pg_dump
from mechanic_desktop.db.models import Customer
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import customers, maintenance
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.backup import DatabaseActions, ServerBackupDialog
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.operations import DbWorker
from tests.ui.conftest import FakePrompts

WAIT_MS = 10_000


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Customer)).scalar_one())


def _add(uow: UnitOfWork, *names: str) -> None:
    for name in names:
        customers.create_customer(uow, customers.CustomerData(name))


Workers = Callable[[UnitOfWork], DbWorker]


def _window(qtbot: QtBot, shop: bootstrap.AppContext, tmp_path: Path, workers: Workers,
            prompts: FakePrompts) -> tuple[UiContext, MainWindow]:
    ui = UiContext(workers(shop.uow), prompts)
    window = MainWindow(ui, shop.description,
                        QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    return ui, window


@pytest.fixture
def sqlite_shop(tmp_path: Path) -> Iterator[bootstrap.AppContext]:
    context = bootstrap.connect(f"sqlite:///{tmp_path / 'shop.sqlite3'}",
                                guard=bootstrap.forbid_main_thread)
    yield context
    context.close()


def test_backup_then_restore_from_the_menu_round_trips(
    qtbot: QtBot, sqlite_shop: bootstrap.AppContext, tmp_path: Path, workers: Workers,
    prompts: FakePrompts,
) -> None:
    engine = sqlite_shop.engine
    _add(UnitOfWork(engine), "Ada Lovelace", "Bob Builder", "Carmen Ortiz")
    ui, window = _window(qtbot, sqlite_shop, tmp_path, workers, prompts)
    settings = window.settings
    reopened: list[str] = []
    target = tmp_path / "copies" / "monday.sqlite3"
    target.parent.mkdir()
    actions = DatabaseActions(
        window, ui, maintenance.location(sqlite_shop.uow), settings, reopened.append,
        choose_target=lambda _p, _c, suggested: str(target),
        choose_source=lambda _p, _c, _s: str(target))
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    names = [a.objectName() for a in file_menu.actions()]  # type: ignore[union-attr]
    assert names.index("backupAction") < names.index("quitAction")

    actions.backup_action.trigger()
    qtbot.waitUntil(lambda: actions.last_backup is not None, timeout=WAIT_MS)
    assert actions.progress is None  # closed when done
    assert "Backed up to" in window.statusBar().currentMessage()

    _add(UnitOfWork(engine), "Deepak Rao", "Eleanor Rigby")
    assert _count(engine) == 5
    prompts.answer = True
    actions.restore_action.trigger()
    qtbot.waitUntil(lambda: bool(reopened), timeout=WAIT_MS)
    assert prompts.questions[-1][0] == "Restore from a backup"
    assert prompts.notices[-1][0] == "Restored"
    assert _count(engine) == 3  # the engine reconnects to the restored file
    kept = list(tmp_path.glob("shop-before-restore-*.sqlite3"))
    assert len(kept) == 1


def test_restore_declined_changes_nothing(
    qtbot: QtBot, sqlite_shop: bootstrap.AppContext, tmp_path: Path, workers: Workers,
    prompts: FakePrompts,
) -> None:
    engine = sqlite_shop.engine
    _add(UnitOfWork(engine), "Ada Lovelace")
    ui, window = _window(qtbot, sqlite_shop, tmp_path, workers, prompts)
    reopened: list[str] = []
    actions = DatabaseActions(window, ui, maintenance.location(sqlite_shop.uow),
                              window.settings, reopened.append,
                              choose_source=lambda *_: str(tmp_path / "x.sqlite3"))
    prompts.answer = False
    actions.restore()
    assert reopened == [] and _count(engine) == 1


def test_server_backup_explains_and_runs_pg_dump(
    qtbot: QtBot, pg_engine: Engine, tmp_path: Path, workers: Workers
) -> None:
    target = tmp_path / "shop.dump"
    pg_dump = pg_dump_available()
    uow = UnitOfWork(pg_engine)
    dialog = ServerBackupDialog(maintenance.location(uow), workers(uow),
                                lambda *_: str(target), pg_dump=pg_dump)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "administrator should back it up" in dialog.explanation.text()
    if pg_dump is None:
        assert not dialog.dump_button.isVisible()
        assert "pg_dump is not installed" in dialog.explanation.text()
        return
    dialog.dump()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert dialog.saved_to == target, dialog.status.text()
    assert target.stat().st_size > 0
    assert dialog.status.text().startswith("Saved ")


def test_pg_dump_gets_the_password_in_its_environment_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not on the command line (other users see it there), and not as "***" either."""
    ran: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        ran.append((args, kwargs["env"]))
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    url = make_url("postgresql+psycopg://clerk:s3cret@db.example:5433/shop?sslmode=require")
    run_pg_dump(url, tmp_path / "shop.dump", "pg_dump")
    [(args, env)] = ran
    assert "--dbname=postgresql://clerk@db.example:5433/shop?sslmode=require" in args
    assert env["PGPASSWORD"] == "s3cret"


def test_render_connection_backup_and_offline_screens(
    qtbot: QtBot, sqlite_shop: bootstrap.AppContext, tmp_path: Path, workers: Workers,
    prompts: FakePrompts, pg_engine: Engine,
) -> None:
    """PNGs for review (MD_SHOTS_DIR keeps them): the connection dialog after a failed
    test, the shared-server backup dialog, a backup in progress, the offline status."""
    import os

    from PySide6.QtWidgets import QProgressDialog, QWidget

    from mechanic_desktop.ui.connection_status import (
        OFFLINE_TEXT,
        ConnectionMonitor,
        add_indicator,
    )
    from mechanic_desktop.ui.dialogs.connection import Authority, ConnectionDialog
    from tests.ui.helpers import save_shot

    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def save(widget: QWidget, name: str, *expected: str) -> None:
        save_shot(widget, folder / name, *expected)

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    dialog = ConnectionDialog(settings, authority=Authority.ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.shared_radio.setChecked(True)
    dialog.host.setText("shop-server")
    dialog.port.setValue(1)
    dialog.host.setText("127.0.0.1")
    dialog.user.setText("frontdesk")
    dialog.password.setText("secret")
    with qtbot.waitSignal(dialog.probed, timeout=WAIT_MS):
        dialog.test()
    dialog.adjustSize()
    save(dialog, "connection-dialog-shared.png", "frontdesk", "127.0.0.1")
    dialog.local_radio.setChecked(True)
    dialog.adjustSize()
    save(dialog, "connection-dialog-local.png", "this computer's own disk")

    server = ServerBackupDialog(maintenance.location(UnitOfWork(pg_engine)),
                                workers(UnitOfWork(pg_engine)), lambda *_: None,
                                pg_dump="/usr/bin/pg_dump")
    qtbot.addWidget(server)
    server.show()
    server.adjustSize()
    save(server, "backup-dialog-server.png", "pg_dump")

    worker = workers(sqlite_shop.uow)
    ui = UiContext(worker, prompts)
    window = MainWindow(ui, sqlite_shop.description, settings)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    monitor = ConnectionMonitor(worker, lambda _uow: None, parent=window)
    add_indicator(window.statusBar(), monitor)
    monitor.go_offline("The connection to shop on shop-server was lost.")
    progress = QProgressDialog("Backing up the shop's data…", "", 0, 100, window)
    progress.setCancelButton(None)
    progress.setWindowTitle("Back up")
    progress.setMinimumWidth(380)
    progress.setValue(40)
    progress.show()
    progress.adjustSize()
    save(progress, "backup-progress.png", "Backing up the shop's data…")
    progress.close()
    qtbot.waitUntil(lambda: window.tickets_page.model.loaded_once, timeout=WAIT_MS)
    save(window, "main-window-offline.png", OFFLINE_TEXT)
    monitor.stop()


def test_backup_and_restore_are_for_administrators_even_past_the_menu(
    qtbot: QtBot, sqlite_shop: bootstrap.AppContext, tmp_path: Path, workers: Workers,
    prompts: FakePrompts,
) -> None:
    """Back up… (a copy of every password hash) and Restore… are greyed out for a
    mechanic, and the service refuses them even when the menu is bypassed."""
    from mechanic_desktop.domain.staff import Role
    from tests.unit import factories

    ui, window = _window(qtbot, sqlite_shop, tmp_path, workers, prompts)
    arrange = UnitOfWork(sqlite_shop.uow.engine)  # off the app's worker, for set-up only
    ui.sign_in(factories.signed_in(arrange, Role.MECHANIC, "mo"))  # a real account
    target = tmp_path / "copy.sqlite3"
    actions = DatabaseActions(window, ui, maintenance.location(sqlite_shop.uow),
                              window.settings, lambda _url: None,
                              choose_target=lambda *_: str(target),
                              choose_source=lambda *_: str(target))
    assert not actions.backup_action.isEnabled()
    assert actions.backup_action.toolTip() == (
        "Mechanics cannot back up the shop's data; ask an administrator.")
    assert not actions.restore_action.isEnabled()
    actions.back_up()
    qtbot.waitUntil(lambda: bool(prompts.notices), timeout=WAIT_MS)
    assert prompts.notices[-1] == (
        "Backup failed", "Nothing was backed up: Mechanics cannot back up the shop's data; "
        "ask an administrator.")
    assert not target.exists()


def test_restore_of_a_file_that_is_not_a_shop_says_so(
    qtbot: QtBot, sqlite_shop: bootstrap.AppContext, tmp_path: Path, workers: Workers,
    prompts: FakePrompts,
) -> None:
    import sqlite3

    engine = sqlite_shop.engine
    _add(UnitOfWork(engine), "Ada Lovelace")
    other = tmp_path / "holiday-photos.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    conn.close()
    ui, window = _window(qtbot, sqlite_shop, tmp_path, workers, prompts)
    reopened: list[str] = []
    actions = DatabaseActions(window, ui, maintenance.location(sqlite_shop.uow),
                              window.settings, reopened.append,
                              choose_source=lambda *_: str(other))
    prompts.answer = True
    actions.restore_action.trigger()
    qtbot.waitUntil(lambda: prompts.notices[-1:] != [] and
                    prompts.notices[-1][0] == "Restore failed", timeout=WAIT_MS)
    assert prompts.notices[-1][1] == (
        "Nothing was changed: holiday-photos.db is not a Mechanic Desktop database (it has "
        "no schema revision).")
    assert reopened == [] and _count(engine) == 1
