"""Start the GUI: the QApplication, the database connection, the DB worker, signing in,
then the window of whoever signed in.

Start-up shows the sign-in window first and loads the rest while the password is typed
(``ui.warm_up``): this module imports the main window, the pages and the database layer
only where they are used.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget

from mechanic_desktop import bootstrap
from mechanic_desktop.config import database_url, log_dir, settings_file, url_given_outside
from mechanic_desktop.domain.errors import DatabaseInUse, DatabaseUnavailable
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.ui.collector import GuiCollector
from mechanic_desktop.ui.connection_settings import saved_url
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.crash_reporter import CrashReporter
from mechanic_desktop.ui.opening import open_with_progress
from mechanic_desktop.ui.operations import DbWorker
from mechanic_desktop.ui.session import PASSWORD_ENV, Session, read_password
from mechanic_desktop.ui.warm_up import WarmUp

if TYPE_CHECKING:
    from mechanic_desktop.ui.dialogs.backup import DatabaseActions
    from mechanic_desktop.ui.live_updates import LiveUpdates
    from mechanic_desktop.ui.main_window import MainWindow
    from mechanic_desktop.ui.pages.list_page import ListPage

APP_NAME = "MechanicDesktop"


def painted_at() -> str:
    """``(at EPOCH, cpu MS)``: the wall-clock time of a first paint, so the start-up
    benchmark can time the process from its start to the paint (not to its exit: tearing
    an interpreter down is not start-up), and the processor time all threads used by
    then (which others busy on the machine do not stretch)."""
    return f"(at {time.time():.6f}, cpu {time.process_time() * 1000:.0f})"


class FirstWindowWatcher(QObject):
    """Quits the app once the first window a person sees (sign-in or first run) has
    painted (start-up timing without ``--user``)."""

    def __init__(self, window: QWidget, app: QApplication, started: float) -> None:
        super().__init__(window)
        self.app = app
        self.started = started
        self.done = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            QTimer.singleShot(0, self._finish)  # once the paint is done
        return False

    def _finish(self) -> None:
        elapsed = (time.perf_counter() - self.started) * 1000
        print(f"first window painted after {elapsed:.0f} ms {painted_at()}", flush=True)
        self.app.quit()


class FirstPaintWatcher(QObject):
    """Quits the app once a page has painted its first page of rows (start-up timing)."""

    def __init__(self, page: ListPage, app: QApplication, started: float) -> None:
        super().__init__(page)
        self.page = page
        self.app = app
        self.started = started
        self.done = False
        page.table.viewport().installEventFilter(self)
        page.model.failed.connect(lambda _text: app.exit(1))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (not self.done and event.type() == QEvent.Type.Paint
                and self.page.model.loaded_once):
            self.done = True
            QTimer.singleShot(0, self._finish)
        return False

    def _finish(self) -> None:
        elapsed = (time.perf_counter() - self.started) * 1000
        print(f"first page painted after {elapsed:.0f} ms {painted_at()}", flush=True)
        self.app.quit()


class AfterFirstPage(QObject):
    """Runs ``then`` once the window's first page has painted its rows (or failed to
    load them, or after ``FALLBACK_MS`` whatever happened): what that page does not need
    (the connection indicator, File → connection and backup) waits until it shows."""

    FALLBACK_MS = 3000

    def __init__(self, page: ListPage, then: Callable[[], object]) -> None:
        super().__init__(page)
        self.page = page
        self.then: Callable[[], object] | None = then
        page.table.viewport().installEventFilter(self)
        page.model.failed.connect(lambda _text: self._later())
        QTimer.singleShot(self.FALLBACK_MS, self, self._run)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.page.model.loaded_once:
            self._later()
        return False

    def _later(self) -> None:
        if self.then is not None:
            QTimer.singleShot(0, self, self._run)  # once the paint is done

    def _run(self) -> None:
        then, self.then = self.then, None
        if then is not None:
            self.page.table.viewport().removeEventFilter(self)
            then()


def make_application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName("Mechanic Desktop")
    return app


def app_settings() -> QSettings:
    """Where the app keeps its settings: the platform's store, or MECHANIC_SETTINGS_FILE."""
    path = settings_file()
    if path is None:
        return QSettings()
    return QSettings(str(path), QSettings.Format.IniFormat)


#: ``app.exec()`` returns this when the session asked to reopen on another database.
REOPEN = 75


