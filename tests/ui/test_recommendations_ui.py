"""Recommended work as the desk meets it, on both backends: the next ticket for a vehicle
offers the job the customer declined, one key press adds it (the jobs panel shows it),
a new ticket is saved first, a dismissed one goes; the follow-up report lists them for
calls. Pictures of the offer and the report."""

from __future__ import annotations

import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QAbstractButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.db.engine import describe
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import TicketDetail, TicketRecord
from mechanic_desktop.services import recommendations, tickets, workflow
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.recommendations_box import RecommendationsBox
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.pages.reports import ReportsPage
from tests.ui.accounts import make_admin
from tests.ui.conftest import FakePrompts
from tests.ui.helpers import WAIT_MS, column, job_lines, save_shot
from tests.unit import factories
from tests.unit.test_recommendations import _declined, _next_ticket


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _second_visit(arrange: UnitOfWork) -> tuple[TicketDetail, TicketRecord]:
    """RO-1 with the timing belt declined, and RO-2 for the same car, just opened."""
    detail, _, _ = _declined(arrange)
    return detail, tickets.get_ticket(arrange, _next_ticket(arrange, detail))


def _editor(qtbot: QtBot, ui: UiContext, record: TicketRecord) -> TicketDialog:
    dialog = TicketDialog(ui, record)
    qtbot.addWidget(dialog)
    dialog.resize(1200, 720)
    dialog.show()
    return dialog


def _offered(qtbot: QtBot, dialog: TicketDialog) -> RecommendationsBox:
    box = dialog.recommended
    qtbot.waitUntil(lambda: box.isVisible() and bool(box.add_buttons), timeout=WAIT_MS)
    return box


def _button(box: RecommendationsBox, name: str) -> QAbstractButton:
    found = box.findChild(QAbstractButton, name)
    assert found is not None, name
    return found


def test_the_next_ticket_offers_the_declined_job_and_adds_it(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, tmp_path: Path
) -> None:
    detail, second = _second_visit(arrange)
    timing = detail.jobs[1].id
    dialog = _editor(qtbot, ui, second)
    box = _offered(qtbot, dialog)
    offer = box.findChild(QWidget, f"recommendation{timing}")
    assert offer is not None
    text = offer.text()  # type: ignore[attr-defined]
    assert text.startswith("Declined 20") and text.endswith(": Timing belt, 550.00 (RO-1)")
    qtbot.wait(30)
    save_shot(dialog, _shots(tmp_path) / "ticket-recommended-work.png",
              "Recommended work on this vehicle", "Timing belt, 550.00", "Add to this ticket")

    # Reached from the keyboard: Tab stops on it, Space presses it.
    add = _button(box, f"recommendationAdd{timing}")
    assert add.focusPolicy() & Qt.FocusPolicy.TabFocus
    add.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(add, Qt.Key.Key_Space)
    work = dialog.work
    assert work is not None
    qtbot.waitUntil(lambda: work.detail is not None and len(work.detail.jobs) == 2,
                    timeout=WAIT_MS)
    assert job_lines(work, "job") == ["1. Oil change", "2. Timing belt"]
    assert job_lines(work, "labour") == ["unassigned"]
    assert "Added “Timing belt” (recommended on RO-1)" in work.note.text()
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT_MS)  # taken up: no longer offered
    qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)


