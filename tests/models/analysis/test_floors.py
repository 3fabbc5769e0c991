"""Floors against independent answers: numpy's lstsq and polyfit, hand sums, exact fractions."""

from fractions import Fraction

import numpy as np
import pytest

from models.analysis.floors import floors, least_squares_line
from models.engine.activations import ACTIVATIONS
from models.experiment import QUESTION_XS, QUESTION_YS, Network, Points

QUESTION = Points(QUESTION_XS, QUESTION_YS)
NONLINEAR = [name for name in ACTIVATIONS if name not in ("linear", "square")]


def lstsq_mse(xs, ys, columns) -> float:
    """Returns the MSE of numpy's least-squares fit of ys on the given design columns."""
    design = np.column_stack(columns)
    coefficients, *_ = np.linalg.lstsq(design, np.asarray(ys, dtype=float), rcond=None)
    return float(np.mean((np.asarray(ys) - design @ coefficients) ** 2))


def exact_polynomial_mse(xs, ys, degree: int) -> float:
    """Returns the least-squares polynomial's MSE computed in exact rational arithmetic."""
    x = [Fraction(v) for v in xs]
    y = [Fraction(v) for v in ys]
    # Centring is exact in fractions and keeps the numbers small; it does not change the fit.
    centre = sum(x) / len(x)
    x = [v - centre for v in x]
    size = degree + 1
    rows = [[sum(v ** (i + j) for v in x) for j in range(size)] + [sum(w * v**i for v, w in zip(x, y))]
            for i in range(size)]
    for col in range(size):  # Gauss-Jordan on the normal equations, exact
        pivot = next(r for r in range(col, size) if rows[r][col] != 0)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(size):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col])]
    coefficients = [rows[i][size] / rows[i][i] for i in range(size)]
    residuals = [w - sum(c * v**i for i, c in enumerate(coefficients)) for v, w in zip(x, y)]
    return float(sum(r * r for r in residuals) / len(x))


def test_question_floor_is_the_least_squares_mse():
    """The question's points give the least-squares line's MSE, 0.005676 to four digits."""
    result = floors(QUESTION, Network())
    design = np.column_stack([QUESTION_XS, np.ones(3)])
    _, (residual_sum,), *_ = np.linalg.lstsq(design, np.array(QUESTION_YS), rcond=None)
    expected = residual_sum / 3
    assert result.floor == pytest.approx(expected, rel=1e-12)
    assert result.linear_floor == pytest.approx(expected, rel=1e-12)
    assert result.label == "least-squares line"
    assert f"{result.floor:.4g}" == "0.005676"
    assert result.floor == pytest.approx(0.0056759, abs=5e-8)


def test_question_least_squares_line():
    """The least-squares line through the question's points has slope 0.2080, intercept 0.0167."""
    line = least_squares_line(QUESTION)
    slope, intercept = np.polyfit(QUESTION_XS, QUESTION_YS, 1)
    assert line.slope == pytest.approx(slope, rel=1e-12)
    assert line.intercept == pytest.approx(intercept, rel=1e-12)
    assert round(line.slope, 4) == 0.2080
    assert round(line.intercept, 4) == 0.0167


def test_two_points_floor_is_zero():
    """Through two points with distinct x there is always a line: the linear floor is 0."""
    result = floors(Points((-1.0, 1.0), (QUESTION_YS[0], QUESTION_YS[2])), Network())
    assert result.floor == pytest.approx(0.0, abs=1e-30)


def test_repeated_x_gives_within_group_variance():
    """A nonlinear network's floor with repeated x is the mean within-group variance of y."""
    points = Points((1.0, 1.0, 2.0, 2.0, 3.0), (0.0, 2.0, 1.0, 5.0, 7.0))
    # groups: x=1 mean 1 (squares 1+1), x=2 mean 3 (4+4), x=3 alone (0): (2 + 8 + 0) / 5
    assert floors(points, Network(activation="relu")).floor == pytest.approx(2.0, rel=1e-14)


