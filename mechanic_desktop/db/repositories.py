"""Repositories: how each kind of record is found, added and listed.

Services find, add and list records through these; the list queries here are
keyset-paged and sorted and filtered in the database, so a table of a million rows costs
one page. A service may still run a statement of its own on ``uow.session`` where the
query is that service's own rule (a report's aggregate, a bulk CSV write); every write,
ORM or Core, passes through the unit of work, whose change log names what it touched
(Core writes here that name their rows carry ``NAMED``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar, cast

from sqlalchemy import (
    Boolean,
    ColumnElement,
    CompoundSelect,
    Integer,
    Label,
    Select,
    SQLColumnExpression,
    String,
    Table,
    and_,
    any_,
    exists,
    false,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased, joinedload
from sqlalchemy.sql import Executable

from mechanic_desktop.db import change_log, pipeline
from mechanic_desktop.db.aggregates import joined_ids, joined_text
from mechanic_desktop.db.models import (
    AuditEntry,
    Authorisation,
    AuthorisationJob,
    Base,
    CannedJob,
    CannedJobLine,
    CreditNote,
    Customer,
    FeeRuleRow,
    Invoice,
    Mechanic,
    Part,
    Payment,
    ServiceTicket,
    ShopSettings,
    StaffUser,
    StockMovement,
    TicketDiscount,
    TicketFee,
    TicketJob,
    TicketMechanic,
    TicketPart,
    Vehicle,
)
from mechanic_desktop.db.paging import (
    SortKey,
    keyset_page,
    starts_with,
    word_starts_with,
)
from mechanic_desktop.db.prepared import Bound, prepared
from mechanic_desktop.db.search import (
    fragment,
    fragment_rowids,
    has_word,
    is_sqlite,
    word_prefix,
    word_prefix_rowids,
)
from mechanic_desktop.db.types import IdArrayText, utcnow
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.domain.status import ACTIVE_STATUSES
from mechanic_desktop.domain.validation import (
    check_search,
    is_phone_like,
    name_part_matches,
    phone_digits,
    phone_search_digits,
    search_key,
    search_terms,
)

#: Execution options of a Core write whose rows the repository names itself (change_log).
NAMED = {change_log.NAMES_ITS_ROWS: True}

M = TypeVar("M", bound=Base)
AnySelect = Select[*tuple[Any, ...]]

_ACTIVE = [s.value for s in ACTIVE_STATUSES]


@dataclass(frozen=True)
class Ranked:
    """A search's matches in two groups, listed one after the other, each in the list's
    own order: ``first`` the exact and prefix matches (what search always matched),
    then ``rest``, the other matches (a word inside a name, digits inside a phone
    number). A row in both is listed once, in ``first``.

    Each group is its own keyset-paged query over the list's sort index, so paging stays
    exact and cheap; the cursor carries the group it stopped in. (One ORDER BY of a
    rank expression would sort every match on every page instead.)"""

    first: ColumnElement[bool]
    #: Made only when the first group runs out within a page (a common prefix fills
    #: pages without the look-ups the rest needs).
    rest: Callable[[], ColumnElement[bool] | None] | None
    #: Few rows match ``first``: fetch them all and sort, rather than walk the list's
    #: order index until a page of them turns up (with ``ListSpec.ids_first``).
    gather_first: bool = False
    #: The look-ups ``rest`` needs (ids it reads before its condition can be written),
    #: which the page may send with the first group's own query when that group is
    #: likely to run out within the page (``first_matches``): one exchange for both
    #: across a network, not one more (issue 19).
    rest_reads: RestReads | None = None
    #: How many rows the first group's look-ups matched (customers and plates, the
    #: number typed); None when not counted (too many to list).
    first_matches: int | None = None
    #: ``first`` as the conditions it ORs (``any_of``): on PostgreSQL the first group's
    #: page is then each one's own page, merged. Each is a range of one index, served
    #: in the list's order or fetched and sorted as its own estimate says; for their OR
    #: PostgreSQL walked the name index from "a" ("mic": 108 ms at 200,000 customers;
    #: each on its own, under 1 ms). Not with ``ListSpec.ids_first``.
    first_parts: tuple[ColumnElement[bool], ...] = ()

    @classmethod
    def any_of(cls, parts: Sequence[ColumnElement[bool]],
               rest: Callable[[], ColumnElement[bool] | None] | None) -> Ranked:
        """First the rows matching any of ``parts``, then ``rest``."""
        return cls(or_(*parts), rest, first_parts=tuple(parts))


class RestReads(Protocol):
    """What a ``Ranked.rest`` reads first, and how it takes the rows read for it."""

    def statements(self) -> Sequence[Executable]:
        """The look-ups (Core statements) ``rest`` reads, made once."""

    def read(self, rows: Sequence[Sequence[Any]]) -> None:
        """The rows of each of ``statements``, read along with something else."""


#: A guess of how many tickets one matching customer or plate brings to a ticket
#: search's first group: below a page of them, the second group's look-ups go with
#: the first group's page (a wrong guess costs the server their work, not a round trip).
ROWS_PER_FIRST_MATCH = 5


SearchResult = ColumnElement[bool] | Ranked | None


@dataclass(frozen=True)
class ListSpec:
    """How one table lists: its columns, its search, its sorts and its quick filters."""

    base: Callable[[], AnySelect]
    sorts: dict[str, tuple[SQLColumnExpression[Any], ...]]
    default_sort: str
    #: (session, text) → condition, or ``Ranked`` groups; the session lets a search look
    #: ids up first.
    search: Callable[[Session, str], SearchResult]
    filters: dict[str, Callable[[Any], ColumnElement[bool] | None]]
    #: The listed table's primary key, for ``ListQuery.ids``.
    id_column: SQLColumnExpression[int]
    #: Pick a page's ids from the listed table alone (its sort, search and filters
    #: name only its own columns), then join the rest for those rows only: a search
    #: matching thousands of rows then sorts bare ids from an index, not joined rows.
    ids_first: bool = False
    #: ``ids_first`` on SQLite only, for the first group of a search (what starts with
    #: the text, ``Ranked.first_parts``) in a list whose sorts and searches name only its
    #: own columns but whose rows carry subqueries: SQLite works out every match's
    #: select list before sorting them for the page (a customer's vehicle and open
    #: ticket counts for all 2,243 customers starting "kim", 18.6 ms at 200,000
    #: customers). PostgreSQL evaluates them for the page's rows only. The second group
    #: (words and digits inside) matches far fewer, and building the ids-first page
    #: cost more there than it saved (~1 ms); unsearched, the list's sort index hands
    #: SQLite the page's rows in order.
    ids_first_on_sqlite: bool = False


def fetch_page(
    session: Session, spec: ListSpec, query: ListQuery
) -> tuple[list[Any], tuple[Any, ...] | None]:
    """Rows of one page and the cursor after its last row (None when it was the last)."""
    columns = spec.sorts.get(query.sort) or spec.sorts[spec.default_sort]
    key = SortKey(columns, query.descending)
    labelled: list[Label[Any]] = [
        cast("ColumnElement[Any]", c).label(f"_k{i}") for i, c in enumerate(columns)
    ]
    narrowing: list[ColumnElement[bool]] = []

    def listed() -> AnySelect:
        """The list's columns with the filters: built for each page statement, not
        shared between a search's two groups. Compiling an ORM statement marks the
        subqueries inside it, so a second page sharing them had another cache key the
        first time than ever after: compiled again on a search's second run."""
        return spec.base().add_columns(*labelled).where(*narrowing)

    narrow = select(spec.id_column)
    # No control characters (PostgreSQL refuses NUL), nothing too long or not encodable.
    text, problem = check_search(query.search)
    if problem is not None:
        raise ValidationError.single("search", problem)
    found = spec.search(session, text) if text else None
    for name, value in query.filters.items():
        make = spec.filters.get(name)
        if make is None:
            raise ValueError(f"unknown filter {name!r}")
        condition = make(value)
        if condition is not None:
            narrowing.append(condition)
            narrow = narrow.where(condition)
    if query.ids is not None:
        only = cast("ColumnElement[int]", spec.id_column).in_(sorted(query.ids))
        narrowing.append(only)
        narrow = narrow.where(only)
    limit = max(1, min(query.limit, 1000))
    width = len(columns)

    def merged_page(parts: Sequence[ColumnElement[bool]], cursor: Sequence[Any] | None,
                    n: int) -> AnySelect:
        """The page of rows matching any of ``parts``: each part's own page (less the
        rows an earlier part has), merged, then the page's rows joined by their ids."""
        keyed = narrow.add_columns(*labelled)
        branches = [
            select(*keyset_page(
                keyed.where(part if i == 0 else and_(part, not_(or_(*parts[:i])))),
                key, cursor, n).subquery().c)
            for i, part in enumerate(parts)
        ]
        merged = union_all(*branches).subquery()
        order = SortKey(tuple(merged.c[f"_k{i}"] for i in range(width)), query.descending)
        page = select(merged.c[0]).order_by(*order.order_by()).limit(n + 1)
        chosen = cast("ColumnElement[int]", spec.id_column).in_(page)
        return listed().where(chosen).order_by(*key.order_by())

    def page_of(
        condition: ColumnElement[bool] | None, cursor: Sequence[Any] | None, n: int,
        gather: bool = False, parts: Sequence[ColumnElement[bool]] = (),
    ) -> AnySelect:
        if len(parts) > 1 and not spec.ids_first and not is_sqlite(session):
            # SQLite's planner serves an OR of ranges from its indexes as it is; the
            # merge only added its own cost there (~2 ms).
            return merged_page(parts, cursor, n)
        if spec.ids_first or (spec.ids_first_on_sqlite and len(parts) > 1
                              and is_sqlite(session)):
            ids = narrow if condition is None else narrow.where(condition)
            # coalesce(c, c) orders as c does, but no index serves it: the planner then
            # looks the few matches up by their own index instead of walking the list's.
            order = SortKey(tuple(func.coalesce(c, c) for c in columns), query.descending)
            page = (keyset_page(ids, key, cursor, n) if not gather else
                    (ids.where(key.after(cursor)) if cursor is not None else ids)
                    .order_by(*order.order_by()).limit(n + 1)).subquery()
            chosen = cast("ColumnElement[int]", spec.id_column).in_(select(page.c[0]))
            return listed().where(chosen).order_by(*key.order_by())
        where = listed() if condition is None else listed().where(condition)
        return keyset_page(where, key, cursor, n)

    def rows_of(
        condition: ColumnElement[bool] | None, cursor: Sequence[Any] | None, n: int,
        gather: bool = False, parts: Sequence[ColumnElement[bool]] = (),
    ) -> list[Any]:
        return list(session.execute(page_of(condition, cursor, n, gather, parts)).all())

    if not isinstance(found, Ranked):
        rows = rows_of(found, query.cursor, limit)
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = tuple(rows[-1][-width:]) if more and rows else None
        return [r[:-width] for r in rows], cursor
    first, make_rest = found.first, found.rest

    def group_condition(group: int) -> ColumnElement[bool] | None:
        if group == 0:
            return first
        rest = make_rest() if make_rest is not None else None
        return None if rest is None else and_(rest, not_(first))

    start, after = (query.cursor[0], query.cursor[1:]) if query.cursor else (0, None)
    reads = found.rest_reads
    # The first group likely runs out within the page: the second's look-ups go with
    # its page, in the same exchange (PostgreSQL; SQLite has no exchange to save).
    along = (reads is not None and found.first_matches is not None
             and found.first_matches * ROWS_PER_FIRST_MATCH < limit
             and not is_sqlite(session))
    tagged: list[tuple[int, Any]] = []
    for group in range(int(start), 2):
        condition = group_condition(group)
        if condition is None:
            break
        n, gather = limit - len(tagged), group == 0 and found.gather_first
        parts = found.first_parts if group == 0 else ()
        if group == 0 and along and reads is not None:
            looked_up = reads.statements()
            page, *rows = pipeline.run(session, [page_of(condition, after, n, gather, parts),
                                                 *looked_up],
                                       core=[False, *(True for _ in looked_up)])
            reads.read(rows)
            got: list[Any] = list(page)
        else:
            got = rows_of(condition, after, n, gather, parts)
        tagged += [(group, r) for r in got]
        after = None
        if len(tagged) > limit:
            break
    more = len(tagged) > limit
    tagged = tagged[:limit]
    cursor = (tagged[-1][0], *tagged[-1][1][-width:]) if more and tagged else None
    return [r[:-width] for _, r in tagged], cursor


