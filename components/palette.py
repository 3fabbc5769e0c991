"""Every colour the page uses, by role, from the Okabe–Ito palette (Okabe & Ito, "Color Universal
Design", 2008): eight colours told apart by people with any of the common colour-vision
deficiencies. No other module types a colour.

Contrast against the white page (WCAG 2.1: 4.5:1 for text, 3:1 for lines and markers):
black 21, blue 5.19, vermillion 3.87, bluish green 3.42, reddish purple 3.06; orange 2.25 and
sky blue 2.31 are too light for a line or a marker on white, so they only tint bands. Text on a
chart is drawn in TEXT, never in a line's colour (vermillion is 3.87: a line, not a label).
tests/app/test_palette.py measures each of these. And colour is never the only difference: each
category a chart tells apart by colour also has its own line style, marker or label.
"""

from __future__ import annotations

BLACK, ORANGE, SKY_BLUE, BLUISH_GREEN = "#000000", "#E69F00", "#56B4E9", "#009E73"
YELLOW, BLUE, VERMILLION, REDDISH_PURPLE = "#F0E442", "#0072B2", "#D55E00", "#CC79A7"
WHITE = "#FFFFFF"
DARK_BLUE = "#00629B"  # Okabe-Ito's blue, 13% darker: the same hue for text on a pale ground
# The theme (.streamlit/config.toml has them as hex; tests/app/test_palette.py holds them equal).
# Streamlit writes a selected segmented control's label in the primary colour on the primary at
# 16% opacity: Okabe-Ito's blue there is 4.12:1 (axe-core), its darker self 5.1:1; white on it 6.5.
PRIMARY = DARK_BLUE
TEXT, BACKGROUND, SECONDARY_BACKGROUND = "#111111", WHITE, "#EEF2F8"


def tint(colour: str, alpha: float) -> str:
    """Returns a "#RRGGBB" colour as an rgba() string with opacity `alpha`."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


# The loss chart, each with its line style (plotly's dash names) beside its colour
LOSS, LOSS_DASH = BLUE, "solid"
BAND = tint(BLUE, 0.18)                       # min-max over seeds
FLOOR, FLOOR_DASH = VERMILLION, "dash"        # also the points, and where a run diverged
LINEAR, LINEAR_DASH = BLACK, "dashdot"        # the linear floor and the least-squares line
# Simpler models' floors (models/analysis/theory.reference_floors), each its own line: two of
# them stand on one chart, and one style for both left the legend unable to say which is which
REFERENCE_STYLES = {"constant prediction": (BLUISH_GREEN, "dot"),
                    "line through the origin": (REDDISH_PURPLE, "4px,3px,1px,3px")}
ESTIMATE, ESTIMATE_DASH = VERMILLION, "longdash"  # best of many starts: an estimate of the floor
THEORY, THEORY_DASH = REDDISH_PURPLE, "longdashdot"  # Saxe et al.'s curve
CHANGE, CHANGE_DASH = BLACK, "dot"            # a mid-run change: a labelled vertical line
REPLAY_MARK, REPLAY_MARK_DASH = BLACK, "solid"  # the replayed epoch: a labelled vertical line
GRAD_NORM = BLACK
# Earlier runs kept for comparison: each its own colour, marker and dash, faded behind the run
COMPARED = ((REDDISH_PURPLE, "diamond", "dot"), (BLUISH_GREEN, "square", "dash"),
            (BLACK, "triangle-up", "dashdot"), (VERMILLION, "x", "longdash"))
# The question's printed log (open circles) and its learning rates reproduced (diamonds)
LOG_MARKER, LOG_SYMBOL = BLACK, "circle-open"
LOG_REPRODUCED, LOG_REPRODUCED_DASH, LOG_REPRODUCED_SYMBOL = BLUISH_GREEN, "dot", "diamond"
# Plateau bands: light tints, each band named by its label above it
PLATEAU_TINTS = {"on the floor": tint(BLUISH_GREEN, 0.18), "above the floor": tint(ORANGE, 0.22),
                 "still descending": tint(SKY_BLUE, 0.18),
                 "flat on a slope": tint(REDDISH_PURPLE, 0.18)}  # models/analysis/plateaus.py
# Hidden units by state: colour, and a dash so that the states differ without colour too
UNIT_STYLES = {"active": (BLUE, "solid"), "dead": (BLACK, "dot"), "saturated": (VERMILLION, "dash")}
# Behind labels drawn on a chart, and behind the landscape's legend (its path is white)
LABEL_BACKDROP = tint(WHITE, 0.8)
LEGEND_BACKDROP = tint("#787878", 0.35)
