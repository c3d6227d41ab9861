"""The vehicle's recommended work, offered in the ticket editor.

Jobs the customer declined or deferred on earlier tickets for the vehicle, newest first:
"Declined 2026-03-02: Timing belt, 890.00 (RO-12)", each with *Add to this ticket* and
*Dismiss…* (the customer does not want it, for good). Every button is reached with Tab.

On a saved ticket the box follows its work panel (``attach``): it offers the ticket's
own vehicle while the ticket is active, and an added job comes back as the ticket's
fresh detail, shown by the panel. On a new ticket it offers the vehicle chosen in the
form, and *Add* asks the editor (``wanted``) to save the ticket first.

The list is read again when the vehicle changes and after any write that touched a
ticket (here or, through live updates, at another desk).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.errors import DomainError
from mechanic_desktop.domain.jobs import JobStatus
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.services import recommendations
from mechanic_desktop.services.recommendations import Recommendation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.form import button
from mechanic_desktop.ui.dialogs.styles import ERROR_STYLE, NOTE_STYLE
from mechanic_desktop.ui.dialogs.ticket_work import TicketWorkPanel
from mechanic_desktop.ui.operations import alive

#: Most recommendations listed; older ones are in Reports → Follow-up calls.
SHOWN = 5


def offer_text(rec: Recommendation) -> str:
    """How one recommendation reads in the editor."""
    day = rec.decided_at.astimezone().strftime("%Y-%m-%d")
    return (f"{JobStatus(rec.status).label} {day}: {rec.title}, {money_text(rec.total)} "
            f"({rec.ticket_label})")


class RecommendationsBox(QGroupBox):
    """Open recommendations of one vehicle, each to add to this ticket or dismiss."""

    #: A new (unsaved) ticket: the user chose to add this recommended job (its id).
    wanted = Signal(int)
    #: The list shown changed (after a load): the offers now showing.
    shown = Signal(object)

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__("Recommended work on this vehicle", parent)
        self.ui = ui
        self.setObjectName("ticketRecommendations")
        self.setAccessibleName("Recommended work on this vehicle")
        self.work: TicketWorkPanel | None = None
        self.vehicle_id: int | None = None
        self.ticket_id: int | None = None
        self.active = True
        self.busy = False
        self.offers: list[Recommendation] = []
        self.may_add = self.may_dismiss = False
        self._pending: int | None = None
        self._generation = 0
        layout = QVBoxLayout(self)
        self.rows = QGridLayout()
        self.rows.setColumnStretch(0, 1)
        layout.addLayout(self.rows)
        self.more = QLabel(self)
        self.more.setObjectName("ticketRecommendationsMore")
        self.more.setStyleSheet(NOTE_STYLE)
        self.more.hide()
        layout.addWidget(self.more)
        self.message = QLabel(self)
        self.message.setObjectName("ticketRecommendationsNote")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(NOTE_STYLE)
        self.message.hide()
        layout.addWidget(self.message)
        self.add_buttons: dict[int, QWidget] = {}
        self.dismiss_buttons: dict[int, QWidget] = {}
        self.hide()
        ui.worker.changed.connect(alive(self, self._changes))

    # -- what to offer -------------------------------------------------------------------

    def attach(self, work: TicketWorkPanel) -> None:
        """Follow a saved ticket's work panel: its vehicle, and whether it is active."""
        self.work = work
        self.ticket_id = work.ticket_id
        work.loaded.connect(alive(self, self._ticket_loaded))

    def set_vehicle(self, vehicle_id: int | None) -> None:
        """A new ticket's vehicle as chosen in the form (a saved ticket's comes from its
        detail: what it is saved with)."""
        if self.work is None and vehicle_id != self.vehicle_id:
            self.vehicle_id = vehicle_id
            self._say("")
            self.reload()

    def _ticket_loaded(self, detail: TicketDetail) -> None:
        vehicle = detail.ticket.vehicle_id
        changed = vehicle != self.vehicle_id or detail.editable != self.active
        self.vehicle_id, self.active = vehicle, detail.editable
        if changed:
            self._say("")
            self.reload()

    def _changes(self, changes: Changes) -> None:
        if self.vehicle_id is not None and changes.touches("ticket"):
            self.reload()

    def reload(self) -> None:
        self._generation += 1
        generation, vehicle_id = self._generation, self.vehicle_id
        if vehicle_id is None or not self.active:
            self._show([])
            return
        self.ui.worker.read(
            lambda uow: recommendations.vehicle_recommendations(uow, vehicle_id),
            alive(self, lambda found: self._loaded(generation, found)),
            alive(self, lambda error: self._say(str(error), error=True)),
        )

    def _loaded(self, generation: int, found: list[Recommendation]) -> None:
        if generation != self._generation:
            return
        self._show(found)
        pending, self._pending = self._pending, None
        if pending is None:
            return
        if any(r.job_id == pending for r in self.offers):
            self.add(pending)
        else:
            self._say("That recommended job is no longer offered: it was added to another "
                      "ticket or dismissed at another desk.", error=True)

    def add_when_offered(self, job_id: int) -> None:
        """Add ``job_id`` once the offers have been read (the editor of a ticket just
        saved to take it, carrying on from the new-ticket form)."""
        self._pending = job_id

    def _show(self, found: list[Recommendation]) -> None:
        # This ticket's own declined jobs are decided on it (Approve…), not re-added.
        offers = [r for r in found if r.ticket_id != self.ticket_id]
        self.offers = offers
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.add_buttons, self.dismiss_buttons = {}, {}
        may_add = self.may_add = (self.ui.can(Action.EDIT_TICKETS)
                                  and self.ui.can(Action.ASSIGN_WORK))
        may_dismiss = self.may_dismiss = self.ui.can(Action.EDIT_TICKETS)
        role = self.ui.actor.role.label if self.ui.actor else "Your role"
        for row, rec in enumerate(offers[:SHOWN]):
            text = QLabel(offer_text(rec), self)
            text.setObjectName(f"recommendation{rec.job_id}")
            text.setWordWrap(True)
            if rec.concern and rec.concern != rec.title:
                text.setToolTip(rec.concern)
            add = button(self, "Add to this ticket", f"recommendationAdd{rec.job_id}")
            add.setAccessibleName(f"Add {rec.title} to this ticket")
            add.setToolTip(
                f"Add “{rec.title}” as a proposed job, with its parts at today's prices and "
                "its labour at today's rate" if may_add
                else f"{role}s cannot {Action.EDIT_TICKETS.value}.")
            add.setEnabled(may_add and not self.busy)
            add.clicked.connect(lambda _c=False, r=rec: self.add(r.job_id))
            dismiss = button(self, "Dismiss…", f"recommendationDismiss{rec.job_id}")
            dismiss.setAccessibleName(f"Dismiss {rec.title}")
            dismiss.setToolTip("The customer does not want it: stop recommending it"
                               if may_dismiss
                               else f"{role}s cannot {Action.EDIT_TICKETS.value}.")
            dismiss.setEnabled(may_dismiss and not self.busy)
            dismiss.clicked.connect(lambda _c=False, r=rec: self.dismiss(r))
            self.rows.addWidget(text, row, 0)
            self.rows.addWidget(add, row, 1)
            self.rows.addWidget(dismiss, row, 2)
            self.add_buttons[rec.job_id] = add
            self.dismiss_buttons[rec.job_id] = dismiss
        more = len(offers) - SHOWN
        self.more.setText(f"{more} older recommendation{'s' if more > 1 else ''}: see "
                          "Reports → Follow-up calls." if more > 0 else "")
        self.more.setVisible(more > 0)
        self.setVisible(bool(offers) or self.message.isVisibleTo(self))
        self.shown.emit(offers)

    def _say(self, text: str, *, error: bool = False) -> None:
        """A result or refusal under the offers (where the user just clicked)."""
        self.message.setStyleSheet(ERROR_STYLE if error else NOTE_STYLE)
        self.message.setText(text)
        self.message.setVisible(bool(text))
        if text:
            self.show()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in self.add_buttons.values():
            widget.setEnabled(not busy and self.may_add)
        for widget in self.dismiss_buttons.values():
            widget.setEnabled(not busy and self.may_dismiss)

    # -- acting on one -------------------------------------------------------------------

    def add(self, job_id: int) -> None:
        """Put the recommended job on this ticket (a new ticket is saved first)."""
        rec = next((r for r in self.offers if r.job_id == job_id), None)
        if rec is None or self.busy:
            return
        work = self.work
        if work is None:
            self.wanted.emit(job_id)
            return
        ticket_id, version = work.ticket_id, work.version
        if version is None:
            return
        self._set_busy(True)
        self._say("")
        self.ui.worker.write(
            lambda uow: recommendations.add_recommended_job(uow, ticket_id, job_id, version),
            alive(self, lambda detail: self._added(rec, detail)),
            alive(self, self._failed),
        )

    def _added(self, rec: Recommendation, detail: TicketDetail) -> None:
        self._set_busy(False)
        if self.work is not None:
            self.work.apply(detail)
            self.work.note.setText(f"Added “{rec.title}” (recommended on {rec.ticket_label}) "
                                   "as a proposed job: record the customer's decision on it.")
        self.reload()

    def _failed(self, error: BaseException) -> None:
        """Refused (taken up or dismissed at another desk, the ticket changed): the
        editor says why where it says everything else, and the list is read again."""
        self._set_busy(False)
        if self.work is not None:
            self.work.failed(error)
        else:
            self._say(str(error) if isinstance(error, DomainError)
                      else f"Could not save: {error}", error=True)
        self.reload()

    def dismiss(self, rec: Recommendation) -> None:
        if self.busy or not self.ui.prompts.confirm(
                self, "Dismiss recommendation",
                f"The customer does not want “{rec.title}” ({rec.ticket_label}) at all? It "
                "will no longer be offered on this vehicle's tickets or listed for "
                "follow-up calls.", "Dismiss"):
            return
        self._set_busy(True)
        self._say("")
        job_id = rec.job_id
        self.ui.worker.write(
            lambda uow: recommendations.dismiss_recommendation(uow, job_id),
            alive(self, lambda found: self._dismissed(rec, found)),
            alive(self, self._dismiss_failed),
        )

    def _dismissed(self, rec: Recommendation, found: list[Recommendation]) -> None:
        self._set_busy(False)
        self._generation += 1  # a reload still running must not bring it back
        self._show(found)
        self._say(f"“{rec.title}” dismissed: it is no longer recommended.")

    def _dismiss_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self._say(str(error) if isinstance(error, DomainError) else f"Could not save: {error}",
                  error=True)
        self.reload()

