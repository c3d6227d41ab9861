"""Moving a ticket along its lifecycle, from the Tickets page or from the ticket editor:
one wording for the buttons and the cancel question, one reopen dialog, one service call
(what it changed comes from the unit of work, as for every write).

The page acts on a list row, which holds no version, so it passes the status the row
showed (``seen_status``); the editor passes the version it read. The service refuses a
copy that is no longer current either way.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.services import workflow
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext

#: Button text for moving a ticket to each status (the lifecycle's verbs).
STATUS_VERBS = {
    TicketStatus.OPEN: "Back to estimate",
    TicketStatus.IN_PROGRESS: "Start work",
    TicketStatus.COMPLETED: "Complete",
    TicketStatus.CLOSED: "Invoice",
    TicketStatus.CANCELLED: "Cancel ticket…",
}
STATUS_TIPS = {
    TicketStatus.OPEN: "Work has not started after all: the ticket is an estimate again",
    TicketStatus.IN_PROGRESS: "A mechanic has started on the car",
    TicketStatus.COMPLETED: "The work is done; the lines become read-only",
    TicketStatus.CLOSED: "Invoice the customer as they collect the car: the ticket is Closed",
    TicketStatus.CANCELLED: "Stop the job; every part on it goes back to stock",
}

#: What each move needs (``domain.permissions``): the editor disables the others, saying
#: why, as the service would refuse them.
STATUS_NEEDS = {
    TicketStatus.OPEN: Action.SET_STATUS,
    TicketStatus.IN_PROGRESS: Action.SET_STATUS,
    TicketStatus.COMPLETED: Action.SET_STATUS,
    TicketStatus.CLOSED: Action.POST_INVOICES,
    TicketStatus.CANCELLED: Action.EDIT_TICKETS,
}


class ReasonDialog(QDialog):
    """Asks why a finished ticket is reopened (the answer goes into the audit trail)."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reopenDialog")
        self.setWindowTitle(f"Reopen ticket {label}")
        self.setAccessibleName(f"Reopen ticket {label}")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Ticket {label} goes back to In progress so its lines can change again. Its "
            "invoice may already be with the customer: say why it is reopened. A posted "
            "invoice is cancelled by a credit note (the reason is printed on it).", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("reopenReason")
        self.reason.setAccessibleName("Reason for reopening")
        self.reason.setPlaceholderText("e.g. customer came back: noise still there")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        layout.addWidget(self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.addButton("Reopen", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("reopenConfirm")
        self.ok_button.setAccessibleName("Reopen")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("reopenCancel")
        cancel.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(self._update)
        self._update()

    def text(self) -> str:
        return self.reason.toPlainText().strip()

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.text()))


def confirm_cancel(
    ui: UiContext, parent: QWidget, label: str, *, customer: str = "", pieces: int | None = None
) -> bool:
    """Cancelling is final and puts the ticket's parts back: ask first. ``pieces`` is how
    many go back, when the caller knows (the editor); a list row does not."""
    who = f" ({customer})" if customer else ""
    if pieces is None:
        back = " Every part on it goes back to stock."
    elif pieces:
        back = f" Its {pieces} part{'s' if pieces != 1 else ''} go back to stock."
    else:
        back = ""
    question = (f"Cancel ticket {label}{who}?{back} A cancelled ticket is final: open a new "
                "ticket to resume the work.")
    return ui.prompts.confirm(parent, f"Cancel ticket {label}", question, "Cancel ticket")


def ask_reopen_reason(parent: QWidget, label: str, then: Callable[[str], None]) -> ReasonDialog:
    """Open the reason dialog (window-modal); ``then(reason)`` runs if the user reopens."""
    dialog = ReasonDialog(label, parent.window())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: then(dialog.text()))
    dialog.open()
    return dialog


def status_job(
    ticket_id: int, status: TicketStatus, *,
    version: int | None = None, seen_status: str | None = None, on_account: bool = False,
) -> Operation[TicketDetail]:
    """The operation for a status move (see the module for ``version``/``seen_status``)."""
    return lambda uow: workflow.set_status(uow, ticket_id, status, version,
                                           seen_status=seen_status, on_account=on_account)


def reopen_job(
    ticket_id: int, reason: str, *,
    version: int | None = None, seen_status: str | None = None, credit_note: bool = True,
) -> Operation[TicketDetail]:
    """The operation for reopening, with its reason (the copy checked as above). A
    posted invoice is credited (``credit_note``): the reason dialog says so."""
    return lambda uow: workflow.reopen_ticket(uow, ticket_id, reason, version,
                                              seen_status=seen_status,
                                              credit_note=credit_note)


def moved_text(status: TicketStatus, label: str) -> str:
    """What the status bar or the editor's note says after a move."""
    return f"Ticket {label} is now {status.label.lower()}."


def reopened_text(label: str) -> str:
    return f"Ticket {label} is in progress again."
