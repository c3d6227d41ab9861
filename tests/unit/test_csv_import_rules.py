"""CSV import rules read whole (issue 20): which files are refused and with what message,
which rows a preview lists as bad and why, exactly what an import writes (rows, stock
movements, audit entries) and what it leaves alone; on both backends where a database is
involved."""

from __future__ import annotations

import codecs
import csv
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from mechanic_desktop.db.models import AuditEntry, Customer, Part, StockMovement, Vehicle
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import PermissionDenied
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import csv_import as ci
from mechanic_desktop.services import customers, parts
from tests.unit import factories

ELSEWHERE = "WVWZZZ1JZXW000001"  # a VIN without a check digit (built outside North America)


def write(tmp_path: Path, data: str | bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def opened(tmp_path: Path, data: str | bytes, name: str = "in.csv") -> ci.CsvFile:
    return ci.open_csv(write(tmp_path, data, name))


def refusal(tmp_path: Path, data: bytes) -> str:
    with pytest.raises(ci.CsvProblem) as caught:
        ci.open_csv(write(tmp_path, data))
    return str(caught.value)


# --- files that cannot be imported: the whole message the dialog shows -------------------

NOT_TEXT = ("This is not a text file (it looks like a program, picture or other binary "
            "file). Choose a CSV file saved as text.")
EMPTY_HEADER = "The first row is empty; it must name the columns (e.g. name, email)."
NEITHER = ("The file's characters are neither UTF-8 nor Windows-1252 text. Save it again "
           "as “CSV UTF-8” and import that.")


def too_long(row: int) -> str:
    return (f"Row {row} has a cell longer than 131,072 characters, so this is not a list of "
            "customers or parts (perhaps a quote is never closed). Check the file in a "
            "spreadsheet program; nothing was imported.")


@pytest.mark.parametrize(("payload", "message"), [
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200),
     "This is a spreadsheet workbook (.xlsx), not CSV text. Open it in your spreadsheet "
     "program and use File › Save As › CSV UTF-8, then import that."),
    (b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 4, NOT_TEXT),
    (b"", "The file is empty."),
    (b"  \r\n\t\n", "The file is empty."),
    (b"\x81\x8d\x8f\x90\x9d,x\n" * 3, NEITHER),
    (b"\x81name\nA\n", NEITHER),  # the first byte is checked too
    (b"name\nA\x00B\n", NOT_TEXT),  # one NUL in the head is enough
    (b",,,\nA,B\n", EMPTY_HEADER),
    (b"\n\nname\nA\n", EMPTY_HEADER),
    (codecs.BOM_UTF16_LE, EMPTY_HEADER),  # a UTF-16 file with nothing after its mark
    (b'"' + b"a" * 140_000, too_long(1)),  # a quote never closed, in the header
], ids=["xlsx", "binary", "empty", "blank", "neither", "neither-first", "nul", "commas",
        "blank-first", "bom-only", "open-quote"])
def test_a_file_that_cannot_be_imported_says_why_in_full(
        tmp_path: Path, payload: bytes, message: str) -> None:
    assert refusal(tmp_path, payload) == message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ci.CsvProblem) as caught:
        ci.open_csv(tmp_path / "gone.csv")
    assert str(caught.value) == f"There is no file at {tmp_path / 'gone.csv'}."


def padded(head: bytes, size: int) -> bytes:
    return head + b"a" * (size - len(head))


@pytest.mark.parametrize(("payload", "last_row"), [
    (b"name\n" + b"\x01" * 8 + b"\n", (2, ["\x01" * 8])),
    (padded(b"name\n" + b"\x01" * 20, 2000), (2, ["\x01" * 20 + "a" * 1975])),
    (b"name\n" + b" " * 40 + b"x\n", (2, [" " * 40 + "x"])),
    (b"name\tnotes\r\n" + b"a\t\x0c\r\n" * 12, (13, ["a", "\x0c"])),
], ids=["8-controls", "1-in-100", "spaces", "tabs-line-ends-form-feeds"])
def test_a_few_control_bytes_are_still_text(tmp_path: Path, payload: bytes,
                                            last_row: tuple[int, list[str]]) -> None:
    """Up to 8 control bytes, or one in a hundred of a longer head, is still text; tab,
    line ends, form feed and space never count."""
    assert list(ci.records(opened(tmp_path, payload)))[-1] == last_row


