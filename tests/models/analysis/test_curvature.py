"""The exact Hessian against independent answers: finite differences of the engine's own
gradient, the closed form of linear regression and of a linear network at its floor, the
saddle at zero weights, and Lanczos against the full spectrum."""

import numpy as np
import pytest
import torch

from models.analysis import curvature
from models.analysis.curvature import (
    EXACT_LIMIT,
    hessian,
    hessians,
    lanczos_extremes,
    spectra,
    spectrum,
    used_entries,
)
from models.analysis.floors import least_squares_line
from models.engine.activations import ACTIVATIONS
from models.engine.mlp import MLPBatch
from models.experiment import QUESTION, Network, Points
from models.question.presets import PRESETS
from models.run.run import Run

POINTS = Points(xs=(-2.0, -1.0, 0.0, 1.0, 2.0, 3.0), ys=(0.5, -0.4, 0.3, 0.8, -0.6, 0.1))


def engine_gradient(network: Network, points: Points, theta: np.ndarray) -> np.ndarray:
    """Returns d(MSE)/d(theta) from the engine's hand-written backward pass (one network)."""
    net = MLPBatch(network, [0])
    net.theta.copy_(torch.as_tensor(theta))
    x = torch.tensor(points.xs, dtype=torch.float64).reshape(1, -1, 1)
    y = torch.tensor(points.ys, dtype=torch.float64).reshape(1, -1, 1)
    net.loss_and_grad(x, y)
    return net.grad.numpy().copy()


@pytest.mark.parametrize("activation, depth, bias", [("tanh", 2, True), ("gelu", 1, True),
                                                     ("sigmoid", 1, False), ("linear", 3, True)])
def test_hessian_is_the_finite_difference_of_the_engines_gradient(activation, depth, bias):
    """Each column of H is (g(theta + h e_j) - g(theta - h e_j)) / 2h of the engine's own
    backward pass, to the accuracy of central differences."""
    network = Network(depth=depth, width=4, activation=activation, init="torch", bias=bias)
    theta = MLPBatch(network, [3]).theta.numpy().copy()
    used, h = used_entries(network), 1e-5
    columns = []
    for j in used:
        step = np.zeros_like(theta)
        step[j] = h
        difference = engine_gradient(network, POINTS, theta + step) - \
            engine_gradient(network, POINTS, theta - step)
        columns.append(difference[used] / (2 * h))
    expected = np.array(columns).T
    np.testing.assert_allclose(hessian(network, POINTS, theta), expected, atol=1e-7 * np.abs(expected).max())


def test_linear_regression_hessian_is_two_over_n_x_transpose_x():
    """0 hidden layers on the question's points: H = (2/n) X^T X = [[4/3, 0], [0, 2]], so the
    sharpness is 2 and nothing is flat."""
    network = QUESTION.network.__class__(depth=0)
    theta = MLPBatch(network, [0]).theta.numpy()
    np.testing.assert_allclose(hessian(network, QUESTION.points, theta),
                               [[4 / 3, 0.0], [0.0, 2.0]], rtol=1e-14)
    found = spectrum(network, QUESTION.points, theta)
    assert found.largest == pytest.approx(2.0) and found.flat == 0 and found.downhill == 0


def _on_the_floor(theta: np.ndarray) -> np.ndarray:
    """Returns the question network's weights moved so its effective line is exactly the
    least-squares line: W2 scaled to the slope, then b2 set to the intercept."""
    net = MLPBatch(QUESTION.network, [0])
    net.theta.copy_(torch.as_tensor(theta))
    best = least_squares_line(QUESTION.points)
    slope, _ = net.effective_line()
    net.weights[1][0].mul_(best.slope / float(slope[0]))
    _, intercept = net.effective_line()
    net.biases[1][0].add_(best.intercept - float(intercept[0]))
    return net.theta.numpy().copy()


