"""The audit trail: who did what, when, to which record, with a before→after summary."""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select

from mechanic_desktop.db import change_log, pipeline
from mechanic_desktop.db.models import AuditEntry, StaffUser
from mechanic_desktop.db.prepared import Bound
from mechanic_desktop.db.repositories import AUDIT_ID, ListSpec, audit_id_statement, fetch_page
from mechanic_desktop.db.types import utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import ListQuery, Page
from mechanic_desktop.services.permissions import require

MAX_SUMMARY = 2000
#: This computer's name, kept with every row: for a failed sign-in (no actor) it is the
#: only "who" there is.
WORKSTATION = (platform.node() or "unknown computer")[:100]


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    who: str
    action: str
    entity: str
    entity_id: int | None
    summary: str


def record(
    uow: UnitOfWork,
    action: str,
    entity: str,
    entity_id: int | None,
    summary: str = "",
    staff_user_id: int | None = None,
    *,
    anonymous: bool = False,
) -> None:
    """Add an audit row to the current transaction (it commits or rolls back with it).

    ``anonymous`` rows (failed sign-ins) have no actor: whoever typed is not known, and
    naming the target account there would read as if its owner had acted.
    """
    values: dict[str, Any] = {
        "staff_user_id": None if anonymous
        else staff_user_id if staff_user_id is not None else uow.actor_id,
        "action": action, "entity": entity, "entity_id": entity_id,
        "summary": summary[:MAX_SUMMARY], "workstation": WORKSTATION,
    }
    audit_id = uow.session.info.pop(AUDIT_ID, None)
    if audit_id is not None:
        # Its id was taken with the write's first reads: the row needs no answer from
        # the server, so it goes with the COMMIT (a round trip fewer across a network).
        values = {"id": audit_id, "at": utcnow(), **values}
        if pipeline.stage_insert(uow.session, cast(Table, AuditEntry.__table__), values):
            change_log.record(uow.session, "audit", [audit_id])
            return
    uow.session.add(AuditEntry(**values))


def take_audit_id(uow: UnitOfWork, rows: Sequence[Any] | None) -> None:
    """Keep the id ``audit_id_statement`` took for this transaction's audit row."""
    if rows:
        uow.session.info[AUDIT_ID] = int(rows[0][0])


def audit_id_pending(uow: UnitOfWork) -> Bound | None:
    """``audit_id_statement`` for a write's first reads (PostgreSQL only), else None."""
    if uow.dialect != "postgresql" or AUDIT_ID in uow.session.info:
        return None
    return audit_id_statement()


def show_value(value: Any) -> str:
    """A value as the audit trail shows it: — for nothing, quoted and cut at 60 characters."""
    if value is None or value == "":
        return "—"
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def change_line(field: str, before: Any, after: Any) -> str:
    """One 'field: before → after' part of an update's summary."""
    return f"{field}: {show_value(before)} → {show_value(after)}"


def shown_field(field: str, hidden: frozenset[str] = frozenset()) -> bool:
    """Whether a change of ``field`` is written in summaries (search keys derive from
    fields that are)."""
    return field not in hidden and not field.endswith("_key") and field != "phone_digits"


def apply_changes(
    obj: object, values: Mapping[str, Any], hidden: frozenset[str] = frozenset()
) -> str:
    """Set ``values`` on ``obj``; return 'field: before → after' for what really changed."""
    changes = []
    for field, value in values.items():
        before = getattr(obj, field)
        if before != value:
            setattr(obj, field, value)
            if shown_field(field, hidden):
                changes.append(change_line(field, before, value))
    return "; ".join(changes)


AUDIT = ListSpec(
    base=lambda: select(
        AuditEntry.id,
        AuditEntry.at,
        func.coalesce(StaffUser.username, "computer " + AuditEntry.workstation, "system"),
        AuditEntry.action,
        AuditEntry.entity,
        AuditEntry.entity_id,
        AuditEntry.summary,
    ).outerjoin(StaffUser, StaffUser.id == AuditEntry.staff_user_id),
    sorts={"at": (AuditEntry.at, AuditEntry.id)},
    default_sort="at",
    search=lambda _session, text: AuditEntry.summary.contains(text, autoescape=True),
    filters={
        "entity": lambda v: AuditEntry.entity == v if v else None,
        "action": lambda v: AuditEntry.action == v if v else None,
        "staff_user_id": lambda v: AuditEntry.staff_user_id == v if v else None,
        "since": lambda v: AuditEntry.at >= v if v else None,
        "until": lambda v: AuditEntry.at < v if v else None,
    },
    id_column=AuditEntry.id,
)


def list_audit(uow: UnitOfWork, query: ListQuery) -> Page[AuditRow]:
    """The trail, oldest first unless ``query.descending`` (the admin page asks newest first)."""
    with uow:
        require(uow, Action.VIEW_AUDIT)
        rows, cursor = fetch_page(uow.session, AUDIT, query)
        return Page(tuple(AuditRow(*r) for r in rows), cursor)
