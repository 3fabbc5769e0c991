"""Plateau marking: stretches on the floor, above it, and a run still descending."""

import math

import numpy as np
import pytest

from models.analysis.plateaus import (
    ABOVE_FLOOR,
    DESCENDING,
    ON_FLOOR,
    SLOPE,
    find_plateaus,
    on_floor,
)
from models.analysis.theory import plateau_length, product_curve, reference_floors, saxe_constants
from models.experiment import Points

QUESTION = Points()
SCALE = reference_floors(QUESTION)["constant prediction"]


def _saddle_run(lr: float = 0.05, u0: float = 1e-6, steps: int = 1000):
    """Plain numpy gradient descent of y ~ w2 w1 x from a tiny balanced start: (epochs, loss,
    gradient norm, floor) — a real saddle plateau, independent of the engine."""
    x, y = np.array(QUESTION.xs), np.array(QUESTION.ys)
    w1 = w2 = math.sqrt(u0)
    loss, grad = np.empty(steps), np.empty(steps)
    for t in range(steps):
        error = w2 * w1 * x - y
        loss[t] = np.mean(error**2)
        g1, g2 = np.mean(2 * error * w2 * x), np.mean(2 * error * w1 * x)
        grad[t] = math.hypot(g1, g2)
        w1, w2 = w1 - lr * g1, w2 - lr * g2
    floor = reference_floors(QUESTION)["line through the origin"]
    return np.arange(1, steps + 1), loss, grad, floor


def test_a_saddle_run_shows_the_plateau_above_the_floor_then_sits_on_the_floor():
    """Gradient descent from a tiny start: a plateau above the floor from epoch 1 that ends
    before the theory's half time, and the floor reached after it, to the last epoch."""
    epochs, loss, grad, floor = _saddle_run()
    t_half = plateau_length(QUESTION, 0.05, 1e-6)
    found = find_plateaus(epochs, loss, grad, floor, SCALE)
    assert [p.kind for p in found] == [ABOVE_FLOOR, ON_FLOOR]
    saddle, bottom = found
    assert saddle.start == 1 and 0.5 * t_half < saddle.end < t_half
    assert saddle.gap == pytest.approx(loss[saddle.end - 1] - floor)
    first_within = int(np.argmax(loss - floor <= 0.01 * floor)) + 1
    assert abs(bottom.start - first_within) <= 0.02 * len(epochs)
    assert bottom.end == len(epochs) and bottom.gap < 0.01 * floor


def test_a_run_stopped_during_the_escape_is_still_descending():
    """Cut just after the half time, the last stretch is marked still descending up to the end."""
    epochs, loss, grad, floor = _saddle_run()
    cut = int(plateau_length(QUESTION, 0.05, 1e-6)) + 20
    found = find_plateaus(epochs[:cut], loss[:cut], grad[:cut], floor, SCALE)
    assert found[0].kind == ABOVE_FLOOR
    assert found[-1].kind == DESCENDING and found[-1].end == cut
    assert found[-1].start > found[0].end


def test_a_flat_loss_with_a_steep_gradient_is_a_slow_optimizer_not_a_plateau():
    """Loss barely moving while |g| / (2 sqrt(loss)) is about 1 (a tiny learning rate on a
    slope) is never marked above the floor: it is one stretch flat on a slope."""
    epochs = np.arange(1, 5001)
    loss = 0.05 * np.exp(-1e-6 * epochs)
    grad = 2.0 * np.sqrt(loss)
    found = find_plateaus(epochs, loss, grad, floor=0.005, scale=SCALE)
    assert ABOVE_FLOOR not in [p.kind for p in found]
    assert [(p.start, p.end, p.kind) for p in found] == [(1, 5000, SLOPE)]