def start_url(url: str, args: argparse.Namespace, settings: QSettings) -> tuple[str, bool]:
    """The URL to open first, and whether it is the connection saved in the app: the
    command line and environment win, then the saved choice, then ``url`` (the default
    file) — see ``config.database_url``."""
    if not hasattr(args, "database_url"):
        return url, False  # called with an explicit URL (tests, tools)
    cli = getattr(args, "database_url", None)
    if url_given_outside(cli):
        return url, False
    saved = saved_url(settings)
    if saved is None:
        return url, False
    return database_url(cli, saved), True


def run_gui(url: str, args: argparse.Namespace) -> int:
    """Run the app; when the session asks to reopen (new connection, restore), close
    everything bound to the old database and start again on the new one."""
    started = time.perf_counter()
    app = make_application()
    # An exception escaping a slot is logged and shown; the app keeps running.
    reporter = CrashReporter(log_dir(), parent=QApplication.activeWindow).install()
    settings = app_settings()
    url, from_saved = start_url(url, args, settings)
    try:
        while True:
            code, reopen_on = _run_once(app, url, args, settings, started, from_saved)
            if reopen_on is None:
                return code
            url, from_saved = reopen_on, True
    finally:
        reporter.uninstall()


def _needs_first_admin(context: bootstrap.AppContext) -> bool | None:
    """Whether to show the first run rather than sign-in, asked with one plain query
    before the ORM is loaded; None (ask on the worker) if that query fails."""
    try:
        return not context.has_staff()
    except Exception:  # the worker's query then says what is wrong
        return None


def _offer_demo_data(window: MainWindow, ui: UiContext) -> None:
    from mechanic_desktop.ui.demo_offer import offer_demo_data

    offer_demo_data(window, ui)


def _restored_from_backup(url: str, problem: DatabaseUnavailable) -> bool:
    """A damaged local file: offer its newest sound backup (see ui.recovery)."""
    from pathlib import Path

    from mechanic_desktop.db.engine import parse_url
    from mechanic_desktop.ui.recovery import offer_restore

    try:
        parsed = parse_url(url)
    except DatabaseUnavailable:
        return False
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    path = Path(parsed.database)
    if not path.is_file():
        return False

    def ask(title: str, question: str) -> bool:
        answer = QMessageBox.question(None, title, question)
        return answer == QMessageBox.StandardButton.Yes

    try:
        kept = offer_restore(path, str(problem), ask)
    except (OSError, ValueError) as exc:
        QMessageBox.critical(None, "Restore failed", f"The backup could not be restored: {exc}")
        return False
    if kept is None:
        return False
    QMessageBox.information(
        None, "Backup restored", f"The backup was restored. The damaged file was kept as {kept}."
    )
    return True


def _connect(
    url: str, settings: QSettings, user: str | None, from_saved: bool
) -> bootstrap.AppContext | None:
    """Open the database; a saved connection that fails can be fixed in the dialog."""
    while True:
        try:
            # Start-up work (migrations) before any window exists, on a thread of its own
            # with a busy dialog when slow (ui/opening.py); the guard only applies to the
            # unit of work's sessions, which from here on must run on the DB worker.
            return open_with_progress(partial(
                bootstrap.connect, url, guard=bootstrap.forbid_main_thread, require_actor=True))
        except DatabaseUnavailable as exc:
            if user:
                print(f"mechanic-desktop: {exc}", file=sys.stderr)
                return None
            if isinstance(exc, DatabaseInUse):  # another copy has it: nothing to fix here
                QMessageBox.critical(None, "Already open", str(exc))
                return None
            if not from_saved:
                if _restored_from_backup(url, exc):
                    continue
                QMessageBox.critical(None, "Cannot open the database", str(exc))
                return None
            from mechanic_desktop.ui.dialogs.connection import Authority, ConnectionDialog

            # Nobody is signed in: Create/Upgrade are offered, and the server decides
            # (they need the database owner's account; see services.maintenance). No one
            # can sign in, so whoever types the server password again may fix it.
            dialog = ConnectionDialog(settings, note=f"Cannot open the database: {exc}",
                                      can_upgrade=True, authority=Authority.RETYPE)
            if dialog.exec() != ConnectionDialog.DialogCode.Accepted or not dialog.chosen_url:
                return None
            url = dialog.chosen_url


