"""Printable documents as HTML: the estimate, the work order for the bay, the
customer's invoice, credit notes and payment receipts, all in the one layout of
services/document_layout.py.

Plain strings with no Qt, so their content is tested without a display; ui/documents.py
lays them out as PDF. Every piece of text that staff or customers typed is escaped.
The work order carries no prices: it travels with the car through the shop.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from mechanic_desktop.domain.billing import ZERO, BillingRecord, CreditNoteRecord, PaymentRecord
from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.jobs import AuthorisationMethod, JobStatus
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.records import (
    JobRecord,
    LineRecord,
    ShopSettingsRecord,
    TicketDetail,
    own_discount,
)
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.domain.totals import Totals, hours_text
from mechanic_desktop.services.document_layout import (
    PRICED,
    Columns,
    Layout,
    Letterhead,
    Line,
    Party,
    Section,
    bullet_list,
    e,
    multiline,
    render,
    table,
)


def percent_text(rate: Decimal) -> str:
    """A tax rate without trailing zeros: 8.875, 8.5, 8."""
    text = f"{rate.normalize():f}"
    return text


def _date(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d") if moment is not None else ""


def _m(text: str) -> str:
    return money_text(Decimal(text))


def letterhead(settings: ShopSettingsRecord, logo: bytes = b"") -> Letterhead:
    """The shop as printed, from its settings."""
    return frozen_letterhead(_shop_dict(settings), logo)


def frozen_letterhead(shop: dict[str, Any], logo: bytes = b"") -> Letterhead:
    """The shop as a posted invoice froze it (name, address and numbers as they were;
    older snapshots have no e-mail or tax number); the logo is today's."""
    return Letterhead(shop["name"], shop.get("address", ""),
                      phone_text(shop["phone"]) if shop.get("phone") else "",
                      shop.get("email", ""), shop.get("tax_number", ""), logo)


def _shop_dict(settings: ShopSettingsRecord) -> dict[str, Any]:
    return {"name": settings.name, "address": settings.address, "phone": settings.phone,
            "email": settings.email, "tax_number": settings.tax_number}


def _parties(customer: dict[str, Any], vehicle: dict[str, Any]) -> list[Party]:
    odometer = vehicle.get("odometer_in")
    return [
        Party("Customer", [("", customer["name"]), ("", customer.get("address", "")),
                           ("Phone", phone_text(customer["phone"]) if customer["phone"]
                            else "")]),
        Party("Vehicle", [("", vehicle["title"]), ("VIN", vehicle["vin"] or "—"),
                          ("Odometer in", f"{odometer:,}" if odometer is not None else "—")]),
    ]


def _detail_parties(detail: TicketDetail) -> list[Party]:
    t = detail.ticket
    return _parties(
        {"name": t.customer_name, "address": detail.customer_address,
         "phone": detail.customer_phone},
        {"title": t.vehicle_title, "vin": detail.vehicle_vin, "odometer_in": t.odometer_in})


#: The mark after a line sales tax does not apply to.
UNTAXED = "no tax"


def _discount_json(line: LineRecord) -> dict[str, str] | None:
    """A line's own discount as the snapshot keeps it (None: none)."""
    if line.discount is None:
        return None
    return {"text": line.discount.text, "reason": line.discount.reason,
            "amount": str(own_discount(line))}


def job_dict(job: JobRecord) -> dict[str, Any]:
    """A job and its lines as plain JSON values (amounts as strings): how an invoice
    snapshot keeps it, and what every document lays out."""
    return {
        "position": job.position, "title": job.title, "concern": job.concern,
        "cause": job.cause, "correction": job.correction, "total": str(job.totals.total),
        "labour": [{"what": m.operation or m.name, "who": m.name,
                    "hours": hours_text(m.minutes), "rate": str(m.hourly_rate),
                    "amount": str(m.line_total), "taxable": m.taxable,
                    "discount": _discount_json(m)} for m in job.mechanics],
        "parts": [{"sku": p.sku, "name": p.name, "quantity": p.quantity,
                   "unit_price": str(p.unit_price), "amount": str(p.line_total),
                   "ordered": p.ordered, "taxable": p.taxable,
                   "discount": _discount_json(p)} for p in job.parts],
        "fees": [{"description": f.description, "amount": str(f.amount),
                  "taxable": f.taxable, "discount": _discount_json(f)} for f in job.fees],
    }


