"""Who is at the keyboard: staff roles and the signed-in actor services act for."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    WRITER = "writer"
    MECHANIC = "mechanic"

    @property
    def label(self) -> str:
        return {"admin": "Administrator", "writer": "Service writer", "mechanic": "Mechanic"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in staff member; services record them in the audit trail and stock
    ledger and check their role."""

    id: int
    username: str
    full_name: str
    role: Role
    mechanic_id: int | None = None