def _run_once(
    app: QApplication, url: str, args: argparse.Namespace, settings: QSettings,
    started: float, from_saved: bool,
) -> tuple[int, str | None]:
    user: str | None = getattr(args, "user", None)
    context = _connect(url, settings, user, from_saved)
    if context is None:
        return 2, None
    password = read_password(user) if user else None
    if user and password is None:
        context.close()
        print(f"mechanic-desktop: No password for '{user}': set {PASSWORD_ENV} or give it "
              "on standard input.", file=sys.stderr)
        return 2, None
    # Cycles are collected on this thread only, never on the worker (ui/collector.py).
    collector = GuiCollector().start()
    # The unit of work is made on the worker, by its first job (see ui.warm_up).
    worker = DbWorker(make_uow=lambda: context.uow)
    ui = UiContext(worker)
    session = Session(ui, context.description, settings)
    # The session decides when the app ends: closing a sign-in dialog on the way to the
    # main window, or the window on Sign out, must not quit it.
    app.setQuitOnLastWindowClosed(False)
    session.finished.connect(app.exit)
    reopen_on: list[str] = []

    def reopen(new_url: str) -> None:
        reopen_on.append(new_url)
        app.exit(REOPEN)

    session.reconnect_requested.connect(reopen)
    shared_made: list[SharedDatabase] = []

    def shared() -> SharedDatabase:
        """Made after the sign-in warm-up, else with the first main window (live updates
        need the unit of work, which the warm-up makes on the worker)."""
        if not shared_made:
            shared_made.append(SharedDatabase(ui, context))
            shared_made[0].start()
        return shared_made[0]

    offered: list[bool] = []

    def first_page_shown(window: MainWindow) -> None:
        collector.freeze()  # what lasts the whole run is loaded by now
        shared().equip(window, settings, reopen)

    def window_opened(window: MainWindow) -> None:
        AfterFirstPage(window.current_page, lambda: first_page_shown(window))
        if getattr(args, "exit_after_first_paint", False):
            FirstPaintWatcher(window.current_page, app, started)
        elif (not getattr(args, "no_demo_offer", False) and not offered
              and window.actor is not None and window.actor.role is Role.ADMIN):
            offered.append(True)
            QTimer.singleShot(0, lambda: _offer_demo_data(window, ui))

    session.window_opened.connect(window_opened)
    if getattr(args, "exit_after_first_paint", False) and not user:
        watching: list[FirstWindowWatcher] = []

        def dialog_shown(dialog: QWidget) -> None:
            if not watching:
                watching.append(FirstWindowWatcher(dialog, app, started))

        session.dialog_shown.connect(dialog_shown)
    else:
        warming: list[WarmUp] = []

        def warm_up(dialog: QWidget) -> None:
            if not warming:  # the first sign-in window: load the rest while it waits
                warming.append(WarmUp(dialog, worker))
                warming[0].done.connect(shared)  # and start watching the connection

        session.dialog_shown.connect(warm_up)
    if user and password is not None:
        session.start_with_password(user, password)
    else:
        session.start(_needs_first_admin(context))
    try:
        code = app.exec()
    finally:
        for made in shared_made:
            made.stop()
        session.close()
        worker.shutdown(wait=True)
        context.close()
        collector.stop()
    if code == REOPEN and reopen_on:
        return code, reopen_on[-1]
    return code, None


class SharedDatabase(QObject):
    """What a running app adds for its database: live updates from other desks (on
    PostgreSQL), noticing a lost connection and getting it back, and the File menu's
    connection and backup actions on each window."""

    def __init__(self, ui: UiContext, context: bootstrap.AppContext,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        from mechanic_desktop.db.engine import check_connection
        from mechanic_desktop.ui.connection_status import ConnectionMonitor

        self.ui = ui
        self.context = context
        engine = context.engine
        self.monitor = ConnectionMonitor(ui.worker, lambda _uow: check_connection(engine),
                                         parent=self)
        self.live: LiveUpdates | None = None
        if engine.dialect.name == "postgresql":
            from mechanic_desktop.ui.live_updates import LiveUpdates

            self.live = LiveUpdates(context.url, ui.worker, ui.worker.origin, self)
            self.live.state_changed.connect(self.monitor.listener_state)

    def start(self) -> None:
        if self.live is not None:
            self.live.start()

    def stop(self) -> None:
        self.monitor.stop()
        if self.live is not None:
            self.live.stop()

    def equip(self, window: QMainWindow, settings: QSettings,
              reopen: Callable[[str], None]) -> DatabaseActions:
        """The status bar's connection indicator and File → connection / backup."""
        from mechanic_desktop.services.maintenance import location
        from mechanic_desktop.ui.connection_status import add_indicator
        from mechanic_desktop.ui.dialogs.backup import DatabaseActions

        add_indicator(window.statusBar(), self.monitor)
        return DatabaseActions(window, self.ui, location(self.context.uow), settings, reopen)
