"""Cycles are collected on the GUI thread only (ui/collector.py).

A cycle holding a widget's wrapper that Python collected on the DB worker would destroy
a Qt object on a thread that does not own it; with the collector started, however much a
worker thread allocates, every collection runs on the GUI thread's timer.
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from mechanic_desktop.ui import collector as collector_module
from mechanic_desktop.ui.collector import GuiCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The thread ids of the collections that start while the test runs."""
    seen: list[int] = []

    def note(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(threading.get_ident())

    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)


def _garbage_on_a_worker() -> weakref.ref[_Cycle]:
    """Make many cycles on another thread (enough to pass the youngest generation's
    threshold hundreds of times) and a weak reference to one of them."""
    kept: list[weakref.ref[_Cycle]] = []

    def work() -> None:
        kept.append(weakref.ref(_Cycle()))
        for _ in range(200_000):
            _Cycle()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return kept[0]


def test_cycles_made_on_a_worker_are_collected_on_the_gui_thread(
    qtbot: QtBot, collections: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collector_module, "INTERVAL_MS", 20)
    collector = GuiCollector().start()
    try:
        assert not gc.isenabled()
        dead = _garbage_on_a_worker()
        assert collections == []  # nothing ran on the worker
        assert dead() is not None  # its cycle waits for the GUI thread
        qtbot.waitUntil(lambda: dead() is None, timeout=5000)
        assert collections and set(collections) == {threading.get_ident()}
    finally:
        collector.stop()
    assert gc.isenabled()


def test_frozen_objects_are_left_out_until_the_collector_stops(qtbot: QtBot) -> None:
    collector = GuiCollector().start()
    try:
        collector.freeze()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        collector.freeze()  # once only
        assert gc.get_freeze_count() >= frozen
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0 and gc.isenabled()
