"""The money reports as printable documents (HTML, laid out as PDF by ui/documents.py):
the end-of-day cash-up, accounts receivable by age and a customer's statement. They
share the letterhead and tables of ``services.document_layout`` with every document:
amounts right-aligned under their headers, totals as the tables' last rows."""

from __future__ import annotations

from decimal import Decimal

from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.records import ShopSettingsRecord
from mechanic_desktop.services.document_layout import Layout, Party, e, render, table
from mechanic_desktop.services.documents import _date, _when, letterhead
from mechanic_desktop.services.money_reports import AGE_HEADERS, CashUp, Receivables, Statement

#: Short age headers for paper (the table has seven columns).
_AGE_SHORT = ("0–30", "31–60", "61–90", "90+")

# Each column's share of the page in percent. Qt holds a cell to its share and breaks a
# word that does not fit anywhere ("(929) 352-55" over "19"): the short columns get room
# for their longest value, the text (a name, a reason) the rest.
#: Date, entry, number, ticket, detail, charges, credits, balance.
STATEMENT_WIDTHS = (12, 12, 12, 13, 21, 10, 10, 10)
#: Customer, phone, the four ages, total.
RECEIVABLES_WIDTHS = (26, 18, 11, 11, 11, 11, 12)
#: Time, ticket, customer, method, taken by, amount.
CASH_UP_WIDTHS = (9, 13, 27, 17, 18, 16)


def cash_up_html(up: CashUp, settings: ShopSettingsRecord, counted: Decimal | None,
                 made_by: str = "", logo: bytes = b"") -> str:
    """The day's takings by method, every entry, and the till: the cash expected, the
    cash counted and the difference (short or over)."""
    facts = [("Day", f"{up.day:%Y-%m-%d}")]
    if made_by:
        facts.append(("Prepared by", made_by))
    totals = [("Total taken (net)", money_text(up.total), False),
              ("Cash expected", money_text(up.expected_cash), counted is None)]
    if counted is not None:
        difference = up.difference(counted)
        word = "short" if difference < 0 else "over" if difference > 0 else "exact"
        totals += [("Cash counted", money_text(counted), False),
                   (f"Difference ({word})", money_text(difference), True)]
    by_method = table(
        [("Method", False), ("Entries", True), ("Received", True), ("Refunded", True),
         ("Net", True)],
        ((m.label, str(m.count), money_text(m.received), money_text(m.refunded),
          money_text(m.net)) for m in up.by_method), totals)
    entries = table(
        [("Time", False), ("Ticket", False), ("Customer", False), ("Method", False),
         ("Taken by", False), ("Amount", True)],
        ((_when(r.taken_at)[11:], r.ticket, r.customer, r.method_text, r.taken_by,
          money_text(r.amount)) for r in up.receipts), widths=CASH_UP_WIDTHS)
    clerks: tuple[str, ...] = ()
    if len(up.cash_by_clerk) > 1:  # one person at the till: the total says it all
        clerks = ("<h2>Cash by clerk</h2>", table(
            [("Taken by", False), ("Cash (net)", True)],
            ((name, money_text(amount)) for name, amount in up.cash_by_clerk)))
    return render(Layout(letterhead(settings, logo), "Cash-up", facts,
                         after_html=(by_method, *clerks, "<h2>Entries</h2>", entries),
                         signatures=("Counted by", "Checked by")))


def receivables_html(rec: Receivables, settings: ShopSettingsRecord,
                     logo: bytes = b"") -> str:
    """Who owes what, aged by invoice date, with phones to call."""
    headers = [("Customer", False), ("Phone", False),
               *((h, True) for h in _AGE_SHORT), ("Total", True)]
    rows = [(r.name, phone_text(r.phone).replace(" ", "\u00a0"),  # one line
             *(money_text(b) for b in r.buckets),
             money_text(r.total)) for r in rec.rows]
    if rec.rows:
        rows.append(("Total", "", *(money_text(b) for b in rec.totals), money_text(rec.total)))
    note = (f'<p class="muted">Days since the invoice was posted; '
            f'{e(", ".join(AGE_HEADERS))}.</p>')
    return render(Layout(letterhead(settings, logo), "Accounts receivable",
                         [("At", _date(rec.as_of))],
                         after_html=(note, table(headers, rows, widths=RECEIVABLES_WIDTHS))))


def statement_html(st: Statement, settings: ShopSettingsRecord, logo: bytes = b"") -> str:
    """A customer's statement: every invoice, credit note and payment with the running
    balance, and what is due (or held in credit) at the end."""
    closing = (("Balance due", money_text(st.balance), True) if st.balance >= 0
               else ("In credit", money_text(-st.balance), True))
    entries = table(
        [("Date", False), ("Entry", False), ("Number", False), ("Ticket", False),
         ("Detail", False), ("Charges", True), ("Credits", True), ("Balance", True)],
        ((_date(x.at), x.kind, x.document, x.ticket, x.detail,
          money_text(x.charge) if x.charge else "", money_text(x.credit) if x.credit else "",
          money_text(x.balance)) for x in st.lines), [closing],
        # The detail (what a payment was, why a credit note) gets the room: in equal
        # shares a credit note's reason ran down a column two words wide.
        widths=STATEMENT_WIDTHS)
    customer = Party("Customer", [("", st.name), ("", st.address),
                                  ("Phone", phone_text(st.phone) if st.phone else "")])
    return render(Layout(letterhead(settings, logo), "Statement of account",
                         [("Date", _date(st.made_at))], [customer],
                         after_html=(entries,)))