@pytest.mark.parametrize("payload", [
    b"name\n" + b"\x01" * 9 + b"\n",
    padded(b"name\n" + b"\x01" * 21, 2000),
], ids=["9-controls", "over-1-in-100"])
def test_more_control_bytes_are_not_text(tmp_path: Path, payload: bytes) -> None:
    assert refusal(tmp_path, payload) == NOT_TEXT


def test_a_windows_byte_past_the_first_64_kib_makes_the_file_windows_1252(
        tmp_path: Path) -> None:
    """Every byte is read before UTF-8 is trusted, not only the sample."""
    late = opened(tmp_path, b"name\n" + b"a" * 70_000 + b"\nJos\xe9\n")
    assert (late.encoding, list(ci.records(late))[1:]) == ("cp1252", [(3, ["José"])])


def test_only_the_head_is_judged_binary(tmp_path: Path) -> None:
    """The binary check reads the first 64 KiB (the file is streamed, never loaded
    whole): a stray NUL deep in a long export is read as a character."""
    deep = opened(tmp_path, b"name\n" + b"a" * 70_000 + b"\nA\x00B\n")
    assert (deep.encoding, list(ci.records(deep))[1:]) == ("utf-8", [(3, ["A\x00B"])])


def test_the_encoding_shown_is_utf_8_sig_only_with_its_mark(tmp_path: Path) -> None:
    plain = opened(tmp_path, "name\nJosé\n".encode())
    marked = opened(tmp_path, codecs.BOM_UTF8 + "name\nJosé\n".encode(), "bom.csv")
    assert [(f.encoding, f.headers, list(ci.records(f))) for f in (plain, marked)] == [
        ("utf-8", ("name",), [(2, ["José"])]), ("utf-8-sig", ("name",), [(2, ["José"])])]


def test_a_character_cut_off_at_the_end_is_not_utf_8(tmp_path: Path) -> None:
    cut = opened(tmp_path, b"name\nJos\xc3")
    assert (cut.encoding, list(ci.records(cut))) == ("cp1252", [(2, ["JosÃ"])])


def test_utf_16_is_known_by_either_byte_order_mark(tmp_path: Path) -> None:
    big_endian = opened(tmp_path, codecs.BOM_UTF16_BE + "name\nAda\n".encode("utf-16-be"))
    assert (big_endian.encoding, list(ci.records(big_endian))) == ("utf-16", [(2, ["Ada"])])


def test_headers_are_trimmed_and_only_four_delimiters_are_guessed(tmp_path: Path) -> None:
    piped = opened(tmp_path, " Name |  E-mail \nA|b\n")
    assert (piped.delimiter, piped.headers) == ("|", ("Name", "E-mail"))
    # A letter that splits every line evenly is text, not a delimiter: one column.
    one = opened(tmp_path, "nameXnotes\nAXb\nCXd\n", "x.csv")
    assert (one.delimiter, one.headers) == (",", ("nameXnotes",))
    assert list(ci.records(one)) == [(2, ["AXb"]), (3, ["CXd"])]


def test_a_file_with_classic_mac_line_ends_is_split_on_its_own_delimiter(
        tmp_path: Path) -> None:
    """Excel's "CSV (Macintosh)" ends lines with CR alone; the delimiter is guessed line
    by line there too, so a comma inside a semicolon-separated cell stays in the cell
    (it was split on commas: the sniffer saw one long line)."""
    source = opened(tmp_path, "name;notes\rAda;Hello, world\rBob;x\r")
    assert (source.delimiter, source.headers, list(ci.records(source))) == (
        ";", ("name", "notes"), [(2, ["Ada", "Hello, world"]), (3, ["Bob", "x"])])


def test_a_header_cell_keeps_its_quoted_line_break(tmp_path: Path) -> None:
    """The header row is read as the data rows are (line ends inside quotes kept)."""
    source = opened(tmp_path, '"Part\r\nNumber",Name\r\n"A\r\n1",B\r\n')
    assert (source.headers, list(ci.records(source))) == (
        ("Part\r\nNumber", "Name"), [(2, ["A\r\n1", "B"])])
    assert ci.guess_mapping("parts", source.headers)["sku"] == 0


