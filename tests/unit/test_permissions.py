"""Role × action matrix against the services themselves (not just hidden buttons).

The rows are checked against the services' public functions: every function of
``mechanic_desktop/services`` that takes the unit of work is either a row of the matrix
(a write or a restricted read, with the roles that may call it), an open read (every
signed-in role), or named in ``NOT_ROLE_CHECKED`` with the reason. A new service
function with none of these fails ``test_every_service_function_has_a_row``.

``ALLOWED`` is the product's rule book written out by hand, deliberately not derived
from ``domain/permissions.py``: a change to that table shows up here as a failure.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

import mechanic_desktop.services as services_package
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.canned_jobs import CannedLine, LineKind
from mechanic_desktop.domain.errors import DomainError, PermissionDenied, RightsRevoked
from mechanic_desktop.domain.jobs import AuthorisationMethod, JobStatus, amount_after
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import (
    audit,
    canned_jobs,
    credit_notes,
    csv_import,
    customers,
    demo,
    discounts,
    fees,
    invoicing,
    jobs,
    mechanics,
    money_reports,
    parts,
    payments,
    recommendations,
    reports,
    shop,
    staff,
    stock,
    tickets,
    vehicles,
    workflow,
)
from tests.unit import factories
from tests.unit.test_auth import FLOOR, GOOD

A, W, M = Role.ADMIN, Role.WRITER, Role.MECHANIC
EVERYONE = frozenset(Role)


@dataclass
class World:
    """One of everything a call needs; ids only, versions are read fresh (``system``)."""

    system: UnitOfWork
    customer: int
    bare_customer: int
    vehicle: int
    bare_vehicle: int
    crew: int  # the mechanic assigned to ``ticket`` (the mechanic account is theirs)
    helper: int  # an active mechanic on no ticket
    spare_mechanic: int
    doomed_mechanic: int
    part: int
    spare_part: int
    doomed_part: int
    ticket: int
    job: int  # the ticket's first job, which ``crew`` works on
    spare_job: int  # a proposed job on the ticket, with no lines
    line: int
    spare_line: int
    open_ticket: int
    completed_ticket: int
    staff_user: int
    csv_dir: Path
    owed: int = 0  # a completed ticket billing 5.00 (one oil)
    settled: int = 0  # a completed ticket billing nothing

    def ticket_version(self, ticket_id: int) -> int:
        return tickets.get_ticket(self.system, ticket_id).version

    def own_time_only(self) -> dict[int, int]:
        """The ticket's lines as they are, the crew's own time raised by a quarter hour."""
        detail = workflow.get_ticket_detail(self.system, self.ticket)
        minutes = {line.mechanic_id: line.minutes for line in detail.mechanics}
        minutes[self.crew] += 15
        return minutes

    def csv(self, kind: str) -> csv_import.CsvFile:
        path = self.csv_dir / f"{kind}.csv"
        text = ("name,email\nCsv Person,csv@example.com\n" if kind == "customers"
                else "sku,name,price\nCSV-1,Csv part,2.50\n")
        path.write_text(text, encoding="utf-8")
        return csv_import.open_csv(path)


def _world(engine: Engine, csv_dir: Path) -> World:
    system = UnitOfWork(engine)
    t = factories.ticket(system)
    bare = factories.customer(system, "Bob Smith")
    bare_car = factories.vehicle(system, t.customer_id, factories.VINS[1])
    crew = mechanics.create_mechanic(system, mechanics.MechanicData("Sam Wrench", hourly_rate="80"))
    helper = mechanics.create_mechanic(system, mechanics.MechanicData("Ann Bolt"))
    spare = mechanics.create_mechanic(system, mechanics.MechanicData("Joe Spare"))
    doomed = mechanics.create_mechanic(system, mechanics.MechanicData("Leo Gone"))
    oil = parts.create_part(system, parts.PartData("OIL", "Oil", "5", initial_quantity=50))
    pad = parts.create_part(system, parts.PartData("PAD", "Pad", "9", initial_quantity=50))
    spare_part = parts.create_part(system, parts.PartData("SPR", "Spare", "1", initial_quantity=5))
    doomed_part = parts.create_part(system, parts.PartData("DEL", "Gone", "1"))
    detail = workflow.assign_mechanics(system, t.id, {crew.id: 60}, t.version)
    detail = workflow.add_part_lines(system, t.id, [(oil.id, 2), (pad.id, 1)])
    line, spare_line = detail.parts[0].id, detail.parts[1].id
    detail = jobs.add_job(system, t.id, jobs.JobData("Wiper check"), detail.ticket.version)
    job, spare_job = detail.jobs[0].id, detail.jobs[1].id
    other = tickets.create_ticket(system, tickets.TicketData(t.customer_id, t.vehicle_id, "Wipers"))
    done = tickets.create_ticket(system, tickets.TicketData(t.customer_id, t.vehicle_id, "Tyres"))
    authorised = factories.authorise(system, done.id).ticket.version
    version = workflow.set_status(system, done.id, "in_progress", authorised).ticket.version
    workflow.set_status(system, done.id, "completed", version)
    target = staff.create_staff(
        system, staff.StaffData("desk", "Front Desk", "writer"), GOOD, GOOD, FLOOR
    )
    return World(
        system, t.customer_id, bare.id, t.vehicle_id, bare_car.id, crew.id, helper.id,
        spare.id, doomed.id, oil.id, spare_part.id, doomed_part.id, t.id, job, spare_job,
        line, spare_line,
        other.id, done.id, target.id, csv_dir,
        factories.completed(system, t.customer_id, t.vehicle_id, oil.id).ticket.id,
        factories.completed(system, t.customer_id, t.vehicle_id).ticket.id,
    )


Call = Callable[[UnitOfWork, World], object]


@dataclass(frozen=True)
class Row:
    """One role-checked call: who may make it, and how. ``refusal`` matches the message
    of a DomainError that an allowed role still gets for another reason (the permission
    check was passed: e.g. demo data refused because the database is not empty)."""

    roles: frozenset[Role]
    call: Call
    refusal: str | None = None


def _row(roles: set[Role], call: Call, refusal: str | None = None) -> Row:
    return Row(frozenset(roles), call, refusal)


def _job_words(w: World, **changes: str) -> jobs.JobData:
    """The ticket's first job as it reads now, with ``changes``."""
    job = workflow.get_ticket_detail(w.system, w.ticket).jobs[0]
    words = {"title": job.title, "concern": job.concern, "cause": job.cause,
             "correction": job.correction} | changes
    return jobs.JobData(**words)