def _priced(line: Line, kept: dict[str, Any], priced: bool) -> list[Line]:
    """``line`` as printed: on a priced document marked when untaxed and followed by
    its own discount (what, why, minus how much); on the work order as it is."""
    if not priced:
        return [line]
    flags = (*line.flags, UNTAXED) if not kept.get("taxable", True) else line.flags
    out = [replace(line, flags=flags)]
    discount = kept.get("discount")
    if discount:
        out.append(Line(f"Discount {discount['text']}: {discount['reason']}",
                        amount="−" + _m(discount["amount"])))
    return out


def job_lines(job: dict[str, Any], *, priced: bool = True) -> list[Line]:
    """A job's labour, parts and fees as printed lines (without prices on the work
    order, which names who works on it instead); priced lines are marked when untaxed
    and followed by their discount. Version-1 snapshots have no fees, marks or
    discounts."""
    lines = []
    for m in job["labour"]:
        who = m.get("who", "")
        detail = f"Mechanic: {who}" if who and who != m["what"] else ""
        lines += _priced(Line(
            f"Labour: {m['what']}" if m["what"] else "Labour", f"{m['hours']} h",
            _m(m["rate"]) if priced else "", _m(m["amount"]) if priced else "",
            detail=detail if not priced else ""), m, priced)
    for p in job["parts"]:
        lines += _priced(Line(
            p["name"], str(p["quantity"]), _m(p["unit_price"]) if priced else "",
            _m(p["amount"]) if priced else "",
            flags=("to order",) if p.get("ordered") and not priced else (),
            detail=f"Part no. {p['sku']}" if p["sku"] else ""), p, priced)
    for f in job.get("fees", ()):
        lines += _priced(Line(f"Fee: {f['description']}",
                              amount=_m(f["amount"]) if priced else ""), f, priced)
    return lines


def _three_cs(job: dict[str, Any], *, blanks: bool = False) -> list[tuple[str, str]]:
    """Concern, cause and correction; ``blanks`` leaves room to write them by hand."""
    notes = []
    for name, key in (("Concern", "concern"), ("Cause", "cause"), ("Correction", "correction")):
        if job[key]:
            notes.append((name, job[key]))
        elif blanks and key != "concern":
            notes.append((name, "_" * 60))
    return notes


def job_section(job: dict[str, Any], *, priced: bool = True, blanks: bool = False,
                suffix: str = "", footer_html: str = "") -> Section:
    """A job as the line table prints it: heading (and total when priced), concern,
    cause and correction, its lines."""
    return Section(f"{job['position']}. {job['title']}{suffix}", job_lines(job, priced=priced),
                   _m(job["total"]) if priced else "", _three_cs(job, blanks=blanks),
                   footer_html)


def _not_done_items(jobs: Iterable[dict[str, Any]], *, prices: bool = True) -> list[str]:
    return [f"{j['title']} — {j['status']}"
            + (f" (estimated {_m(j['estimated'])}, not charged)" if prices else "")
            for j in jobs]


def _not_done(detail: TicketDetail) -> list[dict[str, Any]]:
    """Declined and deferred jobs: on the record, billed nothing."""
    return [{"title": j.title, "status": JobStatus(j.status).label.lower(),
             "estimated": str(j.totals.total)}
            for j in detail.jobs
            if j.status in (JobStatus.DECLINED.value, JobStatus.DEFERRED.value)]


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _authorisation_dicts(detail: TicketDetail) -> list[dict[str, Any]]:
    return [
        {"at": _when(a.authorised_at), "by": a.authorised_by,
         "method": AuthorisationMethod(a.method).label.lower(), "contact": a.contact,
         "amount": str(a.amount), "decisions": [list(d) for d in a.decisions],
         "recorded_by": a.recorded_by}
        for a in detail.authorisations
    ]


def _authorisation_items(items: Iterable[dict[str, Any]], *, prices: bool = True) -> list[str]:
    """Every authorisation the customer gave, in the order given (without its amount on
    the work order, which carries no prices)."""
    out = []
    for a in items:
        how = a["method"] + (f" ({a['contact']})" if a["contact"] else "")
        said = ", ".join(f"{title} {decision}" for title, decision in a["decisions"])
        recorded = f"; recorded by {a['recorded_by']}" if a["recorded_by"] else ""
        amount = f" {_m(a['amount'])}" if prices else ""
        out.append(f"{a['at']}: {a['by']}, {how}, authorised{amount} — {said}{recorded}")
    return out


def _approved(detail: TicketDetail) -> list[JobRecord]:
    return [j for j in detail.jobs if j.status == JobStatus.APPROVED.value]


