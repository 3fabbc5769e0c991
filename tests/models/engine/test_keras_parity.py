"""The engine's init="keras" against real Keras: the same start trained by `fit` gives the same
losses, every optimizer x activation, on the question's points and on six points; the initial
weights are drawn as Keras and nn.Linear draw them; RMSprop is Keras's own, step for step.

Runs are full batch (batch_size 32 on 3 or 6 points): the engine shuffles mini-batches with its
own generator, which Keras's shuffle cannot follow. Learning rates are chosen so that each run
of EPOCHS epochs keeps descending and stays well above 0: at the bottom of a valley Adam and
RMSprop take sign-like steps where float32 rounding decides the sign, and a float32 loss near 0
has no relative precision left.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from models.engine.mlp import MLPBatch
from models.engine.optimizers import FlatOptimizer
from models.engine.trainer import trainer_for
from models.experiment import Experiment, Network, Points, Training
from tests.keras_reference import FLOAT32_RTOL, keras, keras_fit, keras_model

EPOCHS = 200
SIX = Points(xs=(-1.0, -0.6, -0.2, 0.2, 0.6, 1.0), ys=(-0.5, 0.1, 0.3, -0.2, 0.4, 0.05))
POINT_SETS = {"question": Points(), "six": SIX}
LR = {"adam": 1e-3, "sgd": 5e-2, "momentum": 3e-3, "rmsprop": 1e-4}
ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid")
MIN_RELU_STRETCH = 60  # epochs a relu comparison must cover to mean something
# Two-sample Kolmogorov-Smirnov at significance 1e-3: D > c sqrt((n + m) / (n m)) rejects
# "the same distribution", with c = sqrt(-ln(alpha / 2) / 2) = 1.949 (Smirnov's asymptotic law).
KS_C = math.sqrt(-math.log(1e-3 / 2) / 2)


def _experiment(points: str, activation: str, optimizer: str) -> Experiment:
    return Experiment(points=POINT_SETS[points], network=Network(activation=activation),
                      training=Training(optimizer=optimizer, lr=LR[optimizer], epochs=EPOCHS))


class _Signs(keras.callbacks.Callback):
    """Records the sign of every hidden pre-activation at every point before each epoch."""

    def __init__(self, x: np.ndarray):
        super().__init__()
        self.x, self.signs = x, []

    def on_epoch_begin(self, epoch, logs=None):
        kernel, bias = self.model.layers[0].get_weights()
        self.signs.append(np.sign(self.x @ kernel + bias))


def _engine_signs(experiment: Experiment) -> np.ndarray:
    """Returns the engine's hidden pre-activation signs (epochs, points, width), epoch by epoch."""
    trainer, signs = trainer_for(experiment), []
    x = torch.tensor(experiment.points.xs, dtype=torch.float64).reshape(-1, 1)
    for _ in range(experiment.training.epochs):
        w, b = trainer.net.weights[0][0], trainer.net.biases[0][0]
        signs.append(torch.sign(x @ w.T + b).numpy())
        trainer.run(1)
    return np.array(signs)


def parity(points: str, activation: str, optimizer: str) -> tuple[float, int]:
    """Returns the largest relative loss difference, engine against Keras, and over how many
    epochs it was taken: all of them, or for relu those before the first epoch where the two
    runs put some unit at some point on different sides of its kink."""
    experiment = _experiment(points, activation, optimizer)
    trainer = trainer_for(experiment)
    model = keras_model(trainer)
    engine = trainer.run(EPOCHS)[0][:, 0]
    signs = _Signs(np.asarray(experiment.points.xs, dtype=np.float32).reshape(-1, 1))
    theirs = keras_fit(model, experiment, (signs,))
    stretch = EPOCHS
    if activation == "relu":
        differ = (np.array(signs.signs) != _engine_signs(experiment)).any(axis=(1, 2))
        stretch = int(np.argmax(differ)) if differ.any() else EPOCHS
    relative = np.abs(theirs[:stretch] - engine[:stretch]) / engine[:stretch]
    return float(relative.max()), stretch


@pytest.mark.parametrize("optimizer", sorted(LR))
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("points", sorted(POINT_SETS))
def test_keras_fit_gives_the_engines_losses(points, activation, optimizer):
    """Keras's fit from the engine's initial weights gives the engine's loss every epoch, within
    float32's precision (relu: while both runs are on the same side of every kink)."""
    worst, stretch = parity(points, activation, optimizer)
    assert stretch >= (MIN_RELU_STRETCH if activation == "relu" else EPOCHS)
    assert worst <= FLOAT32_RTOL, f"{worst:.2e} over {stretch} epochs"


