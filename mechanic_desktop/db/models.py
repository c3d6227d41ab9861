"""The shop's tables, in SQLAlchemy's typed declarative mapping.

Constraints in the database are the second line behind the service rules: a bug in a
service (or a second desk racing the first) still cannot store a negative stock level,
a duplicate VIN or a ticket without its customer. History is never cascade-deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from mechanic_desktop.db.types import Decimal3, Money, UtcDateTime, utcnow
from mechanic_desktop.domain.jobs import AuthorisationMethod, JobStatus
from mechanic_desktop.domain.status import TicketStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

STATUS_VALUES = ", ".join(f"'{s.value}'" for s in TicketStatus)
STAFF_ROLES = ("admin", "writer", "mechanic")
MOVEMENT_REASONS = ("initial", "ticket", "return", "receive", "adjust", "cancel")
JOB_STATUSES = ", ".join(f"'{s.value}'" for s in JobStatus)
DECISIONS = ", ".join(f"'{s.value}'" for s in JobStatus if s is not JobStatus.PROPOSED)
METHODS = ", ".join(f"'{m.value}'" for m in AuthorisationMethod)
#: A job that is recommended work on its vehicle (unless another job took it up).
OPEN_RECOMMENDATION = "status IN ('declined', 'deferred') AND dismissed_at IS NULL"
CANNED_KINDS = "'labour', 'part', 'fee'"
#: What each kind of canned job line holds (and leaves empty).
CANNED_LINE_SHAPE = (
    "(kind = 'labour' AND operation <> '' AND minutes >= 0 AND minutes <= 59994 "
    "AND part_id IS NULL AND quantity IS NULL AND amount IS NULL) OR "
    "(kind = 'part' AND sku <> '' AND quantity > 0 AND quantity <= 10000 "
    "AND minutes IS NULL AND amount IS NULL) OR "
    "(kind = 'fee' AND operation <> '' AND amount > 0 AND minutes IS NULL "
    "AND part_id IS NULL AND quantity IS NULL)"
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def only_on(dialect: str, index: Index) -> Index:
    """``index`` on one backend only (env.py leaves it out of the other's comparison)."""
    index.info["only_on"] = dialect
    index.ddl_if(dialect=dialect)
    return index


def trigram_index(name: str, column: str) -> Index:
    """A PostgreSQL trigram index for contains-search and word starts (``db/search.py``);
    SQLite gets an FTS5 table instead, made by the migrations (``SQLITE_FTS`` in 0007)."""
    return only_on(
        "postgresql",
        Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}),
    )


