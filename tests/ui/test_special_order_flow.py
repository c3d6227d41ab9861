"""Special order, as a service writer meets it: 6 quarts of oil wanted on an approved job
with 4 on the shelf. The Add parts basket says so and offers to order the rest; accepted,
the ticket shows the 4 taken and 2 "To order"; completing is refused while they wait;
when the delivery is in, Take from stock on the line takes them. And the same offer when
approving an estimate the shelf cannot cover."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import parts, reports, stock, tickets, workflow
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.add_parts import AddPartsDialog
from mechanic_desktop.ui.dialogs.authorisation import AuthorisationDialog
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.dialogs.ticket_work import TicketWorkPanel
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS, click_line, job_lines, save_shot

LEFT = Qt.MouseButton.LeftButton


def _editor(qtbot: QtBot, ui: UiContext, arrange: UnitOfWork,
            ticket_id: int) -> tuple[TicketDialog, TicketWorkPanel]:
    dialog = TicketDialog(ui, tickets.get_ticket(arrange, ticket_id))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.work is not None and dialog.work.detail is not None,
                    timeout=WAIT_MS)
    assert isinstance(dialog.work, TicketWorkPanel)
    return dialog, dialog.work


def test_more_oil_than_on_the_shelf_goes_on_special_order(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    dialog, work = _editor(qtbot, ui, arrange, shop.ticket.id)
    qtbot.mouseClick(work.add_parts_button, LEFT)
    add = work.parts_dialog
    assert isinstance(add, AddPartsDialog)
    qtbot.waitUntil(lambda: add.detail is not None, timeout=WAIT_MS)
    qtbot.keyClicks(add.search, "oil-")
    qtbot.waitUntil(lambda: add.model.loaded_once and not add.model.loading
                    and not add.model.search_pending, timeout=WAIT_MS)
    qtbot.mouseClick(add.table.viewport(), LEFT,
                     pos=add.table.visualRect(add.model.index(0, 0)).center())
    add.quantity.selectAll()
    qtbot.keyClicks(add.quantity, "6")
    qtbot.keyClick(add.quantity, Qt.Key.Key_Return)
    [line] = add.basket.rows
    assert line.quantity == 6  # not cut down to the 4 on the shelf
    assert line.problem == "Only 4 on the shelf: 2 to special order"
    assert add.offer.isVisible()
    assert add.offer.text.text() == ("Only 4 of OIL-5W30 left for 6 wanted: take those 4 "
                                     "and put the other 2 on special order?")
    save_shot(add, folder / "special-order-add-parts.png", "Special order the rest")
    with qtbot.waitSignal(add.saved, timeout=WAIT_MS):
        qtbot.mouseClick(add.offer.button, LEFT)
    qtbot.waitUntil(lambda: job_lines(work, "part", 4) == ["Taken", "To order"],
                    timeout=WAIT_MS)
    assert job_lines(work, "part", 1) == ["4", "2"]
    save_shot(dialog, folder / "special-order-ticket.png", "To order")
    assert parts.get_part(arrange, shop.oil.id).quantity_on_hand == 0
    [order] = [r for r in reports.low_stock(arrange) if r.sku == "OIL-5W30"]
    assert order.for_tickets == 2

    # Not finished while the oil is on order.
    qtbot.mouseClick(work.authorise_button, LEFT)  # the customer agrees to the oil
    again = work.authorisation_dialog
    assert isinstance(again, AuthorisationDialog)
    qtbot.waitUntil(again.isVisible, timeout=WAIT_MS)
    with qtbot.waitSignal(again.saved, timeout=WAIT_MS):
        qtbot.mouseClick(again.save_button, LEFT)
    qtbot.mouseClick(work.status_buttons["in_progress"], LEFT)
    qtbot.waitUntil(lambda: dialog.status.text() == "In progress", timeout=WAIT_MS)
    qtbot.mouseClick(work.status_buttons["completed"], LEFT)
    qtbot.waitUntil(lambda: "waits for parts on special order (2 × OIL-5W30)"
                    in dialog.banner_text, timeout=WAIT_MS)

    # The delivery is in: take the 2 from stock on the "To order" line.
    stock.receive_stock(arrange, shop.oil.id, 12, "delivery")
    assert not work.take_button.isVisible()
    click_line(qtbot, work, "part", "OIL-5W30")  # the taken line first
    assert not work.take_button.isVisible()
    tree = work.jobs_tree
    index = next(i for i in _part_rows(work) if i.siblingAtColumn(4).data() == "To order")
    qtbot.mouseClick(tree.viewport(), LEFT, pos=tree.visualRect(index).center())
    assert work.take_button.isVisible() and work.take_button.isEnabled()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(dialog, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)  # Ta&ke
    qtbot.waitUntil(lambda: job_lines(work, "part", 4) == ["Taken"], timeout=WAIT_MS)
    assert job_lines(work, "part", 1) == ["6"]
    assert parts.get_part(arrange, shop.oil.id).quantity_on_hand == 10
    qtbot.mouseClick(work.status_buttons["completed"], LEFT)
    qtbot.waitUntil(lambda: dialog.status.text() == "Completed", timeout=WAIT_MS)


def _part_rows(work: TicketWorkPanel) -> list:  # type: ignore[type-arg]
    model = work.jobs_model
    rows = []
    for j in range(model.rowCount()):
        job = model.index(j, 0)
        for i in range(model.rowCount(job)):
            index = model.index(i, 0, job)
            if index.data(Qt.ItemDataRole.UserRole) == "part":
                rows.append(index)
    return rows


def test_approving_an_estimate_the_shelf_cannot_cover_offers_the_order(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    record = tickets.create_ticket(arrange, tickets.TicketData(shop.ada.id, shop.car.id,
                                                               "Oil change"))
    workflow.add_part_lines(arrange, record.id, [(shop.oil.id, 5)], record.version)
    _dialog, work = _editor(qtbot, ui, arrange, record.id)
    assert job_lines(work, "part", 4) == ["On shelf"]
    qtbot.mouseClick(work.authorise_button, LEFT)
    auth = work.authorisation_dialog
    assert isinstance(auth, AuthorisationDialog)
    qtbot.waitUntil(auth.isVisible, timeout=WAIT_MS)
    qtbot.mouseClick(auth.save_button, LEFT)
    qtbot.waitUntil(auth.offer.isVisible, timeout=WAIT_MS)
    assert auth.banner_text == "Only 4 of OIL-5W30 left; cannot take 5."
    assert auth.offer.text.text() == ("Only 4 of OIL-5W30 left for 5 wanted: take those 4 "
                                      "and put the other 1 on special order?")
    with qtbot.waitSignal(auth.saved, timeout=WAIT_MS):
        qtbot.mouseClick(auth.offer.button, LEFT)
    qtbot.waitUntil(lambda: job_lines(work, "part", 4) == ["Taken", "To order"],
                    timeout=WAIT_MS)
    assert job_lines(work, "job", 4) == ["Approved"]
