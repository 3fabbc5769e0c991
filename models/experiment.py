"""The one frozen description of a run: points, network, training schedule and seed.

Widgets produce an `Experiment`, the share link serialises it, presets are instances of it and
the trainer consumes it. It is hashable, so it is also the cache key for shared training work.
Every bound a user can hit is named here once; the parsers in `query` and `points` clamp to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum

# The question's data (../shared/seed/question.txt): sin(x) plus noise, scaled.
QUESTION_XS = (-1.0, 0.0, 1.0)
QUESTION_YS = (-0.2445248, 0.1232554, 0.1713998)

MIN_POINTS, MAX_POINTS = 2, 50
MAX_ABS_VALUE = 1e6
DEPTH_RANGE = (0, 8)
WIDTH_RANGE = (1, 256)
EPOCHS_RANGE = (1, 100_000)
LR_RANGE = (1e-6, 10.0)
SEEDS_RANGE = (1, 64)
SEED_RANGE = (0, 2**31 - 1)
BATCH_RANGE = (1, 10_000)
INIT_SCALE_RANGE = (1e-4, 10.0)
SPEED_RANGE = (1.0, 1e6)  # epochs shown a second; a link may also say auto or max (models/run/pace.py)
# Parameters times seeds a single run may hold: keeps one student's run from taking the
# server's memory (depth 8, width 256 and 64 seeds would be 30M float64 parameters plus Adam state).
MAX_PARAMETERS_TIMES_SEEDS = 2_000_000


@dataclass(frozen=True)
class Points:
    """Training data: x and y as tuples of floats, same length, 2 to 50 of them."""

    xs: tuple[float, ...] = QUESTION_XS
    ys: tuple[float, ...] = QUESTION_YS

    def __len__(self) -> int:
        return len(self.xs)


@dataclass(frozen=True)
class Network:
    """An MLP 1 -> width x depth -> 1; depth 0 is one linear layer (linear regression).

    `init` names the framework whose defaults are copied: "keras" is Glorot-uniform weights with
    zero biases and Keras's optimizer conventions (Adam's epsilon 1e-7 outside the bias
    correction, RMSprop's rho 0.9 and epsilon inside the root); "torch" is nn.Linear's default
    init and torch.optim's conventions.
    """

    depth: int = 1
    width: int = 10
    activation: str = "linear"
    init: str = "keras"
    bias: bool = True
    init_scale: float = 1.0  # multiplies the initial weights; small values start on the saddle

    @property
    def is_linear(self) -> bool:
        """True when the network can only compute an affine map of x."""
        return self.depth == 0 or self.activation == "linear"

    def layer_sizes(self) -> list[tuple[int, int]]:
        """Returns (fan_in, fan_out) of every layer, input to output."""
        dims = [1] + [self.width] * self.depth + [1]
        return list(zip(dims[:-1], dims[1:], strict=False))

    def parameter_count(self) -> int:
        """Returns the number of weights and biases of one network."""
        return sum(i * o + o for i, o in self.layer_sizes())


class Pace(Enum):
    """The one speed that is not a number of epochs a second: AUTO plays the whole run in about
    5 s (models/run/pace.py). A named value rather than None, so a select box can hold it as an
    option and a comparison can never mistake it for "no value"."""

    AUTO = "auto"


AUTO = Pace.AUTO
# Epochs shown a second: a number in SPEED_RANGE, math.inf (as fast as it trains) or AUTO.
Speed = float | Pace


@dataclass(frozen=True)
class Training:
    """How the network is trained: optimizer, learning rate, epochs and batch size (MSE loss),
    and how fast the page plays it."""

    optimizer: str = "adam"
    lr: float = 1e-5
    epochs: int = 10_000
    batch: int = 32  # a batch at least as large as the data is full batch, as in Keras
    # Epochs shown a second: AUTO plays the whole run in about 5 s, inf as fast as the machine
    # trains (models/run/pace.py). It changes when epochs are shown, never what they compute.
    speed: Speed = AUTO


@dataclass(frozen=True)
class Experiment:
    """Everything that determines a run, seed included, so a share link reproduces it."""

    points: Points = field(default_factory=Points)
    network: Network = field(default_factory=Network)
    training: Training = field(default_factory=Training)
    seed: int = 0
    seeds: int = 1  # networks trained together from seeds seed, seed+1, ...

    def with_(self, **changes) -> Experiment:
        """Returns a copy with settings replaced, each named by its short name (`lr`, `width`,
        `points`; the table `PATHS`); raises TypeError on a name that is not a setting."""
        unknown = [name for name in changes if name not in PATHS]
        if unknown:
            raise TypeError(f"not a setting of an Experiment: {', '.join(unknown)}")
        return self.replaced({PATHS[name]: value for name, value in changes.items()})

    def replaced(self, changes: Mapping[str, object]) -> Experiment:
        """Returns a copy with settings replaced, each named by its dotted path
        (`"network.width"`, `"seed"`); raises KeyError on a path that is not a setting."""
        unknown = [path for path in changes if path not in _SETTINGS]
        if unknown:
            raise KeyError(f"not a setting of an Experiment: {', '.join(unknown)}")
        return _replaced(self, dict(changes))

    def run_identity(self) -> RunIdentity:
        """Returns what a run restarts on: points, network, seeds and batch.

        The optimizer and learning rate are left out (a change takes effect from the next step),
        so are the epochs (more epochs extend the same run) and the speed (the same run, shown
        faster or slower).
        """
        return RunIdentity(self.points, self.network, self.seed, self.seeds, self.training.batch)


@dataclass(frozen=True)
class RunIdentity:
    """What a run's start is made of, and all the trainer is given besides the optimizer and
    its learning rate: equal identities start equal runs (hashable, compared by value)."""

    points: Points
    network: Network
    seed: int
    seeds: int
    batch: int


def _replaced(part: object, changes: dict[str, object]) -> object:
    """Returns a copy of a frozen dataclass with dotted paths below it replaced; a whole part
    given together with paths inside it is replaced first, then changed by them."""
    direct: dict[str, object] = {}
    nested: dict[str, dict[str, object]] = {}
    for path, value in changes.items():
        head, _, rest = path.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            direct[head] = value
    for head, inner in nested.items():
        direct[head] = _replaced(direct.get(head, getattr(part, head)), inner)
    return replace(part, **direct)


def value_at(experiment: Experiment, path: str) -> object:
    """Returns the setting at a dotted path (`"network.width"`, `"seed"`); raises KeyError on a
    path that is not a setting."""
    if path not in _SETTINGS:
        raise KeyError(f"not a setting of an Experiment: {path}")
    value: object = experiment
    for name in path.split("."):
        value = getattr(value, name)
    return value


def _short_names(experiment: Experiment) -> dict[str, str]:
    """Returns {short name: dotted path} of every setting and part; raises ValueError when two
    settings share a short name, so `with_` never has to pick one."""
    paths: dict[str, str] = {}
    for outer in fields(experiment):
        value = getattr(experiment, outer.name)
        inner = [f"{outer.name}.{f.name}" for f in fields(value)] if is_dataclass(value) else []
        for path in [outer.name, *inner]:
            name = path.rsplit(".", 1)[-1]
            if name in paths:
                raise ValueError(f"`{name}` names both {paths[name]} and {path}")
            paths[name] = path
    return paths


DEFAULT = Experiment()
# The question's experiment, defined once: the defaults are the question's points, its Keras
# network (Dense(10) with no activation, then Dense(1)) and its training (Adam at 1e-5, 10,000
# epochs, batch 32), seed 0. Compared by value wherever "the question's model" is asked about.
QUESTION = DEFAULT
# Every setting by its short name, the one table `with_` reads: {"width": "network.width", ...}.
PATHS: dict[str, str] = _short_names(DEFAULT)
_SETTINGS = frozenset(PATHS.values())
