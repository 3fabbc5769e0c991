"""Analytic loss floors: the lowest MSE a class of networks can reach on given points, in float64.

- A linear network (any depth and width) computes one affine map w*x + b, so its floor is the
  MSE of the least-squares line: solve the normal equations X^T X a = X^T y for a = (w, b).
- A network with a nonlinearity and at least one hidden layer can approximate any function of x
  (universal approximation), so its floor is that of the best function of x: predict each
  distinct x's mean y. That is 0 when all x differ and the mean within-group variance otherwise.
- `square` activations multiply polynomials, so depth d gives a polynomial of degree at most 2^d:
  the floor is the least-squares polynomial's MSE (0 once the degree reaches distinct x - 1).
- Without biases a linear network computes w*x: its floor is the MSE of the least-squares line
  through the origin. (Nonlinear networks without biases get the floors above: lower bounds.)
x is centred and scaled before solving, so points near 1e6 or nearly repeated x stay accurate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .experiment import Network, Points


@dataclass(frozen=True)
class Line:
    """y = slope * x + intercept."""

    slope: float
    intercept: float


@dataclass(frozen=True)
class Floors:
    """`floor` is what this network cannot beat; `linear_floor` is the least-squares line's MSE."""

    floor: float
    linear_floor: float
    line: Line
    label: str  # what the floor is, in words, for the chart and the readouts


def least_squares_line(points: Points) -> Line:
    """Returns the line minimising the MSE on the points (a flat line if all x are equal)."""
    x = np.asarray(points.xs, dtype=np.float64)
    y = np.asarray(points.ys, dtype=np.float64)
    centre, spread = x.mean(), x.std()
    if spread == 0.0:
        return Line(0.0, float(y.mean()))
    u = (x - centre) / spread  # centred and scaled: X^T X becomes diag(n, n)
    design = np.column_stack([u, np.ones_like(u)])
    (a, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    slope = a / spread
    return Line(float(slope), float(b - slope * centre))


def origin_line(points: Points) -> Line:
    """Returns the line through the origin minimising the MSE: slope sum(xy) / sum(x^2)."""
    x = np.asarray(points.xs, dtype=np.float64)
    y = np.asarray(points.ys, dtype=np.float64)
    sum_xx = float(x @ x)
    return Line(float(x @ y) / sum_xx if sum_xx > 0.0 else 0.0, 0.0)


def best_function_floor(points: Points) -> float:
    """Returns the mean within-group variance of y over groups of equal x (0 if all x differ)."""
    x = np.asarray(points.xs, dtype=np.float64)
    y = np.asarray(points.ys, dtype=np.float64)
    _, group = np.unique(x, return_inverse=True)
    means = np.bincount(group, weights=y) / np.bincount(group)
    return float(np.mean((y - means[group]) ** 2))


def polynomial_floor(points: Points, degree: int) -> float:
    """Returns the MSE of the least-squares polynomial of at most `degree` (>= 1)."""
    x = np.asarray(points.xs, dtype=np.float64)
    y = np.asarray(points.ys, dtype=np.float64)
    distinct = len(np.unique(x))
    if degree >= distinct - 1:
        return best_function_floor(points)
    # Centre first (x - mean is exact where an affine map onto [-1, 1] would cancel digits),
    # then scale to [-1, 1] and use a Legendre basis: the least-squares system stays well posed.
    u = x - x.mean()
    u = u / np.abs(u).max()
    basis = np.polynomial.legendre.legvander(u, degree)
    coefficients, *_ = np.linalg.lstsq(basis, y, rcond=None)
    return float(np.mean((y - basis @ coefficients) ** 2))


def floors(points: Points, network: Network) -> Floors:
    """Returns the floor this network class cannot beat, and the least-squares line's."""
    if network.is_linear and not network.bias:
        line = origin_line(points)
        residual = np.asarray(points.ys) - line.slope * np.asarray(points.xs)
        floor = float(np.mean(residual**2))
        return Floors(floor=floor, linear_floor=floor, line=line,
                      label="least-squares line through the origin")
    line = least_squares_line(points)
    linear = polynomial_floor(points, 1)  # residuals in scaled x: exact for x near 1e6 too
    if network.is_linear:
        floor, label = linear, "least-squares line"
    elif network.activation == "square":
        degree = 2 ** network.depth
        floor, label = polynomial_floor(points, degree), f"least-squares polynomial, degree {degree}"
    else:
        floor, label = best_function_floor(points), "best function of x"
    # No class here does worse than a line; clamp rounding that would say otherwise.
    return Floors(floor=min(floor, linear), linear_floor=linear, line=line, label=label)
