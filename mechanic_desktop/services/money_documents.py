"""The money reports as printable documents (HTML, laid out as PDF by ui/documents.py):
the end-of-day cash-up, accounts receivable by age and a customer's statement. They
share the shop header, tables and styles of ``services.documents``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.records import ShopSettingsRecord
from mechanic_desktop.services.documents import (
    _date,
    _e,
    _multiline,
    _page,
    _shop_header,
    _table,
    _totals_table,
    _when,
)
from mechanic_desktop.services.money_reports import AGE_HEADERS, CashUp, Receivables, Statement


def _grid(headers: list[tuple[str, bool]], rows: Iterable[Sequence[str]]) -> str:
    """``documents._table`` with room between its columns (Qt's layout ignores a
    cell's CSS padding; it honours ``cellpadding``)."""
    return _table(headers, rows).replace('<table class="lines" width="100%">',
                                         '<table class="lines" width="100%" cellpadding="3">')


def _nb(text: str) -> str:
    """Escaped text that does not wrap at its spaces inside a narrow column."""
    return _e(text).replace(" ", "&nbsp;")


#: Short age headers for paper (the table has eight columns).
_AGE_SHORT = ("0–30", "31–60", "61–90", "90+")


def cash_up_html(up: CashUp, settings: ShopSettingsRecord, counted: Decimal | None,
                 made_by: str = "") -> str:
    """The day's takings by method, every entry, and the till: the cash expected, the
    cash counted and the difference (short or over)."""
    title = f"Cash-up {up.day:%Y-%m-%d}"
    body = [_shop_header(settings), f"<h2>{_e(title)}</h2>"]
    if made_by:
        body.append(f'<div class="muted">Prepared by {_e(made_by)}</div>')
    body.append(_grid(
        [("Method", False), ("Entries", True), ("Received", True), ("Refunded", True),
         ("Net", True)],
        ((_e(m.label), str(m.count), money_text(m.received), money_text(m.refunded),
          money_text(m.net)) for m in up.by_method)))
    rows = [("Total taken (net)", money_text(up.total)),
            ("<b>Cash expected</b>", f"<b>{money_text(up.expected_cash)}</b>")]
    if counted is not None:
        difference = up.difference(counted)
        word = "short" if difference < 0 else "over" if difference > 0 else "exact"
        rows += [("Cash counted", money_text(counted)),
                 (f"<b>Difference ({word})</b>", f"<b>{money_text(difference)}</b>")]
    body += [_totals_table(rows), '<p style="clear: both">&nbsp;</p>', "<h2>Entries</h2>",
             _grid([("Time", False), ("Ticket", False), ("Customer", False),
                     ("Method", False), ("Taken by", False), ("Amount", True)],
                    ((_when(r.taken_at)[11:], _e(r.ticket), _e(r.customer),
                      _e(r.method_text), _e(r.taken_by), money_text(r.amount))
                     for r in up.receipts))]
    body.append('<p>&nbsp;</p><p>Counted by: ______________________ &nbsp; '
                'Checked by: ______________________</p>')
    return _page(title, "".join(body))


def receivables_html(rec: Receivables, settings: ShopSettingsRecord) -> str:
    """Who owes what, aged by invoice date, with phones to call."""
    title = f"Accounts receivable at {_date(rec.as_of)}"
    headers = [("Customer", False), ("Phone", False),
               *((h, True) for h in _AGE_SHORT), ("Total", True)]
    rows = [(_e(r.name), _nb(phone_text(r.phone)), *(money_text(b) for b in r.buckets),
             money_text(r.total)) for r in rec.rows]
    if rec.rows:
        rows.append(("<b>Total</b>", "", *(f"<b>{money_text(b)}</b>" for b in rec.totals),
                     f"<b>{money_text(rec.total)}</b>"))
    body = [_shop_header(settings), f"<h2>{_e(title)}</h2>",
            f'<div class="muted">Days since the invoice was posted; '
            f'{", ".join(AGE_HEADERS)}.</div>', _grid(headers, rows)]
    return _page(title, "".join(body))


def statement_html(st: Statement, settings: ShopSettingsRecord) -> str:
    """A customer's statement: every invoice, credit note and payment with the running
    balance, and what is due (or held in credit) at the end."""
    title = f"Statement for {st.name}"
    body = [_shop_header(settings), "<h2>Statement of account</h2>",
            f'<div class="muted">Date {_date(st.made_at)}</div>',
            f"<p><b>{_e(st.name)}</b><br>{_multiline(st.address) if st.address else ''}"
            f"{'<br>' + _e(phone_text(st.phone)) if st.phone else ''}</p>"]
    body.append(_grid(
        [("Date", False), ("Entry", False), ("Number", False), ("Ticket", False),
         ("Detail", False), ("Charges", True), ("Credits", True), ("Balance", True)],
        ((_nb(_date(x.at)), _nb(x.kind), _nb(x.document), _nb(x.ticket), _e(x.detail),
          money_text(x.charge) if x.charge else "", money_text(x.credit) if x.credit else "",
          money_text(x.balance)) for x in st.lines)))
    if st.balance >= 0:
        closing = ("<b>Balance due</b>", f"<b>{money_text(st.balance)}</b>")
    else:
        closing = ("<b>In credit</b>", f"<b>{money_text(-st.balance)}</b>")
    body += [_totals_table([closing]), '<p style="clear: both">&nbsp;</p>']
    return _page(title, "".join(body))
