"""Workstation simulations for the crash and soak tests (run as separate processes).

``python -m tests.workloads desk URL SECONDS SEED`` does a random mix of the shop's
write services for SECONDS and prints one JSON line of counts; ``check URL`` verifies
the invariants every write must keep and prints them as JSON.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import func, select, text

from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.models import (
    AuditEntry,
    CreditNote,
    Invoice,
    Mechanic,
    Part,
    Payment,
    ServiceTicket,
    StockMovement,
    TicketJob,
    TicketPart,
    Vehicle,
)
from mechanic_desktop.db.retry import with_retries
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DomainError, StaleRecord
from mechanic_desktop.domain.jobs import AuthorisationMethod, JobStatus, amount_after
from mechanic_desktop.domain.vin import VIN_ALPHABET, check_digit
from mechanic_desktop.services import (
    credit_notes,
    customers,
    jobs,
    mechanics,
    parts,
    payments,
    shop,
    stock,
    tickets,
    vehicles,
    workflow,
)


def random_vin(rng: random.Random) -> str:
    body = "1" + "".join(rng.choice(VIN_ALPHABET) for _ in range(16))
    return body[:8] + check_digit(body) + body[9:]


def prepare(url: str, parts_count: int = 20, seed: int = 0) -> None:
    """A small shop to work on: customers with vehicles, mechanics, parts in stock."""
    engine = make_engine(url)
    uow = UnitOfWork(engine)
    rng = random.Random(seed)
    for i in range(10):
        c = customers.create_customer(uow, customers.CustomerData(f"Customer {seed}-{i}"))
        vehicles.create_vehicle(uow, vehicles.VehicleData(c.id, random_vin(rng)))
    for i in range(4):
        mechanics.create_mechanic(
            uow, mechanics.MechanicData(f"Mechanic {seed}-{i}", hourly_rate="80")
        )
    for i in range(parts_count):
        parts.create_part(
            uow, parts.PartData(f"P{seed}-{i}", f"Part {i}", "12.50", "5", 2, rng.randint(0, 12))
        )
    engine.dispose()


def desk(url: str, seconds: float, seed: int) -> dict[str, int]:
    """One simulated workstation: random writes until time is up."""
    engine = make_engine(url)
    uow = UnitOfWork(engine)
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    with engine.connect() as conn:
        vehicle_rows = list(conn.execute(select(Vehicle.id, Vehicle.customer_id)).all())
        part_ids = list(conn.scalars(select(Part.id)))
        mechanic_ids = list(conn.scalars(select(Mechanic.id)))
    print("ready", flush=True)  # the crash test kills us only once work has begun
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        action = rng.choice(
            ["open", "add", "add", "change", "remove", "assign", "status", "receive", "adjust",
             "authorise", "authorise", "decline", "job", "post", "pay", "credit",
             "apply_credit"]
        )
        try:
            wrote = with_retries(
                partial(_act, uow, rng, action, vehicle_rows, part_ids, mechanic_ids)
            )
            counts["ops" if wrote else "no-ops"] += 1
        except StaleRecord:
            counts["conflicts"] += 1
        except DomainError:
            counts["refused"] += 1
    engine.dispose()
    return dict(counts)


def _ticket_ids(
    uow: UnitOfWork, active: bool = True, statuses: tuple[str, ...] = ("open", "in_progress")
) -> list[int]:
    with uow:
        stmt = select(ServiceTicket.id)
        if active:
            stmt = stmt.where(ServiceTicket.status.in_(statuses))
        return list(uow.session.scalars(stmt.order_by(ServiceTicket.id.desc()).limit(30)))


def _act(
    uow: UnitOfWork,
    rng: random.Random,
    action: str,
    vehicle_rows: list[Any],
    part_ids: list[int],
    mechanic_ids: list[int],
) -> bool:
    """Do one piece of desk work; False when there was nothing to do (no write)."""
    if action in ("post", "pay", "credit", "apply_credit"):
        return _money(uow, rng, action)
    # Read once: another desk may close the last active ticket between two reads.
    active = [] if action == "open" else _ticket_ids(uow)
    if not active:
        vehicle_id, customer_id = rng.choice(vehicle_rows)
        tickets.create_ticket(uow, tickets.TicketData(customer_id, vehicle_id, "Soak job"))
        return True
    ticket_id = rng.choice(active)
    detail = workflow.get_ticket_detail(uow, ticket_id)
    version = detail.ticket.version
    if action == "add":
        workflow.add_part_lines(
            uow, ticket_id, [(rng.choice(part_ids), rng.randint(1, 3))], version,
            rng.choice(detail.jobs).id if detail.jobs else None,
        )
    elif action == "change" and detail.parts:
        line = rng.choice(detail.parts)
        workflow.change_part_quantity(uow, line.id, rng.randint(0, 4), version)
    elif action == "remove" and detail.parts:
        workflow.remove_part_line(uow, rng.choice(detail.parts).id, version)
    elif action == "assign":
        minutes = {rng.choice(mechanic_ids): 15 * rng.randint(1, 16)}
        workflow.assign_mechanics(uow, ticket_id, minutes, version,
                                  rng.choice(detail.jobs).id if detail.jobs else None)
    elif action == "authorise" and detail.jobs:
        # The customer approves every job not declined, for what it then costs.
        decisions = {j.id: JobStatus.APPROVED for j in detail.jobs
                     if j.status in ("proposed", "approved")}
        if not decisions:
            return False
        settings = shop.get_settings(uow)
        amount = amount_after(detail, decisions, settings.tax_rules)
        jobs.record_authorisation(uow, ticket_id, jobs.AuthorisationData(
            decisions, "Soak Customer", AuthorisationMethod.IN_PERSON, amount), version)
    elif action == "decline" and detail.jobs:
        job = rng.choice(detail.jobs)
        decisions = {job.id: rng.choice([JobStatus.DECLINED, JobStatus.DEFERRED])}
        settings = shop.get_settings(uow)
        amount = amount_after(detail, decisions, settings.tax_rules)
        jobs.record_authorisation(uow, ticket_id, jobs.AuthorisationData(
            decisions, "Soak Customer", AuthorisationMethod.PHONE, amount,
            contact="(212) 555-0100"), version)
    elif action == "job":
        jobs.add_job(uow, ticket_id, jobs.JobData("Extra work"), version)
        detail = workflow.get_ticket_detail(uow, ticket_id)
        workflow.add_part_lines(uow, ticket_id, [(rng.choice(part_ids), 1)],
                                detail.ticket.version, detail.jobs[-1].id)
    elif action == "status" and detail.allowed_next:
        workflow.set_status(uow, ticket_id, rng.choice(detail.allowed_next), version,
                            on_account=True)
    elif action == "receive":
        stock.receive_stock(uow, rng.choice(part_ids), rng.randint(1, 5), "delivery")
    elif action == "adjust":
        part_id = rng.choice(part_ids)
        counted = rng.randint(0, 10)
        if parts.get_part(uow, part_id).quantity_on_hand == counted:
            return False
        stock.adjust_stock(uow, part_id, counted, "count")
    else:
        return False
    return True


def _money(uow: UnitOfWork, rng: random.Random, action: str) -> bool:
    """Post a completed ticket's invoice (paid first, or on account), take a payment
    (now and then a refund) on a recent ticket, credit part of a posted invoice, or pay
    a ticket from its customer's credit."""
    wanted = {"post": ("open", "in_progress", "completed"), "credit": ("closed",)}.get(
        action, ("open", "in_progress", "completed", "closed"))
    found = _ticket_ids(uow, statuses=wanted)
    if not found:
        return False
    ticket_id = rng.choice(found)
    detail = workflow.get_ticket_detail(uow, ticket_id)
    due = detail.billing.balance
    if action == "credit":
        invoice = detail.billing.invoice
        if invoice is None or invoice.creditable <= 0:
            return False
        amount = min(invoice.creditable, Decimal(rng.randint(1, 3000)) / 100)
        credit_notes.credit_invoice(uow, ticket_id, credit_notes.CreditData(
            invoice.id, "Soak goodwill", amount=amount), detail.ticket.version)
    elif action == "apply_credit":
        credit = payments.customer_credit(uow, detail.ticket.customer_id)
        if due <= 0 or credit <= 0:
            return False
        payments.apply_credit(uow, ticket_id, min(due, credit), detail.ticket.version)
    elif action == "post":
        detail = _finish(uow, detail)
        due = detail.billing.balance
        if due > 0 and rng.random() < 0.5:
            detail = payments.take_payment(uow, ticket_id, payments.PaymentData(due, "cash"),
                                           detail.ticket.version)
        workflow.set_status(uow, ticket_id, "closed", detail.ticket.version, on_account=True)
    elif detail.billing.paid > 0 and rng.random() < 0.2:
        payments.refund_payment(uow, ticket_id, payments.RefundData(
            min(detail.billing.paid, Decimal("5.00")), "cash", "Soak refund"),
            detail.ticket.version)
    else:
        amount = due if due > 0 and rng.random() < 0.5 else Decimal(rng.randint(1, 5000)) / 100
        payments.take_payment(uow, ticket_id, payments.PaymentData(amount, "card", "4242"),
                              detail.ticket.version)
    return True