class Repository(Generic[M]):
    model: type[M]

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, id_: int) -> M | None:
        return self.session.get(self.model, id_)

    def add(self, obj: M) -> M:
        self.session.add(obj)
        return obj

    def delete(self, obj: M) -> None:
        self.session.delete(obj)

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(self.model)) or 0)


def _open_tickets_of(column: SQLColumnExpression[int], fk: SQLColumnExpression[int]) -> Any:
    return (
        select(func.count())
        .select_from(ServiceTicket)
        .where(fk == column, ServiceTicket.status.in_(_ACTIVE))
        .scalar_subquery()
    )


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


#: Above this many matching customers or vehicles, a ticket search filters by subquery
#: instead of by a list of ids.
MATCH_CAP = 3000
#: PostgreSQL's MATCH_CAP: up to this many, the ids go as one array parameter.
ID_LIST_CAP = 10_000
#: From this many matching customers (at ~5 tickets each), a page of their tickets
#: turns up sooner walking the date index than gathering all of them to sort.
WALK_FROM = 700
#: SQLite's planner gathers a list of customers' tickets and sorts them, whatever their
#: number: from this many it is made to walk the date index instead (its customer is in
#: that index since 0022). At 1M tickets, gather against walk for a page: 1,503
#: customers 5.5 / 7.5 ms, 1,815 6.8 / 6.3, 2,243 9.0 / 6.1, 2,971 9.4 / 4.8.
SQLITE_WALK_FROM = 2000


def _all_terms(
    text: str, term_matches: Callable[[str], ColumnElement[bool] | None],
    rarity: Callable[[str], float] | None = None,
) -> Callable[[], ColumnElement[bool] | None] | None:
    """Rows matching every term of ``text`` somewhere ("bush 5519": a name word and a
    phone run), made when asked for; terms no index can look up (punctuation alone) are
    left out, and a one-character search matches as it always did, by prefix only.
    ``rarity`` (how many rows a term matched when its condition was made, called after
    it) puts the rarest term first: SQLite drives the query from the first term's
    indexes and checks the others on each of its rows."""
    if len(text) < 2:
        return None

    def every_term() -> ColumnElement[bool] | None:
        made = [(c, rarity(t) if rarity else 0.0)
                for t in search_terms(text) if (c := term_matches(t)) is not None]
        conditions = [c for c, _ in sorted(made, key=lambda m: m[1])]
        return and_(*conditions) if conditions else None

    return every_term


def _customer_prefix(text: str) -> list[ColumnElement[bool]]:
    """Name or surname starting with the search, phone starting with its digits, e-mail
    starting with it: the first group of a customer search (any of these)."""
    key = search_key(text)
    conditions = [
        starts_with(Customer.name_key, key),
        starts_with(Customer.surname_key, key),
    ]
    digits = phone_digits(text)
    if len(digits) >= 3 and len(digits) >= len(text.replace(" ", "")) - 4:
        conditions.append(starts_with(Customer.phone_digits, digits))
    if "@" in text:
        email = cast("SQLColumnExpression[str]", Customer.email)
        conditions.append(Customer.email.is_not(None) & starts_with(email, key))
    return conditions


#: One way a row matches a search term: its condition, and on SQLite, when that is
#: exactly "the rows an FTS5 table answers", those rows' ids read from the FTS5 table
#: alone (``word_prefix_rowids``, ``fragment_rowids``); None when there is no way.
Way = tuple[ColumnElement[bool] | None, Select[Any] | None]


def _ids_of(
    id_column: SQLColumnExpression[int], ways: Sequence[Way]
) -> Select[Any] | CompoundSelect[Any] | None:
    """The ids of the rows matching any of ``ways``, for a look-up of ids: on SQLite,
    where each way is an FTS5 table's answer, the union of their rowids, which reads
    none of the rows ("elizabeth", 1,399 customers by name and 921 by e-mail: 3.2 -> 1.0
    ms at 200,000 customers; through the table, each id was looked up in it)."""
    found = [(c, r) for c, r in ways if c is not None]
    if not found:
        return None
    rowids = [r for _, r in found if r is not None]
    if len(rowids) == len(found):
        return rowids[0] if len(rowids) == 1 else union(*rowids)
    return select(id_column).where(or_(*(c for c, _ in found)))


def _customer_ways(session: Session, term: str) -> list[Way]:
    """A customer matching one search term by itself: a run of digits in the phone (a
    term typed as a phone number); else a word of the name starting with it or the
    term inside the e-mail."""
    if is_phone_like(term):
        digits = phone_search_digits(term)
        return [(fragment(session, Customer.phone_digits, Customer.id, "customers_contact_fts",
                          "phone_digits", digits),
                 fragment_rowids(session, "customers_contact_fts", "phone_digits", digits))]
    key = search_key(term)
    email = cast("SQLColumnExpression[str]", Customer.email)
    return [
        (word_prefix(session, Customer.name_key, Customer.id, "customers_name_fts", key),
         word_prefix_rowids(session, "customers_name_fts", key)),
        (fragment(session, email, Customer.id, "customers_contact_fts", "email", key),
         fragment_rowids(session, "customers_contact_fts", "email", key)),
    ]


