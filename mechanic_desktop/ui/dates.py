"""Date limits and the date-time field shared by the app's forms."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import QDateTimeEdit, QWidget

#: The earliest date any field offers. A shop's records start long after it, and Windows
#: cannot convert times before 1970 to local time (``datetime.astimezone`` raises), so a
#: field must never reach back that far.
EARLIEST = QDate(2000, 1, 1)


class DateTimeField(QDateTimeEdit):
    """A date-time field that Tab leaves, like every other field of a form.

    Qt's own moves Tab from section to section (year → month → … → minute) and only then
    to the next field, so a clerk tabbing on to the odometer typed its digits into the
    date instead. Sections are still reached with the arrow keys and the mouse.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


def to_local(when: datetime) -> QDateTime:
    """An aware datetime as the field shows it: local time, to the minute."""
    local = when.astimezone().replace(tzinfo=None)
    return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))


def from_local(value: QDateTime) -> datetime:
    """A QDateTime typed in local time, as an aware datetime."""
    result = value.toPython()
    assert isinstance(result, datetime)
    return result.astimezone()