def test_repeated_x_with_two_distinct_values_a_line_reaches_the_group_means():
    """With only two distinct x, the linear floor is the within-group variance too."""
    points = Points((1.0, 1.0, 2.0), (0.0, 2.0, 5.0))
    # the line through (1, 1) and (2, 5) leaves squares 1 + 1 + 0 over 3 points
    assert floors(points, Network()).floor == pytest.approx(2.0 / 3.0, rel=1e-14)


def test_all_x_equal_gives_the_variance_of_y_and_a_flat_line():
    """When every x is the same the floor is the variance of y and the line is flat at its mean."""
    points = Points((3.0, 3.0, 3.0), (1.0, 2.0, 6.0))
    result = floors(points, Network(activation="tanh"))
    assert result.floor == pytest.approx(14.0 / 3.0, rel=1e-14)  # mean 3: (4 + 1 + 9) / 3
    assert result.linear_floor == pytest.approx(14.0 / 3.0, rel=1e-14)
    assert (result.line.slope, result.line.intercept) == (0.0, pytest.approx(3.0))


@pytest.mark.parametrize("activation", NONLINEAR)
def test_nonlinear_floor_is_zero_for_distinct_x(activation):
    """Every nonlinear activation's floor is 0 when all x differ, the linear floor unchanged."""
    result = floors(QUESTION, Network(activation=activation))
    assert result.floor == 0.0
    assert result.linear_floor == pytest.approx(0.0056759469, rel=1e-8)


@pytest.mark.parametrize("depth", [0, 2, 5])
def test_linear_floor_does_not_depend_on_depth_or_width(depth):
    """Any stack of linear layers has the least-squares line's floor."""
    expected = lstsq_mse(QUESTION_XS, QUESTION_YS, [QUESTION_XS, np.ones(3)])
    result = floors(QUESTION, Network(depth=depth, width=3, activation="linear"))
    assert result.floor == pytest.approx(expected, rel=1e-12)


def test_depth_zero_is_linear_whatever_the_activation():
    """Depth 0 is one linear layer, so even a relu choice has the linear floor."""
    result = floors(QUESTION, Network(depth=0, activation="relu"))
    assert result.floor == pytest.approx(result.linear_floor, rel=1e-15)
    assert result.floor > 0.005


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_square_floor_is_the_least_squares_polynomial(depth):
    """`square` at depth d has the floor of numpy's least-squares polynomial of degree 2^d."""
    x = np.linspace(-1.0, 1.0, 12)
    y = np.sin(3.0 * x) + 0.1 * np.cos(17.0 * x)
    degree = 2**depth
    coefficients = np.polyfit(x, y, degree)
    expected = float(np.mean((y - np.polyval(coefficients, x)) ** 2))
    result = floors(Points(tuple(x), tuple(y)), Network(depth=depth, activation="square"))
    assert expected > 1e-8  # the case is not trivially 0
    assert result.floor == pytest.approx(expected, rel=1e-7)


def test_square_floor_is_zero_once_the_degree_reaches_distinct_x_minus_one():
    """A polynomial of degree >= distinct x - 1 interpolates: the square floor is then 0."""
    x = np.linspace(-1.0, 1.0, 5)
    points = Points(tuple(x), tuple(np.exp(x)))
    assert floors(points, Network(depth=2, activation="square")).floor == 0.0  # degree 4
    assert floors(points, Network(depth=1, activation="square")).floor > 0.0  # degree 2


def test_square_floor_with_repeated_x_reaching_interpolation_is_the_group_variance():
    """With repeated x and enough degree, the square floor is the within-group variance."""
    points = Points((0.0, 0.0, 1.0, 2.0), (1.0, 3.0, 0.0, 4.0))
    assert floors(points, Network(depth=1, activation="square")).floor == pytest.approx(0.5)


