"""Ticket workflow on both backends: mechanics and time, parts from stock, the status
lifecycle, reopening, stale copies, settings and the totals that follow."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import AuditEntry
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import PermissionDenied, StaleRecord, ValidationError
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.services import mechanics, parts, shop, stock, workflow
from mechanic_desktop.services.shop import ShopSettingsData
from tests.unit import factories
from tests.unit import workflow_factories as wf

D = Decimal


def _open_ticket(uow: UnitOfWork) -> int:
    return factories.ticket(uow).id


def _version(uow: UnitOfWork, ticket_id: int) -> int:
    return workflow.get_ticket_detail(uow, ticket_id).ticket.version


# --- mechanics ---------------------------------------------------------------------------


def test_assigning_copies_the_rate_and_keeps_it(uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow)
    sam = wf.mechanic(uow, "Sam Wrench", "80.00")
    detail = workflow.assign_mechanics(uow, ticket.id, {sam.id: 90}, ticket.version)
    assert detail.ticket.version == ticket.version + 1
    [line] = detail.mechanics
    assert (line.name, line.minutes, line.hourly_rate, line.line_total) == (
        "Sam Wrench", 90, D("80.00"), D("120.00")
    )
    assert detail.totals.labor == D("120.00")
    mechanics.update_mechanic(
        uow, sam.id, mechanics.MechanicData("Sam Wrench", hourly_rate="95.00"), sam.version
    )
    detail = workflow.assign_mechanics(uow, ticket.id, {sam.id: 120}, detail.ticket.version)
    assert detail.mechanics[0].hourly_rate == D("80.00")
    assert detail.totals.labor == D("160.00")


def test_assignments_are_added_and_removed(uow: UnitOfWork) -> None:
    ticket_id = _open_ticket(uow)
    sam, ann = wf.mechanic(uow, "Sam Wrench"), wf.mechanic(uow, "Ann Bolt", "60.00")
    version = _version(uow, ticket_id)
    detail = workflow.assign_mechanics(uow, ticket_id, {sam.id: 15, ann.id: 45}, version)
    assert [m.name for m in detail.mechanics] == ["Ann Bolt", "Sam Wrench"]
    # 15 min at 80.00 = 20.00; 45 min at 60.00 = 45.00.
    assert detail.totals.labor == D("65.00")
    detail = workflow.assign_mechanics(uow, ticket_id, {ann.id: 45}, detail.ticket.version)
    assert [m.name for m in detail.mechanics] == ["Ann Bolt"]
    assert detail.totals.labor == D("45.00")
    # Nothing changed: no write, no new version.
    same = workflow.assign_mechanics(uow, ticket_id, {ann.id: 45}, detail.ticket.version)
    assert same.ticket.version == detail.ticket.version


def test_time_must_be_quarter_hours_within_range(uow: UnitOfWork) -> None:
    ticket_id = _open_ticket(uow)
    sam, ann = wf.mechanic(uow, "Sam Wrench"), wf.mechanic(uow, "Ann Bolt")
    with pytest.raises(ValidationError) as caught:
        workflow.assign_mechanics(
            uow, ticket_id, {sam.id: 20, ann.id: 60_000}, _version(uow, ticket_id)
        )
    assert caught.value.fields == {
        f"minutes:{sam.id}": "Time for Sam Wrench must be in quarter hours "
        "(multiples of 15 minutes).",
        f"minutes:{ann.id}": "Time for Ann Bolt must be between 0 and 999.75 hours.",
    }
    detail = workflow.assign_mechanics(uow, ticket_id, {sam.id: 59_985}, _version(uow, ticket_id))
    assert detail.mechanics[0].minutes == 59_985


def test_only_active_mechanics_can_be_newly_assigned(uow: UnitOfWork) -> None:
    ticket_id = _open_ticket(uow)
    sam = wf.mechanic(uow, "Sam Wrench")
    old = wf.mechanic(uow, "Old Timer", active=False)
    with pytest.raises(ValidationError, match="Old Timer is inactive and cannot be assigned"):
        workflow.assign_mechanics(uow, ticket_id, {old.id: 0}, _version(uow, ticket_id))
    detail = workflow.assign_mechanics(uow, ticket_id, {sam.id: 60}, _version(uow, ticket_id))
    mechanics.set_mechanic_active(uow, sam.id, False)
    # Already on the ticket: their time can still be recorded.
    detail = workflow.assign_mechanics(uow, ticket_id, {sam.id: 75}, detail.ticket.version)
    assert detail.mechanics[0].minutes == 75
    assert detail.mechanics[0].active is False


# --- parts -----------------------------------------------------------------------------


def test_adding_parts_takes_stock_in_the_same_transaction(
    uow: UnitOfWork, engine: Engine
) -> None:
    ticket_id = _open_ticket(uow)
    pad = wf.part(uow, "BRK-01", on_hand=10, price="25.00")
    oil = wf.part(uow, "OIL-5W30", on_hand=20, price="7.49")
    detail = workflow.add_part_lines(
        uow, ticket_id, [(pad.id, 2), (oil.id, 5)], _version(uow, ticket_id)
    )
    assert [(p.sku, p.quantity, p.unit_price, p.line_total) for p in detail.parts] == [
        ("BRK-01", 2, D("25.00"), D("50.00")),
        ("OIL-5W30", 5, D("7.49"), D("37.45")),
    ]
    assert detail.totals.parts == D("87.45")
    assert detail.ticket.version == _version(uow, ticket_id)
    assert parts.get_part(uow, pad.id).quantity_on_hand == 8
    assert parts.get_part(uow, oil.id).quantity_on_hand == 15
    assert parts.get_part(uow, pad.id).version == pad.version + 1
    assert wf.movements(engine, ticket_id) == [
        (pad.id, -2, "ticket", ticket_id, None, ""),
        (oil.id, -5, "ticket", ticket_id, None, ""),
    ]
    assert stock.stock_discrepancies(uow) == []


def test_taking_exactly_the_last_units_empties_the_shelf(uow: UnitOfWork, engine: Engine) -> None:
    """No race: a ticket takes all that is on hand (the last one, then the last three by
    raising a line), which leaves 0 with matching ledger rows; one more is refused."""
    ticket_id = _open_ticket(uow)
    pad = wf.part(uow, "BRK-01", on_hand=1)
    oil = wf.part(uow, "OIL-5W30", on_hand=5)
    detail = workflow.add_part_lines(uow, ticket_id, [(pad.id, 1), (oil.id, 2)])
    assert parts.get_part(uow, pad.id).quantity_on_hand == 0
    oil_line = next(p for p in detail.parts if p.sku == "OIL-5W30")
    detail = workflow.change_part_quantity(uow, oil_line.id, 5, detail.ticket.version)
    assert parts.get_part(uow, oil.id).quantity_on_hand == 0
    assert sorted((p.sku, p.quantity) for p in detail.parts) == [("BRK-01", 1), ("OIL-5W30", 5)]
    assert wf.movements(engine, ticket_id) == [
        (pad.id, -1, "ticket", ticket_id, None, ""),
        (oil.id, -2, "ticket", ticket_id, None, ""),
        (oil.id, -3, "ticket", ticket_id, None, ""),
    ]
    assert stock.stock_discrepancies(uow) == []
    before = wf.state(engine)
    with pytest.raises(ValidationError, match=r"Only 0 of BRK-01 left; cannot take 1\."):
        workflow.add_part_lines(uow, ticket_id, [(pad.id, 1)])
    with pytest.raises(ValidationError, match=r"Only 0 of OIL-5W30 left; cannot take 1\."):
        workflow.change_part_quantity(uow, oil_line.id, 6)
    assert wf.state(engine) == before


def test_same_part_merges_into_its_line_at_the_first_price(uow: UnitOfWork) -> None:
    ticket_id = _open_ticket(uow)
    pad = wf.part(uow, "BRK-01", on_hand=10, price="25.00")
    first = workflow.add_part_lines(uow, ticket_id, [(pad.id, 1), (pad.id, 1)])
    assert [(p.quantity, p.line_total) for p in first.parts] == [(2, D("50.00"))]
    parts.update_part(uow, pad.id, parts.PartData("BRK-01", "Part BRK-01", "30.00", "10.00"))
    detail = workflow.add_part_lines(uow, ticket_id, [(pad.id, 3)], first.ticket.version)
    [line] = detail.parts
    assert (line.id, line.quantity, line.unit_price) == (first.parts[0].id, 5, D("25.00"))
    assert parts.get_part(uow, pad.id).quantity_on_hand == 5


def test_not_enough_stock_names_what_is_left_and_changes_nothing(
    uow: UnitOfWork, engine: Engine
) -> None:
    ticket_id = _open_ticket(uow)
    pad = wf.part(uow, "BRK-01", on_hand=3)
    oil = wf.part(uow, "OIL-5W30", on_hand=20)
    workflow.add_part_lines(uow, ticket_id, [(pad.id, 1)])
    before = wf.state(engine)
    with pytest.raises(ValidationError) as caught:
        workflow.add_part_lines(uow, ticket_id, [(oil.id, 4), (pad.id, 5)])
    assert caught.value.fields == {f"quantity:{pad.id}": "Only 2 of BRK-01 left; cannot take 5."}
    assert "Only 2 of BRK-01 left" in str(caught.value)
    assert wf.state(engine) == before


def test_changing_quantities_takes_or_returns_stock(uow: UnitOfWork, engine: Engine) -> None:
    ticket_id = _open_ticket(uow)
    pad = wf.part(uow, "BRK-01", on_hand=10, price="25.00")
    detail = workflow.add_part_lines(uow, ticket_id, [(pad.id, 2)])
    line_id = detail.parts[0].id
    detail = workflow.change_part_quantity(uow, line_id, 6, detail.ticket.version)
    assert (detail.parts[0].quantity, detail.totals.parts) == (6, D("150.00"))
    detail = workflow.change_part_quantity(uow, line_id, 1, detail.ticket.version)
    assert parts.get_part(uow, pad.id).quantity_on_hand == 9
    before = wf.state(engine)
    with pytest.raises(ValidationError, match="Only 9 of BRK-01 left; cannot take 10"):
        workflow.change_part_quantity(uow, line_id, 11)
    assert wf.state(engine) == before
    detail = workflow.remove_part_line(uow, line_id, detail.ticket.version)
    assert detail.parts == () and detail.totals.parts == D("0.00")
    assert parts.get_part(uow, pad.id).quantity_on_hand == 10
    assert [(m[1], m[2]) for m in wf.movements(engine, ticket_id)] == [
        (-2, "ticket"), (-4, "ticket"), (5, "return"), (1, "return")
    ]
    with pytest.raises(ValidationError, match="was removed at another desk") as gone:
        workflow.remove_part_line(uow, line_id)
    assert gone.value.fields == {"quantity": (
        f"That parts line (#{line_id}) was removed at another desk; reload the ticket.")}
    assert stock.stock_discrepancies(uow) == []


def test_quantity_rules(uow: UnitOfWork) -> None:
    ticket_id = _open_ticket(uow)
    pad = wf.part(uow)
    with pytest.raises(ValidationError, match="Quantity must be between 1 and 10,000"):
        workflow.add_part_lines(uow, ticket_id, [(pad.id, 0)])
    with pytest.raises(ValidationError, match="Choose at least one part"):
        workflow.add_part_lines(uow, ticket_id, [])
    with pytest.raises(ValidationError, match="Part #999 no longer exists"):
        workflow.add_part_lines(uow, ticket_id, [(999, 1)])


# --- status -----------------------------------------------------------------------------


def test_lifecycle_stamps_times_and_freezes_lines(uow: UnitOfWork) -> None:
    ticket_id = _open_ticket(uow)
    pad = wf.part(uow)
    detail = workflow.add_part_lines(uow, ticket_id, [(pad.id, 1)])
    assert detail.allowed_next == ("in_progress", "cancelled")
    detail = workflow.set_status(uow, ticket_id, "in_progress", detail.ticket.version)
    assert detail.allowed_next == ("open", "completed", "cancelled")
    assert detail.authorisation_needed == D("25.00")
    with pytest.raises(ValidationError, match=r"needs the customer's authorisation for 25\.00"):
        workflow.set_status(uow, ticket_id, TicketStatus.COMPLETED, detail.ticket.version)
    detail = factories.authorise(uow, ticket_id)
    assert detail.authorisation_needed == 0
    detail = workflow.set_status(uow, ticket_id, TicketStatus.COMPLETED, detail.ticket.version)
    assert detail.ticket.completed_at is not None and detail.ticket.closed_at is None
    assert (detail.editable, detail.reopenable, detail.allowed_next) == (False, True, ("closed",))
    with pytest.raises(ValidationError, match="is completed, so its lines are read-only"):
        workflow.add_part_lines(uow, ticket_id, [(pad.id, 1)])
    with pytest.raises(ValidationError, match="read-only"):
        workflow.remove_part_line(uow, detail.parts[0].id)
    with pytest.raises(ValidationError, match="read-only"):
        workflow.assign_mechanics(uow, ticket_id, {}, detail.ticket.version)
    detail = workflow.set_status(uow, ticket_id, "closed", detail.ticket.version,
                                 on_account=True)
    assert detail.ticket.status == "closed" and detail.ticket.closed_at is not None
    assert detail.allowed_next == ()


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        ([], "completed", "must be in progress before it can be completed"),
        ([], "closed", "must be completed before it can be closed"),
        (["in_progress"], "closed", "must be completed before it can be closed"),
        (["in_progress", "completed"], "cancelled", "can only be closed, or reopened"),
        (["in_progress", "completed"], "open", "can only be closed, or reopened"),
        (["in_progress", "completed", "closed"], "open", "is closed; reopen it"),
        (["cancelled"], "open", "is cancelled and cannot change status"),
        ([], "paid", "'paid' is not a ticket status"),
    ],
)
def test_illegal_moves_are_refused_with_the_reason(
    uow: UnitOfWork, engine: Engine, path: list[str], target: str, message: str
) -> None:
    ticket_id = _open_ticket(uow)
    for step in path:
        workflow.set_status(uow, ticket_id, step, _version(uow, ticket_id),
                            on_account=step == "closed")
    before = wf.state(engine)
    with pytest.raises(ValidationError, match=message):
        workflow.set_status(uow, ticket_id, target, _version(uow, ticket_id))
    assert wf.state(engine) == before


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        (["cancelled"], "in_progress", "is cancelled and cannot change status; open a new "
                                       "ticket to resume the work."),
        (["in_progress", "completed", "closed"], "open",
         "is closed; reopen it (with a reason) if more work is needed."),
        (["in_progress", "completed"], "cancelled",
         "is completed: it can only be closed, or reopened (with a reason) if more work is "
         "needed."),
    ],
)
def test_a_refusal_says_in_full_what_can_be_done(
    uow: UnitOfWork, path: list[str], target: str, message: str
) -> None:
    ticket_id = _open_ticket(uow)
    for step in path:
        workflow.set_status(uow, ticket_id, step, _version(uow, ticket_id),
                            on_account=step == "closed")
    number = workflow.get_ticket_detail(uow, ticket_id).ticket.number
    with pytest.raises(ValidationError) as refused:
        workflow.set_status(uow, ticket_id, target, _version(uow, ticket_id))
    assert refused.value.fields == {"status": f"Ticket RO-{number} {message}"}


def test_refusals_name_the_ticket_as_the_shop_prints_it(uow: UnitOfWork) -> None:
    """"Ticket 12" is ambiguous on a counter full of paper; the shop's prefix is not."""
    ticket_id = _open_ticket(uow)
    number = workflow.get_ticket_detail(uow, ticket_id).ticket.number
    with pytest.raises(ValidationError, match=rf"^Ticket RO-{number} must be in progress"):
        workflow.set_status(uow, ticket_id, "completed", _version(uow, ticket_id))
    workflow.update_settings(uow, ShopSettingsData("Shop", ticket_prefix="WO-"), 1)
    workflow.set_status(uow, ticket_id, "cancelled", _version(uow, ticket_id))
    with pytest.raises(ValidationError, match=rf"^Ticket WO-{number} is cancelled; its lines"):
        workflow.add_part_lines(uow, ticket_id, [(wf.part(uow).id, 1)])
    with pytest.raises(StaleRecord, match=rf"^Ticket WO-{number} was changed at another desk"):
        workflow.set_status(uow, ticket_id, "open", _version(uow, ticket_id) - 1)