def test_the_delimiter_is_guessed_from_the_first_64_kib(tmp_path: Path) -> None:
    """A long export is not read whole to guess its delimiter: a semicolon-quoted cell
    far down does not change it."""
    source = opened(tmp_path, "name,notes\n" + "a,b\n" * 20_000 + 'c;"x";d\n')
    assert (source.delimiter, source.headers) == (",", ("name", "notes"))


def test_a_file_emptied_after_it_was_chosen_has_no_rows(tmp_path: Path) -> None:
    source = opened(tmp_path, "name\nAda\n")
    Path(source.path).write_bytes(b"")
    assert list(ci.records(source)) == []


def test_rows_keep_spreadsheet_numbers_and_blank_rows_are_skipped(tmp_path: Path) -> None:
    source = opened(tmp_path, "name,email\n\nAda,a@x.com\n , \nBob,\n")
    assert list(ci.records(source)) == [(3, ["Ada", "a@x.com"]), (5, ["Bob", ""])]


@pytest.mark.parametrize(("before", "row"), [("", 2), ("A\nB\n", 4)])
def test_a_runaway_cell_names_its_row(tmp_path: Path, before: str, row: int) -> None:
    source = opened(tmp_path, f"name\n{before}\"" + "x" * 140_000)
    with pytest.raises(ci.CsvProblem) as caught:
        list(ci.records(source))
    assert str(caught.value) == too_long(row)


def test_any_other_csv_error_is_a_sentence_about_the_row() -> None:
    assert str(ci._unreadable(csv.Error("line contains NUL"), 7)) == (
        "Row 7 cannot be read as CSV (line contains NUL); nothing was imported.")


# --- mapping ------------------------------------------------------------------------------


def test_each_field_is_mapped_by_name_label_or_alias_whatever_the_punctuation() -> None:
    headers = ("  Full-Name ", "E-Mail", "PHONE  NUMBER", "Street", "Comments",
               "Vehicle_VIN", "Brand", "model", "Model Year", "Reg.")
    assert ci.guess_mapping("customers", headers) == {
        "name": 0, "email": 1, "phone": 2, "address": 3, "notes": 4, "vin": 5, "make": 6,
        "model": 7, "year": 8, "plate": 9}
    assert ci.guess_mapping("parts", ("Part #", "Part", "Sell Price", "Buy Price",
                                      "Reorder Point", "Quantity on hand", "Part #")) == {
        "sku": 0, "name": 1, "unit_price": 2, "unit_cost": 3, "reorder_level": 4,
        "quantity": 5}
    assert ci.guess_mapping("parts", ("Notes", "Name", "Name")) == {
        "sku": None, "name": 1, "unit_price": None, "unit_cost": None,
        "reorder_level": None, "quantity": None}


def test_missing_fields_are_named_by_their_labels() -> None:
    assert ci.missing_fields("customers", {"name": 0, "vin": None}) == (
        (), ("E-mail", "Phone", "Address", "Notes", "VIN", "Make", "Model", "Year", "Plate"))
    assert ci.missing_fields("parts", {"quantity": 3}) == (
        ("SKU", "Name"), ("Price", "Cost", "Reorder level"))


# --- preview: every row judged, nothing written -------------------------------------------


def test_a_preview_without_a_required_column_reads_nothing(uow: UnitOfWork,
                                                           tmp_path: Path) -> None:
    source = opened(tmp_path, "email\nada@example.com\n")
    assert ci.preview(uow, "customers", source, {"email": 0}) == ci.Preview(
        "customers", 0, 0, 0, 0, 0, (), (), ("Name",),
        ("Phone", "Address", "Notes", "VIN", "Make", "Model", "Year", "Plate"))


PARTS_FILE = (
    "sku;name;price;cost;reorder;qty\n"
    "oil-1;Oil 5W-30;6.50;2.10;2;10\n"        # 2: OIL-1 is on file
    "FLT-1;Filter;;;;\n"                       # 3: new; empty cells are zero
    ";Nameless;1;1;1;1\n"                      # 4
    "FLT-1;Filter again;1;1;1;1\n"             # 5: repeats row 3
    "BLT-1;Belt;x;-1;1.5;-2\n"                 # 6
    + "S" * 41 + ";" + "N" * 250 + ";1;1;1;1\n"  # 7
)


