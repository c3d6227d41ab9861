"""What every page and dialog is handed: the DB worker, the unit of work its jobs use,
and the prompts. Passed in, never reached for globally."""

from __future__ import annotations

from dataclasses import dataclass, field

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.ui.operations import DbWorker
from mechanic_desktop.ui.prompts import Prompts


@dataclass
class UiContext:
    worker: DbWorker
    uow: UnitOfWork
    prompts: Prompts = field(default_factory=Prompts)
