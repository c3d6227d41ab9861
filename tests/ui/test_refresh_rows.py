"""Open lists re-read only what a write changed: the statements a refresh sends are
counted on the engine (``before_cursor_execute``), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, event, insert

from mechanic_desktop.db.models import Customer
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.records import CustomerRecord, CustomerRow, ListQuery, Page
from mechanic_desktop.domain.validation import search_key
from mechanic_desktop.services import customers
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.pages.customers import CustomersPage
from tests.ui.helpers import WAIT_MS, column

ROWS = 1000


def _name(i: int) -> str:
    return f"Customer {i:04d}"


@pytest.fixture
def thousand(engine: Engine) -> list[str]:
    """1,000 customers, inserted in one statement (the services' path is not under test)."""
    names = [_name(i) for i in range(ROWS)]
    with engine.begin() as conn:
        conn.execute(insert(Customer), [
            {"name": n, "name_key": search_key(n), "surname_key": search_key(n.split()[-1]),
             "phone": "", "phone_digits": "", "address": "", "notes": ""} for n in names])
    return names


def _loaded_page(qtbot: QtBot, ui: UiContext, rows: int = ROWS) -> CustomersPage:
    page = CustomersPage(ui, None)
    qtbot.addWidget(page)
    page.start()
    model = page.model
    qtbot.waitUntil(lambda: model.loaded_once and not model.loading, timeout=WAIT_MS)
    while model.loaded_rows < rows and model.canFetchMore(model.index(-1, -1)):
        model.fetchMore(model.index(-1, -1))
        qtbot.waitUntil(lambda: not model.loading, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
    return page


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement sent to ``engine`` meanwhile (from any thread): (SQL, parameters)."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, sql: str, params: Any, *_: object) -> None:
        seen.append((sql, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _selects(seen: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The queries proper (not BEGIN/ROLLBACK or SQLite's pragmas)."""
    return [(sql, p) for sql, p in seen if sql.lstrip().upper().startswith("SELECT")]


def _record(arrange: UnitOfWork, name: str) -> CustomerRecord:
    page = customers.list_customers(arrange, ListQuery(search=name, limit=1))
    return customers.get_customer(arrange, page.rows[0].id)


def _edit(arrange: UnitOfWork, record: CustomerRecord, **values: str) -> CustomerRecord:
    data = customers.CustomerData(
        values.get("name", record.name), record.email or "", values.get("phone", record.phone),
        record.address, record.notes)
    return customers.update_customer(arrange, record.id, data, record.version)


def test_one_edited_row_of_a_thousand_is_the_only_row_read_again(
    qtbot: QtBot, ui: UiContext, engine: Engine, arrange: UnitOfWork, thousand: list[str],
    qtmodeltester: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers: list[tuple[ListQuery, int]] = []  # what the page's service read was asked
    listed = customers.list_customers

    def list_customers(uow: UnitOfWork, query: ListQuery) -> Page[CustomerRow]:
        result = listed(uow, query)
        answers.append((query, len(result.rows)))
        return result

    monkeypatch.setattr(customers, "list_customers", list_customers)
    page = _loaded_page(qtbot, ui)
    model = page.model
    assert model.loaded_rows == ROWS
    qtmodeltester.check(model)  # stays attached: it checks the signals of the patch too
    page.table.selectRow(10)
    record = _edit(arrange, _record(arrange, thousand[500]), phone="555-0100")
    answers.clear()
    with statements(engine) as seen:
        page.on_changed(Changes.build({"customer": [record.id]}))
        qtbot.waitUntil(lambda: model.row_at(500).phone == "555-0100", timeout=WAIT_MS)
        qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
    queries = _selects(seen)
    assert len(queries) == 1, queries
    # The changed row and its two neighbours (which show it did not move), nothing else.
    assert [(q.ids, n) for q, n in answers] == [
        (frozenset({record.id - 1, record.id, record.id + 1}), 3)]
    assert column(model) == thousand and model.loaded_rows == ROWS
    assert page.selected_id() == model.row_at(10).id  # the selection stays where it was


def test_a_row_renamed_past_its_neighbours_moves_after_a_window_re_read(
    qtbot: QtBot, ui: UiContext, engine: Engine, arrange: UnitOfWork, thousand: list[str],
) -> None:
    page = _loaded_page(qtbot, ui, 400)
    model = page.model
    record = _edit(arrange, _record(arrange, thousand[5]), name="Customer 0100b")
    with statements(engine) as seen:
        page.on_changed(Changes.build({"customer": [record.id]}))
        expected = sorted([*thousand[:5], *thousand[6:400], "Customer 0100b"])[:400]
        qtbot.waitUntil(lambda: column(model) == expected, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
    assert len(_selects(seen)) == 2  # the narrowed read, then the window it said to re-read


def test_deleted_rows_leave_and_new_ones_arrive(
    qtbot: QtBot, ui: UiContext, engine: Engine, arrange: UnitOfWork, thousand: list[str],
) -> None:
    page = _loaded_page(qtbot, ui, 200)
    model = page.model
    loaded = model.loaded_rows
    gone = _record(arrange, thousand[3])
    customers.delete_customer(arrange, gone.id)
    with statements(engine) as seen:
        page.on_changed(Changes.build({"customer": [gone.id]}))
        qtbot.waitUntil(lambda: model.loaded_rows == loaded - 1, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
    assert len(_selects(seen)) == 1  # a row that is gone is simply taken out
    assert column(model) == [*thousand[:3], *thousand[4:loaded]]

    # A new customer beyond the loaded 200 is fetched when scrolled to, not now ...
    late = customers.create_customer(arrange, customers.CustomerData("Customer 9999"))
    with statements(engine) as seen:
        page.on_changed(Changes.build({"customer": [late.id]}))
        qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
    assert len(_selects(seen)) == 1 and model.loaded_rows == loaded - 1
    # ... one that sorts inside the window is shown at once, in its place.
    early = customers.create_customer(arrange, customers.CustomerData("Customer 0001a"))
    page.on_changed(Changes.build({"customer": [early.id]}))
    qtbot.waitUntil(lambda: model.row_at(2) is not None
                    and model.row_at(2).name == "Customer 0001a", timeout=WAIT_MS)
    assert column(model)[:4] == [thousand[0], thousand[1], "Customer 0001a", thousand[2]]


def test_a_bulk_change_or_another_entity_re_reads_the_window(
    qtbot: QtBot, ui: UiContext, engine: Engine, thousand: list[str],
) -> None:
    page = _loaded_page(qtbot, ui, 200)
    for changes in (Changes({"customer": frozenset()}, all_of=frozenset({"customer"})),
                    Changes.build({"vehicle": [1]}), Changes.everything()):
        with statements(engine) as seen:
            page.on_changed(changes)
            qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
        assert len(_selects(seen)) == 1
        assert "CUSTOMERS.ID IN" not in _selects(seen)[0][0].upper()  # the window
        assert column(page.model) == thousand[:200]
    with statements(engine) as seen:
        page.on_changed(Changes.build({"part": [1]}))  # not shown on this page
        qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
    assert _selects(seen) == []


def test_an_open_editor_hears_about_its_own_record_only(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork,
) -> None:
    ada = customers.create_customer(arrange, customers.CustomerData("Ada Lovelace"))
    bob = customers.create_customer(arrange, customers.CustomerData("Bob Builder"))
    dialog = CustomerDialog(ui, ada, None)
    qtbot.addWidget(dialog)
    dialog.show()
    ui.worker.changed.emit(Changes({"customer": frozenset({bob.id})}, by="Kim", remote=True))
    ui.worker.changed.emit(Changes({"customer": frozenset({ada.id})}, by=None, remote=False))
    assert dialog.notice_text == ""  # another record, and this desk's own save
    ui.worker.changed.emit(Changes({"customer": frozenset({ada.id})}, by="Kim", remote=True))
    assert dialog.notice_text.startswith("Changed by Kim at ")
