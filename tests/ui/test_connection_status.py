"""The connection monitor: a job failing as if offline leads to one check; while the
check fails the status says offline and retries back off on a timer; once it answers
the status says connected and every page re-queries."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.changes import ALL_ENTITIES, Changes
from mechanic_desktop.domain.errors import DatabaseUnavailable
from mechanic_desktop.ui.connection_status import (
    CONNECTED_TEXT,
    OFFLINE_TEXT,
    ConnectionIndicator,
    ConnectionMonitor,
)
from mechanic_desktop.ui.operations import DbWorker


def test_offline_backs_off_then_connected_and_pages_requery(
    qtbot: QtBot, workers: Callable[[UnitOfWork], DbWorker], sqlite_engine: Engine
) -> None:
    worker = workers(UnitOfWork(sqlite_engine))
    answers = [False, False, False, True]  # the server is back at the fourth check
    pings: list[bool] = []

    def ping(_uow: UnitOfWork) -> None:
        ok = answers[min(len(pings), len(answers) - 1)]
        pings.append(ok)
        if not ok:
            raise DatabaseUnavailable("The connection to shop on server was lost.")

    monitor = ConnectionMonitor(worker, ping, backoff=(0.01, 0.02, 0.04))
    indicator = ConnectionIndicator(monitor)
    qtbot.addWidget(indicator)
    states: list[bool] = []
    monitor.state_changed.connect(states.append)
    requeried: list[Changes] = []
    worker.changed.connect(requeried.append)

    def failing_save(_uow: UnitOfWork) -> None:
        raise DatabaseUnavailable("The connection to shop on server was lost. Nothing was "
                                  "saved; try again.")

    worker.write(failing_save, None, lambda _e: None)
    qtbot.waitUntil(lambda: states == [False], timeout=5000)
    assert indicator.state_text == OFFLINE_TEXT
    assert "was lost" in indicator.toolTip()
    qtbot.waitUntil(lambda: states == [False, True], timeout=5000)
    assert indicator.state_text == CONNECTED_TEXT
    assert pings == [False, False, False, True]  # one check per timer tick, no polling
    assert requeried and set(requeried[-1].entities) == set(ALL_ENTITIES)
    monitor.stop()


def test_a_busy_file_is_not_offline(
    qtbot: QtBot, workers: Callable[[UnitOfWork], DbWorker], sqlite_engine: Engine
) -> None:
    worker = workers(UnitOfWork(sqlite_engine))
    monitor = ConnectionMonitor(worker, lambda _uow: None)
    states: list[bool] = []
    monitor.state_changed.connect(states.append)

    def busy(_uow: UnitOfWork) -> None:
        raise DatabaseUnavailable("The database file is busy; nothing was saved.")

    worker.write(busy, None, lambda _e: None)
    qtbot.waitUntil(lambda: not monitor.checking and worker.pending == 0, timeout=5000)
    assert states == [] and monitor.connected
