"""The editor dialog every area shares: fields with their own error line, a Save button
enabled only when the form is locally valid, and saving on the DB worker.

A service's ``ValidationError`` lands next to the field it names (the keys are the
service dataclasses' field names); anything else shows in a banner at the top. The
dialog stays open and keeps what was typed until a save succeeds.

Shared databases: when another desk changes the record being edited, a notice bar says
who and when, with a Reload button; what the user typed stays until they press it.

Nothing typed is lost by a slip: Escape, Cancel or the window's close button on a form
the user has changed asks "Discard changes?" (Save / Discard / Keep editing); on an
untouched form they just close. "Changed" means changed by the user — a field edited
while it has the keyboard focus, a box ticked, or what a subclass reports with
``mark_changed`` (a basket, a crew) — never values the dialog filled in itself.
Tables inside a dialog (e.g. stock to choose from) follow changes to what they list.

Keyboard: the dialog opens with focus on its first input (never on a button: a Space
typed into a name must not press Cancel), Cancel takes no keyboard focus (Escape
cancels), Save is the default button, and Return while Save is disabled shows every
field's problem and moves to the first one instead of doing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.errors import DomainError, StaleRecord, ValidationError
from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.validation import MAX_PHONE
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.styles import BASE_STYLE, ERROR_STYLE
from mechanic_desktop.ui.operations import alive
from mechanic_desktop.ui.permission_gate import Needs, gate

Validator = Callable[[], str | None]



#: The entity an editor with this prefix edits, when its record is ``self.existing``.
ENTITY_OF_PREFIX = {"customer": "customer", "vehicle": "vehicle", "mechanic": "mechanic",
                    "part": "part", "ticket": "ticket", "staff": "staff", "shop": "settings"}


def object_name(prefix: str, field: str) -> str:
    """``customer`` + ``phone`` → ``customerPhone``; ``odometer_in`` → ``OdometerIn``."""
    return prefix + "".join(part.capitalize() for part in field.split("_"))


@dataclass
class FormField:
    name: str
    widget: QWidget
    error: QLabel
    validate: Validator | None
    #: How a record's value reads in the field, when not the default (money: 2 places).
    shown: Callable[[Any], str] | None = None
    touched: bool = False
    server_error: str | None = None


def text_of(widget: QWidget) -> str:
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    raise TypeError(f"no text in {type(widget).__name__}")


class EditorDialog(QDialog):
    """Base of every editor: subclasses add fields and say what saving runs."""

    #: The record the service returned after a successful save.
    saved = Signal(object)
    #: What saving needs (``domain.permissions``): a role that may not finds Save
    #: disabled, its tooltip saying why. Empty: the subclass decides.
    needs: Needs = ()

    def __init__(self, ui: UiContext, prefix: str, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ui = ui
        self.prefix = prefix
        self.record: Any = None
        self._fields: dict[str, FormField] = {}
        self._saving = False
        self._save_label = "Save"
        #: The user changed something since the form was filled (see ``mark_changed``).
        self.changed_by_user = False
        #: What to do after a save that keeps the dialog open (``save_first``).
        self._then: Callable[[Any], None] | None = None
        self._opened = False
        self.setWindowTitle(title)
        self.setObjectName(f"{prefix}Dialog")
        self.setAccessibleName(title)
        self.setMinimumWidth(520)

        self.layout_ = QVBoxLayout(self)
        self._make_notice(prefix)
        self.banner = QLabel(self)
        self.banner.setObjectName(f"{prefix}Banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "QLabel { background: #fdecea; color: #7f1d1d; border: 1px solid #f5c2c0;"
            " border-radius: 4px; padding: 6px; }"
        )
        self.banner.hide()
        self.layout_.addWidget(self.banner)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.layout_.addLayout(self.form)
        self.extra = QVBoxLayout()
        self.layout_.addLayout(self.extra, 1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName(f"{prefix}Save")
        self.save_button.setAccessibleName("Save")
        self.save_button.setDefault(True)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName(f"{prefix}Cancel")
        cancel.setAccessibleName("Cancel")
        cancel.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space never cancels; Escape does
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.layout_.addWidget(self.buttons)
        ui.worker.changed.connect(alive(self, self.on_changes))

    # -- keyboard ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """On first showing, put the focus on the first input unless a subclass chose."""
        super().showEvent(event)
        if self._opened:
            return
        self._opened = True
        focused = self.focusWidget()
        if focused is None or isinstance(focused, QAbstractButton):
            first = first_input(self)
            if first is not None:
                first.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self._saving
                and not self.save_button.isEnabled()):
            self.show_what_is_missing()
            event.accept()
            return
        super().keyPressEvent(event)

    def show_what_is_missing(self) -> None:
        """Every field's problem, also of fields not typed in yet; focus on the first."""
        for field in self._fields.values():
            field.touched = True
        self.revalidate()
        first = next((f for f in self._fields.values() if not f.error.isHidden()), None)
        if first is not None:
            first.widget.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- changes made elsewhere ---------------------------------------------------------

    def _make_notice(self, prefix: str) -> None:
        self.notice = QFrame(self)
        self.notice.setObjectName(f"{prefix}ChangedNotice")
        self.notice.setAccessibleName("Changed elsewhere")
        self.notice.setStyleSheet(
            "QFrame { background: #fff4d6; border: 1px solid #e8c66a; border-radius: 4px; }"
            " QLabel { border: none; color: #5c4300; }")
        row = QHBoxLayout(self.notice)
        row.setContentsMargins(8, 4, 4, 4)
        self.notice_label = QLabel(self.notice)
        self.notice_label.setObjectName(f"{prefix}ChangedNoticeText")
        self.notice_label.setWordWrap(True)
        row.addWidget(self.notice_label, 1)
        self.reload_button = QPushButton("&Reload", self.notice)
        self.reload_button.setObjectName(f"{prefix}Reload")
        self.reload_button.setAccessibleName("Reload")
        self.reload_button.setToolTip("Show the record as it is now (replaces what you typed)")
        self.reload_button.setAutoDefault(False)
        self.reload_button.clicked.connect(lambda _checked=False: self.reload_record())
        row.addWidget(self.reload_button)
        self.notice.hide()
        self.layout_.addWidget(self.notice)

    def watched_record(self) -> tuple[str, int] | None:
        """Which record this form edits: (entity, id), or None for a new one.

        By default the dialog's ``existing`` record (entity from the prefix), or the
        ticket of a ticket-lines dialog; a subclass may say otherwise.
        """
        ticket_id = getattr(self, "ticket_id", None)
        if isinstance(ticket_id, int):
            return "ticket", ticket_id
        entity = ENTITY_OF_PREFIX.get(self.prefix)
        record_id = getattr(getattr(self, "existing", None), "id", None)
        if entity is None or not isinstance(record_id, int):
            return None
        return entity, record_id

    @property
    def notice_text(self) -> str:
        return "" if self.notice.isHidden() else self.notice_label.text()

    def on_changes(self, changes: Changes) -> None:
        """Refresh tables listing what changed; tell about another desk's change to the
        record being edited (never about this app's own saves)."""
        # Imported here: the sign-in window (a form) shows before the table models load.
        from mechanic_desktop.ui.models.paged_model import PagedTableModel

        for model in self.findChildren(PagedTableModel):
            if changes.touches(model.spec.entity) and not model.refresh_changed(changes):
                model.refresh()
        watched = self.watched_record()
        if watched is None or not changes.remote or self._saving:
            return
        if changes.touches_record(*watched):
            self.show_changed_notice(changes.by)

    def show_changed_notice(self, by: str | None) -> None:
        at = datetime.now().strftime("%H:%M")
        who = f"by {by} " if by else ("elsewhere " if by is None else "")
        self.notice_label.setText(
            f"Changed {who}at {at} — Reload to see it (your typing is kept until then)."
            if by else f"This record may have changed elsewhere (at {at}) — Reload to see "
            "it (your typing is kept until then).")
        self.notice.show()
        self._fit_height()

    def reload_record(self) -> None:
        """Read the record again and show it (the user asked: their typing goes)."""
        watched = self.watched_record()
        fetch = _fetcher(watched[0]) if watched is not None else None
        if watched is None or fetch is None:
            self.notice.hide()
            return
        record_id = watched[1]
        self.reload_button.setEnabled(False)
        self.ui.worker.read(lambda uow: fetch(uow, record_id), alive(self, self._reloaded_record),
                            alive(self, self._reload_failed))

    def _reloaded_record(self, record: Any) -> None:
        self.reload_button.setEnabled(True)
        self.notice.hide()
        self._set_banner("")  # a failed save's message was about the old values
        self.apply_record(record)
        self.changed_by_user = False  # the user asked for the stored record

    def _reload_failed(self, error: BaseException) -> None:
        self.reload_button.setEnabled(True)
        self._set_banner(f"Could not reload: {error}")

    @staticmethod
    def title_of(record: Any) -> str | None:
        """The window title while editing ``record`` (None: it does not depend on it)."""
        return None

    def apply_record(self, record: Any) -> None:
        """Show a freshly read ``record``: it becomes the one saved against (its version),
        the title follows it, and fields named like its attributes take its values (a
        combo box the item holding it as data). Override for fields named otherwise."""
        self.existing = record
        title = self.title_of(record)
        if title is not None:
            self.setWindowTitle(title)
            self.setAccessibleName(title)
        for field in self._fields.values():
            if not hasattr(record, field.name):
                continue
            value = getattr(record, field.name)
            widget = field.widget
            if isinstance(widget, QCheckBox) and isinstance(value, bool):
                widget.setChecked(value)
                continue
            if isinstance(widget, QComboBox):  # not listed (yet): none, never a stale one
                widget.setCurrentIndex(widget.findData(value))
                continue
            shown = ("" if value is None else field.shown(value) if field.shown is not None
                     else f"{value:.2f}" if isinstance(value, Decimal) else str(value))
            if isinstance(widget, QLineEdit):
                widget.setText(shown)
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(shown)
            elif isinstance(widget, QLabel) and isinstance(value, int):
                rest = widget.text().partition(" ")[2]  # "12 (changes through …)"
                widget.setText(f"{value:,} {rest}".rstrip())
            field.server_error = None
        self.revalidate()

    # -- building ----------------------------------------------------------------------

    def add_field(
        self,
        name: str,
        label: str,
        widget: QWidget,
        validate: Validator | None = None,
        *,
        note: QLabel | None = None,
        shown: Callable[[Any], str] | None = None,
    ) -> QWidget:
        """Add ``widget`` under ``label`` with an error line below it (and an optional
        note, e.g. what a VIN decodes to). ``shown`` formats a record's value for it."""
        widget.setObjectName(object_name(self.prefix, name))
        widget.setAccessibleName(label.rstrip(":").replace("&", ""))
        box = QWidget(self)
        if widget.minimumHeight() == widget.maximumHeight():
            # A fixed-height field (e.g. an address box) must not take spare height: it
            # would sit in a gap, apart from its label, once an error line or notice goes.
            box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        if note is not None:
            note.setObjectName(object_name(self.prefix, name) + "Note")
            note.setWordWrap(True)
            column.addWidget(note)
        error = QLabel(box)
        error.setObjectName(object_name(self.prefix, name) + "Error")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        column.addWidget(error)
        caption = QLabel(label, self)
        caption.setBuddy(widget)
        self.form.addRow(caption, box)
        if isinstance(widget, QLineEdit):
            limit = widget.property(MAX_CHARS)
            if isinstance(limit, int) and limit > 0:
                validate = _with_length_limit(widget, label, limit, validate)
        self._fields[name] = FormField(name, widget, error, validate, shown)
        self._watch(name, widget)
        return widget

    def _watch(self, name: str, widget: QWidget) -> None:
        def edited(*_: object) -> None:
            self._edited(name)

        def by_user(*_: object) -> None:
            if widget.hasFocus():  # typed, not filled in by the dialog itself
                self.mark_changed()

        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(edited)
            widget.textEdited.connect(lambda *_: self.mark_changed())
            widget.textChanged.connect(lambda *_: self.revalidate())
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(edited)
            # Typing leaves something to undo; setPlainText (filling in) clears the history.
            widget.undoAvailable.connect(lambda can: self.mark_changed() if can else None)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(edited)
            widget.activated.connect(lambda *_: self.mark_changed())
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(edited)
            widget.clicked.connect(lambda *_: self.mark_changed())
        elif isinstance(widget, QDateTimeEdit):
            widget.dateTimeChanged.connect(edited)
            widget.dateTimeChanged.connect(by_user)
            line = widget.lineEdit()
            if line is not None:
                line.textEdited.connect(lambda *_: self.mark_changed())

    # -- nothing lost on Escape ----------------------------------------------------------

    def mark_changed(self) -> None:
        """The user changed the form: closing it without saving asks first."""
        self.changed_by_user = True

    def reject(self) -> None:
        """Escape, Cancel or the close button: ask before throwing typing away."""
        if not self.changed_by_user or self._saving:
            super().reject()
            return
        answer = self.ui.prompts.discard(self, self.windowTitle(),
                                         self.save_button.isEnabled())
        if answer == "discard":
            super().reject()
        elif answer == "save":
            self.save()  # closes when the save succeeds; an error keeps the form open

    # -- validation --------------------------------------------------------------------

    def field(self, name: str) -> QWidget:
        return self._fields[name].widget

    def error_of(self, name: str) -> str:
        """The message shown beside a field ("" when it has none)."""
        field = self._fields[name]
        return field.error.text() if not field.error.isHidden() else ""

    @property
    def banner_text(self) -> str:
        return "" if self.banner.isHidden() else self.banner.text()

    def _edited(self, name: str) -> None:
        field = self._fields[name]
        field.touched = True
        field.server_error = None
        self.revalidate()

    def local_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        for field in self._fields.values():
            if field.validate is not None:
                message = field.validate()
                if message:
                    errors[field.name] = message
        return errors

    def form_ready(self) -> bool:
        """Extra conditions beyond the fields (e.g. a customer picked); override."""
        return True

    def revalidate(self) -> None:
        errors = self.local_errors()
        for field in self._fields.values():
            message = field.server_error or (errors.get(field.name) if field.touched else None)
            self._show(field, message)
        ready = not errors and not self._saving and self.form_ready()
        if self.needs:
            gate(self.save_button, self.ui, self.needs, ready=ready)
        else:
            self.save_button.setEnabled(ready)
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow when an error line appears, instead of letting wrapped lines overlap."""
        layout = self.layout_
        layout.invalidate()  # a label's new text may need more lines than cached
        if layout.hasHeightForWidth():
            needed = layout.totalHeightForWidth(self.width())
        else:
            needed = layout.totalSizeHint().height()
        if needed > self.height():
            self.resize(self.width(), needed)

    def _show(self, field: FormField, message: str | None) -> None:
        field.error.setText(message or "")
        field.error.setVisible(bool(message))
        field.widget.setProperty("invalid", bool(message))
        field.widget.setAccessibleDescription(message or "")
        base = field.widget.property(BASE_STYLE) or ""
        field.widget.setStyleSheet(f"{base} border: 1px solid #b3261e;" if message else base)

    def show_errors(self, error: BaseException) -> None:
        """Put a failed save's messages where they belong."""
        if isinstance(error, ValidationError):
            stray = []
            for name, message in error.fields.items():
                field = self._fields.get(name)
                if field is None:
                    stray.append(message)
                else:
                    field.server_error = message
            self._set_banner(" ".join(stray))
            first = next((self._fields[n] for n in error.fields if n in self._fields), None)
            if first is not None:
                first.widget.setFocus()
        elif isinstance(error, DomainError):
            self._set_banner(str(error))
        else:
            self._set_banner(f"Could not save: {error}")
        self.revalidate()

    def _set_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    # -- saving ------------------------------------------------------------------------

    def job(self) -> Operation[Any]:
        """The operation that saves this form (what it changed comes from the unit of
        work, not from the dialog)."""
        raise NotImplementedError

    def save_first(self, then: Callable[[Any], None], what: str) -> None:
        """Save a new record without closing, then ``then(record)``: the first action
        that needs the record's id (adding a vehicle, assigning mechanics) saves it, so
        nobody has to save, close and open it again. ``what`` says, if the form is not
        complete yet, what the user was about to do."""
        self.revalidate()
        if not self.save_button.isEnabled():
            self._set_banner(f"Complete the form first; then {what}.")
            return
        self._then = then
        self.save()

    def save(self) -> None:
        self.revalidate()
        if not self.save_button.isEnabled():
            return
        op = self.job()
        self._saving = True
        self._set_banner("")
        self.save_button.setEnabled(False)
        self._save_label = self.save_button.text()  # whatever this dialog calls saving
        self.save_button.setText("Saving…")
        self.ui.worker.write(op, alive(self, self._saved), alive(self, self._failed))

    def _saved(self, record: Any) -> None:
        self._saving = False
        self.record = record
        self.saved.emit(record)
        then, self._then = self._then, None
        if then is None:
            self.accept()
            return
        self.save_button.setText(self._save_label)
        self.saved_in_place(record)
        self.changed_by_user = False  # what was typed is saved
        then(record)

    def saved_in_place(self, record: Any) -> None:
        """After ``save_first``: the dialog now edits the saved record (its version)."""
        self.apply_record(record)

    def _failed(self, error: BaseException) -> None:
        self._then = None  # not saved: the action that wanted the id does not happen
        self._saving = False
        self.save_button.setText(self._save_label)
        self.show_errors(error)
        if isinstance(error, StaleRecord):
            self.on_stale(error)

    def on_stale(self, error: StaleRecord) -> None:
        """A save refused because another desk saved first: offer Reload, keep the typing
        (without it, every further Save would be refused against the old version)."""
        if self.watched_record() is not None:
            self.show_changed_notice(None)


