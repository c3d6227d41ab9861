"""UI fixtures: a DB worker shut down at teardown, a unit of work that refuses to run on
the GUI thread, prompts that answer without a message box, and demo rows to look at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.bootstrap import forbid_main_thread
from mechanic_desktop.db.engine import describe
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import (
    CustomerRecord,
    MechanicRecord,
    PartRecord,
    TicketRecord,
    VehicleRecord,
)
from mechanic_desktop.services import customers, mechanics, parts, tickets, vehicles, workflow
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.operations import DbWorker
from mechanic_desktop.ui.prompts import Prompts
from tests.unit import factories

WAIT_MS = 5000


class FakePrompts(Prompts):
    """Answers questions with ``answer`` and records everything that was asked or told."""

    def __init__(self) -> None:
        super().__init__(self._confirm, self._inform, self._discard)
        self.answer = True
        self.questions: list[tuple[str, str, str]] = []
        self.notices: list[tuple[str, str]] = []
        #: What "Discard changes?" answers, and the forms it was asked about.
        self.discard_answer = "discard"
        self.discard_asked: list[str] = []
        self.discard_could_save: list[bool] = []

    def _discard(self, _parent: QWidget | None, what: str, can_save: bool) -> str:
        self.discard_asked.append(what)
        self.discard_could_save.append(can_save)
        return self.discard_answer

    def _confirm(self, _parent: QWidget | None, title: str, text: str, accept: str) -> bool:
        self.questions.append((title, text, accept))
        return self.answer

    def _inform(self, _parent: QWidget | None, title: str, text: str) -> None:
        self.notices.append((title, text))


@pytest.fixture
def arrange(engine: Engine) -> UnitOfWork:
    """An unguarded unit of work for the test itself to set up rows with."""
    return UnitOfWork(engine)


@pytest.fixture
def workers(qtbot: QtBot) -> Iterator[Callable[[UnitOfWork], DbWorker]]:
    """Makes DB workers over given units of work; each is drained and stopped after."""
    made: list[DbWorker] = []

    def make(uow: UnitOfWork) -> DbWorker:
        made.append(DbWorker(uow))
        return made[-1]

    yield make
    for db in made:
        qtbot.waitUntil(lambda db=db: db.pending == 0, timeout=WAIT_MS)  # type: ignore[misc]
        db.shutdown(wait=True)


@pytest.fixture
def worker(workers: Callable[[UnitOfWork], DbWorker], engine: Engine) -> DbWorker:
    """The app's DB worker over a unit of work that refuses the GUI thread."""
    return workers(UnitOfWork(engine, guard=forbid_main_thread))


@pytest.fixture
def prompts() -> FakePrompts:
    return FakePrompts()


@pytest.fixture
def ui(engine: Engine, worker: DbWorker, prompts: FakePrompts) -> UiContext:
    return UiContext(worker, prompts)


@pytest.fixture
def settings(tmp_path: object) -> QSettings:
    return QSettings(f"{tmp_path}/settings.ini", QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot: QtBot, ui: UiContext, engine: Engine, settings: QSettings) -> MainWindow:
    win = MainWindow(ui, describe(engine.url), settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.tickets_page.model.loaded_once, timeout=WAIT_MS)
    return win


@dataclass
class Shop:
    ada: CustomerRecord
    bob: CustomerRecord
    car: VehicleRecord
    sam: MechanicRecord
    oil: PartRecord
    filter: PartRecord
    ticket: TicketRecord


def make_shop(uow: UnitOfWork) -> Shop:
    """A few rows of each kind, with a ticket that a mechanic worked on."""
    ada = customers.create_customer(
        uow, customers.CustomerData("Ada Lovelace", "ada@example.com", "555-123-4567",
                                    "12 Analytical Row\nLondon", "Prefers text messages")
    )
    bob = customers.create_customer(uow, customers.CustomerData("Bob Builder", "", "555-987-6543"))
    car = vehicles.create_vehicle(
        uow, vehicles.VehicleData(ada.id, "1M8GDM9AXKP042788", "Ford", "F-150", 2019, "ABC 123",
                                  41000)
    )
    sam = mechanics.create_mechanic(uow, mechanics.MechanicData("Sam Wrench",
                                                                hourly_rate="95.50"))
    mechanics.create_mechanic(uow, mechanics.MechanicData("Pat Retired", hourly_rate="80",
                                                          active=False))
    oil = parts.create_part(uow, parts.PartData("OIL-5W30", "Oil 5W-30, 1 qt", "12.99", "7",
                                                10, 4))
    filt = parts.create_part(uow, parts.PartData("FLT-100", "Oil filter", "8.50", "3", 5, 40))
    ticket = tickets.create_ticket(
        uow, tickets.TicketData(ada.id, car.id, "Brakes squeal when cold", odometer_in=42000)
    )
    # Sam on the ticket's job at no hours yet, and the customer's go-ahead for it.
    workflow.assign_mechanics(uow, ticket.id, {sam.id: 0}, ticket.version)
    factories.authorise(uow, ticket.id, "Ada Lovelace")
    ticket = tickets.get_ticket(uow, ticket.id)
    return Shop(ada, bob, car, sam, oil, filt, ticket)


@pytest.fixture
def shop(arrange: UnitOfWork) -> Shop:
    return make_shop(arrange)


#: The offscreen platform says these whenever a top-level window is shown or brought
#: forward (it has no window stack); they are noise.
OFFSCREEN_NOISE = ("This plugin does not support propagateSizeHints",
                   "This plugin does not support raise")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/ui/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))
