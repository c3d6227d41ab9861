"""CSV import of customers (with a vehicle per row) and parts: read, map, check, preview,
then import the good rows in one transaction.

The file is streamed, never loaded whole: once to detect its encoding, once per preview
and once for the import, a chunk of rows at a time. Each row is checked by the very
field rules the editors use (``customers.check_fields``, ``vehicles.check_fields``,
``parts.check_fields``); what needs the database (an e-mail, VIN or SKU already on file)
is looked up for a whole chunk at once. The import re-checks every row against the
database as it is then, inserts in bulk, and commits once: all rows or none. Cancelling
rolls the transaction back.

Updating a record on file touches only the columns the file has: a column not in the file
(or mapped to nothing) leaves the stored value alone. An empty cell in a column the file
has would clear the stored value: the preview lists each such "will clear", and the import
clears them only when told to (``clear_empty``, which the dialog asks the user to confirm);
otherwise the stored value stays. Each record the import changes gets its own audit entry
with every field it changed, before → after.
"""

from __future__ import annotations

import codecs
import csv
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from sqlalchemy import Table, bindparam, insert, select, update

from mechanic_desktop.db.models import AuditEntry, Customer, Part, StockMovement, Vehicle
from mechanic_desktop.db.repositories import NAMED
from mechanic_desktop.db.types import utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.services import audit
from mechanic_desktop.services.common import constraint_errors
from mechanic_desktop.services.customers import CustomerData
from mechanic_desktop.services.customers import check_fields as check_customer
from mechanic_desktop.services.parts import PartData, check_opening
from mechanic_desktop.services.parts import check_fields as check_part
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.vehicles import VehicleData
from mechanic_desktop.services.vehicles import check_fields as check_vehicle

Kind = Literal["customers", "parts"]
OnDuplicate = Literal["skip", "update"]
#: ``progress(rows_done, rows_total)``.
Progress = Callable[[int, int], None]
CHUNK = 1000
#: How many bad rows and duplicates a preview lists (all are counted).
LIST_LIMIT = 500
_SAMPLE = 64 * 1024


class CsvProblem(Exception):
    """The file cannot be read as CSV; the message says why and what to do."""


class ImportCancelled(Exception):
    """The user cancelled; the transaction was rolled back and nothing was saved."""


# --- fields ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportField:
    name: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()


CUSTOMER_FIELDS = (
    ImportField("name", "Name", True, ("customer", "customer name", "full name", "fullname")),
    ImportField("email", "E-mail", False, ("e-mail", "email address", "mail")),
    ImportField("phone", "Phone", False, ("telephone", "tel", "phone number", "mobile", "cell")),
    ImportField("address", "Address", False, ("street", "street address")),
    ImportField("notes", "Notes", False, ("note", "comments", "comment")),
    ImportField("vin", "VIN", False, ("vehicle vin", "vin number", "chassis")),
    ImportField("make", "Make", False, ("manufacturer", "brand")),
    ImportField("model", "Model", False, ()),
    ImportField("year", "Year", False, ("model year",)),
    ImportField("plate", "Plate", False, ("license plate", "licence plate", "registration",
                                          "reg", "tag")),
)
PART_FIELDS = (
    ImportField("sku", "SKU", True, ("part number", "part no", "part #", "item", "code")),
    ImportField("name", "Name", True, ("description", "part name", "part")),
    ImportField("unit_price", "Price", False, ("price", "sell price", "retail", "unit price")),
    ImportField("unit_cost", "Cost", False, ("cost", "buy price", "unit cost")),
    ImportField("reorder_level", "Reorder level", False, ("reorder", "min", "minimum",
                                                          "reorder point")),
    ImportField("quantity", "Quantity", False, ("qty", "on hand", "stock", "quantity on hand")),
)
FIELDS: dict[str, tuple[ImportField, ...]] = {"customers": CUSTOMER_FIELDS,
                                              "parts": PART_FIELDS}
_VEHICLE_FIELDS = ("vin", "make", "model", "year", "plate")

