"""``python -m benchmarks.propagation URL [--changes 100]``: how long a commit at one desk
takes to show in another desk's table (PostgreSQL live updates).

A second process runs what a running app runs — a DB worker, the change listener and a
customers table model — and prints when each change is visible in the model's rows.
This process edits one of the customers on that model's first page, one change at a
time, and times commit → visible (both on this machine's clock). Prints
``propagation_p95_ms N`` and the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import customers


def listen(url: str) -> int:
    """The other desk: print ``ready ID`` then ``seen PHONE TIME`` for each change."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication

    from mechanic_desktop.domain.changes import Changes
    from mechanic_desktop.ui.live_updates import LiveUpdates
    from mechanic_desktop.ui.models.paged_model import PagedTableModel
    from mechanic_desktop.ui.models.tables import CUSTOMERS
    from mechanic_desktop.ui.operations import DbWorker

    app = QCoreApplication(sys.argv[:1])
    engine = make_engine(url)
    uow = UnitOfWork(engine)
    worker = DbWorker(uow)
    model = PagedTableModel(CUSTOMERS, customers.list_customers, worker)
    live = LiveUpdates(engine.url, worker, uow.origin)
    seen: set[str] = set()
    watched: list[int] = []

    def on_changed(changes: Changes) -> None:  # what a ListPage does: re-read those rows
        if changes.touches("customer") and not model.refresh_changed(changes):
            model.refresh()

    def on_page(_rows: int) -> None:
        if not watched:
            row = model.row_at(0)
            if row is None:
                print("no customers", flush=True)
                app.exit(2)
                return
            watched.append(row.id)
            print(f"ready {row.id}", flush=True)
            return
        row = model.row_at(model.row_of_id(watched[0]))
        if row is not None and row.phone not in seen:
            seen.add(row.phone)
            print(f"seen {row.phone} {time.time():.6f}", flush=True)

    worker.changed.connect(on_changed)
    model.page_loaded.connect(on_page)
    live.start()
    live.wait_ready()
    model.start()
    try:
        return app.exec()
    finally:
        live.stop()
        worker.shutdown()
        engine.dispose()


def measure(url: str, changes: int = 100, timeout: float = 10.0) -> list[float]:
    """Milliseconds from each commit here to the change visible in the other process."""
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.propagation", url, "--listen"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert child.stdout is not None
    engine = make_engine(url)
    try:
        first = child.stdout.readline().split()
        if not first or first[0] != "ready":
            raise RuntimeError(f"listener did not start: {first}")
        customer_id = int(first[1])
        uow = UnitOfWork(engine)
        record = customers.get_customer(uow, customer_id)
        original = record.phone
        latencies: list[float] = []
        for i in range(changes):
            phone = f"555-{200 + i % 700:03d}-{i % 10000:04d}"
            data = customers.CustomerData(record.name, record.email or "", phone,
                                          record.address, record.notes)
            record = customers.update_customer(uow, customer_id, data, record.version)
            committed = time.time()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                line = child.stdout.readline().split()
                if len(line) == 3 and line[0] == "seen" and line[1] == _digits(phone, line[1]):
                    latencies.append((float(line[2]) - committed) * 1000)
                    break
            else:
                raise RuntimeError(f"change {i} not seen within {timeout} s")
        restore = customers.CustomerData(record.name, record.email or "", original,
                                         record.address, record.notes)
        customers.update_customer(uow, customer_id, restore, record.version)
        return latencies
    finally:
        child.terminate()
        child.wait(timeout=10)
        engine.dispose()


def _digits(phone: str, shown: str) -> str:
    """The service may store the phone formatted; compare digits only."""
    return shown if "".join(c for c in phone if c.isdigit())[-7:] == "".join(
        c for c in shown if c.isdigit())[-7:] else phone


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.propagation",
                                     description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--listen", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.listen:
        return listen(args.url)
    latencies = measure(args.url, args.changes)
    summary: dict[str, Any] = {"p95": p95(latencies), "median": statistics.median(latencies)}
    print(f"propagation_p95_ms {summary['p95']:.1f}")
    print(f"propagation_median_ms {summary['median']:.1f} over {len(latencies)} changes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
