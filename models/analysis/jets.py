"""The exact Hessian of a small network's full-batch MSE by forward propagation of second-order
jets, in numpy: for every point and unit, its value, its gradient and its Hessian with respect to
the flat parameters are carried through the layers (the chain rule twice), and the loss's
Hessian is (2/n) sum_i (J_i J_i^T + r_i H_i), with J_i and H_i the output's gradient and Hessian
at point i and r_i its residual.

Why not autograd: for the question's network (31 parameters, 3 points) a Hessian by autograd
(`torch.autograd.functional.hessian`) costs ~1.5 ms, nearly all of it the call's overhead, and
dozens of small tensor operations that each let the interpreter lock go: with a class of
threads asking for it, each of them hands the lock over. The jets are a few numpy operations on
arrays of n x width x T x T numbers, a fraction of a millisecond for the question's network, for
several networks at once. They are used where they cost less than autograd (`fits`, JET_WORK);
larger networks go to autograd (models/analysis/curvature.py), and JET_ENTRIES bounds the arrays
of one call.
Exact: the same derivatives as autograd's, up to rounding (tests/models/analysis/test_jets.py
compares every activation, with and without biases, at several depths).

The layout is the engine's (models/engine/mlp.py): each layer a (fan_in + 1, fan_out) block
[W^T; b] of the flat theta, z = h W + bias * b, and the activation after every layer but the last.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from models.engine.activations import LEAKY_SLOPE
from models.experiment import Network, Points

# Numbers of one array of jets (networks x points x width x T x T) at most: 32 MB of float64.
JET_ENTRIES = 4_000_000
# The work (`fits`) up to which jets cost less than autograd's Hessian, measured on six points
# (benchmarks/curvature.py's): depth 1 of width 32 (T = 97; 1.8 million) 1.9 ms against 2.8;
# depth 3 of width 5 (1.9 million) 1.8 ms against 3.7; depth 2 of width 10 (13 million) 8.5 ms
# against 5.0; depth 1 of width 64 (14 million) 19 ms against 10.
JET_WORK = 2_000_000
SOFTPLUS_THRESHOLD = 20.0  # torch's softplus is z itself above it (its default threshold)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)

Derivatives = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _tanh(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = np.tanh(z)
    return a, 1.0 - a * a, -2.0 * a * (1.0 - a * a)


def _sigmoid_jets(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = _sigmoid(z)
    return a, a * (1.0 - a), a * (1.0 - a) * (1.0 - 2.0 * a)


def _gelu(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # numpy has no erf: torch's, as the engine's GELU uses it
    cdf = 0.5 * (1.0 + torch.erf(torch.from_numpy(z / np.sqrt(2.0))).numpy())
    pdf = np.exp(-0.5 * z * z) * _INV_SQRT_2PI
    return z * cdf, cdf + z * pdf, pdf * (2.0 - z * z)


def _elu(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    e = np.expm1(np.minimum(z, 0.0))
    return np.where(z > 0, z, e), np.where(z > 0, 1.0, e + 1.0), np.where(z > 0, 0.0, e + 1.0)


def _softplus(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s, over = _sigmoid(z), z > SOFTPLUS_THRESHOLD
    return (np.where(over, z, np.logaddexp(0.0, np.minimum(z, SOFTPLUS_THRESHOLD))),
            np.where(over, 1.0, s), np.where(over, 0.0, s * (1.0 - s)))


# Each activation's value, first and second derivative at z: sigma(z), sigma'(z), sigma''(z).
SECOND_ORDER: dict[str, Derivatives] = {
    "linear": lambda z: (z, np.ones_like(z), np.zeros_like(z)),
    "relu": lambda z: (np.maximum(z, 0.0), (z > 0).astype(z.dtype), np.zeros_like(z)),
    "leaky_relu": lambda z: (np.where(z > 0, z, LEAKY_SLOPE * z),
                             np.where(z > 0, 1.0, LEAKY_SLOPE), np.zeros_like(z)),
    "tanh": _tanh,
    "sigmoid": _sigmoid_jets,
    "gelu": _gelu,
    "elu": _elu,
    "softplus": _softplus,
    "sin": lambda z: (np.sin(z), np.cos(z), -np.sin(z)),
    "square": lambda z: (z * z, 2.0 * z, np.full_like(z, 2.0)),
}


def jet_entries(network: Network, points: Points) -> int:
    """Returns the numbers one network's jets hold at the widest layer (points x width x T x T)."""
    size = network.parameter_count()
    return len(points.xs) * max(fan_out for _, fan_out in network.layer_sizes()) * size * size