def _unassigned(w: World) -> int:
    """The ticket's labour line that nobody is assigned to (added by an earlier row, or
    here when that row was refused to this role)."""
    lines = [m for m in workflow.get_ticket_detail(w.system, w.ticket).mechanics
             if m.mechanic_id is None]
    if not lines:
        jobs.add_labour(w.system, w.ticket, w.spare_job, "Check wipers", 15,
                        w.ticket_version(w.ticket))
        return _unassigned(w)
    return lines[0].line_id


def _labour_of(w: World, mechanic_id: int) -> int:
    """A labour line to remove: ``mechanic_id``'s, or the unassigned one."""
    lines = workflow.get_ticket_detail(w.system, w.ticket).mechanics
    return next((m.line_id for m in lines if m.mechanic_id == mechanic_id), None) \
        or _unassigned(w)


def _fee(w: World) -> int:
    """A fee line of the ticket to remove (added here, as the system, when none is)."""
    fees_now = workflow.get_ticket_detail(w.system, w.ticket).fees
    if fees_now:
        return fees_now[0].id
    fees.add_fee(w.system, w.ticket, w.spare_job, fees.FeeData("Disposal", "2.00"),
                 w.ticket_version(w.ticket))
    return _fee(w)


def _approve_all(w: World, ticket_id: int) -> jobs.AuthorisationData:
    detail = workflow.get_ticket_detail(w.system, ticket_id)
    decisions = {j.id: JobStatus.APPROVED for j in detail.jobs}
    settings = shop.get_settings(w.system)
    return jobs.AuthorisationData(
        decisions, "Ada Lovelace", AuthorisationMethod.IN_PERSON,
        amount_after(detail, decisions, settings.tax_rules))


def _recommended(w: World) -> int:
    """A job declined on another ticket for the vehicle, still recommended (declined
    here, as the system, when no earlier row left one open)."""
    found = recommendations.vehicle_recommendations(w.system, w.vehicle)
    if found:
        return found[0].job_id
    made = tickets.create_ticket(w.system, tickets.TicketData(w.customer, w.vehicle, "Belt"))
    detail = workflow.get_ticket_detail(w.system, made.id)
    jobs.record_authorisation(w.system, made.id, jobs.AuthorisationData(
        {detail.jobs[0].id: JobStatus.DECLINED}, "Ada Lovelace", AuthorisationMethod.IN_PERSON,
        "0.00"), made.version)
    return detail.jobs[0].id


