"""The sign-in window escapes its database label without the html module (start-up):
the same text as ``html.escape`` for any input."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from mechanic_desktop.ui.dialogs.styles import escaped


@given(st.text())
def test_escaped_is_html_escape(text: str) -> None:
    assert escaped(text) == html.escape(text)


def test_a_url_with_markup_stays_text() -> None:
    assert escaped("postgresql://<b>shop</b>?a=1&b='2'") == (
        "postgresql://&lt;b&gt;shop&lt;/b&gt;?a=1&amp;b=&#x27;2&#x27;")
