"""What each chart shows, in words and numbers: its text alternative for a screen reader.

Pure functions, like the figures they describe: the page sends each text with its chart
(components/live_chart.py) and keeps it as current as the chart. Numbers are formatted as the
readouts beside the charts format them, so a listener hears the numbers a reader sees.
"""

from __future__ import annotations

import numpy as np

from models.analysis.floors import Line
from models.analysis.units import Units

MOST_LISTED = 12  # points or units named one by one; past that, a count


def sci(value: float | None, missing: str = "unknown") -> str:
    """Returns a value in scientific notation with 4 significant digits, as the readouts show it,
    or `missing` (spoken words here; the readouts draw a dash)."""
    return missing if value is None or not np.isfinite(value) else f"{value:.3e}"


def _listed(items: list[str], noun: str) -> str:
    more = len(items) - MOST_LISTED
    return "; ".join(items[:MOST_LISTED]) + (f"; and {more} more {noun}" if more > 0 else "")


def loss_numbers(epoch: int, epochs: int, loss: float | None, floor_name: str, floor: str,
                 gap: str) -> str:
    """Returns the loss chart's numbers: the epoch shown of all, its loss, the floor, the gap."""
    if epoch == 0:
        return f"No epoch trained yet of {epochs:,}. The {floor_name} is {floor}."
    return (f"Epoch {epoch:,} of {epochs:,}: loss {sci(loss)}; the {floor_name} is {floor}; "
            f"gap {gap}.")


def fit_numbers(xs: np.ndarray, ys: np.ndarray, grid: np.ndarray, curve: np.ndarray,
                line: Line) -> str:
    """Returns the fit's numbers: each point, the network's prediction at its x (read off its
    curve over `grid`, which holds every point's x: exact) and the least-squares line."""
    predicted = np.interp(xs, grid, curve)
    points = [f"x {x:.4g}: y {y:.4g}, network {p:.4g}" for x, y, p in zip(xs, ys, predicted,
                                                                             strict=True)]
    return (f"{len(xs)} points and the network's prediction at each: "
            f"{_listed(points, 'points')}. Least-squares line y = {line.slope:.4f}x + "
            f"{line.intercept:.4f}.")


def landscape_numbers(slope: float, intercept: float, line: Line, floor: float) -> str:
    """Returns the landscape's numbers: where the run's line is now and where the lowest point
    (the least-squares line, whose MSE is the floor) lies."""
    return (f"Slope w and intercept b: the network's line is now at w = {slope:.4f}, "
            f"b = {intercept:.4f}; "
            f"the lowest point, MSE {floor:.4g}, is at w = {line.slope:.4f}, "
            f"b = {line.intercept:.4f}.")


def grad_norm_numbers(epochs: np.ndarray, grad_norm: np.ndarray) -> str:
    """Returns the gradient-norm chart's numbers: the latest norm, and the largest and smallest
    with their epochs."""
    if len(grad_norm) == 0:
        return "No epoch trained yet."
    grad_norm = np.asarray(grad_norm, dtype=np.float64)
    high, low = int(np.nanargmax(grad_norm)), int(np.nanargmin(grad_norm))
    return (f"Gradient norm at epoch {int(epochs[-1]):,}: {sci(grad_norm[-1])}; largest "
            f"{sci(grad_norm[high])} at epoch {int(epochs[high]):,}, smallest "
            f"{sci(grad_norm[low])} at epoch {int(epochs[low]):,}.")


def slice_numbers(alphas: np.ndarray, betas: np.ndarray, losses: np.ndarray) -> str:
    """Returns the loss slice's numbers: the loss at the current weights (the centre) and the
    lowest and highest on the slice, with where they are."""
    losses = np.asarray(losses, dtype=np.float64)
    centre = losses[np.argmin(np.abs(betas)), np.argmin(np.abs(alphas))]  # rows are beta
    low = np.unravel_index(np.nanargmin(losses), losses.shape)
    high = np.unravel_index(np.nanargmax(losses), losses.shape)
    return (f"Loss at the current weights {sci(centre)}; lowest {sci(losses[low])} at alpha "
            f"{alphas[low[1]]:.3f}, beta {betas[low[0]]:.3f}; highest {sci(losses[high])}.")


def units_numbers(units: Units, states: list[str], points_x: np.ndarray) -> str:
    """Returns the hidden units' numbers: how many are in each state, and each unit's output
    at the points' x."""
    counts = ", ".join(f"{states.count(s)} {s}" for s in ("active", "dead", "saturated"))
    xs = np.unique(np.asarray(points_x, dtype=np.float64))
    at_points = [np.interp(xs, units.grid, curve) for curve in units.outputs]
    each = [f"unit {j + 1} ({state}): " + ", ".join(f"{v:.3g}" for v in values)
            for j, (state, values) in enumerate(zip(states, at_points, strict=True))]
    where = ", ".join(f"{x:.4g}" for x in xs)
    return (f"{units.width} units: {counts}. Outputs at the points' x ({where}): "
            f"{_listed(each, 'units')}.")
