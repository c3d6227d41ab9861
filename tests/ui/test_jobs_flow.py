"""The estimate-to-invoice path driven as a service writer would, on both backends: a new
ticket, a canned job from the library and a custom job, labour and parts, the estimate
printed, a phone authorisation approving two jobs and declining the third, work started
(only the approved jobs' parts leave the shelf), an hour more asking for a new
authorisation, then completion; and the car's next ticket offering the declined job."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import canned_jobs, parts, tickets, workflow
from mechanic_desktop.services import shop as shop_service
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.add_parts import AddPartsDialog
from mechanic_desktop.ui.dialogs.authorisation import AuthorisationDialog
from mechanic_desktop.ui.dialogs.job_editor import JobDialog
from mechanic_desktop.ui.dialogs.labour import AddLabourDialog
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.dialogs.ticket_work import TicketWorkPanel
from tests.ui.accounts import make_admin, make_signed_in
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS, click_line, job_lines, save_shot, visible_text

LEFT = Qt.MouseButton.LeftButton


def _loaded(qtbot: QtBot, dialog: AddPartsDialog) -> None:
    qtbot.waitUntil(lambda: dialog.model.loaded_once and not dialog.model.loading
                    and not dialog.model.search_pending, timeout=WAIT_MS)


def _add_part(qtbot: QtBot, work: TicketWorkPanel, text: str, quantity: int) -> None:
    qtbot.mouseClick(work.add_parts_button, LEFT)
    dialog = work.parts_dialog
    assert isinstance(dialog, AddPartsDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=WAIT_MS)
    qtbot.keyClicks(dialog.search, text)
    _loaded(qtbot, dialog)
    table = dialog.table
    qtbot.mouseClick(table.viewport(), LEFT,
                     pos=table.visualRect(dialog.model.index(0, 0)).center())
    dialog.quantity.selectAll()
    qtbot.keyClicks(dialog.quantity, str(quantity))
    qtbot.keyClick(dialog.quantity, Qt.Key.Key_Return)  # into the basket
    assert dialog.basket.rows, (dialog.banner_text, dialog.stock_note.text())
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, LEFT)


def _add_labour(qtbot: QtBot, work: TicketWorkPanel, what: str, hours: str) -> None:
    qtbot.mouseClick(work.add_labour_button, LEFT)
    dialog = work.labour_dialog
    assert isinstance(dialog, AddLabourDialog)
    qtbot.keyClicks(dialog.operation, what)
    dialog.hours.selectAll()
    qtbot.keyClicks(dialog.hours, hours)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.keyClick(dialog.operation, Qt.Key.Key_Return)


def _authorise(qtbot: QtBot, work: TicketWorkPanel, decline: str | None) -> AuthorisationDialog:
    qtbot.mouseClick(work.authorise_button, LEFT)
    dialog = work.authorisation_dialog
    assert isinstance(dialog, AuthorisationDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    if decline is not None:
        job = next(j for j in dialog.detail.jobs if j.title == decline)
        combo = dialog.decision[job.id]
        combo.setFocus()
        while combo.currentData() != "declined":
            qtbot.keyClick(combo, Qt.Key.Key_Down)
    return dialog


def test_estimate_authorise_work_and_complete_then_render(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, tmp_path: Path
) -> None:
    """Also the README's pictures of the job editor, the authorisation dialog and the
    estimate (``make screenshots`` keeps them, through MD_SHOTS_DIR)."""
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    settings = shop_service.get_settings(arrange)
    workflow.update_settings(arrange, shop_service.ShopSettingsData(
        "Bolt Garage", "1 Main St", "555-000-1111", "8.875", False, "RO-",
        labor_rate="120.00"), settings.version)
    canned_jobs.create_canned_job(arrange, canned_jobs.CannedJobData(
        "Brake fluid flush", "Soft pedal", [
            canned_jobs.CannedLine(canned_jobs.LineKind.LABOUR, "Flush brake fluid", 45)]))

    # New ticket: the customer's only car is chosen, the concern typed, saved.
    new = TicketDialog(ui)
    qtbot.addWidget(new)
    new.show()
    qtbot.keyClicks(new.customer_search, "love")
    qtbot.waitUntil(lambda: new.vehicle.currentData() == shop.car.id, timeout=WAIT_MS)
    item = new.customer_list.item(0)
    assert item is not None and item.text() == "Ada Lovelace   (555) 123-4567"
    qtbot.keyClicks(new.description, "Brakes grind when stopping")
    with qtbot.waitSignal(new.saved, timeout=WAIT_MS) as saved:
        qtbot.mouseClick(new.save_button, LEFT)
    record = saved.args[0]
    dialog = TicketDialog(ui, tickets.get_ticket(arrange, record.id))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.work is not None and dialog.work.detail is not None,
                    timeout=WAIT_MS)
    work = dialog.work
    assert isinstance(work, TicketWorkPanel)
    assert dialog.status.text() == "Estimate"
    assert job_lines(work, "job", 0) == ["1. Brakes grind when stopping"]
    assert job_lines(work, "job", 4) == ["Proposed"]

    # The brakes job: an hour and a half of labour and a filter (stand-in for pads).
    _add_labour(qtbot, work, "Replace front pads", "1.5")
    _add_part(qtbot, work, "flt", 2)
    # A canned job from the library, found by a word and picked with the keyboard.
    qtbot.mouseClick(work.add_canned_button, LEFT)
    picker = work.canned_dialog
    assert picker is not None
    qtbot.waitUntil(picker.isVisible, timeout=WAIT_MS)
    qtbot.keyClicks(picker.search, "flush")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1 and not picker.model.loading
                    and not picker.model.search_pending, timeout=WAIT_MS)
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    with qtbot.waitSignal(picker.saved, timeout=WAIT_MS):
        qtbot.keyClick(picker.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(job_lines(work, "job")) == 2, timeout=WAIT_MS)
    # A custom job, the timing belt, with its own parts.
    qtbot.mouseClick(work.add_job_button, LEFT)
    job_dialog = work.job_dialog
    assert isinstance(job_dialog, JobDialog)
    qtbot.keyClicks(job_dialog.title, "Timing belt")
    with qtbot.waitSignal(job_dialog.saved, timeout=WAIT_MS):
        qtbot.keyClick(job_dialog.title, Qt.Key.Key_Return)
    click_line(qtbot, work, "job", "3. Timing belt")
    _add_part(qtbot, work, "oil-", 3)
    # 1.5 h × 120 + 2 × 8.50 + 8.875 % of 17.00; 0.75 h × 120; 3 × 12.99 + tax.
    assert job_lines(work, "job", 3) == ["198.51", "90.00", "42.43"]
    assert job_lines(work, "part", 4) == ["On shelf", "On shelf"]
    assert parts.get_part(arrange, shop.filter.id).quantity_on_hand == 40
    assert work.total_labels["total"].text() == "0.00"  # nothing approved yet
    assert "Estimate 330.94: not authorised" in work.authorisation_note.text()

    # The estimate, as the customer gets it.
    if shutil.which("pdftotext"):
        def choose(_parent: QWidget, suggested: str) -> str:
            return str(tmp_path / suggested)

        work.choose_pdf_path = choose
        work.export_estimate_action.trigger()
        qtbot.waitUntil(lambda: work.last_pdf is not None, timeout=WAIT_MS)
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile", str(work.last_pdf),
                            str(folder / "jobs-estimate-pdf")], check=True)
        text = subprocess.run(["pdftotext", "-layout", str(work.last_pdf), "-"],
                              capture_output=True, encoding="utf-8", check=True).stdout
        for expected in ("Estimate no.", "RO-", "Brakes grind when stopping", "Timing belt",
                         "Replace front pads", "Estimate total", "330.94", "Soft pedal",
                         "Customer's signature"):
            assert expected in text, expected

    # The customer phones: yes to the brakes, no to the belt.
    auth = _authorise(qtbot, work, decline="Timing belt")
    assert auth.authorised_by.text() == "Ada Lovelace"
    assert auth.method.currentText() == "Phone" and auth.contact.text() == "(555) 123-4567"
    assert auth.amount.text() == "288.51"
    save_shot(auth, folder / "jobs-authorisation.png", "Record authorisation", "Timing belt",
              "288.51")
    with qtbot.waitSignal(auth.saved, timeout=WAIT_MS):
        qtbot.mouseClick(auth.save_button, LEFT)
    qtbot.waitUntil(lambda: job_lines(work, "job", 4) == ["Approved", "Approved", "Declined"],
                    timeout=WAIT_MS)
    assert work.total_labels["total"].text() == "288.51"
    assert parts.get_part(arrange, shop.filter.id).quantity_on_hand == 38  # taken
    assert parts.get_part(arrange, shop.oil.id).quantity_on_hand == 4  # declined: not taken
    assert "Authorised 288.51 by Ada Lovelace (phone)" in work.authorisation_note.text()

    # Work starts; one more hour on the brakes needs the customer's yes again.
    qtbot.mouseClick(work.status_buttons["in_progress"], LEFT)
    qtbot.waitUntil(lambda: dialog.status.text() == "In progress", timeout=WAIT_MS)
    click_line(qtbot, work, "job", "1. Brakes")
    _add_labour(qtbot, work, "Bleed brakes", "1")
    qtbot.waitUntil(lambda: "Authorisation needed: +120.00" in work.authorisation_note.text(),
                    timeout=WAIT_MS)
    save_shot(dialog, folder / "jobs-ticket-editor.png", "Authorisation needed: +120.00",
              "1. Brakes grind when stopping", "2. Brake fluid flush", "3. Timing belt")
    qtbot.mouseClick(work.status_buttons["completed"], LEFT)
    qtbot.waitUntil(lambda: "needs the customer's authorisation for 120.00" in dialog.banner_text
                    or "120.00" in work.note.text(), timeout=WAIT_MS)
    again = _authorise(qtbot, work, decline=None)
    assert again.amount.text() == "408.51"
    with qtbot.waitSignal(again.saved, timeout=WAIT_MS):
        qtbot.mouseClick(again.save_button, LEFT)
    qtbot.waitUntil(lambda: "(2 authorisations)" in work.authorisation_note.text(),
                    timeout=WAIT_MS)
    qtbot.mouseClick(work.status_buttons["completed"], LEFT)
    qtbot.waitUntil(lambda: dialog.status.text() == "Completed", timeout=WAIT_MS)
    assert work.total_labels["total"].text() == "408.51"
    assert "Timing belt" in visible_text(dialog)

    # The car comes back: its next ticket offers the declined belt.
    second = TicketDialog(ui)
    qtbot.addWidget(second)
    second.show()
    qtbot.keyClicks(second.customer_search, "love")
    qtbot.waitUntil(lambda: second.vehicle.currentData() == shop.car.id, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: bool(second.recommended.offers), timeout=WAIT_MS)
    [offer] = second.recommended.offers
    assert offer.title == "Timing belt"
    assert "Declined" in visible_text(second) and "Timing belt, 42.43" in visible_text(second)
    qtbot.keyClicks(second.description, "Oil change")
    qtbot.mouseClick(second.recommended.add_buttons[offer.job_id], LEFT)

    def the_new_ticket() -> TicketDialog | None:
        """The editor the new ticket continued in, once it shows both jobs."""
        return next((w for w in QApplication.topLevelWidgets()
                     if isinstance(w, TicketDialog) and w.isVisible() and w.work is not None
                     and w.work.ticket_id != record.id and w.work.detail is not None
                     and len(w.work.detail.jobs) == 2), None)

    qtbot.waitUntil(lambda: the_new_ticket() is not None, timeout=WAIT_MS)
    follow = the_new_ticket()
    assert follow is not None and follow.work is not None and follow.work.detail is not None
    assert [j.title for j in follow.work.detail.jobs] == ["Oil change", "Timing belt"]
    assert [j.status for j in follow.work.detail.jobs] == ["proposed", "proposed"]


def _mnemonics(root: QWidget) -> list[str]:
    """The Alt letters of the buttons and field labels a person sees on ``root``."""
    found = []
    for child in root.findChildren(QWidget):
        text = child.text() if isinstance(child, QAbstractButton | QLabel) else ""
        if child.isVisible() and "&" in text.replace("&&", ""):
            found.append(text.replace("&&", "")[text.replace("&&", "").index("&") + 1].lower())
    return found


def test_every_alt_letter_of_the_ticket_editor_is_its_own(
    qtbot: QtBot, ui: UiContext, shop: Shop
) -> None:
    """Alt plus a letter does one thing: no two visible controls share their letter."""
    dialog = TicketDialog(ui, shop.ticket)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.work is not None and dialog.work.detail is not None,
                    timeout=WAIT_MS)
    letters = _mnemonics(dialog)
    assert len(letters) > 15
    shared = sorted({c for c in letters if letters.count(c) > 1})
    assert shared == [], shared
    # The new-ticket form too (Assign mechanics shared M with Promised there).
    new = TicketDialog(ui, for_customer=(shop.ada.id, shop.ada.name))
    qtbot.addWidget(new)
    new.show()
    letters = _mnemonics(new)
    assert sorted({c for c in letters if letters.count(c) > 1}) == []


def _open_as_sam(qtbot: QtBot, ui: UiContext, shop: Shop,
                 arrange: UnitOfWork) -> tuple[Actor, TicketDialog, TicketWorkPanel]:
    """Sam, the mechanic on the ticket, signed in with its editor open (the
    administrator who made his account is returned first)."""
    admin = make_admin(arrange)
    sam = make_signed_in(arrange, admin, "sam", "Sam Wrench", Role.MECHANIC, shop.sam.id)
    ui.sign_in(sam)
    dialog = TicketDialog(ui, tickets.get_ticket(arrange, shop.ticket.id))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.work is not None and dialog.work.detail is not None,
                    timeout=WAIT_MS)
    work = dialog.work
    assert isinstance(work, TicketWorkPanel)
    return admin, dialog, work


def test_a_mechanic_on_the_ticket_records_findings_and_hours_and_nothing_else(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    """Sam works the ticket: Edit job (his findings) and his hours are his; the rest is
    disabled, each control saying why in the service's words."""
    _admin, dialog, work = _open_as_sam(qtbot, ui, shop, arrange)
    assert work.edit_job_button.isEnabled() and work.assign_button.isEnabled()
    assert work.assign_button.text().replace("&", "") == "My hours…"
    for widget in (work.add_job_button, work.add_labour_button, work.add_parts_button,
                   work.authorise_button, work.status_buttons["cancelled"]):
        assert not widget.isEnabled(), widget.objectName()
    assert work.add_job_button.toolTip() == (
        "Mechanics cannot open and edit tickets; ask an administrator.")
    assert work.authorise_button.toolTip() == (
        "Mechanics cannot record the customer's authorisation; ask an administrator.")
    # No money: his rate is his pay (the work order carries no prices either).
    assert work.jobs_tree.isColumnHidden(2) and work.jobs_tree.isColumnHidden(3)
    assert not work.total_labels["total"].isVisible() and not work.payments_box.isVisible()
    assert "95.50" not in visible_text(dialog)
    # His findings, through the job dialog: title and concern are the writer's.
    qtbot.mouseClick(work.edit_job_button, LEFT)
    job_dialog = work.job_dialog
    assert isinstance(job_dialog, JobDialog)
    assert job_dialog.title.isReadOnly() and job_dialog.concern.isReadOnly()
    qtbot.keyClicks(job_dialog.cause, "Pads worn to 2 mm")
    with qtbot.waitSignal(job_dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(job_dialog.save_button, LEFT)
    assert workflow.get_ticket_detail(arrange, shop.ticket.id).jobs[0].cause == (
        "Pads worn to 2 mm")


def test_the_buttons_come_back_with_their_own_tips_when_an_administrator_signs_in(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    """A mechanic's refusals are not left behind on the buttons for the next person at
    the desk: each gets back its own tooltip, enabled."""
    admin, _dialog, work = _open_as_sam(qtbot, ui, shop, arrange)
    assert not work.add_job_button.isEnabled()
    ui.sign_in(admin)
    assert work.add_job_button.isEnabled() and work.authorise_button.isEnabled()
    assert work.add_job_button.toolTip() == (
        "Add another job (e.g. a timing belt) to the estimate")
    assert "ask an administrator" not in work.authorise_button.toolTip()
