"""Colours that carry meaning stay readable on light and dark palettes (WCAG AA, 4.5:1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.ui import theme

PALETTES = {
    "light": {"Window": "#efefef", "Base": "#ffffff", "Text": "#000000"},
    "dark": {"Window": "#2b2b2b", "Base": "#1e1e1e", "Text": "#e6e6e6"},
}


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture(params=sorted(PALETTES))
def palette(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[QPalette]:
    before = qapp.palette()
    chosen = QPalette(before)
    for role, colour in PALETTES[request.param].items():
        chosen.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    qapp.setPalette(chosen)
    try:
        yield chosen
    finally:
        qapp.setPalette(before)


def test_chart_accent_stands_out_from_the_background(palette: QPalette) -> None:
    """Bars and lines are graphics, not text: WCAG's 3:1 for non-text contrast, on the
    background the chart is drawn on, with the shade chosen for that palette."""
    base = palette.color(QPalette.ColorRole.Base)
    assert contrast(base, base) == pytest.approx(1.0)  # the measure is not vacuous
    assert contrast(theme.accent(), base) >= 3.0
    assert theme.accent(palette) == theme.accent()


@pytest.mark.parametrize("status", list(TicketStatus))
def test_status_colours_read_on_the_list_background(
    palette: QPalette, status: TicketStatus
) -> None:
    base = palette.color(QPalette.ColorRole.Base)
    assert contrast(theme.status_colour(status), base) >= 4.5


def test_low_stock_rows_keep_their_text_readable(palette: QPalette) -> None:
    text = palette.color(QPalette.ColorRole.Text)
    assert contrast(theme.warning_colour(), text) >= 4.5


def test_dark_is_told_from_the_window_colour(palette: QPalette) -> None:
    expected = palette.color(QPalette.ColorRole.Window).name() == PALETTES["dark"]["Window"]
    assert theme.is_dark() is expected
    assert theme.is_dark(palette) is expected
