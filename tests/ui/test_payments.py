"""Money at the desk, driven by keys and clicks: complete the work, press Invoice (an
administrator is asked and invoices on account), a partial card payment, a cash payment
of the rest → Paid; reopening asks, then issues a credit note. The editor and the
invoice PDF are rendered to PNG (MD_SHOTS_DIR) and read back."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPageSize
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import shop as shop_service
from mechanic_desktop.services import tickets, workflow
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.dialogs.ticket_payments import PaymentDialog
from tests.ui.conftest import FakePrompts, Shop
from tests.ui.helpers import WAIT_MS, save_shot
from tests.ui.test_workflow_dialogs import closed, open_ticket, work_of
from tests.unit import factories

LEFT = Qt.MouseButton.LeftButton
ENTER = Qt.Key.Key_Return


def _payment_dialog(qtbot: QtBot, work: object) -> PaymentDialog:
    box = work.payments_box  # type: ignore[attr-defined]
    qtbot.mouseClick(box.take_button, LEFT)
    qtbot.waitUntil(lambda: box.dialog is not None and box.dialog.isVisible(), timeout=WAIT_MS)
    dialog = box.dialog
    assert isinstance(dialog, PaymentDialog)
    return dialog


def test_invoice_then_card_and_cash_payments_then_reopen_with_a_credit_note(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, prompts: FakePrompts,
    tmp_path: Path,
) -> None:
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    t = shop.ticket
    detail = workflow.get_ticket_detail(arrange, t.id)
    workflow.add_part_lines(arrange, t.id, [(shop.oil.id, 4)], detail.ticket.version)
    version = factories.authorise(arrange, t.id).ticket.version
    workflow.set_status(arrange, t.id, "in_progress", version)
    dialog = open_ticket(qtbot, ui, shop)
    dialog.resize(1000, 860)
    work = work_of(dialog)
    box = work.payments_box
    total = work.detail.totals.total
    assert box.state.text() == f"Unpaid: {total:,.2f} due of {total:,.2f}"
    assert "deposits" in box.invoice.text()

    qtbot.mouseClick(work.status_buttons["completed"], LEFT)
    qtbot.waitUntil(lambda: dialog.status.text() == "Completed", timeout=WAIT_MS)
    qtbot.mouseClick(work.status_buttons["closed"], LEFT)  # "Invoice"
    qtbot.waitUntil(lambda: dialog.status.text() == "Closed", timeout=WAIT_MS)
    title, question, accept = prompts.questions[-1]
    assert title == f"Invoice RO-{t.number} on account"
    assert accept == "Invoice on account" and f"still has {total:,.2f} to pay" in question
    assert box.invoice.text().startswith("Invoice INV-1 posted")
    assert "on account" in box.invoice.text()

    # A partial card payment: the amount comes prefilled with the balance; a card
    # needs its last four digits (Enter on a short one says so and records nothing).
    pay = _payment_dialog(qtbot, work)
    assert pay.amount.text() == f"{total:.2f}" and pay.focusWidget() is pay.amount
    qtbot.keyClicks(pay.amount, "10.00")  # replaces the selected balance
    qtbot.keyClick(pay.amount, Qt.Key.Key_Tab)
    qtbot.keyClick(pay.method, Qt.Key.Key_Down)  # Cash → Card
    assert pay.method.currentText() == "Card"
    qtbot.keyClick(pay.method, Qt.Key.Key_Tab)
    qtbot.keyClicks(pay.reference, "42")
    qtbot.keyClick(pay.reference, ENTER)
    assert pay.isVisible() and "last four digits" in pay.error_of("reference")
    qtbot.wait(30)
    save_shot(pay, folder / "take-payment.png", "Record payment", "Unpaid", "last four digits")
    qtbot.keyClicks(pay.reference, "42")
    qtbot.keyClick(pay.reference, ENTER)
    qtbot.waitUntil(lambda: closed(pay), timeout=WAIT_MS)
    rest = total - 10
    qtbot.waitUntil(lambda: box.state.text().startswith("Partially paid"), timeout=WAIT_MS)
    assert box.state.text() == f"Partially paid: {rest:,.2f} due of {total:,.2f}"
    assert box.list.topLevelItem(0).text(1) == "Card ····4242"

    # The rest in cash: Enter records the prefilled balance.
    pay = _payment_dialog(qtbot, work)
    assert pay.amount.text() == f"{rest:.2f}" and pay.method.currentText() == "Cash"
    qtbot.keyClick(pay.amount, ENTER)
    qtbot.waitUntil(lambda: box.state.text() == "Paid", timeout=WAIT_MS)
    assert box.list.topLevelItemCount() == 2
    assert work.note.text() == "Payment recorded."
    _shot = folder / "ticket-editor-paid.png"
    qtbot.wait(30)
    save_shot(dialog, _shot, "Paid", "Card ····4242", "Invoice INV-1 posted", "Take payment…")

    # A receipt for the card payment chosen in the list, in the shop's layout; the print
    # preview lays it out on the shop's paper.
    box.list.setCurrentItem(box.list.topLevelItem(0))
    shown: list[tuple[str, str]] = []
    box.show_document = lambda html, title: shown.append((html, title))
    qtbot.mouseClick(box.receipt_button, LEFT)
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT_MS)
    html, title = shown[0]
    assert title.startswith(f"Receipt RO-{t.number} ")
    for expected in ("Payment receipt", "Card ····4242", "INV-1", ">10.00<", "Balance due",
                     f">{total - 10:,.2f}<"):
        assert expected in html, expected
    box.show_document = work._preview
    work._preview(html, title)
    preview = work.preview
    qtbot.waitUntil(lambda: preview is not None and preview.isVisible(), timeout=WAIT_MS)
    assert preview is not None and preview._printer.pageLayout().pageSize().id() == (
        QPageSize.PageSizeId.Letter)
    preview.close()

    # The invoice prints from its snapshot, with the payments and nothing due.
    # On the shop's paper: A4 once Shop settings say so.
    now = shop_service.get_settings(arrange)
    workflow.update_settings(arrange, shop_service.data_of(now, paper_size="a4"), now.version)
    work.choose_pdf_path = lambda _parent, name: str(folder / name)  # type: ignore[assignment]
    work.export_invoice_action.trigger()
    qtbot.waitUntil(lambda: work.last_pdf is not None, timeout=WAIT_MS)
    assert work.last_pdf is not None and work.last_pdf.name == "invoice-inv-1.pdf"
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", str(work.last_pdf), "-"],
                          capture_output=True, encoding="utf-8", check=True).stdout
    for expected in ("Invoice", "INV-1", f"RO-{t.number}", "Payments", "Card ····4242",
                     "Cash", "Balance due", "0.00", f"{total:,.2f}", "Ada Lovelace",
                     "12 Analytical Row"):
        assert expected in text, expected
    info = subprocess.run(["pdfinfo", str(work.last_pdf)], capture_output=True,
                          encoding="utf-8", check=True).stdout
    assert "595 x 842 pts (A4)" in info
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(work.last_pdf),
                    str(folder / "invoice-paid")], check=True)

    # Reopening asks first (no: nothing happens), then issues the credit note.
    prompts.answer = False
    qtbot.mouseClick(work.status_buttons["reopen"], LEFT)
    assert prompts.questions[-1][2] == "Issue credit note"
    assert "Invoice INV-1" in prompts.questions[-1][1] and work.reason_dialog is None
    prompts.answer = True
    qtbot.mouseClick(work.status_buttons["reopen"], LEFT)
    reason = work.reason_dialog
    assert reason is not None and reason.isVisible()
    qtbot.keyClicks(reason.reason, "Wrong oil grade")
    qtbot.mouseClick(reason.ok_button, LEFT)
    qtbot.waitUntil(lambda: dialog.status.text() == "In progress", timeout=WAIT_MS)
    assert "cancelled by credit note CN-1" in box.invoice.text()
    assert box.credit_button.isVisible()
    assert tickets.get_ticket(arrange, t.id).status == "in_progress"
    billing = workflow.get_ticket_detail(arrange, t.id).billing
    assert [n.label for n in billing.credit_notes] == ["CN-1"] and billing.paid == total
    assert box.state.text().startswith("Paid")  # still paid for the work as it stands


def test_a_service_writer_cannot_invoice_with_a_balance_due(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, prompts: FakePrompts,
) -> None:
    """The writer's Invoice with money still due is refused, saying what to do; after
    the payment, Invoice posts."""
    ui.worker.actor = factories.signed_in(arrange, Role.WRITER)
    t = shop.ticket
    detail = workflow.get_ticket_detail(arrange, t.id)
    workflow.add_part_lines(arrange, t.id, [(shop.oil.id, 1)], detail.ticket.version)
    version = factories.authorise(arrange, t.id).ticket.version
    version = workflow.set_status(arrange, t.id, "in_progress", version).ticket.version
    workflow.set_status(arrange, t.id, "completed", version)
    dialog = open_ticket(qtbot, ui, shop)
    work = work_of(dialog)
    problems: list[str] = []
    work.problem.connect(problems.append)
    qtbot.mouseClick(work.status_buttons["closed"], LEFT)
    qtbot.waitUntil(lambda: bool(problems), timeout=WAIT_MS)
    assert "still to pay: take the payment before invoicing" in problems[-1]
    assert not prompts.questions  # a writer is not offered "on account"
    assert not work.payments_box.refund_button.isVisible()
    pay = _payment_dialog(qtbot, work)
    qtbot.keyClick(pay.amount, ENTER)
    qtbot.waitUntil(lambda: work.payments_box.state.text() == "Paid", timeout=WAIT_MS)
    qtbot.mouseClick(work.status_buttons["closed"], LEFT)
    qtbot.waitUntil(lambda: dialog.status.text() == "Closed", timeout=WAIT_MS)
    assert workflow.get_ticket_detail(arrange, t.id).billing.invoice is not None


def test_a_payments_method_reads_whole_in_the_ticket(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, tmp_path: Path,
) -> None:
    """Found walking the app: a bank transfer read "Bank tra…" in the ticket's payments,
    the column sized for "Card 4242" while the empty note beside it took the rest, and
    "Pat Owner" read "Pat Ow…". The method and who took it now fit what they hold, and
    each cell's tooltip carries it whole."""
    from sqlalchemy import update

    from mechanic_desktop.db.models import Payment
    from mechanic_desktop.services import payments, staff

    t = shop.ticket
    detail = workflow.get_ticket_detail(arrange, t.id)
    detail = workflow.add_part_lines(arrange, t.id, [(shop.oil.id, 4)], detail.ticket.version)
    payments.take_payment(arrange, t.id, payments.PaymentData(
        "5.00", "bank_transfer", reference="1042"), detail.ticket.version)
    clerk = staff.create_staff(arrange, staff.StaffData("pat", "Patricia Owner", Role.ADMIN),
                               "Correct-Horse-Battery-9", "Correct-Horse-Battery-9")
    with arrange.writing():
        arrange.session.execute(update(Payment).values(taken_by=clerk.id))
        arrange.commit()
    dialog = TicketDialog(ui, shop.ticket)
    qtbot.addWidget(dialog)
    dialog.resize(1400, 860)  # room for both; a narrower window shares it, tooltips tell
    dialog.show()
    qtbot.waitUntil(lambda: dialog.work is not None and dialog.work.detail is not None,
                    timeout=WAIT_MS)
    box = work_of(dialog).payments_box
    qtbot.waitUntil(lambda: box.list.topLevelItemCount() == 1, timeout=WAIT_MS)
    item = box.list.topLevelItem(0)
    method = item.text(1)
    assert method == "Bank transfer #1042"
    metrics = box.list.fontMetrics()
    assert box.list.columnWidth(1) >= metrics.horizontalAdvance(method)
    assert item.text(3) == "Patricia Owner" and item.toolTip(3) == "Patricia Owner"
    assert box.list.columnWidth(3) >= metrics.horizontalAdvance("Patricia Owner")
    assert box.list.columnWidth(4) > 0  # the note keeps a place
    assert item.toolTip(1) == method
    qtbot.wait(30)
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    save_shot(dialog, folder / "ticket-bank-transfer.png", "Bank transfer #1042",
              "Patricia Owner")