def test_allowed_next_statuses_follow_the_lifecycle() -> None:
    assert workflow.allowed_next_statuses("open") == (
        TicketStatus.IN_PROGRESS, TicketStatus.CANCELLED
    )
    assert workflow.allowed_next_statuses(TicketStatus.COMPLETED) == (TicketStatus.CLOSED,)
    assert workflow.allowed_next_statuses("cancelled") == ()


def test_cancelling_returns_every_part_and_keeps_the_lines(
    uow: UnitOfWork, engine: Engine
) -> None:
    ticket_id = _open_ticket(uow)
    pad, oil = wf.part(uow, "BRK-01", 10), wf.part(uow, "OIL-5W30", 20)
    detail = workflow.add_part_lines(uow, ticket_id, [(pad.id, 4), (oil.id, 5)])
    detail = workflow.set_status(uow, ticket_id, "in_progress", detail.ticket.version)
    detail = workflow.set_status(uow, ticket_id, "cancelled", detail.ticket.version)
    assert parts.get_part(uow, pad.id).quantity_on_hand == 10
    assert parts.get_part(uow, oil.id).quantity_on_hand == 20
    assert [(p.sku, p.quantity) for p in detail.parts] == [("BRK-01", 4), ("OIL-5W30", 5)]
    assert (detail.editable, detail.reopenable, detail.allowed_next) == (False, False, ())
    assert [(m[0], m[1], m[2]) for m in wf.movements(engine, ticket_id)][-2:] == [
        (pad.id, 4, "cancel"), (oil.id, 5, "cancel")
    ]
    with pytest.raises(ValidationError, match="cancelled; its lines can no longer change"):
        workflow.add_part_lines(uow, ticket_id, [(pad.id, 1)])
    with pytest.raises(ValidationError, match="open a new ticket"):
        workflow.reopen_ticket(uow, ticket_id, "Customer came back", detail.ticket.version)
    assert stock.stock_discrepancies(uow) == []