def _customer_term(
    session: Session, term: str, *, their_vehicles: bool = True
) -> ColumnElement[bool] | None:
    """A customer matching one search term (``_customer_ways``), or, with
    ``their_vehicles``, the term inside a plate or VIN of one of their vehicles (for
    digits alone from six on, a VIN's last six: four digits are a phone's)."""
    conditions = [c for c, _ in _customer_ways(session, term)]
    vehicle = _vehicle_fragment(session, term) if their_vehicles else None
    if vehicle is not None:
        # Looked up first: an id list keeps the OR one bitmap of index scans on
        # PostgreSQL (a subquery in it made the planner walk the whole name index).
        conditions.append(_ids_or_subquery(
            session, Customer.id, select(Vehicle.customer_id).where(vehicle)
        ))
    found = [c for c in conditions if c is not None]
    return or_(*found) if found else None


def _customer_search(session: Session, text: str) -> Ranked:
    return Ranked.any_of(
        _customer_prefix(text), _all_terms(text, lambda term: _customer_term(session, term))
    )


CUSTOMERS = ListSpec(
    base=lambda: select(
        Customer.id,
        Customer.name,
        Customer.phone,
        Customer.email,
        select(func.count())
        .select_from(Vehicle)
        .where(Vehicle.customer_id == Customer.id)
        .scalar_subquery(),
        _open_tickets_of(Customer.id, ServiceTicket.customer_id),
    ),
    sorts={
        "name": (Customer.name_key, Customer.id),
        "phone": (Customer.phone_digits, Customer.id),
        "created": (Customer.created_at, Customer.id),
    },
    default_sort="name",
    search=_customer_search,
    filters={},
    id_column=Customer.id,
    ids_first_on_sqlite=True,
)


class CustomerRepository(Repository[Customer]):
    model = Customer

    def by_email(self, email: str) -> Customer | None:
        return self.session.scalar(select(Customer).where(Customer.email == email))

    def has_tickets(self, customer_id: int) -> bool:
        return bool(
            self.session.scalar(select(exists().where(ServiceTicket.customer_id == customer_id)))
        )

    def page(self, query: ListQuery) -> tuple[list[Any], tuple[Any, ...] | None]:
        return fetch_page(self.session, CUSTOMERS, query)


#: Digits alone shorter than this are a phone number's or a plate's, not a VIN's: the
#: digits ending a VIN are six, and shorter runs of digits are in most VINs.
VIN_DIGITS = 6


def _vehicle_fragment(
    session: Session, text: str, *, least_digits: int = VIN_DIGITS
) -> ColumnElement[bool] | None:
    """Plate or VIN contains ``text`` (letters and digits only, three or more; digits
    alone fewer than ``least_digits``, the plate only: "2642" finds GAM2642, where most
    VINs have four digits in a row): trigram indexes on PostgreSQL, FTS5 trigram tables
    on SQLite."""
    conditions = [c for c, _ in _vehicle_ways(session, text, least_digits)]
    found = [c for c in conditions if c is not None]
    return or_(*found) if found else None


def _vehicle_ways(session: Session, text: str, least_digits: int = VIN_DIGITS) -> list[Way]:
    """The ways of ``_vehicle_fragment``: the VIN (not for fewer digits alone than
    ``least_digits``), the plate."""
    chars = "".join(c for c in text.upper() if c.isalnum())
    plate = (fragment(session, Vehicle.plate, Vehicle.id, "vehicles_plate_fts", "plate", chars),
             fragment_rowids(session, "vehicles_plate_fts", "plate", chars))
    if chars.isdigit() and len(chars) < least_digits:
        return [plate]
    return [
        (fragment(session, Vehicle.vin, Vehicle.id, "vehicles_vin_fts", "vin", chars),
         fragment_rowids(session, "vehicles_vin_fts", "vin", chars)),
        plate,
    ]


def _vehicle_search(session: Session, text: str) -> Ranked:
    """Plate or VIN starting with the search first, then plates and VINs holding it."""
    upper = text.strip().upper().replace(" ", "")
    return Ranked.any_of(
        [starts_with(Vehicle.plate, upper), starts_with(Vehicle.vin, upper)],
        lambda: _vehicle_fragment(session, upper, least_digits=0),  # no phones here
    )


VEHICLES = ListSpec(
    base=lambda: select(
        Vehicle.id,
        Vehicle.vin,
        Vehicle.year,
        Vehicle.make,
        Vehicle.model,
        Vehicle.plate,
        Vehicle.customer_id,
        Customer.name,
    ).join(Customer, Customer.id == Vehicle.customer_id),
    sorts={"vin": (Vehicle.vin, Vehicle.id), "plate": (Vehicle.plate, Vehicle.id)},
    default_sort="vin",
    search=_vehicle_search,
    filters={"customer_id": lambda v: Vehicle.customer_id == v if v else None},
    id_column=Vehicle.id,
)


@prepared("vehicle_id")
def last_odometer_statement(vehicle_id: Any) -> Any:
    """The highest odometer-in of the vehicle's tickets."""
    return select(func.max(ServiceTicket.odometer_in)).where(
        ServiceTicket.vehicle_id == vehicle_id)


@prepared("vehicle_id", "ticket_id")
def earlier_odometer_statement(vehicle_id: Any, ticket_id: Any) -> Any:
    """The highest odometer-in of the vehicle's tickets opened before ticket
    ``ticket_id``: what an edit of its reading may not go below."""
    this = aliased(ServiceTicket)
    opened = select(this.opened_at).where(this.id == ticket_id).scalar_subquery()
    return select(func.max(ServiceTicket.odometer_in)).where(
        ServiceTicket.vehicle_id == vehicle_id,
        or_(ServiceTicket.opened_at < opened,
            and_(ServiceTicket.opened_at == opened, ServiceTicket.id < ticket_id)))


class VehicleRepository(Repository[Vehicle]):
    model = Vehicle

    def by_vin(self, vin: str) -> Vehicle | None:
        return self.session.scalar(select(Vehicle).where(Vehicle.vin == vin))

    def of_customer(self, customer_id: int) -> Sequence[Vehicle]:
        return self.session.scalars(
            select(Vehicle).where(Vehicle.customer_id == customer_id).order_by(Vehicle.id)
        ).all()

    def has_tickets(self, vehicle_id: int) -> bool:
        return bool(
            self.session.scalar(select(exists().where(ServiceTicket.vehicle_id == vehicle_id)))
        )

    def last_odometer(self, vehicle_id: int) -> int | None:
        """Highest reading known: the vehicle's own or any ticket's odometer-in."""
        value = self.session.scalar(*last_odometer_statement(vehicle_id))
        vehicle = self.get(vehicle_id)
        readings = [r for r in (value, vehicle.odometer if vehicle else None) if r is not None]
        return max(readings) if readings else None

    def page(self, query: ListQuery) -> tuple[list[Any], tuple[Any, ...] | None]:
        return fetch_page(self.session, VEHICLES, query)


def _name_parts(column: SQLColumnExpression[str], text: str) -> Ranked:
    """Names starting with the search first, then names with a word starting with each
    of its words ("wren sam" finds "Sam Wrench"). For the short lists (mechanics, staff):
    LIKE without an index."""
    key = search_key(text)
    return Ranked(
        starts_with(column, key),
        lambda: and_(*(word_starts_with(column, word) for word in key.split(" "))),
    )


MECHANICS = ListSpec(
    base=lambda: select(
        Mechanic.id,
        Mechanic.name,
        Mechanic.phone,
        Mechanic.hourly_rate,
        Mechanic.active,
        # Count active tickets that have this mechanic: the status index narrows to open
        # work first (a join from ticket_mechanics would visit all of history).
        select(func.count())
        .select_from(ServiceTicket)
        .where(
            ServiceTicket.status.in_(_ACTIVE),
            exists()
            .where(
                TicketMechanic.ticket_id == ServiceTicket.id,
                TicketMechanic.mechanic_id == Mechanic.id,
            )
            .correlate(ServiceTicket, Mechanic),
        )
        .correlate(Mechanic)
        .scalar_subquery(),
    ),
    sorts={
        "name": (Mechanic.name_key, Mechanic.id),
        "rate": (Mechanic.hourly_rate, Mechanic.id),
    },
    default_sort="name",
    search=lambda _session, text: _name_parts(Mechanic.name_key, text),
    filters={"active_only": lambda v: Mechanic.active.is_(True) if v else None},
    id_column=Mechanic.id,
)


class MechanicRepository(Repository[Mechanic]):
    model = Mechanic

    def by_email(self, email: str) -> Mechanic | None:
        return self.session.scalar(select(Mechanic).where(Mechanic.email == email))

    def has_tickets(self, mechanic_id: int) -> bool:
        return bool(
            self.session.scalar(select(exists().where(TicketMechanic.mechanic_id == mechanic_id)))
        )

    def page(self, query: ListQuery) -> tuple[list[Any], tuple[Any, ...] | None]:
        return fetch_page(self.session, MECHANICS, query)