def work_order_html(detail: TicketDetail, settings: ShopSettingsRecord,
                    logo: bytes = b"") -> str:
    """The job sheet for the bay: the approved jobs, each with its concern, who works on
    it and which parts, and room for cause and correction; no prices."""
    t = detail.ticket
    label = settings.ticket_label(t.number)
    facts = [("Ticket", label), ("Opened", _date(t.opened_at))]
    if t.promised_at is not None:
        facts.append(("Promised", _when(t.promised_at)))
    facts.append(("Status", TicketStatus(t.status).label))
    approved = _approved(detail)
    intro = ("" if approved else '<p class="muted">No job is approved yet: record the '
             "customer's authorisation before work starts.</p>")
    after = [
        bullet_list("Declined and deferred work",
                    _not_done_items(_not_done(detail), prices=False)),
        bullet_list("Authorisations",
                    _authorisation_items(_authorisation_dicts(detail), prices=False)),
    ]
    return render(Layout(
        letterhead(settings, logo), "Work order", facts, _detail_parties(detail),
        intro, Columns(quantity="Qty / hours", unit="", amount=""),
        [job_section(job_dict(j), priced=False, blanks=True) for j in approved],
        (), after, signatures=("Mechanic's signature", "Date"), signed_notes="Notes"))


def _money_rows(totals: dict[str, str], tax_label: str, grand: str,
                ticket_discount: dict[str, str] | None = None) -> list[tuple[str, str, bool]]:
    """The totals rows: parts, labour, fees and discounts only when there are some (the
    ticket's own discount named with its reason), tax and the grand total."""
    rows = [("Parts", _m(totals["parts"]), False), ("Labour", _m(totals["labor"]), False)]
    if Decimal(totals.get("fees", "0")):
        rows.append(("Fees", _m(totals["fees"]), False))
    if Decimal(totals.get("discount", "0")):
        label = "Discounts"
        if ticket_discount:
            label += (f" (incl. {ticket_discount['text']} off the work: "
                      f"{ticket_discount['reason']})")
        rows.append((label, "−" + _m(totals["discount"]), False))
    return [*rows, (tax_label, _m(totals["tax"]), False), (grand, _m(totals["total"]), True)]


def _totals_dict(totals: Totals) -> dict[str, str]:
    return {"parts": str(totals.parts), "labor": str(totals.labor), "tax": str(totals.tax),
            "total": str(totals.total), "fees": str(totals.fees),
            "discount": str(totals.discount)}


def _ticket_discount_json(detail: TicketDetail) -> dict[str, str] | None:
    d = detail.discount
    return {"text": d.text, "reason": d.reason} if d is not None else None


def estimate_html(
    detail: TicketDetail, settings: ShopSettingsRecord, today: datetime | None = None,
    logo: bytes = b"",
) -> str:
    """The estimate the customer approves from: every job with its lines and total,
    declined and deferred ones apart, the total of the work proposed, how long the
    prices hold, and room for the customer's signature."""
    t = detail.ticket
    label = settings.ticket_label(t.number)
    moment = (today or datetime.now().astimezone())
    valid = (moment + timedelta(days=settings.estimate_valid_days)).strftime("%Y-%m-%d")
    boxes = '<span class="muted">Approve ☐ &nbsp; Decline ☐ &nbsp; Defer ☐</span>'
    sections = [
        job_section(job_dict(j), suffix="" if j.status == JobStatus.PROPOSED.value
                    else " — approved",
                    footer_html=boxes if j.status == JobStatus.PROPOSED.value else "")
        for j in detail.jobs
        if j.status in (JobStatus.PROPOSED.value, JobStatus.APPROVED.value)
    ]
    totals = detail.estimate
    rows = [] if totals is None else _money_rows(
        _totals_dict(totals), _tax_label(settings), "Estimate total",
        _ticket_discount_json(detail))
    terms = (f"Prices are valid until {valid}. I authorise the work marked approved above, "
             "up to the amount shown, and understand that more work needs my further "
             "authorisation.")
    return render(Layout(
        letterhead(settings, logo), "Estimate",
        [("Estimate no.", label), ("Date", moment.strftime("%Y-%m-%d")), ("Valid until", valid)],
        _detail_parties(detail), "", PRICED, sections, rows,
        [bullet_list("Declined and deferred work", _not_done_items(_not_done(detail)))],
        terms, ("Customer's signature", "Date")))


def empty_jobs(detail: TicketDetail) -> list[str]:
    """Titles of the proposed jobs with no line yet: an estimate would price them at
    nothing, so it is not printed until they have lines or are removed."""
    return [j.title for j in detail.jobs
            if j.status == JobStatus.PROPOSED.value and not j.lines]


