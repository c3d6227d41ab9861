"""The repair-order lifecycle: which status may follow which."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_active(self) -> bool:
        """Work still to be done on the ticket (it counts as an open ticket)."""
        return self in (TicketStatus.OPEN, TicketStatus.IN_PROGRESS)


_LABELS = {
    TicketStatus.OPEN: "Estimate",
    TicketStatus.IN_PROGRESS: "In progress",
    TicketStatus.COMPLETED: "Completed",
    TicketStatus.CLOSED: "Closed",
    TicketStatus.CANCELLED: "Cancelled",
}

ALLOWED_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.OPEN: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.CANCELLED}),
    TicketStatus.IN_PROGRESS: frozenset(
        {TicketStatus.OPEN, TicketStatus.COMPLETED, TicketStatus.CANCELLED}
    ),
    TicketStatus.COMPLETED: frozenset({TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
    TicketStatus.CANCELLED: frozenset(),
}

ACTIVE_STATUSES = tuple(s for s in TicketStatus if s.is_active)
