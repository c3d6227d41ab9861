"""The shop's own details and pricing rules (one row): name, address, phone, e-mail, tax
number, logo, invoice terms and paper size for printouts, the sales-tax rate, whether
labour is taxed, and the number prefixes.

Reading and storing them lives here; saving them is ``workflow.update_settings``, since a
change of tax rules re-prices the tickets still being worked on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from mechanic_desktop.db import change_log
from mechanic_desktop.db.models import FeeRuleRow, ShopSettings
from mechanic_desktop.db.prepared import Bound
from mechanic_desktop.db.repositories import (
    NO_SETTINGS_ROW,
    SETTINGS_ROW,
    WorkflowRepository,
    fee_rules_statement,
)
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.billing import check_shop_methods, shop_methods
from mechanic_desktop.domain.errors import StaleRecord
from mechanic_desktop.domain.fee_rules import FeeBase, FeeRule, parse_rules
from mechanic_desktop.domain.markup import bands_text, parse_bands
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
WRITERS_GIVE_NONE = "service writers may give no discount"
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
    #: Tax on labour in percent; blank (or None): the same as on parts.
    labor_tax_rate: str | Decimal | None = None
    #: The largest discount in percent a service writer may give.
    max_writer_discount: str | Decimal = "0"
    #: The fee rules as text, one a line (``domain.fee_rules``); None: kept as they are.
    fee_rules: str | None = None
    #: Cost bands and markups as text, one a line (``domain.markup``); None: kept.
    markup_bands: str | None = None
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
        "credit_note_prefix", "payment_methods", "labor_tax_rate", "max_writer_discount",
        "email", "tax_number", "invoice_terms", "paper_size")}
    return ShopSettingsData(**{**fields, **changes})


def to_record(s: ShopSettings) -> ShopSettingsRecord:
    return ShopSettingsRecord(
        s.name, s.address, s.phone, s.tax_rate, s.labor_taxed, s.ticket_prefix, s.version,
        s.authorisation_tolerance, s.estimate_valid_days, s.labor_rate,
        s.invoice_prefix, s.credit_note_prefix, s.payment_methods, s.labor_tax_rate,
        s.max_writer_discount, parse_bands(s.markup_bands), s.email, s.tax_number,
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
    if not create and uow.session.info.get(NO_SETTINGS_ROW):
        return DEFAULTS  # read with the ticket or the account check a moment ago: none
    uow.session.info.pop(NO_SETTINGS_ROW, None)
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


def _rule(row: FeeRuleRow) -> FeeRule:
    return FeeRule(row.name, row.amount, row.percent,
                   FeeBase(row.base) if row.base else None, row.cap, row.automatic,
                   row.taxable)


_RULES = "shop.fee_rules"


def fee_rules_in(uow: UnitOfWork) -> tuple[FeeRule, ...]:
    """The shop's fee rules in their order, inside the caller's transaction (read once
    per transaction: every write to a ticket recomputes with them)."""
    cached = uow.session.info.get(_RULES)
    if cached is None:
        hold_fee_rules(uow, list(uow.session.execute(*fee_rules_statement())))
        cached = uow.session.info[_RULES]
    return cached  # type: ignore[no-any-return]


def fee_rules_pending(uow: UnitOfWork) -> Bound | None:
    """The fee rules' statement when this transaction has not read them yet (a write
    sends it with its first reads), else None."""
    return fee_rules_statement() if uow.session.info.get(_RULES) is None else None


def hold_fee_rules(uow: UnitOfWork, rows: Sequence[Any]) -> None:
    """Keep the rows of ``fee_rules_statement`` for this transaction."""
    uow.session.info[_RULES] = tuple(_rule(row[0]) for row in rows)


def get_fee_rules(uow: UnitOfWork) -> tuple[FeeRule, ...]:
    """The shop's fee rules (automatic ones and those offered in Add fee…)."""
    with uow:
        return fee_rules_in(uow)


def _store_rules(uow: UnitOfWork, rules: tuple[FeeRule, ...]) -> bool:
    """Make the stored rules ``rules``; whether they changed."""
    if fee_rules_in(uow) == rules:
        return False
    uow.session.execute(delete(FeeRuleRow).execution_options(
        **{change_log.NAMES_ITS_ROWS: True}))
    uow.flush()
    for position, rule in enumerate(rules, 1):
        uow.session.add(FeeRuleRow(
            position=position, name=rule.name, amount=rule.amount, percent=rule.percent,
            base=rule.base.value if rule.base else None, cap=rule.cap,
            automatic=rule.automatic, taxable=rule.taxable))
    uow.session.info[_RULES] = rules
    uow.record("settings", [1])
    audit.record(uow, "update", "settings", 1,
                 "fee rules: " + ("; ".join(r.text for r in rules) or "none"))
    return True


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