@pytest.mark.parametrize("xs, ys", [
    ((1e6, 1e6 + 1e-6, 1e6 + 2e-6, 1e6 + 3e-6), (0.1, -0.2, 0.3, 0.05)),
    ((-1e6, 1e6, 1e6 + 1e-6, 1e6 - 1e-6), (0.5, 0.1, -0.2, 0.4)),
    ((1e6, 1e6 + 1.0, 1e6 + 2.0, 1e6 + 3.0, 1e6 + 4.0), (1.0, 2.1, 2.9, 4.2, 4.8)),
    ((-999999.5, -999999.25, -999999.0, -999998.5), (1e6, -1e6, 5e5, 2.5)),
])
def test_badly_scaled_linear_floor_matches_exact_arithmetic(xs, ys):
    """x near 1e6 or nearly repeated keep the linear floor accurate (exact rational answer)."""
    expected = exact_polynomial_mse(xs, ys, 1)
    assert floors(Points(xs, ys), Network()).floor == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("xs, ys", [
    ((1e6, 1e6 + 1e-6, 1e6 + 2e-6, 1e6 + 3e-6, 1e6 + 5e-6), (0.1, -0.2, 0.3, 0.05, 0.2)),
    ((1e6, 1e6 + 1.0, 1e6 + 2.0, 1e6 + 3.0, 1e6 + 4.0), (1.0, 2.1, 2.9, 4.2, 4.8)),
])
def test_badly_scaled_square_floor_matches_exact_arithmetic(xs, ys):
    """x near 1e6 keep the degree-2 polynomial floor accurate (exact rational answer)."""
    expected = exact_polynomial_mse(xs, ys, 2)
    result = floors(Points(xs, ys), Network(depth=1, activation="square"))
    assert result.floor == pytest.approx(expected, rel=1e-8)


def test_nearly_repeated_x_centred_hand_formula():
    """Two nearly equal x near 1e6 and one far away give the centred closed-form linear floor."""
    xs, ys = (1e6, 1e6 + 1e-6, 0.0), (1.0, 0.0, 0.5)
    # Closed form for a line: (Syy - Sxy^2 / Sxx) / n with sums centred, evaluated in fractions.
    x = [Fraction(v) for v in xs]
    y = [Fraction(v) for v in ys]
    mx, my = sum(x) / 3, sum(y) / 3
    sxx = sum((a - mx) ** 2 for a in x)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    syy = sum((b - my) ** 2 for b in y)
    expected = float((syy - sxy * sxy / sxx) / 3)
    assert floors(Points(xs, ys), Network()).floor == pytest.approx(expected, rel=1e-9)


def test_linear_network_without_biases_has_the_origin_line_floor():
    """A linear network without biases computes w*x, so its floor is lstsq without intercept."""
    expected = lstsq_mse(QUESTION_XS, QUESTION_YS, [QUESTION_XS])
    result = floors(QUESTION, Network(bias=False))
    assert result.floor == pytest.approx(expected, rel=1e-12)
    assert result.floor > floors(QUESTION, Network()).floor
    assert result.line.intercept == 0.0
    assert result.line.slope == pytest.approx(np.dot(QUESTION_XS, QUESTION_YS) / 2.0, rel=1e-12)


WAVE_X = tuple(float(x) for x in range(-3, 5))
WAVE = Points(WAVE_X, tuple(float(np.sin(x)) for x in WAVE_X))  # 8 points of a wave


def relu_interpolant(xs, ys, x):
    """Returns y_1 + sum_{i<n} c_i relu(x - x_i), the n - 1 unit construction of floors.py, at x."""
    order = np.argsort(xs)
    xs, ys = np.asarray(xs)[order], np.asarray(ys)[order]
    slopes = np.diff(ys) / np.diff(xs)
    c = np.concatenate([[slopes[0]], np.diff(slopes)])  # base slope, then each kink
    return ys[0] + sum(ci * np.maximum(x - xi, 0.0) for ci, xi in zip(c, xs[:-1]))


def test_relu_width_rule_is_distinct_x_minus_one_and_its_construction_interpolates():
    """7 relu units are exact for 8 points (the construction with 7 units passes through all of
    them); 6 make 0 a lower bound whose sentence says 7 would be enough."""
    x = np.asarray(WAVE.xs)
    assert np.allclose(relu_interpolant(WAVE.xs, WAVE.ys, x), WAVE.ys, atol=1e-12)
    assert floors(WAVE, Network(width=7, activation="relu")).exact
    narrow = floors(WAVE, Network(width=1, activation="relu"))
    assert not narrow.exact and narrow.floor == 0.0 and narrow.enough_width == 7
    assert narrow.why == "1 unit cannot bend through every set of 8 points; 7 would be enough."
    assert not floors(WAVE, Network(width=6, activation="leaky_relu")).exact
    assert floors(WAVE, Network(width=7, activation="leaky_relu")).exact


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "gelu", "elu", "softplus", "sin"])
def test_other_activations_need_as_many_units_as_distinct_x(activation):
    """Pinkus (1999) / Huang & Babri (1998): n units for n distinct x; n - 1 is a lower bound."""
    assert floors(WAVE, Network(width=8, activation=activation)).exact
    assert not floors(WAVE, Network(width=7, activation=activation)).exact