def keyed_text(length: int) -> String:
    """A column searched by prefix and sorted by: byte order ("C" collation) on PostgreSQL,
    as SQLite's binary collation is, so one b-tree serves both ``LIKE 'x%'`` and ORDER BY
    and both backends sort the same way."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


#: A discount is a percentage or an amount (> 0), never both, with a reason. (No upper
#: bound on the percentage here: SQLite keeps it scaled by 1000; services refuse > 100.)
DISCOUNT_SHAPE = (
    "(discount_percent IS NULL AND discount_amount IS NULL) OR (discount_reason <> '' AND "
    "((discount_percent > 0 AND discount_amount IS NULL) OR "
    "(discount_amount > 0 AND discount_percent IS NULL)))"
)


class LineDiscount:
    """A line's own discount: a percentage or an amount off it, and why."""

    discount_percent: Mapped[Decimal | None] = mapped_column(Decimal3)
    discount_amount: Mapped[Decimal | None] = mapped_column(Money)
    discount_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Customer(Timestamps, Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(keyed_text(200))
    surname_key: Mapped[str] = mapped_column(keyed_text(200))
    email: Mapped[str | None] = mapped_column(keyed_text(254), unique=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    phone_digits: Mapped[str] = mapped_column(keyed_text(40), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    vehicles: Mapped[list[Vehicle]] = relationship(back_populates="customer")

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        CheckConstraint("name <> ''", name="name_required"),
        CheckConstraint("email = lower(email)", name="email_lower"),
        Index("ix_customers_name_key_id", "name_key", "id"),
        # The id too on PostgreSQL (0021): a ticket search looks surnames up from this
        # index alone (SQLite's holds the rowid, the id).
        Index("ix_customers_surname_key", "surname_key", postgresql_include=["id"]),
        Index("ix_customers_phone_digits", "phone_digits"),
        trigram_index("ix_customers_name_key_trgm", "name_key"),
        trigram_index("ix_customers_phone_digits_trgm", "phone_digits"),
        trigram_index("ix_customers_email_trgm", "email"),
    )


class Vehicle(Timestamps, Base):
    __tablename__ = "vehicles"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    vin: Mapped[str] = mapped_column(keyed_text(17), unique=True)
    make: Mapped[str] = mapped_column(String(60), default="")
    model: Mapped[str] = mapped_column(String(60), default="")
    year: Mapped[int | None] = mapped_column(Integer)
    plate: Mapped[str] = mapped_column(keyed_text(20), default="")
    odometer: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    customer: Mapped[Customer] = relationship(back_populates="vehicles")

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        CheckConstraint("length(vin) = 17", name="vin_length"),
        CheckConstraint("year IS NULL OR (year >= 1886 AND year <= 2100)", name="year_range"),
        CheckConstraint("odometer IS NULL OR odometer >= 0", name="odometer_nonneg"),
        Index("ix_vehicles_plate", "plate"),
        trigram_index("ix_vehicles_vin_trgm", "vin"),
        trigram_index("ix_vehicles_plate_trgm", "plate"),
    )


class Mechanic(Timestamps, Base):
    __tablename__ = "mechanics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(keyed_text(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    phone_digits: Mapped[str] = mapped_column(String(40), default="")
    hourly_rate: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("name <> ''", name="name_required"),
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("hourly_rate >= 0", name="rate_nonneg"),
        Index("ix_mechanics_name_key_id", "name_key", "id"),
    )


