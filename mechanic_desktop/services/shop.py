"""The shop's own details and pricing rules (one row): name, address, phone, e-mail, tax
number, logo, invoice terms and paper size for printouts, the sales-tax rate, whether
labour is taxed, and the number prefixes.

Reading and storing them lives here; saving them is ``workflow.update_settings``, since a
change of tax rules re-prices the tickets still being worked on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from mechanic_desktop.db import change_log
from mechanic_desktop.db.models import ShopSettings
from mechanic_desktop.db.repositories import SETTINGS_ROW, WorkflowRepository
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.billing import check_shop_methods, shop_methods
from mechanic_desktop.domain.errors import StaleRecord
from mechanic_desktop.domain.records import ShopSettingsRecord
from mechanic_desktop.domain.validation import (
    MAX_TEXT,
    check_email,
    check_name,
    check_phone,
    clean_line,
    clean_text,
)
from mechanic_desktop.services import audit
from mechanic_desktop.services.common import FieldErrors, constraint_errors

MAX_PREFIX = 10
MAX_TAX_RATE = Decimal(100)
MAX_TAX_NUMBER = 40
#: A logo is printed about 2 cm high: a few hundred pixels are plenty.
MAX_LOGO_BYTES = 256 * 1024
PAPER_SIZES = {"letter": "Letter (8.5 × 11 in)", "a4": "A4 (210 × 297 mm)"}

#: What a new database starts with (the model's column defaults).
DEFAULTS = ShopSettingsRecord(
    name="My Repair Shop",
    address="",
    phone="",
    tax_rate=Decimal("0.000"),
    labor_taxed=False,
    ticket_prefix="RO-",
    version=0,
)


@dataclass(frozen=True, slots=True)
class ShopSettingsData:
    """What the settings dialog sends, as typed."""

    name: str
    address: str = ""
    phone: str = ""
    tax_rate: str | Decimal = "0"
    labor_taxed: bool = False
    ticket_prefix: str = "RO-"
    authorisation_tolerance: str | Decimal = "0"
    estimate_valid_days: str | int = 30
    labor_rate: str | Decimal = "0"
    invoice_prefix: str = "INV-"
    credit_note_prefix: str = "CN-"
    payment_methods: str = ""
    email: str = ""
    tax_number: str = ""
    invoice_terms: str = ""
    paper_size: str = "letter"
    #: PNG or JPEG bytes; None leaves the stored logo as it is, b"" removes it.
    logo: bytes | None = None


def data_of(record: ShopSettingsRecord, **changes: Any) -> ShopSettingsData:
    """What saving ``record`` as it is would send, with ``changes`` (as typed): a form
    showing some fields keeps the others (the logo is left as stored)."""
    fields = {name: getattr(record, name) for name in (
        "name", "address", "phone", "tax_rate", "labor_taxed", "ticket_prefix",
        "authorisation_tolerance", "estimate_valid_days", "labor_rate", "invoice_prefix",
        "credit_note_prefix", "email", "tax_number", "invoice_terms", "paper_size")}
    return ShopSettingsData(**{**fields, **changes})


def to_record(s: ShopSettings) -> ShopSettingsRecord:
    return ShopSettingsRecord(
        s.name, s.address, s.phone, s.tax_rate, s.labor_taxed, s.ticket_prefix, s.version,
        s.authorisation_tolerance, s.estimate_valid_days, s.labor_rate,
        s.invoice_prefix, s.credit_note_prefix, s.payment_methods, s.email, s.tax_number,
        s.invoice_terms, s.paper_size,
    )


def check_logo(data: bytes, name: str = "The file") -> str | None:
    """Why ``data`` will not do as the shop's logo (None: it will)."""
    if not data:
        return f"{name} is empty: choose a PNG or JPEG picture of the logo."
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        return f"{name} is not a PNG or JPEG picture: save the logo as PNG or JPEG."
    if len(data) > MAX_LOGO_BYTES:
        return (f"{name} is {len(data) / 1024:,.0f} KB; a logo may be at most "
                f"{MAX_LOGO_BYTES // 1024} KB (a picture about 600 pixels wide is plenty).")
    return None