def test_question_network_at_its_floor_is_j_transpose_a_j_of_rank_two():
    """At the least-squares line the residual is orthogonal to [x, 1], so H = J^T (2/n X^T X) J
    with J = d(w_eff, b_eff)/d theta: rank 2, and 29 of the 31 directions are flat."""
    theta = _on_the_floor(MLPBatch(QUESTION.network, [0]).theta.numpy())

    def line(params: torch.Tensor) -> torch.Tensor:
        w1, b1 = params[:10], params[10:20]
        w2, b2 = params[20:30], params[30]
        return torch.stack([w2 @ w1, w2 @ b1 + b2])

    # the engine's layout: layer 1 is the (2, 10) block [W1^T; b1], layer 2 the (11, 1) [W2^T; b2]
    jacobian = torch.autograd.functional.jacobian(line, torch.as_tensor(theta)).numpy()
    x = np.column_stack([QUESTION.points.xs, np.ones(3)])
    expected = jacobian.T @ (2 / 3 * x.T @ x) @ jacobian
    found = hessian(QUESTION.network, QUESTION.points, theta)
    np.testing.assert_allclose(found, expected, atol=1e-12 * np.abs(expected).max())
    assert np.linalg.matrix_rank(found, tol=1e-9) == 2
    eigen = spectrum(QUESTION.network, QUESTION.points, theta)
    assert (eigen.flat, eigen.downhill, eigen.parameters) == (29, 0, 31)


def test_the_questions_own_final_weights_have_two_curved_directions():
    """The issue's numbers: after the question's 10,000 Adam epochs (seed 0) only 3.21 and 3.61
    are non-zero; the other 29 are below 2e-8."""
    run = Run(QUESTION)
    run.advance(QUESTION.training.epochs)
    found = spectrum(QUESTION.network, QUESTION.points, run.shown_at(run.epoch).weights[0])
    np.testing.assert_allclose(found.eigenvalues[-2:], [3.21, 3.61], atol=0.005)
    assert np.abs(found.eigenvalues[:-2]).max() < 2e-8 and found.flat == 29


def test_the_saddle_presets_plateau_has_ten_ways_down():
    """At epoch 300 of the saddle preset the weights are still ~1e-3, where H is nearly
    [[0, -2 mean(xy) I], [-2 mean(xy) I, 0]]: 10 eigenvalues near -2 mean(xy) = -0.277, 10
    near +0.277, over the 20 weights (no biases); the weights have grown a little by then
    (measured -0.2744, 1% off the corner's value)."""
    experiment = PRESETS["saddle"].experiment
    run = Run(experiment)
    run.advance(300)
    found = spectrum(experiment.network, experiment.points, run.shown_at(300).weights[0])
    corner = 2 * np.mean(np.array(experiment.points.xs) * np.array(experiment.points.ys))
    assert found.parameters == 20 and found.downhill == 10 and found.flat == 0
    assert found.smallest == pytest.approx(-corner, rel=0.02)
    assert found.largest == pytest.approx(corner, rel=0.02)


def test_preconditioned_eigenvalues_are_those_of_d_inverse_h():
    """With a diagonal D the spectrum is that of the non-symmetric D^-1 H."""
    network = Network(depth=1, width=5, activation="tanh", init="torch")
    theta = MLPBatch(network, [1]).theta.numpy()
    d = np.random.default_rng(0).uniform(0.01, 2.0, len(theta))
    expected = np.sort(np.linalg.eigvals(np.diag(1 / d) @ hessian(network, POINTS, theta)).real)
    np.testing.assert_allclose(spectrum(network, POINTS, theta, d).eigenvalues, expected,
                               atol=1e-10 * np.abs(expected).max())


