"""Realistic demo and benchmark data, loaded fast enough for a million tickets.

The ORM would need hours for a benchmark-sized shop, so rows are generated as plain
tuples and bulk-loaded: ``COPY`` on PostgreSQL, ``executemany`` in one big transaction on
SQLite. Everything derives from ``SeedPlan.random_seed`` (and today's date), the search
keys come from the same functions the services use, and the invariants the app relies on
hold: valid unique VINs, unique lower-case e-mails, odometers that never go backwards,
ticket totals equal to their lines, and every part's on-hand equal to the sum of its
stock movements. Seeding appends after whatever rows are already there, in one
transaction, so a failed load leaves the database as it was.
"""

from __future__ import annotations

import random
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate, islice
from typing import Any, Protocol

from faker import Faker
from sqlalchemy import Engine, inspect, text
from sqlalchemy.pool import PoolProxiedConnection

from mechanic_desktop.db.mechanic_work import recount_all
from mechanic_desktop.db.seed_money import (
    CREDIT_NOTE_COLUMNS,
    INVOICE_COLUMNS,
    MONEY_TABLES,
    PAYMENT_COLUMNS,
    MoneySeeder,
    Party,
)
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.domain.validation import phone_digits, search_key
from mechanic_desktop.domain.vin import VIN_ALPHABET, check_digit

Progress = Callable[[str], None]
Row = tuple[Any, ...]

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
#: From this many tickets (and at least as many as already on file) the secondary
#: indexes are dropped for the load and rebuilt after it.
DEFER_INDEXES_FROM = 20_000
#: Days before the first ticket that the time axis reaches back (vehicles and parts
#: are on file before their first ticket).
LEAD_DAYS = 400

#: VIN position 10: model year 1980 + index, repeating every 30 years (49 CFR 565).
YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
_VIN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_PLATE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"

#: make, models, world manufacturer identifiers (VIN positions 1-3), relative frequency.
MAKES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], int], ...] = (
    ("Ford", ("F-150", "Escape", "Explorer", "Fusion", "Focus", "Edge", "Ranger"),
     ("1FT", "1FM", "1FA", "3FA"), 14),
    ("Chevrolet", ("Silverado 1500", "Malibu", "Equinox", "Tahoe", "Impala", "Traverse"),
     ("1GC", "1G1", "2GN", "1GN"), 13),
    ("Toyota", ("Camry", "Corolla", "RAV4", "Tacoma", "Highlander", "Sienna"),
     ("4T1", "2T1", "2T3", "5TF", "5TD"), 13),
    ("Honda", ("Civic", "Accord", "CR-V", "Pilot", "Odyssey"), ("1HG", "2HG", "5FN", "5J6"), 10),
    ("Nissan", ("Altima", "Sentra", "Rogue", "Frontier", "Pathfinder"), ("1N4", "3N1", "5N1"), 7),
    ("Jeep", ("Grand Cherokee", "Wrangler", "Cherokee", "Compass"), ("1C4", "1J4"), 5),
    ("Ram", ("1500", "2500", "ProMaster"), ("1C6", "3C6"), 4),
    ("GMC", ("Sierra 1500", "Acadia", "Terrain", "Yukon"), ("1GT", "1GK", "2GK"), 4),
    ("Hyundai", ("Elantra", "Sonata", "Tucson", "Santa Fe"), ("5NP", "KMH", "5XY"), 5),
    ("Kia", ("Optima", "Sorento", "Soul", "Forte"), ("5XX", "KNA", "KND"), 4),
    ("Subaru", ("Outback", "Forester", "Impreza", "Crosstrek"), ("4S3", "4S4", "JF2"), 4),
    ("Volkswagen", ("Jetta", "Passat", "Tiguan", "Atlas"), ("3VW", "1VW", "WVW"), 3),
    ("Dodge", ("Grand Caravan", "Charger", "Durango", "Journey"), ("2C4", "2C3", "1C4"), 3),
    ("Mazda", ("Mazda3", "CX-5", "Mazda6"), ("JM1", "JM3"), 3),
    ("BMW", ("3 Series", "X3", "X5"), ("WBA", "5UX"), 2),
    ("Lexus", ("RX 350", "ES 350"), ("2T2", "JTH", "58A"), 2),
    ("Tesla", ("Model 3", "Model Y"), ("5YJ", "7SA"), 1),
)

#: code, description, price range in dollars, how often a ticket needs one (relative),
#: usual quantities on a ticket (catalogue entries are brand × kind).
PART_KINDS: tuple[tuple[str, str, int, int, int, tuple[int, ...]], ...] = (
    ("OIL", "Oil filter", 6, 18, 30, (1,)),
    ("MOT", "Motor oil 5W-30, 1 qt", 6, 12, 30, (4, 5, 5, 6)),
    ("AIR", "Engine air filter", 12, 45, 10, (1,)),
    ("CAB", "Cabin air filter", 12, 40, 8, (1,)),
    ("BPF", "Brake pad set, front", 35, 120, 10, (1,)),
    ("BPR", "Brake pad set, rear", 30, 110, 7, (1,)),
    ("ROT", "Brake rotor", 45, 180, 6, (2,)),
    ("BFL", "Brake fluid DOT 4, 12 oz", 8, 16, 5, (1, 2)),
    ("SPK", "Spark plug, iridium", 8, 25, 4, (4, 6, 8)),
    ("IGC", "Ignition coil", 35, 120, 2, (1, 1, 4)),
    ("WIP", "Wiper blade, 22 in", 10, 35, 8, (1, 2, 2)),
    ("BAT", "Battery, group 24F", 120, 260, 4, (1,)),
    ("BLT", "Serpentine belt", 25, 80, 3, (1,)),
    ("THM", "Thermostat with gasket", 15, 60, 2, (1,)),
    ("WTP", "Water pump", 60, 250, 1, (1,)),
    ("CLT", "Coolant, 1 gal", 15, 30, 4, (1, 2)),
    ("ALT", "Alternator, remanufactured", 150, 450, 1, (1,)),
    ("STA", "Starter, remanufactured", 120, 380, 1, (1,)),
    ("BUL", "Headlight bulb H11", 8, 45, 4, (1, 2)),
    ("SHK", "Shock absorber", 45, 160, 2, (2, 2, 4)),
    ("TIE", "Tie rod end", 25, 90, 2, (1, 2)),
    ("CVA", "CV axle assembly", 80, 220, 1, (1,)),
    ("O2S", "Oxygen sensor", 40, 140, 2, (1,)),
    ("WHB", "Wheel bearing and hub", 70, 220, 1, (1,)),
    ("TPM", "TPMS sensor", 30, 80, 2, (1, 4)),
)
PART_BRANDS = (
    "ACDelco", "Bosch", "Motorcraft", "Denso", "NGK", "Wagner", "Moog", "Gates", "Dorman",
    "Mobil 1", "Valvoline", "Monroe", "Champion", "Fram", "Mopar", "Duralast",
)

