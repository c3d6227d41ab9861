"""Plain, immutable values services hand to the UI (never ORM objects, which belong
to the worker thread's Session)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from mechanic_desktop.domain.billing import BillingRecord
from mechanic_desktop.domain.discounts import Discount, spread
from mechanic_desktop.domain.markup import Band
from mechanic_desktop.domain.totals import (
    ZERO,
    Charge,
    LineKind,
    TaxRules,
    Totals,
    charges_totals,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What a table page asks for: search text, sort, quick filters, and where to resume.

    ``ids`` narrows the list to those rows (a view re-reading the rows a write changed):
    search, filters and sort still apply, so a row that no longer matches is not returned.
    """

    search: str = ""
    sort: str = ""
    descending: bool = False
    cursor: tuple[Any, ...] | None = None
    limit: int = 200
    filters: dict[str, Any] = field(default_factory=dict)
    ids: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of rows and the cursor that fetches the next (None at the end)."""

    rows: tuple[T, ...]
    next_cursor: tuple[Any, ...] | None


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    id: int
    name: str
    email: str | None
    phone: str
    address: str
    notes: str
    created_at: datetime
    updated_at: datetime
    #: The version read; a save names it and is refused if another desk saved since.
    version: int = 1


@dataclass(frozen=True, slots=True)
class CustomerRow:
    id: int
    name: str
    phone: str
    email: str | None
    vehicle_count: int
    open_tickets: int


@dataclass(frozen=True, slots=True)
class VehicleRecord:
    id: int
    customer_id: int
    vin: str
    make: str
    model: str
    year: int | None
    plate: str
    odometer: int | None
    vin_warning: str | None = None
    version: int = 1

    @property
    def title(self) -> str:
        parts = [str(self.year) if self.year else "", self.make, self.model]
        text = " ".join(p for p in parts if p)
        return f"{text} ({self.plate})" if self.plate else text or self.vin


@dataclass(frozen=True, slots=True)
class VehicleRow:
    id: int
    vin: str
    year: int | None
    make: str
    model: str
    plate: str
    customer_id: int
    customer_name: str


@dataclass(frozen=True, slots=True)
class MechanicRecord:
    id: int
    name: str
    email: str | None
    phone: str
    #: None: not sent to this reader (a mechanic sees no pay rates).
    hourly_rate: Decimal | None
    active: bool
    version: int = 1


@dataclass(frozen=True, slots=True)
class MechanicRow:
    id: int
    name: str
    phone: str
    #: None for a reader who may not see pay rates (a mechanic).
    hourly_rate: Decimal | None
    active: bool
    open_tickets: int


@dataclass(frozen=True, slots=True)
class PartRecord:
    id: int
    sku: str
    name: str
    unit_price: Decimal
    unit_cost: Decimal
    quantity_on_hand: int
    reorder_level: int
    version: int

    @property
    def low_stock(self) -> bool:
        return self.quantity_on_hand <= self.reorder_level


@dataclass(frozen=True, slots=True)
class PartRow:
    id: int
    sku: str
    name: str
    quantity_on_hand: int
    reorder_level: int
    unit_price: Decimal

    @property
    def low_stock(self) -> bool:
        return self.quantity_on_hand <= self.reorder_level


@dataclass(frozen=True, slots=True)
class TicketRecord:
    id: int
    number: int
    customer_id: int
    customer_name: str
    vehicle_id: int
    vehicle_title: str
    status: str
    description: str
    odometer_in: int | None
    opened_at: datetime
    promised_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    parts_total: Decimal
    labor_total: Decimal
    tax_total: Decimal
    total: Decimal
    version: int


@dataclass(frozen=True, slots=True)
class TicketRow:
    id: int
    number: int
    status: str
    customer_name: str
    vehicle_title: str
    opened_at: datetime
    promised_at: datetime | None
    mechanics: str
    total: Decimal
    #: The number as the shop prints it ("RO-12"): the same in every list and document.
    label: str = ""


@dataclass(frozen=True, slots=True)
class ShopSettingsRecord:
    name: str
    address: str
    phone: str
    #: Sales tax on parts and fees in percent (up to 3 decimals), e.g. 8.875.
    tax_rate: Decimal
    #: Whether labour is taxed (at ``labor_tax_rate``) at all.
    labor_taxed: bool
    ticket_prefix: str
    version: int
    #: Overrun (with tax) allowed past the customer's authorisation before a new one.
    authorisation_tolerance: Decimal = Decimal("0.00")
    #: Days an estimate's prices hold.
    estimate_valid_days: int = 30
    #: An hour of labour nobody is assigned to yet (a canned job's) is billed at this.
    labor_rate: Decimal = Decimal("0.00")
    #: Printed before invoice and credit-note numbers ("INV-7", "CN-2").
    invoice_prefix: str = "INV-"
    credit_note_prefix: str = "CN-"
    #: The shop's own ways of paying, one per line (``billing.shop_methods`` reads them).
    payment_methods: str = ""
    #: Sales tax on labour in percent when labour is taxed; None: the parts rate.
    labor_tax_rate: Decimal | None = None
    #: The largest discount (percent) a service writer may give.
    max_writer_discount: Decimal = Decimal("0")
    #: Cost bands and markups pricing a part that has no fixed price.
    markup_bands: tuple[Band, ...] = ()
    #: Printed in every document's letterhead.
    email: str = ""
    tax_number: str = ""
    #: Printed at the foot of invoices (payment terms, warranty, thanks).
    invoice_terms: str = ""
    #: A PaperSize value: what documents are laid out on.
    paper_size: str = "letter"

    @property
    def labour_rate_of_tax(self) -> Decimal:
        """The rate labour lines are taxed at (0 when labour is not taxed)."""
        if not self.labor_taxed:
            return ZERO
        return self.tax_rate if self.labor_tax_rate is None else self.labor_tax_rate

    @property
    def tax_rules(self) -> TaxRules:
        return TaxRules(self.tax_rate, self.labour_rate_of_tax)

    def ticket_label(self, number: int) -> str:
        """How a ticket number is printed, e.g. 'RO-42'."""
        return f"{self.ticket_prefix}{number}"


@dataclass(frozen=True, slots=True)
class MechanicLineRecord:
    """A labour line: a mechanic's time on a job at the rate copied when the line was
    made; ``mechanic_id`` None (and ``name`` "") while nobody is assigned to it."""

    mechanic_id: int | None
    name: str
    minutes: int
    hourly_rate: Decimal
    line_total: Decimal
    active: bool
    job_id: int = 0
    #: What was done ("Replace front pads"); empty when the job's title says it.
    operation: str = ""
    line_id: int = 0
    taxable: bool = True
    discount: Discount | None = None

    @property
    def hours(self) -> Decimal:
        return Decimal(self.minutes) / 60

    @property
    def amount(self) -> Decimal:
        return self.line_total

    @property
    def kind(self) -> LineKind:
        return LineKind.LABOUR

    @property
    def id(self) -> int:
        return self.line_id


@dataclass(frozen=True, slots=True)
class PartLineRecord:
    """A parts line at the price of the day it was added; ``taken`` once its quantity
    has left the shelf (lines of approved jobs only); ``ordered`` while it waits on
    special order for stock the shelf did not have."""

    id: int
    part_id: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    job_id: int = 0
    taken: bool = True
    ordered: bool = False
    taxable: bool = True
    discount: Discount | None = None

    @property
    def amount(self) -> Decimal:
        return self.line_total

    @property
    def kind(self) -> LineKind:
        return LineKind.PART


@dataclass(frozen=True, slots=True)
class FeeLineRecord:
    """A fee line of a job (an environmental or disposal fee, shop supplies)."""

    id: int
    job_id: int
    description: str
    amount: Decimal
    taxable: bool = True
    discount: Discount | None = None
    #: Put on by the shop's fee rules (not removable; a discount waives it).
    automatic: bool = False

    @property
    def kind(self) -> LineKind:
        return LineKind.FEE


LineRecord = MechanicLineRecord | PartLineRecord | FeeLineRecord


def own_discount(line: LineRecord) -> Decimal:
    """What the line's own discount takes off it."""
    return line.discount.off(line.amount) if line.discount is not None else ZERO