class ServiceTicket(Timestamps, Base):
    __tablename__ = "service_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=TicketStatus.OPEN.value)
    description: Mapped[str] = mapped_column(Text, default="")
    odometer_in: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    promised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    parts_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    labor_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    tax_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    #: The amount (with tax) the customer's latest authorisation covers: when the total of
    #: the approved jobs grows past it, a new authorisation is needed.
    authorised_total: Mapped[Decimal] = mapped_column(
        Money, default=Decimal("0.00"), server_default=text("0")
    )
    #: Σ invoices − Σ credit notes − Σ payments of the ticket, kept by the billing
    #: services in the transaction that adds an entry (``invoicing.rebalance``): more than
    #: zero is owed (receivables), less than zero is paid ahead or overpaid.
    owed: Mapped[Decimal] = mapped_column(
        Money, default=Decimal("0.00"), server_default=text("0")
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    customer: Mapped[Customer] = relationship()
    vehicle: Mapped[Vehicle] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(f"status IN ({STATUS_VALUES})", name="status_known"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("odometer_in IS NULL OR odometer_in >= 0", name="odometer_nonneg"),
        CheckConstraint(
            "parts_total >= 0 AND labor_total >= 0 AND tax_total >= 0 AND total >= 0",
            name="totals_nonneg",
        ),
        # The customer too (PostgreSQL 0020, SQLite 0022): a search by a common name
        # walks this index newest first checking each ticket's customer, from the index
        # alone. SQLite has no INCLUDE: the customer is its last column.
        only_on("postgresql", Index("ix_service_tickets_opened_at_id", "opened_at", "id",
                                    postgresql_include=["customer_id"])),
        only_on("sqlite", Index("ix_service_tickets_opened_at_id", "opened_at", "id",
                                "customer_id")),
        Index("ix_service_tickets_status_opened_at_id", "status", "opened_at", "id"),
        # A customer's tickets by date, to the id (PostgreSQL 0023): a search by a surname
        # a few hundred customers share gathers their tickets from the index alone.
        # SQLite's entries end with the rowid, which is the id.
        only_on("postgresql", Index("ix_service_tickets_customer_id_opened_at",
                                    "customer_id", "opened_at", "id")),
        only_on("sqlite", Index("ix_service_tickets_customer_id_opened_at",
                                "customer_id", "opened_at")),
        # Reports select billed work by completion date. SQLite answers them from a
        # covering index (no row lookups: a year's report 35 % faster on 1M tickets);
        # PostgreSQL plans them as hash joins over the table and would only pay upkeep.
        only_on("postgresql", Index("ix_service_tickets_completed_at", "completed_at")),
        only_on("sqlite", Index(
            "ix_service_tickets_billed", "completed_at", "status", "opened_at",
            "parts_total", "labor_total", "tax_total", "total",
        )),
        trigram_index("ix_service_tickets_description_trgm", "description"),
        # Receivables and customer credit read only the few tickets not settled.
        Index("ix_service_tickets_owed", "customer_id", "owed", "closed_at",
              sqlite_where=text("owed <> 0"), postgresql_where=text("owed <> 0")),
    )


class TicketJob(Timestamps, Base):
    """One job of a repair order (brakes, timing belt): the customer's concern, the
    mechanic's cause and correction, and whether the customer approved it. Its labour
    and parts lines name it; only approved jobs count in the ticket's totals."""

    __tablename__ = "ticket_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_tickets.id"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    concern: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    correction: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.PROPOSED.value)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    #: The declined or deferred job (of an earlier ticket for the vehicle) this one was
    #: made from: that recommendation is taken up. At most one job takes up each.
    follow_up_of: Mapped[int | None] = mapped_column(ForeignKey("ticket_jobs.id"))
    #: A declined or deferred job the customer said no to for good: no longer recommended.
    dismissed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dismissed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("title <> ''", name="title_required"),
        CheckConstraint(f"status IN ({JOB_STATUSES})", name="status_known"),
        CheckConstraint("position > 0", name="position_positive"),
        # Lines name (job, ticket) together, so a line can never sit on one ticket while
        # its job belongs to another.
        UniqueConstraint("id", "ticket_id", name="uq_ticket_jobs_id_ticket"),
        Index("ix_ticket_jobs_ticket_id_position", "ticket_id", "position"),
        # The jobs that bill nothing (declined, deferred, proposed): few, and what the
        # mechanic ranking leaves out.
        Index("ix_ticket_jobs_not_approved", "id",
              postgresql_where=text("status <> 'approved'"),
              sqlite_where=text("status <> 'approved'")),
        trigram_index("ix_ticket_jobs_title_trgm", "title"),
        Index("uq_ticket_jobs_follow_up_of", "follow_up_of", unique=True),
        # The vehicle's recommended work: declined and deferred jobs not dismissed (a few
        # per cent of all jobs), so the follow-up report never scans the whole table.
        Index("ix_ticket_jobs_recommended", "ticket_id",
              sqlite_where=text(OPEN_RECOMMENDATION), postgresql_where=text(OPEN_RECOMMENDATION)),
    )


class TicketMechanic(LineDiscount, Base):
    """A labour line of one job: time at the rate copied when the line was made (so a
    later rate change does not rewrite history) and what is done (the operation). The
    mechanic doing it may not be chosen yet (a canned job's labour, billed at the shop's
    labour rate); a mechanic has at most one line per job."""

    __tablename__ = "ticket_mechanics"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(Integer)
    mechanic_id: Mapped[int | None] = mapped_column(ForeignKey("mechanics.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_tickets.id"), index=True)
    operation: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Time worked in whole minutes (0.25 h = 15); hours = minutes / 60.
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    hourly_rate: Mapped[Decimal] = mapped_column(Money)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: Whether sales tax applies to this line (at the shop's labour rate of tax).
    taxable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))

    __table_args__ = (
        CheckConstraint("minutes >= 0 AND minutes <= 59994", name="minutes_range"),
        CheckConstraint("hourly_rate >= 0", name="rate_nonneg"),
        CheckConstraint(DISCOUNT_SHAPE, name="discount_shape"),
        UniqueConstraint("job_id", "mechanic_id"),
        ForeignKeyConstraint(
            ["job_id", "ticket_id"], ["ticket_jobs.id", "ticket_jobs.ticket_id"],
            name="fk_ticket_mechanics_job",
        ),
        # The mechanic ranking reads time, rate and job per ticket from the index
        # (SQLite); the job's status says whether the time was billed.
        only_on("sqlite", Index(
            "ix_ticket_mechanics_work", "ticket_id", "mechanic_id", "minutes", "hourly_rate",
            "job_id",
        )),
    )