def _part_term(session: Session, term: str) -> ColumnElement[bool] | None:
    """A part matching one search term: a word of its name (the brand is the first)
    starting with it, or the SKU holding it. (Parts have no supplier part number.)"""
    conditions = [
        word_prefix(session, Part.name_key, Part.id, "parts_name_fts", search_key(term)),
        fragment(session, Part.sku, Part.id, "parts_sku_fts", "sku", term.upper()),
    ]
    found = [c for c in conditions if c is not None]
    return or_(*found) if found else None


def _part_search(session: Session, text: str) -> Ranked:
    """SKU or name starting with the search first; then every word of it found in a
    name word's start or inside the SKU ("brake front", "000123")."""
    return Ranked(
        or_(
            starts_with(Part.sku, text.strip().upper()),
            starts_with(Part.name_key, search_key(text)),
        ),
        _all_terms(text, lambda term: _part_term(session, term)),
    )


PARTS = ListSpec(
    base=lambda: select(
        Part.id,
        Part.sku,
        Part.name,
        Part.quantity_on_hand,
        Part.reorder_level,
        Part.unit_price,
    ),
    sorts={
        "sku": (Part.sku, Part.id),
        "name": (Part.name_key, Part.id),
        "on_hand": (Part.quantity_on_hand, Part.id),
        "price": (Part.unit_price, Part.id),
    },
    default_sort="sku",
    search=_part_search,
    filters={"low_stock": lambda v: Part.quantity_on_hand <= Part.reorder_level if v else None},
    id_column=Part.id,
)


class PartRepository(Repository[Part]):
    model = Part

    def by_sku(self, sku: str) -> Part | None:
        return self.session.scalar(select(Part).where(Part.sku == sku))

    def is_used(self, part_id: int) -> bool:
        return bool(self.session.scalar(select(exists().where(TicketPart.part_id == part_id))))

    def page(self, query: ListQuery) -> tuple[list[Any], tuple[Any, ...] | None]:
        return fetch_page(self.session, PARTS, query)


def _ids_or_subquery(
    session: Session, column: SQLColumnExpression[int], ids_query: Select[int]
) -> ColumnElement[bool] | None:
    """``column IN (ids)``: the ids themselves (which the planner serves from the
    column's index, or hashes) when few rows match, else the subquery itself."""
    return _id_match(session, column, ids_query)[0]


def _id_cap(session: Session) -> int:
    return MATCH_CAP if is_sqlite(session) else ID_LIST_CAP


def _id_lookup(session: Session, ids_query: Select[Any] | CompoundSelect[Any],
               limit: int | None = None) -> Select[Any]:
    """The ids of ``ids_query``, up to the cap and one more (or ``limit``), as one text
    (``joined_ids``; one row, NULL when none matched): what :func:`_id_match` takes as
    ``found``."""
    limited = ids_query.limit(_id_cap(session) + 1 if limit is None else limit).subquery()
    return select(joined_ids(limited.c[0]))


def _joined(rows: Sequence[Sequence[Any]]) -> str | None:
    """The ids text an ``_id_lookup`` read ("4,17,23"), None when it found none."""
    return rows[0][0] if rows and rows[0][0] else None


def _together(lookups: Sequence[Select[Any]]) -> Select[Any]:
    """Look-ups of one row and one value each (``_id_lookup``s, a setting) as one
    statement, a column each: built, sent, executed and read once instead of once per
    look-up. :func:`_apart` gives each its rows back."""
    return select(*(lookup.scalar_subquery() for lookup in lookups))


def _apart(rows: Sequence[Sequence[Any]]) -> list[list[tuple[Any]]]:
    """The rows of each look-up of a :func:`_together` statement, as if each had run on
    its own (a look-up that found no row reads as one NULL, which means the same)."""
    return [[(value,)] for value in rows[0]]


def _id_match(
    session: Session, column: SQLColumnExpression[int],
    ids_query: Select[Any] | CompoundSelect[Any], found: Sequence[Sequence[Any]] | None = None,
) -> tuple[ColumnElement[bool] | None, int | None]:
    """:func:`_ids_or_subquery` and how many ids matched (None: not counted); ``found``:
    the rows of ``_id_lookup(ids_query)`` already read (else read here)."""
    target = cast("ColumnElement[int]", column)
    rows = (found if found is not None
            else session.connection().execute(_id_lookup(session, ids_query)).all())
    joined: str | None = rows[0][0] if rows else None
    if not joined:
        return None, 0
    count = joined.count(",") + 1
    if count > _id_cap(session):
        return target.in_(ids_query), None
    if is_sqlite(session):
        # One JSON text parameter, not thousands: binding each id cost more than the
        # query (SQLite reads json_each into a temporary index, as it would a list).
        listed = func.json_each(f"[{joined}]").table_valued("value")
        return target.in_(select(listed.c.value)), count
    # One array, which the planner hashes: a common surname's thousands of customers
    # cost one probe per ticket walked in the list's order (a subquery was one customer
    # look-up per ticket walked). Written as array text, which the server parses.
    return target == any_(literal(f"{{{joined}}}", IdArrayText())), count


#: The prefix a shop without settings prints (the settings row's default).
_DEFAULT_PREFIX = str(getattr(cast("Table", ShopSettings.__table__).c.ticket_prefix.default,
                              "arg", "RO-"))


def _ascii_number(text: str) -> int | None:
    digits = text.strip()
    if digits and all(c in "0123456789" for c in digits):  # not "¹" or "٣"
        return int(digits[:9])
    return None


def _needs_prefix(text: str) -> bool:
    """Whether telling a ticket number in ``text`` needs the shop's prefix: digits with
    something else."""
    stripped = text.strip()
    return _ascii_number(stripped) is None and any(c in "0123456789" for c in stripped)


def _ticket_number(text: str, prefix: str | None) -> tuple[int, bool] | None:
    """The ticket number typed, and whether it was marked as one: with the shop's
    ``prefix`` (None: the default; read only when ``_needs_prefix``: "RO-12", "ro 12",
    "RO12") or "#" ("#12"); digits alone are unmarked."""
    stripped = text.strip()
    number = _ascii_number(stripped)
    if number is not None:
        return number, False
    if not any(c in "0123456789" for c in stripped):
        return None
    prefix = prefix if prefix is not None else _DEFAULT_PREFIX
    for mark in (prefix, prefix.rstrip("-/#.: "), "#"):
        if mark and stripped.casefold().startswith(mark.casefold()):
            number = _ascii_number(stripped[len(mark):].lstrip("#-/.: "))
            if number is not None:
                return number, True
    return None


#: The look-up of a ticket search's word in descriptions: one id, to know whether any.
DESCRIBED = "described"


#: A ticket search's term, its conditions and its named look-ups (``_TicketRest._plan``).
_PlannedTerm = tuple[str, list[Any], list[tuple[str, Select[Any] | CompoundSelect[Any]]]]


