"""The paged model on its own: Qt's model rules, paging, sort, search, stale replies."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.bootstrap import forbid_main_thread
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import ListQuery, Page
from mechanic_desktop.services import customers
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.models.paged_model import LOADING_TEXT, PagedTableModel
from mechanic_desktop.ui.models.tables import CUSTOMERS
from tests.ui.helpers import WAIT_MS, column


def _names(n: int) -> list[str]:
    return [f"Customer {i:02d}" for i in range(n)]


@pytest.fixture
def twelve(arrange: UnitOfWork) -> list[str]:
    names = _names(12)
    for name in reversed(names):
        customers.create_customer(arrange, customers.CustomerData(name))
    return names


def _model(ui: UiContext, page_size: int = 5) -> PagedTableModel:
    return PagedTableModel(CUSTOMERS, customers.list_customers, ui.worker,
                           page_size=page_size)


def test_guard_refuses_queries_on_the_gui_thread(ui: UiContext, engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="GUI thread"):
        customers.list_customers(UnitOfWork(engine, guard=forbid_main_thread), ListQuery())


def test_pages_load_on_demand(qtbot: QtBot, ui: UiContext, twelve: list[str],
                              qtmodeltester: object) -> None:
    model = _model(ui)
    model.start()
    assert column(model) == [LOADING_TEXT]  # placeholder while the first page loads
    qtbot.waitUntil(lambda: model.loaded_once, timeout=WAIT_MS)
    assert column(model) == twelve[:5]
    assert model.canFetchMore(model.index(-1, -1))
    model.fetchMore(model.index(-1, -1))
    assert column(model)[-1] == LOADING_TEXT
    qtbot.waitUntil(lambda: not model.loading, timeout=WAIT_MS)
    assert column(model) == twelve[:10]
    model.fetchMore(model.index(-1, -1))
    qtbot.waitUntil(lambda: model.complete, timeout=WAIT_MS)
    assert column(model) == twelve
    assert not model.canFetchMore(model.index(-1, -1))
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_sort_runs_in_the_database(qtbot: QtBot, ui: UiContext, twelve: list[str]) -> None:
    model = _model(ui, page_size=100)
    model.start()
    qtbot.waitUntil(lambda: model.complete, timeout=WAIT_MS)
    from PySide6.QtCore import Qt

    model.sort(0, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: model.complete, timeout=WAIT_MS)
    assert column(model) == list(reversed(twelve))
    model.sort(2, Qt.SortOrder.AscendingOrder)  # e-mail: not sortable, order kept
    assert model.query.sort == "name" and model.query.descending


def test_stale_replies_are_dropped(qtbot: QtBot, ui: UiContext, twelve: list[str]) -> None:
    model = _model(ui, page_size=100)
    model.start()
    model.set_search_now("Customer 0")
    model.set_search_now("Customer 11")
    qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
    assert column(model) == ["Customer 11"]


def test_search_is_debounced(qtbot: QtBot, ui: UiContext, twelve: list[str]) -> None:
    calls: list[ListQuery] = []

    def fetch(uow: UnitOfWork, query: ListQuery) -> Page[object]:
        calls.append(query)
        return customers.list_customers(uow, query)

    model = PagedTableModel(CUSTOMERS, fetch, ui.worker)
    model.start()
    qtbot.waitUntil(lambda: model.loaded_once, timeout=WAIT_MS)
    for text in ("C", "Cu", "Cus", "Customer 1"):
        model.set_search(text)
    qtbot.waitUntil(lambda: model.loaded_once and not model.search_pending, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
    assert [q.search for q in calls] == ["", "Customer 1"]
    assert column(model) == ["Customer 10", "Customer 11"]


def test_refresh_keeps_loaded_window(qtbot: QtBot, ui: UiContext, twelve: list[str],
                                     arrange: UnitOfWork, qtmodeltester: object) -> None:
    model = _model(ui)
    model.start()
    qtbot.waitUntil(lambda: model.loaded_once, timeout=WAIT_MS)
    model.fetchMore(model.index(-1, -1))
    qtbot.waitUntil(lambda: model.loaded_rows == 10 and not model.loading, timeout=WAIT_MS)
    customers.create_customer(arrange, customers.CustomerData("Customer 00a"))
    model.refresh()
    qtbot.waitUntil(lambda: not model.loading, timeout=WAIT_MS)
    assert column(model) == [twelve[0], "Customer 00a", *twelve[1:9]]
    qtmodeltester.check(model)  # type: ignore[attr-defined]