class MechanicWorkDay(Base):
    """One mechanic's billed work completed on one UTC day: the mechanic ranking's
    figures summed ahead (a year's report reads ~365 × mechanics rows, not every labour
    line of a year). Only billed tickets (completed or closed) and approved jobs count,
    as in the ranking. Never written by the app: triggers on ``service_tickets``,
    ``ticket_mechanics`` and ``ticket_jobs`` recount a day from those tables whenever a
    change touches a billed ticket, inside the same transaction (migration 0017), so it
    always equals :func:`mechanic_desktop.db.mechanic_work.billed_work` grouped by day."""

    __tablename__ = "mechanic_work_days"

    completed_on: Mapped[date] = mapped_column(Date, primary_key=True)
    mechanic_id: Mapped[int] = mapped_column(
        ForeignKey("mechanics.id", ondelete="CASCADE"), primary_key=True
    )
    #: Tickets with at least one line of this mechanic on an approved job.
    tickets: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(BigInteger)
    #: Labour in whole cents, each line rounded half-up as ``domain.totals.labor_line``.
    labor_cents: Mapped[int] = mapped_column(BigInteger)
    #: Σ over the lines of their ticket's opened → completed time, whole milliseconds.
    milliseconds: Mapped[int] = mapped_column(BigInteger)


class Part(Timestamps, Base):
    __tablename__ = "parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(keyed_text(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(keyed_text(200))
    unit_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    unit_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    quantity_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reorder_level: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("sku <> ''", name="sku_required"),
        CheckConstraint("name <> ''", name="name_required"),
        CheckConstraint("unit_price >= 0", name="price_nonneg"),
        CheckConstraint("unit_cost >= 0", name="cost_nonneg"),
        CheckConstraint("quantity_on_hand >= 0", name="on_hand_nonneg"),
        CheckConstraint("reorder_level >= 0", name="reorder_nonneg"),
        Index("ix_parts_name_key_id", "name_key", "id"),
        trigram_index("ix_parts_name_key_trgm", "name_key"),
        trigram_index("ix_parts_sku_trgm", "sku"),
    )


class TicketPart(LineDiscount, Base):
    """A parts line of one job at the price of the day. ``taken`` says whether its
    quantity has left the shelf: only lines of approved jobs are taken. ``ordered`` marks
    the part of an approved job's quantity the shelf could not cover, put on special
    order: never taken, it waits until the stock arrives and is taken from it. A job has
    at most one ordinary and one ordered line of each part."""

    __tablename__ = "ticket_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_tickets.id"), index=True)
    job_id: Mapped[int] = mapped_column(Integer)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    taken: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    ordered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: Whether sales tax applies to this line (at the shop's parts rate of tax).
    taxable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))

    __table_args__ = (
        UniqueConstraint("job_id", "part_id", "ordered"),
        CheckConstraint("NOT (ordered AND taken)", name="ordered_not_taken"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="price_nonneg"),
        CheckConstraint(DISCOUNT_SHAPE, name="discount_shape"),
        ForeignKeyConstraint(
            ["job_id", "ticket_id"], ["ticket_jobs.id", "ticket_jobs.ticket_id"],
            name="fk_ticket_parts_job",
        ),
    )


class TicketFee(LineDiscount, Base):
    """A fee line of one job: a plain amount with what it is for (an environmental or
    disposal fee, shop supplies), taxable or not (at the parts rate of tax). It counts
    in the totals as the job's other lines do: only while the job is approved."""

    __tablename__ = "ticket_fees"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_tickets.id"), index=True)
    job_id: Mapped[int] = mapped_column(Integer, index=True)
    description: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    taxable: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: Put on (and kept up to date) by one of the shop's automatic fee rules.
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint("description <> ''", name="description_required"),
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        CheckConstraint(DISCOUNT_SHAPE, name="discount_shape"),
        ForeignKeyConstraint(
            ["job_id", "ticket_id"], ["ticket_jobs.id", "ticket_jobs.ticket_id"],
            name="fk_ticket_fees_job",
        ),
    )


