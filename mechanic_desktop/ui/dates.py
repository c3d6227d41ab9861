"""Date limits shared by the app's date fields."""

from __future__ import annotations

from PySide6.QtCore import QDate

#: The earliest date any field offers. A shop's records start long after it, and Windows
#: cannot convert times before 1970 to local time (``datetime.astimezone`` raises), so a
#: field must never reach back that far.
EARLIEST = QDate(2000, 1, 1)