def parts_bad() -> tuple[ci.BadRow, ...]:
    return (
        ci.BadRow(4, ("SKU is required.",), ";Nameless;1;1;1;1"),
        ci.BadRow(5, ("SKU FLT-1 is also on row 3 of this file.",), "FLT-1;Filter again;1;1;1;1"),
        ci.BadRow(6, ("Price must be a number, like 12.50.", "Cost cannot be negative.",
                      "Reorder level must be a whole number.",
                      "Quantity on hand must be between 0 and 1,000,000."),
                  "BLT-1;Belt;x;-1;1.5;-2"),
        ci.BadRow(7, ("SKU is too long (at most 40 characters).",
                      "Name is too long (250 characters; at most 200)."),
                  ("S" * 41 + ";" + "N" * 250)[:200]),
    )


def test_a_parts_preview_lists_each_bad_row_and_duplicate_in_full(uow: UnitOfWork,
                                                                  tmp_path: Path) -> None:
    parts.create_part(uow, parts.PartData("OIL-1", "Oil", "5.00", "2.00", 1, 4))
    source = opened(tmp_path, PARTS_FILE)
    seen: list[tuple[int, int]] = []
    preview = ci.preview(uow, "parts", source, ci.guess_mapping("parts", source.headers),
                         progress=lambda done, total: seen.append((done, total)),
                         cancelled=lambda: False)
    assert preview == ci.Preview(
        "parts", 6, 2, 1, 1, 4, parts_bad(),
        (ci.Duplicate(2, "OIL-1", "Oil",
                      "name: 'Oil' → 'Oil 5W-30'; unit_price: '5.00' → '6.50'; "
                      "unit_cost: '2.00' → '2.10'; reorder_level: '1' → '2'; "
                      "quantity_on_hand: '4' → '10'", 0),),
        (), (), 0, 0)
    assert seen == [(6, 0)]


def test_a_parts_import_writes_exactly_the_good_rows(uow: UnitOfWork, tmp_path: Path) -> None:
    """New parts at version 1 (empty cells zero, no movement for no stock), the part on
    file updated with a stock movement for the counted difference, and the import
    audited; all by the account signed in."""
    oil = parts.create_part(uow, parts.PartData("OIL-1", "Oil", "5.00", "2.00", 1, 14))
    uow.actor = factories.signed_in(uow, Role.ADMIN)
    source = opened(tmp_path, PARTS_FILE + "PAD-1;Pad;20;9;3;5\n")
    uow.take_changes()
    seen: list[tuple[int, int]] = []
    result = ci.run_import(uow, "parts", source, ci.guess_mapping("parts", source.headers),
                           "update", progress=lambda done, total: seen.append((done, total)),
                           expected_rows=50)
    assert 0 <= result.seconds < 60
    assert dataclasses.replace(result, seconds=0) == ci.ImportResult(
        "parts", 2, 1, 0, 4, 0, 0)
    assert seen == [(7, 50)]
    changes = uow.take_changes()
    with uow:
        s = uow.session
        rows = [(p.sku, p.name, p.name_key, p.unit_price, p.unit_cost, p.reorder_level,
                 p.quantity_on_hand, p.version)
                for p in s.scalars(select(Part).order_by(Part.sku))]
        moves = [(m.part_id, m.quantity, m.reason, m.note, m.staff_user_id)
                 for m in s.scalars(select(StockMovement).where(
                     StockMovement.part_id != oil.id).order_by(StockMovement.id))]
        adjusted = [(m.quantity, m.reason, m.note, m.staff_user_id)
                    for m in s.scalars(select(StockMovement).where(
                        StockMovement.part_id == oil.id).order_by(StockMovement.id))]
        new_ids = set(s.scalars(select(Part.id).where(Part.sku.in_(("FLT-1", "PAD-1")))))
        pad = s.scalar(select(Part.id).where(Part.sku == "PAD-1"))
        # Every row the import writes or changes carries the same moment.
        stamps = {(p.created_at if p.id != oil.id else None, p.updated_at)
                  for p in s.scalars(select(Part))}
        moment = s.scalar(select(Part.created_at).where(Part.sku == "PAD-1"))
        stamps |= {(m.created_at, None) for m in s.scalars(select(StockMovement).where(
            StockMovement.note.like("%CSV import%")))}
        entries = [(a.action, a.entity, a.entity_id, a.staff_user_id, a.summary)
                   for a in s.scalars(select(AuditEntry).where(
                       AuditEntry.staff_user_id == uow.actor.id).order_by(AuditEntry.id))]
    assert rows == [
        ("FLT-1", "Filter", "filter", Decimal("0.00"), Decimal("0.00"), 0, 0, 1),
        ("OIL-1", "Oil 5W-30", "oil 5w-30", Decimal("6.50"), Decimal("2.10"), 2, 10,
         oil.version + 1),
        ("PAD-1", "Pad", "pad", Decimal("20.00"), Decimal("9.00"), 3, 5, 1)]
    assert moves == [(pad, 5, "initial", "Opening stock (CSV import)", uow.actor.id)]
    assert stamps == {(moment, moment), (None, moment), (moment, None)}
    assert adjusted[1:] == [(-4, "adjust", "Stock count from CSV import", uow.actor.id)]
    assert entries == [
        ("update", "part", oil.id, uow.actor.id,
         "CSV import (in.csv, row 2): name: 'Oil' → 'Oil 5W-30'; unit_price: '5.00' → "
         "'6.50'; unit_cost: '2.00' → '2.10'; reorder_level: '1' → '2'; "
         "quantity_on_hand: '14' → '10'"),
        ("import", "part", None, uow.actor.id,
         "Imported parts from in.csv: 2 new, 1 updated, 0 duplicates skipped, "
         "4 bad rows left out")]
    # The rows written are named, so open lists re-read just those.
    assert (set(changes.entities), set(changes.ids("part")), len(changes.ids("audit")),
            set(changes.all_of)) == ({"part", "audit"}, {oil.id, *new_ids}, 2, set())


