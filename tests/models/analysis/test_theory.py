"""The theory: simpler models' floors, the normal equations and Saxe et al.'s saddle plateau."""

import math

import numpy as np
import pytest
import torch

from models.analysis.theory import (
    CONSTANT,
    ORIGIN_LINE,
    effective_start,
    half_loss,
    measured_half_time,
    normal_equations_latex,
    plateau_length,
    reference_floors,
    saxe_applies,
    saxe_constants,
    saxe_curve,
)
from models.engine.trainer import Trainer, trainer_for
from models.experiment import Experiment, Network, Points, Training

QUESTION = Points()
MIRRORED = Points(ys=tuple(-y for y in QUESTION.ys))  # sxy < 0: the product heads below 0


def _gradient_descent(points: Points, lr: float, w1: float, w2: float, steps: int) -> list[float]:
    """Plain-Python gradient descent on mean((y - w2 w1 x)^2); returns the loss before each step."""
    n, losses = len(points), []
    for _ in range(steps):
        residuals = [y - w2 * w1 * x for x, y in zip(points.xs, points.ys)]
        losses.append(sum(r * r for r in residuals) / n)
        dw1 = sum(-2.0 * r * w2 * x for r, x in zip(residuals, points.xs)) / n
        dw2 = sum(-2.0 * r * w1 * x for r, x in zip(residuals, points.xs)) / n
        w1, w2 = w1 - lr * dw1, w2 - lr * dw2
    return losses


def _crossing_times(curve: np.ndarray, points: Points) -> np.ndarray:
    """Returns when a falling loss curve passes 10%, 25%, 50%, 75% and 90% of its way down."""
    floor = saxe_constants(points).floor
    levels = floor + (curve[0] - floor) * np.array([0.9, 0.75, 0.5, 0.25, 0.1])
    return np.interp(-levels, -curve, np.arange(len(curve)))  # interp needs increasing x


def _assert_same_curve(simulated: np.ndarray, predicted: np.ndarray, points: Points,
                       rel_time: float) -> None:
    """The curves pass the same loss levels within rel_time of each other, and never differ by
    more than 2% of the drop (a time shift of ~eta |sxy|, the discrete step's, where they are
    steepest)."""
    np.testing.assert_allclose(_crossing_times(simulated, points),
                               _crossing_times(predicted, points), rtol=rel_time)
    drop = simulated[0] - saxe_constants(points).floor
    assert np.max(np.abs(simulated - predicted)) < 0.02 * drop


def test_reference_floors_match_numpy_least_squares_without_an_intercept_and_the_variance():
    """The origin line's floor is lstsq on the x column alone; the constant's is numpy.var(y)."""
    for points in (QUESTION, Points(xs=(1.0, 2.0, 4.0, 4.5), ys=(3.0, 2.5, 7.0, 1.0))):
        x, y = np.array(points.xs), np.array(points.ys)
        (slope,), *_ = np.linalg.lstsq(x[:, None], y, rcond=None)
        refs = reference_floors(points)
        assert refs[ORIGIN_LINE] == pytest.approx(np.mean((y - slope * x) ** 2), rel=1e-13)
        assert refs[CONSTANT] == pytest.approx(np.var(y), rel=1e-13)


