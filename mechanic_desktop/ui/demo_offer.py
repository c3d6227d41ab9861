"""Offer demo data when the app opens an empty database, and seed it on the DB worker."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow
from sqlalchemy import Engine

from mechanic_desktop.services import customers
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.operations import Changes, alive

DEMO_CUSTOMERS = 200
DEMO_TICKETS = 1000
EVERYTHING = Changes({e: frozenset() for e in ("customer", "vehicle", "mechanic", "part",
                                                "ticket")})


class ProgressRelay(QObject):
    """Carries the seeder's progress lines from the worker thread to the GUI thread."""

    line = Signal(str)


def offer_demo_data(window: QMainWindow, ui: UiContext, engine: Engine) -> None:
    """Ask once the database is known to be empty; never blocks the GUI on the check."""
    uow = ui.uow
    ui.worker.read(
        lambda: customers.count_customers(uow),
        alive(window, lambda n: _ask(window, ui, engine) if n == 0 else None),
    )


def _ask(window: QMainWindow, ui: UiContext, engine: Engine) -> None:
    question = (
        "This database is empty. Fill it with demo data — "
        f"{DEMO_CUSTOMERS} customers and {DEMO_TICKETS:,} tickets with mechanics and parts — "
        "to try the app? Do not do this on the shop's real database."
    )
    if not ui.prompts.confirm(window, "Add demo data?", question, "Add demo data"):
        return
    from mechanic_desktop.db.seed import SeedPlan, seed

    relay = ProgressRelay(window)
    bar = window.statusBar()
    relay.line.connect(bar.showMessage)
    plan = SeedPlan(customers=DEMO_CUSTOMERS, tickets=DEMO_TICKETS)
    bar.showMessage("Adding demo data…")
    ui.worker.write(
        lambda: seed(engine, plan, progress=relay.line.emit),
        lambda _report: EVERYTHING,
        alive(window, lambda report: bar.showMessage(str(report).splitlines()[-1]
                                                     if str(report) else "Demo data added.",
                                                     10000)),
        alive(window, lambda error: ui.prompts.inform(
            window, "Demo data not added", f"Adding demo data failed: {error}")),
    )
