"""Role checks every service makes before it acts."""

from __future__ import annotations

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import PermissionDenied
from mechanic_desktop.domain.permissions import Action, allowed


def require(uow: UnitOfWork, action: Action) -> None:
    """Raise PermissionDenied unless the signed-in role may do ``action``.

    Work with no actor is the program's own (migrations, seeding, tests of rules); the
    app itself always signs someone in before it shows a window.
    """
    actor = uow.actor
    if actor is None:
        if uow.require_actor:
            raise PermissionDenied(f"Sign in to {action.value}.")
        return
    if allowed(actor.role, action):
        return
    raise PermissionDenied(f"{actor.role.label}s cannot {action.value}; ask an administrator.")