def test_a_new_ticket_is_saved_first_then_gets_the_job(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, tmp_path: Path
) -> None:
    detail, _, _ = _declined(arrange)
    record = detail.ticket
    dialog = TicketDialog(ui, for_customer=(record.customer_id, record.customer_name))
    qtbot.addWidget(dialog)
    dialog.show()
    box = _offered(qtbot, dialog)  # the customer's only car is chosen: its offer shows
    successors: list[TicketDialog] = []
    dialog.continued.connect(successors.append)
    qtbot.keyClicks(dialog.description, "Annual service")
    qtbot.wait(30)
    save_shot(dialog, _shots(tmp_path) / "ticket-new-recommended-work.png",
              "Recommended work on this vehicle", "Add to this ticket")
    qtbot.mouseClick(_button(box, f"recommendationAdd{detail.jobs[1].id}"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(successors), timeout=WAIT_MS)
    successor = successors[0]  # deletes itself on close
    work = successor.work
    assert work is not None
    qtbot.waitUntil(lambda: work.detail is not None and len(work.detail.jobs) == 2,
                    timeout=WAIT_MS)
    assert job_lines(work, "job") == ["1. Annual service", "2. Timing belt"]
    assert recommendations.vehicle_recommendations(arrange, record.vehicle_id) == []
    qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
    successor.close()


def test_dismissing_asks_then_stops_offering_it(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, prompts: FakePrompts
) -> None:
    detail, second = _second_visit(arrange)
    dialog = _editor(qtbot, ui, second)
    box = _offered(qtbot, dialog)
    timing = detail.jobs[1].id
    prompts.answer = False
    qtbot.mouseClick(_button(box, f"recommendationDismiss{timing}"), Qt.MouseButton.LeftButton)
    assert prompts.questions[-1][0] == "Dismiss recommendation"
    assert box.isVisible() and timing in box.add_buttons  # kept: the clerk said no
    prompts.answer = True
    qtbot.mouseClick(_button(box, f"recommendationDismiss{timing}"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "dismissed" in box.message.text(), timeout=WAIT_MS)
    assert box.add_buttons == {}
    assert recommendations.vehicle_recommendations(arrange, second.vehicle_id) == []
    qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)


def test_another_desk_took_it_first(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, engine: Engine
) -> None:
    detail, second = _second_visit(arrange)
    timing = detail.jobs[1].id
    dialog = _editor(qtbot, ui, second)
    box = _offered(qtbot, dialog)
    third = _next_ticket(arrange, detail, "Noise")  # the other desk's ticket
    recommendations.add_recommended_job(arrange, third, timing,
                                        tickets.get_ticket(arrange, third).version)
    qtbot.mouseClick(_button(box, f"recommendationAdd{timing}"), Qt.MouseButton.LeftButton)
    banner = dialog.banner
    qtbot.waitUntil(lambda: "already added to ticket RO-3" in banner.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT_MS)  # the list was read again
    assert dialog.work is not None and dialog.work.detail is not None
    assert len(dialog.work.detail.jobs) == 1
    qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
    assert shiboken6.isValid(dialog)


def test_follow_up_report_on_the_reports_page(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, engine: Engine, tmp_path: Path,
    qtmodeltester: object,
) -> None:
    _declined(arrange)
    admin = make_admin(arrange)
    ui.sign_in(admin)
    window = MainWindow(ui, describe(engine.url),
                        QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                        actor=admin)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    keys = [p.key for p in window.pages]
    window.show_page(keys.index("reports"))
    page = window.current_page
    assert isinstance(page, ReportsPage)
    page.tabs.setCurrentIndex([t.key for t in page._tabs].index("follow_up"))
    tab = page.tab("follow_up")
    qtbot.waitUntil(lambda: tab.model.loaded_once and not tab.model.loading
                    and ui.worker.pending == 0, timeout=WAIT_MS)
    qtmodeltester.check(tab.model)  # type: ignore[attr-defined]
    assert column(tab.model, 2) == ["Ada Lovelace"]
    assert column(tab.model, 3) == ["(555) 123-4567"]
    assert column(tab.model, 5) == ["Timing belt"]
    assert column(tab.model, 6) == ["Declined"]
    assert column(tab.model, 7) == ["550.00"]
    assert column(tab.model, 8) == ["RO-1"]
    assert "1 declined or deferred job quoted at 550.00 is still" in page.follow_up_summary.text()
    qtbot.wait(30)
    save_shot(window, _shots(tmp_path) / "reports-follow-up.png", "Follow-up calls",
              "Timing belt", "(555) 123-4567")


def test_a_finished_ticket_offers_nothing(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork
) -> None:
    _, second = _second_visit(arrange)
    version = factories.authorise(arrange, second.id).ticket.version
    version = workflow.set_status(arrange, second.id, "in_progress", version).ticket.version
    workflow.set_status(arrange, second.id, "completed", version)
    dialog = _editor(qtbot, ui, second)
    work = dialog.work
    assert work is not None
    qtbot.waitUntil(lambda: work.detail is not None and ui.worker.pending == 0,
                    timeout=WAIT_MS)
    assert not dialog.recommended.isVisible() and dialog.recommended.add_buttons == {}