def get_logo(uow: UnitOfWork) -> bytes:
    """The logo printed on documents (b"" when the shop has none)."""
    with uow:
        row = WorkflowRepository(uow.session).settings()
        return bytes(row.logo or b"") if row is not None else b""


def settings_in(uow: UnitOfWork, create: bool) -> ShopSettingsRecord:
    """The settings inside the caller's transaction; the default row is inserted when
    missing if ``create`` (a write transaction), otherwise the defaults are returned."""
    repo = WorkflowRepository(uow.session)
    row = repo.settings()
    if row is not None:
        # Held for the transaction: the session keeps rows only while referenced, and
        # one write reads the settings several times (the account check and the ticket
        # detail fetch it along with their own rows and hold it under the same key).
        uow.session.info[SETTINGS_ROW] = row
        return to_record(row)
    if not create:
        return DEFAULTS
    # INSERT ... ON CONFLICT DO NOTHING: two desks storing the defaults at once must not
    # fail each other's work (the loser waits for the winner's row, then reads it).
    dialect_insert = postgresql_insert if uow.dialect == "postgresql" else sqlite_insert
    inserted = uow.session.execute(
        dialect_insert(ShopSettings)
        .values(
            id=1,
            name=DEFAULTS.name,
            address="",
            phone="",
            tax_rate=DEFAULTS.tax_rate,
            labor_taxed=DEFAULTS.labor_taxed,
            ticket_prefix=DEFAULTS.ticket_prefix,
            authorisation_tolerance=DEFAULTS.authorisation_tolerance,
            estimate_valid_days=DEFAULTS.estimate_valid_days,
            labor_rate=DEFAULTS.labor_rate,
            invoice_prefix=DEFAULTS.invoice_prefix,
            credit_note_prefix=DEFAULTS.credit_note_prefix,
            payment_methods="",
            version=1,
        )
        .on_conflict_do_nothing(index_elements=["id"])
        .execution_options(**{change_log.NAMES_ITS_ROWS: True})
    )
    if getattr(inserted, "rowcount", 0) == 1:  # not when another desk's row won
        uow.record("settings", [1])
    row = repo.settings()
    assert row is not None
    return to_record(row)


def ticket_label(uow: UnitOfWork, number: int) -> str:
    """How the shop prints ticket ``number`` (e.g. "RO-42"), for messages to the user."""
    return settings_in(uow, create=False).ticket_label(number)


def get_settings(uow: UnitOfWork) -> ShopSettingsRecord:
    """The shop settings; the first read on a new database stores the defaults."""
    with uow:
        row = WorkflowRepository(uow.session).settings()
        if row is not None:
            return to_record(row)
    try:
        with uow.writing():
            record = settings_in(uow, create=True)
            uow.commit()
            return record
    except IntegrityError:
        # Another desk stored the defaults first: read theirs.
        with uow:
            return settings_in(uow, create=False)


def _parse_tax_rate(errors: FieldErrors, value: str | Decimal) -> Decimal:
    raw = value if isinstance(value, Decimal) else str(value).strip().rstrip("%").strip()
    if isinstance(raw, str) and not raw:
        errors.add("tax_rate", "Tax rate is required (0 if the shop charges no sales tax).")
        return Decimal(0)
    try:
        rate = Decimal(raw)
    except InvalidOperation:
        errors.add("tax_rate", "Tax rate must be a number of percent, like 8.875.")
        return Decimal(0)
    if not rate.is_finite():
        errors.add("tax_rate", "Tax rate must be a number of percent, like 8.875.")
    elif not Decimal(0) <= rate <= MAX_TAX_RATE:
        errors.add("tax_rate", "Tax rate must be between 0 and 100 percent.")
    elif rate != rate.quantize(Decimal("0.001")):
        errors.add("tax_rate", "Tax rate can have at most 3 decimal places, like 8.875.")
    else:
        return rate.quantize(Decimal("0.001"))
    return Decimal(0)


