"""Hidden-layer activations: each a forward function and its hand-derived derivative.

The engine's backward pass uses `derivative(z, a)`, given the pre-activation z and the output
a = forward(z), so cheap derivatives can reuse a (tanh, sigmoid). Tests check every derivative
against autograd. The registry's keys are the only activation names a share link can carry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

Tensor = torch.Tensor
LEAKY_SLOPE = 0.01  # torch.nn.LeakyReLU's default negative slope
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@dataclass(frozen=True)
class Activation:
    """A name, a forward map z -> a, and da/dz as a function of (z, a)."""

    name: str
    forward: Callable[[Tensor], Tensor]
    derivative: Callable[[Tensor, Tensor], Tensor]
    description: str


def _gelu_derivative(z: Tensor, a: Tensor) -> Tensor:
    # exact GELU: z * Phi(z), so d/dz = Phi(z) + z * phi(z)
    cdf = 0.5 * (1.0 + torch.erf(z * (1.0 / math.sqrt(2.0))))
    return cdf + z * torch.exp(-0.5 * z * z) * INV_SQRT_2PI


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("linear", lambda z: z, lambda z, a: torch.ones_like(z),
                   "no activation: Keras's Dense default; layers collapse to one line"),
        Activation("relu", torch.relu, lambda z, a: (z > 0).to(z.dtype), "max(0, z)"),
        Activation("leaky_relu", lambda z: F.leaky_relu(z, LEAKY_SLOPE),
                   lambda z, a: torch.where(z > 0, 1.0, torch.full_like(z, LEAKY_SLOPE)),
                   "max(0.01 z, z)"),
        Activation("tanh", torch.tanh, lambda z, a: 1.0 - a * a, "tanh(z)"),
        Activation("sigmoid", torch.sigmoid, lambda z, a: a * (1.0 - a), "1 / (1 + e^-z)"),
        Activation("gelu", F.gelu, _gelu_derivative, "z * Phi(z), the exact form"),
        Activation("elu", F.elu, lambda z, a: torch.where(z > 0, 1.0, a + 1.0).to(z.dtype),
                   "z, or e^z - 1 below 0"),
        Activation("softplus", F.softplus, lambda z, a: torch.sigmoid(z), "log(1 + e^z)"),
        Activation("sin", torch.sin, lambda z, a: torch.cos(z), "sin(z)"),
        Activation("square", lambda z: z * z, lambda z, a: 2.0 * z,
                   "z^2: the network is a polynomial of x"),
    ]
}