class _TicketRest:
    """The second group of a ticket search: tickets matching every term of the search.
    A term matches through its customers, its vehicles and its jobs' titles, each looked
    up first (their ids), so the ticket query filters on its own indexed columns; the
    look-ups of every term go to the server together (``statements``), with the first
    group's page when ``fetch_page`` sends them along, else on their own (one exchange,
    not one per look-up: issue 19). Calling it writes the condition."""

    def __init__(self, session: Session, text: str) -> None:
        self.session, self.text = session, text
        self._terms: list[_PlannedTerm] | None = None
        self._rows: list[list[Any]] | None = None  # each look-up's rows

    def _plan(self) -> list[_PlannedTerm]:
        """Each term with its conditions (a look-up's place kept by its name) and the
        look-ups: a word-bearing term's customers, vehicles and jobs' tickets."""
        if self._terms is not None:
            return self._terms
        session, planned = self.session, []
        for term in search_terms(self.text):
            if not has_word(term):
                continue  # punctuation alone: left out, as in the other lists
            lookups: list[tuple[str, Select[Any] | CompoundSelect[Any]]] = []
            customers = _ids_of(Customer.id, _customer_ways(session, term))
            if customers is not None:
                lookups.append(("customer", customers))
            conditions: list[Any] = [
                "customer" if customers is not None else None,
                word_prefix(session, ServiceTicket.description, ServiceTicket.id,
                            "service_tickets_fts", term.lower(), any_case=True,
                            scan_over=MATCH_CAP),
            ]
            vehicles = _ids_of(Vehicle.id, _vehicle_ways(session, term))
            if vehicles is not None:
                lookups.append(("vehicle", vehicles))
                conditions.append("vehicle")
            by_job = word_prefix(session, TicketJob.title, TicketJob.id, "ticket_jobs_fts",
                                 term.lower(), any_case=True)
            if by_job is not None:
                # Looked up first, as the customers are: an IN subquery inside the OR
                # would keep PostgreSQL from combining the other conditions' indexes (a
                # 1 s walk of every ticket for "elizabeth lozano" at 1M tickets).
                lookups.append(("job", select(TicketJob.ticket_id).where(by_job)))
                conditions.append("job")
            if conditions[1] is not None:
                # Whether any description has the word at all (one id at most): see
                # ``_only_customers``.
                lookups.append((DESCRIBED, select(ServiceTicket.id).where(conditions[1])))
            planned.append((term, conditions, lookups))
        if len(planned) < 2:  # one word: nothing to intersect
            planned = [(t, c, [(n, q) for n, q in lookups if n != DESCRIBED])
                       for t, c, lookups in planned]
        self._terms = planned
        return planned

    def statements(self) -> list[Select[Any]]:
        """Every term's look-ups, as one statement (``_together``)."""
        lookups = [_id_lookup(self.session, query, 1 if name == DESCRIBED else None)
                   for _, _, lookups in self._plan() for name, query in lookups]
        return [_together(lookups)] if lookups else []

    def _only_customers(self, found: Sequence[Mapping[str, Sequence[Sequence[Any]]]]
                        ) -> set[int] | None:
        """The customers matching every word, when every word matches customers only (no
        plate, VIN, description or job has it, and none matched thousands): "elizabeth
        lozano" is then the tickets of the customers named both, found by intersecting
        the look-ups here instead of ANDing a bitmap of 1,399 customers' 6,895 tickets
        with 300's on the server. None when a word matches anything else."""
        ids: set[int] | None = None
        for term in found:
            if "customer" not in term or any(
                    _joined(rows) for name, rows in term.items() if name != "customer"):
                return None
            joined = _joined(term["customer"])
            these = {int(i) for i in joined.split(",")} if joined else set()
            if len(these) > _id_cap(self.session):
                return None
            ids = these if ids is None else ids & these
        return ids

    def read(self, rows: Sequence[Sequence[Any]]) -> None:
        self._rows = _apart(rows[0]) if rows else []

    def __call__(self) -> ColumnElement[bool] | None:
        planned = self._plan()
        if self._rows is None:
            self.read(pipeline.run(self.session, self.statements(), core=True))
        assert self._rows is not None
        found = iter(self._rows)
        read = [{name: next(found) for name, _ in lookups} for _, _, lookups in planned]
        if len(planned) > 1 and (both := self._only_customers(read)) is not None:
            if not both:
                return false()
            named = [(",".join(str(i) for i in sorted(both)),)]
            return _id_match(self.session, ServiceTicket.customer_id,
                             select(Customer.id).where(false()), named)[0]
        columns = {"customer": ServiceTicket.customer_id, "vehicle": ServiceTicket.vehicle_id,
                   "job": ServiceTicket.id}
        made: list[tuple[ColumnElement[bool], float]] = []
        for (_, conditions, lookups), rows in zip(planned, read, strict=True):
            matched: dict[str, tuple[ColumnElement[bool] | None, int | None]] = {
                name: _id_match(self.session, columns[name], query, rows[name])
                for name, query in lookups if name != DESCRIBED}
            customers = matched["customer"][1] if "customer" in matched else 0
            written = [matched[c][0] if isinstance(c, str) else c for c in conditions]
            present = [c for c in written if c is not None]
            # The rarest term first (fewest customers): SQLite drives the query from the
            # first term's indexes and checks the others on each of its rows.
            made.append((or_(*present) if present else false(),
                         float("inf") if customers is None else customers))
        conditions = [c for c, _ in sorted(made, key=lambda m: m[1])]
        return and_(*conditions) if conditions else None


def _ticket_search(session: Session, text: str) -> Ranked:
    """First the ticket with that number, tickets of customers whose name or surname
    starts with the search, and of vehicles whose plate does; then the tickets matching
    every word of it (customer, plate or VIN fragment, description words).

    Matching customers and vehicles are looked up first, so the ticket query filters on
    its own indexed columns instead of walking a million tickets through a join.
    """
    key = search_key(text)
    starting = (starts_with(Customer.name_key, key), starts_with(Customer.surname_key, key))
    # PostgreSQL answers an OR of the two as one bitmap, reading every customer's row
    # for its id (3,406 table pages for "smith"); each condition alone is read from its
    # index only (0021): "smith" 9.4 -> 3.2 ms, "mic" 9.2 -> 2.9. SQLite's OR already
    # looks each up in its index. A customer matching both is listed twice: harmless.
    named: Select[Any] | CompoundSelect[Any] = (
        select(Customer.id).where(or_(*starting)) if is_sqlite(session)
        else union_all(*(select(Customer.id).where(c) for c in starting)))
    plate = text.strip().lstrip("#").upper().replace(" ", "")
    plated = select(Vehicle.id).where(starts_with(Vehicle.plate, plate))
    # The look-ups do not depend on each other: one exchange for them all, with the
    # shop's ticket prefix when telling a number needs it ("RO-12", or a plate: a
    # marked number's look-ups are read for nothing, in the same exchange).
    prefixed = [select(ShopSettings.ticket_prefix).where(ShopSettings.id == 1)
                ] if _needs_prefix(text) else []
    customer_rows, vehicle_rows, *prefix_rows = _apart(session.connection().execute(
        _together([_id_lookup(session, named), _id_lookup(session, plated), *prefixed])
    ).all())
    conditions: list[ColumnElement[bool]] = []
    typed = _ticket_number(text, prefix_rows[0][0][0] if prefix_rows and prefix_rows[0]
                           else None)
    if typed is not None:
        number, marked = typed
        if marked:  # "#12", "RO-12": a ticket number and nothing else
            return Ranked(ServiceTicket.number == number, None)
        conditions.append(ServiceTicket.number == number)
    found = _joined(customer_rows)
    walk = is_sqlite(session) and found is not None and found.count(",") + 1 >= SQLITE_WALK_FROM
    # Thousands of customers (the commonest surname) on SQLite: not the bare key, so it
    # walks the list's own order and a page of their tickets turns up within a few
    # thousand rows, instead of gathering all of them to sort.
    by_customer, customers = _id_match(
        session, cast("ColumnElement[int]", ServiceTicket.customer_id) + 0 if walk
        else ServiceTicket.customer_id, named, customer_rows)
    by_vehicle, vehicles = _id_match(session, ServiceTicket.vehicle_id, plated, vehicle_rows)
    matches = (None if customers is None or vehicles is None
               else customers + vehicles + len(conditions))
    conditions += [c for c in (by_customer, by_vehicle) if c is not None]
    first = or_(*conditions) if conditions else false()
    # A surname a few hundred customers share has a few thousand tickets: fetched and
    # sorted at once, where walking the date index to find a page of them reads ~100k
    # (PostgreSQL; a commoner name's page turns up soon enough walking).
    gather = customers is not None and vehicles is not None and customers + vehicles < WALK_FROM
    if len(text) < 2:  # one character matches by prefix only, as it always did
        return Ranked(first, None, gather)
    rest = _TicketRest(session, text)
    return Ranked(first, rest, gather, rest_reads=rest, first_matches=matches)


TICKETS = ListSpec(
    base=lambda: (
        select(
            ServiceTicket.id,
            ServiceTicket.number,
            ServiceTicket.status,
            Customer.name,
            Vehicle.year,
            Vehicle.make,
            Vehicle.model,
            Vehicle.plate,
            ServiceTicket.opened_at,
            ServiceTicket.promised_at,
            ServiceTicket.total,
            # The shop's ticket-number prefix, so every list writes "RO-12" as documents
            # do (one uncorrelated subquery, read once per page).
            select(ShopSettings.ticket_prefix).where(ShopSettings.id == 1).scalar_subquery(),
            # The names of the ticket's mechanics, in the page's own query (a second
            # query for a page's names was a round trip of its own: issue 19). Only
            # the page's rows are chosen before it is evaluated (``ids_first``). Each
            # name is looked up by its key: joined, PostgreSQL hashed all 40 mechanics
            # again for every ticket of the page (a page 7.3 -> 6.3 ms at 1M tickets).
            select(joined_text(
                select(Mechanic.name).where(Mechanic.id == TicketMechanic.mechanic_id)
                .scalar_subquery()))
            .where(TicketMechanic.ticket_id == ServiceTicket.id)
            .scalar_subquery(),
        )
        .join(Customer, Customer.id == ServiceTicket.customer_id)
        .join(Vehicle, Vehicle.id == ServiceTicket.vehicle_id)
    ),
    sorts={
        "opened": (ServiceTicket.opened_at, ServiceTicket.id),
        "number": (ServiceTicket.number,),
        "status": (ServiceTicket.status, ServiceTicket.opened_at, ServiceTicket.id),
    },
    default_sort="opened",
    search=_ticket_search,
    filters={
        "status": lambda v: ServiceTicket.status.in_(list(v)) if v else None,
        "customer_id": lambda v: ServiceTicket.customer_id == v if v else None,
        "vehicle_id": lambda v: ServiceTicket.vehicle_id == v if v else None,
        "opened_from": lambda v: ServiceTicket.opened_at >= v if v else None,
        "opened_to": lambda v: ServiceTicket.opened_at < v if v else None,
        "mechanic_id": lambda v: (
            exists().where(
                TicketMechanic.ticket_id == ServiceTicket.id, TicketMechanic.mechanic_id == v
            )
            if v
            else None
        ),
    },
    id_column=ServiceTicket.id,
    ids_first=True,
)