def test_reopening_is_explicit_and_recorded(engine: Engine) -> None:
    jane = wf.actor(engine)
    uow = UnitOfWork(engine, actor=jane)
    ticket_id = _open_ticket(uow)
    for step in ("in_progress", "completed", "closed"):
        workflow.set_status(uow, ticket_id, step, _version(uow, ticket_id),
                            on_account=step == "closed")
    with pytest.raises(ValidationError, match="Say why the ticket is being reopened"):
        workflow.reopen_ticket(uow, ticket_id, "  ", _version(uow, ticket_id))
    with pytest.raises(ValidationError, match=r"Invoice INV-1 of ticket RO-\d+ is posted and "
                       "cannot change: reopening issues a credit note"):
        workflow.reopen_ticket(uow, ticket_id, "noise", _version(uow, ticket_id))
    detail = workflow.reopen_ticket(
        uow, ticket_id, "Customer reports the squeal is back", _version(uow, ticket_id),
        credit_note=True,
    )
    assert [(n.label, n.invoice_label) for n in detail.billing.credit_notes] == [
        ("CN-1", "INV-1")]
    assert detail.ticket.status == "in_progress"
    assert detail.ticket.completed_at is None and detail.ticket.closed_at is None
    assert detail.editable
    with Session(engine) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "reopen")
        ).one()
        assert (entry.entity, entry.entity_id) == ("ticket", ticket_id)
        assert entry.staff_user_id == jane.id
        assert "Customer reports the squeal is back" in entry.summary
        assert "was closed" in entry.summary
        assert "credit note CN-1 cancels invoice INV-1" in entry.summary
    with pytest.raises(ValidationError, match="only completed or closed tickets need reopening"):
        workflow.reopen_ticket(uow, ticket_id, "again", detail.ticket.version)


