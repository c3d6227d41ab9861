"""What every page and dialog is handed: the DB worker, the unit of work its jobs use,
the prompts, and the password hasher. Passed in, never reached for globally."""

from __future__ import annotations

from dataclasses import dataclass, field

from argon2 import PasswordHasher

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.permissions import Action, allowed
from mechanic_desktop.domain.staff import Actor
from mechanic_desktop.services.auth import DEFAULT_HASHER
from mechanic_desktop.ui.operations import DbWorker
from mechanic_desktop.ui.prompts import Prompts


@dataclass
class UiContext:
    worker: DbWorker
    uow: UnitOfWork
    prompts: Prompts = field(default_factory=Prompts)
    #: Sign-in and password dialogs hash with this; tests pass a cheaper (floor) profile.
    hasher: PasswordHasher = field(default_factory=lambda: DEFAULT_HASHER)

    @property
    def actor(self) -> Actor | None:
        """Who is signed in: the unit of work carries it, so services see the same one."""
        return self.uow.actor

    def can(self, action: Action) -> bool:
        """Whether to offer ``action``; with nobody signed in (tests, tools) everything is."""
        actor = self.uow.actor
        return actor is None or allowed(actor.role, action)
