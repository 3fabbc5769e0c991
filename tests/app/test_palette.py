"""The palette: the only place a colour is typed, the theme's colours its own, and every colour
legible on the white page for what it draws (WCAG 2.1: 4.5:1 for text, 3:1 for graphics)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from components import palette as P
from models.analysis.plateaus import ABOVE_FLOOR, DESCENDING, ON_FLOOR, SLOPE
from models.analysis.theory import reference_floors
from models.experiment import Points

ROOT = Path(__file__).resolve().parents[2]
COLOUR_LITERAL = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|rgba?\(\s*\d|\"white\"|\"black\"")


def contrast(colour: str, against: str = "#FFFFFF") -> float:
    """Returns the WCAG 2.1 contrast ratio of two "#RRGGBB" colours (its own formula, from
    https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio, not the palette's)."""
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(colour), luminance(against)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_known_ratios():
    """Black on white is 21:1, white on white 1:1, and #767676 the lightest grey at 4.5:1."""
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#FFFFFF") == pytest.approx(1.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)


def test_no_module_but_the_palette_types_a_colour():
    """components/, app.py and live_chart.js name colours only through components/palette.py."""
    files = [*ROOT.joinpath("components").rglob("*.py"), ROOT / "app.py",
             ROOT / "components" / "live_chart.js"]
    typed = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in files if path.name != "palette.py"
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if COLOUR_LITERAL.search(line.split("  #")[0]) and not line.lstrip().startswith("#")]
    assert typed == []


def test_the_theme_uses_the_palettes_colours():
    """.streamlit/config.toml's theme colours are the palette's PRIMARY, TEXT and backgrounds."""
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    assert theme["primaryColor"].upper() == P.PRIMARY.upper()
    assert theme["textColor"].upper() == P.TEXT.upper()
    assert theme["backgroundColor"].upper() == P.BACKGROUND.upper()
    assert theme["secondaryBackgroundColor"].upper() == P.SECONDARY_BACKGROUND.upper()


def test_text_colours_reach_4_5_to_1_and_lines_3_to_1():
    """Text (on the page, on chart labels, white on the buttons) reaches 4.5:1; every line and
    marker colour drawn on the white plot reaches 3:1."""
    assert contrast(P.TEXT) >= 4.5 and contrast(P.TEXT, P.SECONDARY_BACKGROUND) >= 4.5
    assert contrast(P.WHITE, P.PRIMARY) >= 4.5
    red, green, blue = (round(0.16 * int(P.PRIMARY[i:i + 2], 16) + 0.84 * 255) for i in (1, 3, 5))
    # a selected segmented control: the primary on the primary at 16% over white
    assert contrast(P.PRIMARY, f"#{red:02x}{green:02x}{blue:02x}") >= 4.5
    lines = [P.LOSS, P.FLOOR, P.LINEAR, P.ESTIMATE, P.THEORY, P.CHANGE,
             *(colour for colour, _ in P.REFERENCE_STYLES.values()),
             P.REPLAY_MARK, P.GRAD_NORM, P.LOG_MARKER, P.LOG_REPRODUCED,
             *(colour for colour, _, _ in P.COMPARED),
             *(colour for colour, _ in P.UNIT_STYLES.values())]
    assert {colour: round(contrast(colour), 2) for colour in lines if contrast(colour) < 3} == {}


def test_lines_of_the_loss_chart_differ_in_dash_not_only_colour():
    """The loss, floor, linear floor, each reference floor, estimate and theory have their own
    dash, and the references are the ones theory names."""
    assert set(P.REFERENCE_STYLES) == set(reference_floors(Points()))
    dashes = [P.LOSS_DASH, P.FLOOR_DASH, P.LINEAR_DASH, P.ESTIMATE_DASH, P.THEORY_DASH,
              *(dash for _, dash in P.REFERENCE_STYLES.values())]
    assert len(set(dashes)) == len(dashes)


def test_every_plateau_kind_and_unit_state_has_its_style():
    """Each plateau kind models/ names has a tint; each unit state its own colour and dash; each
    compared run its own colour, marker and dash."""
    assert set(P.PLATEAU_TINTS) == {ON_FLOOR, ABOVE_FLOOR, DESCENDING, SLOPE}
    assert len({dash for _, dash in P.UNIT_STYLES.values()}) == len(P.UNIT_STYLES)
    for part in range(3):
        assert len({style[part] for style in P.COMPARED}) == len(P.COMPARED)


def test_tint_is_the_colour_with_an_opacity():
    """tint("#0072B2", 0.5) is rgba(0,114,178,0.5)."""
    assert P.tint("#0072B2", 0.5) == "rgba(0,114,178,0.5)"
