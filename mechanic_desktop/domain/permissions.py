"""What each role may do. Services check this (raising PermissionDenied); the UI reads
the same table to hide or disable what the role cannot reach.

Maintenance of the database itself (backups, restore, ``pg_dump``, testing, creating and
upgrading a database) belongs to administrators only: a backup or a dump is a copy of
every password hash, and a restore or an upgrade changes every desk's data. What may
happen before anyone has signed in is decided in ``services/maintenance``.

Two rules go beyond the role table, because they depend on the ticket as well as on the
role: a mechanic books time only for themselves and only on tickets they are assigned
to, and changes the status only of those tickets (``may_work_on``, ``may_book_time``).
Reports need someone signed in; those that show money earned (revenue, labour revenue
per mechanic, what customers were billed, parts revenue, the week's takings on the
dashboard) are for administrators. Invoicing and taking payments belong to the front desk
(administrators and service writers); refunds and closing a ticket whose balance is
still due ("on account") to administrators. Pay rates are read by those who assign work
(administrators and service writers) and changed by administrators only; the services
leave them out of what they send a mechanic.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from mechanic_desktop.domain.staff import Role


class Action(StrEnum):
    EDIT_CUSTOMERS = "edit customers and vehicles"
    EDIT_TICKETS = "open and edit tickets"
    ASSIGN_WORK = "assign mechanics and parts to tickets"
    SET_STATUS = "change a ticket's status"
    LOG_HOURS = "record hours worked"
    AUTHORISE_WORK = "record the customer's authorisation"
    RECORD_FINDINGS = "record a job's cause and correction"
    RECEIVE_STOCK = "receive stock"
    ADJUST_STOCK = "correct stock counts"
    EDIT_PARTS = "edit parts and prices"
    EDIT_MECHANICS = "edit mechanics and their pay rates"
    DELETE_RECORDS = "delete records"
    MANAGE_STAFF = "manage staff accounts"
    EDIT_SETTINGS = "change shop settings"
    MANAGE_CANNED_JOBS = "manage the library of canned jobs"
    VIEW_AUDIT = "read the audit trail"
    REOPEN_TICKETS = "reopen completed tickets"
    LOAD_DEMO_DATA = "fill the database with demo data"
    BACK_UP = "back up the shop's data"
    RESTORE_BACKUP = "restore a backup"
    DUMP_DATABASE = "save a copy of the shared database"
    TEST_CONNECTION = "test a database connection"
    CREATE_DATABASE = "create a shop database"
    UPGRADE_SCHEMA = "upgrade a database's schema"
    VIEW_REPORTS = "read work-in-progress, stock and customer-history reports"
    VIEW_REVENUE = "read revenue reports"
    VIEW_PAY_RATES = "see mechanics' pay rates"
    POST_INVOICES = "invoice customers (post invoices)"
    TAKE_PAYMENTS = "take payments"
    REFUND_PAYMENTS = "refund payments"
    CLOSE_ON_ACCOUNT = "close a ticket with a balance due (on account)"
    ISSUE_CREDIT_NOTES = "issue credit notes (credit a posted invoice)"


_WRITER = frozenset(
    {
        Action.EDIT_CUSTOMERS,
        Action.EDIT_TICKETS,
        Action.ASSIGN_WORK,
        Action.SET_STATUS,
        Action.LOG_HOURS,
        Action.AUTHORISE_WORK,
        Action.RECORD_FINDINGS,
        Action.RECEIVE_STOCK,
        Action.VIEW_REPORTS,
        Action.VIEW_PAY_RATES,
        Action.POST_INVOICES,
        Action.TAKE_PAYMENTS,
    }
)
_MECHANIC = frozenset({Action.SET_STATUS, Action.LOG_HOURS, Action.RECORD_FINDINGS})

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.WRITER: _WRITER,
    Role.MECHANIC: _MECHANIC,
}


def allowed(role: Role, action: Action) -> bool:
    return action in ROLE_ACTIONS[role]


def refusal(role: Role, action: Action) -> str:
    """Why ``role`` may not do ``action``, in the words the services refuse it with and
    the window's disabled controls show."""
    return f"{role.label}s cannot {action.value}; ask an administrator."


def own_work_only(role: Role) -> bool:
    """Whether this role's ticket work is limited to the tickets assigned to them."""
    return role is Role.MECHANIC


def may_work_on(role: Role, mechanic_id: int | None, assigned: Collection[int]) -> bool:
    """Whether someone may book time on or change the status of a ticket whose
    mechanics are ``assigned``: a mechanic only when they are one of them."""
    return not own_work_only(role) or (mechanic_id is not None and mechanic_id in assigned)


def may_book_time(role: Role, own_mechanic_id: int | None, mechanic_id: int) -> bool:
    """Whether someone may change the time booked for ``mechanic_id``: a mechanic only
    their own."""
    return not own_work_only(role) or own_mechanic_id == mechanic_id