# --- stale copies -----------------------------------------------------------------------


def test_a_stale_copy_is_refused_naming_who_and_when(engine: Engine) -> None:
    jane = wf.actor(engine, "jane", "Jane Desk")
    desk_a = UnitOfWork(engine, actor=jane)
    desk_b = UnitOfWork(engine)
    ticket_id = _open_ticket(desk_a)
    pad = wf.part(desk_a, "BRK-01", 10)
    sam = wf.mechanic(desk_a)
    read_by_b = workflow.get_ticket_detail(desk_b, ticket_id)
    workflow.assign_mechanics(desk_a, ticket_id, {sam.id: 60}, read_by_b.ticket.version)
    before = wf.state(engine)
    for attempt in (
        lambda: workflow.add_part_lines(desk_b, ticket_id, [(pad.id, 1)], 1),
        lambda: workflow.assign_mechanics(desk_b, ticket_id, {}, 1),
        lambda: workflow.set_status(desk_b, ticket_id, "in_progress", 1),
        lambda: workflow.reopen_ticket(desk_b, ticket_id, "why", 1),
    ):
        with pytest.raises(StaleRecord, match="changed at another desk by Jane Desk at "):
            attempt()
    assert wf.state(engine) == before


def test_every_write_bumps_the_version(uow: UnitOfWork) -> None:
    ticket_id = _open_ticket(uow)
    pad, sam = wf.part(uow), wf.mechanic(uow)
    versions = [_version(uow, ticket_id)]
    d = workflow.assign_mechanics(uow, ticket_id, {sam.id: 0}, versions[-1])
    versions.append(d.ticket.version)
    d = workflow.add_part_lines(uow, ticket_id, [(pad.id, 1)], versions[-1])
    versions.append(d.ticket.version)
    d = workflow.change_part_quantity(uow, d.parts[0].id, 2, versions[-1])
    versions.append(d.ticket.version)
    d = workflow.set_status(uow, ticket_id, "in_progress", versions[-1])
    versions.append(d.ticket.version)
    assert versions == list(range(versions[0], versions[0] + 5))