def _tax_label(settings: ShopSettingsRecord, detail: TicketDetail | None = None) -> str:
    """Name the rates only when they are the ones the ticket was taxed at (a finished
    ticket keeps the tax of its day even if the shop's rates have changed since)."""
    if detail is not None:
        approved = {j.id for j in _approved(detail)}
        if detail.totals_of(approved, settings.tax_rules).tax != detail.totals.tax:
            return "Tax"
    return tax_rates_text(settings)


def tax_rates_text(settings: ShopSettingsRecord) -> str:
    """"Tax (8.875%)", or "Tax (parts 8.875%, labour 5%)" when labour's rate differs."""
    parts, labour = settings.tax_rate, settings.labour_rate_of_tax
    if not parts and not labour:
        return "Tax"
    if labour and labour != parts:
        return f"Tax (parts {percent_text(parts)}%, labour {percent_text(labour)}%)"
    return f"Tax ({percent_text(parts)}%)"


#: The layout of a frozen invoice (``invoice_snapshot``). 2 added fee lines, each line's
#: ``taxable`` and ``discount``, the ticket's discount, and fee and discount totals; a
#: version 1 snapshot (none of them) still prints as it was.
SNAPSHOT_VERSION = 2


def invoice_snapshot(
    detail: TicketDetail,
    settings: ShopSettingsRecord,
    *,
    label: str | None = None,
    customer_address: str | None = None,
    posted_at: datetime | None = None,
    posted_by: str = "",
) -> dict[str, Any]:
    """Everything an invoice prints, as plain JSON values (amounts as strings, dates as
    printed): what ``invoices.snapshot`` keeps, so a posted invoice prints the same
    whatever later happens to parts, prices, customers or the shop's settings (its
    name, address, numbers and terms; only the logo is printed as it is today)."""
    t = detail.ticket
    ticket_label = settings.ticket_label(t.number)
    date = posted_at or t.closed_at or t.completed_at or datetime.now().astimezone()
    address = detail.customer_address if customer_address is None else customer_address
    return {
        "version": SNAPSHOT_VERSION,
        "label": label or ticket_label,
        "ticket_label": ticket_label,
        "posted": posted_at is not None,
        "date": _date(date),
        "posted_by": posted_by,
        "shop": _shop_dict(settings),
        "terms": settings.invoice_terms,
        "customer": {"name": t.customer_name, "address": address,
                     "phone": detail.customer_phone},
        "vehicle": {"title": t.vehicle_title, "vin": detail.vehicle_vin,
                    "odometer_in": t.odometer_in},
        "jobs": [job_dict(j) for j in _approved(detail)],
        "not_done": _not_done(detail),
        "authorisations": _authorisation_dicts(detail),
        "totals": _totals_dict(detail.totals),
        "ticket_discount": _ticket_discount_json(detail),
        "tax_label": _tax_label(settings, detail),
        "labour_untaxed": bool(not settings.labour_rate_of_tax and settings.tax_rate),
    }


def _payments(billing: BillingRecord, total: Decimal) -> str:
    """Payments taken (refunds negative), what they add up to and what is still due."""
    rows = [(_date(p.taken_at), p.method_text + (f" — refund: {p.reason}" if p.is_refund
                                                 else ""), money_text(p.amount))
            for p in billing.payments]
    if not rows:
        rows = [("", "No payment yet", "")]
    invoice = billing.invoice
    credited = ([("Credited (credit notes)", money_text(-invoice.credited), False)]
                if invoice is not None and invoice.credited else [])
    due = max(billing.balance if billing.invoices else total - billing.paid, ZERO)
    return "<h2>Payments</h2>" + table(
        [("Date", False), ("Payment", False), ("Amount", True)], rows,
        [*credited, ("Total paid", money_text(billing.paid), False),
         ("Balance due", money_text(due), True)])


def _snapshot_layout(snap: dict[str, Any], title: str, facts: list[tuple[str, str]],
                     logo: bytes) -> Layout:
    """What an invoice and its credit note share: letterhead, parties and jobs."""
    return Layout(frozen_letterhead(snap["shop"], logo),
                  title, facts, _parties(snap["customer"], snap["vehicle"]),
                  sections=[job_section(j) for j in snap["jobs"]])


