"""A place on the page that is sent again only when what it shows changes.

Every element a redraw sends is work for the server (the script's st.* call, the message's
serialisation and its trip through the event loop) and for every browser showing the page. The
explanation is redrawn about once a second while a run plays, and most of what it shows does
not change between two redraws (the least-squares line, a direction count, an equation): a
`Slot` per changing element, filled once per script run, sends only what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

_NOTHING = object()  # what a slot shows before its first paint


class Slot:
    """A place and what it shows now: an st.empty made here, or the place given (an element,
    or anything else paint draws with, such as the charts' bus and its live region)."""

    def __init__(self, place: Any = None):
        self.place = st.empty() if place is None else place
        self.content: object = _NOTHING

    def show(self, content: object, paint: Callable[[Any], object]) -> None:
        """Calls paint(place) when `content` (what paint draws, as a comparable value) differs
        from what the slot shows."""
        if content != self.content:
            paint(self.place)
            self.content = content