# --- settings and totals ---------------------------------------------------------------


def test_settings_default_then_validated_update(uow: UnitOfWork) -> None:
    settings = shop.get_settings(uow)
    assert (settings.name, settings.tax_rate, settings.ticket_prefix, settings.version) == (
        "My Repair Shop", D("0"), "RO-", 1
    )
    assert settings.ticket_label(42) == "RO-42"
    with pytest.raises(ValidationError) as caught:
        workflow.update_settings(
            uow, ShopSettingsData(" ", tax_rate="8.8751", ticket_prefix="WAY-TOO-LONG"), 1
        )
    assert caught.value.fields == {
        "name": "Shop name is required.",
        "tax_rate": "Tax rate can have at most 3 decimal places, like 8.875.",
        "ticket_prefix": "Ticket prefix is too long (at most 10 characters).",
    }
    for bad, message in (("101", "between 0 and 100"), ("-1", "between 0 and 100"),
                         ("abc", "must be a number"), ("", "is required")):
        with pytest.raises(ValidationError, match=message):
            workflow.update_settings(uow, ShopSettingsData("Shop", tax_rate=bad), 1)
    saved = workflow.update_settings(
        uow, ShopSettingsData("Bolt & Nut <Garage>", "1 Main St", "", "8.875%", True, "T-"), 1
    )
    assert (saved.tax_rate, saved.labor_taxed, saved.ticket_prefix, saved.version) == (
        D("8.875"), True, "T-", 2
    )
    assert shop.get_settings(uow) == saved
    with pytest.raises(StaleRecord, match="shop settings were changed at another desk"):
        workflow.update_settings(uow, ShopSettingsData("Other"), 1)


