"""Vehicle editor: the VIN is checked as it is typed and its model year and region shown."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import VehicleRecord
from mechanic_desktop.domain.vin import check_vin
from mechanic_desktop.domain.vin_maker import manufacturer
from mechanic_desktop.services import vehicles
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import EditorDialog, line_edit
from mechanic_desktop.ui.dialogs.styles import NOTE_STYLE, WARNING_STYLE, note_label


def describe_vin(text: str) -> tuple[str, str]:
    """What the note under the VIN says, and its style: decoded facts, a bad check digit,
    or the warning for vehicles built outside North America."""
    if not text.strip():
        return "17 characters; letters I, O and Q never appear.", NOTE_STYLE
    result = check_vin(text)
    facts = []
    if result.model_year:
        facts.append(f"model year {result.model_year}")
    if result.region:
        facts.append(f"built in {result.region}")
    decoded = ", ".join(facts)
    if decoded:
        decoded = (f"Decodes to {decoded}." if result.model_year
                   else f"{decoded[0].upper()}{decoded[1:]}.")
    if result.error:
        # The error line below says what is wrong (e.g. the check digit); this one only
        # tells what the characters decode to, which helps spot the mistyped one.
        return decoded, NOTE_STYLE
    if result.warning:
        return f"⚠ {result.warning} {decoded}".strip(), WARNING_STYLE
    return f"✓ Check digit correct. {decoded}".strip(), NOTE_STYLE


#: Property of a field the dialog filled in from the VIN (a new VIN may refill it).
FILLED = "filledFromVin"


class VehicleDialog(EditorDialog):
    needs = Action.EDIT_CUSTOMERS

    def __init__(
        self, ui: UiContext, customer_id: int, record: VehicleRecord | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = "New vehicle" if record is None else self.title_of(record)
        super().__init__(ui, "vehicle", title, parent)
        self.setMinimumWidth(600)
        self.customer_id = customer_id
        self.existing = record
        r = record
        self.vin_note = note_label(self)
        self.vin = line_edit(self, r.vin if r else "", "e.g. 1M8GDM9AXKP042788", 17 + 6)
        self.vin.textEdited.connect(self._upper_vin)
        self.vin.textChanged.connect(self._describe_vin)
        self.add_field("vin", "&VIN:", self.vin, lambda: check_vin(self.vin.text()).error,
                       note=self.vin_note)
        self.make = line_edit(self, r.make if r else "", "e.g. Ford", 60)
        self.make.textEdited.connect(lambda _t: self.make.setProperty(FILLED, False))
        self.add_field("make", "Ma&ke:", self.make)
        self.model = line_edit(self, r.model if r else "", "e.g. F-150", 60)
        self.add_field("model", "&Model:", self.model)
        self.year = line_edit(self, str(r.year) if r and r.year else "", "from the VIN", 4)
        self.year.textEdited.connect(lambda _t: self.year.setProperty(FILLED, False))
        self.add_field("year", "&Year:", self.year, checks.whole(self.year, "Year", 1886, 2100))
        self.plate = line_edit(self, r.plate if r else "", "", 20)
        self.add_field("plate", "&Plate:", self.plate)
        self.odometer = line_edit(
            self, str(r.odometer) if r and r.odometer is not None else "", "miles", 9
        )
        self.add_field("odometer", "&Odometer:", self.odometer,
                       checks.whole(self.odometer, "Odometer"))
        self._describe_vin(self.vin.text())
        self.revalidate()

    @staticmethod
    def title_of(record: VehicleRecord) -> str:
        return f"Vehicle {record.vin}"

    def _upper_vin(self, text: str) -> None:
        if text != text.upper():
            position = self.vin.cursorPosition()
            self.vin.setText(text.upper())
            self.vin.setCursorPosition(position)

    def _describe_vin(self, text: str) -> None:
        message, style = describe_vin(text)
        self.vin_note.setText(message)
        self.vin_note.setStyleSheet(style)
        check = check_vin(text)
        year = check.model_year
        # Only North-American VINs tell their year reliably (domain.vin.model_year).
        self.year.setPlaceholderText(f"{year} (from the VIN)" if year else
                                     "not in this VIN: type it" if check.ok else
                                     "from the VIN")
        if check.ok and self.existing is None:
            self._fill_from_vin(check.vin, year)

    def _fill_from_vin(self, vin: str, year: int | None) -> None:
        """A new vehicle's make and year come from a valid VIN where they can be decoded;
        what the clerk typed there is never overwritten."""
        maker = manufacturer(vin)
        if maker and (not self.make.text() or self.make.property(FILLED)):
            self.make.setText(maker)
            self.make.setProperty(FILLED, True)
        if year and (not self.year.text() or self.year.property(FILLED)):
            self.year.setText(str(year))
            self.year.setProperty(FILLED, True)

    def job(self) -> Operation[Any]:
        data = vehicles.VehicleData(
            customer_id=self.customer_id,
            vin=self.vin.text(),
            make=self.make.text(),
            model=self.model.text(),
            year=self.year.text().strip() or None,
            plate=self.plate.text(),
            odometer=self.odometer.text().strip() or None,
        )
        existing = self.existing

        def run(uow: UnitOfWork) -> VehicleRecord:
            if existing is None:
                return vehicles.create_vehicle(uow, data)
            return vehicles.update_vehicle(uow, existing.id, data, existing.version)

        return run
