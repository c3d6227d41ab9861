"""Memory, idle-CPU and collection-pause figures of the real main window, run in its own
process so the benchmark's own memory does not count: open the window offscreen (cycles
collected on the GUI thread, what is loaded by the first page frozen, as the app does:
ui/collector.py), wait for the first page, scroll the tickets table through 10,000 rows,
run 20 searches, then sit idle. Prints one JSON line."""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex
from PySide6.QtTest import QTest

from mechanic_desktop import bootstrap
from mechanic_desktop.services import auth
from mechanic_desktop.ui.application import make_application
from mechanic_desktop.ui.collector import GuiCollector
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.operations import DbWorker

SCROLL_ROWS = 10_000
IDLE_SECONDS = 5.0
SEARCHES = ("smith", "jo", "maria", "garcia", "555", "7", "brown", "a", "lee", "wil",
            "100", "2024", "abc", "k", "m", "thompson", "ra", "1", "pat", "ch")


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory from /proc (Linux); elsewhere the peak is all we can know."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not finish loading in time")
        QTest.qWait(5)


class Pauses:
    """How long each collection of Python's cycle collector held the interpreter."""

    def __init__(self) -> None:
        self.ms: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, _info: dict[str, object]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.ms.append((time.perf_counter() - self._started) * 1000)


def full_collection_ms() -> float:
    started = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - started) * 1000


def main(url: str) -> int:
    app = make_application()
    collector = GuiCollector().start()
    pauses = Pauses()
    context = bootstrap.connect(url, guard=bootstrap.forbid_main_thread)
    worker = DbWorker(context.uow)
    # Sign in with the benchmark's account (metrics.ensure_bench_account), on the worker.
    signed: list[auth.SignIn] = []
    worker.read(lambda uow: auth.login(uow, "bench", os.environ["MECHANIC_PASSWORD"]),
                signed.append)
    wait_until(lambda: bool(signed))
    ui = UiContext(worker)
    ui.sign_in(signed[0].actor)
    window = MainWindow(ui, context.description,
                        actor=signed[0].actor)
    window.resize(1280, 800)
    window.show()
    try:
        page = window.tickets_page
        model = page.model
        wait_until(lambda: model.loaded_once and not model.loading)
        collector.freeze()
        gc.callbacks.append(pauses)
        QTest.qWait(200)
        start_rss = rss_mb()

        while model.loaded_rows < SCROLL_ROWS and not model.complete:
            model.fetchMore(QModelIndex())
            page.table.scrollToBottom()
            wait_until(lambda: not model.loading)
        scrolled = model.loaded_rows
        for text in SEARCHES:
            model.set_search_now(text)
            wait_until(lambda: model.loaded_once and not model.loading)
        model.set_search_now("")
        wait_until(lambda: model.loaded_once and not model.loading)
        QTest.qWait(200)
        end_rss = rss_mb()

        cpu, wall = time.process_time(), time.perf_counter()
        QTest.qWait(int(IDLE_SECONDS * 1000))
        idle = (time.process_time() - cpu) / (time.perf_counter() - wall) * 100
        gc.callbacks.remove(pauses)
        frozen_full = full_collection_ms()
        collector.stop()  # everything in sight again: what a full collection was before
        whole_full = full_collection_ms()
        print(json.dumps({
            "gc_pause_max_ms": round(max(pauses.ms, default=0.0), 1),
            "gc_pause_max_ms_note": (
                f"{len(pauses.ms)} collections, on the GUI thread; a full one now "
                f"{frozen_full:.1f} ms, {whole_full:.1f} ms with what start-up loaded in "
                "sight (unfrozen)"),
            "rss_growth_mb": round(end_rss - start_rss, 1),
            "rss_growth_mb_note": f"{start_rss:.0f} → {end_rss:.0f} MB after {scrolled:,} rows",
            "peak_rss_mb": round(rss_mb("VmHWM"), 1),
            "idle_cpu_percent": round(idle, 2),
        }), flush=True)
    finally:
        collector.stop()
        window.close()
        worker.shutdown(wait=True)
        context.close()
        app.processEvents()
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1])
    sys.stdout.flush()
    # Skip interpreter finalization: PySide6 6.x can abort while garbage-collecting Qt
    # wrappers at exit ("none_dealloc"), which would turn a finished probe into a failure.
    os._exit(code)