def _finish(uow: UnitOfWork, detail: Any) -> Any:
    """Walk a ticket to Completed as the desk would: the customer approves its jobs,
    work starts, work is done (each its own write; a refusal or conflict ends it)."""
    ticket_id = detail.ticket.id
    if detail.ticket.status == "open":
        decisions = {j.id: JobStatus.APPROVED for j in detail.jobs
                     if j.status in ("proposed", "approved")}
        if decisions:
            settings = shop.get_settings(uow)
            amount = amount_after(detail, decisions, settings.tax_rules)
            detail = jobs.record_authorisation(uow, ticket_id, jobs.AuthorisationData(
                decisions, "Soak Customer", AuthorisationMethod.IN_PERSON, amount),
                detail.ticket.version)
        detail = workflow.set_status(uow, ticket_id, "in_progress", detail.ticket.version)
    if detail.ticket.status == "in_progress":
        detail = workflow.set_status(uow, ticket_id, "completed", detail.ticket.version)
    return detail


def _gaps(numbers: list[int]) -> int:
    """How far ``numbers`` are from 1..N (gaps and duplicates)."""
    return len(set(range(1, len(numbers) + 1)) ^ set(numbers)) + len(numbers) - len(set(numbers))


def check(url: str) -> dict[str, Any]:
    """The invariants: returns the anomalies found (all zero when sound)."""
    engine = make_engine(url)
    uow = UnitOfWork(engine)
    result: dict[str, Any] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            result["integrity"] = conn.execute(text("PRAGMA integrity_check")).scalar()
        result["negative_stock"] = conn.scalar(
            select(func.count()).select_from(Part).where(Part.quantity_on_hand < 0)
        )
        # Only lines taken from the shelf have movements (an estimate's have none).
        line_sums = dict(
            conn.execute(
                select(TicketPart.ticket_id, func.sum(TicketPart.quantity))
                .where(TicketPart.taken)
                .group_by(TicketPart.ticket_id)
            ).all()
        )
        result["taken_not_approved"] = conn.scalar(
            select(func.count()).select_from(TicketPart)
            .join(TicketJob, TicketJob.id == TicketPart.job_id)
            .where(TicketPart.taken, TicketJob.status != "approved")
        )
        movement_sums = dict(
            conn.execute(
                select(StockMovement.ticket_id, -func.sum(StockMovement.quantity))
                .where(StockMovement.ticket_id.is_not(None))
                .group_by(StockMovement.ticket_id)
            ).all()
        )
        statuses = dict(conn.execute(select(ServiceTicket.id, ServiceTicket.status)).all())
        result["lines_without_movements"] = sum(
            1
            for tid, status in statuses.items()
            if status != "cancelled" and line_sums.get(tid, 0) != movement_sums.get(tid, 0)
        )
        result["cancelled_not_returned"] = sum(
            1
            for tid, status in statuses.items()
            if status == "cancelled" and movement_sums.get(tid, 0) != 0
        )
        result["audit_rows"] = conn.scalar(select(func.count()).select_from(AuditEntry))
        result["invoice_number_gaps"] = _gaps(list(conn.scalars(select(Invoice.number))))
        result["credit_note_number_gaps"] = _gaps(list(conn.scalars(select(CreditNote.number))))
        result["invoices"] = conn.scalar(select(func.count()).select_from(Invoice))
        result["payments"] = conn.scalar(select(func.count()).select_from(Payment))
        paid = conn.execute(select(Payment.ticket_id, func.sum(Payment.amount))
                            .group_by(Payment.ticket_id)).all()
        result["negative_paid"] = sum(1 for _, total in paid if total < 0)
        paid_of = dict(paid)
        invoiced = dict(conn.execute(select(Invoice.ticket_id, func.sum(Invoice.total))
                                     .group_by(Invoice.ticket_id)).all())
        credited = dict(conn.execute(select(CreditNote.ticket_id, func.sum(CreditNote.amount))
                                     .group_by(CreditNote.ticket_id)).all())
        owed = dict(conn.execute(select(ServiceTicket.id, ServiceTicket.owed)).all())
        result["owed_mismatch"] = sum(
            1 for tid, value in owed.items()
            if value != invoiced.get(tid, 0) - credited.get(tid, 0) - paid_of.get(tid, 0))
        per_invoice = conn.execute(
            select(Invoice.total, func.sum(CreditNote.amount),
                   func.count(CreditNote.id).filter(CreditNote.cancels))
            .join(CreditNote, CreditNote.invoice_id == Invoice.id).group_by(Invoice.id)).all()
        result["over_credited"] = sum(
            1 for total, notes, cancelling in per_invoice
            if notes > total or (notes == total) != (cancelling == 1))
        result["tickets"] = len(statuses)
    result["ledger_mismatch"] = len(stock.stock_discrepancies(uow))
    totals_off = invoice_off = 0
    for tid in statuses:
        detail = workflow.get_ticket_detail(uow, tid)
        invoice = detail.billing.invoice
        if invoice is not None and (detail.ticket.status != "closed"
                                    or invoice.total != detail.ticket.total):
            invoice_off += 1
        approved = [j for j in detail.jobs if j.status == "approved"]
        lines = sum((j.totals.parts + j.totals.labor for j in approved), start=0)
        if detail.ticket.parts_total + detail.ticket.labor_total != lines:
            totals_off += 1
    result["totals_mismatch"] = totals_off
    result["invoice_mismatch"] = invoice_off
    engine.dispose()
    return result


ANOMALY_KEYS = (
    "negative_stock",
    "taken_not_approved",
    "lines_without_movements",
    "cancelled_not_returned",
    "ledger_mismatch",
    "totals_mismatch",
    "invoice_number_gaps",
    "credit_note_number_gaps",
    "negative_paid",
    "invoice_mismatch",
    "owed_mismatch",
    "over_credited",
)


def anomalies(found: dict[str, Any]) -> int:
    bad = sum(int(found[k]) for k in ANOMALY_KEYS)
    return bad + (1 if found.get("integrity", "ok") != "ok" else 0)


if __name__ == "__main__":
    command, url, *rest = sys.argv[1:]
    if command == "prepare":
        prepare(url, seed=int(rest[0]) if rest else 0)
    elif command == "desk":
        print("counts " + json.dumps(desk(url, float(rest[0]), int(rest[1]))), flush=True)
    elif command == "check":
        print(json.dumps(check(url)))
