"""The shop's printed details in settings: e-mail, tax number, terms, paper size and a
logo checked before it is stored (PNG or JPEG, at most 256 KB) on both backends; the
database refuses what the service would (another paper size, an oversized logo)."""

from __future__ import annotations

import struct
import zlib
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from mechanic_desktop.db.models import AuditEntry, ShopSettings
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import StaleRecord, ValidationError
from mechanic_desktop.domain.fee_rules import parse_rules
from mechanic_desktop.services import shop, workflow


def png(width: int = 4, height: int = 2, filler: bytes = b"") -> bytes:
    """A small valid PNG (grey), optionally padded with an ancillary chunk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    if filler:
        body += chunk(b"tEXt", b"pad\x00" + filler)
    body += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def test_printed_details_and_logo_are_stored(uow: UnitOfWork) -> None:
    settings = shop.get_settings(uow)
    data = shop.data_of(settings, email=" Desk@BoltNut.Example ", tax_number=" EIN 12-3456789 ",
                        invoice_terms="Payment due in 30 days.", paper_size="a4", logo=png())
    saved = workflow.update_settings(uow, data, settings.version)
    assert (saved.email, saved.tax_number, saved.invoice_terms, saved.paper_size) == (
        "desk@boltnut.example", "EIN 12-3456789", "Payment due in 30 days.", "a4")
    assert shop.get_logo(uow) == png()
    # Saving without a new logo keeps it; b"" removes it.
    again = workflow.update_settings(uow, shop.data_of(saved, name="Bolt & Nut"), saved.version)
    assert shop.get_logo(uow) == png() and again.name == "Bolt & Nut"
    gone = workflow.update_settings(uow, shop.data_of(again, logo=b""), again.version)
    assert shop.get_logo(uow) == b"" and gone.version == again.version + 1


@pytest.mark.parametrize(("logo", "message"), [
    (b"GIF89a....", "logo.gif is not a PNG or JPEG picture"),
    (png(filler=b"x" * 300_000), "logo.gif is 29"),
])
def test_a_bad_logo_is_refused_with_its_reason(logo: bytes, message: str) -> None:
    problem = shop.check_logo(logo, "logo.gif")
    assert problem is not None and problem.startswith(message)
    assert shop.check_logo(png(), "logo.png") is None


def test_bad_details_are_refused_and_nothing_is_written(uow: UnitOfWork) -> None:
    settings = shop.get_settings(uow)
    bad = shop.data_of(settings, email="desk@", tax_number="x" * 41, paper_size="legal",
                       logo=b"not a picture", tax_rate="7")
    with pytest.raises(ValidationError) as caught:
        workflow.update_settings(uow, bad, settings.version)
    assert set(caught.value.fields) == {"email", "tax_number", "paper_size", "logo"}
    assert caught.value.fields["paper_size"] == "Paper size must be Letter or A4."
    assert "not a PNG or JPEG picture" in caught.value.fields["logo"]
    after = shop.get_settings(uow)
    assert after == settings and after.tax_rate == Decimal("0.000")
    assert shop.get_logo(uow) == b""


def test_the_database_refuses_another_paper_or_an_oversized_logo(uow: UnitOfWork) -> None:
    shop.get_settings(uow)
    for values in ({"paper_size": "legal"}, {"logo": b"\x89PNG" + b"0" * 262_141}):
        with pytest.raises(IntegrityError), uow.writing():
            uow.session.execute(update(ShopSettings).values(**values))
            uow.flush()


def test_a_form_showing_some_fields_keeps_the_others(uow: UnitOfWork) -> None:
    """``data_of`` (the first-run shop details form) saves the fields it does not show
    as they are: payment methods, labour's own tax rate, writers' largest discount, fee
    rules and markup bands are not reset."""
    settings = shop.get_settings(uow)
    saved = workflow.update_settings(uow, shop.data_of(
        settings, payment_methods="Financing", labor_taxed=True, labor_tax_rate="5",
        max_writer_discount="10", fee_rules="Disposal: 3.50",
        markup_bands="above: 35%"), settings.version)
    again = workflow.update_settings(uow, shop.data_of(saved, name="Bolt & Nut"),
                                     saved.version)
    assert again.name == "Bolt & Nut"
    assert (again.payment_methods, again.labor_tax_rate, again.max_writer_discount,
            again.markup_bands) == ("Financing", Decimal("5"), Decimal("10"),
                                    saved.markup_bands)
    assert [r.name for r in shop.get_fee_rules(uow)] == ["Disposal"]


# --- every settings field refused with the message the dialog shows --------------------

@pytest.mark.parametrize(("problem", "text", "message"), [
    (shop.tax_rate_problem, "8.875", None),
    (shop.tax_rate_problem, " 8.875 % ", None),
    (shop.tax_rate_problem, "0", None),
    (shop.tax_rate_problem, "100", None),
    (shop.tax_rate_problem, "", "Tax rate is required (0 if the shop charges no sales tax)."),
    (shop.tax_rate_problem, " % ", "Tax rate is required (0 if the shop charges no sales tax)."),
    (shop.tax_rate_problem, "eight", "Tax rate must be a number of percent, like 8.875."),
    (shop.tax_rate_problem, "NaN", "Tax rate must be a number of percent, like 8.875."),
    (shop.tax_rate_problem, "Infinity", "Tax rate must be a number of percent, like 8.875."),
    (shop.tax_rate_problem, "-0.001", "Tax rate must be between 0 and 100 percent."),
    (shop.tax_rate_problem, "100.001", "Tax rate must be between 0 and 100 percent."),
    (shop.tax_rate_problem, "8.8751",
     "Tax rate can have at most 3 decimal places, like 8.875."),
    (shop.max_discount_problem, "15", None),
    (shop.max_discount_problem, "",
     "Largest discount is required (0 if service writers may give no discount)."),
    (shop.max_discount_problem, "101", "Largest discount must be between 0 and 100 percent."),
    (shop.labour_tax_rate_problem, "", None),
    (shop.labour_tax_rate_problem, " % ", None),
    (shop.labour_tax_rate_problem, "5.5%", None),
    (shop.labour_tax_rate_problem, "x",
     "Labour tax rate must be a number of percent, like 8.875."),
    (shop.labour_tax_rate_problem, "0.0001",
     "Labour tax rate can have at most 3 decimal places, like 8.875."),
    (shop.fee_rules_problem, "Disposal: 3.50", None),
    (shop.markup_bands_problem, "above: 35%", None),
])
def test_each_rate_is_refused_with_its_reason(
    problem: object, text: str, message: str | None
) -> None:
    assert problem(text) == message  # type: ignore[operator]


def test_fee_rules_and_markup_bands_name_the_line_that_will_not_do() -> None:
    assert shop.fee_rules_problem("Disposal: 3.50\nnonsense") == (
        "Line 2: write a rule as “Name: amount” or “Name: 8% of labour up to 35.00”.")
    assert shop.markup_bands_problem("nonsense") == (
        "Line 1: write a band as “up to 10.00: 100%” or “above: 35%”.")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": " "}, "name", "Shop name is required."),
    ({"address": "x" * 10_001}, "address", "Address is too long (at most 10,000 characters)."),
    ({"ticket_prefix": "x" * 11}, "ticket_prefix",
     "Ticket prefix is too long (at most 10 characters)."),
    ({"invoice_prefix": "x" * 11}, "invoice_prefix",
     "Invoice prefix is too long (at most 10 characters)."),
    ({"credit_note_prefix": "x" * 11}, "credit_note_prefix",
     "Credit note prefix is too long (at most 10 characters)."),
    ({"estimate_valid_days": ""}, "estimate_valid_days",
     "Say for how many days estimates are valid (1 to 365)."),
    ({"estimate_valid_days": "0"}, "estimate_valid_days",
     "Estimates valid for must be between 1 and 365."),
    ({"estimate_valid_days": "366"}, "estimate_valid_days",
     "Estimates valid for must be between 1 and 365."),
    ({"tax_number": "x" * 41}, "tax_number", "Tax number is too long (at most 40 characters)."),
    ({"invoice_terms": "x" * 10_001}, "invoice_terms",
     "Invoice terms are too long (at most 10,000 characters)."),
    ({"tax_rate": "101"}, "tax_rate", "Tax rate must be between 0 and 100 percent."),
    ({"labor_tax_rate": "x"}, "labor_tax_rate",
     "Labour tax rate must be a number of percent, like 8.875."),
    ({"max_writer_discount": ""}, "max_writer_discount",
     "Largest discount is required (0 if service writers may give no discount)."),
    ({"fee_rules": "nonsense"}, "fee_rules",
     "Line 1: write a rule as “Name: amount” or “Name: 8% of labour up to 35.00”."),
    ({"markup_bands": "nonsense"}, "markup_bands",
     "Line 1: write a band as “up to 10.00: 100%” or “above: 35%”."),
    ({"logo": b"GIF89a"}, "logo",
     "The file is not a PNG or JPEG picture: save the logo as PNG or JPEG."),
])
def test_each_settings_field_is_refused_alone_with_its_message(
    uow: UnitOfWork, changes: dict[str, object], field: str, message: str | None
) -> None:
    settings = shop.get_settings(uow)
    with pytest.raises(ValidationError) as caught:
        workflow.update_settings(uow, shop.data_of(settings, **changes), settings.version)
    assert list(caught.value.fields) == [field]
    if message is not None:
        assert caught.value.fields[field] == message
    assert shop.get_settings(uow) == settings


def test_settings_at_their_limits_are_stored_cleaned(uow: UnitOfWork) -> None:
    settings = shop.get_settings(uow)
    saved = workflow.update_settings(uow, shop.data_of(
        settings, name="  Bolt   & Nut ", address="1 Main St\n" + "x" * 9_990,
        phone="(212) 555-0100", tax_rate=" 8.875 %", labor_taxed=1, labor_tax_rate="100",
        max_writer_discount="0.5", ticket_prefix=" JOB-12345 ", invoice_prefix="I" * 10,
        credit_note_prefix="C" * 10, estimate_valid_days="365", labor_rate="95.5",
        authorisation_tolerance="25", tax_number="T" * 40, invoice_terms="y" * 10_000,
        payment_methods="Financing\nFinancing\n", paper_size="a4"), settings.version)
    assert (saved.name, saved.tax_rate, saved.labor_taxed, saved.labor_tax_rate,
            saved.max_writer_discount, saved.ticket_prefix, saved.invoice_prefix,
            saved.credit_note_prefix, saved.estimate_valid_days, saved.labor_rate,
            saved.authorisation_tolerance, saved.tax_number, saved.paper_size) == (
        "Bolt & Nut", Decimal("8.875"), True, Decimal("100.000"), Decimal("0.500"),
        "JOB-12345", "I" * 10, "C" * 10, 365, Decimal("95.50"), Decimal("25.00"),
        "T" * 40, "a4")
    assert len(saved.address) == 10_000 and len(saved.invoice_terms) == 10_000
    assert saved.phone == "(212) 555-0100"
    assert saved.payment_methods == "Financing"
    assert saved.ticket_label(42) == "JOB-1234542"
    assert shop.get_settings(uow) == saved and saved.version == settings.version + 1
    # Blank labour rate: labour is taxed at the parts rate again.
    back = workflow.update_settings(uow, shop.data_of(saved, labor_tax_rate=" "), saved.version)
    assert back.labor_tax_rate is None


def _settings_audit(uow: UnitOfWork) -> list[str]:
    with uow:
        return list(uow.session.scalars(
            select(AuditEntry.summary).where(AuditEntry.entity == "settings")
            .order_by(AuditEntry.id)))


def test_settings_changes_are_audited_with_what_changed(uow: UnitOfWork) -> None:
    settings = shop.get_settings(uow)
    with_logo = workflow.update_settings(uow, shop.data_of(settings, logo=png()),
                                         settings.version)
    ruled = workflow.update_settings(uow, shop.data_of(with_logo, fee_rules="Disposal: 3.50"),
                                     with_logo.version)
    same = workflow.update_settings(uow, shop.data_of(ruled, fee_rules="Disposal: 3.50"),
                                    ruled.version)
    cleared = workflow.update_settings(uow, shop.data_of(same, fee_rules="", logo=b""),
                                       same.version)
    summaries = _settings_audit(uow)
    assert summaries[0] == "logo: new picture"
    assert summaries[1] == "fee rules: Disposal: 3.50"
    assert summaries[2:] == ["fee rules: none", "logo: removed"]
    assert shop.get_fee_rules(uow) == () and cleared.version == same.version + 1
    assert same.version == ruled.version  # nothing changed: nothing written


def test_a_stale_settings_form_is_refused(uow: UnitOfWork) -> None:
    settings = shop.get_settings(uow)
    workflow.update_settings(uow, shop.data_of(settings, name="First"), settings.version)
    with pytest.raises(StaleRecord, match="changed at another desk"):
        workflow.update_settings(uow, shop.data_of(settings, name="Second"), settings.version)
    assert shop.get_settings(uow).name == "First"


def test_a_new_database_reads_the_defaults_and_stores_them_once(uow: UnitOfWork) -> None:
    assert shop.get_logo(uow) == b""
    with uow:
        assert shop.settings_in(uow, create=False) == shop.DEFAULTS
        assert shop.ticket_label(uow, 7) == "RO-7"
    stored = shop.get_settings(uow)
    assert (stored.name, stored.ticket_prefix, stored.tax_rate, stored.labor_taxed,
            stored.invoice_prefix, stored.credit_note_prefix, stored.payment_methods,
            stored.version) == ("My Repair Shop", "RO-", Decimal("0.000"), False, "INV-",
                                "CN-", "", 1)
    assert shop.get_settings(uow) == stored
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(ShopSettings)) == 1
        assert shop.settings_in(uow, create=True) == stored
    assert _settings_audit(uow) == []


@pytest.mark.parametrize(("logo", "problem"), [
    (b"", "logo.png is empty: choose a PNG or JPEG picture of the logo."),
    (b"\xff\xd8\xff\xe0" + b"0" * 100, None),
    (b"\x89PNG\r\n\x1a\n" + b"0" * (256 * 1024 - 8), None),
    (b"\x89PNG\r\n\x1a\n" + b"0" * (256 * 1024 - 7),
     "logo.png is 256 KB; a logo may be at most 256 KB (a picture about 600 pixels wide is "
     "plenty)."),
    (b"\xff\xd8\xff" + b"0" * 2_000_000,
     "logo.png is 1,953 KB; a logo may be at most 256 KB (a picture about 600 pixels wide "
     "is plenty)."),
    (b"\x89PNG\r\n", "logo.png is not a PNG or JPEG picture: save the logo as PNG or JPEG."),
])
def test_a_logo_at_its_limits(logo: bytes, problem: str | None) -> None:
    assert shop.check_logo(logo, "logo.png") == problem


def test_fee_rules_are_stored_whole_and_in_order(uow: UnitOfWork) -> None:
    text = ("Shop supplies: 8% of labour up to 35.00, automatic, not taxed\n"
            "Disposal: 3.50\n"
            "Hazmat: 2% of parts, automatic")
    settings = shop.get_settings(uow)
    workflow.update_settings(uow, shop.data_of(settings, fee_rules=text), settings.version)
    rules = shop.get_fee_rules(uow)
    assert rules == parse_rules(text)
    assert "\n".join(r.text for r in rules) == text
    with uow:
        assert shop.fee_rules_in(uow) == rules
        assert shop.fee_rules_pending(uow) is None  # read once per transaction
    with uow:
        assert shop.fee_rules_pending(uow) is not None


def _store(uow: UnitOfWork, **changes: object) -> tuple[shop.ShopSettingsRecord, bool]:
    """``store_settings`` as the settings dialog's save runs it: the stored settings and
    whether the tax rules changed (then open tickets are re-priced)."""
    with uow.writing():
        current = shop.settings_in(uow, create=True)
        saved = shop.store_settings(uow, shop.data_of(current, **changes), current.version)
        uow.commit()
    return saved


@pytest.mark.parametrize(("changes", "taxes_changed", "new_version"), [
    ({"name": "Bolt & Nut"}, False, True),
    ({"invoice_terms": "Due in 30 days."}, False, True),
    ({"tax_rate": "8.875"}, True, True),
    ({"labor_taxed": True}, False, True),  # labour taxed at 0 %: the same tax
    ({"labor_taxed": True, "tax_rate": "5"}, True, True),
    ({"fee_rules": "Disposal: 3.50"}, True, False),  # the rules are rows of their own
    ({"fee_rules": ""}, False, False),  # none before, none now: nothing written
])
def test_saving_says_whether_the_tax_rules_changed(
    uow: UnitOfWork, changes: dict[str, object], taxes_changed: bool, new_version: bool
) -> None:
    before = shop.get_settings(uow)
    saved, changed = _store(uow, **changes)
    assert changed is taxes_changed
    assert saved.version == before.version + new_version
    trail = [(a, i) for a, i, _s in _settings_trail(uow)]
    assert trail == ([("update", 1)] if changes != {"fee_rules": ""} else [])


def _settings_trail(uow: UnitOfWork) -> list[tuple[str, int | None, str]]:
    with uow:
        return [tuple(r) for r in uow.session.execute(  # type: ignore[misc]
            select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.summary)
            .where(AuditEntry.entity == "settings").order_by(AuditEntry.id))]


def test_storing_settings_on_a_new_database_and_from_a_stale_form(uow: UnitOfWork) -> None:
    with uow.writing():  # nothing stored yet: whatever version the form had
        saved, _ = shop.store_settings(uow, shop.ShopSettingsData("Bolt & Nut"), 7)
        uow.commit()
    assert (saved.name, saved.version) == ("Bolt & Nut", 2)
    assert _settings_trail(uow)[-1][:2] == ("update", 1)
    with pytest.raises(StaleRecord) as stale, uow.writing():
        shop.store_settings(uow, shop.ShopSettingsData("Other"), 1)
    assert str(stale.value) == (
        "The shop settings were changed at another desk after you opened them; they have "
        "been reloaded. Apply your changes again.")
    with uow.writing():
        _, changed = shop.store_settings(uow, shop.ShopSettingsData(
            "Bolt & Nut", fee_rules="Disposal: 3.50\nHazmat: 2% of parts"), 2)
        uow.commit()
    assert changed
    assert _settings_trail(uow)[-1] == (
        "update", 1, "fee rules: Disposal: 3.50; Hazmat: 2% of parts")
    assert [r.name for r in shop.get_fee_rules(uow)] == ["Disposal", "Hazmat"]