CONCERNS = (
    "Oil change and tire rotation",
    "Brakes squeal when stopping",
    "Grinding noise from front brakes",
    "Check engine light on",
    "Battery dead in the morning, slow crank",
    "A/C blows warm air",
    "Vibration at highway speed",
    "Pulls to the right",
    "State inspection",
    "Coolant leak under the engine",
    "Overheats in traffic",
    "Clunk over bumps, front end",
    "Replace wiper blades and top off fluids",
    "Transmission slips between 2nd and 3rd",
    "Rough idle, misfire on cold start",
    "Headlight out, driver side",
    "Squeaking belt on start-up",
    "Tire pressure light stays on",
    "Scheduled 60,000-mile service",
    "Scheduled 30,000-mile service",
    "Steering wheel shakes when braking",
    "Burning smell after driving",
    "Car won't start, clicks",
    "Exhaust rattle underneath",
    "Brake fluid flush",
    "Replace cabin and engine air filters",
    "Alignment after new tires",
    "Power window stuck, passenger side",
    "Oil leak at the valve cover",
    "Pre-purchase inspection",
)

#: (status, cumulative probability) by the ticket's age: old work is nearly all closed.
_OLD = ((TicketStatus.CLOSED, 0.95), (TicketStatus.CANCELLED, 0.99), (TicketStatus.COMPLETED, 1.0))
_WEEK = (
    (TicketStatus.CLOSED, 0.55), (TicketStatus.COMPLETED, 0.75),
    (TicketStatus.IN_PROGRESS, 0.87), (TicketStatus.OPEN, 0.92), (TicketStatus.CANCELLED, 1.0),
)
_FRESH = (
    (TicketStatus.OPEN, 0.35), (TicketStatus.IN_PROGRESS, 0.70), (TicketStatus.COMPLETED, 0.90),
    (TicketStatus.CLOSED, 0.95), (TicketStatus.CANCELLED, 1.0),
)
_PART_LINES = {
    TicketStatus.OPEN: (0.7, 1.0, 1.0),
    TicketStatus.CANCELLED: (1.0, 1.0, 1.0),
}
_WORK_PART_LINES = (0.25, 0.60, 0.85)  # cumulative P(0 lines), P(<=1), P(<=2); else 3

CUSTOMER_COLUMNS = (
    "id", "name", "name_key", "surname_key", "email", "phone", "phone_digits", "address",
    "notes", "created_at", "updated_at",
)
VEHICLE_COLUMNS = (
    "id", "customer_id", "vin", "make", "model", "year", "plate", "odometer", "created_at",
    "updated_at",
)
MECHANIC_COLUMNS = (
    "id", "name", "name_key", "email", "phone", "phone_digits", "hourly_rate", "active",
    "created_at", "updated_at",
)
PART_COLUMNS = (
    "id", "sku", "name", "name_key", "unit_price", "unit_cost", "quantity_on_hand",
    "reorder_level", "version", "created_at", "updated_at",
)
TICKET_COLUMNS = (
    "id", "number", "customer_id", "vehicle_id", "status", "description", "odometer_in",
    "opened_at", "promised_at", "completed_at", "closed_at", "parts_total", "labor_total",
    "tax_total", "total", "version", "created_at", "updated_at", "authorised_total", "owed",
)
TICKET_MECHANIC_COLUMNS = (
    "ticket_id", "mechanic_id", "minutes", "hourly_rate", "assigned_at", "job_id", "operation",
)
TICKET_PART_COLUMNS = (
    "id", "ticket_id", "part_id", "quantity", "unit_price", "added_at", "job_id", "taken",
)
JOB_COLUMNS = (
    "id", "ticket_id", "position", "title", "concern", "cause", "correction", "status",
    "version", "created_at", "updated_at", "follow_up_of", "dismissed_at", "dismissed_by",
)
MOVEMENT_COLUMNS = (
    "id", "part_id", "quantity", "reason", "ticket_id", "staff_user_id", "note", "created_at",
)
CANNED_JOB_COLUMNS = (
    "id", "name", "name_key", "concern", "active", "version", "created_at", "updated_at",
)
CANNED_LINE_COLUMNS = (
    "id", "canned_job_id", "position", "kind", "operation", "minutes", "part_id", "sku",
    "quantity",
)
#: The library of canned jobs (revision 0008), seeded where the schema has it.
CANNED_TABLES = ("canned_jobs", "canned_job_lines")
SEEDED_TABLES = (
    "customers", "vehicles", "mechanics", "parts", "service_tickets", "ticket_jobs",
    "ticket_mechanics", "ticket_parts", "stock_movements",
)
#: Before jobs (revision 0006) a ticket's lines named only the ticket: the migration
#: tests seed such databases too.
PRE_JOB_TABLES = tuple(t for t in SEEDED_TABLES if t != "ticket_jobs")


