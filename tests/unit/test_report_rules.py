"""The owner's reports at their edges, on both backends: which instant falls in which
period and bucket (local offsets, the last half-millisecond of a day, the first instant
of the next), how ties are ordered, what the limits cut, and each row compared whole.

History is written straight to the tables (as in ``test_reports.py``): a report reads
rows, whichever service wrote them. Each test builds only the rows it needs and calls
one report, so that mutation testing judges the report's code by it (docs/mutation.md).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import (
    CreditNote,
    Customer,
    Invoice,
    Mechanic,
    Part,
    ServiceTicket,
    StockMovement,
    TicketJob,
    TicketMechanic,
    TicketPart,
    Vehicle,
)
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import NotFound, ValidationError
from mechanic_desktop.services import reports
from mechanic_desktop.services.reports import Period, RevenueBucket

D = Decimal
NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)  # a Wednesday
PLUS5 = timezone(timedelta(hours=5))
MINUS5 = timezone(timedelta(hours=-5))
#: Less than a millisecond: SQLite's date functions rounded such a remainder forward.
HAIR = timedelta(microseconds=300)
VINS = ["1M8GDM9AXKP042788", "1G4AH59H45G118341", "1FTMW1T88MFA00001",
        "1FTMW1T88MFA00002", "1FTMW1T88MFA00003"]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- rows ---------------------------------------------------------------------------------


def _owner(s: Session, name: str = "Ada Lovelace", key: str | None = None,
           year: int | None = 2019, vin: str = VINS[0]) -> tuple[int, int]:
    """A customer and one car (plate from the name's first letters); their ids."""
    surname = name.rsplit(maxsplit=1)[-1].lower()
    c = Customer(name=name, name_key=key or name.lower(), surname_key=surname)
    s.add(c)
    s.flush()
    v = Vehicle(customer_id=c.id, vin=vin, make="Ford", model="F-150", year=year,
                plate=name[:3].upper())
    s.add(v)
    s.flush()
    return c.id, v.id


def _ticket(s: Session, number: int, owner: tuple[int, int], status: str, opened: datetime,
            completed: datetime | None = None, total: str = "0.00",
            promised: datetime | None = None) -> int:
    t = ServiceTicket(number=number, customer_id=owner[0], vehicle_id=owner[1], status=status,
                      opened_at=opened, completed_at=completed, promised_at=promised,
                      total=D(total))
    s.add(t)
    s.flush()
    return t.id


def _invoice(s: Session, number: int, ticket_id: int, posted: datetime,
             parts: str = "0.00", labor: str = "0.00", tax: str = "0.00",
             total: str | None = None) -> int:
    money = (D(parts), D(labor), D(tax))
    inv = Invoice(number=number, label=f"INV-{number}", ticket_id=ticket_id, posted_at=posted,
                  parts_total=money[0], labor_total=money[1], tax_total=money[2],
                  total=D(total) if total is not None else sum(money, D(0)),
                  on_account=False, snapshot="{}")
    s.add(inv)
    s.flush()
    return inv.id


def _credit(s: Session, number: int, invoice_id: int, ticket_id: int, issued: datetime,
            amount: str) -> None:
    s.add(CreditNote(number=number, label=f"CN-{number}", invoice_id=invoice_id,
                     ticket_id=ticket_id, issued_at=issued, amount=D(amount),
                     reason="Refund", cancels=False))
    s.flush()


def _mechanic(s: Session, name: str, key: str | None = None, active: bool = True) -> int:
    m = Mechanic(name=name, name_key=key or name.lower(), hourly_rate=D("60"), active=active)
    s.add(m)
    s.flush()
    return m.id


def _job(s: Session, ticket_id: int, status: str = "approved") -> int:
    """A new job on the ticket (each line gets its own: a part appears once a job)."""
    position = 1 + len(s.query(TicketJob).filter(TicketJob.ticket_id == ticket_id).all())
    j = TicketJob(ticket_id=ticket_id, position=position, title="Work", status=status)
    s.add(j)
    s.flush()
    return j.id


def _work(s: Session, ticket_id: int, mechanic_id: int, minutes: int,
          rate: str = "60.00", job: str = "approved") -> None:
    s.add(TicketMechanic(ticket_id=ticket_id, job_id=_job(s, ticket_id, job),
                         mechanic_id=mechanic_id, minutes=minutes, hourly_rate=D(rate)))
    s.flush()


def _part(s: Session, sku: str, on_hand: int = 0, reorder: int = 0, cost: str = "1.00") -> int:
    p = Part(sku=sku, name=f"Part {sku}", name_key=sku.lower(), unit_price=D("2.00"),
             unit_cost=D(cost), quantity_on_hand=on_hand, reorder_level=reorder)
    s.add(p)
    s.flush()
    return p.id


def _line(s: Session, ticket_id: int, part_id: int, quantity: int, price: str,
          added: datetime, taken: bool = True, ordered: bool = False) -> None:
    s.add(TicketPart(ticket_id=ticket_id, job_id=_job(s, ticket_id), part_id=part_id,
                     quantity=quantity, unit_price=D(price), added_at=added, taken=taken,
                     ordered=ordered))
    s.flush()


def _move(s: Session, part_id: int, quantity: int, reason: str, when: datetime) -> None:
    s.add(StockMovement(part_id=part_id, quantity=quantity, reason=reason, created_at=when))
    s.flush()


# --- periods ------------------------------------------------------------------------------


def test_periods_are_named_and_bounded_by_local_days() -> None:
    """Each preset period's name, its UTC bounds and its local first and last days; the
    offset revenue buckets are cut by, east and west of UTC and on half hours."""
    assert Period.today(NOW, UTC) == Period(utc(2025, 3, 12), utc(2025, 3, 13), "Today", 0)
    assert Period.this_week(NOW, UTC) == Period(
        utc(2025, 3, 10), utc(2025, 3, 17), "This week", 0)
    assert Period.this_month(NOW, UTC) == Period(
        utc(2025, 3, 1), utc(2025, 4, 1), "This month", 0)
    assert Period.last_month(NOW, UTC) == Period(
        utc(2025, 2, 1), utc(2025, 3, 1), "Last month", 0)
    assert Period.this_year(NOW, UTC) == Period(
        utc(2025, 1, 1), utc(2026, 1, 1), "This year", 0)
    # A Sunday is the last day of its week; January's last month is December before it.
    sunday = utc(2025, 3, 16, 23, 59)
    assert Period.this_week(sunday, UTC).start == utc(2025, 3, 10)
    assert Period.last_month(utc(2025, 1, 1), UTC) == Period(
        utc(2024, 12, 1), utc(2025, 1, 1), "Last month", 0)
    assert Period.this_month(utc(2024, 2, 10), UTC).end == utc(2024, 3, 1)
    # Local days: at UTC+5 the day begins at 19:00 UTC the day before.
    east = Period.custom(date(2025, 3, 5), date(2025, 3, 7), PLUS5)
    assert east == Period(utc(2025, 3, 4, 19), utc(2025, 3, 7, 19),
                          "2025-03-05 – 2025-03-07", 300)
    assert (east.first_day, east.last_day) == (date(2025, 3, 5), date(2025, 3, 7))
    west = Period.between_days(date(2025, 3, 5), date(2025, 3, 5), "One day", MINUS5)
    assert west == Period(utc(2025, 3, 5, 5), utc(2025, 3, 6, 5), "One day", -300)
    assert (west.first_day, west.last_day) == (date(2025, 3, 5), date(2025, 3, 5))
    half = timezone(-timedelta(hours=3, minutes=30))
    assert Period.today(NOW, half).offset_minutes == -210
    assert Period.today(NOW, timezone(timedelta(hours=5, minutes=45))).offset_minutes == 345


def test_periods_in_a_zone_east_of_utc_are_its_own_days() -> None:
    """At 20:00 UTC on Monday March 31st it is already Tuesday April 1st at UTC+5: each
    preset period is that zone's today, week, month or year, not UTC's, its bounds kept
    as UTC times."""
    now = utc(2025, 3, 31, 20)
    assert Period.today(now, PLUS5) == Period(
        utc(2025, 3, 31, 19), utc(2025, 4, 1, 19), "Today", 300)
    assert Period.this_week(now, PLUS5) == Period(
        utc(2025, 3, 30, 19), utc(2025, 4, 6, 19), "This week", 300)
    assert Period.this_month(now, PLUS5) == Period(
        utc(2025, 3, 31, 19), utc(2025, 4, 30, 19), "This month", 300)
    assert Period.last_month(now, PLUS5) == Period(
        utc(2025, 2, 28, 19), utc(2025, 3, 31, 19), "Last month", 300)
    year = Period.this_year(now, PLUS5)
    assert year == Period(utc(2024, 12, 31, 19), utc(2025, 12, 31, 19), "This year", 300)
    assert year.start.tzinfo is UTC and year.end.tzinfo is UTC
    # Sunday evening in UTC is Monday at UTC+5, New Year's Eve already the new year.
    assert Period.this_week(utc(2024, 12, 29, 20), PLUS5).start == utc(2024, 12, 29, 19)
    assert Period.this_year(utc(2024, 12, 31, 20), PLUS5).start == utc(2024, 12, 31, 19)


def test_an_offset_of_odd_seconds_is_rounded_down_to_the_minute() -> None:
    """Monrovia kept UTC−0:44:30 until 1972: buckets are cut 45 minutes west of UTC."""
    day = date(1970, 6, 1)
    assert Period.custom(day, day, ZoneInfo("Africa/Monrovia")).offset_minutes == -45


def test_a_period_refuses_naive_times_and_an_empty_range() -> None:
    """A period is made of aware times and ends after it starts; a custom range's last
    day is not before its first (each refusal as the date dialog shows it)."""
    naive = datetime(2025, 3, 1)
    with pytest.raises(ValueError, match=r"^a period needs aware times$"):
        Period(naive, utc(2025, 3, 2))
    with pytest.raises(ValueError, match=r"^a period needs aware times$"):
        Period(utc(2025, 3, 1), naive)
    for end in (utc(2025, 3, 1), utc(2025, 2, 28)):
        with pytest.raises(ValidationError) as caught:
            Period(utc(2025, 3, 1), end)
        assert caught.value.fields == {"period": "The period must end after it starts."}
    assert Period(utc(2025, 3, 1), utc(2025, 3, 1) + timedelta(seconds=1)).label == ""
    with pytest.raises(ValidationError) as caught:
        Period.custom(date(2025, 3, 5), date(2025, 3, 4), UTC)
    assert caught.value.fields == {"period": "The last day is before the first day."}
    assert Period.custom(date(2025, 3, 5), date(2025, 3, 5), UTC).label == (
        "2025-03-05 – 2025-03-05")


@pytest.fixture
def tokyo_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The computer's own zone set to Asia/Tokyo (UTC+9, no DST) for the test."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def new_york_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The computer's own zone set to America/New_York (west of UTC) for the test."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_zone_given_wins_over_the_computers(new_york_clock: None) -> None:
    """A period made for UTC+5 on a computer in New York has UTC bounds and UTC+5's
    first and last days."""
    east = Period.custom(date(2025, 3, 5), date(2025, 3, 5), PLUS5)
    assert (east.start, east.end) == (utc(2025, 3, 4, 19), utc(2025, 3, 5, 19))
    assert east.start.tzinfo is UTC and east.end.tzinfo is UTC
    assert (east.first_day, east.last_day) == (date(2025, 3, 5), date(2025, 3, 5))


def test_periods_default_to_the_computers_zone_and_clock(tokyo_clock: None) -> None:
    """With no zone given a period is cut at the computer's local midnights (Tokyo
    here), and with no time given it is today's."""
    assert Period.custom(date(2025, 3, 5), date(2025, 3, 5)) == Period(
        utc(2025, 3, 4, 15), utc(2025, 3, 5, 15), "2025-03-05 – 2025-03-05", 540)
    # 20:00 UTC on the 12th is the 13th in Tokyo.
    assert Period.today(utc(2025, 3, 12, 20)) == Period(
        utc(2025, 3, 12, 15), utc(2025, 3, 13, 15), "Today", 540)
    local_today = datetime.now().astimezone().date()
    today = Period.today()
    assert (today.first_day, today.last_day, today.offset_minutes) == (
        local_today, local_today, 540)
    in_utc = Period.today(tz=UTC)
    assert in_utc.first_day == datetime.now(UTC).date() and in_utc.offset_minutes == 0


# --- revenue ------------------------------------------------------------------------------


def test_revenue_buckets_cut_at_local_midnights(uow: UnitOfWork, engine: Engine) -> None:
    """Invoices count in the week (Monday) and month they were posted in, local time at
    the period's offset: the last half-millisecond of a Sunday or of a month stays in it,
    its next instant starts the next; credit notes come off the bucket they were issued
    in, one with no invoice beside it making a bucket of its own."""
    edge = datetime(2025, 3, 17, tzinfo=MINUS5).astimezone(UTC)  # Monday, local
    march = Period.custom(date(2025, 3, 1), date(2025, 3, 31), MINUS5)
    with Session(engine) as s:
        owner = _owner(s)
        t = _ticket(s, 1, owner, "closed", utc(2025, 3, 1))
        first = _invoice(s, 1, t, edge - HAIR, "10.00", "20.00", "3.00", "40.00")
        _invoice(s, 2, t, edge, "1.00", "2.00", "0.30")
        _invoice(s, 3, t, edge - timedelta(days=6), "100.00")  # Tuesday 00:00 local
        _invoice(s, 4, t, datetime(2025, 4, 1, tzinfo=MINUS5).astimezone(UTC) - HAIR,
                 "0.00", "50.00")
        _invoice(s, 5, t, datetime(2025, 2, 28, 23, tzinfo=MINUS5).astimezone(UTC), "7.00")
        _credit(s, 1, first, t, edge - HAIR, "5.00")
        _credit(s, 2, first, t, edge - timedelta(days=2), "1.50")
        _credit(s, 3, first, t, datetime(2025, 3, 26, tzinfo=MINUS5).astimezone(UTC), "2.25")
        # The period's first instant is in it, its end and after are not.
        _invoice(s, 6, t, march.start, "0.01")
        _invoice(s, 7, t, march.end, "900.00")
        _invoice(s, 8, t, march.end + timedelta(days=3), "900.00")
        _credit(s, 4, first, t, march.start, "0.02")
        _credit(s, 5, first, t, march.end, "800.00")
        _credit(s, 6, first, t, march.start - timedelta(days=3), "800.00")
        _credit(s, 7, first, t, march.end + timedelta(days=3), "800.00")
        s.commit()
    weeks = reports.revenue(uow, march, "week", now=utc(2025, 6, 1))
    assert weeks == [
        RevenueBucket(date(2025, 2, 24), 1, D("0.01"), D("0.00"), D("0.00"), D("0.01"),
                      1, D("0.02")),
        RevenueBucket(date(2025, 3, 3), 0, D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        RevenueBucket(date(2025, 3, 10), 2, D("110.00"), D("20.00"), D("3.00"), D("140.00"),
                      2, D("6.50")),
        RevenueBucket(date(2025, 3, 17), 1, D("1.00"), D("2.00"), D("0.30"), D("3.30")),
        RevenueBucket(date(2025, 3, 24), 0, D("0.00"), D("0.00"), D("0.00"), D("0.00"),
                      1, D("2.25")),
        RevenueBucket(date(2025, 3, 31), 1, D("0.00"), D("50.00"), D("0.00"), D("50.00")),
    ]
    assert (weeks[2].total, weeks[2].fees_less_discounts) == (D("133.50"), D("7.00"))
    assert (weeks[4].total, weeks[4].fees_less_discounts) == (D("-2.25"), D("0.00"))
    [month] = reports.revenue(uow, march, "month", now=utc(2025, 6, 1))
    assert month == RevenueBucket(date(2025, 3, 1), 5, D("111.01"), D("72.00"), D("3.30"),
                                  D("193.31"), 4, D("8.77"))
    assert month.total == D("184.54")


def test_revenue_stops_at_the_local_today(uow: UnitOfWork) -> None:
    """The buckets charted end with the one holding today in the period's zone: at
    UTC+5, 20:00 UTC on March 31st is already April 1st, at UTC−5 it is not; a week
    that begins today is charted."""
    year_east = Period.this_year(NOW, PLUS5)
    assert [b.start for b in reports.revenue(uow, year_east, "month", now=utc(2025, 3, 31, 20))
            ][-2:] == [date(2025, 3, 1), date(2025, 4, 1)]
    year_west = Period.this_year(NOW, MINUS5)
    assert [b.start for b in reports.revenue(uow, year_west, "month", now=utc(2025, 3, 31, 20))
            ][-1] == date(2025, 3, 1)
    march = Period.custom(date(2025, 3, 1), date(2025, 3, 31), UTC)
    assert [b.start for b in reports.revenue(uow, march, "week", now=utc(2025, 3, 10))][-1] == (
        date(2025, 3, 10))
    assert len(reports.revenue(uow, march, "week", now=utc(2025, 3, 9, 23, 59))) == 2


def test_revenue_with_no_time_given_is_charted_up_to_now(uow: UnitOfWork) -> None:
    """Without ``now`` the chart runs to the current week: a period long past shows
    every week, one in the future none."""
    past = Period.custom(date(2025, 3, 3), date(2025, 3, 16), UTC)
    assert [b.start for b in reports.revenue(uow, past, "week")] == [
        date(2025, 3, 3), date(2025, 3, 10)]
    assert reports.revenue(uow, Period.custom(date(2099, 1, 1), date(2099, 1, 31), UTC),
                           "month") == []


def test_bucket_starts_cover_the_period() -> None:
    """Every month or Monday the period touches, across a year's end and February."""
    winter = Period.custom(date(2024, 11, 15), date(2025, 3, 1), UTC)
    assert reports.bucket_starts(winter, "month") == [
        date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1),
        date(2025, 3, 1)]
    assert reports.bucket_starts(Period.custom(date(2024, 12, 29), date(2025, 1, 6), UTC),
                                 "week") == [date(2024, 12, 23), date(2024, 12, 30),
                                             date(2025, 1, 6)]
    assert reports.bucket_starts(Period.custom(date(2025, 3, 3), date(2025, 3, 3), UTC),
                                 "week") == [date(2025, 3, 3)]


def test_a_date_bucket_is_a_week_or_a_month() -> None:
    """Any other grain is a programming error, named."""
    with pytest.raises(ValueError, match=r"^unknown grain 'day'$"):
        reports.date_bucket(Invoice.posted_at, "day", 0, "sqlite")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^unknown grain 'year'$"):
        reports.date_bucket(Invoice.posted_at, "year", 0, "postgresql")  # type: ignore[arg-type]


# --- billed work ----------------------------------------------------------------------------


def _ranking_shop(s: Session, edges: list[datetime]) -> int:
    """One mechanic; ticket n completed at ``edges[n]`` with 2ⁿ minutes of work."""
    owner = _owner(s)
    sam = _mechanic(s, "Sam Wrench")
    for n, done in enumerate(edges):
        t = _ticket(s, n + 1, owner, "completed", done - timedelta(hours=2), done)
        _work(s, t, sam, 2 ** n)
    s.commit()
    return sam


def test_ranking_counts_the_partial_first_and_last_days(uow: UnitOfWork, engine: Engine) -> None:
    """At UTC+5 March 10th–12th runs from 19:00 UTC on the 9th to 19:00 UTC on the 12th:
    its whole UTC days come from the day sums, the hours around them from the lines, and
    each ticket counts once, at whichever edge it was completed."""
    period = Period.custom(date(2025, 3, 10), date(2025, 3, 12), PLUS5)
    start, first, last, end = period.start, utc(2025, 3, 10), utc(2025, 3, 12), period.end
    with Session(engine) as s:
        _ranking_shop(s, [
            start - timedelta(seconds=1),  # 1: before
            start,  # 2
            first - timedelta(seconds=1),  # 4
            first,  # 8
            last - timedelta(seconds=1),  # 16
            last,  # 32
            end - timedelta(seconds=1),  # 64
            end,  # 128: after
        ])
    [sam] = reports.mechanic_ranking(uow, period)
    assert (sam.name, sam.active, sam.tickets, sam.minutes, sam.labor) == (
        "Sam Wrench", True, 6, 126, D("126.00"))
    assert sam.avg_seconds == 7200.0
    assert sam.hours == D("2.10")


def test_ranking_of_a_day_with_no_whole_utc_day(uow: UnitOfWork, engine: Engine) -> None:
    """One local day at UTC+5 holds no whole UTC day: it is read from the lines alone,
    its first instant in, the next day's first out."""
    period = Period.custom(date(2025, 3, 12), date(2025, 3, 12), PLUS5)
    with Session(engine) as s:
        _ranking_shop(s, [period.start - timedelta(seconds=1), period.start,
                          period.end - timedelta(seconds=1), period.end])
    [sam] = reports.mechanic_ranking(uow, period)
    assert (sam.tickets, sam.minutes, sam.labor) == (2, 6, D("6.00"))


def test_ranking_order_and_who_is_listed(uow: UnitOfWork, engine: Engine) -> None:
    """Most tickets first, then most labour, then by name (as sorted, not as typed),
    then the older record; an inactive mechanic is listed only with work in the period,
    an active one always; only approved jobs' time counts. The ranking's columns read
    each row as shown."""
    done = utc(2025, 3, 11, 12)
    with Session(engine) as s:
        owner = _owner(s)
        ids = {name: _mechanic(s, name, key, active)
               for name, key, active in (("zed", "d zed", True), ("Amy", "c amy", True),
                                         ("Bo", "a bo", True), ("Old", "old", False),
                                         ("Gone", "gone", False), ("Cy", "c amy", True),
                                         ("Big", "big", True))}
        # Amy and Bo: two tickets each, Amy's labour the larger; Big one ticket, with
        # the most labour; zed and Cy none.
        for n, (who, minutes, rate) in enumerate((("Amy", 60, "30.00"), ("Amy", 60, "30.01"),
                                                  ("Bo", 60, "30.00"), ("Bo", 60, "30.00"),
                                                  ("Old", 1, "0.00"), ("Big", 600, "60.00"))):
            t = _ticket(s, n + 1, owner, "closed", done - timedelta(days=1, hours=n), done)
            _work(s, t, ids[who], minutes, rate)
        # Declined work, and work on a ticket not billed, count for nobody.
        t = _ticket(s, 10, owner, "closed", done - timedelta(days=1), done)
        _work(s, t, ids["Gone"], 600, job="declined")
        _work(s, t, ids["zed"], 600, job="deferred")
        t = _ticket(s, 11, owner, "in_progress", done - timedelta(days=1), None)
        _work(s, t, ids["zed"], 600)
        s.commit()
    rows = reports.mechanic_ranking(uow, Period.custom(date(2025, 3, 11), date(2025, 3, 11),
                                                       UTC))
    assert [(r.mechanic_id, r.name, r.active, r.tickets, r.minutes, r.labor) for r in rows] == [
        (ids["Amy"], "Amy", True, 2, 120, D("60.01")),
        (ids["Bo"], "Bo", True, 2, 120, D("60.00")),
        (ids["Big"], "Big", True, 1, 600, D("600.00")),
        (ids["Old"], "Old", False, 1, 1, D("0.00")),
        (ids["Cy"], "Cy", True, 0, 0, D("0.00")),
        (ids["zed"], "zed", True, 0, 0, D("0.00")),
    ]
    assert [r.avg_seconds for r in rows] == [
        pytest.approx(86400 + 1800), pytest.approx(86400 + 9000), pytest.approx(86400 + 18000),
        pytest.approx(86400 + 14400), None, None]
    shown = [{c.header: c.value(r) for c in reports.RANKING_COLUMNS}
             for r in reports.ranked([rows[3], rows[5]])]
    assert shown == [
        {"#": 1, "Mechanic": "Old", "Completed": 1, "Hours": 1, "Labour": D("0.00"),
         "Avg. days": pytest.approx(100800), "Active": "no"},
        {"#": 2, "Mechanic": "zed", "Completed": 0, "Hours": 0, "Labour": D("0.00"),
         "Avg. days": None, "Active": "yes"},
    ]


def test_customer_totals_at_the_period_edges_and_in_order(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A ticket completed at the period's first instant is billed in it, one completed
    at its end is not, nor one opened after the period (whatever its completion says);
    customers by what they were billed, ties by name as sorted, then the older record;
    ``limit`` keeps the first."""
    period = Period.custom(date(2025, 3, 10), date(2025, 3, 10), PLUS5)
    with Session(engine) as s:
        ada = _owner(s, "Ada Lovelace", "b")
        bob = _owner(s, "Bob Builder", "a", vin=VINS[1])
        cy = _owner(s, "Cy Young", "b", vin=VINS[2])
        dee = _owner(s, "Dee Dee", "z", vin=VINS[3])
        dee_too = _owner(s, "Dee Dee", "z", vin=VINS[4])
        start, end = period.start, period.end
        _ticket(s, 1, ada, "completed", start - timedelta(hours=1), start, "10.00")
        _ticket(s, 2, ada, "closed", start, end - timedelta(microseconds=1), "5.50")
        _ticket(s, 3, ada, "closed", start - timedelta(hours=1), end, "1000.00")
        _ticket(s, 4, ada, "closed", end, end - timedelta(hours=1), "2000.00")
        _ticket(s, 5, ada, "cancelled", start, start + timedelta(hours=1), "3000.00")
        _ticket(s, 6, bob, "closed", start, start + timedelta(hours=2), "15.50")
        _ticket(s, 7, cy, "completed", start - timedelta(days=9), start + timedelta(hours=3),
                "15.50")
        _ticket(s, 8, cy, "in_progress", start, start + timedelta(hours=3), "99.00")
        # Most billed first, whatever the name; two customers of one name stay two.
        _ticket(s, 9, dee, "closed", start, start + timedelta(hours=4), "20.00")
        _ticket(s, 10, dee_too, "closed", start, start + timedelta(hours=5), "1.00")
        s.commit()
    rows = reports.customer_totals(uow, period)
    assert [(r.name, r.tickets, r.total, r.last_completed) for r in rows] == [
        ("Dee Dee", 1, D("20.00"), start + timedelta(hours=4)),
        ("Bob Builder", 1, D("15.50"), start + timedelta(hours=2)),
        ("Ada Lovelace", 2, D("15.50"), end - timedelta(microseconds=1)),
        ("Cy Young", 1, D("15.50"), start + timedelta(hours=3)),
        ("Dee Dee", 1, D("1.00"), start + timedelta(hours=5)),
    ]
    assert [r.customer_id for r in rows] == [dee[0], bob[0], ada[0], cy[0], dee_too[0]]
    assert [r.name for r in reports.customer_totals(uow, period, limit=2)] == [
        "Dee Dee", "Bob Builder"]


def test_dashboard_counts_today_and_this_week(uow: UnitOfWork, engine: Engine) -> None:
    """Completed today and this week's revenue in the zone given (UTC+5 here): their
    first instants count, the next day's or week's do not; credit notes issued this week
    come off; low stock is at or below the reorder level; every active status is listed,
    zero included."""
    now = utc(2025, 3, 12, 20)  # Thursday the 13th at UTC+5
    today = Period.today(now, PLUS5)
    week = Period.this_week(now, PLUS5)
    with Session(engine) as s:
        owner = _owner(s)
        for n, done in enumerate((today.start - timedelta(seconds=1), today.start,
                                  today.end - timedelta(seconds=1), today.end), start=1):
            _ticket(s, n, owner, "completed", done - timedelta(hours=1), done)
        _ticket(s, 5, owner, "cancelled", today.start, today.start + timedelta(hours=1))
        # Noon UTC on the 12th: that day in UTC, the day before at UTC+5.
        _ticket(s, 9, owner, "completed", utc(2025, 3, 12, 11), utc(2025, 3, 12, 12))
        _ticket(s, 6, owner, "in_progress", utc(2025, 3, 1))
        _ticket(s, 7, owner, "in_progress", utc(2025, 3, 2))
        t = _ticket(s, 8, owner, "closed", utc(2025, 3, 1))
        for n, posted, total in ((1, week.start - timedelta(seconds=1), "1000.00"),
                                 (2, week.start, "100.00"), (3, week.end - HAIR, "20.00"),
                                 (4, week.end, "3000.00")):
            inv = _invoice(s, n, t, posted, total, total=total)
        for n, issued, amount in ((1, week.start - timedelta(seconds=1), "400.00"),
                                  (2, week.start, "7.25"), (3, week.end, "500.00")):
            _credit(s, n, inv, t, issued, amount)
        for sku, on_hand, reorder in (("A", 1, 2), ("B", 2, 2), ("C", 3, 2), ("D", 0, 0)):
            _part(s, sku, on_hand, reorder)
        s.commit()
    board = reports.dashboard(uow, now=now, tz=PLUS5)
    assert board == reports.Dashboard({"open": 0, "in_progress": 2}, 2, 3, D("112.75"), 2)


def test_dashboard_without_a_time_is_now(uow: UnitOfWork, engine: Engine) -> None:
    """With no time given the dashboard reads the current day and week."""
    now = datetime.now(UTC)
    with Session(engine) as s:
        owner = _owner(s)
        t = _ticket(s, 1, owner, "completed", now - timedelta(hours=1), now)
        _invoice(s, 1, t, now, "9.99")
        _ticket(s, 2, owner, "open", now)
        s.commit()
    board = reports.dashboard(uow, tz=UTC)
    assert board == reports.Dashboard({"open": 1, "in_progress": 0}, 1, 0, D("9.99"), 1)


def test_dashboard_of_a_quiet_shop_is_all_zero(uow: UnitOfWork) -> None:
    """Nothing open, completed, low or earned: every figure is zero, none missing."""
    assert reports.dashboard(uow, now=NOW, tz=UTC) == reports.Dashboard(
        {"open": 0, "in_progress": 0}, 0, 0, D("0.00"), 0)


# --- parts ---------------------------------------------------------------------------------


def test_parts_usage_edges_order_and_limit(uow: UnitOfWork, engine: Engine) -> None:
    """Part lines taken from the shelf in the period, on tickets not cancelled: the
    period's first instant in, its end out; ties by quantity go to the larger revenue
    then the SKU, ties by revenue to the larger quantity then the SKU; ``limit`` keeps
    the first of each list."""
    period = Period.custom(date(2025, 3, 1), date(2025, 3, 31), UTC)
    start, end = period.start, period.end
    with Session(engine) as s:
        owner = _owner(s)
        t = _ticket(s, 1, owner, "closed", utc(2025, 2, 1))
        gone = _ticket(s, 2, owner, "cancelled", utc(2025, 2, 1))
        # Made out of SKU order, so that only the SKU can put them in it.
        ids = {sku: _part(s, sku) for sku in ("P-B", "P-A", "P-D", "P-C", "P-E")}
        _line(s, t, ids["P-A"], 2, "5.00", start)  # 2, 10.00
        _line(s, t, ids["P-B"], 1, "6.00", end - timedelta(microseconds=1))
        _line(s, t, ids["P-B"], 1, "4.00", start)  # 2, 10.00: ties P-A both ways
        _line(s, t, ids["P-D"], 2, "6.00", start)  # 2, 12.00
        _line(s, t, ids["P-C"], 1, "12.00", start)  # 1, 12.00
        _line(s, t, ids["P-E"], 9, "1.00", start - timedelta(microseconds=1))  # before
        _line(s, t, ids["P-E"], 9, "1.00", end)  # after
        _line(s, gone, ids["P-E"], 9, "1.00", start)  # cancelled ticket
        _line(s, t, ids["P-E"], 9, "1.00", start, taken=False)  # not taken (a proposal)
        s.commit()
    usage = reports.parts_usage(uow, period, now=NOW)
    assert [(u.sku, u.name, u.quantity, u.revenue) for u in usage.by_quantity] == [
        ("P-D", "Part P-D", 2, D("12.00")), ("P-A", "Part P-A", 2, D("10.00")),
        ("P-B", "Part P-B", 2, D("10.00")), ("P-C", "Part P-C", 1, D("12.00"))]
    assert [(u.part_id, u.sku, u.quantity, u.revenue) for u in usage.by_revenue] == [
        (ids["P-D"], "P-D", 2, D("12.00")), (ids["P-C"], "P-C", 1, D("12.00")),
        (ids["P-A"], "P-A", 2, D("10.00")), (ids["P-B"], "P-B", 2, D("10.00"))]
    top = reports.parts_usage(uow, period, limit=2, now=NOW)
    assert ([u.sku for u in top.by_quantity], [u.sku for u in top.by_revenue]) == (
        ["P-D", "P-A"], ["P-D", "P-C"])


def test_idle_parts_have_not_moved_for_a_year(uow: UnitOfWork, engine: Engine) -> None:
    """A part is idle when no stock movement at all is newer than 365 days before now
    (one exactly 365 days old is not idle yet), highest stock value first, ties by SKU;
    with no time given, now is the computer's."""
    cutoff = NOW - timedelta(days=365)
    with Session(engine) as s:
        for sku, on_hand, cost, moved in (
            ("I-1", 2, "5.00", cutoff - timedelta(microseconds=1)),
            ("I-2", 5, "2.00", cutoff - timedelta(days=30)),
            ("I-0", 1, "10.00", None),
            ("I-3", 4, "9.00", cutoff),
            ("I-4", 4, "9.00", NOW - timedelta(days=1)),
        ):
            p = _part(s, sku, on_hand, cost=cost)
            if moved is not None:
                _move(s, p, on_hand, "initial", moved - timedelta(days=400))
                _move(s, p, 1, "receive", moved)
        s.commit()
    idle = reports.parts_usage(uow, Period.today(NOW, UTC), now=NOW).idle
    assert [(i.sku, i.name, i.on_hand, i.stock_value, i.last_movement) for i in idle] == [
        ("I-0", "Part I-0", 1, D("10.00"), None),
        ("I-1", "Part I-1", 2, D("10.00"), cutoff - timedelta(microseconds=1)),
        ("I-2", "Part I-2", 5, D("10.00"), cutoff - timedelta(days=30)),
    ]
    assert [i.sku for i in reports.parts_usage(uow, Period.today(NOW, UTC)).idle] == [
        "I-3", "I-4", "I-0", "I-1", "I-2"]


def test_low_stock_reads_ninety_days_of_ticket_use(uow: UnitOfWork, engine: Engine) -> None:
    """Used in 90 days: parts gone to tickets less those back from them, from 90 days
    before now on (not receipts, counts or earlier use; more back than out reads 0);
    a part above its reorder level is listed only for tickets waiting on it (ordered
    lines of open or in-progress tickets), and the suggestion orders for them too."""
    since = NOW - timedelta(days=90)
    with Session(engine) as s:
        owner = _owner(s)
        live = _ticket(s, 1, owner, "in_progress", utc(2025, 3, 1))
        waiting = _ticket(s, 2, owner, "open", utc(2025, 3, 1))
        done = _ticket(s, 3, owner, "completed", utc(2025, 3, 1), utc(2025, 3, 2))
        low = _part(s, "L-1", on_hand=2, reorder=5, cost="2.50")
        for quantity, reason, when in ((-6, "ticket", since), (2, "return", NOW),
                                       (-1, "ticket", since - timedelta(microseconds=1)),
                                       (-50, "adjust", NOW), (40, "receive", NOW),
                                       (1, "cancel", NOW)):
            _move(s, low, quantity, reason, when)
        back = _part(s, "L-2", on_hand=1, reorder=1)
        _move(s, back, 3, "return", NOW)
        for_jobs = _part(s, "L-3", on_hand=9, reorder=1, cost="4.00")
        _line(s, live, for_jobs, 2, "9.00", NOW, taken=False, ordered=True)
        _line(s, waiting, for_jobs, 1, "9.00", NOW, taken=False, ordered=True)
        _line(s, done, for_jobs, 5, "9.00", NOW, taken=False, ordered=True)
        _line(s, live, for_jobs, 7, "9.00", NOW, taken=False)
        plenty = _part(s, "L-4", on_hand=9, reorder=1)
        _line(s, done, plenty, 5, "9.00", NOW, taken=False, ordered=True)
        one = _part(s, "L-5", on_hand=9, reorder=1, cost="3.00")
        _line(s, waiting, one, 1, "9.00", NOW, taken=False, ordered=True)
        s.commit()
    lines = reports.low_stock(uow, now=NOW)
    assert [(x.part_id, x.sku, x.name, x.on_hand, x.reorder_level, x.used_90_days,
             x.suggested, x.unit_cost, x.for_tickets, x.order_cost) for x in lines] == [
        (low, "L-1", "Part L-1", 2, 5, 3, 4, D("2.50"), 0, D("10.00")),
        (back, "L-2", "Part L-2", 1, 1, 0, 1, D("1.00"), 0, D("1.00")),
        (for_jobs, "L-3", "Part L-3", 9, 1, 0, 3, D("4.00"), 3, D("12.00")),
        (one, "L-5", "Part L-5", 9, 1, 0, 1, D("3.00"), 1, D("3.00")),
    ]
    # Without a time, now is the computer's: March's use is long past.
    assert [x.used_90_days for x in reports.low_stock(uow)] == [0, 0, 0, 0]


def test_suggested_orders() -> None:
    """Up to the reorder level plus 30 days of the 90 days' demand, rounded up, and at
    least one above the level; more returned than used is no demand."""
    assert reports.suggested_order(on_hand=0, reorder_level=0, used_90_days=1) == 1
    assert reports.suggested_order(on_hand=0, reorder_level=0, used_90_days=3) == 1
    assert reports.suggested_order(on_hand=0, reorder_level=0, used_90_days=4) == 2
    assert reports.suggested_order(on_hand=0, reorder_level=3, used_90_days=-9) == 4
    assert reports.suggested_order(on_hand=0, reorder_level=0, used_90_days=-9) == 0
    assert reports.suggested_order(on_hand=4, reorder_level=3, used_90_days=0) == 0
    assert reports.suggested_order(on_hand=3, reorder_level=3, used_90_days=0) == 1


# --- tickets and customers --------------------------------------------------------------------


def test_work_in_progress_oldest_first(uow: UnitOfWork, engine: Engine) -> None:
    """Open and in-progress tickets, oldest first (ties: the older record), at most
    ``limit``; per status the count, value and oldest; each ticket names its own vehicle
    (not the customer's other one), without a year when none is known; with no time
    given ages run to now."""
    with Session(engine) as s:
        ada = _owner(s)
        bob = _owner(s, "Bob Builder", year=None, vin=VINS[1])
        s.add(Vehicle(customer_id=ada[0], vin=VINS[2], make="Kia", model="Rio", plate="ADA 2"))
        same = utc(2025, 3, 10, 8)
        ids = [_ticket(s, 3, bob, "in_progress", same, total="30.00",
                       promised=utc(2025, 3, 14)),
               _ticket(s, 1, ada, "open", same, total="5.25"),
               _ticket(s, 2, ada, "open", utc(2025, 3, 11), total="4.75")]
        _ticket(s, 4, ada, "completed", utc(2025, 3, 1), utc(2025, 3, 2), "99.00")
        _ticket(s, 5, ada, "cancelled", utc(2025, 3, 1), None, "99.00")
        oldest = utc(2025, 3, 9, 20)
        ids.insert(0, _ticket(s, 6, ada, "open", oldest, total="0.50"))  # made last
        s.commit()
    wip = reports.work_in_progress(uow, now=NOW)
    assert wip.by_status == (
        reports.WipStatus("open", 3, D("10.50"), oldest),
        reports.WipStatus("in_progress", 1, D("30.00"), same))
    assert (wip.total_tickets, wip.total_value) == (4, D("40.50"))
    ages: list[object] = [t.age_days for t in wip.tickets]
    assert ages == [pytest.approx(2 + 16 / 24), pytest.approx(2 + 4 / 24),
                    pytest.approx(2 + 4 / 24), 1.5]
    assert [(t.ticket_id, t.number, t.status, t.customer, t.vehicle, t.opened_at,
             t.promised_at, t.total) for t in wip.tickets] == [
        (ids[0], 6, "open", "Ada Lovelace", "2019 Ford F-150 ADA", oldest, None, D("0.50")),
        (ids[1], 3, "in_progress", "Bob Builder", "Ford F-150 BOB", same, utc(2025, 3, 14),
         D("30.00")),
        (ids[2], 1, "open", "Ada Lovelace", "2019 Ford F-150 ADA", same, None, D("5.25")),
        (ids[3], 2, "open", "Ada Lovelace", "2019 Ford F-150 ADA", utc(2025, 3, 11), None,
         D("4.75")),
    ]
    assert [t.number for t in reports.work_in_progress(uow, now=NOW, limit=2).tickets] == [6, 3]
    assert reports.work_in_progress(uow).tickets[0].age_days > 600


def test_work_in_progress_lists_an_empty_status_as_zero(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A status with no ticket is listed with nothing in it."""
    with Session(engine) as s:
        _ticket(s, 1, _owner(s), "open", utc(2025, 3, 1), total="1.00")
        s.commit()
    wip = reports.work_in_progress(uow, now=NOW)
    assert wip.by_status == (reports.WipStatus("open", 1, D("1.00"), utc(2025, 3, 1)),
                             reports.WipStatus("in_progress", 0, D("0.00"), None))
    assert (wip.total_tickets, wip.total_value) == (1, D("1.00"))


def test_customer_history_rows(uow: UnitOfWork, engine: Engine) -> None:
    """A customer's tickets newest first (ties: the newer record), each as shown; visits
    leave out cancelled tickets, billed counts completed and closed ones, open counts
    open and in-progress ones; an unknown customer is refused by number."""
    with Session(engine) as s:
        ada = _owner(s, year=None)
        other = _owner(s, "Bob Builder", vin=VINS[1])
        same = utc(2025, 3, 10)
        ids = [
            _ticket(s, 1, ada, "completed", same, utc(2025, 3, 11), "10.00"),
            _ticket(s, 2, ada, "closed", same, utc(2025, 3, 12), "20.00"),
            _ticket(s, 3, ada, "cancelled", utc(2025, 3, 20), None, "40.00"),
            _ticket(s, 4, ada, "cancelled", utc(2025, 1, 1), None, "80.00"),
            _ticket(s, 5, ada, "open", utc(2025, 2, 1), None, "160.00"),
            _ticket(s, 6, ada, "in_progress", utc(2025, 3, 15), None, "320.00"),
        ]
        _ticket(s, 7, other, "closed", utc(2024, 1, 1), utc(2024, 1, 2), "640.00")
        s.commit()
    history = reports.customer_history(uow, ada[0])
    assert (history.customer_id, history.name) == (ada[0], "Ada Lovelace")
    assert history.tickets == (
        reports.HistoryTicket(ids[2], 3, "cancelled", "Ford F-150 ADA", utc(2025, 3, 20), None,
                              D("40.00")),
        reports.HistoryTicket(ids[5], 6, "in_progress", "Ford F-150 ADA", utc(2025, 3, 15),
                              None, D("320.00")),
        reports.HistoryTicket(ids[1], 2, "closed", "Ford F-150 ADA", same, utc(2025, 3, 12),
                              D("20.00")),
        reports.HistoryTicket(ids[0], 1, "completed", "Ford F-150 ADA", same,
                              utc(2025, 3, 11), D("10.00")),
        reports.HistoryTicket(ids[4], 5, "open", "Ford F-150 ADA", utc(2025, 2, 1), None,
                              D("160.00")),
        reports.HistoryTicket(ids[3], 4, "cancelled", "Ford F-150 ADA", utc(2025, 1, 1), None,
                              D("80.00")),
    )
    assert (history.visits, history.billed, history.open_tickets, history.first_visit,
            history.last_visit) == (4, D("30.00"), 2, utc(2025, 2, 1), utc(2025, 3, 15))
    with pytest.raises(NotFound, match=r"^Customer #999 no longer exists"):
        reports.customer_history(uow, 999)


def test_customer_history_of_a_new_customer(uow: UnitOfWork, engine: Engine) -> None:
    """No tickets: no visits, nothing billed or open, no first or last visit."""
    with Session(engine) as s:
        ada = _owner(s)
        s.commit()
    history = reports.customer_history(uow, ada[0])
    assert history == reports.CustomerHistory(ada[0], "Ada Lovelace", (), 0, D("0.00"), 0,
                                               None, None)