def test_above_the_exact_limit_lanczos_finds_the_extreme_eigenvalues():
    """A network of more than EXACT_LIMIT parameters gets an estimate, said to be one, whose
    extremes match the full Hessian's; Lanczos alone matches eigvalsh on a small one."""
    network = Network(depth=2, width=32, activation="tanh", init="torch")
    assert network.parameter_count() > EXACT_LIMIT
    theta = MLPBatch(network, [0]).theta.numpy()
    found = spectrum(network, POINTS, theta)
    exact = np.linalg.eigvalsh(hessian(network, POINTS, theta))
    assert not found.exact and found.flat is None
    np.testing.assert_allclose([found.smallest, found.largest], [exact[0], exact[-1]], rtol=1e-6)
    small = hessian(Network(depth=1, width=6, activation="sin"), POINTS,
                    MLPBatch(Network(depth=1, width=6, activation="sin"), [2]).theta.numpy())
    extremes = lanczos_extremes(lambda v: torch.as_tensor(small) @ v, len(small))
    np.testing.assert_allclose(extremes, np.linalg.eigvalsh(small)[[0, -1]], rtol=1e-9)


def test_spectra_reads_the_hessian_once_and_gives_what_spectrum_gives_twice():
    """Adam's reading needs the spectrum of H and of D^-1 H: one Hessian, the same numbers."""
    run = Run(QUESTION.with_(epochs=300))
    run.advance(300)
    shown = run.frame
    weights, d = shown.weights[0], shown.preconditioner
    plain, scaled = spectra(QUESTION.network, QUESTION.points, weights, d)
    np.testing.assert_array_equal(plain.eigenvalues,
                                  spectrum(QUESTION.network, QUESTION.points, weights).eigenvalues)
    np.testing.assert_array_equal(
        scaled.eigenvalues, spectrum(QUESTION.network, QUESTION.points, weights, d).eigenvalues)
    assert spectra(QUESTION.network, QUESTION.points, weights)[1] is None


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("bias", [True, False])
def test_hessians_taken_together_are_each_networks_own(activation, bias):
    """`hessians` takes several networks' Hessians in one vectorised call: each is the one
    `hessian` takes alone, for every activation, with and without biases."""
    curvature.warm_batched()
    network = Network(depth=2, width=4, activation=activation, init="torch", bias=bias)
    weights = [MLPBatch(network, [seed]).theta.numpy().copy() for seed in range(5)]
    together = hessians(network, POINTS, weights)
    assert len(together) == 5
    for w, h in zip(weights, together, strict=True):
        alone = hessian(network, POINTS, w)
        np.testing.assert_allclose(h, alone, rtol=1e-12, atol=1e-12 * np.abs(alone).max())
        np.testing.assert_array_equal(h, h.T)


def test_hessians_go_in_calls_of_bounded_size_and_one_by_one_past_the_batch_limit(monkeypatch):
    """Before `warm_batched` (torch.func's first use, which a student's run must not wait for)
    one by one; then at most BATCH_ENTRIES numbers of Hessian a call (here 2 networks of 31
    parameters), and networks past BATCH_LIMIT parameters one by one; the same Hessians every
    way."""
    curvature.warm_batched()
    monkeypatch.setattr(curvature.jets, "JET_WORK", 0)  # past the jets: autograd's ways
    weights = [MLPBatch(QUESTION.network, [seed]).theta.numpy().copy() for seed in range(5)]
    alone = [hessian(QUESTION.network, QUESTION.points, w) for w in weights]
    calls = []
    batched = curvature.torch.func.vmap
    monkeypatch.setattr(curvature.torch.func, "vmap", lambda f: (
        lambda p, t: calls.append(len(p)) or batched(f)(p, t)))
    monkeypatch.setattr(curvature, "_BATCHED", curvature.threading.Event())
    hessians(QUESTION.network, QUESTION.points, weights)  # not warmed: one by one
    assert calls == []
    curvature.warm_batched()
    calls.clear()
    monkeypatch.setattr(curvature, "BATCH_ENTRIES", 2 * 31 * 31)
    chunked = hessians(QUESTION.network, QUESTION.points, weights)
    assert calls == [2, 2, 1]
    monkeypatch.setattr(curvature, "BATCH_LIMIT", 30)
    one_by_one = hessians(QUESTION.network, QUESTION.points, weights)
    assert calls == [2, 2, 1]
    for expected, a, b in zip(alone, chunked, one_by_one, strict=True):
        np.testing.assert_allclose(a, expected, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(b, expected)
