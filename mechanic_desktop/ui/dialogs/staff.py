"""Staff account editors for administrators: a new or changed account (name, user name,
role, the mechanic a mechanic's account belongs to) and a password reset."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QSizePolicy, QWidget

from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import ListQuery, MechanicRow, Page
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import mechanics, staff
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.services.staff import StaffRow
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.first_run import intro_label, username_check
from mechanic_desktop.ui.dialogs.form import EditorDialog, line_edit
from mechanic_desktop.ui.dialogs.passwords import add_new_password
from mechanic_desktop.ui.operations import alive

MECHANIC_LIMIT = 1000
NEEDS_MECHANIC = "A mechanic's account must be linked to a mechanic."
NOT_A_MECHANIC = "— not a mechanic —"


class StaffDialog(EditorDialog):
    """New account (with a temporary password) or an existing one's details."""

    needs = Action.MANAGE_STAFF

    def __init__(
        self, ui: UiContext, record: StaffRow | None = None, parent: QWidget | None = None
    ) -> None:
        title = "New staff account" if record is None else self.title_of(record)
        super().__init__(ui, "staff", title, parent)
        self.existing = record
        r = record
        self.full_name = line_edit(self, r.full_name if r else "", "First and last name", 200)
        self.add_field("full_name", "Full &name:", self.full_name,
                       checks.name(self.full_name, "Full name"))
        self.username = line_edit(self, r.username if r else "", "e.g. sam", 60)
        self.add_field("username", "&User name:", self.username, username_check(self.username))
        self.role = QComboBox(self)
        for role in Role:
            self.role.addItem(role.label, role.value)
        self.role.setCurrentIndex(self.role.findData((r.role if r else Role.WRITER).value))
        self.add_field("role", "&Role:", self.role)
        self.mechanic = QComboBox(self)
        self.mechanic.addItem(NOT_A_MECHANIC, None)
        self._linked = r.mechanic_id if r else None
        for combo in (self.role, self.mechanic):  # room for their error lines beneath
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.add_field("mechanic_id", "&Mechanic:", self.mechanic, self._check_mechanic)
        self.role.currentIndexChanged.connect(self._role_changed)
        self.full_name.textEdited.connect(
            lambda _t: self._link_same_name() if self.chosen_role is Role.MECHANIC else None)
        if record is None:
            self.intro = intro_label(
                self, "Give them a temporary password: they must choose their own the first "
                "time they sign in.", "staffIntro")
            self.layout_.insertWidget(0, self.intro)
            self.password, self.confirm = add_new_password(
                self, lambda: (self.username.text(), self.full_name.text()),
                "Temporary &password:")
        self._role_changed()
        self.revalidate()
        self._load_mechanics()

    @staticmethod
    def title_of(record: StaffRow) -> str:
        return f"Staff account — {record.full_name}"

    def apply_record(self, record: StaffRow) -> None:
        """Reload: the mechanics are read again too, as the linked one may be new."""
        self._linked = record.mechanic_id
        super().apply_record(record)
        self._load_mechanics()

    @property
    def chosen_role(self) -> Role:
        return Role(self.role.currentData())

    def _check_mechanic(self) -> str | None:
        if self.chosen_role is Role.MECHANIC and self.mechanic.currentData() is None:
            return NEEDS_MECHANIC
        return None

    def _role_changed(self, *_: object) -> None:
        is_mechanic = self.chosen_role is Role.MECHANIC
        self.mechanic.setEnabled(is_mechanic)
        if is_mechanic:
            self._link_same_name()
        if is_mechanic and self.isVisible():
            self._edited("mechanic_id")  # say at once why Save is unavailable
        else:
            self.revalidate()

    def _load_mechanics(self) -> None:
        query = ListQuery(sort="name", limit=MECHANIC_LIMIT)
        self.ui.worker.read(lambda uow: mechanics.list_mechanics(uow, query),
                            alive(self, self._fill_mechanics),
                            alive(self, self.show_errors))

    def _link_same_name(self) -> None:
        """A mechanic's account: link the mechanic of the same name, if nobody has been
        chosen yet (the usual case: the account is made for someone already on the crew)."""
        if self.mechanic.currentData() is not None:
            return
        wanted = " ".join(self.full_name.text().split()).casefold()
        for index in range(self.mechanic.count()):
            name = self.mechanic.itemText(index).removesuffix(" (inactive)")
            if wanted and " ".join(name.split()).casefold() == wanted:
                self.mechanic.setCurrentIndex(index)
                return

    def _fill_mechanics(self, page: Page[MechanicRow]) -> None:
        self.mechanic.blockSignals(True)
        self.mechanic.clear()
        self.mechanic.addItem(NOT_A_MECHANIC, None)
        for row in page.rows:
            self.mechanic.addItem(row.name if row.active else f"{row.name} (inactive)", row.id)
        index = self.mechanic.findData(self._linked) if self._linked is not None else 0
        self.mechanic.setCurrentIndex(max(index, 0))
        self.mechanic.blockSignals(False)
        if self.chosen_role is Role.MECHANIC:
            self._link_same_name()
        self.revalidate()

    def job(self) -> Operation[Any]:
        data = staff.StaffData(self.username.text(), self.full_name.text(), self.chosen_role,
                               self.mechanic.currentData())
        hasher, existing = self.ui.hasher, self.existing
        if existing is None:
            password, confirm = self.password.text(), self.confirm.text()

            def create(uow: UnitOfWork) -> StaffRow:
                return staff.create_staff(uow, data, password, confirm, hasher)

            return create
        return lambda uow: staff.update_staff(uow, existing.id, data, existing.version)


class ResetPasswordDialog(EditorDialog):
    """A temporary password for someone who forgot theirs; it also lifts a lockout."""

    needs = Action.MANAGE_STAFF

    def __init__(self, ui: UiContext, record: StaffRow, parent: QWidget | None = None) -> None:
        super().__init__(ui, "resetPassword", f"Reset password — {record.full_name}", parent)
        self.existing = record
        self.intro = intro_label(
            self, f"Set a temporary password for <b>{record.full_name}</b> ({record.username}) "
            "and tell it to them. They must choose their own at their next sign-in; the "
            "account is unlocked as well.", "resetPasswordIntro")
        self.layout_.insertWidget(0, self.intro)
        self.password, self.confirm = add_new_password(
            self, lambda: (record.username, record.full_name), "Temporary &password:")
        self.save_button.setText("Reset password")
        self.save_button.setAccessibleName("Reset password")
        self.revalidate()

    def job(self) -> Operation[Any]:
        hasher, user_id = self.ui.hasher, self.existing.id
        password, confirm = self.password.text(), self.confirm.text()
        return lambda uow: staff.reset_password(uow, user_id, password, confirm, hasher)