def _canned(w: World, name: str = "Wiper blades") -> int:
    """The library's job called ``name`` (made here when a refused row did not)."""
    found = canned_jobs.list_canned_jobs(w.system, ListQuery(search=name)).rows
    if found:
        return found[0].id
    return canned_jobs.create_canned_job(w.system, _canned_data(w, name)).id


def _canned_data(w: World, name: str, concern: str = "") -> canned_jobs.CannedJobData:
    return canned_jobs.CannedJobData(name, concern, [
        CannedLine(LineKind.LABOUR, "Fit blades", 15),
        CannedLine(LineKind.PART, part_id=w.part, quantity=1)])


def _an_invoice(w: World) -> int:
    """A posted invoice (``settled``'s, closed here as the system when no row did)."""
    posted = workflow.get_ticket_detail(w.system, w.settled).billing.invoices
    if posted:
        return posted[0].id
    workflow.set_status(w.system, w.settled, "closed", w.ticket_version(w.settled))
    return _an_invoice(w)


def _period() -> reports.Period:
    return reports.PERIODS["this_year"]()


#: Every write and restricted read: "module.function[: what]" → who may, and how. Run in
#: this order in one world per role, so each row leaves what later rows need.
CALLS: dict[str, Row] = {
    "customers.create_customer": _row({A, W}, lambda u, w: customers.create_customer(
        u, customers.CustomerData("New One"))),
    "customers.update_customer": _row({A, W}, lambda u, w: customers.update_customer(
        u, w.customer, customers.CustomerData("Ada L"),
        customers.get_customer(w.system, w.customer).version)),
    "customers.delete_customer": _row({A}, lambda u, w: customers.delete_customer(
        u, w.bare_customer)),
    "vehicles.create_vehicle": _row({A, W}, lambda u, w: vehicles.create_vehicle(
        u, vehicles.VehicleData(w.customer, factories.VINS[2]))),
    "vehicles.update_vehicle": _row({A, W}, lambda u, w: vehicles.update_vehicle(
        u, w.vehicle, vehicles.VehicleData(w.customer, factories.VINS[0], plate="NEW 1"),
        vehicles.get_vehicle(w.system, w.vehicle).version)),
    "vehicles.delete_vehicle": _row({A}, lambda u, w: vehicles.delete_vehicle(
        u, w.bare_vehicle)),
    "mechanics.create_mechanic": _row({A}, lambda u, w: mechanics.create_mechanic(
        u, mechanics.MechanicData("Jo"))),
    "mechanics.update_mechanic": _row({A}, lambda u, w: mechanics.update_mechanic(
        u, w.spare_mechanic, mechanics.MechanicData("Joe Spare", hourly_rate="99"),
        mechanics.get_mechanic(w.system, w.spare_mechanic).version)),
    "mechanics.set_mechanic_active": _row({A}, lambda u, w: mechanics.set_mechanic_active(
        u, w.spare_mechanic, False)),
    "mechanics.delete_mechanic": _row({A}, lambda u, w: mechanics.delete_mechanic(
        u, w.doomed_mechanic)),
    "parts.create_part": _row({A}, lambda u, w: parts.create_part(
        u, parts.PartData("NEW", "New part", "1"))),
    "parts.update_part": _row({A}, lambda u, w: parts.update_part(
        u, w.spare_part, parts.PartData("SPR", "Spare", "6"),
        parts.get_part(w.system, w.spare_part).version)),
    "parts.delete_part": _row({A}, lambda u, w: parts.delete_part(u, w.doomed_part)),
    "stock.receive_stock": _row({A, W}, lambda u, w: stock.receive_stock(u, w.spare_part, 3)),
    "stock.receive_delivery": _row({A, W}, lambda u, w: stock.receive_delivery(
        u, [stock.DeliveryLine(w.spare_part, 2, "0.80")], "delivery note 17")),
    "stock.adjust_stock": _row({A}, lambda u, w: stock.adjust_stock(
        u, w.spare_part, 1, "dropped four")),
    "tickets.create_ticket": _row({A, W}, lambda u, w: tickets.create_ticket(
        u, tickets.TicketData(w.customer, w.vehicle, "Rattle"))),
    "tickets.update_ticket": _row({A, W}, lambda u, w: tickets.update_ticket(
        u, w.ticket, tickets.TicketData(w.customer, w.vehicle, "Squeal"),
        w.ticket_version(w.ticket))),
    "workflow.assign_mechanics": _row({A, W}, lambda u, w: workflow.assign_mechanics(
        u, w.ticket, {w.crew: 60, w.helper: 0}, w.ticket_version(w.ticket))),
    "workflow.assign_mechanics: own time on an own ticket": _row(
        {A, W, M}, lambda u, w: workflow.assign_mechanics(
            u, w.ticket, w.own_time_only(), w.ticket_version(w.ticket))),
    "workflow.add_part_lines": _row({A, W}, lambda u, w: workflow.add_part_lines(
        u, w.ticket, [(w.part, 1)], w.ticket_version(w.ticket))),
    "workflow.change_part_quantity": _row({A, W}, lambda u, w: workflow.change_part_quantity(
        u, w.line, 3, w.ticket_version(w.ticket))),
    "workflow.take_ordered_line": _row({A, W}, lambda u, w: workflow.take_ordered_line(
        u, w.line, w.ticket_version(w.ticket)), refusal="not on special order"),
    "workflow.remove_part_line": _row({A, W}, lambda u, w: workflow.remove_part_line(
        u, w.spare_line, w.ticket_version(w.ticket))),
    "jobs.add_job": _row({A, W}, lambda u, w: jobs.add_job(
        u, w.ticket, jobs.JobData("Alignment"), w.ticket_version(w.ticket))),
    "jobs.update_job": _row({A, W}, lambda u, w: jobs.update_job(
        u, w.job, jobs.JobData("Brakes, front"), w.ticket_version(w.ticket))),
    "jobs.update_job: findings on an own job": _row({A, W, M}, lambda u, w: jobs.update_job(
        u, w.job, _job_words(w, cause="Pads worn"), w.ticket_version(w.ticket))),
    "jobs.add_labour": _row({A, W}, lambda u, w: jobs.add_labour(
        u, w.ticket, w.spare_job, "Check wipers", 15, w.ticket_version(w.ticket))),
    "fees.add_fee": _row({A, W}, lambda u, w: fees.add_fee(
        u, w.ticket, w.spare_job, fees.FeeData("Shop supplies", "4.00"),
        w.ticket_version(w.ticket))),
    "fees.remove_fee": _row({A, W}, lambda u, w: fees.remove_fee(
        u, _fee(w), w.ticket_version(w.ticket))),
    "fees.set_taxable": _row({A, W}, lambda u, w: fees.set_taxable(
        u, "part", w.line, False, w.ticket_version(w.ticket))),
    "discounts.set_line_discount": _row({A, W}, lambda u, w: discounts.set_line_discount(
        u, "part", w.line, discounts.DiscountData(""), w.ticket_version(w.ticket))),
    "discounts.set_ticket_discount": _row({A, W}, lambda u, w: discounts.set_ticket_discount(
        u, w.ticket, discounts.DiscountData(""), w.ticket_version(w.ticket))),
    "jobs.assign_labour": _row({A, W}, lambda u, w: jobs.assign_labour(
        u, _unassigned(w), w.helper, w.ticket_version(w.ticket))),
    "jobs.remove_labour": _row({A, W}, lambda u, w: jobs.remove_labour(
        u, _labour_of(w, w.helper), w.ticket_version(w.ticket))),
    "jobs.remove_job": _row({A, W}, lambda u, w: jobs.remove_job(
        u, w.spare_job, w.ticket_version(w.ticket))),
    "canned_jobs.create_canned_job": _row({A}, lambda u, w: canned_jobs.create_canned_job(
        u, _canned_data(w, "Alignment check"))),
    "canned_jobs.update_canned_job": _row({A}, lambda u, w: canned_jobs.update_canned_job(
        u, (c := _canned(w)), _canned_data(w, "Wiper blades", "Smears"),
        canned_jobs.get_canned_job(w.system, c).version)),
    "canned_jobs.set_canned_job_active": _row(
        {A}, lambda u, w: canned_jobs.set_canned_job_active(u, _canned(w), True)),
    "canned_jobs.add_canned_job": _row({A, W}, lambda u, w: canned_jobs.add_canned_job(
        u, w.open_ticket, _canned(w), w.ticket_version(w.open_ticket))),
    "canned_jobs.delete_canned_job": _row({A}, lambda u, w: canned_jobs.delete_canned_job(
        u, _canned(w, "Alignment check"))),
    "jobs.record_authorisation": _row({A, W}, lambda u, w: jobs.record_authorisation(
        u, w.open_ticket, _approve_all(w, w.open_ticket), w.ticket_version(w.open_ticket))),
    "recommendations.add_recommended_job": _row({A, W}, lambda u, w: (
        recommendations.add_recommended_job(u, w.open_ticket, _recommended(w),
                                            w.ticket_version(w.open_ticket)))),
    "recommendations.dismiss_recommendation": _row({A, W}, lambda u, w: (
        recommendations.dismiss_recommendation(u, _recommended(w)))),
    "recommendations.follow_up_calls": _row({A, W}, lambda u, w: (
        recommendations.follow_up_calls(u))),
    "workflow.set_status: start an own ticket": _row({A, W, M}, lambda u, w: workflow.set_status(
        u, w.ticket, "in_progress", w.ticket_version(w.ticket))),
    "workflow.set_status: cancel": _row({A, W}, lambda u, w: workflow.set_status(
        u, w.open_ticket, "cancelled", w.ticket_version(w.open_ticket))),
    "workflow.reopen_ticket": _row({A}, lambda u, w: workflow.reopen_ticket(
        u, w.completed_ticket, "Noise came back", w.ticket_version(w.completed_ticket))),
    "payments.take_payment": _row({A, W}, lambda u, w: payments.take_payment(
        u, w.owed, payments.PaymentData("1.00", "cash"), w.ticket_version(w.owed))),
    "workflow.set_status: invoice a paid ticket": _row({A, W}, lambda u, w: (
        workflow.set_status(u, w.settled, "closed", w.ticket_version(w.settled)))),
    "workflow.set_status: invoice on account": _row({A}, lambda u, w: workflow.set_status(
        u, w.owed, "closed", w.ticket_version(w.owed), on_account=True)),
    "payments.refund_payment": _row({A}, lambda u, w: payments.refund_payment(
        u, w.owed, payments.RefundData("1.00", "cash", "Paid twice"),
        w.ticket_version(w.owed))),
    "workflow.reopen_ticket: crediting its invoice": _row({A}, lambda u, w: (
        workflow.reopen_ticket(u, w.owed, "Wrong battery", w.ticket_version(w.owed),
                               credit_note=True))),
    "workflow.update_settings": _row({A}, lambda u, w: workflow.update_settings(
        u, shop.ShopSettingsData("Bolt & Nut"), shop.get_settings(w.system).version)),
    "staff.create_staff": _row({A}, lambda u, w: staff.create_staff(
        u, staff.StaffData("new", "New", "writer"), GOOD, GOOD, FLOOR)),
    "staff.update_staff": _row({A}, lambda u, w: staff.update_staff(
        u, w.staff_user, staff.StaffData("desk", "Front Desk Two", "writer"),
        staff.get_staff(w.system, w.staff_user).version)),
    "staff.reset_password": _row({A}, lambda u, w: staff.reset_password(
        u, w.staff_user, GOOD + "!", GOOD + "!", FLOOR)),
    "staff.unlock": _row({A}, lambda u, w: staff.unlock(u, w.staff_user)),
    "staff.set_staff_active": _row({A}, lambda u, w: staff.set_staff_active(
        u, w.staff_user, False)),
    "staff.get_staff": _row({A}, lambda u, w: staff.get_staff(u, w.staff_user)),
    "staff.list_staff": _row({A}, lambda u, w: staff.list_staff(u)),
    "audit.list_audit": _row({A}, lambda u, w: audit.list_audit(u, ListQuery())),
    "csv_import.preview: customers": _row({A, W}, lambda u, w: csv_import.preview(
        u, "customers", src := w.csv("customers"),
        csv_import.guess_mapping("customers", src.headers))),
    "csv_import.preview: parts": _row({A}, lambda u, w: csv_import.preview(
        u, "parts", src := w.csv("parts"), csv_import.guess_mapping("parts", src.headers))),
    "csv_import.run_import: customers": _row({A, W}, lambda u, w: csv_import.run_import(
        u, "customers", src := w.csv("customers"),
        csv_import.guess_mapping("customers", src.headers))),
    "csv_import.run_import: parts": _row({A}, lambda u, w: csv_import.run_import(
        u, "parts", src := w.csv("parts"), csv_import.guess_mapping("parts", src.headers))),
    "reports.low_stock": _row({A, W}, lambda u, w: reports.low_stock(u)),
    "reports.work_in_progress": _row({A, W}, lambda u, w: reports.work_in_progress(u)),
    "reports.customer_history": _row({A, W}, lambda u, w: reports.customer_history(
        u, w.customer)),
    "reports.mechanic_ranking": _row({A}, lambda u, w: reports.mechanic_ranking(u, _period())),
    "reports.revenue": _row({A}, lambda u, w: reports.revenue(u, _period())),
    "reports.parts_usage": _row({A}, lambda u, w: reports.parts_usage(u, _period())),
    "reports.customer_totals": _row({A}, lambda u, w: reports.customer_totals(u, _period())),
    "reports.dashboard": _row({A}, lambda u, w: reports.dashboard(u)),
    "demo.add_demo_data": _row({A}, lambda u, w: demo.add_demo_data(u, 1, 1),
                               refusal="only into an empty database"),
    "money_reports.cash_up": _row({A, W}, lambda u, w: money_reports.cash_up(
        u, date.today())),
    "money_reports.receipts_by_day": _row({A, W}, lambda u, w: money_reports.receipts_by_day(
        u, _period())),
    "money_reports.receivables": _row({A, W}, lambda u, w: money_reports.receivables(u)),
    "money_reports.statement": _row({A, W}, lambda u, w: money_reports.statement(
        u, w.customer)),
    "credit_notes.invoice_lines": _row({A}, lambda u, w: credit_notes.invoice_lines(
        u, _an_invoice(w))),
    "credit_notes.credit_invoice": _row({A}, lambda u, w: credit_notes.credit_invoice(
        u, w.settled, credit_notes.CreditData(_an_invoice(w), "Goodwill", amount="0.01"),
        w.ticket_version(w.settled)), refusal="more than invoice"),  # it bills nothing
    "payments.customer_credit": _row({A, W}, lambda u, w: payments.customer_credit(
        u, w.customer)),
    "payments.apply_credit": _row({A, W}, lambda u, w: payments.apply_credit(
        u, w.owed, "0.01", w.ticket_version(w.owed)), refusal="in credit|owes"),
}