#: ``session.info`` key holding the shop settings row for the transaction (the session
#: keeps a row only while it is referenced; services/shop.py ``settings_in`` reads it).
SETTINGS_ROW = "shop_settings_row"
#: ``session.info`` key: this transaction found no settings row (``hold_settings``).
NO_SETTINGS_ROW = "no_shop_settings_row"
#: ``session.info`` key holding (ticket id, its discount row or None) read along with the
#: ticket (``with_owner``): most tickets have none, and a missing row is otherwise a
#: round trip of its own. A write of the discount drops it.
TICKET_DISCOUNT_ROW = "ticket_discount_row"

#: Load options bringing a ticket's vehicle and customer with it.
_WITH_OWNER = (joinedload(ServiceTicket.vehicle, innerjoin=True),
               joinedload(ServiceTicket.customer, innerjoin=True))


#: ``session.info`` key: an audit_log id a write took from the table's sequence with its
#: first reads (PostgreSQL), so its audit row can go with the COMMIT (``audit.record``).
AUDIT_ID = "audit_id"


@prepared()
def audit_id_statement() -> Any:
    """The next id of the audit trail's sequence (PostgreSQL)."""
    return select(func.nextval(func.pg_get_serial_sequence("audit_log", "id")))


@prepared("ticket_id")
def with_owner_statement(ticket_id: Any) -> Any:
    """The ticket with its vehicle and customer."""
    return select(ServiceTicket).options(*_WITH_OWNER).where(ServiceTicket.id == ticket_id)


@prepared("ticket_id")
def ticket_statement(ticket_id: Any, *, lock: bool) -> Any:
    """The ticket with its vehicle and customer, the shop settings row and the ticket's
    discount; ``lock``: row-locked (PostgreSQL), only the ticket's row."""
    statement = (
        select(ServiceTicket, ShopSettings, TicketDiscount).options(*_WITH_OWNER)
        .select_from(ServiceTicket)
        .outerjoin(ShopSettings, ShopSettings.id == 1)
        .outerjoin(TicketDiscount, TicketDiscount.ticket_id == ServiceTicket.id)
        .where(ServiceTicket.id == ticket_id)
    )
    return statement.with_for_update(of=ServiceTicket.__table__) if lock else statement


def hold_settings(session: Session, row: ShopSettings | None) -> None:
    """Keep the settings row read along with another one for the transaction, or that
    there is none yet (a shop that never saved its settings: then ``settings_in`` gives
    the defaults without asking the server again)."""
    if row is not None:
        session.info[SETTINGS_ROW] = row
        session.info.pop(NO_SETTINGS_ROW, None)
    elif SETTINGS_ROW not in session.info:
        session.info[NO_SETTINGS_ROW] = True


def hold_ticket(session: Session, ticket_id: int, row: Any) -> ServiceTicket | None:
    """The ticket of a ``ticket_statement`` row; its settings row and discount are held
    in ``session.info`` (for ``settings_in`` and ``ticket_discount``)."""
    if row is None:
        return None
    hold_settings(session, row[1])
    session.info[TICKET_DISCOUNT_ROW] = (ticket_id, row[2])
    ticket: ServiceTicket = row[0]
    return ticket


class TicketRepository(Repository[ServiceTicket]):
    model = ServiceTicket

    def next_number(self) -> int:
        return int(self.session.scalar(select(func.max(ServiceTicket.number))) or 0) + 1

    def with_owner(self, ticket_id: int, *, settings: bool = False) -> ServiceTicket | None:
        """The ticket with its vehicle and customer (and the shop settings row and the
        ticket's discount, held in ``session.info`` for ``settings_in`` and
        ``WorkflowRepository.ticket_discount``), in one query: each is a round trip to a
        distant server."""
        if not settings:
            return self.session.get(ServiceTicket, ticket_id, options=_WITH_OWNER)
        row = self.session.execute(*ticket_statement(ticket_id, lock=False)).first()
        return hold_ticket(self.session, ticket_id, row)

    def page(self, query: ListQuery) -> tuple[list[Any], tuple[Any, ...] | None]:
        return fetch_page(self.session, TICKETS, query)



def _staff_search(_session: Session, text: str) -> ColumnElement[bool]:
    """Any word of the full name starting with ``text`` (as mechanics are found), the
    start of the user name, or a role whose label has a word starting so (roles are
    stored as codes: the three labels are matched here, the codes filtered in SQL).

    Full names have no stored search key: they are lower-cased in SQL, which on SQLite
    folds ASCII letters only (a shop has tens of accounts; no index is wanted)."""
    key = search_key(text)
    roles = [role.value for role in Role if name_part_matches(role.label, key)]
    name = and_(*(word_starts_with(func.lower(StaffUser.full_name), word)
                  for word in key.split(" ")))
    conditions = [name, starts_with(StaffUser.username, key)]
    if roles:
        conditions.append(StaffUser.role.in_(roles))
    return or_(*conditions)


STAFF = ListSpec(
    base=lambda: select(
        StaffUser.id,
        StaffUser.username,
        StaffUser.full_name,
        StaffUser.role,
        StaffUser.active,
        StaffUser.locked_until,
        StaffUser.mechanic_id,
        func.coalesce(Mechanic.name, ""),
        StaffUser.version,
    ).outerjoin(Mechanic, Mechanic.id == StaffUser.mechanic_id),
    sorts={
        "username": (StaffUser.username, StaffUser.id),
        "full_name": (StaffUser.full_name, StaffUser.id),
        "role": (StaffUser.role, StaffUser.username, StaffUser.id),
    },
    default_sort="username",
    search=_staff_search,
    filters={"active_only": lambda v: StaffUser.active.is_(True) if v else None},
    id_column=StaffUser.id,
)

# --- Stock ledger and ticket lines (the ticket workflow) ---------------------------------

_PARTS = cast("Table", Part.__table__)


@dataclass(frozen=True, slots=True)
class PartSnapshot:
    """What a stock change needs to know about a part, read without loading the ORM
    object (its on-hand is changed with conditional UPDATEs that bypass the mapper)."""

    id: int
    sku: str
    name: str
    unit_price: Any
    quantity_on_hand: int
    unit_cost: Any = None


MOVEMENTS = ListSpec(
    base=lambda: (
        select(
            StockMovement.id,
            StockMovement.created_at,
            StockMovement.quantity,
            StockMovement.reason,
            StockMovement.ticket_id,
            ServiceTicket.number,
            StaffUser.full_name,
            StockMovement.note,
        )
        .outerjoin(ServiceTicket, ServiceTicket.id == StockMovement.ticket_id)
        .outerjoin(StaffUser, StaffUser.id == StockMovement.staff_user_id)
    ),
    sorts={"created": (StockMovement.created_at, StockMovement.id)},
    default_sort="created",
    search=lambda _session, text: StockMovement.note.icontains(text.strip(), autoescape=True),
    filters={
        "part_id": lambda v: StockMovement.part_id == v if v else None,
        "reason": lambda v: StockMovement.reason == v if v else None,
        "ticket_id": lambda v: StockMovement.ticket_id == v if v else None,
    },
    id_column=StockMovement.id,
)


@prepared("part_ids", "job_id", expanding={"part_ids"})
def _snapshots_on_job(part_ids: Any, job_id: Any) -> Any:
    return (
        select(_PARTS.c.id, _PARTS.c.sku, _PARTS.c.name, _PARTS.c.unit_price,
               _PARTS.c.quantity_on_hand, _PARTS.c.unit_cost, TicketPart)
        .outerjoin(TicketPart, and_(TicketPart.part_id == _PARTS.c.id,
                                    TicketPart.job_id == job_id))
        .where(_PARTS.c.id.in_(part_ids))
        .order_by(_PARTS.c.id, TicketPart.id)
    )


def _taking(part_id: Any, quantity: Any) -> Any:
    """UPDATE taking ``quantity`` of the part when that many are on hand."""
    return (
        update(_PARTS)
        .where(_PARTS.c.id == part_id, _PARTS.c.quantity_on_hand >= quantity)
        .values(quantity_on_hand=_PARTS.c.quantity_on_hand - quantity,
                version=_PARTS.c.version + 1)
    )


@prepared("part_id", "quantity")
def _take(part_id: Any, quantity: Any) -> Any:
    return (_taking(part_id, quantity).returning(_PARTS.c.quantity_on_hand)
            .execution_options(**NAMED))


_MOVES = cast("Table", StockMovement.__table__)