def test_totals_with_tax_and_repricing_on_settings_change(uow: UnitOfWork) -> None:
    workflow.update_settings(uow, ShopSettingsData("Shop", tax_rate="8.875"), 1)
    working = _open_ticket(uow)
    done = wf.ticket(uow, "Bob Smith", factories.VINS[1])
    pad = wf.part(uow, "BRK-01", 10, "19.99")
    sam = wf.mechanic(uow, "Sam Wrench", "85.00")
    for ticket_id in (working, done):
        workflow.assign_mechanics(uow, ticket_id, {sam.id: 75}, _version(uow, ticket_id))
        detail = workflow.add_part_lines(uow, ticket_id, [(pad.id, 3)])
    # Parts 59.97, labour 1.25 h × 85 = 106.25; tax on parts only: 5.3223… → 5.32.
    assert detail.totals.parts == D("59.97")
    assert detail.totals.labor == D("106.25")
    assert detail.totals.tax == D("5.32")
    assert detail.totals.total == D("171.54")
    factories.authorise(uow, done)  # the customer agrees to the grown total
    for step in ("in_progress", "completed"):
        workflow.set_status(uow, done, step, _version(uow, done))
    version_before = _version(uow, working)
    workflow.update_settings(uow, ShopSettingsData("Shop", tax_rate="8.875", labor_taxed=True), 2)
    # Labour now taxed too: 166.22 × 8.875 % = 14.752… → 14.75 on the open ticket only.
    repriced = workflow.get_ticket_detail(uow, working)
    assert (repriced.totals.tax, repriced.totals.total) == (D("14.75"), D("180.97"))
    assert repriced.ticket.version == version_before + 1
    assert workflow.get_ticket_detail(uow, done).totals.tax == D("5.32")
    # Reopening prices the ticket with today's rules.
    reopened = workflow.reopen_ticket(uow, done, "More work", _version(uow, done))
    assert reopened.totals.tax == D("14.75")