#: Reads every signed-in role may make (they are still called as each role below).
OPEN_READS: dict[str, Call] = {
    "customers.get_customer": lambda u, w: customers.get_customer(u, w.customer),
    "customers.list_customers": lambda u, w: customers.list_customers(u, ListQuery()),
    "customers.count_customers": lambda u, w: customers.count_customers(u),
    "vehicles.get_vehicle": lambda u, w: vehicles.get_vehicle(u, w.vehicle),
    "vehicles.vehicles_of_customer": lambda u, w: vehicles.vehicles_of_customer(u, w.customer),
    "vehicles.list_vehicles": lambda u, w: vehicles.list_vehicles(u, ListQuery()),
    "mechanics.get_mechanic": lambda u, w: mechanics.get_mechanic(u, w.crew),
    "mechanics.list_mechanics": lambda u, w: mechanics.list_mechanics(u, ListQuery()),
    "parts.get_part": lambda u, w: parts.get_part(u, w.part),
    "parts.list_parts": lambda u, w: parts.list_parts(u, ListQuery()),
    "stock.movements_of_part": lambda u, w: stock.movements_of_part(u, w.part, ListQuery()),
    "stock.stock_discrepancies": lambda u, w: stock.stock_discrepancies(u),
    "stock.find_part_by_sku": lambda u, w: stock.find_part_by_sku(u, "OIL"),
    "tickets.get_ticket": lambda u, w: tickets.get_ticket(u, w.ticket),
    "tickets.list_tickets": lambda u, w: tickets.list_tickets(u, ListQuery()),
    "workflow.get_ticket_detail": lambda u, w: workflow.get_ticket_detail(u, w.ticket),
    "recommendations.vehicle_recommendations": lambda u, w: (
        recommendations.vehicle_recommendations(u, w.vehicle)),
    "shop.get_settings": lambda u, w: shop.get_settings(u),
    "shop.get_logo": lambda u, w: shop.get_logo(u),  # printed on every desk's documents
    "shop.get_fee_rules": lambda u, w: shop.get_fee_rules(u),
    "invoicing.get_invoice_snapshot": lambda u, w: invoicing.get_invoice_snapshot(
        u, _an_invoice(w)),
    "demo.is_empty": lambda u, w: demo.is_empty(u),
    "canned_jobs.list_canned_jobs": lambda u, w: canned_jobs.list_canned_jobs(u, ListQuery()),
    "canned_jobs.get_canned_job": lambda u, w: canned_jobs.get_canned_job(u, _canned(w)),
}

