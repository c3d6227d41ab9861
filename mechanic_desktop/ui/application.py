"""Start the GUI: the QApplication, the database connection, the DB worker, signing in,
then the window of whoever signed in."""

from __future__ import annotations

import argparse
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from mechanic_desktop import bootstrap
from mechanic_desktop.domain.errors import DatabaseUnavailable
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.demo_offer import offer_demo_data
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.operations import DbWorker
from mechanic_desktop.ui.pages.list_page import ListPage
from mechanic_desktop.ui.session import PASSWORD_ENV, Session, read_password

APP_NAME = "MechanicDesktop"


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
        print(f"first page painted after {elapsed:.0f} ms", flush=True)
        self.app.quit()


def make_application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName("Mechanic Desktop")
    return app


def run_gui(url: str, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    user: str | None = getattr(args, "user", None)
    app = make_application()
    try:
        # Start-up work (migrations) before any window exists; the guard only applies to
        # the unit of work's sessions, which from here on must run on the DB worker.
        context = bootstrap.connect(url, guard=bootstrap.forbid_main_thread, require_actor=True)
    except DatabaseUnavailable as exc:
        if user:
            print(f"mechanic-desktop: {exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "Cannot open the database", str(exc))
        return 2
    password = read_password(user) if user else None
    if user and password is None:
        context.close()
        print(f"mechanic-desktop: No password for '{user}': set {PASSWORD_ENV} or give it "
              "on standard input.", file=sys.stderr)
        return 2
    worker = DbWorker()
    ui = UiContext(worker, context.uow)
    session = Session(ui, context.description)
    # The session decides when the app ends: closing a sign-in dialog on the way to the
    # main window, or the window on Sign out, must not quit it.
    app.setQuitOnLastWindowClosed(False)
    session.finished.connect(app.exit)
    offered: list[bool] = []

    def window_opened(window: MainWindow) -> None:
        if getattr(args, "exit_after_first_paint", False):
            FirstPaintWatcher(window.current_page, app, started)
        elif (not getattr(args, "no_demo_offer", False) and not offered
              and window.actor is not None and window.actor.role is Role.ADMIN):
            offered.append(True)
            QTimer.singleShot(0, lambda: offer_demo_data(window, ui))

    session.window_opened.connect(window_opened)
    if user and password is not None:
        session.start_with_password(user, password)
    else:
        session.start()
    try:
        return app.exec()
    finally:
        session.close()
        worker.shutdown(wait=True)
        context.close()
