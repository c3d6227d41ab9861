"""Offer demo data when the app opens an empty database, and seed it on the DB worker."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QStatusBar

from mechanic_desktop.services import demo
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.operations import Progress, alive


def offer_demo_data(window: QMainWindow, ui: UiContext) -> None:
    """Ask once the database is known to be empty; never blocks the GUI on the check."""
    ui.worker.read(
        demo.is_empty,
        alive(window, lambda empty: _ask(window, ui) if empty else None),
    )


def _ask(window: QMainWindow, ui: UiContext) -> None:
    question = (
        "This database is empty. Fill it with demo data — "
        f"{demo.DEMO_CUSTOMERS} customers and {demo.DEMO_TICKETS:,} tickets with mechanics "
        "and parts — "
        "to try the app? Do not do this on the shop's real database."
    )
    if not ui.prompts.confirm(window, "Add demo data?", question, "Add demo data"):
        return
    bar = window.statusBar()
    progress = Progress(window, "Demo data", "Adding demo data…", dialog=False)
    progress.progressed.connect(lambda _done, _total, line: bar.showMessage(line))
    bar.showMessage("Adding demo data…")
    ui.worker.write(
        lambda uow: demo.add_demo_data(uow, progress=lambda line: progress.report(0, 0, line)),
        alive(window, lambda report: _added(bar, str(report))),
        alive(window, lambda error: ui.prompts.inform(
            window, "Demo data not added", f"Adding demo data failed: {error}")),
        progress=progress,
    )


def _added(bar: QStatusBar, report: str) -> None:
    """A short line that fits beside the status bar's row count and connection state;
    the seeder's full report (every table's count and the time) is its tooltip."""
    bar.setToolTip(report)
    bar.showMessage(f"Demo data added: {demo.DEMO_CUSTOMERS:,} customers and "
                    f"{demo.DEMO_TICKETS:,} tickets (details: hover here).", 15000)