def test_detail_describes_the_ticket(uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow)
    sam = wf.mechanic(uow, "Sam Wrench", "80.00")
    pad = wf.part(uow, "BRK-01", 10, "25.00")
    workflow.assign_mechanics(uow, ticket.id, {sam.id: 30}, ticket.version)
    workflow.add_part_lines(uow, ticket.id, [(pad.id, 2)])
    detail = workflow.get_ticket_detail(uow, ticket.id)
    assert detail.ticket.number == ticket.number
    assert detail.vehicle_vin == factories.VINS[0]
    assert detail.customer_phone == "555-123-4567"
    assert detail.mechanics[0].hours == D("0.5")
    assert detail.totals.total == D("90.00")
    assert detail.editable and not detail.reopenable


def test_a_mechanic_may_log_hours_but_not_assign_or_take_parts(engine: Engine) -> None:
    desk = UnitOfWork(engine)
    ticket_id = _open_ticket(desk)
    sam, ann, pad = wf.mechanic(desk, "Sam Wrench"), wf.mechanic(desk, "Ann Bolt"), wf.part(desk)
    workflow.assign_mechanics(desk, ticket_id, {sam.id: 0}, _version(desk, ticket_id))
    bay = UnitOfWork(engine, actor=wf.actor(engine, "sam", "Sam Wrench", Role.MECHANIC, sam.id))
    detail = workflow.assign_mechanics(bay, ticket_id, {sam.id: 45}, _version(desk, ticket_id))
    assert detail.mechanics[0].minutes == 45
    version = detail.ticket.version
    with pytest.raises(PermissionDenied):
        workflow.assign_mechanics(bay, ticket_id, {sam.id: 45, ann.id: 15}, version)
    with pytest.raises(PermissionDenied):
        workflow.add_part_lines(bay, ticket_id, [(pad.id, 1)])
    with pytest.raises(PermissionDenied):
        workflow.set_status(bay, ticket_id, "cancelled", version)
    assert workflow.set_status(bay, ticket_id, "in_progress", version).ticket.status == (
        "in_progress"
    )


def test_a_list_row_moves_a_ticket_only_while_it_shows_its_status(engine: Engine) -> None:
    """The Tickets page holds no version: the status its row showed stands in for it,
    checked inside the write transaction with the ticket locked."""
    uow = UnitOfWork(engine, actor=wf.actor(engine))
    ticket_id = _open_ticket(uow)
    with pytest.raises(ValueError, match="version or the status"):
        workflow.set_status(uow, ticket_id, "in_progress", None)
    workflow.set_status(uow, ticket_id, "in_progress", _version(uow, ticket_id))
    with pytest.raises(StaleRecord, match="it is now in progress, not estimate"):
        workflow.set_status(uow, ticket_id, "cancelled", None, seen_status="open")
    detail = workflow.set_status(uow, ticket_id, "completed", None, seen_status="in_progress")
    assert detail.ticket.status == "completed"
    with pytest.raises(StaleRecord, match="now completed, not closed"):
        workflow.reopen_ticket(uow, ticket_id, "noise", None, seen_status="closed")
    detail = workflow.reopen_ticket(uow, ticket_id, "noise", None, seen_status="completed")
    assert detail.ticket.status == "in_progress"