class TicketDiscount(LineDiscount, Base):
    """A discount on a ticket's approved work (at most one per ticket), spread over its
    lines before tax; who gave it and when."""

    __tablename__ = "ticket_discounts"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_tickets.id"), primary_key=True)
    given_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    given_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(DISCOUNT_SHAPE, name="discount_shape"),
        CheckConstraint("discount_percent IS NOT NULL OR discount_amount IS NOT NULL",
                        name="discount_given"),
    )


class Authorisation(Base):
    """The customer's decision on some of a ticket's jobs: who, how, when, for how much
    (with tax, the approved jobs' total after it), and who at the desk recorded it.
    Never edited, only added: each prints on the work order and the invoice."""

    __tablename__ = "authorisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_tickets.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    authorised_by: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    contact: Mapped[str] = mapped_column(String(254), default="")
    authorised_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("authorised_by <> ''", name="name_required"),
        CheckConstraint(f"method IN ({METHODS})", name="method_known"),
        CheckConstraint("amount >= 0", name="amount_nonneg"),
    )


class AuthorisationJob(Base):
    """One job's decision within an authorisation, with the job's total at that time."""

    __tablename__ = "authorisation_jobs"

    authorisation_id: Mapped[int] = mapped_column(
        ForeignKey("authorisations.id"), primary_key=True
    )
    job_id: Mapped[int] = mapped_column(ForeignKey("ticket_jobs.id"), primary_key=True)
    decision: Mapped[str] = mapped_column(String(10))
    job_total: Mapped[Decimal] = mapped_column(Money)

    __table_args__ = (
        CheckConstraint(f"decision IN ({DECISIONS})", name="decision_known"),
        Index("ix_authorisation_jobs_job_id", "job_id"),
    )


class CannedJob(Timestamps, Base):
    """A named job of the shop's library ("Front brake pads and rotors"): the
    customer's concern and the labour and parts it usually takes. Adding it to a ticket
    copies it as a proposed job at the day's prices; tickets never refer back to it."""

    __tablename__ = "canned_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_key: Mapped[str] = mapped_column(keyed_text(200))
    concern: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("name <> ''", name="name_required"),
        Index("ix_canned_jobs_name_key_id", "name_key", "id"),
    )


class CannedJobLine(Base):
    """One line of a canned job: labour (an operation and its minutes), a part (by id,
    with the SKU it had when chosen, so a deleted part can still be named) or a fee (a
    description and an amount)."""

    __tablename__ = "canned_job_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    canned_job_id: Mapped[int] = mapped_column(ForeignKey("canned_jobs.id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    operation: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int | None] = mapped_column(Integer)
    part_id: Mapped[int | None] = mapped_column(
        ForeignKey("parts.id", ondelete="SET NULL"), index=True
    )
    sku: Mapped[str] = mapped_column(String(40), default="")
    quantity: Mapped[int | None] = mapped_column(Integer)
    #: A fee line's amount (``operation`` says what the fee is for).
    amount: Mapped[Decimal | None] = mapped_column(Money)

    __table_args__ = (
        CheckConstraint(f"kind IN ({CANNED_KINDS})", name="kind_known"),
        CheckConstraint(CANNED_LINE_SHAPE, name="line_shape"),
        Index("ix_canned_job_lines_canned_job_id_position", "canned_job_id", "position"),
    )


class StockMovement(Base):
    """The stock ledger: on-hand always equals the sum of a part's movements."""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(20))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("service_tickets.id"), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_nonzero"),
        CheckConstraint(
            "reason IN (" + ", ".join(f"'{r}'" for r in MOVEMENT_REASONS) + ")",
            name="reason_known",
        ),
        Index("ix_stock_movements_part_id_created_at", "part_id", "created_at"),
    )


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    mechanic_id: Mapped[int | None] = mapped_column(ForeignKey("mechanics.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: Bumped by an administrator's edits only (not by sign-ins, which also write this
    #: row), so an open staff editor goes stale exactly when someone else edited it.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    __table_args__ = (
        CheckConstraint("username = lower(username) AND username <> ''", name="username_lower"),
        CheckConstraint(
            "role IN (" + ", ".join(f"'{r}'" for r in STAFF_ROLES) + ")", name="role_known"
        ),
        CheckConstraint("failed_logins >= 0", name="failed_nonneg"),
    )


class SignInThrottle(Base):
    """Failed sign-ins under a user name no account has, so that such a name locks
    exactly as a real one does; ``name_key`` is a short hash, never the name."""

    __tablename__ = "sign_in_throttle"

    name_key: Mapped[str] = mapped_column(String(16), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (CheckConstraint("failed_logins >= 0", name="failed_nonneg"),)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    #: The computer the row came from (its host name): the only "who" of a failed sign-in.
    workstation: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_audit_log_at_id", "at", "id"),
        Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),
    )