def test_an_import_without_a_required_column_names_them_all(uow: UnitOfWork,
                                                             tmp_path: Path) -> None:
    source = opened(tmp_path, "qty\n1\n")
    with pytest.raises(ci.CsvProblem) as caught:
        ci.run_import(uow, "parts", source, {"quantity": 0})
    assert str(caught.value) == "No column is chosen for: SKU, Name."


def test_progress_counts_against_the_rows_done_when_none_were_expected(
        uow: UnitOfWork, tmp_path: Path) -> None:
    source = opened(tmp_path, "name\nA\nB\n")
    seen: list[tuple[int, int]] = []
    ci.run_import(uow, "customers", source, {"name": 0},
                  progress=lambda done, total: seen.append((done, total)))
    assert seen == [(2, 2)]


@pytest.mark.parametrize("cancel_at", [1, 2])
def test_a_cancel_before_the_commit_saves_nothing(uow: UnitOfWork, tmp_path: Path,
                                                  cancel_at: int) -> None:
    """Asked before each chunk and once more before the commit."""
    source = opened(tmp_path, "name,vin\nAda,1M8GDM9AXKP042788\n")
    calls: list[int] = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) == cancel_at

    with pytest.raises(ci.ImportCancelled):
        ci.run_import(uow, "customers", source, {"name": 0, "vin": 1}, cancelled=cancelled)
    assert len(calls) == cancel_at
    with uow:
        assert uow.session.scalars(select(Customer)).all() == []
        assert uow.session.scalars(select(AuditEntry)).all() == []


def test_a_cancelled_preview_stops(uow: UnitOfWork, tmp_path: Path) -> None:
    source = opened(tmp_path, "name\nA\n")
    with pytest.raises(ci.ImportCancelled):
        ci.preview(uow, "customers", source, {"name": 0}, cancelled=lambda: True)


# --- customers: e-mails, VINs and the vehicles they bring ---------------------------------

