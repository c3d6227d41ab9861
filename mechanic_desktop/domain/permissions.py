"""What each role may do. Services check this (raising PermissionDenied); the UI reads
the same table to hide or disable what the role cannot reach.

Maintenance of the database itself (backups, restore, ``pg_dump``, testing, creating and
upgrading a database) belongs to administrators only: a backup or a dump is a copy of
every password hash, and a restore or an upgrade changes every desk's data. What may
happen before anyone has signed in is decided in ``services/maintenance``.
"""

from __future__ import annotations

from enum import StrEnum

from mechanic_desktop.domain.staff import Role


class Action(StrEnum):
    EDIT_CUSTOMERS = "edit customers and vehicles"
    EDIT_TICKETS = "open and edit tickets"
    ASSIGN_WORK = "assign mechanics and parts to tickets"
    SET_STATUS = "change a ticket's status"
    LOG_HOURS = "record hours worked"
    RECEIVE_STOCK = "receive stock"
    ADJUST_STOCK = "correct stock counts"
    EDIT_PARTS = "edit parts and prices"
    EDIT_MECHANICS = "edit mechanics"
    DELETE_RECORDS = "delete records"
    MANAGE_STAFF = "manage staff accounts"
    EDIT_SETTINGS = "change shop settings"
    VIEW_AUDIT = "read the audit trail"
    REOPEN_TICKETS = "reopen completed tickets"
    LOAD_DEMO_DATA = "fill the database with demo data"
    BACK_UP = "back up the shop's data"
    RESTORE_BACKUP = "restore a backup"
    DUMP_DATABASE = "save a copy of the shared database"
    TEST_CONNECTION = "test a database connection"
    CREATE_DATABASE = "create a shop database"
    UPGRADE_SCHEMA = "upgrade a database's schema"


_WRITER = frozenset(
    {
        Action.EDIT_CUSTOMERS,
        Action.EDIT_TICKETS,
        Action.ASSIGN_WORK,
        Action.SET_STATUS,
        Action.LOG_HOURS,
        Action.RECEIVE_STOCK,
    }
)
_MECHANIC = frozenset({Action.SET_STATUS, Action.LOG_HOURS})

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.WRITER: _WRITER,
    Role.MECHANIC: _MECHANIC,
}


def allowed(role: Role, action: Action) -> bool:
    return action in ROLE_ACTIONS[role]
