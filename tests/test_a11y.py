"""Accessibility that needs no browser: the caption colour's contrast (WCAG 2 AA: at least 4.5:1 for
text) computed from the formula of WCAG 2.x, and the text alternative a chart gets by default.
(tests/test_browser_layout.py runs axe-core on every page and lesson step in Chromium.)"""
from __future__ import annotations

import numpy as np
import pytest

from lab import classroom, ui
from lab import figures as F


def _luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2.x) of an sRGB colour ``#rrggbb``."""
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_contrast_formula_on_known_pairs():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#828180", "#ffffff") == pytest.approx(3.88, abs=0.01)     # Streamlit's caption grey


@pytest.mark.parametrize("background", ["#ffffff", "#f0f2f6"])        # the page, the sidebar
def test_captions_have_aa_contrast(background):
    assert contrast(classroom.CAPTION, background) >= 4.5
    assert classroom.CAPTION in classroom.css({}) and "opacity: 1" in classroom.css({})


def test_a_chart_without_alt_is_described_by_its_own_words():
    x = np.array([-1.0, 0.0, 1.0])
    fig = F.fit_1d(x, x, x, {"optimal network f(x)": x}, title="The fit")
    alt = ui.alt_text(fig)
    assert alt.startswith("Chart: The fit;") and "optimal network f(x)" in alt and "y against x" in alt
    assert alt.endswith(".") and "click to add" not in ui.alt_text(F.data_canvas(x[:, None], x, 1))
