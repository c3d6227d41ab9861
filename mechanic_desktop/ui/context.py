"""What every page and dialog is handed: the DB worker (which alone holds the unit of
work), the prompts, and the password hasher. Passed in, never reached for globally."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mechanic_desktop.domain.permissions import Action, allowed
from mechanic_desktop.domain.staff import Actor
from mechanic_desktop.ui.operations import DbWorker
from mechanic_desktop.ui.prompts import Prompts

if TYPE_CHECKING:
    from argon2 import PasswordHasher


@dataclass
class UiContext:
    worker: DbWorker
    prompts: Prompts = field(default_factory=Prompts)
    #: Set by ``hasher`` (tests set a cheaper, floor, profile).
    _hasher: PasswordHasher | None = field(default=None, repr=False)

    @property
    def hasher(self) -> PasswordHasher:
        """What the sign-in and password dialogs hash with: the default argon2id profile
        unless set, made when first asked for (once Sign in is pressed), so argon2 does
        not load before the first window shows."""
        if self._hasher is None:
            from mechanic_desktop.services.hashing import DEFAULT_HASHER

            self._hasher = DEFAULT_HASHER
        return self._hasher

    @hasher.setter
    def hasher(self, value: PasswordHasher) -> None:
        self._hasher = value

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
