"""Loss landscapes: the exact MSE of every line, and a 2-D slice around a network's weights.

- A linear network collapses to one line w x + b (`Trainer.effective_line`), so its loss is a
  function of two numbers: MSE(w, b) is a paraboloid with its lowest point at the least-squares
  line, and the training path of (w_eff, b_eff) can be drawn on it.
- Any other network has too many weights to draw. Li et al., 2018, "Visualizing the Loss
  Landscape of Neural Nets" (sec. 4), slice the loss along two random directions d1, d2 through
  the current weights, L(theta + alpha d1 + beta d2), after "filter normalisation": each filter of
  a direction is rescaled to the norm of the same filter of the weights, so a step of alpha = 1
  changes every unit by its own size and slices of networks of different scales compare. Here a
  filter is one row of a weight matrix (one unit's incoming weights); bias directions are zero.
Grids follow Plotly's contour layout: rows are the y axis (intercepts, betas), columns the x axis.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from models.analysis.floors import least_squares_line, polynomial_floor
from models.engine.mlp import MLPBatch
from models.experiment import Points

MARGIN = 0.15  # each side of the window, as a fraction of what it must contain
MIN_WIDTH = 0.5  # narrowest window, in units of the data's own slope and intercept scales
# The window's edges lie on a grid of MIN_WIDTH / SNAP: a path that only creeps (a converged
# run's last digits) leaves the window, its contour and what the page sends of it, as they were.
SNAP = 20
PARAMETERS_PER_CHUNK = 2_000_000  # grid networks' weights held at once, as a run's limit
# Lines of a diverging run whose MSE is past this are left out of the window: a grid around
# them would overflow float64 at its corners (the MSE grows with the distance squared).
MAX_WINDOW_MSE = 1e100


def line_mse_grid(points: Points, slopes: np.ndarray, intercepts: np.ndarray) -> np.ndarray:
    """Returns the MSE of every line, shape (len(intercepts), len(slopes)), in float64.

    Around the least-squares line (w*, b*) the MSE is exactly
        MSE(w, b) = floor + var(x) dw^2 + (db + mean(x) dw)^2,  dw = w - w*, db = b - b*,
    (expand mean((y - w x - b)^2); the cross terms vanish by the normal equations). Written
    this way every term is non-negative, so nothing cancels, even for x near 1e6.
    """
    return _line_mse(points, np.asarray(slopes, dtype=np.float64)[None, :],
                     np.asarray(intercepts, dtype=np.float64)[:, None])


def _line_mse(points: Points, slopes: np.ndarray, intercepts: np.ndarray) -> np.ndarray:
    """Returns the MSE of the lines (slopes, intercepts), broadcast together (see above)."""
    x = np.asarray(points.xs, dtype=np.float64)
    line = least_squares_line(points)
    dw, db = slopes - line.slope, intercepts - line.intercept
    return polynomial_floor(points, 1) + x.var() * dw**2 + (db + x.mean() * dw) ** 2


def landscape_window(points: Points, trajectory_slopes: np.ndarray,
                     trajectory_intercepts: np.ndarray) -> tuple[tuple[float, float],
                                                                 tuple[float, float]]:
    """Returns ((slope_low, slope_high), (intercept_low, intercept_high)) for the contour grid.

    The window holds the least-squares minimum and every trajectory point whose MSE is below
    MAX_WINDOW_MSE, plus a 15% margin; it is never narrower than half the data's natural scales
    (std(y)/std(x) for the slope, std(y) for the intercept), so a run sitting on the minimum
    still shows its valley. Its edges are rounded outwards to a twentieth of that width (SNAP).
    """
    x = np.asarray(points.xs, dtype=np.float64)
    y = np.asarray(points.ys, dtype=np.float64)
    line = least_squares_line(points)
    y_scale = y.std() if y.std() > 0 else max(abs(y.mean()), 1.0)
    slope_scale = y_scale / x.std() if x.std() > 0 else 1.0
    slopes = np.asarray(trajectory_slopes, dtype=np.float64).ravel()
    intercepts = np.asarray(trajectory_intercepts, dtype=np.float64).ravel()
    with np.errstate(over="ignore", invalid="ignore"):
        drawable = _line_mse(points, slopes, intercepts) < MAX_WINDOW_MSE  # False for nan, inf
    slopes = np.append(slopes[drawable], line.slope)
    intercepts = np.append(intercepts[drawable], line.intercept)
    return (_padded(slopes, MIN_WIDTH * slope_scale), _padded(intercepts, MIN_WIDTH * y_scale))


def _padded(values: np.ndarray, min_width: float) -> tuple[float, float]:
    """Returns (low, high) around the finite values with the margin, at least min_width wide."""
    values = values[np.isfinite(values)]
    low, high = float(values.min()), float(values.max())
    pad = MARGIN * (high - low)
    low, high = low - pad, high + pad
    if high - low < min_width:
        centre = 0.5 * (low + high)
        low, high = centre - 0.5 * min_width, centre + 0.5 * min_width
    step = min_width / SNAP
    return math.floor(low / step) * step, math.ceil(high / step) * step


def filter_normalised_directions(net: MLPBatch, seed_index: int, direction_seed: int = 0
                                 ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Returns two directions (d1, d2), each a list of (fan_out, fan_in) weight tensors.

    Each is Gaussian, then every row is rescaled to the norm of the same row of network
    `seed_index`'s weights (Li et al., 2018, eq. 1 with one row as the filter); a row of zero
    weights gets a zero direction. The networks are not changed.
    """
    gen = torch.Generator().manual_seed(int(direction_seed))
    directions = []
    for _ in range(2):
        layers = []
        for w in net.weights:
            weights = w[seed_index]
            d = torch.randn(weights.shape, generator=gen, dtype=weights.dtype)
            # a Gaussian row is never exactly zero, so the division is safe
            d.mul_(weights.norm(dim=1, keepdim=True) / d.norm(dim=1, keepdim=True))
            layers.append(d)
        directions.append(layers)
    return directions[0], directions[1]