@prepared("part_id", "quantity", "moved", "reason", "ticket_id", "staff_user_id", "at",
          types={"moved": Integer(), "reason": _MOVES.c.reason.type,
                 "ticket_id": Integer(), "staff_user_id": Integer(),
                 "at": _MOVES.c.created_at.type})
def _take_recorded(part_id: Any, quantity: Any, moved: Any, reason: Any, ticket_id: Any,
                   staff_user_id: Any, at: Any) -> Any:
    """``_taking`` and its ledger row in one statement (PostgreSQL: a writing CTE)."""
    taken = _taking(part_id, quantity).returning(_PARTS.c.id).cte("taken")
    row = select(taken.c.id, moved, reason, ticket_id, staff_user_id,
                 literal("", _MOVES.c.note.type), at)
    return (insert(_MOVES)
            .from_select(["part_id", "quantity", "reason", "ticket_id", "staff_user_id",
                          "note", "created_at"], row)
            .returning(_MOVES.c.id)
            .execution_options(**NAMED))


@prepared("part_id", "quantity")
def _put(part_id: Any, quantity: Any) -> Any:
    return (
        update(_PARTS)
        .where(_PARTS.c.id == part_id)
        .values(quantity_on_hand=_PARTS.c.quantity_on_hand + quantity,
                version=_PARTS.c.version + 1)
        .returning(_PARTS.c.quantity_on_hand)
        .execution_options(**NAMED)
    )


class StockRepository:
    """On-hand changes as single conditional UPDATEs, each with its ledger row.

    ``take`` is one statement (``... WHERE quantity_on_hand >= :n RETURNING``), so two
    desks racing for the last unit cannot both get it, whatever the isolation level; the
    part's version is bumped here because a Core UPDATE bypasses the mapper's counter.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def snapshots(self, part_ids: Sequence[int]) -> dict[int, PartSnapshot]:
        if not part_ids:
            return {}
        return snapshots_of(self.session.execute(*snapshots_statement(part_ids)))

    def snapshots_on_job(
        self, part_ids: Sequence[int], job_id: int
    ) -> tuple[dict[int, PartSnapshot], dict[tuple[int, bool], TicketPart]]:
        """``snapshots`` of the parts, and the job's lines of those parts by (part id,
        on special order), in one query (a round trip to a distant server)."""
        if not part_ids:
            return {}, {}
        rows = self.session.execute(*_snapshots_on_job(sorted(set(part_ids)), job_id)).all()
        snapshots = {r[0]: PartSnapshot(*r[:6]) for r in rows}
        lines = {(r[6].part_id, r[6].ordered): r[6] for r in rows if r[6] is not None}
        return snapshots, lines

    def on_hand_for_update(self, part_id: int) -> int | None:
        """The current count, row-locked until the transaction ends (PostgreSQL)."""
        return self.session.scalar(
            select(_PARTS.c.quantity_on_hand).where(_PARTS.c.id == part_id).with_for_update()
        )

    def take(self, part_id: int, quantity: int) -> int | None:
        """Take ``quantity`` out if that many are on hand; the new count, or None."""
        left: int | None = self.session.scalar(*_take(part_id, quantity))
        change_log.record(self.session, "part", [part_id])
        return left

    def take_recorded(
        self, part_id: int, quantity: int, reason: str, *, ticket_id: int | None,
        staff_user_id: int | None,
    ) -> bool:
        """``take`` and, when taken, its ledger row (``-quantity``); False if short.

        On PostgreSQL one statement does both (the UPDATE in a CTE feeding the INSERT: a
        round trip fewer per part to a distant server); SQLite has no writing CTEs and
        pays no network, so it runs the two."""
        if self.session.get_bind().dialect.name != "postgresql":
            if self.take(part_id, quantity) is None:
                return False
            self.record(part_id, -quantity, reason, ticket_id=ticket_id,
                        staff_user_id=staff_user_id)
            return True
        inserted = self.session.execute(*_take_recorded(
            part_id, quantity, -quantity, reason, ticket_id, staff_user_id, utcnow())).first()
        change_log.record(self.session, "part", [part_id])
        return inserted is not None

    def put(self, part_id: int, quantity: int) -> int | None:
        """Put ``quantity`` back (or in); the new count, or None if the part is gone."""
        left: int | None = self.session.scalar(*_put(part_id, quantity))
        change_log.record(self.session, "part", [part_id])
        return left

    def record(
        self,
        part_id: int,
        quantity: int,
        reason: str,
        *,
        ticket_id: int | None = None,
        staff_user_id: int | None = None,
        note: str = "",
    ) -> None:
        self.session.add(
            StockMovement(
                part_id=part_id,
                quantity=quantity,
                reason=reason,
                ticket_id=ticket_id,
                staff_user_id=staff_user_id,
                note=note,
            )
        )

    def ledger_total(self, part_id: int) -> int:
        return int(
            self.session.scalar(
                select(func.coalesce(func.sum(StockMovement.quantity), 0)).where(
                    StockMovement.part_id == part_id
                )
            )
            or 0
        )

    def discrepancies(self) -> list[tuple[int, str, int, int]]:
        """(part id, SKU, on hand, ledger sum) for every part where the two disagree."""
        ledger = (
            select(StockMovement.part_id, func.sum(StockMovement.quantity).label("total"))
            .group_by(StockMovement.part_id)
            .subquery()
        )
        total = func.coalesce(ledger.c.total, 0)
        rows = self.session.execute(
            select(Part.id, Part.sku, Part.quantity_on_hand, total)
            .outerjoin(ledger, ledger.c.part_id == Part.id)
            .where(Part.quantity_on_hand != total)
            .order_by(Part.id)
        ).all()
        return [(r[0], r[1], r[2], int(r[3])) for r in rows]

    def ticket_movements(self, ticket_id: int) -> dict[int, int]:
        """Net stock moved by a ticket, per part (negative: taken from the shelf)."""
        rows = self.session.execute(
            select(StockMovement.part_id, func.sum(StockMovement.quantity))
            .where(StockMovement.ticket_id == ticket_id)
            .group_by(StockMovement.part_id)
        ).all()
        return {r[0]: int(r[1]) for r in rows}

    def page(self, query: ListQuery) -> tuple[list[Any], tuple[Any, ...] | None]:
        return fetch_page(self.session, MOVEMENTS, query)


@prepared("ticket_id")
def jobs_statement(ticket_id: Any) -> Any:
    """The ticket's jobs in the order the customer sees them."""
    return (select(TicketJob).where(TicketJob.ticket_id == ticket_id)
            .order_by(TicketJob.position, TicketJob.id))


@prepared("ticket_id")
def mechanic_lines_statement(ticket_id: Any) -> Any:
    return (
        select(TicketMechanic, Mechanic.name, Mechanic.active)
        .outerjoin(Mechanic, Mechanic.id == TicketMechanic.mechanic_id)
        .where(TicketMechanic.ticket_id == ticket_id)
        .order_by(Mechanic.id.is_(None), Mechanic.name_key, Mechanic.id, TicketMechanic.id)
    )


def mechanic_lines_of(rows: Any) -> list[tuple[TicketMechanic, str, bool]]:
    return [(r[0], r[1] or "", r[2] if r[2] is not None else True) for r in rows]


@prepared("ticket_id")
def part_lines_statement(ticket_id: Any) -> Any:
    return (
        select(TicketPart, Part.sku, Part.name)
        .join(Part, Part.id == TicketPart.part_id)
        .where(TicketPart.ticket_id == ticket_id)
        .order_by(TicketPart.id)
    )


def part_lines_of(rows: Any) -> list[tuple[TicketPart, str, str]]:
    return [(r[0], r[1], r[2]) for r in rows]


@prepared("ticket_id")
def fee_lines_statement(ticket_id: Any) -> Any:
    """The ticket's fee lines in the order they were added."""
    return select(TicketFee).where(TicketFee.ticket_id == ticket_id).order_by(TicketFee.id)


@prepared("ticket_id")
def authorisations_statement(ticket_id: Any) -> Any:
    return (
        select(Authorisation, StaffUser.full_name, TicketJob.title, AuthorisationJob.decision)
        .outerjoin(StaffUser, StaffUser.id == Authorisation.recorded_by)
        .outerjoin(AuthorisationJob, AuthorisationJob.authorisation_id == Authorisation.id)
        .outerjoin(TicketJob, TicketJob.id == AuthorisationJob.job_id)
        .where(Authorisation.ticket_id == ticket_id)
        .order_by(Authorisation.id, TicketJob.position, TicketJob.id)
    )


def authorisations_of(
    rows: Any,
) -> list[tuple[Authorisation, str | None, list[tuple[str, str]]]]:
    found: dict[int, tuple[Authorisation, str | None, list[tuple[str, str]]]] = {}
    for authorisation, recorded_by, title, decision in rows:
        entry = found.setdefault(authorisation.id, (authorisation, recorded_by, []))
        if title is not None:
            entry[2].append((title, decision))
    return list(found.values())


