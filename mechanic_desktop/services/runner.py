"""How the app runs one operation against the database, and learns what it changed.

An operation is a plain function of the unit of work (``op(uow)``, as Anki's
``CollectionOp`` runs ``op(col)``): the UI builds it from a service call and hands it to
its DB worker, which calls ``run`` here on its own thread. The change set comes from the
unit of work (every commit the operation made), never from the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from mechanic_desktop.db.retry import with_retries
from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.staff import Actor

if TYPE_CHECKING:
    # Only named here: the UI imports this module before its first window, and the unit
    # of work (the ORM and every model) loads afterwards, on the DB worker (start-up).
    from mechanic_desktop.db.unit_of_work import UnitOfWork

__all__ = ["Operation", "Outcome", "UnitOfWork", "run"]

T = TypeVar("T")

#: One user action's database work: services called with the unit of work.
Operation = Callable[["UnitOfWork"], T]


def __getattr__(name: str) -> Any:
    """``runner.UnitOfWork`` still names the unit of work, imported when first asked for."""
    if name == "UnitOfWork":
        from mechanic_desktop.db.unit_of_work import UnitOfWork

        return UnitOfWork
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """An operation's result or error, and what its commits changed (also when it
    failed after some commits, as an import that stopped half-way may)."""

    result: T | None
    error: BaseException | None
    changes: Changes


def run(uow: UnitOfWork, op: Operation[T], actor: Actor | None, *, write: bool) -> Outcome[T]:
    """Run ``op`` for ``actor`` (who was signed in when it was asked for).

    A write the server certainly rolled back (serialization failure, deadlock) runs
    again; any other failure — above all a connection lost during COMMIT, whose outcome
    is unknown — is returned, never repeated.
    """
    uow.actor = actor
    uow.take_changes()  # anything left over belongs to no one now
    try:
        result = with_retries(lambda: op(uow)) if write else op(uow)
    except BaseException as exc:  # handed back to the caller's thread, never lost
        return Outcome(None, exc, uow.take_changes())
    return Outcome(result, None, uow.take_changes())
