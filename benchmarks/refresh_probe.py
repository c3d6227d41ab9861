"""``python -m benchmarks.refresh_probe URL``: how long one edited row takes to show in a
customers table with 1,000 rows loaded (``refresh_after_edit_ms``).

Runs what the app runs, in its own process: a DB worker, the Customers page shown
offscreen with its first 1,000 rows loaded, and its ``on_changed`` fed by the worker's
``changed`` signal. Each sample edits one loaded customer's phone through the worker
(``update_customer``, as the customer dialog saves) and times the end of its COMMIT, on
the worker thread, to the end of the table's first paint that shows the new phone. Each
phone is put back afterwards, untimed (the benchmark database is cached). Prints one
JSON line.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QTimer
from PySide6.QtTest import QTest

from benchmarks.ui_probe import wait_until
from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import CustomerRecord
from mechanic_desktop.services import customers
from mechanic_desktop.ui.application import make_application
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.operations import DbWorker
from mechanic_desktop.ui.pages.customers import CustomersPage

LOADED = 1000
SAMPLES = 20


class PaintClock(QObject):
    """Notes when the viewport has finished the first paint that shows the change."""

    def __init__(self, showing: Callable[[], bool]) -> None:
        super().__init__()
        self.showing = showing
        self.painting = False
        self.painted_at: float | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.painting and self.showing():
            # The filter runs before the paint: a zero timer fires once it is done.
            self.painting = True
            QTimer.singleShot(0, self._stop)
        return False

    def _stop(self) -> None:
        self.painted_at = time.perf_counter()


def main(url: str) -> int:
    make_application()
    engine = make_engine(url)
    uow = UnitOfWork(engine)  # this process's own reads; the worker has its own
    worker = DbWorker(UnitOfWork(engine))
    page = CustomersPage(UiContext(worker), None)
    worker.changed.connect(page.on_changed)
    page.resize(1280, 800)
    page.show()
    try:
        model = page.model
        model.failed.connect(_give_up)
        page.start()
        wait_until(lambda: model.loaded_once and not model.loading)
        while model.loaded_rows < LOADED and model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
            wait_until(lambda: not model.loading)
        loaded = model.loaded_rows
        times: list[float] = []
        for i in range(SAMPLES + 1):  # the first is a warm-up
            row = model.row_at((i * 97) % loaded)
            assert row is not None
            took = _sample(page, worker, uow, row.id, f"555-{(300 + i) % 1000:03d}-{i:04d}")
            if i:
                times.append(took)
        print(json.dumps({
            "refresh_after_edit_ms": round(statistics.median(times), 2),
            "refresh_after_edit_ms_note": (
                f"median of {len(times)} edits, max {max(times):.1f} ms, "
                f"{loaded:,} rows loaded"),
        }), flush=True)
    finally:
        page.close()
        worker.shutdown(wait=True)
        engine.dispose()
    return 0


def _sample(page: CustomersPage, worker: DbWorker, uow: UnitOfWork, customer_id: int,
            phone: str) -> float:
    """Save ``phone`` for one loaded customer as the dialog would; milliseconds from its
    COMMIT to the end of the first paint showing it. The old phone is put back, untimed."""
    model = page.model
    page.table.scrollTo(model.index(model.row_of_id(customer_id), 0))
    QTest.qWait(20)
    record = customers.get_customer(uow, customer_id)
    digits = "".join(c for c in phone if c.isdigit())[-7:]

    def showing() -> bool:
        item = model.row_at(model.row_of_id(customer_id))
        return item is not None and "".join(c for c in item.phone if c.isdigit())[-7:] == digits

    clock = PaintClock(showing)
    page.table.viewport().installEventFilter(clock)
    committed: list[float] = []
    versions: list[int] = []

    def save(worker_uow: UnitOfWork) -> int:
        saved = customers.update_customer(worker_uow, customer_id, _with_phone(record, phone),
                                          record.version)
        committed.append(time.perf_counter())
        versions.append(saved.version)
        return customer_id

    worker.write(save)
    wait_until(lambda: clock.painted_at is not None, timeout=10)
    page.table.viewport().removeEventFilter(clock)
    assert clock.painted_at is not None
    done: list[int] = []
    restore = _with_phone(record, record.phone)
    worker.write(lambda worker_uow: customers.update_customer(worker_uow, customer_id, restore,
                                                              versions[0]),
                 lambda _r: done.append(1))
    wait_until(lambda: bool(done) and worker.pending == 0)
    return (clock.painted_at - committed[0]) * 1000


def _give_up(text: str) -> None:
    """A read failed (no database, no server): say so instead of waiting for rows."""
    raise SystemExit(f"the customers table could not load: {text}")


def _with_phone(record: CustomerRecord, phone: str) -> customers.CustomerData:
    return customers.CustomerData(record.name, record.email or "", phone, record.address,
                                  record.notes)


if __name__ == "__main__":
    code = main(sys.argv[1])
    sys.stdout.flush()
    # As ui_probe: skip finalization, where PySide6 can abort collecting Qt wrappers.
    os._exit(code)