def snapshots_statement(part_ids: Sequence[int]) -> Bound:
    """Today's SKU, name, price, stock and cost of the parts."""
    return _snapshots(sorted(set(part_ids)))


@prepared("part_ids", expanding={"part_ids"})
def _snapshots(part_ids: Any) -> Any:
    return select(
        _PARTS.c.id, _PARTS.c.sku, _PARTS.c.name, _PARTS.c.unit_price,
        _PARTS.c.quantity_on_hand, _PARTS.c.unit_cost,
    ).where(_PARTS.c.id.in_(part_ids))


def snapshots_of(rows: Any) -> dict[int, PartSnapshot]:
    return {r[0]: PartSnapshot(*r) for r in rows}


@prepared()
def fee_rules_statement() -> Any:
    """The shop's fee rules in their order."""
    return select(FeeRuleRow).order_by(FeeRuleRow.position)


@prepared("ticket_id")
def billing_statement(ticket_id: Any) -> Any:
    """The ticket's invoices ("i"), credit notes ("c") and payments ("p", with the name
    of who took each) in one query, each kind oldest first: one round trip to a distant
    server instead of four, and no invoice's frozen document with them."""

    def none(type_: Any) -> Any:
        return literal(None, type_)

    text_, number = String(), Integer()
    invoices = select(
        literal("i").label("kind"), Invoice.id.label("id"), Invoice.label.label("label"),
        Invoice.posted_at.label("at"), Invoice.total.label("amount"),
        Invoice.on_account.label("on_account"), none(number).label("invoice_id"),
        none(text_).label("method"), none(text_).label("reference"),
        none(text_).label("who"), none(text_).label("note"), none(text_).label("reason"),
        none(text_).label("lines"), none(Boolean()).label("cancels"),
    ).where(Invoice.ticket_id == ticket_id)
    notes = select(
        literal("c"), CreditNote.id, CreditNote.label, CreditNote.issued_at,
        CreditNote.amount, none(Boolean()), CreditNote.invoice_id, none(text_),
        none(text_), none(text_), none(text_), CreditNote.reason, CreditNote.lines,
        CreditNote.cancels,
    ).where(CreditNote.ticket_id == ticket_id)
    payments = select(
        literal("p"), Payment.id, none(text_), Payment.taken_at, Payment.amount,
        none(Boolean()), none(number), Payment.method, Payment.reference,
        StaffUser.full_name, Payment.note, Payment.reason, none(text_), none(Boolean()),
    ).outerjoin(StaffUser, StaffUser.id == Payment.taken_by).where(
        Payment.ticket_id == ticket_id)
    rows = union_all(invoices, notes, payments).subquery()
    return select(rows).order_by(rows.c.kind, rows.c.id)


class WorkflowRepository:
    """Ticket lines, locks and the settings row, for the ticket workflow services."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def ticket_for_update(self, ticket_id: int) -> ServiceTicket | None:
        """Load the ticket row-locked (PostgreSQL) so writes to one ticket queue up and its
        version check cannot race; SQLite already holds its write lock (BEGIN IMMEDIATE).
        Its vehicle and customer, the settings row and its discount (held as
        ``with_owner`` holds them) come in the same query (only the ticket's row locked)."""
        row = self.session.execute(*ticket_statement(ticket_id, lock=True)).first()
        return hold_ticket(self.session, ticket_id, row)

    def mechanic_lines(self, ticket_id: int) -> list[tuple[TicketMechanic, str, bool]]:
        """The ticket's labour lines with their mechanic's name and whether they are
        active; a line nobody is assigned to yet comes last, named ""."""
        return mechanic_lines_of(self.session.execute(*mechanic_lines_statement(ticket_id)))

    def mechanic_ids(self, ticket_id: int) -> set[int]:
        """Who is assigned to the ticket (a mechanic works only on their own)."""
        return set(
            self.session.scalars(
                select(TicketMechanic.mechanic_id).where(
                    TicketMechanic.ticket_id == ticket_id,
                    TicketMechanic.mechanic_id.is_not(None),
                )
            )
        )

    def labour_line(self, line_id: int) -> TicketMechanic | None:
        return self.session.get(TicketMechanic, line_id)

    def part_lines(self, ticket_id: int) -> list[tuple[TicketPart, str, str]]:
        return part_lines_of(self.session.execute(*part_lines_statement(ticket_id)))

    def part_line(self, line_id: int) -> TicketPart | None:
        return self.session.get(TicketPart, line_id)

    def fee_lines(self, ticket_id: int) -> list[TicketFee]:
        """The ticket's fee lines in the order they were added."""
        return [r[0] for r in self.session.execute(*fee_lines_statement(ticket_id))]

    def fee_line(self, line_id: int) -> TicketFee | None:
        return self.session.get(TicketFee, line_id)

    def line(self, kind: str, line_id: int) -> TicketMechanic | TicketPart | TicketFee | None:
        """A labour, parts or fee line (``kind``: a LineKind value) by its id."""
        table = {"labour": TicketMechanic, "part": TicketPart}.get(kind, TicketFee)
        line = self.session.get(table, line_id)
        assert line is None or isinstance(line, TicketMechanic | TicketPart | TicketFee)
        return line

    def ticket_discount(self, ticket_id: int) -> TicketDiscount | None:
        held = self.session.info.get(TICKET_DISCOUNT_ROW)
        if held is not None and held[0] == ticket_id:
            return held[1]  # type: ignore[no-any-return]
        return self.session.get(TicketDiscount, ticket_id)

    def jobs(self, ticket_id: int) -> list[TicketJob]:
        """The ticket's jobs in the order the customer sees them."""
        return [r[0] for r in self.session.execute(*jobs_statement(ticket_id))]

    def job(self, job_id: int) -> TicketJob | None:
        return self.session.get(TicketJob, job_id)

    def next_job_position(self, ticket_id: int) -> int:
        last = self.session.scalar(
            select(func.max(TicketJob.position)).where(TicketJob.ticket_id == ticket_id)
        )
        return int(last or 0) + 1

    def authorisations(
        self, ticket_id: int
    ) -> list[tuple[Authorisation, str | None, list[tuple[str, str]]]]:
        """The ticket's authorisations, oldest first, each with who recorded it and its
        (job title, decision) pairs: one query (a round trip to a distant server)."""
        return authorisations_of(self.session.execute(*authorisations_statement(ticket_id)))

    def tickets_with_status(self, statuses: Sequence[str]) -> list[int]:
        return list(
            self.session.scalars(
                select(ServiceTicket.id)
                .where(ServiceTicket.status.in_(list(statuses)))
                .order_by(ServiceTicket.id)
            )
        )

    def settings(self) -> ShopSettings | None:
        return self.session.get(ShopSettings, 1)

    def last_change(self, entity: str, entity_id: int) -> tuple[Any, str | None] | None:
        """When the record was last changed according to the audit trail, and by whom."""
        row = self.session.execute(
            select(AuditEntry.at, StaffUser.full_name)
            .outerjoin(StaffUser, StaffUser.id == AuditEntry.staff_user_id)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(1)
        ).first()
        return (row[0], row[1]) if row is not None else None


# --------------------------------------------------------------------------- canned jobs

CANNED_JOBS = ListSpec(
    base=lambda: select(CannedJob.id, CannedJob.name, CannedJob.concern, CannedJob.active),
    sorts={"name": (CannedJob.name_key, CannedJob.id)},
    default_sort="name",
    search=lambda _session, text: _name_parts(CannedJob.name_key, text),
    filters={"active": lambda v: CannedJob.active.is_(True) if v else None},
    id_column=CannedJob.id,
)


class CannedJobRepository(Repository[CannedJob]):
    """The library of canned jobs (a few hundred rows at most: no FTS)."""

    model = CannedJob

    def page(self, query: ListQuery) -> tuple[list[Any], tuple[Any, ...] | None]:
        return fetch_page(self.session, CANNED_JOBS, query)

    def by_name(self, name: str) -> CannedJob | None:
        return self.session.scalar(select(CannedJob).where(CannedJob.name == name))

    def lines(
        self, canned_ids: Sequence[int]
    ) -> list[tuple[CannedJobLine, str | None, str | None, Decimal | None, Decimal | None]]:
        """The jobs' lines in order, each with its part's SKU, name, price and cost today
        (None when the part is gone): one query for any number of jobs."""
        if not canned_ids:
            return []
        return [
            (r[0], r[1], r[2], r[3], r[4]) for r in self.session.execute(
                select(CannedJobLine, Part.sku, Part.name, Part.unit_price, Part.unit_cost)
                .outerjoin(Part, Part.id == CannedJobLine.part_id)
                .where(CannedJobLine.canned_job_id.in_(sorted(set(canned_ids))))
                .order_by(CannedJobLine.canned_job_id, CannedJobLine.position,
                          CannedJobLine.id)
            )
        ]
