"""Lock after idle: when nobody has touched the keyboard or mouse for a while, every
window of the app is hidden behind a lock screen that asks the signed-in person's
password again.

Open editors are hidden, not closed (closing them would lose what was typed), and come
back as they were on unlock; a question box that was open is answered Cancel, so
nothing is done behind the lock. The lock screen is application-modal, so nothing can
be used until the password is given. The password is checked by ``services.auth.login``
on the DB worker, with the same lockout rules as signing in; that also re-reads the
account, so a role changed meanwhile reopens the window for the new role and a
deactivated account stays locked.

The same lock, with the reason, covers the app when a service refuses the account as
deactivated or demoted (``RightsRevoked``). The idle time comes from the workstation's
settings; only an administrator's session may lengthen it past the default or switch it
off (``idle_ms_for``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.errors import DomainError
from mechanic_desktop.domain.permissions import Action, allowed
from mechanic_desktop.domain.staff import Actor
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.passwords import password_edit
from mechanic_desktop.ui.dialogs.styles import ERROR_STYLE
from mechanic_desktop.ui.operations import alive

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from mechanic_desktop.services.auth import SignIn
    from mechanic_desktop.services.runner import UnitOfWork

SETTINGS_KEY = "security/idle_lock_minutes"
DEFAULT_MINUTES = 15

#: What counts as someone at the keyboard.
INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
    QEvent.Type.TabletPress,
})


def _login(uow: UnitOfWork, username: str, password: str, hasher: PasswordHasher) -> SignIn:
    """``auth.login``, imported on the DB worker where it runs (see ``services.runner``)."""
    from mechanic_desktop.services import auth

    return auth.login(uow, username, password, hasher=hasher)


def idle_ms_from(settings: QSettings) -> int:
    """The idle time from settings, in milliseconds (0: never lock)."""
    raw = settings.value(SETTINGS_KEY, DEFAULT_MINUTES)
    try:
        minutes = float(str(raw))
    except ValueError:
        minutes = DEFAULT_MINUTES
    return max(0, int(minutes * 60_000))


def idle_ms_for(idle_ms: int, actor: Actor) -> int:
    """The idle time that applies to ``actor``'s session: the workstation's setting, but
    for anyone who may not change the shop's settings never off and never longer than
    the default (the settings file is theirs to edit; the shop's lock is not)."""
    if allowed(actor.role, Action.EDIT_SETTINGS):
        return idle_ms
    longest = DEFAULT_MINUTES * 60_000
    return longest if idle_ms <= 0 else min(idle_ms, longest)


class LockScreen(QDialog):
    """Covers the main window; only the right password (or signing out) removes it."""

    unlocked = Signal()
    switch_user = Signal()
    #: The password was right but the account's role changed: carries the new SignIn.
    changed = Signal(object)

    def __init__(self, ui: UiContext, actor: Actor, minutes: float,
                 parent: QWidget | None = None, reason: str | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.ui = ui
        self.actor = actor
        self._busy = False
        self._closing = False
        self.setObjectName("lockScreen")
        self.setAccessibleName("Locked")
        self.setWindowTitle("Mechanic Desktop is locked")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setAutoFillBackground(True)
        self.setStyleSheet("QDialog#lockScreen { background: palette(window); }")

        outer = QVBoxLayout(self)
        outer.addStretch(2)
        card = QFrame(self)
        card.setObjectName("lockCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setFixedWidth(440)  # a known width lets the wrapped text get its height
        column = QVBoxLayout(card)
        column.setContentsMargins(24, 20, 24, 20)
        column.setSpacing(8)
        top = QHBoxLayout()
        icon = QLabel(card)
        # Imported here: the first import of QStyle makes all of its enums (~30 ms), and
        # this module loads before the sign-in window shows (``session``).
        from PySide6.QtWidgets import QStyle

        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxInformation).pixmap(32, 32))
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        heading = QLabel("Locked", card)
        heading.setObjectName("lockHeading")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        top.addWidget(heading, 1)
        column.addLayout(top)
        after = f"{minutes:g} minutes" if minutes >= 1 else "a while"
        text = reason or (
            f"Mechanic Desktop was locked after {after} without use. "
            f"{actor.full_name} ({actor.username}) is still signed in; their open windows "
            "are kept.")
        self.reason = QLabel(text, card)
        self.reason.setObjectName("lockReason")
        self.reason.setWordWrap(True)
        column.addWidget(self.reason)
        caption = QLabel(f"&Password for {actor.username}:", card)
        column.addWidget(caption)
        self.password = password_edit(card)
        self.password.setObjectName("lockPassword")
        self.password.setAccessibleName("Password")
        caption.setBuddy(self.password)
        self.password.textChanged.connect(self._update)
        self.password.returnPressed.connect(self.submit)
        column.addWidget(self.password)
        self.error = QLabel(card)
        self.error.setObjectName("lockError")
        self.error.setAccessibleName("Unlock problem")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        column.addWidget(self.error)
        buttons = QHBoxLayout()
        self.switch_button = QPushButton("Sign in as someone else", card)
        self.switch_button.setObjectName("lockSwitchUser")
        self.switch_button.setAccessibleName("Sign in as someone else")
        self.switch_button.setAutoDefault(False)
        self.switch_button.setToolTip(
            f"Close {actor.full_name}'s window (unsaved changes in it are lost) and sign in")
        self.switch_button.clicked.connect(self.switch_user.emit)
        self.unlock_button = QPushButton("&Unlock", card)
        self.unlock_button.setObjectName("lockUnlock")
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.submit)
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        column.addLayout(buttons)
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addWidget(card)
        middle.addStretch(1)
        outer.addLayout(middle)
        outer.addStretch(3)
        self._update()

    @property
    def error_text(self) -> str:
        return "" if self.error.isHidden() else self.error.text()

    def cover(self, window: QWidget) -> None:
        self.setGeometry(window.geometry())

    def _update(self) -> None:
        self.unlock_button.setEnabled(bool(self.password.text()) and not self._busy)

    def submit(self) -> None:
        if not self.unlock_button.isEnabled():
            return
        hasher = self.ui.hasher
        username, password = self.actor.username, self.password.text()
        self._busy = True
        self._update()
        self.unlock_button.setText("Checking…")
        self.ui.worker.write(
            lambda uow: _login(uow, username, password, hasher),
            alive(self, self._checked), alive(self, self._failed),
        )

    def _checked(self, result: SignIn) -> None:
        self._busy = False
        if result.actor.id != self.actor.id:  # cannot happen: same user name, same account
            self._failed(RuntimeError("that password belongs to another account"))
            return
        fresh = result.actor
        if (fresh.role, fresh.mechanic_id) != (self.actor.role, self.actor.mechanic_id):
            self.changed.emit(result)  # the window was built for the old role
            return
        self.unlocked.emit()
        self.release()

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.unlock_button.setText("&Unlock")
        self.error.setText(str(error) if isinstance(error, DomainError)
                           else f"Could not check the password: {error}")
        self.error.show()
        self.password.clear()
        self.password.setFocus()
        self._update()

    def release(self) -> None:
        """Take the screen away (unlocked, or the window is closing)."""
        self._closing = True
        self.done(QDialog.DialogCode.Accepted)

    def reject(self) -> None:
        """Escape does not unlock."""
        if self._closing:
            super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing:
            event.ignore()
            return
        super().closeEvent(event)