class ShopSettings(Base):
    """The shop's own details and pricing rules: exactly one row (id 1)."""

    __tablename__ = "shop_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="My Repair Shop")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    #: Sales tax in percent on parts and fees, e.g. 8.875.
    tax_rate: Mapped[Decimal] = mapped_column(Decimal3, default=Decimal("0"))
    labor_taxed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Sales tax on labour when it is taxed (``labor_taxed``); NULL: the parts rate.
    labor_tax_rate: Mapped[Decimal | None] = mapped_column(Decimal3)
    ticket_prefix: Mapped[str] = mapped_column(String(10), default="RO-")
    invoice_prefix: Mapped[str] = mapped_column(
        String(10), default="INV-", server_default=text("'INV-'")
    )
    credit_note_prefix: Mapped[str] = mapped_column(
        String(10), default="CN-", server_default=text("'CN-'")
    )
    #: Ways of paying the shop takes besides cash, card, cheque and bank transfer, one
    #: per line (e.g. "Financing", "Gift card").
    payment_methods: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    #: What an hour of labour is billed at when no mechanic's own rate applies yet (a
    #: canned job's labour, before someone is assigned to it).
    labor_rate: Mapped[Decimal] = mapped_column(
        Money, default=Decimal("0.00"), server_default=text("0")
    )
    #: How far (with tax) approved work may grow past the customer's authorisation before
    #: the ticket asks for a new one.
    authorisation_tolerance: Mapped[Decimal] = mapped_column(
        Money, default=Decimal("0.00"), server_default=text("0")
    )
    #: The largest discount (percent of what it is taken off) a service writer may give
    #: (none until an administrator sets it); administrators may give any.
    max_writer_discount: Mapped[Decimal] = mapped_column(
        Decimal3, default=Decimal("0"), server_default=text("0")
    )
    #: Cost bands and their markups, one a line ("up to 10.00: 100%"), pricing parts
    #: that have no fixed price (``domain.markup``); empty: none.
    markup_bands: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Days an estimate's prices hold (printed on the estimate).
    estimate_valid_days: Mapped[int] = mapped_column(
        Integer, default=30, server_default=text("30")
    )
    #: Printed in every document's letterhead.
    email: Mapped[str] = mapped_column(String(254), default="", server_default=text("''"))
    tax_number: Mapped[str] = mapped_column(String(40), default="", server_default=text("''"))
    #: Printed at the foot of invoices.
    invoice_terms: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    #: "letter" or "a4": what documents are laid out on.
    paper_size: Mapped[str] = mapped_column(
        String(6), default="letter", server_default=text("'letter'")
    )
    #: The logo printed on documents (PNG or JPEG), kept here so every desk prints it;
    #: deferred: read only when a document is printed (``shop.get_logo``).
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("tax_rate >= 0", name="tax_nonneg"),
        CheckConstraint("labor_tax_rate IS NULL OR labor_tax_rate >= 0",
                        name="labor_tax_nonneg"),
        CheckConstraint("max_writer_discount >= 0",
                        name="max_discount_range"),
        CheckConstraint("authorisation_tolerance >= 0", name="tolerance_nonneg"),
        CheckConstraint("labor_rate >= 0", name="labor_rate_nonneg"),
        CheckConstraint(
            "estimate_valid_days >= 1 AND estimate_valid_days <= 365", name="valid_days_range"
        ),
        CheckConstraint("paper_size IN ('letter', 'a4')", name="paper_size"),
        CheckConstraint("logo IS NULL OR length(logo) <= 262144", name="logo_size"),
    )