def test_normal_equations_show_the_question_numbers_lstsq_finds():
    """The LaTeX carries X^T X, X^T y and numpy.linalg.lstsq's solution and residual MSE."""
    x, y = np.array(QUESTION.xs), np.array(QUESTION.ys)
    design = np.column_stack([x, np.ones_like(x)])
    (w, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    text = normal_equations_latex(QUESTION)
    for number in (design.T @ design).ravel().tolist() + (design.T @ y).tolist() + [w, b]:
        assert f"{number:.7g}" in text
    assert f"{np.mean((y - design @ [w, b]) ** 2):.4g}" in text
    assert "0.005676" in text  # the question's floor, as the answer computed it


def test_saxe_curve_follows_plain_gradient_descent_with_rate_4_eta_sxy():
    """From a balanced start gradient descent passes every loss level within 1% of the curve's
    time, and the half time too: rate 4 eta sxy, not 2 eta sxy."""
    lr, u0 = 0.02, 1e-6
    steps = int(1.6 * plateau_length(QUESTION, lr, u0))
    simulated = np.array(_gradient_descent(QUESTION, lr, math.sqrt(u0), math.sqrt(u0), steps))
    _assert_same_curve(simulated, saxe_curve(QUESTION, lr, u0, steps), QUESTION, 0.01)
    assert measured_half_time(simulated, QUESTION) == pytest.approx(
        plateau_length(QUESTION, lr, u0), rel=0.01)
    assert simulated[-1] < saxe_constants(QUESTION).floor * 1.01  # it escaped the saddle


def test_saxe_curve_mirrors_when_x_and_y_are_anti_correlated():
    """With sxy < 0 gradient descent from w1 = -w2 follows the same curve (rate 4 eta |sxy|)."""
    lr, u0 = 0.02, 1e-6
    steps = int(1.6 * plateau_length(MIRRORED, lr, u0))
    simulated = np.array(_gradient_descent(MIRRORED, lr, math.sqrt(u0), -math.sqrt(u0), steps))
    _assert_same_curve(simulated, saxe_curve(MIRRORED, lr, u0, steps), MIRRORED, 0.01)


def test_the_question_points_have_a_positive_target_product():
    """u* = sxy / sxx > 0 for the question, and L0 lies between the linear floor and mean(y^2)."""
    c = saxe_constants(QUESTION)
    assert c.target == pytest.approx((0.2445248 + 0.1713998) / 2, rel=1e-12)
    assert 0.005676 < c.floor < c.saddle_loss


def test_half_loss_is_the_curve_value_at_the_predicted_half_time():
    """saxe_curve evaluated at t_half (and interpolated back) gives the half-time definition."""
    lr, u0 = 0.05, 1e-5
    t_half = plateau_length(QUESTION, lr, u0)
    curve = saxe_curve(QUESTION, lr, u0, int(2 * t_half))
    assert measured_half_time(curve, QUESTION) == pytest.approx(t_half, abs=0.05)
    assert measured_half_time(curve[: int(t_half) - 1], QUESTION) is None


def _trainer(width: int, seed: int, lr: float, epochs: int) -> Trainer:
    network = Network(depth=1, width=width, activation="linear", init="torch", bias=False,
                      init_scale=1e-3)
    return trainer_for(Experiment(network=network, seed=seed,
                              training=Training(optimizer="sgd", lr=lr, epochs=epochs)))


def test_the_engine_from_a_balanced_start_follows_the_saxe_curve():
    """The real trainer, a 1 -> 1 -> 1 linear network without biases set to w1 = w2 = sqrt(u0),
    stays on the theory curve and escapes within 1% of t_half."""
    lr, u0 = 0.02, 1e-6
    epochs = int(1.6 * plateau_length(QUESTION, lr, u0))
    trainer = _trainer(width=1, seed=0, lr=lr, epochs=epochs)
    with torch.no_grad():
        for w in trainer.net.weights:
            w.fill_(math.sqrt(u0))
    losses, _ = trainer.run(epochs)
    _assert_same_curve(losses[:, 0], saxe_curve(QUESTION, lr, u0, epochs), QUESTION, 0.01)
    assert measured_half_time(losses[:, 0], QUESTION) == pytest.approx(
        plateau_length(QUESTION, lr, u0), rel=0.01)


def test_a_random_small_start_of_any_width_escapes_when_effective_start_predicts():
    """A width-6 network from the engine's own small random init (unbalanced, w1 . w2 far from
    the effective u0) reaches u*/2 within 1% of the t_half computed from effective_start."""
    lr = 0.02
    trainer = _trainer(width=6, seed=4, lr=lr, epochs=3000)
    u0 = effective_start(QUESTION, trainer.net.weights[0][0].numpy(),
                         trainer.net.weights[1][0].numpy())
    predicted = plateau_length(QUESTION, lr, u0)
    losses, _ = trainer.run(int(1.5 * predicted))
    assert measured_half_time(losses[:, 0], QUESTION) == pytest.approx(predicted, rel=0.01)
    _assert_same_curve(losses[:, 0], saxe_curve(QUESTION, lr, u0, len(losses)), QUESTION, 0.01)


def test_nothing_to_learn_means_an_endless_plateau():
    """When x and y are uncorrelated the predicted plateau never ends and the curve never falls
    below mean(y^2) minus what the start already had."""
    points = Points(xs=(-1.0, 0.0, 1.0), ys=(1.0, -2.0, 1.0))  # sxy = 0
    assert plateau_length(points, 0.1, 1e-4) == math.inf
    curve = saxe_curve(points, 0.1, 1e-4, 100)
    assert np.all(np.diff(curve) <= 0) and curve[-1] >= half_loss(points)


def test_the_theory_applies_only_to_one_linear_hidden_layer_without_biases_under_plain_gd():
    """Saxe's scalar solution is offered for depth 1, linear, no biases, full-batch sgd only."""
    saddle = Experiment(network=Network(depth=1, width=10, activation="linear", bias=False),
                        training=Training(optimizer="sgd", lr=0.05, epochs=1000))
    assert saxe_applies(saddle)
    for change in ({"bias": True}, {"depth": 2}, {"activation": "tanh"}, {"optimizer": "adam"},
                   {"batch": 2}, {"xs": (0.0, 0.0, 0.0)}):
        assert not saxe_applies(saddle.with_(**change)), change