def test_torch_style_rmsprop_would_fail_the_parity_check():
    """The check has teeth: torch's RMSprop (alpha 0.99, eps outside the root) on a Keras start
    is off by far more than the tolerance."""
    experiment = _experiment("six", "tanh", "rmsprop")
    trainer = trainer_for(experiment)
    trainer.optimizer = FlatOptimizer("rmsprop", trainer.net.theta, keras=False)
    model = keras_model(trainer)
    engine = trainer.run(EPOCHS)[0][:, 0]
    theirs = keras_fit(model, experiment)
    assert np.max(np.abs(theirs - engine) / engine) > 100 * FLOAT32_RTOL


def test_keras_rmsprop_steps_exactly_like_keras():
    """init="keras" RMSprop equals keras.optimizers.RMSprop step for step, both in float64,
    on gradients as small as a plateau's. The learning rate is 2^-10: Keras keeps it in a float32
    variable, and a rate float32 rounds would differ by that rounding, not by the formula."""
    rng = np.random.default_rng(5)
    start = rng.normal(size=12)
    grads = rng.normal(size=(8, 12)) * np.logspace(-9, 0, 12)
    lr = 2.0**-10
    variable = keras.Variable(start.copy(), dtype="float64")
    theirs = keras.optimizers.RMSprop(learning_rate=lr)
    theta = torch.tensor(start)
    mine = FlatOptimizer("rmsprop", theta, keras=True)
    for g in grads:
        theirs.apply_gradients([(torch.tensor(g), variable)])
        mine.step(theta, torch.tensor(g), lr)
        np.testing.assert_allclose(theta.numpy(), np.asarray(variable.numpy()), rtol=1e-14,
                                   atol=1e-18)


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Returns the two-sample Kolmogorov-Smirnov statistic: the largest gap between the two
    empirical distribution functions, evaluated at every sample."""
    a, b = np.sort(a), np.sort(b)
    both = np.concatenate([a, b])
    gap = np.searchsorted(a, both, side="right") / len(a) - np.searchsorted(b, both,
                                                                            side="right") / len(b)
    return float(np.abs(gap).max())


def _ks_critical(n: int, m: int) -> float:
    return KS_C * math.sqrt((n + m) / (n * m))


SEEDS = list(range(2000))
KS_NETWORK = dict(depth=2, width=10)  # layers of fan (1, 10), (10, 10) and (10, 1)


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_keras_init_draws_like_glorot_uniform(layer):
    """Each layer's engine weights (2,000 seeds) and keras.initializers.GlorotUniform's draws of the
    same shape pass a KS test; the biases are zeros; a 20% wider limit is rejected."""
    net = MLPBatch(Network(init="keras", **KS_NETWORK), SEEDS)
    ours = net.weights[layer].numpy().reshape(-1)
    shape = tuple(net.weights[layer].shape[1:][::-1])  # Keras's kernel is (fan_in, fan_out)
    theirs = np.concatenate([np.asarray(keras.initializers.GlorotUniform(seed=s)(shape)).reshape(-1)
                             for s in SEEDS])
    critical = _ks_critical(len(ours), len(theirs))
    assert ks_statistic(ours, theirs) < critical
    assert ks_statistic(1.2 * ours, theirs) > critical
    assert not net.biases[layer].any()


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_torch_init_draws_like_nn_linear(layer):
    """Each layer's engine weights and biases (2,000 seeds) and nn.Linear's default draws pass a
    KS test; a 20% wider bound is rejected."""
    net = MLPBatch(Network(init="torch", **KS_NETWORK), SEEDS)
    fan_out, fan_in = net.weights[layer].shape[1:]
    torch.manual_seed(11)
    linears = [nn.Linear(fan_in, fan_out, dtype=torch.float64) for _ in SEEDS]
    for ours, theirs in ((net.weights[layer], [m.weight for m in linears]),
                         (net.biases[layer], [m.bias for m in linears])):
        ours = ours.numpy().reshape(-1)
        theirs = torch.cat([t.detach().reshape(-1) for t in theirs]).numpy()
        critical = _ks_critical(len(ours), len(theirs))
        assert ks_statistic(ours, theirs) < critical
        assert ks_statistic(1.2 * ours, theirs) > critical