def fits(network: Network, points: Points) -> bool:
    """Returns True when jets are the cheaper way to one network's Hessian: their work, about
    jet_entries times (1 + width for every hidden layer after the first: the weights applied to
    each unit's Hessian), is at most JET_WORK."""
    hidden = max(0, network.depth - 1) * network.width
    return jet_entries(network, points) * (1 + hidden) <= JET_WORK


def hessians(network: Network, points: Points, thetas: np.ndarray) -> np.ndarray:
    """Returns the Hessians (B, T, T) of the full-batch MSE at B networks' flat weights thetas
    (B, T), over all T entries of theta (without biases, their rows and columns are zero);
    taken in chunks of at most JET_ENTRIES numbers of jets."""
    thetas = np.asarray(thetas, dtype=np.float64).reshape(len(thetas), -1)
    chunk = max(1, JET_ENTRIES // max(1, jet_entries(network, points)))
    return np.concatenate([_hessians(network, points, thetas[start:start + chunk])
                           for start in range(0, len(thetas), chunk)])


def _through(parts: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Returns sum_k parts[b, i, k, ...] w[b, k, j] (b, i, j, ...): the layer's weights applied
    to each unit's gradient or Hessian, as one matrix product per network and point (BLAS)."""
    count, n, fan_in = parts.shape[:3]
    rest = parts.shape[3:]
    flat = parts.reshape(count, n, fan_in, -1).swapaxes(2, 3)  # (b, i, entries, k)
    return (flat @ w[:, None]).swapaxes(2, 3).reshape(count, n, w.shape[-1], *rest)


def _hessians(network: Network, points: Points, thetas: np.ndarray) -> np.ndarray:
    count, size = thetas.shape
    x = np.asarray(points.xs, dtype=np.float64)
    y = np.asarray(points.ys, dtype=np.float64)
    n, bias = len(x), float(network.bias)
    sizes = network.layer_sizes()
    derivatives = SECOND_ORDER[network.activation]
    # the input: its value, and no gradient or Hessian (None: zero)
    h = np.broadcast_to(x[None, :, None], (count, n, 1))
    grad: np.ndarray | None = None
    hess: np.ndarray | None = None
    offset = 0
    for layer, (fan_in, fan_out) in enumerate(sizes):
        block = thetas[:, offset:offset + (fan_in + 1) * fan_out].reshape(count, fan_in + 1,
                                                                           fan_out)
        w, b = block[:, :fan_in], block[:, fan_in]
        z = np.einsum("bna,bac->bnc", h, w) + bias * b[:, None, :]
        # dz_j/dtheta: through h (W dh), and h_k itself at W[k, j]'s entry, bias at b_j's
        dz = np.zeros((count, n, fan_out, size)) if grad is None else _through(grad, w)
        entries = offset + np.arange(fan_in)[:, None] * fan_out + np.arange(fan_out)[None, :]
        units = np.broadcast_to(np.arange(fan_out)[None, :], entries.shape)
        dz[:, :, units, entries] += h[:, :, :, None]
        dz[:, :, np.arange(fan_out), offset + fan_in * fan_out + np.arange(fan_out)] += bias
        # d2z_j/dtheta2: W d2h, and dh_k beside W[k, j]'s entry (a row and a column); None
        # while it is zero (the first layer's, and a linear network's until its cross terms)
        d2z = None if hess is None else _through(hess, w)
        if grad is not None:
            if d2z is None:
                d2z = np.zeros((count, n, fan_out, size, size))
            d2z[:, :, units, entries, :] += grad[:, :, :, None, :]
            d2z[:, :, units, :, entries] += np.moveaxis(grad, 2, 0)[:, None]
        offset += (fan_in + 1) * fan_out
        if layer == len(sizes) - 1 or network.activation == "linear":
            h, grad, hess = z, dz, d2z
        else:
            h, first, second = derivatives(z)
            grad = first[..., None] * dz
            hess = second[..., None, None] * dz[..., :, None] * dz[..., None, :]
            if d2z is not None:
                hess += first[..., None, None] * d2z
    residual, gradient = h[:, :, 0] - y, grad[:, :, 0]
    found = np.einsum("bns,bnt->bst", gradient, gradient)
    if hess is not None:  # (a network of one layer is linear in its weights)
        found += np.einsum("bn,bnst->bst", residual, hess[:, :, 0])
    return (2.0 / n) * found
