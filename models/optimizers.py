"""Optimizers that update one flat parameter buffer in place with whole-buffer operations.

Each follows torch.optim's update (tests compare them step for step), except Adam under Keras
conventions, which places epsilon as Keras does (Kingma & Ba, 2015, sec. 2, "epsilon hat"):
    var -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps_hat),  eps_hat = 1e-7,
where torch divides by sqrt(v / (1 - b2^t)) + 1e-8. On a plateau the gradients are tiny, v is
tiny, and the two placements give visibly different steps.
"""

from __future__ import annotations

import math

import torch

Tensor = torch.Tensor

BETA1, BETA2 = 0.9, 0.999
TORCH_ADAM_EPS, KERAS_ADAM_EPS = 1e-8, 1e-7
MOMENTUM = 0.9
RMSPROP_ALPHA, RMSPROP_EPS = 0.99, 1e-8  # torch.optim.RMSprop defaults

OPTIMIZERS = {
    "adam": "Adam (b1 0.9, b2 0.999)",
    "sgd": "plain gradient descent",
    "momentum": "SGD with momentum 0.9",
    "rmsprop": "RMSprop (alpha 0.99)",
}


class FlatOptimizer:
    """Holds one optimizer's state for a flat buffer; `step` changes theta in place."""

    def __init__(self, name: str, theta: Tensor, keras: bool = False):
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name!r}")
        self.name = name
        self.keras = keras
        self.t = 0
        self.m = torch.zeros_like(theta) if name in ("adam", "momentum") else None
        self.v = torch.zeros_like(theta) if name in ("adam", "rmsprop") else None

    def step(self, theta: Tensor, grad: Tensor, lr: float) -> None:
        """Applies one update to theta (in place) from grad; advances the step count."""
        self.t += 1
        if self.name == "sgd":
            theta.add_(grad, alpha=-lr)
        elif self.name == "momentum":
            # torch: buf = mu*buf + g (the first step copies g, which is the same from zeros)
            self.m.mul_(MOMENTUM).add_(grad)
            theta.add_(self.m, alpha=-lr)
        elif self.name == "rmsprop":
            self.v.mul_(RMSPROP_ALPHA).addcmul_(grad, grad, value=1.0 - RMSPROP_ALPHA)
            theta.addcdiv_(grad, self.v.sqrt().add_(RMSPROP_EPS), value=-lr)
        else:
            self.m.lerp_(grad, 1.0 - BETA1)
            self.v.mul_(BETA2).addcmul_(grad, grad, value=1.0 - BETA2)
            bias1 = 1.0 - BETA1**self.t
            bias2 = 1.0 - BETA2**self.t
            if self.keras:
                denom = self.v.sqrt().add_(KERAS_ADAM_EPS)
                theta.addcdiv_(self.m, denom, value=-lr * math.sqrt(bias2) / bias1)
            else:
                denom = self.v.sqrt().div_(math.sqrt(bias2)).add_(TORCH_ADAM_EPS)
                theta.addcdiv_(self.m, denom, value=-lr / bias1)