#: Functions that take the unit of work but are no role-checked entry point, and why.
NOT_ROLE_CHECKED = {
    "auth.login": "signing in: nobody is signed in yet",
    "auth.needs_first_admin": "asked before anyone can sign in",
    "staff.create_first_admin": "refused once any account exists",
    "staff.change_own_password": "the signed-in account's own, re-read in the service",
    "audit.record": "adds a row inside the caller's checked transaction",
    "common.paged": "runs a list query for a service above",
    "common.stale": "builds a refusal inside the caller's transaction",
    "common.check_version": "a step inside the caller's transaction",
    "permissions.require": "the check itself",
    "permissions.current_actor": "the check itself",
    "shop.settings_in": "reads settings inside the caller's transaction",
    "shop.fee_rules_in": "reads the fee rules inside the caller's transaction",
    "shop.fee_rules_pending": "the fee rules' statement for a write's first reads",
    "shop.hold_fee_rules": "keeps the fee rules read with a write's first reads",
    "permissions.require_reading": "the check itself, sent with the caller's first reads",
    "permissions.account_pending": "the check's statement for a write's first reads",
    "permissions.hold_account": "keeps the account row the check reads",
    "audit.audit_id_pending": "an audit row's id for a write's first reads",
    "audit.take_audit_id": "keeps that id for the caller's checked transaction",
    "shop.ticket_label": "formats a number inside the caller's transaction",
    "shop.store_settings": "a step of workflow.update_settings' checked transaction",
    "invoicing.next_number": "a step of a posting's checked transaction",
    "invoicing.billing_in": "reads a ticket's billing inside the caller's transaction",
    "invoicing.standing_invoice": "reads inside workflow.reopen_ticket's transaction",
    "invoicing.post_invoice": "a step of workflow.set_status' checked transaction",
    "invoicing.issue_credit_note": "a step of a checked transaction (reopen, credit_invoice)",
    "invoicing.credited_so_far": "reads inside a checked credit note's transaction",
    "payments.methods_in": "reads the settings inside take_payment's checked transaction",
    "payments.credit_sources": "reads inside apply_credit's (or customer_credit's) check",
    "runner.run": "runs another service call (checked there) for the signed-in actor",
    "csv_export.export_file": "audits an export of rows the open reads above returned",
    "maintenance.location": "where the open database lives (no data)",
    "maintenance.may": "the UI's question, answered from the same table",
}