@dataclass
class SeedPlan:
    """How much to make. ``years`` is how far back the ticket history reaches."""

    customers: int = 200
    tickets: int = 1000
    mechanics: int = 12
    parts: int = 500
    random_seed: int = 1
    years: int = 6
    chunk_size: int = 50_000

    def check(self) -> None:
        """Refuse plans that cannot produce consistent data."""
        for name in ("customers", "tickets", "mechanics", "parts", "years", "chunk_size"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        if self.tickets and (not self.customers or not self.mechanics):
            raise ValueError("tickets need at least one customer and one mechanic")
        if self.years < 1 or self.chunk_size < 1:
            raise ValueError("years and chunk_size must be at least 1")


@dataclass
class SeedCounts:
    customers: int = 0
    vehicles: int = 0
    mechanics: int = 0
    parts: int = 0
    tickets: int = 0
    ticket_mechanics: int = 0
    ticket_parts: int = 0
    stock_movements: int = 0
    invoices: int = 0
    payments: int = 0


# --------------------------------------------------------------------------- sinks


def _driver(raw: PoolProxiedConnection) -> Any:
    connection = raw.driver_connection
    if connection is None:
        raise RuntimeError("the pool handed out a closed connection")
    return connection


class _Sink(Protocol):
    """Where generated rows go: one open transaction on one backend."""

    tables: Sequence[str]

    def money(self, cents: int) -> object: ...
    def flag(self, value: bool) -> object: ...
    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> None: ...
    def update(self, sql: str, rows: Sequence[Row]) -> None: ...
    def scalar(self, sql: str) -> Any: ...
    def strings(self, sql: str) -> set[str]: ...
    def execute(self, sql: str) -> None: ...
    def drop_indexes(self) -> list[tuple[str, str]]: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


class _SqliteSink:
    """SQLite: one ``BEGIN IMMEDIATE`` transaction, no fsync and no per-row FK checks
    while loading (rows are consistent by construction); money as integer cents."""

    def __init__(self, engine: Engine, tables: Sequence[str]) -> None:
        self.tables = tables
        self.raw: PoolProxiedConnection = engine.raw_connection()
        self.conn: Any = _driver(self.raw)
        self.conn.execute("PRAGMA foreign_keys=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-262144")
        self.conn.execute("BEGIN IMMEDIATE")

    def money(self, cents: int) -> object:
        return cents

    def flag(self, value: bool) -> object:
        return 1 if value else 0

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
        marks = ", ".join("?" for _ in columns)
        self.conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
        )

    def update(self, sql: str, rows: Sequence[Row]) -> None:
        self.conn.executemany(sql, rows)

    def scalar(self, sql: str) -> Any:
        return self.conn.execute(sql).fetchone()[0]

    def strings(self, sql: str) -> set[str]:
        return {r[0] for r in self.conn.execute(sql)}

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    def _drop(self, kind: str, only: str) -> list[tuple[str, str]]:
        """Drop the seeded tables' ``kind`` objects (index, trigger) matching ``only``;
        their names and the SQL that makes them again."""
        tables = ", ".join(f"'{t}'" for t in self.tables)
        found = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL "
            f"AND name LIKE ? AND tbl_name IN ({tables}) ORDER BY name", (kind, only)
        ).fetchall()
        for name, _ in found:
            self.conn.execute(f'DROP {kind.upper()} "{name}"')
        return [(str(name), str(sql)) for name, sql in found]

    def drop_indexes(self) -> list[tuple[str, str]]:
        rebuild = self._drop("index", "%")
        # The search tables (FTS5, migrations 0001 and 0007) are filled by a trigger per
        # row; one 'rebuild' each at the end reads their tables once instead.
        triggers = self._drop("trigger", "%_fts_a_")
        rebuild += triggers
        for fts in sorted({name[:-3] for name, _ in triggers}):
            rebuild.append((fts, f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"))
        # The mechanic ranking's day sums (0017) recount a day per line; the loader
        # recounts them all once at the end instead.
        return rebuild + self._drop("trigger", "mechanic_work_%")

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("PRAGMA analysis_limit=2000")
        self.conn.execute("ANALYZE")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        try:
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("PRAGMA cache_size=-2000")
        finally:
            self.raw.close()


class _PostgresSink:
    """PostgreSQL: ``COPY ... FROM STDIN`` inside one transaction that first locks the
    seeded tables, so ids taken after ``max(id)`` cannot be taken by another desk."""

    def __init__(self, engine: Engine, tables: Sequence[str]) -> None:
        self.tables = tables
        self.raw: PoolProxiedConnection = engine.raw_connection()
        self.conn: Any = _driver(self.raw)
        self.cur: Any = self.conn.cursor()
        self.cur.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE ROW EXCLUSIVE MODE")

    def money(self, cents: int) -> object:
        return f"{cents // 100}.{cents % 100:02d}"

    def flag(self, value: bool) -> object:
        return value

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
        with self.cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)

    def update(self, sql: str, rows: Sequence[Row]) -> None:
        self.cur.executemany(sql.replace("?", "%s"), rows)

    def scalar(self, sql: str) -> Any:
        return self.cur.execute(sql).fetchone()[0]

    def strings(self, sql: str) -> set[str]:
        return {r[0] for r in self.cur.execute(sql)}

    def execute(self, sql: str) -> None:
        self.cur.execute(sql)

    def drop_indexes(self) -> list[tuple[str, str]]:
        # Constraint indexes (primary keys, unique) stay: they guard the load itself.
        tables = ", ".join(f"'{t}'::regclass" for t in self.tables)
        found = self.cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            f"WHERE i.indrelid IN ({tables}) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1"
        ).fetchall()
        for name, _ in found:
            self.cur.execute(f"DROP INDEX {name}")
        rebuild = [(str(name), str(sql)) for name, sql in found]
        # Foreign keys are checked by a trigger per row; re-adding them checks all rows
        # in one join instead.
        rebuild += self._drop_all(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) "
            f"FROM pg_constraint WHERE contype = 'f' AND conrelid IN ({tables}) ORDER BY 1",
            "ALTER TABLE {table} DROP CONSTRAINT {name}",
            "ALTER TABLE {table} ADD CONSTRAINT {name} {definition}",
        )
        # Triggers of our own (the mechanic ranking's day sums, 0017) recount a day per
        # row; the loader recounts them all once at the end instead.
        rebuild += self._drop_all(
            "SELECT tgname, tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger "
            f"WHERE NOT tgisinternal AND tgrelid IN ({tables}) ORDER BY 1",
            "DROP TRIGGER {name} ON {table}", "{definition}",
        )
        self.cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        return rebuild

    def _drop_all(self, find: str, drop: str, make: str) -> list[tuple[str, str]]:
        """Drop what ``find`` lists as (name, table, definition) rows with ``drop``;
        their names and the SQL (``make``) that makes each again."""
        found = self.cur.execute(find).fetchall()
        for name, table, _ in found:
            self.cur.execute(drop.format(name=name, table=table))
        return [(str(name), make.format(name=name, table=table, definition=definition))
                for name, table, definition in found]

    def commit(self) -> None:
        # Rows were loaded with explicit ids: move the id sequences past them.
        for table in self.tables:
            if table != "ticket_mechanics":
                self.cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        self.conn.commit()
        self.cur.execute(f"ANALYZE {', '.join(self.tables)}")
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        self.cur.close()
        self.raw.close()