def _validate(data: ShopSettingsData) -> dict[str, object]:
    errors = FieldErrors()
    name, message = check_name(data.name, "Shop name")
    errors.add("name", message)
    address = clean_text(data.address)
    if len(address) > MAX_TEXT:
        errors.add("address", f"Address is too long (at most {MAX_TEXT:,} characters).")
    phone, message = check_phone(data.phone)
    errors.add("phone", message)
    rate = _parse_tax_rate(errors, data.tax_rate)
    prefix = clean_line(data.ticket_prefix)
    if len(prefix) > MAX_PREFIX:
        errors.add(
            "ticket_prefix", f"Ticket prefix is too long (at most {MAX_PREFIX} characters)."
        )
    tolerance = errors.money(
        "authorisation_tolerance", data.authorisation_tolerance, "Authorisation tolerance"
    )
    valid_days = errors.integer(
        "estimate_valid_days", data.estimate_valid_days, "Estimates valid for", 1, 365
    )
    if valid_days is None:
        errors.add("estimate_valid_days", "Say for how many days estimates are valid (1 to 365).")
    labor_rate = errors.money("labor_rate", data.labor_rate, "Labour rate")
    prefixes = {}
    for field, label in (("invoice_prefix", "Invoice prefix"),
                         ("credit_note_prefix", "Credit note prefix")):
        prefixes[field] = clean_line(getattr(data, field))
        if len(prefixes[field]) > MAX_PREFIX:
            errors.add(field, f"{label} is too long (at most {MAX_PREFIX} characters).")
    methods = "\n".join(shop_methods(data.payment_methods))
    errors.add("payment_methods", check_shop_methods(data.payment_methods))
    email, message = check_email(data.email)
    errors.add("email", message)
    tax_number = clean_line(data.tax_number)
    if len(tax_number) > MAX_TAX_NUMBER:
        errors.add("tax_number", f"Tax number is too long (at most {MAX_TAX_NUMBER} characters).")
    terms = clean_text(data.invoice_terms)
    if len(terms) > MAX_TEXT:
        errors.add("invoice_terms", f"Invoice terms are too long (at most {MAX_TEXT:,} "
                   "characters).")
    if data.paper_size not in PAPER_SIZES:
        errors.add("paper_size", "Paper size must be Letter or A4.")
    logo: dict[str, object] = {}
    if data.logo is not None:
        errors.add("logo", check_logo(data.logo) if data.logo else None)
        logo["logo"] = data.logo or None
    errors.raise_if_any()
    return {
        "email": email or "",
        "tax_number": tax_number,
        "invoice_terms": terms,
        "paper_size": data.paper_size,
        **logo,
        "labor_rate": labor_rate,
        "authorisation_tolerance": tolerance,
        "estimate_valid_days": valid_days,
        "name": name,
        "address": address,
        "phone": phone,
        "tax_rate": rate,
        "labor_taxed": bool(data.labor_taxed),
        "ticket_prefix": prefix,
        "payment_methods": methods,
        **prefixes,
    }


def store_settings(
    uow: UnitOfWork, data: ShopSettingsData, expected_version: int
) -> tuple[ShopSettingsRecord, bool]:
    """Validate and write the settings inside the caller's write transaction (it checks
    the permission and commits: ``workflow.update_settings``, which also re-prices open
    work). Returns the stored settings and whether the tax rules changed."""
    values = _validate(data)
    repo = WorkflowRepository(uow.session)
    row = repo.settings()
    fresh = row is None
    if row is None:
        settings_in(uow, create=True)
        row = repo.settings()
        assert row is not None
    if not fresh and row.version != expected_version:
        raise StaleRecord(
            "The shop settings were changed at another desk after you opened them; "
            "they have been reloaded. Apply your changes again."
        )
    before = (row.tax_rate, row.labor_taxed)
    logo_note = ""
    if "logo" in values and row.logo != values["logo"]:
        logo_note = "logo: " + ("new picture" if values["logo"] else "removed")
    summary = "; ".join(x for x in (audit.apply_changes(row, values, frozenset({"logo"})),
                                    logo_note) if x)
    if summary:
        audit.record(uow, "update", "settings", 1, summary)
    with constraint_errors():
        uow.flush()
    return to_record(row), (row.tax_rate, row.labor_taxed) != before
