"""Widget values, parsed at the edge like a share link's: the same table, bounds and warnings.

A browser only sends values its widgets can produce, but anyone can talk to the server without
one (Streamlit's websocket carries widget values as protobuf), so what a widget hands back is
treated as a link value is: each setting goes through its row of `query.PARAMS` (bounds from
`experiment`, names from the registries), out of range becomes the nearest bound, anything
unusable (NaN, infinity, a value of the wrong type, an unknown name) becomes the fallback, and
every replacement is a warning naming the control, the value and what was used. A new setting
is a new row of `PARAMS`; nothing here names a setting.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from enum import Enum

from models import experiment as ex
from models.edges.query import MAX_VALUE_CHARS, PARAMS, Clamped, Invalid, bounded_size, quoted
from models.numbers import number_text

_BY_KEY = {p.key: p for p in PARAMS if not p.path.startswith("points.")}
SETTING_KEYS: tuple[str, ...] = tuple(_BY_KEY)  # the widget keys that are Experiment settings


DEFAULTS: dict[str, object] = {key: ex.value_at(ex.DEFAULT, p.path) for key, p in _BY_KEY.items()}


def _text(value: object, like: object, show: Callable[[object], str]) -> str:
    """Returns the value as the text its link parameter would carry (`show` writes it); raises
    Invalid when it is not of the setting's type (`like` is the setting's default: a number, a
    name, a switch, or a named value such as the speed's AUTO, whose other values are numbers).
    Text is read as a link's text is."""
    if isinstance(value, str):
        return value[:MAX_VALUE_CHARS]
    if isinstance(like, Enum):  # a named value or a number (inf included: the speed's max)
        if isinstance(value, type(like)) or (isinstance(value, (int, float))
                                             and not isinstance(value, bool)):
            return show(value)
        raise Invalid("it is not a number")
    if isinstance(like, bool):
        if not isinstance(value, bool):
            raise Invalid("it is not on or off")
        return "1" if value else "0"
    if isinstance(like, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid("it is not a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise Invalid("it is not a finite number")
        return str(value) if isinstance(value, int) else repr(value)
    raise Invalid("it is not a name")


def shown(value: object) -> str:
    """Returns a short, printable text of any value a widget sent, for a warning."""
    if isinstance(value, float) and math.isfinite(value):
        return number_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return f"{value:.3g}"
    return quoted(str(value) if not isinstance(value, str) else value)


def _read(key: str, value: object, fallback: object, labels: Mapping[str, str]) -> tuple[object, str | None]:
    """Returns (the value to use, a warning or None) for one setting's widget value, read as its
    link value is: out of range becomes the nearest bound, anything unusable the fallback."""
    param, label = _BY_KEY[key], labels.get(key, key)
    try:
        return param.parse(_text(value, DEFAULTS[key], param.show)), None
    except Clamped as c:
        return c.value, f"{label} `{shown(value)}`: {c}; used {param.show(c.value)}."
    except Invalid as e:
        return fallback, f"{label} `{shown(value)}`: {e}; used {param.show(fallback)}."


def _bounded_seeds(clean: dict[str, object]) -> list[str]:
    """Lowers clean["seeds"], as for a link, when parameters x seeds exceed the server's limit;
    returns the warnings. Changes `clean`."""
    if not {"depth", "width", "seeds"} <= clean.keys():
        return []
    settings = {_BY_KEY[k].path: v for k, v in clean.items()}
    bounded, warnings = bounded_size(ex.DEFAULT.replaced(settings))
    clean["seeds"] = bounded.seeds
    return warnings


def clean_widget_values(raw: Mapping[str, object], fallback: Mapping[str, object] | None = None,
                        labels: Mapping[str, str] | None = None) -> tuple[dict[str, object],
                                                                         list[str]]:
    """Returns (the values to use, a warning for each value replaced) for raw widget values
    keyed by widget key (the link's parameter names); keys that are not settings are left out.

    An unusable value becomes `fallback[key]` (the setting's default when not given); the
    number of seeds is lowered, as for a link, when parameters x seeds exceed the server's limit.
    """
    fallback = {**DEFAULTS, **(fallback or {})}
    clean: dict[str, object] = {}
    warnings: list[str] = []
    for key, value in raw.items():
        if key in _BY_KEY:
            clean[key], warning = _read(key, value, fallback[key], labels or {})
            warnings += [warning] if warning else []
    return clean, warnings + _bounded_seeds(clean)


def read_widget_values(readings: Mapping[str, object], sent: Mapping[str, object],
                       last: Mapping[str, object],
                       labels: Mapping[str, str] | None = None) -> tuple[dict[str, object], list[str]]:
    """Returns (the values to use, a warning for each value replaced) from Streamlit's readings
    of the settings' widgets and the values the browser sent for them, both keyed by widget key;
    `last` holds the values the last run used. One pass over the settings; seeds bounded last.

    A reading is Streamlit's own reading of what was sent, which may already have replaced a
    bad value (a number input resets one out of range to its minimum), or a callback's value (a
    preset) that rightly wins over what was sent. So a sent value that reads cleanly is left to
    the reading, and one that does not replaces it as a link's would: its nearest bound, or the
    value the last run used (the reading where there was no last run).
    """
    labels = labels or {}
    clean: dict[str, object] = {}
    warnings: list[str] = []
    for key in _BY_KEY:
        if key in readings:
            fallback = last.get(key, DEFAULTS[key])
            clean[key], warning = _read(key, readings[key], fallback, labels)
            warnings += [warning] if warning else []
        if key in sent:
            fallback = last.get(key, clean.get(key, DEFAULTS[key]))
            value, warning = _read(key, sent[key], fallback, labels)
            if warning:
                clean[key] = value
                warnings.append(warning)
    return clean, warnings + _bounded_seeds(clean)