def test_repeated_x_count_distinct_values_for_the_width_rule():
    """Four points on two distinct x need one relu unit; the floor is the within-group variance."""
    points = Points((0.0, 0.0, 1.0, 1.0), (0.0, 2.0, 1.0, 3.0))
    result = floors(points, Network(width=1, activation="relu"))
    assert result.exact and result.floor == pytest.approx(1.0)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_deeper_nonlinear_networks_use_the_last_layer_width_and_no_biases_is_a_bound(depth):
    """The width rule holds at any depth; without biases the best function is only a bound."""
    assert floors(WAVE, Network(depth=depth, width=8, activation="tanh")).exact
    assert not floors(WAVE, Network(depth=depth, width=64, activation="relu", bias=False)).exact


def test_square_exactness_depth_one_any_width_depth_two_width_two_deeper_a_bound():
    """Square: depth 1 exact at width 1, depth 2 exact from width 2, depth 3 only a bound."""
    assert floors(WAVE, Network(depth=1, width=1, activation="square")).exact
    assert not floors(WAVE, Network(depth=2, width=1, activation="square")).exact
    assert floors(WAVE, Network(depth=2, width=2, activation="square")).exact
    assert not floors(WAVE, Network(depth=3, width=64, activation="square")).exact


def test_depth_two_square_reaches_a_quartic_as_a_difference_of_two_squares():
    """The proof's construction: a quartic factored into real quadratics A B equals
    ((A + B) / 2)^2 - ((A - B) / 2)^2, checked on numpy's degree-4 least-squares fit."""
    x, y = np.asarray(WAVE.xs), np.asarray(WAVE.ys)
    quartic = np.polyfit(x, y, 4)
    roots = np.roots(quartic)
    pairs = sorted(roots, key=lambda r: (abs(r.imag) < 1e-12, r.real, r.imag))
    a = np.real(np.poly(pairs[:2])) * quartic[0]  # a conjugate pair (or two real roots) per factor
    b = np.real(np.poly(pairs[2:]))
    p1, p2 = np.polyadd(a, b) / 2, np.polysub(a, b) / 2
    reached = np.polyval(p1, x) ** 2 - np.polyval(p2, x) ** 2
    assert np.allclose(reached, np.polyval(quartic, x), atol=1e-9)
    result = floors(WAVE, Network(depth=2, width=2, activation="square"))
    assert result.floor == pytest.approx(float(np.mean((y - reached) ** 2)), rel=1e-6)


@pytest.mark.parametrize("depth", [1, 2])
def test_square_without_biases_is_the_monomial_fit(depth):
    """Without biases square units make C x^(2^d): numpy's lstsq on that one column."""
    expected = lstsq_mse(WAVE.xs, WAVE.ys, [np.asarray(WAVE.xs) ** (2**depth)])
    result = floors(WAVE, Network(depth=depth, width=3, activation="square", bias=False))
    assert result.exact and result.floor == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("depth", [0, 1, 2, 3])
@pytest.mark.parametrize("width", [1, 2, 7, 8])
@pytest.mark.parametrize("bias", [True, False])
def test_no_floor_is_called_exact_without_a_rule(activation, depth, width, bias):
    """Every exact floor comes from one of the rules; everything else is a lower bound."""
    network = Network(depth=depth, width=width, activation=activation, bias=bias)
    result = floors(WAVE, network)
    if network.is_linear or (activation == "square" and not bias):
        rule = True
    elif activation == "square":
        rule = depth == 1 or (depth == 2 and width >= 2)
    else:
        rule = bias and width >= (7 if activation in ("relu", "leaky_relu") else 8)
    assert result.exact == rule
    assert result.why
