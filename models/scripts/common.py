"""Runs taken home as code: the parts a PyTorch and a Keras script share (models/scripts/pytorch_script.py,
models/scripts/keras_script.py build the rest). Pure string building, nothing is run here.

Nothing a user typed reaches the code as text: every number is written with repr(float) or
int(), which can only spell a number, and every name (activation, optimizer) is a key of the
app's own registries, checked before it is written. The start is this run's seed-0 network: its
exact initial weights for a network of at most MAX_EMBEDDED_PARAMETERS, otherwise drawn in the
script from the seed the way the app draws them (models/engine/mlp.py), which needs the same torch.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

from models.engine.activations import ACTIVATIONS
from models.engine.mlp import MLPBatch
from models.engine.optimizers import OPTIMIZERS
from models.experiment import Experiment
from models.run.run import Change

MAX_EMBEDDED_PARAMETERS = 5_000  # about 100 kB of numbers in the file
LOG_LINES = 20  # loss lines printed over a run, besides the last


def number(value: float) -> str:
    """Returns a float as Python source that reads back as exactly the same float."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{value} cannot be written as a finite number")
    return repr(value)


def numbers(values, indent: int = 4) -> str:
    """Returns a list of floats as Python source, each exact, wrapped at 100 characters."""
    text = "[" + ", ".join(number(v) for v in values) + "]"
    return textwrap.fill(text, 100, subsequent_indent=" " * (indent + 1), break_long_words=False,
                         break_on_hyphens=False)


def checked_schedule(schedule: Sequence[Change]) -> list[Change]:
    """Returns the schedule's changes as plain numbers; raises ValueError when an optimizer is
    not a registry key (the name is written into the script)."""
    changes = [Change(*change) for change in schedule]
    for change in changes:
        if change.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {change.optimizer!r}")
    return [Change(int(c.epoch), c.optimizer, float(c.lr)) for c in changes]


def settings_block(experiment: Experiment, schedule: Sequence[Change]) -> str:
    """Returns the script's settings: the points, the network, the training and the schedule."""
    network, training = experiment.network, experiment.training
    if network.activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {network.activation!r}")
    entries = ",\n    ".join(f"({c.epoch}, {c.optimizer!r}, {number(c.lr)})"
                             for c in checked_schedule(schedule))
    every = max(1, training.epochs // LOG_LINES)
    return f'''XS = {numbers(experiment.points.xs)}
YS = {numbers(experiment.points.ys)}
DEPTH, WIDTH = {int(network.depth)}, {int(network.width)}  # hidden layers, units in each
ACTIVATION = {network.activation!r}  # of the hidden layers; the output layer is linear
BIAS = {bool(network.bias)!r}
EPOCHS, BATCH = {int(training.epochs)}, {int(training.batch)}
SEED = {int(experiment.seed)}  # draws the start (if not embedded) and the mini-batch order
# (epoch, optimizer, learning rate): from that epoch on; a new optimizer starts with fresh state
SCHEDULE = [
    {entries},
]
LOG_EVERY = {every}  # epochs between printed losses
'''


def start_block(experiment: Experiment) -> str:
    """Returns source defining INITIAL: per layer (W as fan_out rows of fan_in, b or None)."""
    network = experiment.network
    if network.parameter_count() <= MAX_EMBEDDED_PARAMETERS:
        net = MLPBatch(network, [experiment.seed])
        layers = []
        for w, b in zip(net.weights, net.biases, strict=True):
            rows = ",\n      ".join(numbers(row, 6) for row in w[0].tolist())
            bias = numbers(b[0, 0].tolist(), 5) if network.bias else "None"
            layers.append(f"    ([{rows}],\n     {bias})")
        return ("# The app's exact start for this run (seed 0 of its batch), layer by layer, input\n"
                "# to output: W (fan_out rows of fan_in) and b.\nINITIAL = [\n" +
                ",\n".join(layers) + ",\n]\n")
    keras = network.init == "keras"
    return f'''# The network is too large to embed its start, so it is drawn from SEED as the app draws it
# (models/engine/mlp.py): the same numbers only with the same torch version (the app ran
# torch 2.13.0); with another one this run will not match the app's step for step.
import torch as _torch  # noqa: E402


def _draw_start():
    generator, layers = _torch.Generator().manual_seed(SEED), []
    sizes = [1] + [WIDTH] * DEPTH + [1]
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = {"(6.0 / (fan_in + fan_out)) ** 0.5" if keras else "fan_in ** -0.5"}

        def uniform(*shape, limit=limit):
            return (_torch.rand(shape, generator=generator, dtype=_torch.float64) * 2.0 - 1.0
                    ) * limit

        w = uniform(fan_out, fan_in)
        b = {"[0.0] * fan_out" if keras else "uniform(1, fan_out)[0].tolist()"} if BIAS else None
        layers.append(((w * {number(network.init_scale)}).tolist(), b))
    return layers


INITIAL = _draw_start()
'''


def print_block(indent: str, epoch: str, loss: str) -> str:
    """Returns the lines that print an epoch's loss as Keras's log does, every LOG_EVERY epochs."""
    return (f"{indent}if {epoch} % LOG_EVERY == 0 or {epoch} == EPOCHS:\n"
            f"{indent}    print(f\"Epoch {{{epoch}}}/{{EPOCHS}}\")\n"
            f"{indent}    print(f\" - loss: {{{loss}:.4f}}\" if {loss} >= 1e-3 else "
            f"f\" - loss: {{{loss}:.4e}}\")\n")


def seeds_note(experiment: Experiment) -> str:
    """Returns a comment saying which network of a batch of seeds the script trains."""
    if experiment.seeds == 1:
        return "# One network, as in the app, whose loss readout is this network's loss.\n"
    return (f"# The app trained {int(experiment.seeds)} networks (seeds {int(experiment.seed)} and "
            f"up) and shows their median loss;\n# this script trains the first one only (seed "
            f"{int(experiment.seed)}), so its final loss is that network's, not the median.\n")
