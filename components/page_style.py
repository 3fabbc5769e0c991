"""The page's own stylesheet: Streamlit's markup mended where it fails WCAG 2.1 AA (the rules and
their reasons are in streamlit_internals.PAGE_CSS), and the class of text that only screen
readers read (the charts' numbers, the diagnosis's live region)."""

from __future__ import annotations

import streamlit as st

from components.streamlit_internals import PAGE_CSS

# Out of sight but read aloud: the usual "visually hidden" rules (display: none would hide the
# text from screen readers too).
VISUALLY_HIDDEN = "plateau-visually-hidden"
CSS = PAGE_CSS + f"""
.{VISUALLY_HIDDEN} {{ position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }}
"""


def style_page() -> None:
    """Adds the stylesheet to the page (a style element takes no room on it)."""
    st.html(f"<style>{CSS}</style>")
