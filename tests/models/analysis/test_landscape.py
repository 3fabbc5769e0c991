"""The loss landscapes: the line MSE grid, its window and the filter-normalised slice."""

import numpy as np
import pytest
import torch

from models.analysis.landscape import (
    SNAP,
    filter_normalised_directions,
    landscape_window,
    line_mse_grid,
    loss_slice,
    slice_coordinates,
)
from models.engine.trainer import Trainer, trainer_for
from models.experiment import Experiment, Network, Points, Training
from models.question.presets import PRESETS

QUESTION = Points()
SCATTERED = Points(xs=(3.0, 3.5, 4.25, 5.0, 7.5, 8.0), ys=(1.0, -2.0, 0.5, 4.0, 3.0, 9.5))


def _brute_force_mse(points: Points, slope: float, intercept: float) -> float:
    return sum((y - slope * x - intercept) ** 2 for x, y in zip(points.xs, points.ys)) / len(points)


@pytest.mark.parametrize("points", [QUESTION, SCATTERED], ids=["question", "scattered"])
def test_line_mse_grid_matches_a_brute_force_sum_at_every_grid_point(points):
    """Every entry of the grid is the plain mean of squared residuals of that line."""
    slopes = np.linspace(-2.0, 3.0, 7)
    intercepts = np.linspace(-1.5, 1.0, 5)
    grid = line_mse_grid(points, slopes, intercepts)
    assert grid.shape == (5, 7) and grid.dtype == np.float64
    expected = [[_brute_force_mse(points, s, b) for s in slopes] for b in intercepts]
    np.testing.assert_allclose(grid, expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("points", [QUESTION, SCATTERED], ids=["question", "scattered"])
def test_line_mse_grid_is_lowest_at_the_lstsq_line_with_its_residual(points):
    """At numpy.linalg.lstsq's line the grid gives lstsq's mean squared residual, and nearby
    lines all do worse."""
    x, y = np.array(points.xs), np.array(points.ys)
    (slope, intercept), *_ = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), y, rcond=None)
    at_minimum = line_mse_grid(points, np.array([slope]), np.array([intercept]))[0, 0]
    assert at_minimum == pytest.approx(np.mean((y - slope * x - intercept) ** 2), rel=1e-12)
    around = line_mse_grid(points, slope + np.linspace(-0.1, 0.1, 9), intercept + np.linspace(-0.1, 0.1, 9))
    assert np.unravel_index(np.argmin(around), around.shape) == (4, 4)


def test_landscape_window_holds_the_minimum_and_the_whole_path_with_a_margin():
    """The window strictly contains the lstsq minimum and every trajectory point."""
    slopes = np.array([-0.8, -0.2, 0.1, 0.19])
    intercepts = np.array([0.9, 0.5, 0.1, 0.02])
    (s_low, s_high), (b_low, b_high) = landscape_window(QUESTION, slopes, intercepts)
    x, y = np.array(QUESTION.xs), np.array(QUESTION.ys)
    (slope, intercept), *_ = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), y, rcond=None)
    for value, low, high in [
        (slope, s_low, s_high),
        (intercept, b_low, b_high),
        (slopes.min(), s_low, s_high),
        (slopes.max(), s_low, s_high),
        (intercepts.min(), b_low, b_high),
        (intercepts.max(), b_low, b_high),
    ]:
        assert low < value < high
    assert s_low < slopes.min() - 0.1 * (slope - slopes.min())  # a margin, not a tight fit


def test_landscape_window_keeps_a_valley_in_view_when_the_path_sits_on_the_minimum():
    """A path that has converged still gets a window wider than a point, centred on it to
    within the grid its edges are rounded to (a twentieth of the least width)."""
    x, y = np.array(QUESTION.xs), np.array(QUESTION.ys)
    (slope, intercept), *_ = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), y, rcond=None)
    (s_low, s_high), (b_low, b_high) = landscape_window(QUESTION, np.array([slope]), np.array([intercept]))
    assert s_high - s_low > 0.1 and b_high - b_low > 0.05
    for centre, low, high in ((slope, s_low, s_high), (intercept, b_low, b_high)):
        width = high - low
        assert abs((low + high) / 2 - centre) <= width / SNAP
        assert low < centre - 0.4 * width and centre + 0.4 * width < high


def test_a_path_that_only_creeps_leaves_the_window_as_it_was():
    """The question's path near its end moves in its seventh digit: the window, and so the
    contour the page sends, stays the same; a path that goes further moves it."""
    slopes = np.array([-0.5, 0.1, 0.2])
    intercepts = np.array([0.4, 0.1, 0.05])
    before = landscape_window(QUESTION, slopes, intercepts)
    crept = landscape_window(QUESTION, np.append(slopes, 0.2 + 3e-7), np.append(intercepts, 0.05))
    assert crept == before
    moved = landscape_window(QUESTION, np.append(slopes, 1.5), np.append(intercepts, 0.05))
    assert moved[0][1] > before[0][1]