#: Role-checked functions whose role × action rows need their own set-up (a shop in its
#: own SQLite file, a server to create databases on): the test that holds those rows.
MATRIX_ELSEWHERE = dict.fromkeys(
    ("maintenance.back_up", "maintenance.dump_server", "maintenance.restore",
     "maintenance.probe_connection", "maintenance.create_shop_database",
     "maintenance.upgrade_shop_schema", "maintenance.set_up_server"),
    "tests/unit/test_maintenance.py: refused to writers and mechanics, done by administrators",
)


def _service_functions() -> Iterator[str]:
    """Every public function of the services whose first parameter is the unit of work."""
    for info in pkgutil.iter_modules(services_package.__path__):
        module = importlib.import_module(f"{services_package.__name__}.{info.name}")
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn):
                continue
            if "__mutmut_" in name:  # mutmut's copies of a function (`make mutants`)
                continue
            if fn.__module__ != module.__name__:
                continue
            params = list(inspect.signature(fn).parameters.values())
            if params and "UnitOfWork" in str(params[0].annotation):
                yield f"{info.name}.{name}"


def test_every_service_function_has_a_row() -> None:
    listed = ({key.split(":")[0] for key in CALLS} | set(OPEN_READS) | set(NOT_ROLE_CHECKED)
              | set(MATRIX_ELSEWHERE))
    found = set(_service_functions())
    assert found - listed == set(), "service functions with no row in the matrix"
    assert listed - found == set(), "matrix rows for functions that no longer exist"