def snapshot_html(snap: dict[str, Any], billing: BillingRecord | None = None,
                  logo: bytes = b"") -> str:
    """An invoice from its snapshot (posted, or a draft of the ticket as it is now), with
    the payments taken so far and the balance due when ``billing`` is given."""
    if snap["posted"]:
        facts = [("Invoice no.", snap["label"]), ("Date", snap["date"]),
                 ("Ticket", snap["ticket_label"])]
    else:  # a draft has no number of its own yet
        facts = [("Ticket", snap["ticket_label"]), ("Date", snap["date"]),
                 ("", "Draft: not posted yet")]
    after = []
    if billing is not None:
        after.append(_payments(billing, Decimal(snap["totals"]["total"])))
    after += [
        bullet_list("Declined and deferred work", _not_done_items(snap["not_done"])),
        bullet_list("Authorisations", _authorisation_items(snap["authorisations"])),
    ]
    if snap["labour_untaxed"]:
        after.append('<p class="muted">Labour is not taxed.</p>')
    base = _snapshot_layout(snap, "Invoice", facts, logo)
    totals = _money_rows(snap["totals"], snap["tax_label"], "Total", snap.get("ticket_discount"))
    return render(replace(base, totals=totals,
                          after_html=after, terms=snap.get("terms", "")))


def invoice_html(
    detail: TicketDetail, settings: ShopSettingsRecord, customer_address: str | None = None,
    logo: bytes = b"",
) -> str:
    """The customer's invoice as the ticket stands (before it is posted): shop header,
    each approved job with its labour and parts lines, tax and the total (the amounts
    stored on the ticket), what was declined, every authorisation given, and any
    deposit taken. A posted invoice prints from its snapshot instead."""
    snap = invoice_snapshot(detail, settings, customer_address=customer_address)
    return snapshot_html(snap, detail.billing, logo)


def credit_note_html(snap: dict[str, Any], note: CreditNoteRecord, logo: bytes = b"") -> str:
    """A credit note: the invoice's header (from its snapshot), why, and what it
    credits — the whole invoice with its lines, chosen lines (with their tax), or an
    amount."""
    facts = [("Credit note no.", note.label), ("Date", _date(note.issued_at)),
             ("Credits invoice", note.invoice_label), ("Invoice date", snap["date"]),
             ("Ticket", snap["ticket_label"])]
    intro = f"<p><b>Reason:</b> {multiline(note.reason)}</p>"
    base = _snapshot_layout(snap, "Credit note", facts, logo)
    total = Decimal(snap["totals"]["total"])
    whole = note.amount == total and not note.lines
    if whole:
        sections = base.sections
        remark = f"Invoice {note.invoice_label} is cancelled in full by this credit note."
    else:
        credited = [Line(what, amount=money_text(amount)) for what, amount in note.lines]
        sections = [Section("Lines credited (with tax)", credited)] if credited else []
        remark = (f"With this credit note, invoice {note.invoice_label} is credited in full."
                  if note.cancels else
                  f"Part of invoice {note.invoice_label} is credited; the rest of it stands.")
    return render(replace(
        base, intro_html=intro, sections=sections,
        totals=[("Invoice total", money_text(total), False),
                ("Credited", money_text(note.amount), True)],
        after_html=[f'<p class="muted">{e(remark)}</p>']))


def receipt_html(snap: dict[str, Any], billing: BillingRecord, payment: PaymentRecord,
                 logo: bytes = b"") -> str:
    """A receipt for one payment (or refund) against a ticket's invoice (``snap``: the
    posted one, or a draft of the ticket for a deposit): the payment, what is billed,
    everything paid up to it and what was still due after it."""
    refund = payment.is_refund
    title = "Refund receipt" if refund else "Payment receipt"
    facts = [("Date", _when(payment.taken_at))]
    if snap["posted"]:
        facts.append(("Invoice no.", snap["label"]))
    facts.append(("Ticket", snap["ticket_label"]))
    base = _snapshot_layout(snap, title, facts, logo)
    what = payment.method_text + (f" — refund: {payment.reason}" if refund else "")
    line = Line(what, "", "", money_text(payment.amount),
                detail=f"Taken by {payment.taken_by}" if payment.taken_by else "")
    total = Decimal(snap["totals"]["total"])
    # Paid as of this payment (a receipt reprinted later still says what it said).
    ids = [p.id for p in billing.payments]
    upto = ids.index(payment.id) + 1 if payment.id in ids else len(ids)
    paid = sum((p.amount for p in billing.payments[:upto]), ZERO)
    return render(replace(
        base, columns=Columns(quantity="", unit="", amount="Amount"),
        sections=[Section("Refunded" if refund else "Received", [line])],
        totals=[("Invoice total" if snap["posted"] else "Ticket total so far",
                 money_text(total), False),
                ("Paid to date", money_text(paid), False),
                ("Balance due", money_text(max(total - paid, ZERO)), True)],
        signatures=("Received by",)))
