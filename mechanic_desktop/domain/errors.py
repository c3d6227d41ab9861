"""Errors raised by services, phrased for the person at the desk.

The UI shows ``str(error)`` (and, for validation, each field's message next to the
field), so every message here is a full sentence a shop's staff can act on.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of every error a service raises on purpose."""


class ValidationError(DomainError):
    """One or more fields are invalid; ``fields`` maps field name to its message."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields: dict[str, str] = dict(fields)
        super().__init__("; ".join(self.fields.values()))

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        return cls({field: message})


class ShortStock(ValidationError):
    """Parts of an approved job the shelf cannot cover: ``short`` maps each part id to
    (SKU, on hand, wanted), so a desk can offer to put the rest on special order."""

    def __init__(self, short: Mapping[int, tuple[str, int, int]]) -> None:
        self.short = dict(short)
        super().__init__({
            f"quantity:{part_id}": f"Only {left} of {sku} left; cannot take {wanted}."
            for part_id, (sku, left, wanted) in self.short.items()
        })

    def offer(self) -> str:
        """The question a desk asks: take what the shelf has, order the rest?"""
        return " ".join(
            f"Only {left} of {sku} left for {wanted} wanted: "
            + (f"take those {left} and put the other {wanted - left} on special order?"
               if left else f"put all {wanted} on special order?")
            for sku, left, wanted in self.short.values()
        )


class NotFound(DomainError):
    """The record asked for does not exist (any more)."""


class DeleteRefused(DomainError):
    """A delete would destroy history; the message says why and what to do instead."""


class StaleRecord(DomainError):
    """Someone else saved the record after this copy was read."""


class DatabaseUnavailable(DomainError):
    """The database cannot be reached or used; the message says which problem it is."""


class SchemaTooNew(DatabaseUnavailable):
    """The database was upgraded by a newer version of the app."""


class DatabaseInUse(DatabaseUnavailable):
    """Another copy of the app (or another program) has the database file open."""


class MaintenanceRefused(DomainError):
    """A backup, restore or schema step cannot be done as asked; the message says why
    (nothing was changed)."""


class PermissionDenied(DomainError):
    """The signed-in role may not do this; the message names the role and the action."""


class RightsRevoked(PermissionDenied):
    """The signed-in account was deactivated, or its role changed, after it signed in:
    nothing more is done for it until someone signs in again (the app locks its windows
    back to sign-in when it sees this)."""


class LoginFailed(DomainError):
    """Wrong user name or password (the same message either way), or account inactive."""


class AccountLocked(LoginFailed):
    """Too many failed sign-ins; ``until`` says when the next try is possible."""

    def __init__(self, message: str, until: object) -> None:
        super().__init__(message)
        self.until = until
