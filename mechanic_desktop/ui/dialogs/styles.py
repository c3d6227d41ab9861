"""The looks the dialogs share (error, warning and note text) and a note label. Apart
from ``form`` (the editor dialog, with what it imports: ~10 ms) because the sign-in
window needs only these before it shows."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

ERROR_STYLE = "color: #b3261e;"
#: Property holding a field's own style sheet (e.g. a read-only look), kept under the red
#: border an error line adds.
BASE_STYLE = "baseStyle"
WARNING_STYLE = "color: #8a5a00;"
NOTE_STYLE = "color: palette(mid);"


def escaped(text: str) -> str:
    """``text`` for a rich-text label, its ``&``, ``<``, ``>`` and quotes escaped as
    ``html.escape`` does, without loading the html module and its entity table (~2 ms,
    before the sign-in window shows)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


def note_label(parent: QWidget) -> QLabel:
    """A wrapped label in the note look, for a line of help under a field."""
    label = QLabel(parent)
    label.setStyleSheet(NOTE_STYLE)
    label.setWordWrap(True)
    return label
