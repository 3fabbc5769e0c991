"""How sharp the ground may be for a step size: each optimizer's stability threshold.

On a quadratic with curvature lambda, a step of the optimizers here is stable only while a
measure of sharpness stays below a threshold set by the learning rate; above it, the error along
the sharpest direction grows each step, and the loss climbs or oscillates (Cohen, Kaur, Li, Kolter
& Talwalkar, 2021, "Gradient Descent on Neural Networks Typically Occurs at the Edge of
Stability", ICLR, sec. 2; Cohen et al., 2022, "Adaptive Gradient Methods at the Edge of
Stability", sec. 2-3). Read against models/engine/optimizers.py:
- sgd, theta -= lr g: the error along lambda is multiplied by 1 - lr lambda each step, stable
  while lambda_max(H) < 2 / lr.
- momentum (torch's heavy ball, buf = beta buf + g, theta -= lr buf, beta = MOMENTUM): the
  two-step recurrence e' = (1 + beta - lr lambda) e - beta e_prev has both roots inside the unit
  circle while lambda_max(H) < (2 + 2 beta) / lr.
- adam, theta -= lr D^-1 m with m = b1 m + (1 - b1) g and D its diagonal preconditioner
  (`FlatOptimizer.preconditioner`, bias corrections and eps included): with D frozen it is heavy
  ball with step lr (1 - b1) on the preconditioned Hessian D^-1 H, stable while
  lambda_max(D^-1 H) < (2 + 2 b1) / ((1 - b1) lr), 38 / lr for b1 = 0.9 (Cohen et al., 2022).
- rmsprop, theta -= lr D^-1 g with no momentum: lambda_max(D^-1 H) < 2 / lr.
For the adaptive two the threshold holds for the preconditioner of the moment; tests check every
threshold against real runs (tests/models/analysis/test_stability.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from models.analysis.curvature import spectrum
from models.engine.mlp import MLPBatch
from models.engine.optimizers import BETA1, MOMENTUM
from models.experiment import Network, Points

PRECONDITIONED = ("adam", "rmsprop")  # optimizers whose sharpness is lambda_max(D^-1 H)


@dataclass(frozen=True)
class Threshold:
    """The largest stable sharpness `numerator / lr` of an optimizer, its formula in words and
    whether it applies to the preconditioned Hessian D^-1 H rather than H."""

    numerator: float
    formula: str
    preconditioned: bool

    def at(self, lr: float) -> float:
        """Returns the threshold at learning rate lr."""
        return self.numerator / lr

    def largest_stable_lr(self, sharpness: float) -> float:
        """Returns the learning rate at which `sharpness` is the threshold (inf when <= 0)."""
        return self.numerator / sharpness if sharpness > 0 else float("inf")


THRESHOLDS = {
    "sgd": Threshold(2.0, "2/lr", False),
    "momentum": Threshold(2.0 + 2.0 * MOMENTUM, f"(2+2·{MOMENTUM:g})/lr", False),
    "adam": Threshold((2.0 + 2.0 * BETA1) / (1.0 - BETA1),
                      f"(2+2·{BETA1:g})/((1−{BETA1:g})·lr)", True),
    "rmsprop": Threshold(2.0, "2/lr", True),
}


@lru_cache(maxsize=128)
def initial_sharpness(network: Network, points: Points, seed: int) -> float:
    """Returns lambda_max of the Hessian at seed's initial weights (the engine's own start):
    what the learning rate must respect from the first step. Cached: a few per session."""
    weights = MLPBatch(network, [seed]).theta.numpy()
    return spectrum(network, points, weights).largest


def stable_lr_before_play(network: Network, points: Points, seed: int,
                          optimizer: str) -> float | None:
    """Returns the largest stable learning rate at the initial weights for sgd and momentum
    (the threshold solved for lr), None for the adaptive optimizers, whose preconditioner does
    not exist before the first step."""
    threshold = THRESHOLDS[optimizer]
    if threshold.preconditioned:
        return None
    return threshold.largest_stable_lr(initial_sharpness(network, points, seed))


def sharpness_ratio(sharpness: float, optimizer: str, lr: float) -> float:
    """Returns sharpness over the optimizer's threshold at lr: at or above 1, unstable."""
    return float(np.float64(sharpness) / THRESHOLDS[optimizer].at(lr))