#: Field name → column index in the file (None: not imported).
Mapping_ = dict[str, int | None]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9#]+", " ", text.casefold()).strip()


def guess_mapping(kind: Kind, headers: Sequence[str]) -> Mapping_:
    """Map each field to the first header that is its name, label or an alias."""
    normal = [_norm(h) for h in headers]
    mapping: Mapping_ = {}
    taken: set[int] = set()
    for f in FIELDS[kind]:
        names = {_norm(f.name), _norm(f.label), *(_norm(a) for a in f.aliases)}
        index = next((i for i, h in enumerate(normal) if h in names and i not in taken), None)
        if index is not None:
            taken.add(index)
        mapping[f.name] = index
    return mapping


# --- reading the file --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvFile:
    path: str
    encoding: str
    delimiter: str
    headers: tuple[str, ...]


def _encoding_of(path: Path) -> str:
    """utf-8-sig when there is a BOM, utf-8 when the whole file decodes as UTF-8, else
    Windows-1252 (what Excel writes as "CSV" on Windows); UTF-16 by its BOM."""
    with path.open("rb") as f:
        head = f.read(_SAMPLE)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if head.startswith(b"PK\x03\x04"):
            raise CsvProblem(
                "This is a spreadsheet workbook (.xlsx), not CSV text. Open it in your "
                "spreadsheet program and use File › Save As › CSV UTF-8, then import that.")
        if b"\x00" in head or _looks_binary(head):
            raise CsvProblem(
                "This is not a text file (it looks like a program, picture or other binary "
                "file). Choose a CSV file saved as text.")
        if not head.strip():
            raise CsvProblem("The file is empty.")
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        decoder = codecs.getincrementaldecoder(encoding)()
        chunk = head
        try:
            while chunk:
                decoder.decode(chunk)
                chunk = f.read(1 << 20)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            pass
        f.seek(0)
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
        except UnicodeDecodeError:
            raise CsvProblem(
                "The file's characters are neither UTF-8 nor Windows-1252 text. Save it "
                "again as “CSV UTF-8” and import that.") from None
        return "cp1252"


