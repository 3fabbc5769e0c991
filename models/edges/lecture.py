"""Lecture links: which controls a share link hides, so students see only the decision at hand.

`hide=act,lr` in a link removes those controls from the page; the run still uses the link's
values for them. Names come from one fixed tuple, the same the "Make a lecture link" panel offers.
"""

from __future__ import annotations

from collections.abc import Mapping

CONTROLS: tuple[str, ...] = ("points", "depth", "width", "act", "init", "opt", "lr", "epochs",
                             "speed", "batch", "seed", "seeds")


def parse_hidden(params: Mapping[str, str | list[str]]) -> tuple[frozenset[str], list[str]]:
    """Returns the controls a link's `hide=` names, and a warning for each unknown name."""
    raw = params.get("hide", "")
    text = raw[-1] if isinstance(raw, (list, tuple)) and raw else str(raw or "")
    names = [name.strip().lower() for name in text[:500].split(",") if name.strip()]
    unknown = [name for name in names if name not in CONTROLS]
    warnings = [f"`hide` names {', '.join(repr(n[:20]) for n in unknown[:5])}, which "
                f"{'is not a control' if len(unknown) == 1 else 'are not controls'} "
                f"({', '.join(CONTROLS)}); ignored."] if unknown else []
    return frozenset(n for n in names if n in CONTROLS), warnings


def hide_text(hidden: frozenset[str] | set[str]) -> str:
    """Returns the `hide=` value for a set of controls, in the panel's order."""
    return ",".join(name for name in CONTROLS if name in hidden)