def _account(uow: UnitOfWork, role: Role, world: World) -> Actor:
    """A real account of ``role`` (a mechanic's is the crew on ``world.ticket``)."""
    row = staff.create_staff(
        uow, staff.StaffData(f"as-{role.value}", f"Acting {role.label}", role,
                             world.crew if role is Role.MECHANIC else None),
        GOOD, GOOD, FLOOR,
    )
    return Actor(row.id, row.username, row.full_name, role, row.mechanic_id)


def _outcome(uow: UnitOfWork, world: World, name: str, row: Row, role: Role) -> str | None:
    """What is wrong with calling row ``name`` as ``role`` (None: as the matrix says)."""
    try:
        row.call(uow, world)
    except RightsRevoked as exc:
        return f"{name}: the acting account was refused as changed: {exc}"
    except PermissionDenied as exc:
        if role in row.roles:
            return f"{name}: {role.label} should be allowed: {exc}"
        if role.label not in str(exc):
            return f"{name}: the refusal does not name the role: {exc}"
    except DomainError as exc:
        if role not in row.roles:
            return f"{name}: {role.label} got past the permission check: {exc}"
        if row.refusal is None or not re.search(row.refusal, str(exc)):
            return f"{name} as {role.label}: {exc}"
    else:
        if role not in row.roles:
            return f"{name}: {role.label} must not be able to"
    return None


