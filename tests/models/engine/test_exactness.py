"""The fast engine against an independent answer: nn.Sequential, autograd and torch.optim.

Every activation x every optimizer trains 100 full-batch steps in the engine and, from the same
initial weights, in the plain PyTorch loop a user would write (float64); the per-step losses,
the gradient norms and the final parameters must agree to rounding. Keras's Adam is checked
against its published formula computed in numpy.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from models.engine.activations import ACTIVATIONS
from models.engine.optimizers import FlatOptimizer
from models.engine.trainer import Trainer, trainer_for
from models.experiment import Experiment, Network, Points, Training

STEPS = 100
POINTS = Points(xs=(-1.0, -0.4, 0.1, 0.5, 1.0), ys=(-0.3, 0.2, 0.05, 0.4, -0.1))
LR = {"adam": 3e-3, "sgd": 1e-2, "momentum": 5e-3, "rmsprop": 1e-3}


class _Elementwise(nn.Module):
    """An activation torch.nn lacks, written with plain torch functions."""

    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.f(z)


# Written out independently of models/engine/activations.py, from torch.nn's own modules.
REFERENCE_ACTIVATIONS = {
    "linear": nn.Identity, "relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU, "elu": nn.ELU,
    "softplus": nn.Softplus, "sin": lambda: _Elementwise(torch.sin),
    "square": lambda: _Elementwise(torch.square),
}

REFERENCE_OPTIMIZERS = {
    "adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
    "sgd": lambda params, lr: torch.optim.SGD(params, lr=lr),
    "momentum": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "rmsprop": lambda params, lr: torch.optim.RMSprop(params, lr=lr),
}


def _experiment(activation: str, optimizer: str, depth: int, seeds: int = 1,
                bias: bool = True, batch: int = 32) -> Experiment:
    return Experiment(points=POINTS,
                      network=Network(depth=depth, width=4, activation=activation,
                                      init="torch", bias=bias),
                      training=Training(optimizer=optimizer, lr=LR[optimizer], epochs=STEPS,
                                        batch=batch),
                      seed=7, seeds=seeds)


def _reference_model(trainer: Trainer, k: int) -> nn.Sequential:
    """Returns nn.Sequential (float64) holding a copy of network k's current parameters."""
    network = trainer.identity.network
    layers = []
    for layer, (w, b) in enumerate(zip(trainer.net.weights, trainer.net.biases, strict=True)):
        fan_out, fan_in = w.shape[1:]
        linear = nn.Linear(fan_in, fan_out, bias=network.bias, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(w[k])
            if network.bias:
                linear.bias.copy_(b[k].reshape(-1))
        layers.append(linear)
        if layer < len(trainer.net.weights) - 1:
            layers.append(REFERENCE_ACTIVATIONS[network.activation]())
    return nn.Sequential(*layers)


def _reference_run(model: nn.Sequential, optimizer: str, lr: float, steps: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Returns the plain loop's (losses, gradient norms) per step; trains model in place."""
    x = torch.tensor(POINTS.xs, dtype=torch.float64).reshape(-1, 1)
    y = torch.tensor(POINTS.ys, dtype=torch.float64).reshape(-1, 1)
    opt = REFERENCE_OPTIMIZERS[optimizer](model.parameters(), lr)
    losses, norms = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        norms.append(math.sqrt(sum(float(p.grad.square().sum()) for p in model.parameters())))
        opt.step()
        losses.append(loss.item())
    return np.array(losses), np.array(norms)


def _assert_same_run(experiment: Experiment) -> None:
    trainer = trainer_for(experiment)
    references = [_reference_model(trainer, k) for k in range(experiment.seeds)]
    losses, norms = trainer.run(STEPS)
    assert losses.shape == norms.shape == (STEPS, experiment.seeds)
    assert np.isfinite(losses).all()
    optimizer, lr = experiment.training.optimizer, experiment.training.lr
    for k, model in enumerate(references):
        ref_losses, ref_norms = _reference_run(model, optimizer, lr, STEPS)
        np.testing.assert_allclose(losses[:, k], ref_losses, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(norms[:, k], ref_norms, rtol=1e-9, atol=1e-15)
        # Looser for parameters: Adam and RMSprop divide by sqrt(v), so on a unit whose
        # gradient is nearly 0 (a leaky or saturated unit) a rounding-sized difference in g is
        # a larger relative difference in its step; the losses above stay at 1e-9.
        engine_final = _reference_model(trainer, k)
        for p, q in zip(engine_final.parameters(), model.parameters(), strict=True):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(),
                                       rtol=1e-7, atol=1e-10)


def test_every_activation_has_a_reference():
    """The tables below cover every activation a link can ask for."""
    assert set(REFERENCE_ACTIVATIONS) == set(ACTIVATIONS)


@pytest.mark.parametrize("optimizer", sorted(REFERENCE_OPTIMIZERS))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_three_seeds_one_hidden_layer_match_autograd(activation, optimizer):
    """Depth 1, three seeds: each network's losses, gradient norms and final parameters equal
    its own nn.Sequential + torch.optim run's."""
    _assert_same_run(_experiment(activation, optimizer, depth=1, seeds=3))


@pytest.mark.parametrize("optimizer", sorted(REFERENCE_OPTIMIZERS))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_three_hidden_layers_match_autograd(activation, optimizer):
    """Depth 3 follows autograd step for step too."""
    _assert_same_run(_experiment(activation, optimizer, depth=3))


@pytest.mark.parametrize("optimizer", sorted(REFERENCE_OPTIMIZERS))
def test_one_linear_layer_matches_autograd(optimizer):
    """Depth 0 is one nn.Linear(1, 1): linear regression, whatever the activation setting."""
    _assert_same_run(_experiment("tanh", optimizer, depth=0, seeds=3))


@pytest.mark.parametrize("activation", ["linear", "tanh"])
def test_networks_without_biases_match_autograd(activation):
    """bias=False trains exactly the weights nn.Linear(bias=False) trains."""
    _assert_same_run(_experiment(activation, "adam", depth=2, seeds=2, bias=False))


def test_minibatch_epochs_match_autograd():
    """Mini-batches: the same shuffles, one update per batch, and the epoch's loss is the
    size-weighted mean of its batch losses, each taken before its update."""
    experiment = _experiment("tanh", "adam", depth=1, batch=2)
    trainer = trainer_for(experiment)
    model = _reference_model(trainer, 0)
    losses, norms = trainer.run(20)
    x = torch.tensor(POINTS.xs, dtype=torch.float64).reshape(-1, 1)
    y = torch.tensor(POINTS.ys, dtype=torch.float64).reshape(-1, 1)
    opt = torch.optim.Adam(model.parameters(), lr=experiment.training.lr)
    shuffler = torch.Generator().manual_seed(experiment.seed)
    n = len(POINTS)
    for epoch in range(20):
        # an epoch's order: the argsort of n uniform doubles from the seed's generator
        perm = torch.rand(n, generator=shuffler, dtype=torch.float64).argsort(stable=True)
        total = 0.0
        for start in range(0, n, 2):
            idx = perm[start:start + 2]
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x[idx]), y[idx])
            loss.backward()
            norm = math.sqrt(sum(float(p.grad.square().sum()) for p in model.parameters()))
            opt.step()
            total += loss.item() * len(idx) / n
        assert losses[epoch, 0] == pytest.approx(total, rel=1e-9)
        assert norms[epoch, 0] == pytest.approx(norm, rel=1e-9)  # the epoch's last batch


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_hand_written_derivatives_match_autograd(activation):
    """Each activation's derivative(z, f(z)) equals autograd's df/dz on random inputs."""
    act = ACTIVATIONS[activation]
    z = (torch.randn(500, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
         * 3.0).requires_grad_()
    a = act.forward(z)
    (expected,) = torch.autograd.grad(a.sum(), z)
    got = act.derivative(z.detach(), a.detach())
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_backward_pass_matches_autograd(activation):
    """The engine's gradient of the MSE, for every network of a batch, equals autograd's."""
    trainer = trainer_for(_experiment(activation, "sgd", depth=2, seeds=3))
    mse = trainer.net.loss_and_grad(trainer.x, trainer.y)
    x = torch.tensor(POINTS.xs, dtype=torch.float64).reshape(-1, 1)
    y = torch.tensor(POINTS.ys, dtype=torch.float64).reshape(-1, 1)
    for k in range(3):
        model = _reference_model(trainer, k)
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        assert float(mse[k]) == pytest.approx(loss.item(), rel=1e-12)
        linears = [m for m in model if isinstance(m, nn.Linear)]
        for linear, wg, bg in zip(linears, trainer.net.weight_grads, trainer.net.bias_grads,
                                  strict=True):
            np.testing.assert_allclose(wg[k].numpy(), linear.weight.grad.numpy(),
                                       rtol=1e-10, atol=1e-15)
            np.testing.assert_allclose(bg[k].reshape(-1).numpy(), linear.bias.grad.numpy(),
                                       rtol=1e-10, atol=1e-15)


def test_keras_adam_follows_the_keras_formula():
    """init="keras" Adam: var -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + 1e-7), checked
    against the formula computed step by step in numpy."""
    rng = np.random.default_rng(3)
    theta0 = rng.normal(size=12)
    grads = rng.normal(size=(6, 12)) * np.logspace(-9, 0, 12)  # plateau-sized gradients too
    lr, b1, b2, eps_hat = 1e-3, 0.9, 0.999, 1e-7
    theta = torch.tensor(theta0)
    optimizer = FlatOptimizer("adam", theta, keras=True)
    expected, m, v = theta0.copy(), np.zeros(12), np.zeros(12)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        expected -= lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps_hat)
        optimizer.step(theta, torch.tensor(g), lr)
        np.testing.assert_allclose(theta.numpy(), expected, rtol=1e-13, atol=1e-16)
    # and it is not torch's placement of epsilon, which differs visibly on small gradients
    torch_style = torch.tensor(theta0)
    torch_optimizer = FlatOptimizer("adam", torch_style, keras=False)
    for g in grads:
        torch_optimizer.step(torch_style, torch.tensor(g), lr)
    assert not np.allclose(torch_style.numpy(), expected, rtol=1e-6, atol=0)
