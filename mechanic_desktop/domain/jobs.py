"""Jobs of a repair order and the customer's authorisation of them.

A ticket is an ordered list of jobs. Each starts *Proposed* (part of the estimate); the
customer's authorisation approves, declines or defers it. Only approved jobs are worked
on, take parts from the shelf and count in the ticket's totals; declined and deferred
jobs stay on the ticket as a record (and as the vehicle's recommended work).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum

from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.totals import TaxRules


class JobStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    DECLINED = "declined"
    DEFERRED = "deferred"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def counts(self) -> bool:
        """Whether the job's lines count in the ticket's totals and may take stock."""
        return self is JobStatus.APPROVED


#: Decisions an authorisation records (a job goes back to Proposed only by being re-added).
DECISIONS = (JobStatus.APPROVED, JobStatus.DECLINED, JobStatus.DEFERRED)


class AuthorisationMethod(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    EMAIL = "email"
    TEXT = "text"
    PAPER = "paper"

    @property
    def label(self) -> str:
        return _METHOD_LABELS[self]

    @property
    def contact_label(self) -> str:
        """What the 'reached at' field holds for this method (empty: none needed)."""
        return _CONTACT_LABELS[self]


_METHOD_LABELS = {
    AuthorisationMethod.IN_PERSON: "In person",
    AuthorisationMethod.PHONE: "Phone",
    AuthorisationMethod.EMAIL: "E-mail",
    AuthorisationMethod.TEXT: "Text message",
    AuthorisationMethod.PAPER: "Signed paper",
}

_CONTACT_LABELS = {
    AuthorisationMethod.IN_PERSON: "",
    AuthorisationMethod.PHONE: "Phone number",
    AuthorisationMethod.EMAIL: "E-mail address",
    AuthorisationMethod.TEXT: "Phone number",
    AuthorisationMethod.PAPER: "",
}


MAX_TITLE = 200
#: A job whose concern gives no first line to name it by.
DEFAULT_TITLE = "Work requested"


def title_from(concern: str) -> str:
    """A job's title from the customer's concern: its first line (or first clause),
    at most MAX_TITLE characters — as migration 0006 named the jobs it created."""
    line = concern.strip().splitlines()[0].strip() if concern.strip() else ""
    return line[:MAX_TITLE].strip() or DEFAULT_TITLE


def authorisation_needed(
    approved_total: Decimal, authorised_total: Decimal, tolerance: Decimal
) -> Decimal:
    """How much more the customer must authorise: the approved jobs' total past the
    latest authorisation, or 0 while the overrun is within the shop's tolerance."""
    over = approved_total - authorised_total
    return over if over > tolerance else Decimal("0.00")


def amount_after(detail: TicketDetail, decisions: Mapping[int, JobStatus | str],
                 rules: TaxRules) -> Decimal:
    """The approved jobs' total (with tax) once ``decisions`` are applied: the amount an
    authorisation covers. The dialog shows it; the service checks it again."""
    approved = {
        j.id for j in detail.jobs
        if JobStatus(decisions.get(j.id, j.status)) is JobStatus.APPROVED
    }
    return detail.totals_of(approved, rules).total
