"""Where the data lives: a file on this computer, or a shared PostgreSQL server.

Reached from the sign-in dialog ("Change connection…") and File → Connection…. The
choice is remembered for the next start (unless --database-url or
MECHANIC_DATABASE_URL names a database); the password goes to the OS credential store.
"Test connection", "Create the shop database" and "Upgrade" are services.maintenance's
steps: signed in (File → Connection…), they run on the DB worker, so the service checks
the role and audits in the open shop; before sign-in, on a throwaway thread.

A stored password is never shown and goes only to the server, port, user and database
it was stored for (a changed field means no stored password, so nothing is sent that
was not typed). Who may change the connection is the caller's ``Authority``: an
administrator; anyone who types the server password again when no one can sign in (no
account yet, or the database cannot be reached); everyone else may only look and test.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.config import default_database_path
from mechanic_desktop.services import maintenance
from mechanic_desktop.services.maintenance import ProbeKind, ProbeResult, network_share_reason
from mechanic_desktop.ui.background import run_off_gui
from mechanic_desktop.ui.connection_settings import (
    SSL_MODES,
    ConnectionChoice,
    PasswordStore,
    load_choice,
    save_choice,
)
from mechanic_desktop.ui.dialogs.styles import ERROR_STYLE, NOTE_STYLE
from mechanic_desktop.ui.operations import DbWorker, alive

#: ``choose_file(parent, current_path) -> path or None``; tests answer without a dialog.
ChooseFile = Callable[[QWidget, str], str | None]
Probe = Callable[[str], ProbeResult]
#: A step of services.maintenance: (the open shop's unit of work, or None before
#: sign-in; the URL typed) -> what the server said.
Step = Callable[[maintenance.SignedIn, str], ProbeResult]

OK_STYLE = "color: #1b5e20;"
NO_KEYRING = ("No password store is available on this computer, so the password is kept "
              "only until Mechanic Desktop closes; you will be asked again next time.")
IN_KEYRING = "The password is kept in this computer's password store, not in a file."
STORED = "stored for this server"
STORED_HINT = f"{STORED}: leave empty to use it"
VIEW_ONLY = ("Only an administrator can change where the shop's data lives (signed in, "
             "File → Database connection…). You can still test this connection here.")
RETYPE_NOTE = ("No one can sign in to the database now, so you may change the connection by "
               "typing the server password again.")
RETYPE_NEEDED = "Type the server's password to change the connection."


class Authority(Enum):
    """Who is changing the connection, which decides what the dialog allows."""

    #: An administrator is signed in: may change everything.
    ADMIN = "admin"
    #: No account exists yet, or the database cannot be reached: may change it by typing
    #: the server password again (a stored one is not proof of anything).
    RETYPE = "retype"
    #: Anyone else (a clerk, the sign-in screen of a working database): look and test.
    VIEW = "view"


def choose_database_file(parent: QWidget, current: str) -> str | None:
    """Pick an existing shop file or name a new one."""
    path, _ = QFileDialog.getSaveFileName(
        parent, "Choose or create the shop's database file", current or str(
            default_database_path()), "Shop database (*.sqlite3 *.db);;All files (*)",
        options=QFileDialog.Option.DontConfirmOverwrite)
    return path or None


def _named(widget: QWidget, name: str, accessible: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


class ConnectionDialog(QDialog):
    """Edit, test and remember the connection; ``chosen_url`` is set once accepted."""

    #: A test (or create/upgrade) finished with this ``ProbeResult``.
    probed = Signal(object)

    def __init__(
        self,
        settings: QSettings,
        *,
        store: PasswordStore | None = None,
        choose_file: ChooseFile | None = None,
        can_upgrade: bool = False,
        authority: Authority = Authority.VIEW,
        run_probe: Probe | None = None,
        worker: DbWorker | None = None,
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.store = store or PasswordStore()
        self.choose_file = choose_file or choose_database_file
        self.can_upgrade = can_upgrade
        #: The open shop's DB worker when someone is signed in: the steps run there, so
        #: the service checks their role and audits. None before sign-in.
        self.worker = worker
        self.authority = authority
        self.saved = load_choice(settings)
        self.run_probe = run_probe
        self.chosen_url: str | None = None
        self.probe_result: ProbeResult | None = None
        self.busy = False
        self.keyring_available = self.store.available()
        self.setObjectName("connectionDialog")
        self.setWindowTitle("Database connection — Mechanic Desktop")
        self.setAccessibleName("Database connection")
        self.setMinimumWidth(560)
        choice = self.saved or ConnectionChoice(path=str(default_database_path()))

        layout = QVBoxLayout(self)
        heading = QLabel("Where is the shop's data?", self)
        heading.setObjectName("connectionHeading")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)
        if note:
            intro = QLabel(note, self)
            intro.setObjectName("connectionNote")
            intro.setWordWrap(True)
            intro.setStyleSheet(ERROR_STYLE)
            layout.addWidget(intro)
        if authority is not Authority.ADMIN:
            rights = QLabel(VIEW_ONLY if authority is Authority.VIEW else RETYPE_NOTE, self)
            rights.setObjectName("connectionAuthorityNote")
            rights.setWordWrap(True)
            layout.addWidget(rights)

        self.local_radio = QRadioButton("On &this computer — one workstation", self)
        _named(self.local_radio, "connectionLocal", "Local database file")
        self.shared_radio = QRadioButton("On a s&hared server (PostgreSQL) — several desks",
                                         self)
        _named(self.shared_radio, "connectionShared", "Shared server")
        group = QButtonGroup(self)
        group.addButton(self.local_radio)
        group.addButton(self.shared_radio)
        layout.addWidget(self.local_radio)
        layout.addWidget(self.shared_radio)

        # Two pages shown one at a time (hidden, not stacked: the dialog fits the one shown).
        self.local_page = self._local_page(choice)
        self.local_page.setObjectName("connectionLocalPage")
        self.shared_page = self._shared_page(choice)
        self.shared_page.setObjectName("connectionSharedPage")
        layout.addWidget(self.local_page)
        layout.addWidget(self.shared_page)

        self.result_label = QLabel(self)
        _named(self.result_label, "connectionResult", "Connection test result")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setMinimumHeight(self.fontMetrics().height() * 3)
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.result_label)

        actions = QHBoxLayout()
        self.test_button = self._button("&Test connection", "connectionTest", self.test)
        self.test_button.setToolTip("Connect once and say what, if anything, is wrong")
        self.create_button = self._button("&Create the shop database", "connectionCreate",
                                          self.create_shop_database)
        self.create_button.setToolTip("Create the database on the server and its tables "
                                      "(needs a server user allowed to create databases)")
        self.upgrade_button = self._button("&Upgrade its schema", "connectionUpgrade",
                                           self.upgrade_database)
        self.upgrade_button.setToolTip("Bring the database up to this version's schema")
        for widget in (self.test_button, self.create_button, self.upgrade_button):
            actions.addWidget(widget)
        actions.addStretch(1)
        self.create_button.hide()
        self.upgrade_button.hide()
        layout.addLayout(actions)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.use_button = buttons.addButton("&Use this connection",
                                            QDialogButtonBox.ButtonRole.AcceptRole)
        _named(self.use_button, "connectionUse", "Use this connection")
        self.use_button.setDefault(True)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        _named(cancel, "connectionCancel", "Cancel")
        buttons.accepted.connect(self.use)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        group.buttonToggled.connect(lambda *_: self._kind_changed())
        (self.shared_radio if choice.kind == "shared" else self.local_radio).setChecked(True)
        self._kind_changed()
        if authority is Authority.RETYPE and choice.kind == "shared":
            self.password.setFocus()  # what must be typed to change anything
        if authority is Authority.VIEW:
            fixed: tuple[QWidget, ...] = (
                self.local_radio, self.shared_radio, self.path, self.choose_button, self.host,
                self.port, self.database, self.user, self.password, self.sslmode,
                self.use_button)
            for field in fixed:
                field.setEnabled(False)
            self.use_button.hide()
            self._show_stored()

    # -- building ----------------------------------------------------------------------

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        _named(button, name, text.replace("&", ""))
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _local_page(self, choice: ConnectionChoice) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        row = QHBoxLayout()
        self.path = QLineEdit(choice.path or str(default_database_path()), page)
        _named(self.path, "connectionPath", "Database file")
        self.path.textEdited.connect(lambda _t: self._clear_result())
        row.addWidget(self.path, 1)
        self.choose_button = self._button("C&hoose…", "connectionChooseFile", self.choose)
        self.choose_button.setToolTip("Pick an existing shop file, or name a new one")
        row.addWidget(self.choose_button)
        caption = QLabel("&File:", page)
        caption.setBuddy(self.path)
        form.addRow(caption, row)
        hint = QLabel("Keep the file on this computer's own disk (not a network share). "
                      "A new file is created and set up when first opened.", page)
        hint.setObjectName("connectionLocalHint")
        hint.setWordWrap(True)
        hint.setStyleSheet(NOTE_STYLE)
        form.addRow(hint)
        return page

    def _shared_page(self, choice: ConnectionChoice) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.host = QLineEdit(choice.host, page)
        self.host.setPlaceholderText("server name or address, e.g. shop-server")
        self.port = QSpinBox(page)
        self.port.setRange(1, 65535)
        self.port.setValue(choice.port)
        self.port.setGroupSeparatorShown(False)
        self.database = QLineEdit(choice.database, page)
        self.user = QLineEdit(choice.user, page)
        # Never filled from the password store: a stored password is not shown, and is
        # sent only while the fields name the server it was stored for.
        self.password = QLineEdit(page)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.sslmode = QComboBox(page)
        self.sslmode.addItems(list(SSL_MODES))
        self.sslmode.setCurrentText(choice.sslmode)
        self.sslmode.setToolTip("automatic: always encrypt for a server on another machine "
                                "(require); verify-full: also check the server's certificate "
                                "and name; disable: only on a network you trust")
        fields: tuple[tuple[str, str, QWidget, str], ...] = (
            ("&Server:", "connectionHost", self.host, "Server"),
            ("P&ort:", "connectionPort", self.port, "Port"),
            ("&Database:", "connectionDatabase", self.database, "Database name"),
            ("U&ser:", "connectionUser", self.user, "Server user name"),
            ("&Password:", "connectionPassword", self.password, "Server password"),
            ("SS&L:", "connectionSslMode", self.sslmode, "SSL mode"),
        )
        for caption, name, widget, accessible in fields:
            _named(widget, name, accessible)
            label = QLabel(caption, page)
            label.setBuddy(widget)
            form.addRow(label, widget)
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(lambda _t: self._clear_result())
                widget.textChanged.connect(lambda _t: self._show_stored())
        self.port.valueChanged.connect(lambda _v: self._clear_result())
        self.port.valueChanged.connect(lambda _v: self._show_stored())
        self.keyring_note = QLabel(IN_KEYRING if self.keyring_available else NO_KEYRING, page)
        self.keyring_note.setObjectName("connectionKeyringNote")
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setStyleSheet(NOTE_STYLE if self.keyring_available
                                        else "color: #8a5a00;")
        form.addRow(self.keyring_note)
        return page

    # -- what is chosen ----------------------------------------------------------------

    @property
    def result_text(self) -> str:
        return self.result_label.text()

    def choice(self) -> ConnectionChoice:
        if self.local_radio.isChecked():
            return ConnectionChoice("local", path=self.path.text().strip())
        return ConnectionChoice(
            "shared", host=self.host.text().strip(), port=self.port.value(),
            database=self.database.text().strip(), user=self.user.text().strip(),
            sslmode=self.sslmode.currentText())

    def stored_password(self) -> str | None:
        """The stored password of exactly the server, port, user and database the fields
        name now (none for any other: it is never sent where it was not stored for)."""
        choice = self.choice()
        if choice.kind != "shared" or not choice.user:
            return None
        return self.store.get(choice.credential_key)

    def _show_stored(self) -> None:
        hint = "" if not self.stored_password() else (
            STORED_HINT if self.password.isEnabled() else STORED)
        self.password.setPlaceholderText(hint)

    def url(self) -> str:
        password = self.password.text() or self.stored_password()
        return self.choice().url(password).render_as_string(hide_password=False)

    def problem(self) -> str | None:
        """What must be fixed before this choice can be tested or used."""
        choice = self.choice()
        if choice.kind == "local":
            if not choice.path:
                return "Choose the database file."
            return network_share_reason(choice.path)
        if not choice.host:
            return "Enter the server's name or address."
        if not choice.database:
            return "Enter the database name."
        return None

    def _kind_changed(self) -> None:
        local = self.local_radio.isChecked()
        self.local_page.setVisible(local)
        self.shared_page.setVisible(not local)
        self._clear_result()
        self._show_stored()
        self.adjustSize()

    def _clear_result(self) -> None:
        self.probe_result = None
        self.result_label.setText("")
        self.create_button.hide()
        self.upgrade_button.hide()

    def _say(self, text: str, good: bool) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(OK_STYLE if good else ERROR_STYLE)

    def choose(self) -> None:
        path = self.choose_file(self, self.path.text())
        if path:
            self.path.setText(path)
            self._clear_result()
            reason = network_share_reason(path)
            if reason is not None:
                self._say(reason, False)

    # -- testing, creating, upgrading (off the GUI thread) ------------------------------

    def _set_busy(self, busy: bool, label: str = "") -> None:
        self.busy = busy
        for button in (self.test_button, self.create_button, self.upgrade_button):
            button.setEnabled(not busy)
        self.use_button.setEnabled(not busy and self.authority is not Authority.VIEW)
        self.test_button.setText("Testing…" if busy and label == "test" else "&Test connection")
        if busy:
            self._say({"test": "Connecting…", "create": "Creating the database…",
                       "upgrade": "Upgrading the schema…"}[label], True)

    def test(self) -> None:
        given = self.run_probe
        self._run("test", maintenance.probe_connection if given is None
                  else lambda _signed_in, url: given(url))

    def create_shop_database(self) -> None:
        self._run("create", maintenance.create_shop_database)

    def upgrade_database(self) -> None:
        self._run("upgrade", maintenance.upgrade_shop_schema)

    def _run(self, label: str, fn: Step) -> None:
        problem = self.problem()
        if problem is not None:
            self._say(problem, False)
            return
        if self.busy:
            return
        url = self.url()
        self._set_busy(True, label)

        def failed(error: BaseException) -> None:
            self._probed(ProbeResult(ProbeKind.OTHER, str(error)))

        if self.worker is None:  # before sign-in: a throwaway thread, nothing to audit in
            run_off_gui(self, lambda: fn(None, url), self._probed, failed)
        else:
            self.worker.write(lambda uow: fn(uow, url), alive(self, self._probed),
                              alive(self, failed))

    def _probed(self, result: ProbeResult) -> None:
        self._set_busy(False)
        self.probe_result = result
        text = result.sentence
        if result.kind is ProbeKind.SCHEMA_OLD and not self.can_upgrade:
            text += " Ask an administrator to upgrade it (File → Connection… → Upgrade)."
        self._say(text, result.usable)
        self.create_button.setVisible(result.kind is ProbeKind.NO_DATABASE
                                      and self.authority is not Authority.VIEW)
        self.upgrade_button.setVisible(result.kind is ProbeKind.SCHEMA_OLD and self.can_upgrade)
        self.probed.emit(result)

    # -- using it ----------------------------------------------------------------------

    def use(self) -> None:
        """Remember the choice (password to the credential store) and close."""
        problem = self.problem()
        if problem is not None:
            self._say(problem, False)
            return
        choice = self.choice()
        if self.authority is Authority.VIEW:
            self._say(VIEW_ONLY, False)
            return
        if (self.authority is Authority.RETYPE and choice != self.saved
                and choice.kind == "shared" and not self.password.text()):
            self._say(RETYPE_NEEDED, False)
            self.password.setFocus()
            return
        save_choice(self.settings, choice)
        if choice.kind == "shared" and choice.user and self.password.text():
            # An empty field keeps the stored password (of this very server, if any).
            self.keyring_available = self.store.set(choice.credential_key,
                                                    self.password.text())
        self.chosen_url = self.url()
        self.accept()