@pytest.mark.parametrize("role", list(Role))
def test_role_action_matrix(engine: Engine, tmp_path: Path, role: Role) -> None:
    world = _world(engine, tmp_path)
    uow = UnitOfWork(engine, require_actor=True)
    uow.actor = _account(world.system, role, world)
    wrong = [
        problem for name, row in CALLS.items()
        if (problem := _outcome(uow, world, name, row, role)) is not None
    ]
    for name, call in OPEN_READS.items():
        try:
            call(uow, world)
        except DomainError as exc:
            wrong.append(f"{name}: an open read refused {role.label}: {exc}")
    assert wrong == []


def test_nothing_is_done_or_read_for_nobody(engine: Engine, tmp_path: Path) -> None:
    """The app's unit of work with nobody signed in: every role-checked call, reports
    included, is refused before it reads or writes anything."""
    world = _world(engine, tmp_path)
    app_uow = UnitOfWork(engine, require_actor=True)
    wrong = []
    for name, row in CALLS.items():
        try:
            row.call(app_uow, world)
        except PermissionDenied as exc:
            if not str(exc).startswith("Sign in to "):
                wrong.append(f"{name}: {exc}")
        except DomainError as exc:
            wrong.append(f"{name}: refused for another reason: {exc}")
        else:
            wrong.append(f"{name}: done for nobody")
    assert wrong == []
    assert customers.list_customers(app_uow, ListQuery()).rows  # open reads stay open


def test_a_mechanic_works_only_on_their_own_tickets(engine: Engine, tmp_path: Path) -> None:
    """A mechanic books their own time only, and only on tickets assigned to them, and
    cannot change the status of someone else's ticket."""
    world = _world(engine, tmp_path)
    system = world.system
    mine = workflow.assign_mechanics(
        system, world.ticket, {world.crew: 60, world.helper: 30}, world.ticket_version(world.ticket)
    )
    bay = UnitOfWork(engine, require_actor=True)
    bay.actor = _account(system, Role.MECHANIC, world)
    # someone else's time on my ticket
    with pytest.raises(PermissionDenied, match="book only their own time; Ann Bolt's"):
        workflow.assign_mechanics(bay, world.ticket, {world.crew: 60, world.helper: 45},
                                  mine.ticket.version)
    # a ticket I am not on: neither time nor status
    theirs = workflow.assign_mechanics(system, world.open_ticket, {world.helper: 15},
                                       world.ticket_version(world.open_ticket))
    with pytest.raises(PermissionDenied, match="only the tickets assigned to them"):
        workflow.assign_mechanics(bay, world.open_ticket, {world.helper: 30},
                                  theirs.ticket.version)
    with pytest.raises(PermissionDenied, match="only the tickets assigned to them"):
        workflow.set_status(bay, world.open_ticket, "in_progress", theirs.ticket.version)
    assert workflow.get_ticket_detail(system, world.open_ticket) == theirs
    # my own time on my own ticket
    detail = workflow.assign_mechanics(bay, world.ticket, {world.crew: 75, world.helper: 30},
                                       mine.ticket.version)
    assert {line.name: line.minutes for line in detail.mechanics} == {
        "Sam Wrench": 75, "Ann Bolt": 30}
