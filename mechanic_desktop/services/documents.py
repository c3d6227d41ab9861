"""Printable documents as HTML: the estimate, the work order for the bay and the customer's invoice.

Plain strings with no Qt, so their content is tested without a display; ui/documents.py
lays them out as PDF. Every piece of text that staff or customers typed is escaped.
The work order carries no prices: it travels with the car through the shop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from html import escape
from typing import Any

from mechanic_desktop.domain.billing import ZERO, BillingRecord, CreditNoteRecord
from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.jobs import AuthorisationMethod, JobStatus
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.records import JobRecord, ShopSettingsRecord, TicketDetail
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.domain.totals import hours_text, ticket_totals

_STYLE = """
body { font-family: sans-serif; font-size: 10pt; }
h1 { font-size: 16pt; margin: 0; }
h2 { font-size: 12pt; margin-top: 12pt; margin-bottom: 4pt; }
table.lines { border-collapse: collapse; width: 100%; }
table.lines th { text-align: left; border-bottom: 1px solid #444; padding: 2pt 6pt; }
table.lines td { padding: 2pt 6pt; border-bottom: 1px solid #ccc; }
td.num, th.num { text-align: right; }
table.totals td { padding: 2pt 6pt; }
.muted { color: #555; }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _multiline(text: str) -> str:
    return "<br>".join(_e(line) for line in text.splitlines()) or "&nbsp;"


def percent_text(rate: Decimal) -> str:
    """A tax rate without trailing zeros: 8.875, 8.5, 8."""
    text = f"{rate.normalize():f}"
    return text


def _date(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d") if moment is not None else ""


def _table(headers: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]]) -> str:
    """An HTML table; ``headers`` are (title, is_number); cells are already escaped."""
    head = "".join(
        f'<th class="{"num" if num else ""}">{_e(title)}</th>' for title, num in headers
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if num else ""}">{cell}</td>'
            for cell, (_, num) in zip(row, headers, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    if not body:
        body = f'<tr><td colspan="{len(headers)}" class="muted">None</td></tr>'
    return f'<table class="lines" width="100%"><tr>{head}</tr>{body}</table>'


def _page(title: str, body: str) -> str:
    return (
        f'<html><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _shop_header(settings: ShopSettingsRecord) -> str:
    lines = [f"<h1>{_e(settings.name)}</h1>"]
    if settings.address:
        lines.append(f'<div class="muted">{_multiline(settings.address)}</div>')
    if settings.phone:
        lines.append(f'<div class="muted">Phone: {_e(phone_text(settings.phone))}</div>')
    return "".join(lines)


def _vehicle_block(detail: TicketDetail) -> str:
    t = detail.ticket
    rows = [
        ("Customer", _e(t.customer_name)),
        ("Phone", _e(phone_text(detail.customer_phone))),
        ("Vehicle", _e(t.vehicle_title)),
        ("VIN", _e(detail.vehicle_vin)),
        ("Odometer in", f"{t.odometer_in:,}" if t.odometer_in is not None else "—"),
    ]
    cells = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _approved(detail: TicketDetail) -> list[JobRecord]:
    return [j for j in detail.jobs if j.status == JobStatus.APPROVED.value]


def _not_done(detail: TicketDetail, *, prices: bool = True) -> str:
    """Declined and deferred jobs: on the record, billed nothing."""
    rows = [j for j in detail.jobs
            if j.status in (JobStatus.DECLINED.value, JobStatus.DEFERRED.value)]
    if not rows:
        return ""
    items = "".join(
        f"<li>{_e(j.title)} — {_e(JobStatus(j.status).label.lower())}"
        + (f" (estimated {money_text(j.totals.total)}, not charged)" if prices else "")
        + "</li>" for j in rows
    )
    return f"<h2>Declined and deferred work</h2><ul>{items}</ul>"


def _authorisations(detail: TicketDetail, *, prices: bool = True) -> str:
    """Every authorisation the customer gave, in the order given (without its amount on
    the work order, which carries no prices)."""
    if not detail.authorisations:
        return ""
    items = []
    for a in detail.authorisations:
        method = AuthorisationMethod(a.method)
        how = method.label.lower() + (f" ({_e(a.contact)})" if a.contact else "")
        said = ", ".join(f"{_e(title)} {_e(decision)}" for title, decision in a.decisions)
        recorded = f"; recorded by {_e(a.recorded_by)}" if a.recorded_by else ""
        amount = f" {money_text(a.amount)}" if prices else ""
        items.append(
            f"<li>{a.authorised_at.astimezone().strftime('%Y-%m-%d %H:%M')}: "
            f"{_e(a.authorised_by)}, {how}, authorised{amount} — "
            f"{said}{recorded}</li>"
        )
    return "<h2>Authorisations</h2><ul>" + "".join(items) + "</ul>"


def _job_heading(job: JobRecord, *, amount: bool) -> str:
    total = f' <span class="muted">({money_text(job.totals.total)})</span>' if amount else ""
    return f"<h2>{job.position}. {_e(job.title)}{total}</h2>"


def _three_cs(job: JobRecord, *, blanks: bool) -> str:
    """Concern, cause and correction; ``blanks`` leaves room to write them by hand."""
    rows = []
    for name, text in (("Concern", job.concern), ("Cause", job.cause),
                       ("Correction", job.correction)):
        if text:
            rows.append(f"<p><b>{name}:</b> {_multiline(text)}</p>")
        elif blanks and name != "Concern":
            rows.append(f"<p><b>{name}:</b> ________________________________________</p>")
    return "".join(rows)


def _priced_lines(job: JobRecord) -> str:
    labour = _table(
        [("Labour", False), ("Hours", True), ("Rate", True), ("Amount", True)],
        ((_e(m.operation or m.name), hours_text(m.minutes), money_text(m.hourly_rate),
          money_text(m.line_total)) for m in job.mechanics),
    ) if job.mechanics else ""
    parts = _table(
        [("SKU", False), ("Part", False), ("Qty", True), ("Unit price", True),
         ("Amount", True)],
        ((_e(p.sku), _e(p.name), str(p.quantity), money_text(p.unit_price),
          money_text(p.line_total)) for p in job.parts),
    ) if job.parts else ""
    return labour + parts


def work_order_html(detail: TicketDetail, settings: ShopSettingsRecord) -> str:
    """The job sheet for the bay: the approved jobs, each with its concern, who works on
    it and which parts, and room for cause and correction; no prices."""
    t = detail.ticket
    label = settings.ticket_label(t.number)
    status = TicketStatus(t.status).label
    dates = f"Opened {_date(t.opened_at)}"
    if t.promised_at is not None:
        dates += f" · promised {t.promised_at.astimezone().strftime('%Y-%m-%d %H:%M')}"
    body = [
        _shop_header(settings),
        f"<h2>Work order {_e(label)}</h2>",
        f'<div class="muted">{_e(dates)} · {_e(status)}</div>',
        _vehicle_block(detail),
    ]
    approved = _approved(detail)
    if not approved:
        body.append('<p class="muted">No job is approved yet: record the customer\'s '
                    "authorisation before work starts.</p>")
    for job in approved:
        body += [
            _job_heading(job, amount=False),
            _three_cs(job, blanks=True),
            _table([("Mechanic", False), ("Hours", True)],
                   ((_e(m.name), hours_text(m.minutes)) for m in job.mechanics)),
            _table([("SKU", False), ("Part", False), ("Qty", True)],
                   ((_e(p.sku), _e(p.name), str(p.quantity)
                     + (" (to order)" if p.ordered else "")) for p in job.parts)),
        ]
    body += [
        _not_done(detail, prices=False),
        _authorisations(detail, prices=False),
        "<h2>Notes</h2><p>&nbsp;</p><p>&nbsp;</p>",
        "<p>Mechanic's signature: ______________________</p>",
    ]
    return _page(f"Work order {label}", "".join(body))


def estimate_html(
    detail: TicketDetail, settings: ShopSettingsRecord, today: datetime | None = None
) -> str:
    """The estimate the customer approves from: every job with its lines and total,
    declined and deferred ones apart, the total of the work proposed, how long the
    prices hold, and room for the customer's signature."""
    t = detail.ticket
    label = settings.ticket_label(t.number)
    moment = (today or datetime.now().astimezone())
    valid = (moment + timedelta(days=settings.estimate_valid_days)).strftime("%Y-%m-%d")
    body = [
        _shop_header(settings),
        f"<h2>Estimate {_e(label)}</h2>",
        f'<div class="muted">Date {_e(moment.strftime("%Y-%m-%d"))} · '
        f"valid until {_e(valid)}</div>",
        _vehicle_block(detail),
    ]
    offered = [j for j in detail.jobs
               if j.status in (JobStatus.PROPOSED.value, JobStatus.APPROVED.value)]
    for job in offered:
        state = "" if job.status == JobStatus.PROPOSED.value else " — approved"
        body += [
            _job_heading(job, amount=True).replace("</h2>", f"{_e(state)}</h2>"),
            _three_cs(job, blanks=False),
            _priced_lines(job),
            '<p class="muted">Approve ☐ &nbsp; Decline ☐ &nbsp; Defer ☐</p>',
        ]
    totals = detail.estimate
    if totals is not None:
        body.append(
            '<table class="totals" align="right">'
            + "".join(
                f'<tr><td>{name}</td><td class="num" align="right">{value}</td></tr>'
                for name, value in (
                    ("Parts", money_text(totals.parts)),
                    ("Labour", money_text(totals.labor)),
                    (_tax_label(settings), money_text(totals.tax)),
                    ("<b>Estimate total</b>", f"<b>{money_text(totals.total)}</b>"),
                )
            )
            + "</table>"
        )
    body += [
        _not_done(detail),
        '<p style="clear: both">&nbsp;</p>',
        "<p>I authorise the work marked approved above, up to the amount shown, and "
        "understand that more work needs my further authorisation.</p>",
        "<p>Customer's signature: ______________________ &nbsp; "
        "Date: ____________</p>",
    ]
    return _page(f"Estimate {label}", "".join(body))


def empty_jobs(detail: TicketDetail) -> list[str]:
    """Titles of the proposed jobs with no line yet: an estimate would price them at
    nothing, so it is not printed until they have lines or are removed."""
    return [j.title for j in detail.jobs
            if j.status == JobStatus.PROPOSED.value and not j.mechanics and not j.parts]


def _tax_label(settings: ShopSettingsRecord, detail: TicketDetail | None = None) -> str:
    """Name the rate only when it is the one the ticket was taxed at (a finished ticket
    keeps the tax of its day even if the shop's rate has changed since)."""
    if detail is not None:
        approved = {j.id for j in _approved(detail)}
        today = ticket_totals(
            [(m.minutes, m.hourly_rate) for m in detail.mechanics if m.job_id in approved],
            [(p.quantity, p.unit_price) for p in detail.parts if p.job_id in approved],
            settings.tax_rate,
            settings.labor_taxed,
        )
        if today.tax != detail.totals.tax:
            return "Tax"
    return f"Tax ({percent_text(settings.tax_rate)}%)" if settings.tax_rate else "Tax"


#: The layout of a frozen invoice (``invoice_snapshot``); a later layout keeps reading 1.
SNAPSHOT_VERSION = 1


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def invoice_snapshot(
    detail: TicketDetail,
    settings: ShopSettingsRecord,
    *,
    label: str | None = None,
    customer_address: str = "",
    posted_at: datetime | None = None,
    posted_by: str = "",
) -> dict[str, Any]:
    """Everything an invoice prints, as plain JSON values (amounts as strings, dates as
    printed): what ``invoices.snapshot`` keeps, so a posted invoice prints the same
    whatever later happens to parts, prices, customers or the shop's settings."""
    t = detail.ticket
    ticket_label = settings.ticket_label(t.number)
    date = posted_at or t.closed_at or t.completed_at or datetime.now().astimezone()
    return {
        "version": SNAPSHOT_VERSION,
        "label": label or ticket_label,
        "ticket_label": ticket_label,
        "posted": posted_at is not None,
        "date": _date(date),
        "posted_by": posted_by,
        "shop": {"name": settings.name, "address": settings.address, "phone": settings.phone},
        "customer": {"name": t.customer_name, "address": customer_address,
                     "phone": detail.customer_phone},
        "vehicle": {"title": t.vehicle_title, "vin": detail.vehicle_vin,
                    "odometer_in": t.odometer_in},
        "jobs": [
            {
                "position": j.position, "title": j.title, "concern": j.concern,
                "cause": j.cause, "correction": j.correction, "total": str(j.totals.total),
                "labour": [{"what": m.operation or m.name, "hours": hours_text(m.minutes),
                            "rate": str(m.hourly_rate), "amount": str(m.line_total)}
                           for m in j.mechanics],
                "parts": [{"sku": p.sku, "name": p.name, "quantity": p.quantity,
                           "unit_price": str(p.unit_price), "amount": str(p.line_total)}
                          for p in j.parts],
            }
            for j in _approved(detail)
        ],
        "not_done": [
            {"title": j.title, "status": JobStatus(j.status).label.lower(),
             "estimated": str(j.totals.total)}
            for j in detail.jobs
            if j.status in (JobStatus.DECLINED.value, JobStatus.DEFERRED.value)
        ],
        "authorisations": [
            {"at": _when(a.authorised_at), "by": a.authorised_by,
             "method": AuthorisationMethod(a.method).label.lower(), "contact": a.contact,
             "amount": str(a.amount), "decisions": [list(d) for d in a.decisions],
             "recorded_by": a.recorded_by}
            for a in detail.authorisations
        ],
        "totals": {"parts": str(detail.totals.parts), "labor": str(detail.totals.labor),
                   "tax": str(detail.totals.tax), "total": str(detail.totals.total)},
        "tax_label": _tax_label(settings, detail),
        "labour_untaxed": bool(not settings.labor_taxed and settings.tax_rate),
    }


def _m(text: str) -> str:
    return money_text(Decimal(text))


def _snapshot_jobs(snap: dict[str, Any]) -> list[str]:
    body = []
    for job in snap["jobs"]:
        body.append(f"<h2>{job['position']}. {_e(job['title'])} "
                    f'<span class="muted">({_m(job["total"])})</span></h2>')
        for name, key in (("Concern", "concern"), ("Cause", "cause"),
                          ("Correction", "correction")):
            if job[key]:
                body.append(f"<p><b>{name}:</b> {_multiline(job[key])}</p>")
        if job["labour"]:
            body.append(_table(
                [("Labour", False), ("Hours", True), ("Rate", True), ("Amount", True)],
                ((_e(m["what"]), m["hours"], _m(m["rate"]), _m(m["amount"]))
                 for m in job["labour"])))
        if job["parts"]:
            body.append(_table(
                [("SKU", False), ("Part", False), ("Qty", True), ("Unit price", True),
                 ("Amount", True)],
                ((_e(p["sku"]), _e(p["name"]), str(p["quantity"]), _m(p["unit_price"]),
                  _m(p["amount"])) for p in job["parts"])))
    return body


def _snapshot_header(snap: dict[str, Any], title: str, date_line: str) -> list[str]:
    shop, customer, vehicle = snap["shop"], snap["customer"], snap["vehicle"]
    header = [f"<h1>{_e(shop['name'])}</h1>"]
    if shop["address"]:
        header.append(f'<div class="muted">{_multiline(shop["address"])}</div>')
    if shop["phone"]:
        header.append(f'<div class="muted">Phone: {_e(phone_text(shop["phone"]))}</div>')
    rows = [("Customer", _e(customer["name"]))]
    if customer["address"]:
        rows.append(("Address", _multiline(customer["address"])))
    odometer = vehicle["odometer_in"]
    rows += [
        ("Phone", _e(phone_text(customer["phone"]))),
        ("Vehicle", _e(vehicle["title"])),
        ("VIN", _e(vehicle["vin"])),
        ("Odometer in", f"{odometer:,}" if odometer is not None else "—"),
    ]
    cells = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
    return [*header, f"<h2>{_e(title)}</h2>", f'<div class="muted">{_e(date_line)}</div>',
            f"<table>{cells}</table>"]


def _totals_table(rows: Sequence[tuple[str, str]]) -> str:
    return ('<table class="totals" align="right">' + "".join(
        f'<tr><td>{name}</td><td class="num" align="right">{value}</td></tr>'
        for name, value in rows) + "</table>")


def _payments(billing: BillingRecord) -> str:
    """Payments taken (refunds negative) and what is still due."""
    if not billing.payments:
        return ""
    table = _table(
        [("Date", False), ("Payment", False), ("Amount", True)],
        ((_date(p.taken_at), _e(p.method_text + (f" — refund: {p.reason}" if p.is_refund
                                                  else "")),
          money_text(p.amount)) for p in billing.payments))
    return "<h2>Payments</h2>" + table


def _balance_rows(billing: BillingRecord) -> list[tuple[str, str]]:
    invoice = billing.invoice
    credited = ([("Credited (credit notes)", money_text(-invoice.credited))]
                if invoice is not None and invoice.credited else [])
    return [*credited, ("Paid", money_text(billing.paid)),
            ("<b>Balance due</b>", f"<b>{money_text(max(billing.balance, ZERO))}</b>")]


def snapshot_html(snap: dict[str, Any], billing: BillingRecord | None = None) -> str:
    """An invoice from its snapshot (posted, or a draft of the ticket as it is now), with
    the payments taken so far and the balance due when ``billing`` is given."""
    totals = snap["totals"]
    title = f"Invoice {snap['label']}"
    date_line = f"Date {snap['date']}"
    if snap["label"] != snap["ticket_label"]:
        date_line += f" · ticket {snap['ticket_label']}"
    if not snap["posted"]:
        date_line += " · not posted yet"
    total_rows = [
        ("Parts", _m(totals["parts"])),
        ("Labour", _m(totals["labor"])),
        (_e(snap["tax_label"]), _m(totals["tax"])),
        ("<b>Total</b>", f"<b>{_m(totals['total'])}</b>"),
    ]
    if billing is not None and (billing.payments or billing.credit_notes):
        total_rows += _balance_rows(billing)
    body = _snapshot_header(snap, title, date_line) + _snapshot_jobs(snap)
    body += [_totals_table(total_rows), '<p style="clear: both">&nbsp;</p>']
    if billing is not None:
        body.append(_payments(billing))
    if snap["not_done"]:
        skipped = "".join(f"<li>{_e(j['title'])} — {_e(j['status'])} (estimated "
                          f"{_m(j['estimated'])}, not charged)</li>" for j in snap["not_done"])
        body.append(f"<h2>Declined and deferred work</h2><ul>{skipped}</ul>")
    if snap["authorisations"]:
        items = []
        for a in snap["authorisations"]:
            how = _e(a["method"]) + (f" ({_e(a['contact'])})" if a["contact"] else "")
            said = ", ".join(f"{_e(title)} {_e(decision)}" for title, decision in a["decisions"])
            recorded = f"; recorded by {_e(a['recorded_by'])}" if a["recorded_by"] else ""
            items.append(f"<li>{_e(a['at'])}: {_e(a['by'])}, {how}, authorised "
                         f"{_m(a['amount'])} — {said}{recorded}</li>")
        body.append("<h2>Authorisations</h2><ul>" + "".join(items) + "</ul>")
    if snap["labour_untaxed"]:
        body.append('<p class="muted">Labour is not taxed.</p>')
    return _page(title, "".join(body))


def invoice_html(
    detail: TicketDetail, settings: ShopSettingsRecord, customer_address: str = ""
) -> str:
    """The customer's invoice as the ticket stands (before it is posted): shop header,
    each approved job with its labour and parts lines, tax and the total (the amounts
    stored on the ticket), what was declined, every authorisation given, and any
    deposit taken. A posted invoice prints from its snapshot instead."""
    snap = invoice_snapshot(detail, settings, customer_address=customer_address)
    return snapshot_html(snap, detail.billing)


def credit_note_html(snap: dict[str, Any], note: CreditNoteRecord) -> str:
    """A credit note: the invoice's header (from its snapshot), why, and what it
    credits — the whole invoice with its lines, chosen lines, or an amount."""
    title = f"Credit note {note.label}"
    date_line = (f"Date {_date(note.issued_at)} · credits invoice {note.invoice_label} of "
                 f"{snap['date']} · ticket {snap['ticket_label']}")
    body = _snapshot_header(snap, title, date_line)
    body.append(f"<p><b>Reason:</b> {_multiline(note.reason)}</p>")
    total = Decimal(snap["totals"]["total"])
    whole = note.amount == total and not note.lines
    if whole:
        body += _snapshot_jobs(snap)
    elif note.lines:
        body.append("<h2>Lines credited</h2>" + _table(
            [("Line", False), ("Credited (with tax)", True)],
            ((_e(what), money_text(amount)) for what, amount in note.lines)))
    body += [
        _totals_table([("Invoice total", _m(snap["totals"]["total"])),
                       ("<b>Credited</b>", f"<b>{money_text(note.amount)}</b>")]),
        '<p style="clear: both">&nbsp;</p>',
    ]
    if whole:
        body.append(f'<p class="muted">Invoice {_e(note.invoice_label)} is cancelled in full '
                    "by this credit note.</p>")
    elif note.cancels:
        body.append(f'<p class="muted">With this credit note, invoice '
                    f"{_e(note.invoice_label)} is credited in full.</p>")
    else:
        body.append(f'<p class="muted">Part of invoice {_e(note.invoice_label)} is credited; '
                    "the rest of it stands.</p>")
    return _page(title, "".join(body))