def test_a_loss_settling_onto_a_positive_floor_is_not_flat_on_a_slope():
    """log(loss) flattens as the loss settles on a floor of 0.005, but the gap still falls fast:
    that stretch is descending, then on the floor, never a slow optimizer."""
    epochs = np.arange(1, 5001)
    loss = 0.005 + 0.045 * np.exp(-0.002 * epochs)
    grad = 2.0 * np.sqrt(loss)
    assert SLOPE not in [p.kind for p in find_plateaus(epochs, loss, grad, 0.005, SCALE)]


def test_a_dead_network_is_stuck_above_the_floor_for_the_whole_run():
    """Constant loss, zero gradient (every unit dead), floor 0: one plateau, first to last epoch."""
    epochs = np.arange(1, 20_001)
    found = find_plateaus(epochs, np.full(20_000, 0.0313), np.zeros(20_000), 0.0, SCALE)
    assert [(p.start, p.end, p.kind) for p in found] == [(1, 20_000, ABOVE_FLOOR)]


def test_a_noisy_plateau_is_one_stretch_not_many():
    """Multiplicative 3% mini-batch noise on a flat loss with a small gradient gives one plateau."""
    rng = np.random.default_rng(0)
    n = 10_000
    loss = 0.01 * np.exp(0.03 * rng.standard_normal(n))
    grad = 1e-4 * np.abs(rng.standard_normal(n))
    found = find_plateaus(np.arange(1, n + 1), loss, grad, floor=0.001, scale=SCALE)
    assert [(p.start, p.end, p.kind) for p in found] == [(1, n, ABOVE_FLOOR)]


def test_on_floor_is_relative_to_a_positive_floor_and_absolute_for_a_zero_one():
    """Within 1% of a positive floor counts; for floor 0 a millionth of the scale does."""
    assert on_floor(np.array([0.0057 * 1.009, 0.0057 * 1.02]), 0.0057, SCALE).tolist() == [
        True, False]
    assert on_floor(np.array([1e-15, 0.5e-6 * SCALE, 2e-6 * SCALE]), 0.0, SCALE).tolist() == [
        True, True, False]


def test_a_fit_to_rounding_error_counts_as_on_the_floor_of_zero():
    """A loss falling exponentially to 1e-30 with floor 0 ends on the floor, from where it
    drops below a millionth of the variance of y."""
    epochs = np.arange(1, 3001)
    loss = np.maximum(0.04 * np.exp(-0.05 * epochs), 1e-30)
    grad = 2.0 * np.sqrt(loss)
    found = find_plateaus(epochs, loss, grad, 0.0, SCALE)
    assert found[-1].kind == ON_FLOOR and found[-1].end == 3000
    assert found[-1].start == pytest.approx(np.argmax(loss <= 1e-6 * SCALE) + 1, abs=60)


def test_one_hundred_thousand_epochs_are_marked_in_order():
    """A 100,000-epoch saddle run is marked as one plateau, then the floor, in order, with no
    overlaps (how long that takes is benchmarks/explain.py's)."""
    # Saxe et al.'s curve as input: loss L0 + sxx (u - u*)^2, |g| = 2 sxx |u - u*| sqrt(2 u)
    c = saxe_constants(QUESTION)
    u = product_curve(QUESTION, 0.0005, 1e-6, 100_000)
    loss = c.floor + c.sigma_xx * (u - c.target) ** 2
    grad = 2.0 * c.sigma_xx * np.abs(u - c.target) * np.sqrt(2.0 * u)
    epochs, floor = np.arange(1, 100_001), c.floor
    found = find_plateaus(epochs, loss, grad, floor, SCALE)
    assert [p.kind for p in found] == [ABOVE_FLOOR, ON_FLOOR]
    assert all(a.end < b.start for a, b in zip(found, found[1:]))


def test_too_short_a_run_has_no_plateaus():
    """One or two epochs say nothing about flatness."""
    assert find_plateaus(np.array([1, 2]), np.array([0.1, 0.1]), np.array([0.0, 0.0]), 0.0) == []