def _fetcher(entity: str) -> Callable[[Any, int], Any] | None:
    """The service call that reads one record of ``entity`` (for Reload)."""
    from mechanic_desktop.services import (
        canned_jobs,
        customers,
        mechanics,
        parts,
        shop,
        staff,
        tickets,
        vehicles,
    )

    getters: dict[str, Callable[[Any, int], Any]] = {
        "customer": customers.get_customer, "vehicle": vehicles.get_vehicle,
        "mechanic": mechanics.get_mechanic, "part": parts.get_part,
        "ticket": tickets.get_ticket, "staff": staff.get_staff,
        "settings": lambda uow, _id: shop.get_settings(uow),
        "canned_job": canned_jobs.get_canned_job,
    }
    return getters.get(entity)


#: Widget property holding a line edit's character limit, checked by the form.
MAX_CHARS = "maxChars"


def phone_edit(parent: QWidget, stored: str, placeholder: str) -> QLineEdit:
    """A phone field showing the stored number formatted (``domain.formatting``); add it
    with ``shown=phone_text`` so a reload shows it so too."""
    return line_edit(parent, phone_text(stored), placeholder, MAX_PHONE)


def phone_as_typed(edit: QLineEdit, stored: str) -> str:
    """What a phone field saves: the number as stored while the field still shows it
    formatted (saving other fields leaves it as it was), else what was typed."""
    text = edit.text()
    return stored if stored and text == phone_text(stored) else text