class IdleLock(QObject):
    """Watches the whole application's input and locks ``window`` after ``idle_ms``."""

    locked = Signal()
    unlocked = Signal()
    #: "Sign in as someone else" on the lock screen.
    switch_user = Signal()
    #: Unlocked by an account whose role changed since sign-in: carries its SignIn.
    signed_in_again = Signal(object)

    def __init__(self, window: QWidget, ui: UiContext, actor: Actor, idle_ms: int) -> None:
        super().__init__(window)
        self.window = window
        self.ui = ui
        self.actor = actor
        self.idle_ms = idle_ms
        self.screen: LockScreen | None = None
        #: The app's windows the lock hid, shown again on unlock.
        self._hidden: list[QWidget] = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.lock)
        self._app = QApplication.instance()
        if self._app is not None:  # also watches for windows opening while locked
            self._app.installEventFilter(self)
            window.installEventFilter(self)
        if idle_ms > 0 and self._app is not None:
            self.timer.setInterval(idle_ms)
            self.timer.start()

    @property
    def is_locked(self) -> bool:
        return self.screen is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if self.screen is None:
            if kind in INPUT_EVENTS and self.idle_ms > 0:
                self.timer.start()  # restarts the countdown
        elif watched is self.window and kind in (QEvent.Type.Move, QEvent.Type.Resize):
            self.screen.cover(self.window)
        elif (kind == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow()
              and watched is not self.screen):
            QTimer.singleShot(0, lambda w=watched: self._hide_late(w))
        return False

    def lock(self, reason: str | None = None) -> None:
        """Hide every window of the app behind the lock screen (``reason``: why, when it
        is not idleness). Locking again while locked only updates the reason."""
        if self.screen is not None:
            if reason:
                self.screen.reason.setText(reason)
            return
        if not self.window.isVisible():
            return
        self.timer.stop()
        screen = LockScreen(self.ui, self.actor, self.idle_ms / 60_000, reason=reason)
        screen.unlocked.connect(self._unlocked)
        screen.switch_user.connect(self.switch_user.emit)
        screen.changed.connect(self.signed_in_again.emit)
        self.screen = screen
        screen.cover(self.window)
        self._hide_windows(screen)
        screen.show()
        screen.activateWindow()
        screen.password.setFocus()
        self.locked.emit()

    def _hide_windows(self, screen: QWidget) -> None:
        """Hide every visible top-level window but the lock screen; a message box (its
        question unanswered) is closed as Cancel rather than kept for later."""
        for widget in QApplication.topLevelWidgets():
            if widget is not screen and widget.isVisible():
                self._hide(widget)
        # Shown again main window first, so its editors come back above it.
        self._hidden.sort(key=lambda w: w is not self.window)

    def _hide(self, widget: QWidget) -> None:
        if isinstance(widget, QMessageBox):
            widget.reject()
            return
        widget.hide()
        if widget.windowType() not in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
            self._hidden.append(widget)

    def _hide_late(self, widget: QWidget) -> None:
        """A window that opened while locked (e.g. an editor whose data arrived after the
        lock) is hidden with the others."""
        if self.screen is not None and shiboken6.isValid(widget) and widget.isVisible():
            self._hide(widget)

    def _show_windows(self) -> None:
        hidden, self._hidden = self._hidden, []
        for widget in hidden:  # in the order they were: the main window first
            if shiboken6.isValid(widget):
                widget.show()

    def _unlocked(self) -> None:
        screen, self.screen = self.screen, None
        self._show_windows()
        if screen is not None:
            screen.deleteLater()
        self.timer.start()
        self.unlocked.emit()

    def stop(self) -> None:
        """Stop watching (signing out, closing): the lock screen goes too."""
        self.timer.stop()
        if self._app is not None:
            self._app.removeEventFilter(self)
        self._hidden = []  # the windows close with the session; none comes back
        if self.screen is not None:
            screen, self.screen = self.screen, None
            screen.release()
            screen.deleteLater()
