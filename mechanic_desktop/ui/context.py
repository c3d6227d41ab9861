"""What every page and dialog is handed: the DB worker (which alone holds the unit of
work), the prompts, and the password hasher. Passed in, never reached for globally."""

from __future__ import annotations

from dataclasses import dataclass, field

from argon2 import PasswordHasher

from mechanic_desktop.domain.permissions import Action, allowed
from mechanic_desktop.domain.staff import Actor
from mechanic_desktop.services.password_policy import DEFAULT_HASHER
from mechanic_desktop.ui.operations import DbWorker
from mechanic_desktop.ui.prompts import Prompts


@dataclass
class UiContext:
    worker: DbWorker
    prompts: Prompts = field(default_factory=Prompts)
    #: Sign-in and password dialogs hash with this; tests pass a cheaper (floor) profile.
    hasher: PasswordHasher = field(default_factory=lambda: DEFAULT_HASHER)

    @property
    def actor(self) -> Actor | None:
        """Who is signed in: the worker runs every operation as them."""
        return self.worker.actor

    def sign_in(self, actor: Actor | None) -> None:
        """The one place the signed-in actor changes (None: signed out)."""
        self.worker.actor = actor

    def can(self, action: Action) -> bool:
        """Whether to offer ``action``; with nobody signed in (tests, tools) everything is."""
        actor = self.worker.actor
        return actor is None or allowed(actor.role, action)
