"""Partial credit notes and customer credit at the desk, by keys and clicks: an
administrator credits one line of a posted invoice (an amount beyond what is left is
refused under the field), pays a shop-defined method with an amount rounded to cents,
and a later ticket of the same customer is paid from their credit."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import (
    discounts,
    invoicing,
    money_reports,
    payments,
    tickets,
    workflow,
)
from mechanic_desktop.services import shop as shop_module
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.credit_note import ApplyCreditDialog, CreditNoteDialog
from mechanic_desktop.ui.dialogs.discount import DiscountDialog
from mechanic_desktop.ui.dialogs.fee import AddFeeDialog
from mechanic_desktop.ui.dialogs.ticket_payments import PaymentDialog
from tests.ui.conftest import FakePrompts, Shop
from tests.ui.helpers import WAIT_MS, click_line, job_lines, save_shot
from tests.ui.test_workflow_dialogs import closed, open_ticket, work_of
from tests.unit import factories

LEFT = Qt.MouseButton.LeftButton
ENTER = Qt.Key.Key_Return
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _posted(arrange: UnitOfWork, shop_: Shop, quantity: int = 4) -> None:
    t = shop_.ticket
    detail = workflow.get_ticket_detail(arrange, t.id)
    workflow.add_part_lines(arrange, t.id, [(shop_.oil.id, quantity)], detail.ticket.version)
    version = factories.authorise(arrange, t.id).ticket.version
    version = workflow.set_status(arrange, t.id, "in_progress", version).ticket.version
    detail = workflow.set_status(arrange, t.id, "completed", version)
    detail = payments.take_payment(arrange, t.id, payments.PaymentData(
        detail.billing.balance + 30, "cash"), detail.ticket.version)  # 30.00 too much
    workflow.set_status(arrange, t.id, "closed", detail.ticket.version)


def _folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_credit_one_line_of_the_posted_invoice(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, prompts: FakePrompts,
    tmp_path: Path,
) -> None:
    _posted(arrange, shop)
    dialog = open_ticket(qtbot, ui, shop)
    work = work_of(dialog)
    box = work.payments_box
    assert box.issue_credit_button.isVisible()
    qtbot.mouseClick(box.issue_credit_button, LEFT)
    qtbot.waitUntil(lambda: isinstance(box.dialog, CreditNoteDialog)
                    and box.dialog.isVisible(), timeout=WAIT_MS)
    note = box.dialog
    assert isinstance(note, CreditNoteDialog)
    invoice_total = work.detail.billing.invoice.total
    assert note.standing.text().startswith(f"{invoice_total:,.2f} is left to credit")
    # An amount beyond what is left: refused where the user looks.
    qtbot.keyClick(note.lines, Qt.Key.Key_Tab)
    qtbot.keyClicks(note.amount, f"{invoice_total + 1}")
    qtbot.keyClick(note.amount, Qt.Key.Key_Tab)
    qtbot.keyClicks(note.reason, "Oil returned unused")
    qtbot.keyClick(note.reason, ENTER)
    assert note.isVisible() and "is more than the" in note.error_of("amount")
    # Tick the line instead (Space on it): the amount follows the line with its tax.
    note.lines.setFocus()
    note.lines.setCurrentItem(note.lines.topLevelItem(0))
    qtbot.keyClick(note.lines, Qt.Key.Key_Space)
    assert note.lines.topLevelItemCount() == 1  # the labour line bills nothing
    line_credit = note.lines.topLevelItem(0).text(2)
    assert note.amount.text() == line_credit.replace(",", "") and not note.amount.isEnabled()
    qtbot.wait(30)
    save_shot(note, _folder(tmp_path) / "credit-note-dialog.png", "Issue credit note",
              "Oil returned unused", line_credit)
    qtbot.keyClick(note.reason, ENTER)
    qtbot.waitUntil(lambda: closed(note), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "cancelled by credit note CN-1" in box.invoice.text(),
                    timeout=WAIT_MS)
    assert work.note.text() == "Credit note issued."
    billing = workflow.get_ticket_detail(arrange, shop.ticket.id).billing
    assert [n.label for n in billing.credit_notes] == ["CN-1"]
    assert billing.credit_notes[0].reason == "Oil returned unused"


def test_nothing_left_to_credit_disables_the_button_and_says_why(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, tmp_path: Path,
) -> None:
    """A ticket discounted in full posts a 0.00 invoice, which offered "Credit note…",
    whose dialog then only said 0.00 was left; the button is now disabled and its
    tooltip says why."""
    t = shop.ticket
    detail = workflow.get_ticket_detail(arrange, t.id)
    workflow.add_part_lines(arrange, t.id, [(shop.oil.id, 2)], detail.ticket.version)
    version = factories.authorise(arrange, t.id).ticket.version
    version = discounts.set_ticket_discount(
        arrange, t.id, discounts.DiscountData("100%", "Warranty comeback"), version
    ).ticket.version
    version = workflow.set_status(arrange, t.id, "in_progress", version).ticket.version
    version = workflow.set_status(arrange, t.id, "completed", version).ticket.version
    invoice = workflow.set_status(arrange, t.id, "closed", version).billing.invoice
    assert invoice is not None and invoice.total == 0
    dialog = open_ticket(qtbot, ui, shop)
    box = work_of(dialog).payments_box
    qtbot.waitUntil(box.issue_credit_button.isVisible, timeout=WAIT_MS)
    assert not box.issue_credit_button.isEnabled()
    assert box.issue_credit_button.toolTip() == (
        f"Nothing is left to credit on invoice {invoice.label}: its total is 0.00 "
        "and 0.00 is credited.")
    qtbot.mouseClick(box.issue_credit_button, LEFT)
    assert not isinstance(box.dialog, CreditNoteDialog)
    save_shot(dialog, _folder(tmp_path) / "credit-note-nothing-left.png", "Credit note…")


def test_shop_method_rounded_amount_then_customer_credit_pays_a_later_ticket(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, prompts: FakePrompts,
    tmp_path: Path,
) -> None:
    settings = shop_module.get_settings(arrange)
    workflow.update_settings(arrange, shop_module.ShopSettingsData(
        settings.name, settings.address, settings.phone, settings.tax_rate,
        settings.labor_taxed, settings.ticket_prefix, payment_methods="Financing"),
        settings.version)
    _posted(arrange, shop)  # leaves 30.00 of credit
    made = tickets.create_ticket(arrange, tickets.TicketData(shop.ada.id, shop.car.id,
                                                             "Oil again"))
    detail = workflow.get_ticket_detail(arrange, made.id)
    workflow.add_part_lines(arrange, made.id, [(shop.filter.id, 1)], detail.ticket.version)
    factories.authorise(arrange, made.id)
    dialog = open_ticket(qtbot, ui, replace(shop, ticket=tickets.get_ticket(arrange, made.id)))
    work = work_of(dialog)
    box = work.payments_box
    qtbot.waitUntil(box.apply_credit_button.isVisible, timeout=WAIT_MS)
    assert box.apply_credit_button.text() == "Apply credit (30.00)…"
    # A shop-defined method, with an amount of three decimals: rounded and shown.
    qtbot.mouseClick(box.take_button, LEFT)
    qtbot.waitUntil(lambda: isinstance(box.dialog, PaymentDialog), timeout=WAIT_MS)
    pay = box.dialog
    assert isinstance(pay, PaymentDialog)
    assert [pay.method.itemText(i) for i in range(pay.method.count())][-1] == "Financing"
    pay.activateWindow()
    qtbot.waitUntil(pay.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClicks(pay.amount, "1.005")
    qtbot.keyClick(pay.amount, Qt.Key.Key_Tab)
    assert pay.amount.text() == "1.01" and pay.rounded.text() == "1.005 rounded to cents: 1.01"
    pay.method.setCurrentIndex(pay.method.count() - 1)
    qtbot.keyClick(pay.amount, ENTER)
    qtbot.waitUntil(lambda: closed(pay), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: box.list.topLevelItemCount() == 1, timeout=WAIT_MS)
    assert box.list.topLevelItem(0).text(1) == "Financing"
    assert box.list.topLevelItem(0).text(2) == "1.01"
    # The rest from the customer's credit.
    qtbot.waitUntil(box.apply_credit_button.isVisible, timeout=WAIT_MS)
    qtbot.mouseClick(box.apply_credit_button, LEFT)
    qtbot.waitUntil(lambda: isinstance(box.dialog, ApplyCreditDialog), timeout=WAIT_MS)
    apply = box.dialog
    assert isinstance(apply, ApplyCreditDialog)
    due = work.detail.billing.balance
    assert apply.amount.text() == f"{due:.2f}"
    qtbot.wait(30)
    save_shot(apply, _folder(tmp_path) / "apply-credit.png", "Apply credit", "in credit")
    qtbot.keyClick(apply.amount, ENTER)
    qtbot.waitUntil(lambda: box.state.text() == "Paid", timeout=WAIT_MS)
    assert payments.customer_credit(arrange, shop.ada.id) == 30 - due


def test_deposit_to_zero_balance_then_the_statement_shows_every_step(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, prompts: FakePrompts,
) -> None:
    """As a service writer and the administrator would: a deposit on the estimate, a
    disposal fee and 5 % off typed into the estimate, the work done, the invoice posted
    (on account) with both frozen in it, a partial card payment, the rest in cash →
    Paid; a credit note for one part, its money refunded; the customer's statement
    lists every step and ends at zero."""
    t = shop.ticket
    dialog = open_ticket(qtbot, ui, shop)
    work = work_of(dialog)
    box = work.payments_box

    def pay(amount: str, card: bool = False, refund: bool = False) -> None:
        button = box.refund_button if refund else box.take_button
        qtbot.mouseClick(button, LEFT)
        qtbot.waitUntil(lambda: isinstance(box.dialog, PaymentDialog)
                        and box.dialog.isVisible(), timeout=WAIT_MS)
        dialog_ = box.dialog
        assert isinstance(dialog_, PaymentDialog)
        dialog_.amount.selectAll()
        qtbot.keyClicks(dialog_.amount, amount)
        if card:
            dialog_.method.setCurrentIndex(dialog_.method.findData("card"))
            qtbot.keyClicks(dialog_.reference, "4242")
        if refund:
            qtbot.keyClicks(dialog_.reason, "Part returned")
        before = box.list.topLevelItemCount()
        qtbot.keyClick(dialog_.amount, ENTER)
        qtbot.waitUntil(lambda: box.list.topLevelItemCount() == before + 1, timeout=WAIT_MS)

    pay("20.00")  # the deposit, before any work
    detail = workflow.get_ticket_detail(arrange, t.id)
    detail = workflow.add_part_lines(arrange, t.id, [(shop.oil.id, 4), (shop.filter.id, 1)],
                                     detail.ticket.version)
    dialog.close()  # the parts were put on at the parts counter; the desk opens it again
    dialog = open_ticket(qtbot, ui, shop)
    work = work_of(dialog)
    box = work.payments_box
    qtbot.waitUntil(lambda: len(job_lines(work, "part")) == 2, timeout=WAIT_MS)
    # The writer prices the estimate: a disposal fee on the job, 5 % off the ticket.
    click_line(qtbot, work, "job", "1. ")
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(work.jobs_tree, Qt.Key.Key_F, CTRL_SHIFT)
    qtbot.waitUntil(lambda: isinstance(work.labour_dialog, AddFeeDialog)
                    and work.labour_dialog.isVisible(), timeout=WAIT_MS)
    fee = work.labour_dialog
    assert isinstance(fee, AddFeeDialog)
    fee.description.setFocus()
    qtbot.keyClicks(fee.description, "Oil disposal")
    fee.amount.setFocus()
    qtbot.keyClicks(fee.amount, "3.00")
    with qtbot.waitSignal(fee.saved, timeout=WAIT_MS):
        qtbot.keyClick(fee.amount, ENTER)
    qtbot.waitUntil(lambda: job_lines(work, "fee") == ["Fee: Oil disposal"], timeout=WAIT_MS)
    click_line(qtbot, work, "job", "1. ")
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(work.jobs_tree, Qt.Key.Key_D, CTRL_SHIFT)
    qtbot.waitUntil(lambda: isinstance(work.labour_dialog, DiscountDialog)
                    and work.labour_dialog.isVisible(), timeout=WAIT_MS)
    off = work.labour_dialog
    assert isinstance(off, DiscountDialog) and off.on_ticket.isChecked()
    off.amount.setFocus()
    qtbot.keyClicks(off.amount, "5%")
    qtbot.keyClicks(off.reason, "Loyal customer")
    with qtbot.waitSignal(off.saved, timeout=WAIT_MS):
        qtbot.keyClick(off.reason, ENTER)
    qtbot.waitUntil(lambda: work.total_labels["discount"].text().startswith("−"),
                    timeout=WAIT_MS)
    assert work.total_labels["fees"].text() == "3.00"
    version = factories.authorise(arrange, t.id).ticket.version
    version = workflow.set_status(arrange, t.id, "in_progress", version).ticket.version
    workflow.set_status(arrange, t.id, "completed", version)
    dialog.close()  # the work was done at the bay; the desk opens the ticket again
    dialog = open_ticket(qtbot, ui, shop)
    work = work_of(dialog)
    box = work.payments_box
    assert dialog.status.text() == "Completed"
    qtbot.mouseClick(work.status_buttons["closed"], LEFT)  # Invoice, on account
    qtbot.waitUntil(lambda: dialog.status.text() == "Closed", timeout=WAIT_MS)
    total = work.detail.billing.invoice.total
    posted = json.dumps(invoicing.get_invoice_snapshot(
        arrange, work.detail.billing.invoice.id))
    assert "Oil disposal" in posted and "Loyal customer" in posted  # frozen with it
    pay("30.00", card=True)
    rest = total - 50
    pay(f"{rest:.2f}")
    qtbot.waitUntil(lambda: box.state.text() == "Paid", timeout=WAIT_MS)
    # A credit note for the filter (its line with tax), then its money back.
    qtbot.mouseClick(box.issue_credit_button, LEFT)
    qtbot.waitUntil(lambda: isinstance(box.dialog, CreditNoteDialog)
                    and box.dialog.isVisible(), timeout=WAIT_MS)
    note = box.dialog
    assert isinstance(note, CreditNoteDialog)
    filter_row = next(i for i in range(note.lines.topLevelItemCount())
                      if "Oil filter" in note.lines.topLevelItem(i).text(0))
    note.lines.setFocus()
    note.lines.setCurrentItem(note.lines.topLevelItem(filter_row))
    qtbot.keyClick(note.lines, Qt.Key.Key_Space)
    credited = note.amount.text()
    qtbot.keyClicks(note.reason, "Filter not needed")
    qtbot.keyClick(note.reason, ENTER)
    qtbot.waitUntil(lambda: box.state.text().startswith("Overpaid"), timeout=WAIT_MS)
    assert box.state.text().startswith(f"Overpaid: {credited}")
    pay(credited, refund=True)
    qtbot.waitUntil(lambda: box.state.text() == "Paid", timeout=WAIT_MS)
    statement = money_reports.statement(arrange, shop.ada.id)
    assert [(x.kind, x.document) for x in statement.lines] == [
        ("Payment", ""), ("Invoice", "INV-1"), ("Payment", ""), ("Payment", ""),
        ("Credit note", "CN-1"), ("Refund", "")]
    assert statement.balance == 0