def slice_coordinates(span: float, steps: int) -> np.ndarray:
    """Returns `steps` values from -span to span, symmetric, with an exact 0 when steps is odd."""
    half = (steps - 1) / 2
    return span * (np.arange(steps) - half) / half


def loss_slice(net: MLPBatch, points: Points, seed_index: int, span: float = 1.0,
               steps: int = 41, direction_seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns (alphas (steps,), betas (steps,), losses (steps, steps)) around network seed_index.

    losses[i, j] is the full-batch MSE on `points` of theta + alphas[j] d1 + betas[i] d2, biases
    fixed. The networks (an engine batch: a trainer's `net`, or a run's frame) are only read:
    the grid's networks get their own batched forward pass (the textbook
    y = W_L f(... f(W_1 x + b_1) ...) + b_L; the engine's buffers are sized for its own
    K networks), a few thousand networks per bmm, so 41 x 41 takes milliseconds.
    """
    d1, d2 = filter_normalised_directions(net, seed_index, direction_seed)
    alphas = slice_coordinates(span, steps)
    betas = slice_coordinates(span, steps)
    weights = [w[seed_index] for w in net.weights]
    # without biases the engine ignores the bias entries; so does this pass
    biases = [b[seed_index].reshape(1, 1, -1) * float(net.network.bias) for b in net.biases]
    x = torch.tensor(points.xs, dtype=net.theta.dtype).reshape(1, -1, 1)
    y = torch.tensor(points.ys, dtype=net.theta.dtype).reshape(1, -1, 1)
    grid_a, grid_b = np.meshgrid(alphas, betas)  # rows follow betas, columns alphas
    every_a = torch.from_numpy(grid_a.ravel()).reshape(-1, 1, 1)
    every_b = torch.from_numpy(grid_b.ravel()).reshape(-1, 1, 1)
    chunk = max(1, PARAMETERS_PER_CHUNK // net.network.parameter_count())
    losses = []
    with torch.no_grad():
        for start in range(0, len(every_a), chunk):
            a, b = every_a[start:start + chunk], every_b[start:start + chunk]
            out = x.expand(len(a), -1, -1)
            for layer, (w, bias, u, v) in enumerate(zip(weights, biases, d1, d2, strict=True)):
                out = torch.bmm(out, (w + a * u + b * v).transpose(1, 2)) + bias
                if layer < len(weights) - 1:
                    out = net.activation.forward(out)
            losses.append((out - y).square().mean(dim=(1, 2)))
    return alphas, betas, torch.cat(losses).numpy().reshape(steps, steps)