def _open_sink(engine: Engine, tables: Sequence[str]) -> _Sink:
    if engine.dialect.name == "postgresql":
        return _PostgresSink(engine, tables)
    if engine.dialect.name == "sqlite":
        return _SqliteSink(engine, tables)
    raise ValueError(f"seeding {engine.dialect.name} databases is not supported")


# --------------------------------------------------------------------------- pools


class _Clock:
    """Times as integer microseconds from a fixed day, formatted the way both backends
    read naive UTC timestamps (always with microseconds, so text order is time order)."""

    def __init__(self, origin: date, days: int) -> None:
        self.origin = origin
        self.days = [(origin + timedelta(days=d)).isoformat() + " " for d in range(days)]

    def fmt(self, us: int) -> str:
        day, rest = divmod(us, DAY)
        seconds, micro = divmod(rest, SECOND)
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        return f"{self.days[day]}{hours:02d}:{minutes:02d}:{seconds:02d}.{micro:06d}"

    def year_of(self, day: int) -> int:
        return (self.origin + timedelta(days=day)).year


@dataclass
class _Pools:
    """Faker is slow (tens of µs a call), so draw a few thousand values once and combine."""

    first_names: list[str]
    last_names: list[str]
    streets: list[str]
    local_towns: list[str]
    other_towns: list[str]
    email_domains: list[str]
    work_domains: list[str]
    area_codes: list[str]

    @classmethod
    def build(cls, random_seed: int) -> _Pools:
        fake = Faker("en_US")
        fake.seed_instance(random_seed)
        state = fake.random_element(("CA", "TX", "FL", "NY", "PA", "IL", "OH", "GA", "NC", "MI"))
        local_towns = [f"{fake.city()}, {state} {fake.zipcode_in_state(state)}" for _ in range(30)]
        area_codes: list[str] = []
        while len(area_codes) < 40:
            code = f"{fake.random_int(201, 989)}"
            if code[1:] != "11" and code[1] != "9" and code not in area_codes:
                area_codes.append(code)
        return cls(
            first_names=[fake.first_name() for _ in range(1500)],
            last_names=[fake.last_name() for _ in range(2000)],
            streets=[fake.street_address() for _ in range(3000)],
            local_towns=local_towns,
            other_towns=[
                f"{fake.city()}, {fake.state_abbr(include_territories=False)} {fake.zipcode()}"
                for _ in range(300)
            ],
            email_domains=[fake.free_email_domain() for _ in range(60)],
            work_domains=[fake.domain_name() for _ in range(200)],
            area_codes=area_codes,
        )


def _local_part(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum())


def make_vin(rng: random.Random, wmi: str, year: int) -> str:
    """A VIN with a correct check digit and model-year code (position 7 a letter from
    2010 on, as the 30-year cycle rule expects)."""
    chars = rng.choices(VIN_ALPHABET, k=5)
    chars[3] = rng.choice(_VIN_LETTERS) if year >= 2010 else str(rng.randrange(10))
    plant = rng.choice(_VIN_LETTERS)
    vin = f"{wmi}{''.join(chars)}0{YEAR_CODES[(year - 1980) % 30]}{plant}{rng.randrange(10**6):06d}"
    return vin[:8] + check_digit(vin) + vin[9:]


def _plate(rng: random.Random) -> str:
    letters = "".join(rng.choices(_PLATE_LETTERS, k=3))
    digits = f"{rng.randrange(10_000):04d}"
    style = rng.random()
    if style < 0.5:
        return letters + digits
    if style < 0.8:
        return f"{rng.randrange(1, 10)}{letters}{digits[:3]}"
    return f"{digits[:3]}{letters}"


def _phone(rng: random.Random, pools: _Pools) -> str:
    area = pools.area_codes[rng.randrange(3)] if rng.random() < 0.8 else rng.choice(
        pools.area_codes
    )
    exchange = rng.randrange(200, 1000)
    if exchange % 100 == 11:
        exchange += 1
    line = rng.randrange(10_000)
    style = rng.random()
    if style < 0.5:
        return f"({area}) {exchange}-{line:04d}"
    if style < 0.85:
        return f"{area}-{exchange}-{line:04d}"
    return f"{area}.{exchange}.{line:04d}"


def _pick(rng: random.Random, table: Sequence[tuple[TicketStatus, float]]) -> TicketStatus:
    r = rng.random()
    for status, upto in table:
        if r < upto:
            return status
    return table[-1][0]


# --------------------------------------------------------------------------- loader


