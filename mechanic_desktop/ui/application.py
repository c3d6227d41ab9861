"""Start the GUI: the QApplication, the database connection, the DB worker, the window."""

from __future__ import annotations

import argparse
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from mechanic_desktop import bootstrap
from mechanic_desktop.domain.errors import DatabaseUnavailable
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.demo_offer import offer_demo_data
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.operations import DbWorker
from mechanic_desktop.ui.pages.list_page import ListPage

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
    app = make_application()
    try:
        # Start-up work (migrations) before any window exists; the guard only applies to
        # the unit of work's sessions, which from here on must run on the DB worker.
        context = bootstrap.connect(url, guard=bootstrap.forbid_main_thread)
    except DatabaseUnavailable as exc:
        QMessageBox.critical(None, "Cannot open the database", str(exc))
        return 2
    worker = DbWorker()
    ui = UiContext(worker, context.uow)
    window = MainWindow(ui, context.description)
    if getattr(args, "exit_after_first_paint", False):
        FirstPaintWatcher(window.tickets_page, app, started)
    elif not getattr(args, "no_demo_offer", False):
        QTimer.singleShot(0, lambda: offer_demo_data(window, ui, context.engine))
    window.show()
    try:
        return app.exec()
    finally:
        if window.isVisible():
            window.close()  # saves the window's settings
        window.deleteLater()
        worker.shutdown(wait=True)
        context.close()