def _looks_binary(head: bytes) -> bool:
    """Many control bytes other than tab and line ends: not text."""
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13, 12))
    return controls > max(8, len(head) // 100)


def open_csv(path: str | Path) -> CsvFile:
    """Detect the encoding and delimiter and read the header row; CsvProblem says what
    is wrong with a file that cannot be imported."""
    file = Path(path)
    if not file.is_file():
        raise CsvProblem(f"There is no file at {file}.")
    encoding = _encoding_of(file)
    # The sniffer splits its sample at \n: read it with universal newlines, so a file with
    # classic Mac line ends (CR alone) is judged line by line, not as one long line.
    with file.open(encoding=encoding, newline=None) as f:
        sample = f.read(_SAMPLE)
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    with file.open(encoding=encoding, newline="") as f:
        try:
            header = next(csv.reader(f, delimiter=delimiter), [])
        except csv.Error as exc:
            raise _unreadable(exc, 1) from None
    headers = tuple(h.strip() for h in header)
    if not any(headers):
        raise CsvProblem("The first row is empty; it must name the columns (e.g. name, email).")
    return CsvFile(str(file), encoding, delimiter, headers)


def records(source: CsvFile) -> Iterator[tuple[int, list[str]]]:
    """(row number as a spreadsheet shows it, cells) of every non-blank data row; the
    csv module reads \\n, \\r\\n and \\r line ends, mixed or not."""
    with open(source.path, encoding=source.encoding, newline="") as f:
        reader = csv.reader(f, delimiter=source.delimiter)
        number = 1
        try:
            next(reader, None)
            for number, row in enumerate(reader, start=2):
                if any(c.strip() for c in row):
                    yield number, row
        except csv.Error as exc:
            raise _unreadable(exc, number + 1) from None


def _unreadable(exc: csv.Error, row: int) -> CsvProblem:
    """The csv module's refusal (a cell past its 131,072-character limit, a stray NUL)
    as a sentence about the row, not a raw ``_csv.Error``."""
    if "field larger than field limit" in str(exc):
        return CsvProblem(
            f"Row {row} has a cell longer than {csv.field_size_limit():,} characters, so "
            "this is not a list of customers or parts (perhaps a quote is never closed). "
            "Check the file in a spreadsheet program; nothing was imported.")
    return CsvProblem(f"Row {row} cannot be read as CSV ({exc}); nothing was imported.")


# --- checking rows --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BadRow:
    row: int
    reasons: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Duplicate:
    row: int
    key: str
    existing: str
    #: What updating the record on file would change ("phone: '555…' → will clear; …").
    changes: str = ""
    #: How many stored values this row's empty cells would clear.
    clears: int = 0


@dataclass(frozen=True, slots=True)
class Preview:
    kind: Kind
    total_rows: int
    good_rows: int
    new_rows: int
    duplicate_count: int
    bad_count: int
    bad: tuple[BadRow, ...]
    duplicates: tuple[Duplicate, ...]
    missing_required: tuple[str, ...]
    missing_optional: tuple[str, ...]
    #: Stored values that empty cells would clear in update mode, and in how many records.
    clear_count: int = 0
    clearing_rows: int = 0


@dataclass(frozen=True, slots=True)
class ImportResult:
    kind: Kind
    created: int
    updated: int
    skipped: int
    bad: int
    vehicles: int
    seconds: float


@dataclass(slots=True)
class _Row:
    number: int
    values: dict[str, object]
    extra: dict[str, object] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    #: Id and name of the record on file with this e-mail / SKU.
    existing: tuple[int, str] | None = None
    #: Mapped fields whose cell is empty.
    blank: frozenset[str] = frozenset()
    #: The columns of the record on file (customer or part) and of the vehicle on file
    #: with this row's VIN.
    stored: Mapping[str, Any] | None = None
    stored_vehicle: Mapping[str, Any] | None = None


#: Field → the columns it sets, first the one summaries name (the others derive from
#: it). The key a row is matched by (e-mail, SKU, VIN) is never changed by an update.
_CUSTOMER_COLUMNS = {"name": ("name", "name_key", "surname_key"),
                     "phone": ("phone", "phone_digits"), "address": ("address",),
                     "notes": ("notes",)}
_VEHICLE_COLUMNS = {n: (n,) for n in ("make", "model", "year", "plate")}
_PART_COLUMNS = {"name": ("name", "name_key"), "unit_price": ("unit_price",),
                 "unit_cost": ("unit_cost",), "reorder_level": ("reorder_level",),
                 "quantity": ("quantity_on_hand",)}


@dataclass(slots=True)
class _Update:
    """What updating one record on file changes: new column values, (field, before,
    after, cleared) for the summary, and how many stored values empty cells clear."""

    values: dict[str, Any] = field(default_factory=dict)
    shown: list[tuple[str, Any, Any, bool]] = field(default_factory=list)
    clears: int = 0

    def describe(self, preview: bool) -> str:
        """The changes as the preview ("will clear") or the audit trail (before → after)
        says them."""
        return "; ".join(
            f"{name}: {audit.show_value(before)} → will clear" if preview and cleared
            else audit.change_line(name, before, after)
            for name, before, after, cleared in self.shown)


def _update(stored: Mapping[str, Any], new: Mapping[str, Any], columns: Mapping[str,
            tuple[str, ...]], mapping: Mapping[str, int | None], blank: frozenset[str],
            clear_empty: bool) -> _Update:
    """The columns of a record on file that the row changes: only fields the file has; an
    empty cell's field only when ``clear_empty`` (it is counted as a clear either way)."""
    result = _Update()
    for name, cols in columns.items():
        if mapping.get(name) is None or stored[cols[0]] == new[cols[0]]:
            continue
        cleared = name in blank
        if cleared:
            result.clears += 1
            if not clear_empty:
                continue
        result.values.update((c, new[c]) for c in cols if stored[c] != new[c])
        result.shown.append((cols[0], stored[cols[0]], new[cols[0]], cleared))
    return result


def _record_update(row: _Row, kind: Kind, mapping: Mapping[str, int | None],
                   clear_empty: bool) -> tuple[_Update, _Update]:
    """The update of the record on file and of its vehicle (empty when none is on file)."""
    if row.stored is None:
        return _Update(), _Update()
    if kind == "parts":
        new = {**row.values, "quantity_on_hand": row.extra["quantity"]}
        return _update(row.stored, new, _PART_COLUMNS, mapping, row.blank, clear_empty), \
            _Update()
    main = _update(row.stored, row.values, _CUSTOMER_COLUMNS, mapping, row.blank, clear_empty)
    car = _Update()
    if row.stored_vehicle is not None:
        car = _update(row.stored_vehicle, row.extra, _VEHICLE_COLUMNS, mapping, row.blank,
                      clear_empty)
    return main, car


def missing_fields(kind: Kind, mapping: Mapping[str, int | None]) -> tuple[tuple[str, ...],
                                                                           tuple[str, ...]]:
    """Labels of required and of optional fields that no column is mapped to."""
    unmapped = [f for f in FIELDS[kind] if mapping.get(f.name) is None]
    return (tuple(f.label for f in unmapped if f.required),
            tuple(f.label for f in unmapped if not f.required))


def _get(cells: list[str], mapping: Mapping[str, int | None], name: str) -> str:
    index = mapping.get(name)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _blank(cells: list[str], mapping: Mapping[str, int | None]) -> frozenset[str]:
    return frozenset(n for n, i in mapping.items() if i is not None and not _get(cells, mapping, n))


def _check_customer_row(number: int, cells: list[str], mapping: Mapping[str, int | None]
                        ) -> _Row:
    data = CustomerData(*(_get(cells, mapping, n) for n in ("name", "email", "phone",
                                                             "address", "notes")))
    values, errors = check_customer(data)
    row = _Row(number, values, blank=_blank(cells, mapping))
    row.reasons.extend(errors.fields.values())
    if any(_get(cells, mapping, n) for n in _VEHICLE_FIELDS):
        vehicle = VehicleData(0, *(_get(cells, mapping, n) for n in _VEHICLE_FIELDS))
        extra, _warning, verrors = check_vehicle(vehicle)
        row.extra = extra
        row.reasons.extend(verrors.fields.values())
    return row


def _check_part_row(number: int, cells: list[str], mapping: Mapping[str, int | None]) -> _Row:
    data = PartData(
        _get(cells, mapping, "sku"), _get(cells, mapping, "name"),
        _get(cells, mapping, "unit_price") or "0", _get(cells, mapping, "unit_cost") or "0",
        _get(cells, mapping, "reorder_level") or 0,
        _get(cells, mapping, "quantity") or 0,
    )
    values, errors = check_part(data)
    quantity = check_opening(errors, data)
    row = _Row(number, values, {"quantity": quantity,
                                "has_quantity": mapping.get("quantity") is not None},
               blank=_blank(cells, mapping))
    row.reasons.extend(errors.fields.values())
    return row


class _Checker:
    """Checks rows a chunk at a time: field rules per row, then one query per chunk for
    e-mails / VINs / SKUs already on file, and the file's own repeats."""

    def __init__(self, uow: UnitOfWork, kind: Kind, mapping: Mapping[str, int | None]) -> None:
        self.uow, self.kind, self.mapping = uow, kind, mapping
        self.seen_keys: dict[str, int] = {}
        self.seen_vins: dict[str, int] = {}

    def chunk(self, batch: list[tuple[int, list[str]]]) -> list[_Row]:
        check = _check_customer_row if self.kind == "customers" else _check_part_row
        rows = [check(n, cells, self.mapping) for n, cells in batch]
        if self.kind == "customers":
            self._customers(rows)
        else:
            self._parts(rows)
        return rows

    def _repeat(self, row: _Row, key: str, seen: dict[str, int], what: str) -> None:
        first = seen.setdefault(key, row.number)
        if first != row.number:
            row.reasons.append(f"{what} {key} is also on row {first} of this file.")

    def _customers(self, rows: list[_Row]) -> None:
        emails = {str(r.values["email"]) for r in rows if r.values.get("email")}
        vins = {str(r.extra["vin"]) for r in rows if r.extra.get("vin")}
        on_file = {
            r["email"]: dict(r) for r in self.uow.session.execute(
                select(_CUSTOMERS).where(_CUSTOMERS.c.email.in_(emails))).mappings()
        } if emails else {}
        cars = {
            r["vin"]: dict(r) for r in self.uow.session.execute(
                select(_VEHICLES).where(_VEHICLES.c.vin.in_(vins))).mappings()
        } if vins else {}
        for row in rows:
            email = row.values.get("email")
            if isinstance(email, str) and email:
                self._repeat(row, email, self.seen_keys, "E-mail")
                row.stored = on_file.get(email)
                if row.stored is not None:
                    row.existing = (row.stored["id"], row.stored["name"])
            vin = row.extra.get("vin")
            if isinstance(vin, str) and vin:
                self._repeat(row, vin, self.seen_vins, "VIN")
                car = cars.get(vin)
                owner = car["customer_id"] if car is not None else None
                if owner is not None and (row.existing is None or owner != row.existing[0]):
                    row.reasons.append(f"VIN {vin} is already on file for another customer.")
                row.stored_vehicle = car

    def _parts(self, rows: list[_Row]) -> None:
        skus = {str(r.values["sku"]) for r in rows if r.values.get("sku")}
        on_file = {
            r["sku"]: dict(r) for r in self.uow.session.execute(
                select(_PARTS).where(_PARTS.c.sku.in_(skus))).mappings()
        } if skus else {}
        for row in rows:
            sku = row.values.get("sku")
            if isinstance(sku, str) and sku:
                self._repeat(row, sku, self.seen_keys, "SKU")
                row.stored = on_file.get(sku)
                if row.stored is not None:
                    row.existing = (row.stored["id"], row.stored["name"])


def _chunks(source: CsvFile, size: int = CHUNK) -> Iterator[list[tuple[int, list[str]]]]:
    batch: list[tuple[int, list[str]]] = []
    for record in records(source):
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _permission(kind: Kind) -> Action:
    return Action.EDIT_CUSTOMERS if kind == "customers" else Action.EDIT_PARTS


def _key_of(row: _Row, kind: Kind) -> str:
    return str(row.values.get("email" if kind == "customers" else "sku") or "")


def preview(
    uow: UnitOfWork,
    kind: Kind,
    source: CsvFile,
    mapping: Mapping[str, int | None],
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Preview:
    """Check every row without changing anything: counts, the first bad rows with their
    reasons, the first rows whose e-mail / SKU is already on file."""
    required, optional = missing_fields(kind, mapping)
    total = good = dupes = bad_count = clears = clearing = 0
    bad: list[BadRow] = []
    duplicates: list[Duplicate] = []
    if required:  # nothing read: the mapping alone is incomplete
        return Preview(kind, 0, 0, 0, 0, 0, (), (), required, optional)
    with uow:
        require_permission(uow, _permission(kind))
        checker = _Checker(uow, kind, mapping)
        for batch in _chunks(source):
            if cancelled is not None and cancelled():
                raise ImportCancelled
            cells = dict(batch)
            for row in checker.chunk(batch):
                total += 1
                if row.reasons:
                    bad_count += 1
                    if len(bad) < LIST_LIMIT:
                        text = source.delimiter.join(cells[row.number])
                        bad.append(BadRow(row.number, tuple(row.reasons), text[:200]))
                    continue
                good += 1
                if row.existing is not None:
                    dupes += 1
                    main, car = _record_update(row, kind, mapping, clear_empty=True)
                    cleared = main.clears + car.clears
                    clears += cleared
                    clearing += bool(cleared)
                    if len(duplicates) < LIST_LIMIT:
                        changes = "; ".join(filter(None, (main.describe(True),
                                                          car.describe(True))))
                        duplicates.append(Duplicate(row.number, _key_of(row, kind),
                                                    row.existing[1], changes or "no change",
                                                    cleared))
            if progress is not None:
                progress(total, 0)
    return Preview(kind, total, good, good - dupes, dupes, bad_count, tuple(bad),
                   tuple(duplicates), required, optional, clears, clearing)


_CUSTOMERS = cast("Table", Customer.__table__)
_VEHICLES = cast("Table", Vehicle.__table__)
_PARTS = cast("Table", Part.__table__)
_MOVES = cast("Table", StockMovement.__table__)
_AUDIT = cast("Table", AuditEntry.__table__)


def run_import(
    uow: UnitOfWork,
    kind: Kind,
    source: CsvFile,
    mapping: Mapping[str, int | None],
    on_duplicate: OnDuplicate = "skip",
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    expected_rows: int = 0,
    clear_empty: bool = False,
) -> ImportResult:
    """Import every good row in one transaction (bad rows are left out, as the preview
    listed them); duplicates are skipped or update the record on file (the file's columns
    only; its empty cells clear stored values only with ``clear_empty``). All or nothing:
    a failure or a cancel rolls everything back."""
    required, _optional = missing_fields(kind, mapping)
    if required:
        raise CsvProblem("No column is chosen for: " + ", ".join(required) + ".")
    started = time.perf_counter()
    created = updated = skipped = bad = vehicles = done = 0
    with uow.writing():
        require_permission(uow, _permission(kind))
        checker = _Checker(uow, kind, mapping)
        with constraint_errors():
            for batch in _chunks(source):
                if cancelled is not None and cancelled():
                    raise ImportCancelled
                rows = checker.chunk(batch)
                good = [r for r in rows if not r.reasons]
                bad += len(rows) - len(good)
                new = [r for r in good if r.existing is None]
                dupes = [r for r in good if r.existing is not None]
                if on_duplicate == "skip":
                    skipped += len(dupes)
                    dupes = []
                updates = [(r, *_record_update(r, kind, mapping, clear_empty)) for r in dupes]
                if kind == "customers":
                    vehicles += _write_customers(uow, new, updates)
                else:
                    _write_parts(uow, new, updates)
                _audit_updates(uow, kind, source, updates)
                created += len(new)
                updated += len(dupes)
                done += len(rows)
                if progress is not None:
                    progress(done, max(expected_rows, done))
            if cancelled is not None and cancelled():
                raise ImportCancelled
            audit.record(
                uow, "import", kind.rstrip("s"), None,
                f"Imported {kind} from {Path(source.path).name}: {created} new, {updated} "
                f"updated, {skipped} duplicates skipped, {bad} bad rows left out")
            uow.commit()
    return ImportResult(kind, created, updated, skipped, bad, vehicles,
                        time.perf_counter() - started)


_Updates = list[tuple[_Row, _Update, _Update]]


def _apply(uow: UnitOfWork, entity: str, table: Table,
           changes: list[tuple[int, dict[str, Any]]], now: object) -> None:
    """UPDATE the changed columns of each record, one executemany per set of columns, and
    name the records changed; a table with a version column counts the change (an editor
    open on the record then sees it is stale)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record_id, values in changes:
        if values:
            groups.setdefault(tuple(sorted(values)), []).append(
                {**values, "_id": record_id, "updated_at": now})
    for rows in groups.values():
        stmt = update(table).execution_options(**NAMED).where(table.c.id == bindparam("_id"))
        if "version" in table.c:
            stmt = stmt.values(version=table.c.version + 1)
        uow.session.execute(stmt, rows)
        uow.record(entity, (cast(int, row["_id"]) for row in rows))


def _audit_updates(uow: UnitOfWork, kind: Kind, source: CsvFile, updates: _Updates) -> None:
    """One audit entry per record the import changed, naming each field before → after."""
    entity = "customer" if kind == "customers" else "part"
    name = Path(source.path).name
    entries = []
    for row, main, car in updates:
        assert row.existing is not None
        for what, record_id, change in ((entity, row.existing[0], main),
                                        ("vehicle", (row.stored_vehicle or {}).get("id"), car)):
            if change.shown:
                entries.append({
                    "staff_user_id": uow.actor_id, "action": "update", "entity": what,
                    "entity_id": record_id, "at": utcnow(),
                    "summary": (f"CSV import ({name}, row {row.number}): "
                                + change.describe(False))[:audit.MAX_SUMMARY]})
    if entries:
        uow.record("audit", uow.session.execute(
            insert(_AUDIT).execution_options(**NAMED)
            .returning(_AUDIT.c.id, sort_by_parameter_order=True), entries).scalars().all())


def _write_customers(uow: UnitOfWork, new: list[_Row], updates: _Updates) -> int:
    session = uow.session
    now = utcnow()
    owners: list[tuple[int, _Row]] = []
    if new:
        ids = session.execute(
            insert(_CUSTOMERS).execution_options(**NAMED)
            .returning(_CUSTOMERS.c.id, sort_by_parameter_order=True),
            [{**r.values, "created_at": now, "updated_at": now} for r in new],
        ).scalars().all()
        uow.record("customer", ids)
        owners.extend(zip(ids, new, strict=True))
    _apply(uow, "customer", _CUSTOMERS, [(r.existing[0], main.values)  # type: ignore[index]
                             for r, main, _car in updates], now)
    _apply(uow, "vehicle", _VEHICLES, [(r.stored_vehicle["id"], car.values)
                            for r, _main, car in updates if r.stored_vehicle is not None], now)
    # A vehicle not on file yet is added, for a new customer or one on file.
    owners.extend((r.existing[0], r) for r, _m, _c in updates  # type: ignore[index]
                  if r.stored_vehicle is None)
    fresh = [{**r.extra, "customer_id": owner, "created_at": now, "updated_at": now}
             for owner, r in owners if r.extra]
    if fresh:
        uow.record("vehicle", session.execute(
            insert(_VEHICLES).execution_options(**NAMED)
            .returning(_VEHICLES.c.id, sort_by_parameter_order=True), fresh,
        ).scalars().all())
    return len(fresh)


def _write_parts(uow: UnitOfWork, new: list[_Row], updates: _Updates) -> None:
    session = uow.session
    now = utcnow()
    moves: list[dict[str, Any]] = []
    if new:
        ids = session.execute(
            insert(_PARTS).execution_options(**NAMED)
            .returning(_PARTS.c.id, sort_by_parameter_order=True),
            [{**r.values, "quantity_on_hand": r.extra["quantity"], "version": 1,
              "created_at": now, "updated_at": now} for r in new],
        ).scalars().all()
        moves.extend(
            {"part_id": part_id, "quantity": r.extra["quantity"], "reason": "initial",
             "note": "Opening stock (CSV import)", "staff_user_id": uow.actor_id,
             "created_at": now}
            for part_id, r in zip(ids, new, strict=True) if r.extra["quantity"])
        uow.record("part", ids)
    # The stored count the update compares with was read in this transaction, and every
    # change of it gets its stock movement: on hand keeps equal to the ledger.
    _apply(uow, "part", _PARTS, [(r.existing[0], main.values)  # type: ignore[index]
                         for r, main, _car in updates], now)
    moves.extend(
        {"part_id": r.existing[0],  # type: ignore[index]
         "quantity": main.values["quantity_on_hand"] - r.stored["quantity_on_hand"],  # type: ignore[index]
         "reason": "adjust", "note": "Stock count from CSV import",
         "staff_user_id": uow.actor_id, "created_at": now}
        for r, main, _car in updates if "quantity_on_hand" in main.values)
    if moves:  # of parts named above
        session.execute(insert(_MOVES).execution_options(**NAMED), moves)