def lines_totals(
    lines: Iterable[LineRecord], rules: TaxRules, ticket_discount: Discount | None = None
) -> Totals:
    """What ``lines`` come to under ``rules``: each line's own discount, then the
    ticket's spread over what they still bill, then each line's tax, all rounded once."""
    chosen = list(lines)
    own = [own_discount(line) for line in chosen]
    shares = (spread(ticket_discount, [ln.amount - d for ln, d in zip(chosen, own, strict=True)])
              if ticket_discount is not None else [ZERO] * len(chosen))
    return charges_totals(
        (Charge(line.kind, line.amount, line.taxable, d + s)
         for line, d, s in zip(chosen, own, shares, strict=True)),
        rules,
    )


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One job of a ticket with its own lines and totals (tax on the job alone)."""

    id: int
    position: int
    title: str
    concern: str
    cause: str
    correction: str
    #: A JobStatus value.
    status: str
    version: int
    mechanics: tuple[MechanicLineRecord, ...]
    parts: tuple[PartLineRecord, ...]
    totals: Totals
    fees: tuple[FeeLineRecord, ...] = ()

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @property
    def lines(self) -> tuple[LineRecord, ...]:
        return (*self.mechanics, *self.parts, *self.fees)


@dataclass(frozen=True, slots=True)
class AuthorisationRecord:
    """One recorded customer decision, as printed on the work order and invoice."""

    id: int
    authorised_at: datetime
    authorised_by: str
    #: An AuthorisationMethod value.
    method: str
    contact: str
    amount: Decimal
    recorded_by: str
    #: (job title, JobStatus value) for each job decided.
    decisions: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class TicketDetail:
    """Everything the ticket screen, the work order and the invoice show."""

    ticket: TicketRecord
    vehicle_vin: str
    customer_phone: str
    mechanics: tuple[MechanicLineRecord, ...]
    parts: tuple[PartLineRecord, ...]
    totals: Totals
    #: Statuses the ticket may move to next (values of TicketStatus), in lifecycle order.
    allowed_next: tuple[str, ...]
    #: False once completed, closed or cancelled: lines can no longer change.
    editable: bool
    #: Completed or closed: reopen_ticket can bring it back to work.
    reopenable: bool
    jobs: tuple[JobRecord, ...] = ()
    authorisations: tuple[AuthorisationRecord, ...] = ()
    #: What the latest authorisation covers (with tax).
    authorised_total: Decimal = Decimal("0.00")
    #: How much more the customer must authorise before work goes on (0: nothing).
    authorisation_needed: Decimal = Decimal("0.00")
    #: Totals of the jobs still proposed or approved: what the estimate shows.
    estimate: Totals | None = None
    #: Posted invoices, credit notes, payments and the balance due.
    billing: BillingRecord = field(default_factory=BillingRecord)
    #: The customer's postal address, printed on every document.
    customer_address: str = ""
    fees: tuple[FeeLineRecord, ...] = ()
    #: The discount on the ticket's approved work (spread over its lines), if any.
    discount: Discount | None = None

    def totals_of(self, job_ids: set[int], rules: TaxRules) -> Totals:
        """What the lines of the jobs ``job_ids`` come to under ``rules``, with the
        ticket's discount."""
        lines: tuple[LineRecord, ...] = (*self.mechanics, *self.parts, *self.fees)
        return lines_totals((line for line in lines if line.job_id in job_ids), rules,
                            self.discount)


@dataclass(frozen=True, slots=True)
class StockMovementRow:
    id: int
    created_at: datetime
    quantity: int
    reason: str
    ticket_id: int | None
    ticket_number: int | None
    staff_name: str | None
    note: str


@dataclass(frozen=True, slots=True)
class StockDiscrepancy:
    """A part whose on-hand count disagrees with the sum of its ledger."""

    part_id: int
    sku: str
    on_hand: int
    ledger: int