class _Loader:
    """Generates and writes one plan; holds the id bases and the per-vehicle schedule."""

    def __init__(
        self, sink: _Sink, plan: SeedPlan, say: Progress, *, jobs: bool = True,
        present: dict[str, set[str]] | None = None, recount: Sequence[str] = (),
    ) -> None:
        #: Statements that remake tables kept by triggers, run after a load made
        #: without its triggers (``mechanic_work_days``).
        self.recount = recount
        #: Each seeded table's columns in the schema being seeded (None: all of them).
        self.present = present or {}
        #: Whether the schema has jobs (revision 0006 on): each ticket then gets one
        #: approved job, authorised for its total, holding its lines.
        self.jobs = jobs
        self.sink = sink
        self.plan = plan
        self.say = say
        self.rng = random.Random(plan.random_seed)
        self.pools = _Pools.build(plan.random_seed)
        self.counts = SeedCounts()
        self.started = time.perf_counter()
        today = datetime.now(UTC).date()
        self.span = plan.years * 365
        first_day = today - timedelta(days=self.span)
        self.clock = _Clock(first_day - timedelta(days=LEAD_DAYS), LEAD_DAYS + self.span + 400)
        self.day0 = LEAD_DAYS  # clock day of the first ticket day
        self.today = LEAD_DAYS + self.span  # clock day of today (tickets end yesterday)
        self.now = self.today * DAY  # midnight UTC today: nothing is stamped later
        self.base = {t: int(sink.scalar(f"SELECT coalesce(max(id), 0) FROM {t}"))
                     for t in sink.tables if t != "ticket_mechanics"}
        self.base_number = int(sink.scalar("SELECT coalesce(max(number), 0) FROM service_tickets"))
        #: Whether the schema has invoices and payments (revision 0011 on): closed
        #: tickets then get theirs (``seed_money``).
        self.with_money = "invoices" in sink.tables
        self.customer_party: list[tuple[str, str, str]] = []
        self.vehicle_party: list[tuple[str, str]] = []
        self.seeder: MoneySeeder | None = None

    def note(self, what: str, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.started
        self.say(f"{what}: {done:,}/{total:,} ({elapsed:.1f} s)")

    # -- schedule: which vehicle comes in on which day, decided before any row is written

    def schedule(self) -> None:
        """Ticket days (weekday-heavy, growing business) and vehicles, so vehicles and
        customers can be stamped before their first visit and odometers known up front."""
        plan, rng = self.plan, self.rng
        weights = []
        weekday_weight = (1.0, 1.0, 1.0, 1.0, 1.1, 0.55, 0.05)
        first = self.clock.origin + timedelta(days=self.day0)
        for i in range(self.span):
            w = weekday_weight[(first.weekday() + i) % 7] * (0.7 + 0.3 * i / self.span)
            weights.append(w)
        scale = plan.tickets / sum(weights)
        self.day_of = array("i")
        running = 0.0
        placed = 0
        for i, w in enumerate(weights):
            running += w * scale
            upto = min(plan.tickets, round(running))
            self.day_of.extend([self.day0 + i] * (upto - placed))
            placed = upto
        self.day_of.extend([self.today - 1] * (plan.tickets - placed))

        owner = array("i")
        for c in range(plan.customers):
            owner.append(c)
            if rng.random() < 0.4:
                owner.append(c)
        self.owner = owner
        n_vehicles = len(owner)
        self.vehicle_of = array("i", (int(rng.random() * n_vehicles) for _ in range(plan.tickets)))
        self.first_day = array("i", [-1]) * n_vehicles
        self.last_day = array("i", [-1]) * n_vehicles
        for day, v in zip(self.day_of, self.vehicle_of, strict=True):
            if self.first_day[v] < 0:
                self.first_day[v] = day
            self.last_day[v] = day
        # Odometer model: a reading at the first visit plus whole miles a day, so every
        # later ticket reads higher and the vehicle's own reading is its last ticket's.
        self.odo_base = array("i")
        self.odo_rate = array("i")
        self.model_year = array("i")
        self.vehicle_created = array("q")
        for v in range(n_vehicles):
            first_day = self.first_day[v]
            seen = first_day if first_day >= 0 else self.day0 + rng.randrange(self.span)
            year = self.clock.year_of(seen) - int(rng.random() ** 1.6 * 16)
            year = max(1995, min(year, self.clock.year_of(seen) + 1))
            age = max(0.3, self.clock.year_of(seen) - year + rng.random())
            self.model_year.append(year)
            self.odo_base.append(int(age * rng.randrange(7_000, 15_000)))
            self.odo_rate.append(rng.randrange(12, 55))
            created_day = seen - rng.randrange(1, 120) if first_day >= 0 else seen
            self.vehicle_created.append(created_day * DAY + rng.randrange(12 * HOUR, 22 * HOUR))
        self.customer_created = array("q", [self.now]) * plan.customers
        for v, c in enumerate(owner):
            if self.vehicle_created[v] < self.customer_created[c]:
                self.customer_created[c] = self.vehicle_created[v] - rng.randrange(HOUR, 30 * DAY)

    def odometer(self, v: int, day: int) -> int:
        first = self.first_day[v]
        return self.odo_base[v] + self.odo_rate[v] * (day - first if first >= 0 else 0)

    # -- reference data

    def load(self, table: str, columns: Sequence[str], rows: Iterator[Row], total: int) -> int:
        """Write ``rows`` in chunks (memory stays flat), reporting after each."""
        done = 0
        while chunk := list(islice(rows, self.plan.chunk_size)):
            self.sink.insert(table, columns, chunk)
            done += len(chunk)
            self.note(table, done, total)
        return done

    def customers(self) -> None:
        total = self.plan.customers
        self.counts.customers = self.load("customers", CUSTOMER_COLUMNS, self._customers(), total)

    def _customers(self) -> Iterator[Row]:
        plan, rng, pools = self.plan, self.rng, self.pools
        taken = self.sink.strings("SELECT email FROM customers WHERE email IS NOT NULL")
        base, fmt = self.base["customers"], self.clock.fmt
        for c in range(plan.customers):
            cid = base + c + 1
            first, last = rng.choice(pools.first_names), rng.choice(pools.last_names)
            if rng.random() < 0.06:
                name = f"{first} {rng.choice(_VIN_LETTERS)}. {last}"
            else:
                name = f"{first} {last}"
            key = search_key(name)
            email = None
            if rng.random() < 0.92:
                style = rng.random()
                if style < 0.5:
                    local = f"{_local_part(first)}.{_local_part(last)}{cid}"
                elif style < 0.8:
                    local = f"{_local_part(first)[:1]}{_local_part(last)}{cid}"
                else:
                    local = f"{_local_part(last)}.{_local_part(first)}{cid}"
                domain = (rng.choice(pools.email_domains) if rng.random() < 0.85
                          else rng.choice(pools.work_domains))
                email = f"{local}@{domain}".lower()
                while email in taken:
                    email = "x" + email
                taken.add(email)
            phone = _phone(rng, pools)
            town = (rng.choice(pools.local_towns) if rng.random() < 0.85
                    else rng.choice(pools.other_towns))
            address = f"{rng.choice(pools.streets)}\n{town}"
            notes = "Prefers text messages" if rng.random() < 0.03 else ""
            stamp = fmt(self.customer_created[c])
            if self.with_money:
                self.customer_party.append((name, phone, address))
            yield (cid, name, key, key.rsplit(" ", 1)[-1], email, phone, phone_digits(phone),
                   address, notes, stamp, stamp)

    def vehicles(self) -> None:
        total = len(self.owner)
        self.counts.vehicles = self.load("vehicles", VEHICLE_COLUMNS, self._vehicles(), total)

    def _vehicles(self) -> Iterator[Row]:
        rng, fmt = self.rng, self.clock.fmt
        taken = self.sink.strings("SELECT vin FROM vehicles")
        makes = [m for m in MAKES for _ in range(m[3])]
        base, cbase = self.base["vehicles"], self.base["customers"]
        for v in range(len(self.owner)):
            make, models, wmis, _ = rng.choice(makes)
            year = self.model_year[v]
            vin = make_vin(rng, rng.choice(wmis), year)
            while vin in taken:
                vin = make_vin(rng, rng.choice(wmis), year)
            taken.add(vin)
            last = self.last_day[v]
            odometer = self.odometer(v, last) if last >= 0 else self.odo_base[v]
            stamp = fmt(self.vehicle_created[v])
            model = rng.choice(models)
            if self.with_money:
                self.vehicle_party.append((f"{year} {make} {model}", vin))
            yield (base + v + 1, cbase + self.owner[v] + 1, vin, make, model, year,
                   _plate(rng), odometer, stamp, stamp)

    def mechanics(self) -> None:
        rng, pools, plan = self.rng, self.pools, self.plan
        taken = self.sink.strings("SELECT email FROM mechanics WHERE email IS NOT NULL")
        base = self.base["mechanics"]
        stamp = self.clock.fmt(self.day0 * DAY - 90 * DAY)
        self.rates: list[int] = []
        self.active: list[int] = []
        rows: list[Row] = []
        for m in range(plan.mechanics):
            mid = base + m + 1
            first, last = rng.choice(pools.first_names), rng.choice(pools.last_names)
            name = f"{first} {last}"
            email = f"{_local_part(first)}.{_local_part(last)}{mid}@{pools.work_domains[0]}"
            while email in taken:
                email = "x" + email
            taken.add(email)
            phone = _phone(rng, pools)
            rate = rng.randrange(18, 57) * 250  # $45.00 to $140.00 in $2.50 steps
            active = m == 0 or rng.random() < 0.85
            self.rates.append(rate)
            if active:
                self.active.append(m)
            rows.append((mid, name, search_key(name), email.lower(), phone, phone_digits(phone),
                         self.sink.money(rate), self.sink.flag(active), stamp, stamp))
        self.sink.insert("mechanics", MECHANIC_COLUMNS, rows)
        self.counts.mechanics = plan.mechanics
        self.note("mechanics", plan.mechanics, plan.mechanics)

    def parts(self) -> None:
        rng, plan, sink = self.rng, self.plan, self.sink
        taken = sink.strings("SELECT sku FROM parts")
        base = self.base["parts"]
        self.part_created = self.day0 * DAY - 60 * DAY
        stamp = self.clock.fmt(self.part_created)
        self.prices: list[int] = []
        self.reorder: list[int] = []
        self.skus: list[str] = []
        rows: list[Row] = []
        for p in range(plan.parts):
            pid = base + p + 1
            code, kind, low, high, _, _ = PART_KINDS[p % len(PART_KINDS)]
            brand = PART_BRANDS[(p // len(PART_KINDS)) % len(PART_BRANDS)]
            series = p // (len(PART_KINDS) * len(PART_BRANDS))
            name = f"{brand} {kind}" + (f" #{series + 1}" if series else "")
            sku = f"{code}-{pid:06d}"
            while sku in taken:
                sku += "X"
            taken.add(sku)
            self.skus.append(sku)
            price = rng.randrange(low * 100, high * 100 + 1, 25) - 1
            cost = price * rng.randrange(45, 76) // 100
            reorder = rng.randrange(2, 16)
            self.prices.append(price)
            self.reorder.append(reorder)
            rows.append((pid, sku, name, search_key(name), sink.money(price), sink.money(cost),
                         0, reorder, 1, stamp, stamp))
        sink.insert("parts", PART_COLUMNS, rows)
        self.counts.parts = plan.parts
        self.note("parts", plan.parts, plan.parts)

    def canned_jobs(self) -> None:
        """The starter library (``starter_jobs``): each part is the first catalogue
        entry of its kind this run made; a job whose kind it did not make, or whose
        name the library already has, is left out. Draws nothing from the random
        stream, so the rest of the data is the same with or without it."""
        from mechanic_desktop.db.starter_jobs import STARTER_JOBS

        sink = self.sink
        if "canned_jobs" not in sink.tables:
            return
        have = sink.strings("SELECT name FROM canned_jobs")
        codes = [kind[0] for kind in PART_KINDS]
        pbase = self.base["parts"]
        job_id, line_id = self.base["canned_jobs"], self.base["canned_job_lines"]
        stamp = self.clock.fmt(self.part_created)
        jobs: list[Row] = []
        lines: list[Row] = []
        for name, concern, labour, parts in STARTER_JOBS:
            kinds = [codes.index(code) for code, _ in parts]
            if name in have or any(k >= self.plan.parts for k in kinds):
                continue
            job_id += 1
            jobs.append((job_id, name, search_key(name), concern, sink.flag(True), 1,
                         stamp, stamp))
            position = 0
            for operation, minutes in labour:
                position += 1
                line_id += 1
                lines.append((line_id, job_id, position, "labour", operation, minutes,
                              None, "", None))
            for k, (_, quantity) in zip(kinds, parts, strict=True):
                position += 1
                line_id += 1
                lines.append((line_id, job_id, position, "part", "", None, pbase + k + 1,
                              self.skus[k], quantity))
        sink.insert("canned_jobs", CANNED_JOB_COLUMNS, jobs)
        sink.insert("canned_job_lines", CANNED_LINE_COLUMNS, lines)
        self.note("canned jobs", len(jobs), len(STARTER_JOBS))

    # -- tickets and their lines

    def _status(self, i: int, age_days: int) -> TicketStatus:
        n = self.plan.tickets
        if n >= 5:
            forced = {0: TicketStatus.CANCELLED, 1: TicketStatus.CLOSED,
                      n - 3: TicketStatus.COMPLETED, n - 2: TicketStatus.IN_PROGRESS,
                      n - 1: TicketStatus.OPEN}.get(i)
            if forced is not None:
                return forced
        if age_days > 14:
            return _pick(self.rng, _OLD)
        if age_days > 3:
            return _pick(self.rng, _WEEK)
        return _pick(self.rng, _FRESH)

    def tickets(self) -> None:
        plan, rng, sink, fmt = self.plan, self.rng, self.sink, self.clock.fmt
        money = sink.money
        n_parts = plan.parts
        self.consumed = [0] * n_parts
        tbase, vbase = self.base["service_tickets"], self.base["vehicles"]
        cbase = self.base["customers"]
        mbase, pbase = self.base["mechanics"], self.base["parts"]
        line_id = self.base["ticket_parts"]
        # Movement ids: the parts' 'initial' movements come first (written last).
        move_id = self.base["stock_movements"] + n_parts
        everyone = list(range(plan.mechanics))
        # Parts are catalogued kind by kind (part p is of kind p % len(PART_KINDS)); pick
        # a kind by how often shops use it, then one of that kind's brands.
        kinds = [k for k in range(len(PART_KINDS)) if k < n_parts]
        kind_weights = list(accumulate(PART_KINDS[k][4] for k in kinds))
        per_kind = [len(range(k, n_parts, len(PART_KINDS))) for k in range(len(PART_KINDS))]
        jobs = self.jobs
        seeder = self._money_seeder() if self.with_money else None
        self.seeder = seeder
        tickets: list[Row] = []
        job_rows: list[Row] = []
        crew: list[Row] = []
        lines: list[Row] = []
        moves: list[Row] = []
        day_times: list[int] = []
        current_day = -1
        slot = 0
        for i in range(plan.tickets):
            day = self.day_of[i]
            if day != current_day:
                current_day = day
                k = self._day_count(i, day)
                day_times = sorted(rng.randrange(12 * HOUR, 22 * HOUR) for _ in range(k))
                slot = 0
            opened = day * DAY + day_times[slot]
            slot += 1
            age = self.today - day
            status = self._status(i, age)
            available = self.now - opened
            completed = closed = None
            if status in (TicketStatus.COMPLETED, TicketStatus.CLOSED):
                completed = opened + min(rng.randrange(2 * HOUR, 3 * DAY), available * 6 // 10)
                if status is TicketStatus.CLOSED:
                    closed = completed + min(rng.randrange(10 * MINUTE, 2 * DAY),
                                             (self.now - completed) // 2)
            elif status is TicketStatus.CANCELLED:
                closed = opened + min(rng.randrange(10 * MINUTE, 2 * DAY), available // 2)
            promised = (opened + rng.choice((4, 8, 24, 48, 72)) * HOUR
                        if rng.random() < 0.7 else None)
            started = opened + min(20 * MINUTE, available // 3)
            started_s = fmt(started)
            opened_s = fmt(opened)
            v = self.vehicle_of[i]
            tid = tbase + i + 1

            pool = self.active if age < 365 else everyone
            tenths = (3, 61) if completed is not None else (
                (0, 31) if status is TicketStatus.IN_PROGRESS else (0, 1))
            labor = 0
            chosen = rng.sample(pool, 2) if rng.random() < 0.3 and len(pool) > 1 else [
                rng.choice(pool)]
            for m in chosen:
                low, high = tenths  # mostly short jobs, a few long ones
                minutes = (low + int(rng.random() ** 2 * (high - low))) * 6  # whole tenths
                rate = self.rates[m]
                # minutes / 60 × rate, rounded half-up to the cent, once per line
                labor += (minutes * rate * 2 + 60) // 120
                crew.append((tid, mbase + m + 1, minutes, money(rate), started_s, tid, ""))

            parts_total = 0
            if n_parts:
                odds = _PART_LINES.get(status, _WORK_PART_LINES)
                r = rng.random()
                count = 0 if r < odds[0] else 1 if r < odds[1] else 2 if r < odds[2] else 3
                picked: set[int] = set()
                while len(picked) < min(count, n_parts):
                    kind = rng.choices(kinds, cum_weights=kind_weights)[0]
                    picked.add(kind + len(PART_KINDS) * int(rng.random() * per_kind[kind]))
                for p in sorted(picked):
                    qty = rng.choice(PART_KINDS[p % len(PART_KINDS)][5])
                    price = self.prices[p]
                    parts_total += qty * price
                    self.consumed[p] += qty
                    line_id += 1
                    move_id += 1
                    lines.append((line_id, tid, pbase + p + 1, qty, money(price), started_s,
                                  tid, sink.flag(True)))
                    moves.append((move_id, pbase + p + 1, -qty, "ticket", tid, None, "",
                                  started_s))

            total = parts_total + labor
            odometer = self.odometer(v, day) if rng.random() < 0.95 else None
            last_change = closed if closed is not None else completed
            description = self._description()
            owed = 0
            if seeder is not None:
                owner = self.owner[v]
                name, phone, address = self.customer_party[owner]
                party = Party(name, phone, address, *self.vehicle_party[v])
                owed = seeder.ticket(tid, self.base_number + i + 1, status, opened, closed,
                                     parts_total, labor, party,
                                     description.split(";")[0][:200])
            changed_s = fmt(last_change) if last_change is not None else opened_s
            tickets.append((
                tid, self.base_number + i + 1, cbase + self.owner[v] + 1, vbase + v + 1,
                status.value, description, odometer, opened_s,
                fmt(promised) if promised is not None else None,
                fmt(completed) if completed is not None else None,
                fmt(closed) if closed is not None else None,
                money(parts_total), money(labor), money(0), money(total), 1, opened_s,
                changed_s, money(total), money(owed),
            ))
            if jobs:
                job_rows.append((tid, tid, 1, description.split(";")[0][:200], description,
                                 "", "", "approved", 1, opened_s, changed_s, None, None, None))
            if len(tickets) >= plan.chunk_size:
                self._flush(tickets, job_rows, crew, lines, moves)
                tickets, job_rows, crew, lines, moves = [], [], [], [], []
                self.note("tickets", i + 1, plan.tickets)
        if tickets:
            self._flush(tickets, job_rows, crew, lines, moves)
            self.note("tickets", plan.tickets, plan.tickets)
        self.counts.tickets = plan.tickets
        if seeder is not None:
            for name, number in (("invoice", seeder.invoice_number),
                                 ("credit_note", seeder.note_number)):
                sink.execute(
                    "INSERT INTO document_counters (name, last_number) VALUES "
                    f"('{name}', {number}) ON CONFLICT (name) DO UPDATE SET "
                    "last_number = excluded.last_number")

    def _money_seeder(self) -> MoneySeeder:
        sink = self.sink
        bases = {t: self.base[t] for t in MONEY_TABLES}
        bases["invoice_number"] = int(sink.scalar("SELECT coalesce(max(number), 0) FROM invoices"))
        bases["credit_note_number"] = int(
            sink.scalar("SELECT coalesce(max(number), 0) FROM credit_notes"))
        return MoneySeeder(self.plan.random_seed, sink.money, sink.flag, self.clock.fmt,
                           self.now, bases)

    def _day_count(self, i: int, day: int) -> int:
        j = i
        while j < len(self.day_of) and self.day_of[j] == day:
            j += 1
        return j - i

    def _description(self) -> str:
        rng = self.rng
        text = rng.choice(CONCERNS)
        if rng.random() < 0.25:
            other = rng.choice(CONCERNS)
            if other != text:
                text += "; " + other[0].lower() + other[1:]
        return text

    def _flush(self, tickets: list[Row], job_rows: list[Row], crew: list[Row],
               lines: list[Row], moves: list[Row]) -> None:
        self._insert("service_tickets", TICKET_COLUMNS, tickets)
        if self.jobs:
            self._insert("ticket_jobs", JOB_COLUMNS, job_rows)
        self._insert("ticket_mechanics", TICKET_MECHANIC_COLUMNS, crew)
        self._insert("ticket_parts", TICKET_PART_COLUMNS, lines)
        self._insert("stock_movements", MOVEMENT_COLUMNS, moves)
        seeder = self.seeder
        if seeder is not None:
            rows = seeder.rows
            self._insert("invoices", INVOICE_COLUMNS, rows.invoices)
            self._insert("credit_notes", CREDIT_NOTE_COLUMNS, rows.notes)
            self._insert("payments", PAYMENT_COLUMNS, rows.payments)
            self.counts.invoices += len(rows.invoices)
            self.counts.payments += len(rows.payments)
            rows.clear()
        self.counts.ticket_mechanics += len(crew)
        self.counts.ticket_parts += len(lines)
        self.counts.stock_movements += len(moves)

    def _insert(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        """Write ``rows`` into the columns the schema being seeded has: the migration
        tests seed older revisions too, which lack the newer columns (left out here)."""
        have = self.present.get(table)
        if have is None or have.issuperset(columns):
            self.sink.insert(table, columns, rows)
            return
        keep = [i for i, c in enumerate(columns) if c in have]
        self.sink.insert(table, [columns[i] for i in keep],
                         [tuple(row[i] for i in keep) for row in rows])

    def opening_stock(self) -> None:
        """Book each part's opening stock (what tickets took plus what is left) and set
        on-hand to what is left, so on-hand equals the sum of the part's movements."""
        rng, sink = self.rng, self.sink
        base, pbase = self.base["stock_movements"], self.base["parts"]
        stamp = self.clock.fmt(self.part_created)
        moves: list[Row] = []
        on_hand: list[Row] = []
        for p in range(self.plan.parts):
            if rng.random() < 0.85:
                left = rng.randrange(0, 41)
            else:  # some parts at or below their reorder level
                left = rng.randrange(0, self.reorder[p])
            if self.consumed[p] + left == 0:
                left = rng.randrange(5, 41)
            moves.append((base + p + 1, pbase + p + 1, self.consumed[p] + left, "initial", None,
                          None, "Opening stock", stamp))
            on_hand.append((left, pbase + p + 1))
        sink.insert("stock_movements", MOVEMENT_COLUMNS, moves)
        sink.update("UPDATE parts SET quantity_on_hand = ? WHERE id = ?", on_hand)
        self.counts.stock_movements += len(moves)

    def run(self) -> SeedCounts:
        self.schedule()
        self.note("schedule", self.plan.tickets, self.plan.tickets)
        # A big load into a small database is several times faster with the secondary
        # indexes built once at the end than maintained row by row; it all stays one
        # transaction, so a failure still restores them.
        existing = int(self.sink.scalar("SELECT count(*) FROM service_tickets"))
        rebuild = (
            self.sink.drop_indexes()
            if self.plan.tickets >= DEFER_INDEXES_FROM and self.plan.tickets >= existing
            else []
        )
        self.customers()
        self.vehicles()
        self.mechanics()
        self.parts()
        self.canned_jobs()
        if self.plan.tickets:
            self.tickets()
        else:
            self.consumed = [0] * self.plan.parts
        self.opening_stock()
        for done, (name, sql) in enumerate(rebuild, 1):
            self.sink.execute(sql)
            self.note(f"rebuilt {name}", done, len(rebuild))
        if rebuild and self.recount:
            for sql in self.recount:
                self.sink.execute(sql)
            self.note("recounted mechanic work per day", 1, 1)
        return self.counts


#: What makes a database a shop's: any of these rows means someone works in it.
_SHOP_TABLES = (
    ("staff_users", "staff account"), ("customers", "customer"),
    ("service_tickets", "ticket"), ("parts", "part"), ("mechanics", "mechanic"),
)


def data_already_held(engine: Engine) -> str | None:
    """What the database already holds ("2 staff accounts, 40 customers"), or None
    when it is empty. The command-line seeder signs no one in, so it only fills an
    empty database (demo data for a working shop is an administrator's, in the app)."""
    held = []
    with engine.connect() as conn:
        for table, noun in _SHOP_TABLES:
            count = int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
            if count:
                held.append(f"{count:,} {noun}{'s' if count != 1 else ''}")
    return ", ".join(held) or None


def seed(engine: Engine, plan: SeedPlan, progress: Progress | None = None) -> str:
    """Append ``plan``'s worth of demo data to a migrated database; return a one-line report."""
    plan.check()
    say: Progress = progress or (lambda _message: None)
    started = time.perf_counter()
    inspector = inspect(engine)
    jobs = inspector.has_table("ticket_jobs")
    tables = SEEDED_TABLES if jobs else PRE_JOB_TABLES
    if inspector.has_table("canned_jobs"):
        tables += CANNED_TABLES
    if inspector.has_table("invoices"):
        tables += MONEY_TABLES
    sink = _open_sink(engine, tables)
    try:
        try:
            present = {t: {c["name"] for c in inspector.get_columns(t)} for t in tables}
            recount = (
                [str(statement.compile(dialect=engine.dialect,
                                       compile_kwargs={"literal_binds": True}))
                 for statement in recount_all(engine.dialect.name)]
                if inspector.has_table("mechanic_work_days") else []
            )
            counts = _Loader(sink, plan, say, jobs=jobs, present=present,
                             recount=recount).run()
            say("committing and analyzing")
            sink.commit()
        except BaseException:
            sink.rollback()
            raise
    finally:
        sink.close()
    seconds = time.perf_counter() - started
    return (
        f"Seeded {counts.customers:,} customers, {counts.vehicles:,} vehicles, "
        f"{counts.mechanics:,} mechanics, {counts.parts:,} parts, {counts.tickets:,} tickets "
        f"({counts.ticket_mechanics:,} mechanic lines, {counts.ticket_parts:,} parts lines, "
        f"{counts.stock_movements:,} stock movements, {counts.invoices:,} invoices, "
        f"{counts.payments:,} payments) in {seconds:.1f} s"
    )
