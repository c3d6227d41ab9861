"""Controls follow the permission table: one call makes a button, field or menu action
offer only what the signed-in role may do (``domain.permissions``, the table the
services check).

``gate(control, ui, needs)`` enables the control when the role may do any of ``needs``;
when it may not, the control is disabled and its tooltip says why, in the words the
service would refuse it with ("Service writers cannot correct stock counts; ask an
administrator."), or it is hidden (``hide=True``: a pay rate a mechanic must not see).
The gate remembers the control's own tooltip, and decides again whenever someone signs
in or out (``DbWorker.actor_changed``). Something else that decides whether the control
is usable (a row chosen) is passed as ``ready``: call ``gate`` again when it changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QTableView, QWidget

from mechanic_desktop.domain.permissions import Action, allowed, refusal
from mechanic_desktop.ui.context import UiContext

Control = QWidget | QAction
Needs = Action | Collection[Action]


def reason(ui: UiContext, needs: Needs) -> str | None:
    """Why the signed-in role may not do ``needs`` (any one of them suffices); None
    when it may, or when nobody is signed in (tests and tools: everything is offered)."""
    wanted = (needs,) if isinstance(needs, Action) else tuple(needs)
    actor = ui.actor
    if actor is None or not wanted or any(allowed(actor.role, a) for a in wanted):
        return None
    return refusal(actor.role, wanted[0])


class _Gate(QObject):
    """Held by the control it gates (a child: it goes when the control goes, and its
    connection to the worker with it)."""

    def __init__(self, control: Control, ui: UiContext) -> None:
        super().__init__(control)
        self.setObjectName("permissionGate")
        self.control = control
        self.ui = ui
        self.tip = control.toolTip()
        #: The tooltip this gate last showed: any other one was set by the control's
        #: owner since, and becomes the tooltip shown when the role may.
        self.shown = self.tip
        self.needs: Needs = ()
        self.ready = True
        self.hide = False
        self.hidden_by_gate = False
        ui.worker.actor_changed.connect(self.apply)

    @Slot(object)
    def apply(self, _actor: object = None) -> None:
        control, why = self.control, reason(self.ui, self.needs)
        if control.toolTip() != self.shown:
            self.tip = control.toolTip()
        control.setEnabled(self.ready and why is None)
        self.shown = self.tip if why is None or self.hide else why
        control.setToolTip(self.shown)
        if self.hide and why is not None:
            control.setVisible(False)
            self.hidden_by_gate = True
        elif self.hidden_by_gate:
            control.setVisible(True)
            self.hidden_by_gate = False


def gate(control: Control, ui: UiContext, needs: Needs, *, ready: bool = True,
         hide: bool = False) -> bool:
    """Offer ``control`` only when the signed-in role may do (any of) ``needs`` and
    ``ready`` holds; returns whether the role may. Call it again with the same control
    to change ``ready`` (or ``needs``: a window action that follows the page showing)."""
    found = control.findChild(_Gate, "permissionGate",
                              Qt.FindChildOption.FindDirectChildrenOnly)
    keeper = found if isinstance(found, _Gate) else _Gate(control, ui)
    keeper.needs, keeper.ready, keeper.hide = needs, ready, hide
    keeper.apply()
    return reason(ui, needs) is None


def show_reasons(menu: QMenu) -> None:
    """Let a menu show its actions' tooltips: a disabled entry then says why."""
    menu.setToolTipsVisible(True)


class ColumnGate(QObject):
    """A table column shown only to roles that may do ``needs`` (a pay rate): hidden
    for the others, decided again at each sign-in. Call ``apply`` after restoring the
    header's saved state (it was saved by whoever sat here before)."""

    def __init__(self, view: QTableView, column: int, ui: UiContext, needs: Needs) -> None:
        super().__init__(view)
        self.setObjectName("permissionColumnGate")
        self._hide: Callable[[bool], None] = lambda hidden: view.setColumnHidden(column, hidden)
        self.ui, self.needs = ui, needs
        ui.worker.actor_changed.connect(self.apply)
        self.apply()

    @Slot(object)
    def apply(self, _actor: object = None) -> None:
        self._hide(reason(self.ui, self.needs) is not None)
