"""The hidden units of one network: each unit's output over x, and which are dead or saturated.

Shown for the last hidden layer (the only one of a one-hidden-layer network): its units are the
pieces the output layer adds up, so a unit that is flat on every point adds only a constant.
- dead (relu): a unit whose pre-activation is <= 0 on every point outputs 0 there and its
  derivative is 0 there, so no gradient reaches its incoming weights or those of the layers
  below through it: it stays dead for ever (its outgoing weight multiplies 0).
- saturated (sigmoid, tanh): a unit whose derivative is below SATURATED_DERIVATIVE of its largest
  (1 for tanh, 1/4 for sigmoid) on at least SATURATED_POINTS of the points: the gradient through
  it is a hundred times weaker than it could be, so it moves a hundred times slower.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from models.engine.activations import ACTIVATIONS
from models.engine.mlp import DTYPE, MLPBatch

DEAD_FAMILY = ("relu",)  # activations whose units can output exactly 0 with derivative 0
SATURATING = {"tanh": 1.0, "sigmoid": 0.25}  # activation -> its largest derivative
# "below ~1% of its maximum": tanh'(z) < 0.01 for |z| > 3.0 (the unit is within 0.5% of +-1),
# sigmoid'(z) < 0.0025 for |z| > 6.0; a unit there learns a hundred times slower than at z = 0.
SATURATED_DERIVATIVE = 0.01
# "on nearly every point": 6 of 7 points in the tanh case with x = -60..60 (the point x = 0 sees
# only the unit's bias, which starts at 0, so no unit of that case is saturated on all 7), and
# all of 2 to 4 points. Measured there: units saturated on 6 of 7 keep the loss flat from epoch
# 300 to 3,000 with sgd 0.05.
SATURATED_POINTS = 0.8


@dataclass(frozen=True)
class Units:
    """The last hidden layer of one network: outputs over a grid and at the points."""

    activation: str
    grid: np.ndarray  # (G,) x values
    outputs: np.ndarray  # (W, G) each unit's output over the grid
    at_points: np.ndarray  # (W, N) each unit's output at the points' x
    dead: np.ndarray  # (W,) bool
    saturated: np.ndarray  # (W,) bool

    @property
    def width(self) -> int:
        """Returns the number of units in the layer."""
        return len(self.dead)


def _last_hidden(net: MLPBatch, k: int, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns network k's last hidden layer (pre-activations, outputs), each (W, len(xs))."""
    act = ACTIVATIONS[net.network.activation].forward
    h = torch.as_tensor(np.asarray(xs, dtype=np.float64), dtype=DTYPE).reshape(-1, 1)
    z = h
    with torch.no_grad():
        for w, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
            z = h @ w[k].T + (b[k] if net.network.bias else 0.0)
            h = act(z)
    return z.T.numpy().copy(), h.T.numpy().copy()


def hidden_units(net: MLPBatch, k: int, points_x: np.ndarray, grid: np.ndarray) -> Units:
    """Returns network k's last hidden layer over `grid`, with its dead and saturated units."""
    name = net.network.activation
    pre, at_points = _last_hidden(net, k, points_x)
    _, outputs = _last_hidden(net, k, grid)
    dead = (pre <= 0.0).all(axis=1) if name in DEAD_FAMILY else np.zeros(len(pre), dtype=bool)
    if name in SATURATING:
        a = torch.as_tensor(at_points)
        slope = ACTIVATIONS[name].derivative(torch.as_tensor(pre), a).numpy() / SATURATING[name]
        saturated = (slope < SATURATED_DERIVATIVE).mean(axis=1) >= SATURATED_POINTS
    else:
        saturated = np.zeros(len(pre), dtype=bool)
    return Units(name, np.asarray(grid, dtype=np.float64), outputs, at_points, dead, saturated)


def median_seed(last_losses: np.ndarray | None) -> int:
    """Returns the index of the seed whose latest loss is the (lower) median: the run the loss
    chart's median curve stands for."""
    if last_losses is None or len(last_losses) == 0:
        return 0
    order = np.argsort(np.nan_to_num(np.asarray(last_losses), nan=np.inf), kind="stable")
    return int(order[(len(order) - 1) // 2])
