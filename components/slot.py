"""A place on the page that is sent again only when what it shows changes.

Every element a redraw sends is work for the server (the script's st.* call, the message's
serialisation and its trip through the event loop) and for every browser showing the page. The
explanation is redrawn about once a second while a run plays, and most of what it shows does
not change between two redraws (the least-squares line, a direction count, an equation): a
`Slot` per changing element, filled once per script run, sends only what changed.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

_NOTHING = object()  # what a slot shows before its first paint


class Slot:
    """An st.empty (made here, or the one given) and what it shows now."""

    def __init__(self, place: DeltaGenerator | None = None):
        self.place = st.empty() if place is None else place
        self.content: object = _NOTHING

    def show(self, content: object, paint: Callable[[DeltaGenerator], object]) -> None:
        """Calls paint(place) when `content` (what paint draws, as a comparable value) differs
        from what the slot shows."""
        if content != self.content:
            paint(self.place)
            self.content = content