def line_edit(
    parent: QWidget, text: str = "", placeholder: str = "", max_len: int = 0
) -> QLineEdit:
    """A one-line field. ``max_len`` is checked and reported next to the field rather
    than set as QLineEdit's maxLength, which silently cuts pasted text."""
    edit = QLineEdit(text, parent)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    if max_len:
        edit.setProperty(MAX_CHARS, max_len)
    edit.setClearButtonEnabled(False)
    return edit


def _with_length_limit(
    edit: QLineEdit, label: str, limit: int, validate: Validator | None
) -> Validator:
    caption = label.rstrip(":").replace("&", "")

    def check() -> str | None:
        length = len(edit.text().strip())
        if length > limit:
            return f"{caption} is too long ({length:,} characters; at most {limit:,})."
        return validate() if validate is not None else None

    return check


class _ReturnRuns(QObject):
    def __init__(self, widget: QWidget, action: Callable[[], object]) -> None:
        super().__init__(widget)
        self.action = action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.action()
            return True  # the dialog's default button never sees this Return
        return False


def run_on_return(widget: QWidget, action: Callable[[], object]) -> None:
    """Return or Enter in ``widget`` runs ``action`` instead of pressing the dialog's
    default button (e.g. a quantity box whose Return adds to a basket, not saves it)."""
    widget.installEventFilter(_ReturnRuns(widget, action))


def first_input(root: QWidget) -> QWidget | None:
    """The first widget in ``root``'s tab order that a person types into or picks from:
    buttons, read-only text and lists of lines are not inputs (a search box is)."""
    widget = root.nextInFocusChain()
    while widget is not None and widget is not root:
        if _takes_input(widget, root):
            return widget
        widget = widget.nextInFocusChain()
    return None


def _takes_input(widget: QWidget, root: QWidget) -> bool:
    return bool(widget.window() is root and widget.isVisibleTo(root) and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                and not isinstance(widget, QAbstractButton | QAbstractItemView)
                and not (isinstance(widget, QLineEdit | QPlainTextEdit) and widget.isReadOnly()))


def button(parent: QWidget, text: str, name: str) -> QAbstractButton:
    widget = QPushButton(text, parent)
    widget.setObjectName(name)
    widget.setAccessibleName(text.replace("&", "").rstrip("…."))
    return widget