CUSTOMERS_FILE = (
    "name,email,phone,vin,make,plate\n"
    "Ada King,ADA@example.com,,1M8GDM9AXKP042788,,xyz 9\n"   # 2: Ada and her car, on file
    "Cy,cy@example.com,,1G4AH59H45G118341\n"                 # 3: Bob's car; a short row
    "Di,di@example.com,555-987-6543,1FTMW1T88MFA00001,,\n"   # 4: new, with a car
    "Ed,DI@example.com,,1FTMW1T88MFA00001,,\n"               # 5: repeats row 4
    "Flo,,,," + "M" * 61 + ",\n"                             # 6: a make but no VIN
    f"Gus,gus@example.com,,{ELSEWHERE},Opel,\n"              # 7: on file, a new car
    "Hal,hal@example.com,,1G4AH59H45G118341,,\n"             # 8: on file; Bob's car again
    "Ivy,ivy@example.com,12\n"                               # 9
)
CUSTOMERS_BAD = (
    ci.BadRow(3, ("VIN 1G4AH59H45G118341 is already on file for another customer.",),
              "Cy,cy@example.com,,1G4AH59H45G118341"),
    ci.BadRow(5, ("E-mail di@example.com is also on row 4 of this file.",
                  "VIN 1FTMW1T88MFA00001 is also on row 4 of this file."),
              "Ed,DI@example.com,,1FTMW1T88MFA00001,,"),
    ci.BadRow(6, ("VIN is required.", "Make is too long (at most 60 characters)."),
              "Flo,,,," + "M" * 61 + ","),
    ci.BadRow(8, ("VIN 1G4AH59H45G118341 is also on row 3 of this file.",
                  "VIN 1G4AH59H45G118341 is already on file for another customer."),
              "Hal,hal@example.com,,1G4AH59H45G118341,,"),
    ci.BadRow(9, ("Phone has the wrong number of digits.",), "Ivy,ivy@example.com,12"),
)


def customers_on_file(uow: UnitOfWork) -> dict[str, int]:
    ada = factories.customer(uow, "Ada Lovelace", "ada@example.com")
    factories.vehicle(uow, ada.id, factories.VINS[0])
    bob = factories.customer(uow, "Bob Smith")
    factories.vehicle(uow, bob.id, factories.VINS[1])
    gus = customers.create_customer(uow, customers.CustomerData("Gus", "gus@example.com"))
    hal = customers.create_customer(uow, customers.CustomerData("Hal", "hal@example.com"))
    return {"Ada": ada.id, "Bob": bob.id, "Gus": gus.id, "Hal": hal.id}


def test_a_customers_preview_judges_emails_and_vins_in_full(uow: UnitOfWork,
                                                            tmp_path: Path) -> None:
    customers_on_file(uow)
    source = opened(tmp_path, CUSTOMERS_FILE)
    preview = ci.preview(uow, "customers", source,
                         ci.guess_mapping("customers", source.headers))
    assert preview == ci.Preview(
        "customers", 8, 3, 1, 2, 5, CUSTOMERS_BAD,
        (ci.Duplicate(2, "ada@example.com", "Ada Lovelace",
                      "name: 'Ada Lovelace' → 'Ada King'; phone: '555-123-4567' → will "
                      "clear; make: 'Ford' → will clear; plate: 'ABC 123' → 'XYZ 9'", 2),
         ci.Duplicate(7, "gus@example.com", "Gus", "no change", 0)),
        (), ("Address", "Notes", "Model", "Year"), 2, 1)


