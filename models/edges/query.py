"""The share link: an Experiment to and from URL query parameters, through one table of fields.

One table, `PARAMS`, drives both directions (as TensorFlow Playground's `state.ts` does), so a
new setting is one row. Parsing happens here, once, at the edge: every value is checked against
its bound, and anything malformed becomes the default (or is clamped) with a warning that names
the parameter and says what was used instead. Names only ever match fixed registries: nothing a
link carries is evaluated or imported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from models import experiment as ex
from models.engine.activations import ACTIVATIONS
from models.engine.optimizers import OPTIMIZERS
from models.numbers import number_text
from models.question.presets import PRESETS
from models.run.pace import AUTO, MAX

INITS = ("keras", "torch")
# Parameters Streamlit or hosting platforms add to a page's URL; they are not ours to warn about.
FOREIGN = frozenset({"embed", "embed_options", "__theme", "logs"})
MAX_VALUE_CHARS = 2_000  # longer values are cut before parsing: 50 points fit easily


class Invalid(ValueError):
    """A value that could not be used; the message says why, for the user."""


@dataclass(frozen=True)
class Param:
    """One URL parameter: its key, the dotted path of the setting it sets
    (`experiment.value_at`), and its text <-> value maps."""

    key: str
    path: str
    parse: Callable[[str], object]
    show: Callable[[object], str]


def _float(text: str, subject: str = "it") -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise Invalid(f"{subject} is not a number") from None
    if not math.isfinite(value):
        raise Invalid(f"{subject} is not a finite number")
    return value


def _clamp(value: float, bounds: tuple[float, float], what: str) -> float:
    low, high = bounds
    if low <= value <= high:
        return value
    clamped = min(max(value, low), high)
    raise Clamped(clamped, f"{what} must be between {number_text(low)} and {number_text(high)}")


class Clamped(Invalid):
    """A value out of bounds; `value` is the nearest allowed one, which is used instead."""

    def __init__(self, value: object, message: str):
        super().__init__(message)
        self.value = value


def _integer(bounds: tuple[int, int]) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = _float(text)
        if value != int(value):
            raise Invalid("it is not a whole number")
        try:
            return int(_clamp(value, bounds, "the value"))
        except Clamped as c:
            raise Clamped(int(c.value), str(c)) from None
    return parse


def _real(bounds: tuple[float, float]) -> Callable[[str], float]:
    return lambda text: _clamp(_float(text), bounds, "the value")


def _choice(names) -> Callable[[str], str]:
    def parse(text: str) -> str:
        name = text.strip().lower()
        if name not in names:
            raise Invalid(f"it is not one of {', '.join(names)}")
        return name
    return parse


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("0", "1", "true", "false"):
        raise Invalid("it is not 0 or 1")
    return value in ("1", "true")


def parse_number_list(text: str) -> tuple[float, ...]:
    """Returns the comma-separated numbers in text, each finite and within +-1e6."""
    items = [item for item in text.split(",")]
    if len(items) > ex.MAX_POINTS:
        raise Invalid(f"has {len(items)} values; at most {ex.MAX_POINTS} points are allowed")
    values = []
    for item in items:
        value = _float(item, f"`{quoted(item)}`")
        if abs(value) > ex.MAX_ABS_VALUE:
            raise Invalid(f"`{quoted(item)}` is larger than {ex.MAX_ABS_VALUE:g} in size")
        values.append(value)
    return tuple(values)


def parse_speed(text: str) -> ex.Speed:
    """Returns a speed: epochs a second within SPEED_RANGE, AUTO for "auto", MAX for "max"."""
    word = text.strip().lower()
    if word in ("auto", "max"):
        return AUTO if word == "auto" else MAX
    try:
        value = _float(word)
    except Invalid:
        raise Invalid("it is not a number of epochs a second, auto or max") from None
    return _clamp(value, ex.SPEED_RANGE, "the speed")


def speed_text(speed: ex.Speed) -> str:
    """Returns a speed as a link writes it: "auto", "max" or the number of epochs a second."""
    if speed is AUTO:
        return "auto"
    return "max" if speed == MAX else number_text(speed)


def _list_text(values) -> str:
    return ",".join(number_text(v) for v in values)


PARAMS: tuple[Param, ...] = (
    Param("x", "points.xs", parse_number_list, _list_text),
    Param("y", "points.ys", parse_number_list, _list_text),
    Param("depth", "network.depth", _integer(ex.DEPTH_RANGE), str),
    Param("width", "network.width", _integer(ex.WIDTH_RANGE), str),
    Param("act", "network.activation", _choice(tuple(ACTIVATIONS)), str),
    Param("init", "network.init", _choice(INITS), str),
    Param("bias", "network.bias", _flag, lambda b: "1" if b else "0"),
    Param("scale", "network.init_scale", _real(ex.INIT_SCALE_RANGE), number_text),
    Param("opt", "training.optimizer", _choice(tuple(OPTIMIZERS)), str),
    Param("lr", "training.lr", _real(ex.LR_RANGE), number_text),
    Param("epochs", "training.epochs", _integer(ex.EPOCHS_RANGE), str),
    Param("speed", "training.speed", parse_speed, speed_text),
    Param("batch", "training.batch", _integer(ex.BATCH_RANGE), str),
    Param("seed", "seed", _integer(ex.SEED_RANGE), str),
    Param("seeds", "seeds", _integer(ex.SEEDS_RANGE), str),
)
_BY_KEY = {p.key: p for p in PARAMS}


def _last(raw: str | list[str], key: str, warnings: list[str]) -> str:
    """Returns the value to use when a key is repeated (the last, as browsers' forms do)."""
    if isinstance(raw, (list, tuple)):
        if len(raw) > 1:
            warnings.append(f"`{key}` was given {len(raw)} times; used the last one.")
        raw = raw[-1] if raw else ""
    text = str(raw)
    if len(text) > MAX_VALUE_CHARS:
        warnings.append(f"`{key}` was {len(text)} characters long; read its first "
                        f"{MAX_VALUE_CHARS}.")
        text = text[:MAX_VALUE_CHARS]
    return text.replace("\x00", "")


def from_query(params: Mapping[str, str | list[str]]) -> tuple[ex.Experiment, list[str]]:
    """Returns the experiment a share link describes and a warning for every value not used.

    `preset=` picks the starting experiment; any other parameter overrides the preset's value.
    """
    warnings: list[str] = []
    # Foreign keys are skipped before `_last`: Streamlit repeats `embed_options` by design.
    texts = {str(k): _last(v, str(k), warnings) for k, v in params.items()
             if str(k) not in FOREIGN}
    base = ex.DEFAULT
    if "preset" in texts:
        name = texts["preset"].strip().lower()
        if name in PRESETS:
            base = PRESETS[name].experiment
        else:
            warnings.append(f"`preset={quoted(texts['preset'])}` is not a preset "
                            f"({', '.join(PRESETS)}); started from the question.")
    changes: dict[str, object] = {}
    bad_points = False
    for key, text in texts.items():
        if key in ("preset", "play", "hide"):  # not settings: read by wants_autoplay, lecture
            continue
        param = _BY_KEY.get(key)
        if param is None:
            warnings.append(f"`{quoted(key)}` is not a setting this page knows; ignored it.")
            continue
        default = ex.value_at(base, param.path)
        try:
            changes[param.path] = param.parse(text)
        except Clamped as c:
            changes[param.path] = c.value
            warnings.append(f"`{key}={quoted(text)}`: {c}; used {param.show(c.value)}.")
        except Invalid as e:
            if param.path in ("points.xs", "points.ys"):  # x and y only make sense together
                bad_points = True
                warnings.append(f"`{key}={quoted(text)}`: {e}; used the "
                                f"{_points_source(base)}'s points for x and y.")
            else:
                warnings.append(f"`{key}={quoted(text)}`: {e}; used {param.show(default)}.")
    if bad_points:
        changes.pop("points.xs", None)
        changes.pop("points.ys", None)
    experiment = base.replaced(changes)
    experiment, point_warnings = _checked_points(experiment, base,
                                                 "points.xs" in changes or "points.ys" in changes)
    warnings += point_warnings
    experiment, size_warnings = bounded_size(experiment)
    return experiment, warnings + size_warnings


def _checked_points(experiment: ex.Experiment, base: ex.Experiment,
                    given: bool) -> tuple[ex.Experiment, list[str]]:
    """Returns the experiment with usable points: x and y of one length, 2 to 50 of them."""
    xs, ys = experiment.points.xs, experiment.points.ys
    if not given:
        return experiment, []
    if len(xs) != len(ys):
        problem = f"`x` has {len(xs)} values and `y` has {len(ys)}"
    elif len(xs) < ex.MIN_POINTS:
        problem = f"`x` and `y` have {len(xs)} value each, too few (at least {ex.MIN_POINTS} points)"
    else:
        return experiment, []
    return (replace_points(experiment, base.points),
            [f"{problem}; used the {_points_source(base)}'s points."])


def _points_source(base: ex.Experiment) -> str:
    """Returns what the fallback points are called in a warning."""
    return "preset" if base != ex.DEFAULT else "question"


def replace_points(experiment: ex.Experiment, points: ex.Points) -> ex.Experiment:
    """Returns the experiment with other points."""
    return experiment.with_(xs=points.xs, ys=points.ys)


def bounded_size(experiment: ex.Experiment) -> tuple[ex.Experiment, list[str]]:
    """Returns the experiment with seeds lowered until parameters x seeds fit the server's limit."""
    per_network = experiment.network.parameter_count()
    most = max(1, ex.MAX_PARAMETERS_TIMES_SEEDS // per_network)
    if experiment.seeds <= most:
        return experiment, []
    return experiment.with_(seeds=most), [
        f"{experiment.seeds} seeds of a {per_network:,}-parameter network is more than this "
        f"server trains at once; used {most} seed{'s' if most > 1 else ''}."]


def to_query(experiment: ex.Experiment) -> dict[str, str]:
    """Returns the share-link parameters of an experiment, every field spelled out."""
    return {p.key: p.show(ex.value_at(experiment, p.path)) for p in PARAMS}


def wants_autoplay(params: Mapping[str, str | list[str]]) -> bool:
    """Returns True when the link asks to start playing as soon as the page opens (play=1)."""
    raw = params.get("play", "0")
    text = raw[-1] if isinstance(raw, (list, tuple)) and raw else str(raw)
    return text.strip().lower() in ("1", "true")


def quoted(text: str, most: int = 40) -> str:
    """Returns text made safe to show inside a warning: short, printable, no backticks."""
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text)
    return clean if len(clean) <= most else clean[:most] + "…"
