"""The page's own stylesheet: Streamlit's markup mended where it fails WCAG 2.1 AA (the rules and
their reasons are in streamlit_internals.PAGE_CSS), and the class of text that only screen
readers read (the charts' numbers, the diagnosis's live region)."""

from __future__ import annotations

import streamlit as st

from components.streamlit_internals import ENTRY_SCRIPT_SELECTOR, PAGE_CSS, PLOTLY_CHUNK

# Out of sight but read aloud: the usual "visually hidden" rules (display: none would hide the
# text from screen readers too).
VISUALLY_HIDDEN = "plateau-visually-hidden"
CSS = PAGE_CSS + f"""
.{VISUALLY_HIDDEN} {{ position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }}
"""


# Starts loading plotly.js as soon as the page's first element is drawn, where the live charts
# (live_chart.js) would start it only once their first chart is mounted, after every element
# above it: on a fresh load the loss chart then drew 0.9 s after its place appeared, the time
# the browser takes to fetch and run Streamlit's 4.7 MB plotly chunk. The URL is the one
# live_chart.js imports, so the browser runs the module once. A constant script, no input.
PRELOAD_PLOTLY = "" if PLOTLY_CHUNK is None else f"""<script>
(() => {{
  const entry = document.querySelector({ENTRY_SCRIPT_SELECTOR!r});
  const base = entry ? entry.src : new URL("static/js/", document.baseURI);
  import(new URL({PLOTLY_CHUNK!r}, base).href).catch(() => {{}});
}})();
</script>"""


def style_page() -> None:
    """Adds the stylesheet to the page (a style element takes no room on it) and starts loading
    plotly.js for the live charts."""
    st.html(f"<style>{CSS}</style>{PRELOAD_PLOTLY}", unsafe_allow_javascript=True)
