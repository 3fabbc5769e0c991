"""Streamlit's details that the page's scripts read in the browser, handed to them by name:

- plotly.js is one lazily loaded chunk, `static/static/js/PlotlyChart.<hash>.js`, which sets
  `window.Plotly` when imported;
- the entry module is `<script type="module" src=".../static/js/index.<hash>.js">`;
- the theme is in CSS variables on every element: `--st-text-color`, `--st-font`, ...;
- an element still loading its code is drawn as `[data-testid="stSkeleton"]`;
- two pieces of Streamlit's markup fail WCAG 2.1 AA as drawn (PAGE_CSS mends them).
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from components.streamlit_internals import _warn_once


def _plotly_chunk() -> str | None:
    """Returns the file name of Streamlit's plotly.js chunk, or None (live charts then fall back
    to st.plotly_chart) when its static files hold no single one."""
    chunks = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    if len(chunks) != 1:
        _warn_once("one static/js/PlotlyChart.*.js", f"found {len(chunks)}")
        return None
    return chunks[0].name


PLOTLY_CHUNK = _plotly_chunk()
PLOTLY_GLOBAL = "Plotly"  # the chunk, once imported, leaves plotly.js at window.Plotly
ENTRY_SCRIPT_SELECTOR = 'script[type="module"][src*="/static/js/index."]'
# The same entry module as the page's HTML names it (for a test that fetches it through a proxy).
ENTRY_SCRIPT_SRC = re.compile(r'src="\.?/?(static/js/index\.[^"]+\.js)"')
SKELETON_SELECTOR = '[data-testid="stSkeleton"]'
# The theme's CSS variables the live charts draw with, by the role they play in the chart.
THEME_VARIABLES = {
    "text": "--st-text-color", "font": "--st-font", "grid": "--st-border-color-light",
    "border": "--st-border-color", "background": "--st-background-color",
    "colors": "--st-chart-categorical-colors",
}
# Streamlit's markup that fails WCAG 2.1 AA as drawn, and the rule of the page's stylesheet that
# mends each (axe-core found both; tests/browser/test_accessibility.py runs it on the page):
# - a button's shortcut badge is its label's colour at 60% opacity: white on the primary blue
#   is 3.2:1, under the 4.5:1 text needs; drawn opaque it is the label's 5.2:1;
# - st.latex's display box scrolls sideways when a formula is wider than its column (two pixels
#   at 1400 px from KaTeX's rounding; a third of the normal equations on a phone), and a box
#   the keyboard cannot focus cannot be scrolled by keyboard. So it never scrolls: past the
#   2 px it shows all, and on a phone (Streamlit stacks columns below 640 px) the formula's
#   font follows the screen's width: the normal equations, about 23 em wide, fill 85% of it.
#   (A container query would size it to the column, but makes the box's own width 0.)
SHORTCUT_BADGE_SELECTOR = '[data-has-shortcut="true"] > kbd'
LATEX_BOX_SELECTOR = '[data-testid="stMarkdownContainer"]:has(> .katex-display)'
PAGE_CSS = f"""
{SHORTCUT_BADGE_SELECTOR} {{ opacity: 1; }}
{LATEX_BOX_SELECTOR} > .katex-display {{ overflow: visible; }}
@media (max-width: 640px) {{
  {LATEX_BOX_SELECTOR} > .katex-display > .katex {{ font-size: min(1.21em, 3.6vw); }}
}}
"""
# What the browser-side scripts read, sent to them with each chart's first figure.
BROWSER_DETAILS = {"plotly": PLOTLY_CHUNK, "plotlyGlobal": PLOTLY_GLOBAL,
                   "entry": ENTRY_SCRIPT_SELECTOR, "theme": THEME_VARIABLES}
