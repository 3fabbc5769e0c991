"""What theory predicts: the floors of simpler models, the normal equations and the saddle plateau.

The saddle plateau (Saxe, McClelland & Ganguli, 2014, "Exact solutions to the nonlinear
dynamics of learning in deep linear neural networks", eq. 12), for y ~ W2 W1 x with one linear
hidden layer, no biases, scalar x and y, trained by gradient descent with learning rate eta on
    L = mean((y - u x)^2) = mean(y^2) - 2 u sxy + u^2 sxx,   u = W2 W1,
    sxx = mean(x^2), sxy = mean(x y), u* = sxy / sxx, L0 = mean(y^2) - sxy^2 / sxx.
dL/du = 2 sxx (u - u*) (the factor 2 of the squared error), so with a = W2^T and b = W1 (the
hidden unit's outgoing and incoming weights) gradient descent is
    da/dt = c b,  db/dt = c a,  c = 2 eta sxx (u* - u)   (one step = one unit of t).
Then s = a + b grows and d = a - b shrinks: ds/dt = c s, dd/dt = -c d, and u = (|s|^2 - |d|^2)/4.
A balanced start (a = b, d = 0, any width) gives du/dt = 2 c u = 4 eta sxx u (u* - u): logistic
growth at rate k = 4 eta sxy, solved by
    u(t) = u* e^{kt} / (e^{kt} - 1 + u*/u0),   L(t) = L0 + sxx (u(t) - u*)^2,
which needs t_half = ln(u*/u0 - 1) / k steps to reach u*/2: from a small start the loss sits at
the saddle value mean(y^2) for a time that grows like ln(1/u0). (Saxe et al. fold the gradient's
constant factors into a time constant tau and write the exponent 2 s t / tau; for this MSE and
step size eta it is 4 eta sxy t, which `tests/models/test_theory.py` checks against gradient
descent.) An unbalanced start soon behaves like a balanced one
from u0 = |s0|^2 / 4, because d dies away as s grows (`effective_start`).
A gradient-descent step multiplies s by 1 + eta c instead of e^{eta c}: on the plateau u grows by
(1 + 2 eta sxy)^2 a step rather than e^{4 eta sxy}, a rate lower by a relative ~ eta sxy, so a
run reaches u*/2 about eta sxy t_half = ln(u*/u0) / 4 steps late, whatever the learning rate
(measured 2.6 steps on the question's points from u0 = 8e-7, of 450 at lr 0.05 or 1,120 at 0.02).
When sxy < 0 the same holds for d = a - b and u heads to u* < 0: the curves use |sxy|.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.analysis.floors import least_squares_line, polynomial_floor
from models.experiment import Experiment, Points

CONSTANT, ORIGIN_LINE = "constant prediction", "line through the origin"


@dataclass(frozen=True)
class SaxeConstants:
    """The numbers of the scalar theory for one set of points."""

    sigma_xx: float  # mean(x^2)
    sigma_xy: float  # mean(x y)
    target: float  # u* = sigma_xy / sigma_xx, the product w2 w1 the network heads for
    floor: float  # L0: the best line through the origin's MSE
    saddle_loss: float  # mean(y^2): the loss at u = 0, where the network outputs 0


def _arrays(points: Points) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(points.xs, dtype=np.float64), np.asarray(points.ys, dtype=np.float64)


def origin_line_floor(points: Points) -> float:
    """Returns min over w of mean((y - w x)^2), the floor of a linear network without biases.

    w = sum(x y) / sum(x^2) in closed form (0 when every x is 0); the residuals are summed
    directly rather than as mean(y^2) - sxy^2/sxx, which cancels when the fit is good.
    """
    x, y = _arrays(points)
    sxx = float(np.dot(x, x))
    w = float(np.dot(x, y)) / sxx if sxx > 0 else 0.0
    return float(np.mean((y - w * x) ** 2))


def reference_floors(points: Points) -> dict[str, float]:
    """Returns the MSE of simpler models, each exact in float64, keyed by what they are.

    "constant prediction" is var(y): the best a network gives when x no longer reaches the
    output (dead units, zero weights). "line through the origin" is what a network without
    biases reaches when it is linear.
    """
    _, y = _arrays(points)
    return {CONSTANT: float(np.mean((y - y.mean()) ** 2)), ORIGIN_LINE: origin_line_floor(points)}


def normal_equations_latex(points: Points) -> str:
    """Returns the normal equations X^T X a = X^T y with the points' numbers, for st.latex.

    X has rows (x_i, 1) and a = (w, b); the solution is the least-squares line and its MSE is
    the linear floor. Every number is computed from the points.
    """
    x, y = _arrays(points)
    line = least_squares_line(points)
    xtx = f"{np.dot(x, x):.7g} & {x.sum():.7g} \\\\ {x.sum():.7g} & {len(x)}"
    xty = f"{np.dot(x, y):.7g} \\\\ {y.sum():.7g}"
    # Two lines, the system and then its solution: on one line the equation was wider than
    # the page's main column at 1,400 px and "MSE =" was cut off.
    return (
        r"\begin{aligned}X^\top X \begin{bmatrix} w \\ b \end{bmatrix} = X^\top y:\quad"
        rf"\begin{{bmatrix}} {xtx} \end{{bmatrix}}\begin{{bmatrix}} w \\ b \end{{bmatrix}}"
        rf" = \begin{{bmatrix}} {xty} \end{{bmatrix}} \\"
        rf"\Rightarrow\; w = {line.slope:.7g},\ b = {line.intercept:.7g},"
        rf"\ \text{{MSE}} = {polynomial_floor(points, 1):.4g}\end{{aligned}}"
    )


def saxe_applies(experiment: Experiment) -> bool:
    """Returns True when the theory describes this run: one linear hidden layer (any width), no
    biases, plain full-batch gradient descent, and points with some x != 0."""
    network, training = experiment.network, experiment.training
    return (network.depth == 1 and network.activation == "linear" and not network.bias
            and training.optimizer == "sgd" and training.batch >= len(experiment.points)
            and any(x != 0 for x in experiment.points.xs))


def saxe_constants(points: Points) -> SaxeConstants:
    """Returns sigma_xx, sigma_xy, u*, L0 and mean(y^2) for the points."""
    x, y = _arrays(points)
    sxx, sxy = float(np.mean(x * x)), float(np.mean(x * y))
    return SaxeConstants(sigma_xx=sxx, sigma_xy=sxy, target=sxy / sxx if sxx > 0 else 0.0,
                         floor=origin_line_floor(points), saddle_loss=float(np.mean(y * y)))


def product_curve(points: Points, lr: float, u0: float, epochs: int) -> np.ndarray:
    """Returns |u(t)| for t = 0 .. epochs-1 from a balanced start of size u0 > 0."""
    c = saxe_constants(points)
    t = np.arange(epochs, dtype=np.float64)
    target, k = abs(c.target), 4.0 * lr * abs(c.sigma_xy)
    if k > 0:
        # u*/(1 + (u*/u0 - 1) e^{-kt}): the logistic solution without e^{kt}, which overflows
        return target / (1.0 + (target / u0 - 1.0) * np.exp(-k * t))
    # sxy = 0: nothing to learn, du/dt = -4 eta sxx u^2 and the product decays to 0
    return u0 / (1.0 + 4.0 * lr * c.sigma_xx * u0 * t)


def saxe_curve(points: Points, lr: float, u0: float, epochs: int) -> np.ndarray:
    """Returns the predicted loss L0 + sxx (u - u*)^2 before each of `epochs` steps (t = 0, 1, ...).

    Entry t matches the engine's loss at 1-based epoch t + 1 (taken before that epoch's update).
    """
    c = saxe_constants(points)
    u = product_curve(points, lr, u0, epochs)
    return c.floor + c.sigma_xx * (u - abs(c.target)) ** 2


def plateau_length(points: Points, lr: float, u0: float) -> float:
    """Returns t_half = ln(u*/u0 - 1) / (4 lr |sxy|): steps until the product reaches u*/2.

    0 when the start is already past half way; infinite when sxy = 0 (nothing to learn).
    """
    c = saxe_constants(points)
    k = 4.0 * lr * abs(c.sigma_xy)
    if k == 0:
        return float("inf")
    ratio = abs(c.target) / u0 - 1.0
    return float(np.log(ratio) / k) if ratio > 1.0 else 0.0


def half_loss(points: Points) -> float:
    """Returns the loss at u = u*/2: L0 + sxy^2 / (4 sxx), a quarter of the way from L0 to mean(y^2)."""
    c = saxe_constants(points)
    return c.floor + c.sigma_xx * (c.target / 2.0) ** 2


def measured_half_time(loss_curve: np.ndarray, points: Points) -> float | None:
    """Returns the time t (steps, fractional) at which a loss curve first reaches `half_loss`.

    With loss_curve[t] the loss after t steps (a History's loss array: 1-based epoch t + 1),
    this is when |u| passes |u*|/2 (the loss falls monotonically in |u| up to u*), the same event
    as t_half. Linear interpolation between the two steps around the crossing; None if the
    curve never gets there.
    """
    loss = np.asarray(loss_curve, dtype=np.float64)
    below = np.flatnonzero(loss <= half_loss(points))
    if len(below) == 0:
        return None
    i = int(below[0])
    if i == 0:
        return 0.0
    before, after = loss[i - 1], loss[i]
    return float(i - 1 + (before - half_loss(points)) / (before - after))


def effective_start(points: Points, first_layer: np.ndarray, second_layer: np.ndarray) -> float:
    """Returns u0 = |W1 + sign(sxy) W2^T|^2 / 4: the balanced start this network behaves like.

    first_layer is W1 (width, 1), second_layer W2 (1, width), of one linear network without
    biases. The growing mode s = a + b of the module docstring carries all of u once the
    shrinking one has died out, so the theory curve from this u0 matches any small random start.
    """
    c = saxe_constants(points)
    sign = 1.0 if c.sigma_xy >= 0 else -1.0
    s = np.ravel(first_layer) + sign * np.ravel(second_layer)
    return float(np.dot(s, s) / 4.0)
