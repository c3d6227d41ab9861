"""A sign-in session: who is at the keyboard, from the first dialog to Sign out.

Start-up asks the database (on the worker) whether it has any staff yet: if not, the
first administrator is created; otherwise the login dialog asks. A password set by an
administrator must be changed before the main window opens. The window's role decides
its areas; Sign out (or "Sign in as someone else" on the lock screen) closes it and asks
again. ``--user`` signs in without dialogs but with the same check — there is no way in
without a password.

The sign-in window shows before the database layer (the ORM, the models, the services)
and the main window's modules are imported: this module names them only where they are
used, and ``warm_up`` loads them while the person types (start-up time).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, TextIO

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QWidget

from mechanic_desktop.domain.errors import DomainError
from mechanic_desktop.domain.staff import Actor
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.login import LoginDialog
from mechanic_desktop.ui.idle_lock import idle_ms_for, idle_ms_from
from mechanic_desktop.ui.operations import alive

if TYPE_CHECKING:
    from mechanic_desktop.domain.records import ShopSettingsRecord
    from mechanic_desktop.services.auth import SignIn
    from mechanic_desktop.services.runner import UnitOfWork
    from mechanic_desktop.ui.idle_lock import IdleLock
    from mechanic_desktop.ui.main_window import MainWindow

LAST_USER_KEY = "session/last_user"
PASSWORD_ENV = "MECHANIC_PASSWORD"


class Session(QObject):
    """Drives the sign-in dialogs and the main window; ``finished(code)`` ends the app."""

    #: A main window was shown for a signed-in person.
    window_opened = Signal(object)
    #: The app should exit with this code (0: the user closed or cancelled; 2: --user failed).
    finished = Signal(int)
    #: Reopen the app on this database URL (a new connection chosen, or a restore done).
    reconnect_requested = Signal(str)
    #: A sign-in window (login, first run, forced password change) was shown.
    dialog_shown = Signal(object)

    def __init__(
        self,
        ui: UiContext,
        description: str,
        settings: QSettings | None = None,
        *,
        idle_ms: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ui = ui
        self.description = description
        self.settings = settings if settings is not None else QSettings()
        self.idle_ms = idle_ms if idle_ms is not None else idle_ms_from(self.settings)
        self.window: MainWindow | None = None
        self.idle: IdleLock | None = None
        #: The sign-in dialog showing (login, first run or forced password change).
        self.dialog: QDialog | None = None
        self.connection_dialog: QDialog | None = None
        self._signing_out = False
        ui.worker.rights_revoked.connect(self._rights_revoked)

    @property
    def actor(self) -> Actor | None:
        return self.ui.actor

    # -- interactive -------------------------------------------------------------------

    def start(self, first: bool | None = None) -> None:
        """Show the first-run dialog if the database has no staff yet (``first``, when
        the caller knows; else asked on the worker), otherwise the sign-in dialog."""
        if first is not None:
            self._ask(first)
            return
        self.ui.worker.read(_needs_first_admin, alive(self, self._ask),
                            alive(self, self._cannot_start))

    def _ask(self, first: bool) -> None:
        if first:
            self._show_first_run()
        else:
            self.show_login()

    def _cannot_start(self, error: BaseException) -> None:
        self.ui.prompts.inform(None, "Cannot open the database", str(error))
        self.finished.emit(2)

    def _show_first_run(self) -> None:
        from mechanic_desktop.services.auth import SignIn
        from mechanic_desktop.ui.dialogs.first_run import FirstRunDialog

        dialog = FirstRunDialog(self.ui, self.description)
        dialog.accepted.connect(
            lambda: self._first_signed_in(SignIn(dialog.actor, False)) if dialog.actor
            else None)
        dialog.rejected.connect(lambda: self.finished.emit(0))
        self._show_dialog(dialog)

    def _first_signed_in(self, sign_in: SignIn) -> None:
        """The first administrator is in: ask for the shop's details (skippable), then
        open the window."""
        from mechanic_desktop.services import shop

        self.ui.sign_in(sign_in.actor)
        self.settings.setValue(LAST_USER_KEY, sign_in.actor.username)
        self.ui.worker.read(shop.get_settings,
                            alive(self, lambda record: self._ask_shop(sign_in.actor, record)),
                            alive(self, lambda _error: self._open(sign_in.actor)))

    def _ask_shop(self, actor: Actor, record: ShopSettingsRecord) -> None:
        from mechanic_desktop.ui.dialogs.shop_details import ShopDetailsDialog

        dialog = ShopDetailsDialog(self.ui, record)
        dialog.finished.connect(lambda _result: self._open(actor))
        self._show_dialog(dialog)

    def _open(self, actor: Actor) -> None:
        self.open_window(actor)

    def show_login(self) -> None:
        last = str(self.settings.value(LAST_USER_KEY, "") or "")
        dialog = LoginDialog(self.ui, self.description, last,
                             open_connection=self._change_connection_from)
        dialog.accepted.connect(
            lambda: self._signed_in(dialog.sign_in) if dialog.sign_in else None)
        dialog.rejected.connect(lambda: self.finished.emit(0))
        self._show_dialog(dialog)

    def change_connection(self, parent: QWidget | None = None) -> QDialog:
        """The connection dialog over the sign-in dialog, to look at and test only: this
        database works and has accounts, so changing it is an administrator's (signed
        in, File → Database connection…)."""
        from mechanic_desktop.ui.dialogs.connection import Authority, ConnectionDialog

        dialog = ConnectionDialog(self.settings, authority=Authority.VIEW, parent=parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.reconnect_requested.emit(dialog.chosen_url) if dialog.chosen_url
            else None)
        self.connection_dialog = dialog
        dialog.open()
        return dialog

    def _change_connection_from(self, parent: QWidget) -> None:
        self.change_connection(parent)

    def _show_dialog(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(dialog.deleteLater)
        dialog.show()
        dialog.activateWindow()
        self.dialog_shown.emit(dialog)

    def _signed_in(self, sign_in: SignIn) -> None:
        actor = sign_in.actor
        self.ui.sign_in(actor)
        self.settings.setValue(LAST_USER_KEY, actor.username)
        if not sign_in.must_change_password:
            self.open_window(actor)
            return
        from mechanic_desktop.ui.dialogs.change_password import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.ui, actor, forced=True)
        dialog.accepted.connect(lambda: self.open_window(actor))
        dialog.rejected.connect(self._declined_new_password)
        self._show_dialog(dialog)

    def _declined_new_password(self) -> None:
        self.ui.sign_in(None)
        self.show_login()

    # -- non-interactive (--user) ------------------------------------------------------

    def start_with_password(
        self, username: str, password: str, out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        """Sign in without dialogs; a failure prints its reason and finishes with 2.

        Prints ``login_hash_ms N`` (the password check's time) so start-up benchmarks can
        leave the deliberately slow hash out of their figure.
        """
        hasher = self.ui.hasher
        stdout, stderr = out or sys.stdout, err or sys.stderr

        def check(uow: UnitOfWork) -> tuple[SignIn, float]:
            from mechanic_desktop.services import auth

            started = time.perf_counter()
            result = auth.login(uow, username, password, hasher=hasher)
            return result, (time.perf_counter() - started) * 1000

        def fail(reason: str) -> None:
            print(f"mechanic-desktop: {reason}", file=stderr, flush=True)
            self.finished.emit(2)

        def done(answer: tuple[SignIn, float]) -> None:
            sign_in, ms = answer
            print(f"login_hash_ms {ms:.0f}", file=stdout, flush=True)
            if sign_in.must_change_password:
                fail(f"The password of '{sign_in.actor.username}' was reset and must be "
                     "changed first: sign in once without --user.")
                return
            self.ui.sign_in(sign_in.actor)
            self.open_window(sign_in.actor)

        self.ui.worker.write(
            check,
            alive(self, done),
            alive(self, lambda error: fail(str(error) if isinstance(error, DomainError)
                                           else f"Cannot sign in: {error}")),
        )

    # -- the window --------------------------------------------------------------------

    def open_window(self, actor: Actor) -> MainWindow:
        from mechanic_desktop.ui.idle_lock import IdleLock
        from mechanic_desktop.ui.main_window import MainWindow

        self.dialog = None
        window = MainWindow(self.ui, self.description, self.settings, actor=actor)
        window.sign_out_requested.connect(self.sign_out)
        window.installEventFilter(self)
        self.window = window
        self.idle = IdleLock(window, self.ui, actor, idle_ms_for(self.idle_ms, actor))
        self.idle.switch_user.connect(self.sign_out)
        self.idle.signed_in_again.connect(self._reopen)
        window.show()
        self.window_opened.emit(window)
        return window

    def _rights_revoked(self, error: BaseException) -> None:
        """A service refused the signed-in account as deactivated or demoted: lock every
        window back to sign-in, saying why (the dialog that was refused says it too)."""
        if self.idle is not None:
            self.idle.lock(str(error))

    def _reopen(self, sign_in: SignIn) -> None:
        """Unlocked by an account whose role changed: its window (built for the old
        role) closes and one for the new role opens."""
        self._signing_out = True
        try:
            self._close_window()
        finally:
            self._signing_out = False
        self._signed_in(sign_in)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The window closed by its user (not by Sign out) ends the app."""
        if (watched is self.window and event.type() == QEvent.Type.Close
                and not self._signing_out):
            QTimer.singleShot(0, self._window_closed)
        return False

    def _window_closed(self) -> None:
        window = self.window
        if window is not None and not window.isVisible():
            self._drop_window()
            self.finished.emit(0)

    def sign_out(self) -> None:
        """Close the window (its dialogs too) and ask who is next."""
        if self.window is None:
            return
        self.show_login()  # first, so the app never has no window at all
        self._signing_out = True
        try:
            self._close_window()
        finally:
            self._signing_out = False
        self.ui.sign_in(None)

    def _close_window(self) -> None:
        window = self.window
        if self.idle is not None:
            self.idle.stop()
        if window is None:
            return
        for child in window.findChildren(QDialog):
            if child.isVisible():
                child.reject()  # ends any nested exec() before the window goes
        if window.isVisible():
            window.close()  # saves its settings
        self._drop_window()

    def _drop_window(self) -> None:
        window, self.window, self.idle = self.window, None, None
        if window is not None:
            window.removeEventFilter(self)
            window.deleteLater()

    def close(self) -> None:
        """Application shutdown: close whatever is open."""
        self._signing_out = True
        self._close_window()
        if self.dialog is not None:
            dialog, self.dialog = self.dialog, None
            if not shiboken6.isValid(dialog):
                return
            dialog.blockSignals(True)
            dialog.close()
            dialog.deleteLater()


def _needs_first_admin(uow: UnitOfWork) -> bool:
    from mechanic_desktop.services import auth

    return auth.needs_first_admin(uow)


def read_password(username: str, stdin: TextIO | None = None,
                  environ: MutableMapping[str, str] | None = None) -> str | None:
    """``--user``'s password: $MECHANIC_PASSWORD, else one line of standard input (not
    echoed when it is a terminal). None when neither gives one.

    The variable is removed from the environment once read, so no program the app
    starts (pg_dump, a PDF viewer) inherits the password.
    """
    env = os.environ if environ is None else environ
    if PASSWORD_ENV in env:
        return env.pop(PASSWORD_ENV) or None
    source = stdin or sys.stdin
    if source is None:
        return None
    if source.isatty():
        import getpass

        try:
            return getpass.getpass(f"Password for {username}: ", stream=sys.stderr) or None
        except EOFError:
            return None
    line = source.readline()
    return line.rstrip("\r\n") or None
