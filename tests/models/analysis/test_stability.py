"""Each optimizer's stability threshold against real runs of the engine, and the diagonal
preconditioner against the engine's own update."""

import numpy as np
import pytest
import torch

from models.analysis.curvature import spectrum
from models.analysis.stability import THRESHOLDS, stable_lr_before_play
from models.engine.optimizers import FlatOptimizer
from models.engine.trainer import trainer_for
from models.experiment import QUESTION, Network, Points

REGRESSION = QUESTION.with_(depth=0, epochs=3_000)  # H = [[4/3, 0], [0, 2]]: sharpness 2


@pytest.mark.parametrize("optimizer, limit", [("sgd", 1.0), ("momentum", 1.9)])
def test_gradient_descent_diverges_just_above_the_threshold_and_converges_just_below(
        optimizer, limit):
    """Linear regression on the question's points has sharpness 2: sgd is stable below
    lr = 2/2 = 1, heavy-ball momentum 0.9 below 3.8/2 = 1.9; 5% either side decides."""
    assert stable_lr_before_play(REGRESSION.network, REGRESSION.points, 0, optimizer) == \
        pytest.approx(limit)
    for lr, stable in ((0.95 * limit, True), (1.05 * limit, False)):
        trainer = trainer_for(REGRESSION.with_(optimizer=optimizer, lr=lr))
        losses, _ = trainer.run(3_000)
        assert bool(not trainer.diverged and losses[-1, 0] < 0.0057) == stable


def _ratios(experiment, readings: int, epochs: int) -> list[float]:
    """Returns lambda_max(D^-1 H) over the threshold after each of `readings` blocks."""
    trainer, threshold = trainer_for(experiment), THRESHOLDS[experiment.training.optimizer]
    ratios = []
    for _ in range(readings):
        trainer.run(epochs)
        found = spectrum(experiment.network, experiment.points, trainer.net.theta.numpy(),
                         trainer.optimizer.preconditioner().numpy())
        ratios.append(found.largest / threshold.at(experiment.training.lr))
    return ratios


def test_full_batch_adam_rises_to_its_threshold_and_hovers_there():
    """Adam at lr 0.1 on linear regression: as the gradient dies, D shrinks and the
    preconditioned sharpness climbs to 38/lr, then each overshoot raises D again: measured 0.27
    after 250 epochs, then between 0.75 and 1.05 (Cohen et al., 2022, fig. 1)."""
    ratios = _ratios(REGRESSION.with_(optimizer="adam", lr=0.1), 12, 250)
    assert ratios[0] < 0.5 and 0.95 < max(ratios) < 1.15 and min(ratios[6:]) > 0.6


def test_full_batch_rmsprop_settles_on_its_threshold():
    """Keras's RMSprop at lr 0.01 on four points settles with lambda_max(D^-1 H) at 2/lr
    (measured 1.000 from epoch 500 on)."""
    experiment = REGRESSION.with_(points=Points(xs=(0.0, 1.0, 2.5, 3.0), ys=(0.3, -0.2, 0.9, 0.4)),
                                  optimizer="rmsprop", lr=0.01)
    np.testing.assert_allclose(_ratios(experiment, 6, 500)[1:], 1.0, atol=0.01)


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
@pytest.mark.parametrize("keras", [True, False])
def test_the_preconditioner_is_what_the_step_divides_by(optimizer, keras):
    """theta changes by -lr D^-1 m (Adam) or -lr D^-1 g (RMSprop) with D read after the step:
    eps and both bias corrections are in D as the engine uses them."""
    generator = torch.Generator().manual_seed(0)
    theta = torch.randn(7, generator=generator, dtype=torch.float64)
    opt = FlatOptimizer(optimizer, theta, keras=keras)
    assert opt.preconditioner() is None  # no second moments before the first step
    for _ in range(4):
        grad = torch.randn(7, generator=generator, dtype=torch.float64) * 1e-3
        before = theta.clone()
        opt.step(theta, grad, 0.01)
        direction = opt.m if optimizer == "adam" else grad
        np.testing.assert_allclose(theta - before, -0.01 * direction / opt.preconditioner(),
                                   rtol=1e-12)


def test_no_stable_rate_before_play_for_the_adaptive_optimizers():
    """Adam's and RMSprop's D needs a gradient: before Play there is nothing to solve."""
    network = Network(depth=0)
    assert stable_lr_before_play(network, QUESTION.points, 0, "adam") is None
    assert stable_lr_before_play(network, QUESTION.points, 0, "rmsprop") is None