def test_a_finished_ticket_with_no_authorisation_on_record_says_so_plainly(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork,
) -> None:
    """Found walking the app on demo data: a closed, paid ticket said "Estimate 680.77:
    not authorised by the customer yet.", a request nobody can act on any more. A
    finished ticket (seeded, imported, or within the shop's tolerance) that has no
    authorisation on record says that, and asks for nothing."""
    from sqlalchemy import delete, select, update

    from mechanic_desktop.db.models import Authorisation, AuthorisationJob, ServiceTicket

    t = shop.ticket
    detail = workflow.get_ticket_detail(arrange, t.id)
    workflow.add_part_lines(arrange, t.id, [(shop.oil.id, 4)], detail.ticket.version)
    with arrange.writing():  # finished with no authorisation recorded (as demo data is)
        theirs = select(Authorisation.id).where(Authorisation.ticket_id == t.id)
        arrange.session.execute(delete(AuthorisationJob).where(
            AuthorisationJob.authorisation_id.in_(theirs)))
        arrange.session.execute(delete(Authorisation).where(Authorisation.ticket_id == t.id))
        arrange.session.execute(update(ServiceTicket).where(ServiceTicket.id == t.id)
                                .values(status="completed"))
        arrange.commit()
    dialog = open_ticket(qtbot, ui, shop)
    work = work_of(dialog)
    assert work.detail.estimate.total > 0 and not work.detail.authorisations
    assert work.authorisation_note.text() == "No authorisation by the customer is on record."