class FeeRuleRow(Base):
    """One of the shop's fee rules (``domain.fee_rules``): a fixed ``amount``, or
    ``percent`` of a job's labour or parts (``base``) up to ``cap``; automatic or by
    hand. Saved with the shop settings, all at once."""

    __tablename__ = "fee_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    percent: Mapped[Decimal | None] = mapped_column(Decimal3)
    base: Mapped[str | None] = mapped_column(String(10))
    cap: Mapped[Decimal | None] = mapped_column(Money)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    taxable: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint("name <> ''", name="name_required"),
        CheckConstraint(
            "(amount > 0 AND percent IS NULL AND base IS NULL AND cap IS NULL) OR "
            "(amount IS NULL AND percent > 0 AND base IN ('labour', 'parts') "
            "AND (cap IS NULL OR cap > 0))",
            name="rule_shape",
        ),
    )


class DocumentCounter(Base):
    """The last number given out of a gapless sequence ("invoice", "credit_note"). A
    posting locks its row (PostgreSQL ``FOR UPDATE``; SQLite's BEGIN IMMEDIATE already
    serialises writers) and raises it in the same transaction as the document: a
    rolled-back posting gives its number back, so numbers have no gaps and no twins."""

    __tablename__ = "document_counters"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (CheckConstraint("last_number >= 0", name="last_nonneg"),)


class Invoice(Base):
    """A posted invoice: its number, when and by whom, its totals (for sums and
    reports) and ``snapshot``, the frozen document (JSON: lines, prices, tax, customer,
    vehicle, authorisations as they were). Never updated or deleted; a credit note
    cancels it."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    label: Mapped[str] = mapped_column(String(30))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_tickets.id"), index=True)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    parts_total: Mapped[Decimal] = mapped_column(Money)
    labor_total: Mapped[Decimal] = mapped_column(Money)
    tax_total: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    #: Closed by an administrator with a balance still due: the customer owes it.
    on_account: Mapped[bool] = mapped_column(Boolean, default=False)
    snapshot: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        # Revenue sums a period's invoices by posting date from a covering index (no row
        # lookups; the rows are wide with their snapshot): 1M tickets on PostgreSQL,
        # 517 -> 250 ms a year.
        only_on("postgresql", Index(
            "ix_invoices_posted_at", "posted_at",
            postgresql_include=["parts_total", "labor_total", "tax_total", "total"])),
        only_on("sqlite", Index("ix_invoices_revenue", "posted_at", "parts_total",
                                "labor_total", "tax_total", "total")),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint(
            "parts_total >= 0 AND labor_total >= 0 AND tax_total >= 0 AND total >= 0",
            name="totals_nonneg",
        ),
    )


class CreditNote(Base):
    """Credits a posted invoice, in full or in part (chosen lines or an amount), with the
    reason. Several may credit one invoice while their sum stays within its total; the
    one that reaches the total (``cancels``) cancels the invoice, at most one each."""

    __tablename__ = "credit_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    label: Mapped[str] = mapped_column(String(30))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_tickets.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    #: This note brings the invoice's credited sum to its total: the invoice is cancelled.
    cancels: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    #: What a partial note credits, as JSON: [{"what": ..., "amount": "12.50"}, ...]
    #: ("[]": the whole invoice, or an amount given with the reason only).
    lines: Mapped[str] = mapped_column(Text, default="[]", server_default=text("'[]'"))

    __table_args__ = (
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        CheckConstraint("reason <> ''", name="reason_required"),
        Index("ix_credit_notes_issued_at", "issued_at"),
        Index("uq_credit_notes_cancels_invoice", "invoice_id", unique=True,
              sqlite_where=text("cancels"), postgresql_where=text("cancels")),
    )


class Payment(Base):
    """Money taken for a ticket (a deposit before its invoice, or against it); a refund
    is a negative entry with its reason. Entries are added, never edited."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_tickets.id"), index=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(40), default="")
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_nonzero"),
        CheckConstraint("method <> ''", name="method_given"),
        CheckConstraint("amount > 0 OR reason <> ''", name="refund_reason"),
        Index("ix_payments_taken_at", "taken_at"),
    )
