"""CSV export (paged lists, reports) and import (hostile files, mapping, preview,
all-or-nothing import, cancel) on both backends."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mechanic_desktop.db.models import AuditEntry, Customer, Part, StockMovement, Vehicle
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.services import csv_export, customers, parts, reports, vehicles
from mechanic_desktop.services import csv_import as ci

HEADER = "name,email,phone,address,notes,vin,make,model,year,plate\n"
GOOD = (
    "Ada Lovelace,ada@example.com,555-123-4567,12 Row,,1M8GDM9AXKP042788,Ford,F-150,2019,ABC1\n"
    "Bob Builder,,555-987-6543,,,,,,,\n"
    "Carmen Ortiz,carmen@example.com,,,VIP,,,,,\n"
)
BAD = (
    ",nobody@example.com,,,,,,,,\n"  # row 5: no name
    "Dan,not-an-email,,,,,,,,\n"  # row 6
    "Eve,eve@example.com,,,,1M8GDM9A1KP042788,,,,\n"  # row 7: check digit
    "Fay,ada@example.com,,,,,,,,\n"  # row 8: same e-mail as row 2
)


def write(tmp_path: Path, text: str | bytes, name: str = "in.csv",
          encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode(encoding))
    return path


def counts(uow: UnitOfWork) -> tuple[int, int, int]:
    with uow:
        s = uow.session
        return (int(s.scalar(select(func.count()).select_from(Customer)) or 0),
                int(s.scalar(select(func.count()).select_from(Vehicle)) or 0),
                int(s.scalar(select(func.count()).select_from(Part)) or 0))


# --- export ---------------------------------------------------------------------------------


def test_list_export_streams_every_page(uow: UnitOfWork) -> None:
    for i in range(7):
        customers.create_customer(uow, customers.CustomerData(f"Person {i:02d}", phone=""))
    customers.create_customer(uow, customers.CustomerData("=HYPERLINK(1)"))
    seen: list[int] = []
    out = io.StringIO()
    written = csv_export.write_list(
        out, lambda q: customers.list_customers(uow, q), ListQuery(sort="name"),
        [("Name", lambda r: r.name), ("Vehicles", lambda r: r.vehicle_count)],
        progress=seen.append, page_size=3)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert written == 8 and seen == [3, 6, 8]
    assert rows[0] == ["Name", "Vehicles"]
    assert rows[1] == ["'=HYPERLINK(1)", "0"]  # formulas are neutralised
    assert [r[0] for r in rows[2:]] == [f"Person {i:02d}" for i in range(7)]


def test_list_export_cancel_leaves_no_file(uow: UnitOfWork, tmp_path: Path) -> None:
    for i in range(5):
        customers.create_customer(uow, customers.CustomerData(f"P{i}"))
    target = tmp_path / "out.csv"
    with pytest.raises(csv_export.ExportCancelled):
        csv_export.to_file(target, lambda out: csv_export.write_list(
            out, lambda q: customers.list_customers(uow, q), ListQuery(sort="name"),
            [("Name", lambda r: r.name)], cancelled=lambda: True, page_size=2))
    assert list(tmp_path.iterdir()) == []


def test_report_export(tmp_path: Path) -> None:
    line = reports.LowStockLine(1, "OIL", "Oil", 2, 10, 4, 10, Decimal("7.00"))
    target = tmp_path / "purchase.csv"
    csv_export.to_file(target, lambda out: csv_export.write_report(
        out, reports.PURCHASE_COLUMNS, [line]))
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines() == ["sku,name,quantity,unit_cost,line_cost", "OIL,Oil,10,7.00,70.00"]
    assert csv_export.cell(90, "hours") == "1.50"
    assert csv_export.cell(129600.0, "days") == "1.5"


# --- hostile files --------------------------------------------------------------------------


@pytest.mark.parametrize(("payload", "message"), [
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "spreadsheet workbook"),
    (b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 4, "not a text file"),
    (b"", "empty"),
    (b"\x81\x8d\x8f\x90\x9d,x\n" * 3, "neither UTF-8 nor Windows-1252"),
])
def test_hostile_files_are_refused_clearly(tmp_path: Path, payload: bytes, message: str) -> None:
    with pytest.raises(ci.CsvProblem, match=message):
        ci.open_csv(write(tmp_path, payload))


def test_encodings_bom_delimiters_and_line_ends(tmp_path: Path) -> None:
    bom = ci.open_csv(write(tmp_path, HEADER + GOOD, "bom.csv", "utf-8-sig"))
    assert (bom.encoding, bom.headers[0]) == ("utf-8-sig", "name")
    latin = ci.open_csv(write(tmp_path, "name;notes\r\nJosé Müller;café\r\n", "w.csv", "cp1252"))
    assert (latin.encoding, latin.delimiter) == ("cp1252", ";")
    assert list(ci.records(latin)) == [(2, ["José Müller", "café"])]
    mixed = ci.open_csv(write(tmp_path, "name,notes\r\nA,1\nB,2\rC,3\n\n", "mixed.csv"))
    assert [cells[0] for _, cells in ci.records(mixed)] == ["A", "B", "C"]
    utf16 = ci.open_csv(write(tmp_path, "name\tphone\nAda\t555\n", "u16.csv", "utf-16"))
    assert (utf16.encoding, utf16.delimiter, utf16.headers) == ("utf-16", "\t", ("name", "phone"))


def test_mapping_is_guessed_and_missing_columns_reported(tmp_path: Path) -> None:
    source = ci.open_csv(write(tmp_path, "Customer Name,E-mail,Licence Plate,Other\nA,,,\n"))
    mapping = ci.guess_mapping("customers", source.headers)
    assert (mapping["name"], mapping["email"], mapping["plate"], mapping["vin"]) == (0, 1, 2, None)
    parts_map = ci.guess_mapping("parts", ("Part Number", "Description", "Qty"))
    assert ci.missing_fields("parts", parts_map) == ((), ("Price", "Cost", "Reorder level"))
    assert ci.missing_fields("parts", {"name": 0})[0] == ("SKU",)


# --- preview and import ---------------------------------------------------------------------


def test_preview_then_import_exactly_the_good_rows(uow: UnitOfWork, tmp_path: Path) -> None:
    customers.create_customer(uow, customers.CustomerData("Carmen Old", "carmen@example.com"))
    source = ci.open_csv(write(tmp_path, HEADER + GOOD + BAD))
    mapping = ci.guess_mapping("customers", source.headers)
    preview = ci.preview(uow, "customers", source, mapping)
    assert (preview.total_rows, preview.good_rows, preview.new_rows) == (7, 3, 2)
    assert [(b.row, b.reasons[0][:12]) for b in preview.bad] == [
        (5, "Name is requ"), (6, "E-mail is no"), (7, "Check digit "), (8, "E-mail ada@e")]
    assert "mistyped" in preview.bad[2].reasons[0]
    assert [(d.row, d.key, d.existing) for d in preview.duplicates] == [
        (4, "carmen@example.com", "Carmen Old")]
    assert counts(uow) == (1, 0, 0)  # a preview changes nothing

    result = ci.run_import(uow, "customers", source, mapping, "skip")
    assert (result.created, result.updated, result.skipped, result.bad, result.vehicles) == (
        2, 0, 1, 4, 1)
    assert counts(uow) == (3, 1, 0)
    with uow:
        names = set(uow.session.scalars(select(Customer.name)))
        car = uow.session.scalars(select(Vehicle)).one()
        assert names == {"Carmen Old", "Ada Lovelace", "Bob Builder"}
        assert (car.vin, car.plate, car.year) == ("1M8GDM9AXKP042788", "ABC1", 2019)
        assert uow.session.scalar(select(AuditEntry.summary).where(
            AuditEntry.action == "import")).startswith("Imported customers")

    again = ci.run_import(uow, "customers", source, mapping, "update")
    # Ada and Carmen match by e-mail; Bob has none, so he cannot be matched: added again.
    assert (again.created, again.updated) == (1, 2)
    with uow:
        assert uow.session.scalar(select(Customer.name).where(
            Customer.email == "carmen@example.com")) == "Carmen Ortiz"


def test_parts_import_with_stock_and_update(uow: UnitOfWork, tmp_path: Path) -> None:
    parts.create_part(uow, parts.PartData("OIL-1", "Oil", "5.00", "2", 1, 4))
    text = ("sku,name,unit_price,unit_cost,reorder_level,quantity\n"
            "oil-1,Oil 5W-30,6.50,2.10,2,10\n"
            "FLT-1,Filter,8.50,3,5,40\n"
            "BAD-1,,-1,x,,\n")
    source = ci.open_csv(write(tmp_path, text))
    mapping = ci.guess_mapping("parts", source.headers)
    preview = ci.preview(uow, "parts", source, mapping)
    assert (preview.good_rows, preview.duplicate_count, preview.bad_count) == (2, 1, 1)
    assert len(preview.bad[0].reasons) == 3  # name, price, cost
    result = ci.run_import(uow, "parts", source, mapping, "update")
    assert (result.created, result.updated) == (1, 1)
    with uow:
        rows = {p.sku: p for p in uow.session.scalars(select(Part))}
        assert (rows["OIL-1"].name, rows["OIL-1"].unit_price, rows["OIL-1"].quantity_on_hand) == (
            "Oil 5W-30", Decimal("6.50"), 10)
        assert rows["FLT-1"].quantity_on_hand == 40
        ledger = dict(uow.session.execute(select(Part.sku, func.sum(StockMovement.quantity))
                                          .join(StockMovement, StockMovement.part_id == Part.id)
                                          .group_by(Part.sku)).all())
        assert ledger == {"OIL-1": 10, "FLT-1": 40}  # on hand still equals the ledger


def test_cancelled_import_leaves_database_unchanged(uow: UnitOfWork, tmp_path: Path) -> None:
    rows = "".join(f"Person {i},p{i}@example.com,,,,,,,,\n" for i in range(2500))
    source = ci.open_csv(write(tmp_path, HEADER + rows))
    mapping = ci.guess_mapping("customers", source.headers)
    calls: list[int] = []

    def cancel_after_first_chunk() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(ci.ImportCancelled):
        ci.run_import(uow, "customers", source, mapping, cancelled=cancel_after_first_chunk)
    assert counts(uow) == (0, 0, 0)


def test_import_fails_whole_when_the_database_refuses(uow: UnitOfWork, tmp_path: Path) -> None:
    source = ci.open_csv(write(tmp_path, "name\nA\nB\n"))
    with pytest.raises(ci.CsvProblem, match="SKU"):
        ci.run_import(uow, "parts", source, {"name": 0})
    assert counts(uow) == (0, 0, 0)


# --- updating records on file: only the file's columns; empty cells clear when confirmed ---


def audit_of(uow: UnitOfWork, entity: str, entity_id: int) -> list[str]:
    with uow:
        return list(uow.session.scalars(
            select(AuditEntry.summary).where(AuditEntry.entity == entity,
                                             AuditEntry.entity_id == entity_id,
                                             AuditEntry.action == "update")
            .order_by(AuditEntry.id)))


def test_update_leaves_columns_the_file_lacks_alone(uow: UnitOfWork, tmp_path: Path) -> None:
    ada = customers.create_customer(uow, customers.CustomerData(
        "Ada Lovelace", "ada@example.com", "555-123-4567", "12 Row", "VIP"))
    car = vehicles.create_vehicle(uow, vehicles.VehicleData(
        ada.id, "1M8GDM9AXKP042788", "Ford", "F-150", 2019, "ABC1", 41000))
    source = ci.open_csv(write(tmp_path, "name,email,vin,plate\n"
                                         "Ada King,ADA@example.com,1M8GDM9AXKP042788,XYZ9\n"))
    mapping = ci.guess_mapping("customers", source.headers)
    preview = ci.preview(uow, "customers", source, mapping)
    assert preview.clear_count == 0
    assert preview.duplicates[0].changes == ("name: 'Ada Lovelace' → 'Ada King'; "
                                             "plate: 'ABC1' → 'XYZ9'")
    result = ci.run_import(uow, "customers", source, mapping, "update")
    assert (result.created, result.updated, result.vehicles) == (0, 1, 0)
    after = customers.get_customer(uow, ada.id)
    assert (after.name, after.phone, after.address, after.notes) == (
        "Ada King", "555-123-4567", "12 Row", "VIP")
    kept = vehicles.get_vehicle(uow, car.id)
    assert (kept.make, kept.model, kept.year, kept.plate, kept.odometer) == (
        "Ford", "F-150", 2019, "XYZ9", 41000)
    assert audit_of(uow, "customer", ada.id) == [
        "CSV import (in.csv, row 2): name: 'Ada Lovelace' → 'Ada King'"]
    assert audit_of(uow, "vehicle", car.id) == [
        "CSV import (in.csv, row 2): plate: 'ABC1' → 'XYZ9'"]
    with uow:  # the customer list finds the new name
        assert uow.session.scalar(select(Customer.name_key).where(
            Customer.id == ada.id)) == "ada king"

    again = ci.run_import(uow, "customers", source, mapping, "update")  # nothing to change
    assert again.updated == 1
    assert len(audit_of(uow, "customer", ada.id)) == 1


def test_empty_cells_clear_only_when_confirmed(uow: UnitOfWork, tmp_path: Path) -> None:
    ada = customers.create_customer(uow, customers.CustomerData(
        "Ada Lovelace", "ada@example.com", "555-123-4567", "12 Row", "VIP"))
    bob = customers.create_customer(uow, customers.CustomerData("Bob", "bob@example.com"))
    source = ci.open_csv(write(tmp_path, "name,email,phone,address,notes\n"
                                         "Ada Lovelace,ada@example.com,,12 Row,\n"
                                         "Bob,bob@example.com,,,\n"))
    mapping = ci.guess_mapping("customers", source.headers)
    preview = ci.preview(uow, "customers", source, mapping)
    assert (preview.clear_count, preview.clearing_rows) == (2, 1)
    assert [(d.existing, d.changes, d.clears) for d in preview.duplicates] == [
        ("Ada Lovelace", "phone: '555-123-4567' → will clear; notes: 'VIP' → will clear", 2),
        ("Bob", "no change", 0)]

    ci.run_import(uow, "customers", source, mapping, "update")  # not confirmed: kept
    kept = customers.get_customer(uow, ada.id)
    assert (kept.phone, kept.notes) == ("555-123-4567", "VIP")
    assert audit_of(uow, "customer", ada.id) == []

    ci.run_import(uow, "customers", source, mapping, "update", clear_empty=True)
    cleared = customers.get_customer(uow, ada.id)
    assert (cleared.phone, cleared.address, cleared.notes) == ("", "12 Row", "")
    assert audit_of(uow, "customer", ada.id) == [
        "CSV import (in.csv, row 2): phone: '555-123-4567' → —; notes: 'VIP' → —"]
    assert audit_of(uow, "customer", bob.id) == []
    with uow:
        assert uow.session.scalar(select(Customer.phone_digits).where(
            Customer.id == ada.id)) == ""


def test_parts_update_keeps_prices_the_file_lacks(uow: UnitOfWork, tmp_path: Path) -> None:
    oil = parts.create_part(uow, parts.PartData("OIL-1", "Oil", "5.00", "2.00", 3, 4))
    source = ci.open_csv(write(tmp_path, "sku,name\nOIL-1,Oil 5W-30\n"))
    mapping = ci.guess_mapping("parts", source.headers)
    ci.run_import(uow, "parts", source, mapping, "update")
    after = parts.get_part(uow, oil.id)
    assert (after.name, after.unit_price, after.unit_cost, after.reorder_level,
            after.quantity_on_hand, after.version) == (
        "Oil 5W-30", Decimal("5.00"), Decimal("2.00"), 3, 4, oil.version + 1)

    blank = ci.open_csv(write(tmp_path, "sku,name,price,cost,qty\nOIL-1,Oil 5W-30,,2.50,\n",
                              "blank.csv"))
    mapping = ci.guess_mapping("parts", blank.headers)
    preview = ci.preview(uow, "parts", blank, mapping)
    assert preview.duplicates[0].changes == (
        "unit_price: '5.00' → will clear; unit_cost: '2.00' → '2.50'; "
        "quantity_on_hand: '4' → will clear")
    ci.run_import(uow, "parts", blank, mapping, "update")
    kept = parts.get_part(uow, oil.id)
    assert (kept.unit_price, kept.unit_cost, kept.quantity_on_hand) == (
        Decimal("5.00"), Decimal("2.50"), 4)
    ci.run_import(uow, "parts", blank, mapping, "update", clear_empty=True)
    cleared = parts.get_part(uow, oil.id)
    assert (cleared.unit_price, cleared.quantity_on_hand) == (Decimal("0.00"), 0)
    assert audit_of(uow, "part", oil.id) == [
        "CSV import (in.csv, row 2): name: 'Oil' → 'Oil 5W-30'",
        "CSV import (blank.csv, row 2): unit_cost: '2.00' → '2.50'",
        "CSV import (blank.csv, row 2): unit_price: '5.00' → '0.00'; "
        "quantity_on_hand: '4' → '0'"]
    with uow:
        ledger = uow.session.scalar(select(func.sum(StockMovement.quantity)).where(
            StockMovement.part_id == oil.id))
    assert ledger == 0  # on hand still equals the ledger
