"""Analytic loss floors: the lowest MSE a class of networks can reach on given points, in float64.

A floor is *exact* only where a theorem says the network can reach it; everywhere else it is a
*lower bound* (`Floors.exact` is False) and the page says "≥". The rules, with their proofs:
- A linear network (any depth and width) computes one affine map w*x + b, and every such map
  (the product of the weight matrices is any number once width >= 1): its floor is the MSE of the
  least-squares line, from the normal equations X^T X a = X^T y for a = (w, b). Without biases it
  computes w*x: the least-squares line through the origin.
- `square` units multiply polynomials, so depth d gives a polynomial of degree at most 2^d: the
  least-squares polynomial's MSE is a lower bound, exact where the network reaches every such
  polynomial:
  depth 1, any width: a (w x + b)^2 + c is every quadratic with a nonzero x^2 term (w = 1,
  b = q1 / (2 q2), a = q2, c = the rest), and the others are limits of them, so the lowest MSE is
  the least-squares quadratic's;
  depth 2, width >= 2: two first-layer units span all quadratics (with the bias), so the second
  layer's pre-activations p1, p2 are any two quadratics; every real polynomial of degree <= 4 is
  a product A B of real polynomials of degree <= 2 (pair its complex roots with their conjugates),
  and A B = ((A + B) / 2)^2 - ((A - B) / 2)^2 = p1^2 - p2^2: the output reaches it exactly.
  Deeper (or depth 2 of width 1) is left a lower bound. Without biases every layer is
  homogeneous, so the network is C x^(2^d) for any C: the floor is that monomial's least squares.
- Any other activation (relu, leaky_relu, tanh, sigmoid, gelu, elu, softplus, sin: continuous,
  not polynomials) with biases reaches the best function of x — each distinct x's mean y, so 0
  when all x differ and the mean within-group variance otherwise — once the last hidden layer is
  wide enough to interpolate the m distinct x (`enough_width`):
  relu and leaky_relu, m - 1 units: g(x) = y_1 + sum_{i<m} c_i relu(x - x_i) over the sorted x is
  the piecewise-linear interpolant (unit 1 gives the base slope, units 2..m-1 the m - 2 kinks);
  a leaky unit is a relu unit plus a linear term, and leaky(x - x_1) is linear on every point, so
  that unit absorbs the linear terms;
  the others, m units: Pinkus (1999), "Approximation theory of the MLP model in neural networks",
  Acta Numerica 8, Theorem 5.1 (k units of any continuous non-polynomial activation interpolate k
  distinct points); for bounded sigmoidal units (sigmoid, tanh) also Huang & Babri (1998), IEEE
  Trans. Neural Networks 9(1), 224-229.
  Deeper networks: every layer before the last needs only to keep the m distinct x apart, and one
  unit on a strictly increasing stretch of the activation does (each activation above has one:
  relu past 0, gelu past -0.75, sin on [-pi/2, pi/2]), so the rule applies to the last hidden
  layer. Narrower, or without biases (the units cannot put their bends where the points are),
  the best function of x is only a lower bound.
x is centred and scaled before solving, so points near 1e6 or nearly repeated x stay accurate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.experiment import Network, Points


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
    exact: bool = True  # False: a lower bound, which the page shows with "≥"
    why: str = ""  # one sentence: why it is reachable, or why it is only a bound
    enough_width: int | None = None  # the width at which the rule above makes it exact


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


def monomial_floor(points: Points, power: int) -> float:
    """Returns min over C of mean((y - C x^power)^2), the floor of `square` units without biases.

    x is divided by its largest |x| first (C absorbs the scale), so x near 1e6 at power 256 does
    not overflow.
    """
    x = np.asarray(points.xs, dtype=np.float64)
    y = np.asarray(points.ys, dtype=np.float64)
    top = np.abs(x).max()
    u = (x / top) ** power if top > 0 else np.zeros_like(x)
    c = float(u @ y) / float(u @ u) if float(u @ u) > 0 else 0.0
    return float(np.mean((y - c * u) ** 2))


def interpolation_width(activation: str, distinct: int) -> int:
    """Returns the hidden units that interpolate `distinct` different x (module docstring)."""
    return max(1, distinct - 1) if activation in ("relu", "leaky_relu") else distinct


def _units(count: int) -> str:
    return f"{count} unit" + ("" if count == 1 else "s")


def floors(points: Points, network: Network) -> Floors:
    """Returns the floor this network class cannot beat, whether it is exact, and the line's."""
    if network.is_linear and not network.bias:
        line = origin_line(points)
        residual = np.asarray(points.ys) - line.slope * np.asarray(points.xs)
        floor = float(np.mean(residual**2))
        return Floors(floor=floor, linear_floor=floor, line=line,
                      label="least-squares line through the origin",
                      why="Without biases every layer is linear: the network is w x, and the "
                          "best w is the least-squares slope through the origin.")
    line = least_squares_line(points)
    linear = polynomial_floor(points, 1)  # residuals in scaled x: exact for x near 1e6 too
    exact, enough, distinct = True, None, len(np.unique(points.xs))
    if network.is_linear:
        floor, label = linear, "least-squares line"
        why = "A stack of linear layers is one line w x + b, and it can be any line."
    elif network.activation == "square":
        degree = 2 ** network.depth
        if not network.bias:
            floor = monomial_floor(points, degree)
            label = f"least-squares C x^{degree}"
            why = f"Without biases, square units make C x^{degree}, for any C."
        else:
            floor = polynomial_floor(points, degree)
            label = f"least-squares polynomial, degree {degree}"
            exact = network.depth == 1 or (network.depth == 2 and network.width >= 2)
            why = (f"Square units reach every polynomial of degree {degree} at this depth and "
                   "width." if exact else
                   f"Square units make polynomials of degree at most {degree}, but no theorem "
                   "here says this depth and width reach all of them.")
    else:
        floor, label = best_function_floor(points), "best function of x"
        enough = interpolation_width(network.activation, distinct)
        exact = network.bias and network.width >= enough
        bend = "bend through" if network.activation in ("relu", "leaky_relu") else "pass through"
        where = f"{distinct} points" if distinct == len(points) else f"{distinct} different x"
        if not network.bias:
            why = ("Without biases the units cannot put their bends where the points are: the "
                   "best function of x is only a lower bound.")
        elif exact:
            why = (f"{_units(network.width)} can {bend} any {where} ({enough} would be "
                   "enough).")
        else:
            why = (f"{_units(network.width)} cannot {bend} every set of {where}; {enough} "
                   "would be enough.")
    # Every class here but the monomial's holds the lines (or their limits): clamp rounding
    # that would say it does worse than a line.
    if network.activation != "square" or network.bias:
        floor = min(floor, linear)
    return Floors(floor=floor, linear_floor=linear, line=line, label=label,
                  exact=bool(exact), why=why, enough_width=enough)
