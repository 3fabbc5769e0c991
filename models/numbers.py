"""How numbers are written wherever the page or a link shows one: the shortest text that reads
back as the same float, so a value typed, linked, labelled or exported is the value computed."""

from __future__ import annotations


def number_text(value: float) -> str:
    """Returns the shortest text that reads back as the same float ("-1" rather than "-1.0")."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
