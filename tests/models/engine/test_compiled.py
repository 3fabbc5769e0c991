"""The compiled training loop (models/engine/compiled.py) against the plan it replaced, run from
Python one operation at a time (tests/plan_reference.py): every loss, gradient norm, weight and
optimizer state is bitwise the same. And the loop runs without the interpreter lock."""

from __future__ import annotations

import math
import sys
import threading
import time

import numpy as np
import pytest
import torch

from models.engine.activations import ACTIVATIONS
from models.engine.optimizers import OPTIMIZERS
from models.engine.trainer import trainer_for
from models.experiment import QUESTION, Experiment, Network, Points, Training
from tests import plan_reference

FIVE = Points((-1.0, -0.5, 0.0, 0.5, 1.0), (0.3, -0.2, 0.1, 0.4, -0.1))
LRS = {"adam": 1e-2, "sgd": 1e-2, "momentum": 1e-2, "rmsprop": 1e-3}


def same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when two float64 tensors hold the same bits (NaNs included)."""
    return torch.equal(a.view(torch.int64), b.view(torch.int64))


def assert_same_run(experiment: Experiment, chunks: tuple[int, ...]) -> None:
    """Trains the experiment in `chunks` of epochs both ways and compares everything bitwise."""
    compiled, reference = trainer_for(experiment), trainer_for(experiment)
    for epochs in chunks:
        losses, norms = compiled.run(epochs)
        expected, expected_norms = plan_reference.run(reference, epochs)
        assert np.array_equal(losses.view(np.int64), expected.view(np.int64))
        assert np.array_equal(norms.view(np.int64), expected_norms.view(np.int64))
    assert same_bits(compiled.net.theta, reference.net.theta)
    for name in ("m", "v"):
        mine, theirs = getattr(compiled.optimizer, name), getattr(reference.optimizer, name)
        assert (mine is None and theirs is None) or same_bits(mine, theirs)
    assert compiled.optimizer.t == reference.optimizer.t
    assert torch.equal(compiled.optimizer._step_tensor, reference.optimizer._step_tensor) \
        or compiled.optimizer.name != "adam"
    assert (compiled.epoch, compiled.diverged) == (reference.epoch, reference.diverged)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("init", ["keras", "torch"])
@pytest.mark.parametrize("batch", [32, 2])
def test_every_activation_optimizer_and_convention_trains_bitwise_as_the_plan(
        activation, optimizer, init, batch):
    """Full batches and mini-batches with a short last one (5 points in batches of 2), in chunks
    that cut the blocks of drawn orders (64 epochs) anywhere."""
    experiment = QUESTION.with_(points=FIVE, optimizer=optimizer, lr=LRS[optimizer],
                                batch=batch, seeds=2, seed=4).with_(
        network=Network(depth=2, width=3, activation=activation, init=init))
    assert_same_run(experiment, (1, 70, 9))


@pytest.mark.parametrize("network", [
    Network(depth=0), Network(depth=1, width=4, bias=False), Network(depth=1, width=10),
    Network(depth=3, width=5, activation="tanh", bias=False),
    Network(depth=1, width=6, activation="relu", init_scale=1e-3)])
@pytest.mark.parametrize("batch", [3, 1])  # a short last batch, and none
def test_depths_widths_and_biases_train_bitwise_as_the_plan(network, batch):
    experiment = Experiment(points=FIVE, network=network,
                            training=Training(optimizer="adam", lr=1e-2, epochs=100, batch=batch),
                            seed=1, seeds=3)
    assert_same_run(experiment, (64, 36))


def test_a_diverging_run_stops_as_the_plan_stops_it():
    experiment = QUESTION.with_(lr=10.0, optimizer="sgd")
    assert_same_run(experiment, (200,))
    assert trainer_for(experiment).run(200)[0].shape[0] < 200  # it did diverge


def test_a_block_trains_without_the_interpreter_lock():
    """Another thread holds the interpreter lock (a Python loop that never waits, with the
    switch interval set past the test's length) while a block trains: the block still ends
    on the weights it ends on alone, so its loop never needs the lock. Eager PyTorch takes the
    lock back at every operation; such a loop stays stuck at its first one."""
    epochs = 5_000
    alone = trainer_for(QUESTION)
    alone.run(epochs)
    expected = alone.net.theta.numpy().copy()
    trainer = trainer_for(QUESTION)
    weights = trainer.net.theta.numpy()  # read from here without a PyTorch call
    start = weights.copy()
    worker = threading.Thread(target=trainer.run, args=(epochs,))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1_000.0)
    try:
        worker.start()
        while np.array_equal(weights, start):  # until the loop runs: it let the lock go
            time.sleep(0.001)
        deadline, done = time.monotonic() + 120.0, False
        while not done and time.monotonic() < deadline:  # holds the lock all along
            done = np.array_equal(weights, expected)
    finally:
        sys.setswitchinterval(interval)
        worker.join()
    assert done, "the training loop took the interpreter lock back while it ran"


def eager_line(net) -> tuple[torch.Tensor, torch.Tensor]:
    """The effective line as the engine folded it before it was scripted, op by op."""
    slope, intercept = net.weights[0], net.biases[0].transpose(1, 2)
    for w, b in zip(net.weights[1:], net.biases[1:], strict=True):
        slope = torch.bmm(w, slope)
        intercept = torch.bmm(w, intercept) + b.transpose(1, 2)
    return slope.reshape(net.k), intercept.reshape(net.k)


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_the_scripted_effective_line_is_the_eager_fold_bitwise(depth):
    trainer = trainer_for(QUESTION.with_(seeds=4).with_(network=Network(depth=depth, width=7)))
    trainer.run(50)
    for mine, theirs in zip(trainer.net.effective_line(), eager_line(trainer.net), strict=True):
        assert same_bits(mine, theirs)


@pytest.mark.parametrize(("optimizer", "init"), [("adam", "keras"), ("adam", "torch"),
                                                 ("rmsprop", "keras"), ("rmsprop", "torch")])
def test_the_scripted_preconditioner_is_the_eager_formula_bitwise(optimizer, init):
    """What models/engine/optimizers.py computed op by op before it was scripted; the first
    entries alone (a snapshot keeps seed 0's) are the whole's first entries."""
    trainer = trainer_for(QUESTION.with_(optimizer=optimizer, seeds=3).with_(
        network=Network(init=init)))
    trainer.run(40)
    opt, t = trainer.optimizer, trainer.optimizer.t
    if optimizer == "rmsprop":
        eager = (opt.v + 1e-7).sqrt() if opt.keras else opt.v.sqrt() + 1e-8
    else:
        correction2 = 1.0 - 0.999**t
        eps = 1e-7 / math.sqrt(correction2) if opt.keras else 1e-8
        eager = (1.0 - 0.9**t) * ((opt.v / correction2).sqrt() + eps)
    assert same_bits(opt.preconditioner(), eager)
    assert same_bits(opt.preconditioner(first=31), eager[:31])
