"""Start-up: the main window builds an area's page when it is first shown, and the
sign-in window's warm-up loads the database layer and the main window meanwhile."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.db.engine import describe
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.ui import icons
from mechanic_desktop.ui.application import AfterFirstPage
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.operations import DbWorker
from mechanic_desktop.ui.warm_up import WINDOW_STEPS, WarmUp, window_icons
from tests.ui.accounts import make_admin
from tests.ui.helpers import WAIT_MS
from tests.unit import factories


def test_the_window_builds_a_page_when_its_area_is_first_shown(
    qtbot: QtBot, ui: UiContext, engine: Engine, arrange: UnitOfWork, settings: QSettings,
) -> None:
    admin: Actor = make_admin(arrange)
    ui.sign_in(admin)
    settings.setValue("pages/customers/search", "x")  # whatever a page keeps, untouched
    win = MainWindow(ui, describe(engine.url), settings, actor=admin)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.tickets_page.model.loaded_once, timeout=WAIT_MS)
    assert [p.key for p in win.built_pages()] == ["tickets"]
    assert [a.key for a in win.areas] == ["tickets", "customers", "mechanics", "stock",
                                          "reports", "staff", "audit"]

    win.show_page(win.index_of("stock"))
    assert win.current_page.key == "stock"
    assert win.stack.currentWidget() is win.current_page
    qtbot.waitUntil(lambda: win.current_page.model.loaded_once, timeout=WAIT_MS)
    assert [p.key for p in win.built_pages()] == ["tickets", "stock"]
    assert win.statusBar().findChild(QLabel, "rowCount").text() != ""

    # Everything at once (code that needs every page): each key matches its area's.
    assert [p.key for p in win.pages] == [a.key for a in win.areas]
    for index, page in enumerate(win.pages):
        assert win.stack.widget(index) is page
    win.show_page(win.index_of("tickets"))
    assert win.stack.currentWidget() is win.tickets_page


def test_the_first_page_asks_for_its_rows_before_the_rest_of_the_window_is_built(
    qtbot: QtBot, ui: UiContext, engine: Engine, arrange: UnitOfWork, settings: QSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The DB worker reads the first page while the menus and actions are made (on
    PostgreSQL the query's wait overlaps the building)."""
    admin: Actor = make_admin(arrange)
    ui.sign_in(admin)
    asked: list[bool] = []
    make_actions = MainWindow._make_actions

    def recording(window: MainWindow) -> None:
        asked.append(window.tickets_page.model.loading)
        make_actions(window)

    monkeypatch.setattr(MainWindow, "_make_actions", recording)
    win = MainWindow(ui, describe(engine.url), settings, actor=admin)
    qtbot.addWidget(win)
    assert asked == [True]
    win.show()
    qtbot.waitUntil(lambda: win.tickets_page.model.loaded_once, timeout=WAIT_MS)
    assert win.new_action.isEnabled()  # the actions were gated once they existed


def test_what_the_first_page_does_not_need_waits_until_it_has_painted(
    qtbot: QtBot, ui: UiContext, engine: Engine, arrange: UnitOfWork, settings: QSettings,
) -> None:
    """The connection indicator and File → connection/backup (``SharedDatabase.equip``)
    are added once the first page shows its rows, not before (start-up time)."""
    admin: Actor = make_admin(arrange)
    ui.sign_in(admin)
    win = MainWindow(ui, describe(engine.url), settings, actor=admin)
    qtbot.addWidget(win)
    ran: list[bool] = []
    AfterFirstPage(win.current_page, lambda: ran.append(win.tickets_page.model.loaded_once))
    win.show()
    assert ran == []
    qtbot.waitUntil(lambda: ran == [True], timeout=WAIT_MS)
    win.tickets_page.table.viewport().update()  # later paints: not again
    qtbot.wait(50)
    assert ran == [True]


def test_warm_up_loads_the_rest_once_the_sign_in_window_has_painted(
    qtbot: QtBot, engine: Engine, worker: DbWorker,
) -> None:
    sign_in = QLabel("Sign in")
    qtbot.addWidget(sign_in)
    warm = WarmUp(sign_in, worker)
    assert not warm.started
    with qtbot.waitSignal(warm.done, timeout=WAIT_MS):
        sign_in.show()
    assert warm.started and warm.finished
    assert len(WINDOW_STEPS) >= 3


@pytest.mark.parametrize("role", [Role.ADMIN, Role.WRITER, Role.MECHANIC])
def test_the_warm_up_draws_every_icon_of_the_main_window(
    qtbot: QtBot, ui: UiContext, engine: Engine, arrange: UnitOfWork, settings: QSettings,
    role: Role,
) -> None:
    """The icons drawn while the password is typed are all those of the window opened
    after it, whichever role signs in: one missing is drawn between Sign in and the
    first page (2-5 ms apiece)."""
    actor = factories.signed_in(arrange, role, "who")
    ui.sign_in(actor)
    win = MainWindow(ui, describe(engine.url), settings, actor=actor)
    qtbot.addWidget(win)
    shown = {action.property(icons.NAME_PROPERTY) for action in win.findChildren(QAction)}
    shown |= {win.sidebar.item(row).data(icons.NAME_ROLE) for row in range(win.sidebar.count())}
    shown.discard(None)
    assert {"tickets", "new"} <= shown  # the window's icons were found
    assert shown <= set(window_icons())


def test_a_worker_given_make_uow_makes_it_on_its_own_thread(
    qtbot: QtBot, engine: Engine,
) -> None:
    made_on: list[str] = []

    def make() -> UnitOfWork:
        made_on.append(threading.current_thread().name)
        return UnitOfWork(engine)

    worker = DbWorker(make_uow=make)
    try:
        assert made_on == []
        results: list[int] = []
        worker.read(lambda _uow: 1, results.append)
        qtbot.waitUntil(lambda: results == [1], timeout=WAIT_MS)
        worker.read(lambda _uow: 2, results.append)
        qtbot.waitUntil(lambda: results == [1, 2], timeout=WAIT_MS)
        assert len(made_on) == 1 and made_on[0].startswith("db-worker")
    finally:
        worker.shutdown(wait=True)
