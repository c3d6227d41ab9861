"""Sign in: user name and password, checked by ``services.auth.login`` on the DB worker
(argon2id is slow on purpose). A wrong name and a wrong password read the same; a
locked account says when to try again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.errors import DomainError
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.passwords import password_edit
from mechanic_desktop.ui.dialogs.styles import ERROR_STYLE, NOTE_STYLE, escaped
from mechanic_desktop.ui.operations import alive

if TYPE_CHECKING:
    from mechanic_desktop.services.auth import SignIn
    from mechanic_desktop.services.runner import UnitOfWork

CHANGE_CONNECTION = (
    "Mechanic Desktop opens the database named on its command line (--database-url), or "
    "in the MECHANIC_DATABASE_URL environment variable, or else the connection chosen "
    "with Change connection…, or its own file on this computer."
)
#: ``open_connection(parent)``: show the connection dialog (the session decides what a
#: new choice means: reopening the app on it).
OpenConnection = Callable[[QWidget], None]


class LoginDialog(QDialog):
    """Asks who is at the keyboard; ``sign_in`` holds the result once accepted."""

    def __init__(
        self, ui: UiContext, description: str, username: str = "",
        parent: QWidget | None = None, open_connection: OpenConnection | None = None,
    ) -> None:
        super().__init__(parent)
        self.ui = ui
        self.open_connection = open_connection
        self.sign_in: SignIn | None = None
        self._busy = False
        self.setObjectName("loginDialog")
        self.setWindowTitle("Sign in — Mechanic Desktop")
        self.setAccessibleName("Sign in")
        self.setMinimumWidth(440)

        layout = QVBoxLayout(self)
        heading = QLabel("Sign in to Mechanic Desktop", self)
        heading.setObjectName("loginHeading")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)

        where = QHBoxLayout()
        self.database = QLabel(f"Database: {escaped(description)}", self)
        self.database.setObjectName("loginDatabase")
        self.database.setAccessibleName("Database")
        self.database.setStyleSheet(NOTE_STYLE)
        self.database.setWordWrap(True)
        self.database.setToolTip(description)
        where.addWidget(self.database, 1)
        self.change_connection = QPushButton("Change connection…", self)
        self.change_connection.setObjectName("loginChangeConnection")
        self.change_connection.setAccessibleName("Change connection")
        self.change_connection.setFlat(True)
        self.change_connection.setAutoDefault(False)
        self.change_connection.setCursor(Qt.CursorShape.PointingHandCursor)
        self.change_connection.setStyleSheet("QPushButton { color: palette(link); "
                                             "text-decoration: underline; border: none; }")
        self.change_connection.clicked.connect(self._explain_connection)
        where.addWidget(self.change_connection, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(where)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.username = QLineEdit(username, self)
        self.username.setObjectName("loginUsername")
        self.username.setAccessibleName("User name")
        self.username.setMaxLength(60)
        self.password = password_edit(self)
        self.password.setObjectName("loginPassword")
        self.password.setAccessibleName("Password")
        for caption, edit in (("&User name:", self.username), ("&Password:", self.password)):
            buddy = QLabel(caption, self)
            buddy.setBuddy(edit)
            form.addRow(buddy, edit)
            edit.textChanged.connect(self._update)
        layout.addLayout(form)

        self.error = QLabel(self)
        self.error.setObjectName("loginError")
        self.error.setAccessibleName("Sign-in problem")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        layout.addStretch(1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.sign_in_button = buttons.addButton("&Sign in",
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setObjectName("loginSignIn")
        self.sign_in_button.setAccessibleName("Sign in")
        self.sign_in_button.setDefault(True)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("loginCancel")
        cancel.setAccessibleName("Cancel")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()
        self._update()

    @property
    def error_text(self) -> str:
        return "" if self.error.isHidden() else self.error.text()

    def _update(self) -> None:
        ready = bool(self.username.text().strip() and self.password.text())
        self.sign_in_button.setEnabled(ready and not self._busy)

    def _explain_connection(self) -> None:
        if self.open_connection is not None:
            self.open_connection(self)
        else:
            self.ui.prompts.inform(self, "Change connection", CHANGE_CONNECTION)

    def submit(self) -> None:
        """Check the password on the worker; the dialog stays responsive meanwhile."""
        self._update()
        if not self.sign_in_button.isEnabled():
            return
        hasher = self.ui.hasher
        name, password = self.username.text(), self.password.text()
        self._busy = True
        self._update()
        self.sign_in_button.setText("Signing in…")
        self.error.hide()
        def check(uow: UnitOfWork) -> SignIn:
            # Imported here, on the DB worker: the window shows before the database
            # layer has loaded (start-up time).
            from mechanic_desktop.services import auth

            return auth.login(uow, name, password, hasher=hasher)

        self.ui.worker.write(
            check,
            alive(self, self._signed_in),
            alive(self, self._failed),
        )

    def _signed_in(self, result: SignIn) -> None:
        self._busy = False
        self.sign_in = result
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.sign_in_button.setText("&Sign in")
        text = str(error) if isinstance(error, DomainError) else f"Could not sign in: {error}"
        self.error.setText(text)
        self.error.show()
        self.password.clear()
        self.password.setFocus()
        self._update()
        self.adjustSize()