def test_a_customers_import_gives_each_car_its_owner(uow: UnitOfWork, tmp_path: Path) -> None:
    """New customers with their cars, a car not on file added to the customer on file,
    the car on file updated (its empty cells left alone), each change audited under the
    account signed in, the right records named as changed."""
    ids = customers_on_file(uow)
    uow.actor = factories.signed_in(uow, Role.WRITER)
    source = opened(tmp_path, CUSTOMERS_FILE)
    uow.take_changes()
    started = datetime.now(UTC)
    result = ci.run_import(uow, "customers", source,
                           ci.guess_mapping("customers", source.headers), "update")
    assert dataclasses.replace(result, seconds=0) == ci.ImportResult(
        "customers", 1, 2, 0, 5, 2, 0)
    changes = uow.take_changes()
    with uow:
        s = uow.session
        people = {c.name: c for c in s.scalars(select(Customer))}
        cars = sorted((v.vin, v.customer.name, v.make, v.model, v.year, v.plate, v.version)
                      for v in s.scalars(select(Vehicle)))
        ada_car = s.scalar(select(Vehicle.id).where(Vehicle.vin == factories.VINS[0]))
        new_cars = set(s.scalars(select(Vehicle.id).where(Vehicle.vin.in_(
            (factories.VINS[2], ELSEWHERE)))))
        entries = [(a.action, a.entity, a.entity_id, a.summary)
                   for a in s.scalars(select(AuditEntry).where(
                       AuditEntry.staff_user_id == uow.actor.id).order_by(AuditEntry.id))]
        ada = people["Ada King"]
        assert (ada.id, ada.phone, ada.name_key, ada.surname_key, ada.version) == (
            ids["Ada"], "555-123-4567", "ada king", "king", 2)
        di = people["Di"]
        assert (di.email, di.phone, di.phone_digits) == (
            "di@example.com", "555-987-6543", "5559876543")
        # Every row the import writes or changes carries the same moment.
        moment = di.created_at
        stamps = {v.vin: (v.created_at, v.updated_at) for v in s.scalars(select(Vehicle))}
        assert moment >= started
        assert (di.updated_at, ada.updated_at, stamps[factories.VINS[2]], stamps[ELSEWHERE],
                stamps[factories.VINS[0]][1]) == (moment, moment, (moment, moment),
                                                  (moment, moment), moment)
        di_id = di.id
    assert sorted(people) == ["Ada King", "Bob Smith", "Di", "Gus", "Hal"]
    assert cars == [
        ("1FTMW1T88MFA00001", "Di", "", "", 2021, "", 1),
        ("1G4AH59H45G118341", "Bob Smith", "Ford", "F-150", 2005, "ABC 123", 1),
        ("1M8GDM9AXKP042788", "Ada King", "Ford", "F-150", 1989, "XYZ 9", 2),
        (ELSEWHERE, "Gus", "Opel", "", None, "", 1)]
    assert entries == [
        ("update", "customer", ids["Ada"],
         "CSV import (in.csv, row 2): name: 'Ada Lovelace' → 'Ada King'"),
        ("update", "vehicle", ada_car, "CSV import (in.csv, row 2): plate: 'ABC 123' → 'XYZ 9'"),
        ("import", "customer", None,
         "Imported customers from in.csv: 1 new, 2 updated, 0 duplicates skipped, "
         "5 bad rows left out")]
    assert (set(changes.ids("customer")), set(changes.ids("vehicle")),
            len(changes.ids("audit")), set(changes.all_of)) == (
        {ids["Ada"], di_id}, {ada_car, *new_cars}, 3, set())


def test_an_update_audit_entry_is_cut_at_the_summary_limit(uow: UnitOfWork,
                                                           tmp_path: Path) -> None:
    """Characters the trail shows escaped (\\U000e0041: ten each) can make an entry
    longer than the 2,000 characters kept."""
    tag = "\U000e0041"
    ada = customers.create_customer(uow, customers.CustomerData(
        "Ada", "ada@example.com", address=tag * 60, notes=tag * 60))
    source = opened(tmp_path, f"name,email,address,notes\nAda,ada@example.com,"
                              f"{'a' + tag * 59},{'n' + tag * 59}\n")
    ci.run_import(uow, "customers", source, ci.guess_mapping("customers", source.headers),
                  "update")
    with uow:
        summary = uow.session.scalar(select(AuditEntry.summary).where(
            AuditEntry.entity == "customer", AuditEntry.entity_id == ada.id,
            AuditEntry.action == "update"))
    before = repr(tag * 60)  # 60 characters: shown whole
    full = (f"CSV import (in.csv, row 2): address: {before} → {'a' + tag * 59!r}; "
            f"notes: {before} → {'n' + tag * 59!r}")
    assert len(full) > 2000
    assert summary == full[:2000]


def test_a_writer_imports_customers_but_not_parts(uow: UnitOfWork, tmp_path: Path) -> None:
    uow.actor = factories.signed_in(uow, Role.WRITER)
    people = opened(tmp_path, "name\nAda\n")
    assert ci.preview(uow, "customers", people, {"name": 0}).new_rows == 1
    stock = opened(tmp_path, "sku,name\nOIL,Oil\n", "parts.csv")
    attempts: list[Callable[[], object]] = [
        lambda: ci.preview(uow, "parts", stock, {"sku": 0, "name": 1}),
        lambda: ci.run_import(uow, "parts", stock, {"sku": 0, "name": 1})]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as caught:
            attempt()
        assert str(caught.value) == (
            "Service writers cannot edit parts and prices; ask an administrator.")


def test_a_preview_lists_the_first_500_bad_rows_and_counts_them_all(
        uow: UnitOfWork, tmp_path: Path) -> None:
    source = opened(tmp_path, "name,email\n" + ",x\n" * 501)
    preview = ci.preview(uow, "customers", source, {"name": 0})
    assert (preview.total_rows, preview.bad_count, len(preview.bad), preview.bad[-1]) == (
        501, 501, 500, ci.BadRow(501, ("Name is required.",), ",x"))