def _parse_tax_rate(
    errors: FieldErrors, value: str | Decimal, field: str = "tax_rate", label: str = "Tax rate",
    zero_means: str = "the shop charges no sales tax",
) -> Decimal:
    """A percentage from 0 to 100 with at most 3 decimals (a rate of tax, a limit)."""
    raw = value if isinstance(value, Decimal) else str(value).strip().rstrip("%").strip()
    if isinstance(raw, str) and not raw:
        errors.add(field, f"{label} is required (0 if {zero_means}).")
        return Decimal(0)
    try:
        rate = Decimal(raw)
    except InvalidOperation:
        errors.add(field, f"{label} must be a number of percent, like 8.875.")
        return Decimal(0)
    if not rate.is_finite():
        errors.add(field, f"{label} must be a number of percent, like 8.875.")
    elif not Decimal(0) <= rate <= MAX_TAX_RATE:
        errors.add(field, f"{label} must be between 0 and 100 percent.")
    elif rate != rate.quantize(Decimal("0.001")):
        errors.add(field, f"{label} can have at most 3 decimal places, like 8.875.")
    else:
        return rate.quantize(Decimal("0.001"))
    return Decimal(0)


def _parse_labour_tax_rate(errors: FieldErrors, value: str | Decimal | None) -> Decimal | None:
    """Labour's own rate of tax; blank: labour is taxed at the parts rate."""
    if value is None or (isinstance(value, str) and not value.strip().rstrip("%").strip()):
        return None
    return _parse_tax_rate(errors, value, "labor_tax_rate", "Labour tax rate")


def tax_rate_problem(text: str) -> str | None:
    """Why ``text`` will not do as the (parts) tax rate; None: it will."""
    errors = FieldErrors()
    _parse_tax_rate(errors, text)
    return errors.fields.get("tax_rate")


def _parse_problem(parse: Callable[[str], object], text: str) -> str | None:
    """Why ``parse`` refuses ``text`` (the line and what is wrong); None: it will do."""
    try:
        parse(text)
    except ValueError as error:
        return str(error)
    return None


def fee_rules_problem(text: str) -> str | None:
    """Why the fee rules typed will not do; None: they will."""
    return _parse_problem(parse_rules, text)


def markup_bands_problem(text: str) -> str | None:
    """Why the markup bands typed will not do; None: they will."""
    return _parse_problem(parse_bands, text)


def max_discount_problem(text: str) -> str | None:
    """Why ``text`` will not do as the largest discount a writer may give."""
    errors = FieldErrors()
    _parse_tax_rate(errors, text, "max_writer_discount", "Largest discount", WRITERS_GIVE_NONE)
    return errors.fields.get("max_writer_discount")


def labour_tax_rate_problem(text: str) -> str | None:
    """Why ``text`` will not do as labour's own tax rate (blank will); None: it will."""
    errors = FieldErrors()
    _parse_labour_tax_rate(errors, text)
    return errors.fields.get("labor_tax_rate")


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
    labour_rate = _parse_labour_tax_rate(errors, data.labor_tax_rate)
    max_discount = _parse_tax_rate(errors, data.max_writer_discount, "max_writer_discount",
                                   "Largest discount", WRITERS_GIVE_NONE)
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
    rules: tuple[FeeRule, ...] | None = None
    if data.fee_rules is not None:
        try:
            rules = parse_rules(data.fee_rules)
        except ValueError as error:
            errors.add("fee_rules", str(error))
    bands: dict[str, str] = {}
    if data.markup_bands is not None:
        try:
            bands["markup_bands"] = bands_text(parse_bands(data.markup_bands))
        except ValueError as error:
            errors.add("markup_bands", str(error))
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
        **bands,
        "fee_rules": rules,
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
        "labor_tax_rate": labour_rate,
        "max_writer_discount": max_discount,
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
    before = to_record(row).tax_rules
    rules = values.pop("fee_rules")
    rules_changed = rules is not None and _store_rules(uow, rules)  # type: ignore[arg-type]
    logo_note = ""
    if "logo" in values and row.logo != values["logo"]:
        logo_note = "logo: " + ("new picture" if values["logo"] else "removed")
    summary = "; ".join(x for x in (audit.apply_changes(row, values, frozenset({"logo"})),
                                    logo_note) if x)
    if summary:
        audit.record(uow, "update", "settings", 1, summary)
    with constraint_errors():
        uow.flush()
    record = to_record(row)
    return record, record.tax_rules != before or rules_changed