def test_landscape_window_leaves_out_the_lines_of_a_diverging_run():
    """Lines whose MSE is astronomically large (a run on its way to inf) are left out of the
    window, so its grid stays finite; the start of the path is still in it."""
    slopes, intercepts = np.array([0.3, 1e150, np.inf]), np.array([0.1, -1e150, 0.0])
    (s_low, s_high), (b_low, b_high) = landscape_window(QUESTION, slopes, intercepts)
    assert s_low < 0.3 < s_high < 10 and b_low < 0.1 < b_high < 10
    grid = line_mse_grid(QUESTION, np.linspace(s_low, s_high, 5), np.linspace(b_low, b_high, 5))
    assert np.isfinite(grid).all()


def test_slice_coordinates_are_symmetric_with_an_exact_zero():
    """Odd step counts put exactly 0 in the middle, so the centre is the current weights."""
    values = slice_coordinates(0.7, 41)
    assert values[20] == 0.0 and values[0] == -0.7 and values[-1] == 0.7
    np.testing.assert_array_equal(values, -values[::-1])


def _relu_trainer() -> Trainer:
    experiment = PRESETS["relu"].experiment.with_(depth=2, width=6, seeds=2)
    trainer = trainer_for(experiment)
    trainer.run(50)
    return trainer


def test_directions_have_each_rows_norm_equal_to_the_weights_row():
    """Li et al.'s filter normalisation: every row of d1 and d2 has the norm of that unit's
    incoming weights."""
    trainer = _relu_trainer()
    d1, d2 = filter_normalised_directions(trainer.net, seed_index=1, direction_seed=3)
    for direction in (d1, d2):
        for d, w in zip(direction, trainer.net.weights, strict=True):
            np.testing.assert_allclose(d.norm(dim=1).numpy(), w[1].norm(dim=1).numpy(), rtol=1e-12)
    assert not torch.allclose(d1[0], d2[0])  # two different directions


def _numpy_loss(weights, biases, points, activation) -> float:
    a = np.array(points.xs)[:, None]
    for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
        a = a @ w.T + b
        if layer < len(weights) - 1:
            a = activation(a)
    return float(np.mean((a[:, 0] - np.array(points.ys)) ** 2))


def test_loss_slice_matches_an_independent_numpy_forward_pass():
    """Grid losses equal a numpy MLP evaluated at theta + alpha d1 + beta d2 (biases fixed)."""
    trainer = _relu_trainer()
    alphas, betas, losses = loss_slice(
        trainer.net, trainer.identity.points, seed_index=1, span=0.8, steps=9, direction_seed=3
    )
    d1, d2 = filter_normalised_directions(trainer.net, seed_index=1, direction_seed=3)
    weights = [w[1].numpy() for w in trainer.net.weights]
    biases = [b[1].numpy().reshape(-1) for b in trainer.net.biases]
    points = trainer.identity.points
    for i, j in [(4, 4), (0, 0), (2, 7), (8, 3)]:
        moved = [
            w + alphas[j] * a.numpy() + betas[i] * b.numpy() for w, a, b in zip(weights, d1, d2, strict=True)
        ]
        expected = _numpy_loss(moved, biases, points, lambda z: np.maximum(z, 0.0))
        assert losses[i, j] == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_loss_slice_leaves_the_weights_untouched_and_is_reproducible():
    """After a slice the flat parameter buffer is identical, and the same seed gives the same slice."""
    trainer = _relu_trainer()
    before = trainer.net.theta.clone()
    first = loss_slice(trainer.net, trainer.identity.points, seed_index=0, steps=7)
    assert torch.equal(trainer.net.theta, before)
    np.testing.assert_array_equal(
        first[2], loss_slice(trainer.net, trainer.identity.points, seed_index=0, steps=7)[2]
    )


def test_loss_slice_centre_is_the_current_loss_of_a_linear_network_without_biases():
    """At alpha = beta = 0 the slice gives the loss the next epoch reports, here for the
    no-bias saddle network."""
    experiment = Experiment(
        network=Network(depth=1, width=3, activation="linear", bias=False),
        training=Training(optimizer="sgd", lr=0.05, epochs=100),
    )
    trainer = trainer_for(experiment)
    trainer.run(20)
    _, _, losses = loss_slice(trainer.net, trainer.identity.points, seed_index=0, steps=5)
    reported, _ = trainer.run(1)
    assert losses[2, 2] == pytest.approx(reported[0, 0], rel=1e-12)


def test_loss_slice_of_the_question_network_is_41_by_41_and_finite():
    """The default slice of the question's 1 -> 10 -> 1 network is a finite 41 x 41 grid (how
    long it takes is benchmarks/explain.py's)."""
    trainer = trainer_for(PRESETS["question"].experiment)
    trainer.run(10)
    _, _, losses = loss_slice(trainer.net, trainer.identity.points, seed_index=0)
    assert losses.shape == (41, 41) and np.isfinite(losses).all()