def test_rows_are_judged_a_thousand_at_a_time_and_repeats_found_across_them(
        uow: UnitOfWork, tmp_path: Path) -> None:
    rows = "".join(f"P-{i},Part\n" for i in range(1001)) + "P-0,Again\n"
    source = opened(tmp_path, "sku,name\n" + rows)
    seen: list[tuple[int, int]] = []
    preview = ci.preview(uow, "parts", source, {"sku": 0, "name": 1},
                         progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1000, 0), (1002, 0)]
    assert (preview.good_rows, preview.bad) == (
        1001, (ci.BadRow(1003, ("SKU P-0 is also on row 2 of this file.",), "P-0,Again"),))


def test_a_preview_lists_the_first_500_duplicates_and_counts_them_all(
        uow: UnitOfWork, tmp_path: Path) -> None:
    source = opened(tmp_path, "sku,name\n" + "".join(f"P-{i},Part\n" for i in range(501)))
    ci.run_import(uow, "parts", source, {"sku": 0, "name": 1})
    preview = ci.preview(uow, "parts", source, {"sku": 0, "name": 1})
    assert (preview.duplicate_count, len(preview.duplicates), preview.duplicates[-1]) == (
        501, 500, ci.Duplicate(501, "P-499", "Part", "no change", 0))


def test_empty_cells_clear_and_are_audited_only_when_confirmed(uow: UnitOfWork,
                                                               tmp_path: Path) -> None:
    ada = customers.create_customer(uow, customers.CustomerData(
        "Ada", "ada@example.com", "555-123-4567", notes="VIP"))
    source = opened(tmp_path, "name,email,phone,notes\nAda,ada@example.com,,\n")
    mapping = {"name": 0, "email": 1, "phone": 2, "notes": 3}
    assert ci.preview(uow, "customers", source, mapping).duplicates == (ci.Duplicate(
        2, "ada@example.com", "Ada", "phone: '555-123-4567' → will clear; notes: 'VIP' → "
        "will clear", 2),)
    ci.run_import(uow, "customers", source, mapping, "update")
    assert (customers.get_customer(uow, ada.id).phone, audit_of(uow, ada.id)) == (
        "555-123-4567", [])
    ci.run_import(uow, "customers", source, mapping, "update", clear_empty=True)
    assert (customers.get_customer(uow, ada.id).phone, audit_of(uow, ada.id)) == (
        "", ["CSV import (in.csv, row 2): phone: '555-123-4567' → —; notes: 'VIP' → —"])


def audit_of(uow: UnitOfWork, customer_id: int) -> list[str]:
    with uow:
        return list(uow.session.scalars(select(AuditEntry.summary).where(
            AuditEntry.entity == "customer", AuditEntry.entity_id == customer_id,
            AuditEntry.action == "update")))


def test_counts_add_up_over_chunks(uow: UnitOfWork, tmp_path: Path) -> None:
    """A file of more than a thousand rows is imported a thousand at a time: what the
    result, the progress and the audit entry count is every chunk's, not the last one's."""
    parts.create_part(uow, parts.PartData("P-0", "Part 0"))
    parts.create_part(uow, parts.PartData("P-1", "Part 1"))
    source = opened(tmp_path, "sku,name\nP-0,Part zero\n" + "".join(
        f"B-{i},\n" for i in range(998)) + "N-1,New\nP-1,Part one\nN-2,New\n")
    seen: list[tuple[int, int]] = []
    result = ci.run_import(uow, "parts", source, {"sku": 0, "name": 1}, "update",
                           progress=lambda done, total: seen.append((done, total)))
    assert (result.created, result.updated, result.skipped, result.bad, seen) == (
        2, 2, 0, 998, [(1000, 1000), (1002, 1002)])
    again = ci.run_import(uow, "parts", source, {"sku": 0, "name": 1})
    assert (again.created, again.updated, again.skipped, again.bad) == (0, 0, 4, 998)


def test_vehicles_are_counted_over_chunks(uow: UnitOfWork, tmp_path: Path) -> None:
    source = opened(tmp_path, f"name,vin\nAda,{factories.VINS[0]}\n" + "".join(
        f"C {i},\n" for i in range(999)) + f"Bob,{factories.VINS[1]}\n")
    result = ci.run_import(uow, "customers", source, {"name": 0, "vin": 1})
    assert (result.created, result.vehicles) == (1001, 2)
