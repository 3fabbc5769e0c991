"""The curvature of the training loss at given weights: its exact Hessian and eigenvalues.

For one network (the seed the charts show) the full-batch MSE L(theta) = mean((f(x_i) - y_i)^2)
is written again as a function of the engine's flat parameter vector (layout:
models/engine/mlp.py, each layer a (fan_in + 1, fan_out) block [W^T; b]), and its Hessian is
taken in float64: by second-order jets where they fit (models/analysis/jets.py: the chain rule
twice, in numpy, several snapshots at once), else by autograd (`torch.autograd.functional.hessian`,
vectorised; several snapshots' at once with `torch.func`, `hessians`). Its eigenvalues say
what the ground looks like in every direction at once:
- a negative eigenvalue is a direction in which the loss curves down: a way off a saddle;
- an eigenvalue within FLAT_TOLERANCE of zero is a flat direction: for a linear network at its
  floor all but two are (H = J^T (2/n X^T X) J with J = d(w_eff, b_eff)/d theta, of rank 2);
- the largest is the sharpness, which a step size must respect (models/analysis/stability.py).
Exact up to EXACT_LIMIT parameters (measured: 30 ms for 573 parameters with its eigenvalues,
benchmarks/curvature.py). Above that, the smallest and largest eigenvalues are estimated by
Lanczos iteration on Hessian-vector products, and the spectrum says it is an estimate.
Without biases the engine ignores the bias entries of theta, so they are left out here: they
are not parameters of that network, and would each add a flat direction that is not there.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from models.analysis import jets
from models.engine.activations import ACTIVATIONS
from models.engine.mlp import DTYPE
from models.experiment import Network, Points

Tensor = torch.Tensor
EXACT_LIMIT = 1_000  # parameters up to which the whole Hessian is formed and diagonalised
# An eigenvalue is flat when |lambda| <= FLAT_TOLERANCE * max|lambda|. Rounding alone leaves
# ~P * 1e-16 relative (eigvalsh in float64); what is left of a run that stopped just off its
# minimum is larger: the question's network after its 10,000 Adam epochs has 29 eigenvalues
# below 2e-8 against a largest of 3.6 (5e-9 relative). The smallest real curvature seen is
# larger: a stalled tanh network's downhill direction, -2.4e-4 against a largest of 10
# (2.4e-5 relative, issue 22). 1e-6 sits between the two with a factor ~25 on either side.
FLAT_TOLERANCE = 1e-6
LANCZOS_STEPS = 60  # Krylov steps above EXACT_LIMIT: the extreme eigenvalues converge first
BATCH_LIMIT = 128  # parameters up to which several networks' Hessians are taken in one call
BATCH_ENTRIES = 1_000_000  # numbers of Hessian (8 MB) taken in one call at most
_BATCHED = threading.Event()  # set by warm_batched: torch.func is loaded, Hessians go together


@dataclass(frozen=True)
class Spectrum:
    """Eigenvalues of a (possibly preconditioned) Hessian, ascending: all `parameters` of them
    when `exact`, else only the estimated smallest and largest."""

    eigenvalues: np.ndarray
    exact: bool
    parameters: int

    @property
    def largest(self) -> float:
        """Returns lambda_max: the sharpness."""
        return float(self.eigenvalues[-1])

    @property
    def smallest(self) -> float:
        """Returns lambda_min: below zero, the steepest downhill curvature."""
        return float(self.eigenvalues[0])

    @property
    def tolerance(self) -> float:
        """Returns the |lambda| below which an eigenvalue counts as flat."""
        return FLAT_TOLERANCE * float(np.max(np.abs(self.eigenvalues)))

    @property
    def flat(self) -> int | None:
        """Returns how many eigenvalues are flat (None unless exact)."""
        return int(np.sum(np.abs(self.eigenvalues) <= self.tolerance)) if self.exact else None

    @property
    def downhill(self) -> int | None:
        """Returns how many eigenvalues are below minus the tolerance: ways down (None unless
        exact and some; an estimate knows only whether there is at least one)."""
        count = int(np.sum(self.eigenvalues < -self.tolerance))
        return count if self.exact or count == 0 else None

    @property
    def has_downhill(self) -> bool:
        """Returns True when some direction curves down beyond the tolerance."""
        return self.smallest < -self.tolerance


def used_entries(network: Network) -> np.ndarray:
    """Returns the indices into one network's flat theta of its parameters: all of them, or the
    weights only when the network has no biases (the engine ignores those entries)."""
    return _used_entries(network).copy()  # a copy of the kept ones: the caller's to change


@functools.lru_cache(maxsize=256)
def _used_entries(network: Network) -> np.ndarray:
    # kept for the next call: a curvature chart's draw asks ~15 times
    mask, offset = [], 0
    for fan_in, fan_out in network.layer_sizes():
        block = np.ones((fan_in + 1, fan_out), dtype=bool)
        block[-1] = network.bias
        mask.append(block.ravel())
        offset += block.size
    return np.flatnonzero(np.concatenate(mask))


def loss_function(network: Network, points: Points, theta: Tensor) -> Callable[[Tensor], Tensor]:
    """Returns L(p): the full-batch MSE as a function of the used entries p of theta (the others
    held at theta's values); theta is not changed."""
    loss = _loss_of(network, points)
    return lambda params: loss(params, theta)


def _loss_of(network: Network, points: Points) -> Callable[[Tensor, Tensor], Tensor]:
    """Returns L(p, theta): the full-batch MSE of the network whose flat weights are theta with
    its used entries replaced by p."""
    x = torch.tensor(points.xs, dtype=DTYPE).reshape(-1, 1)
    y = torch.tensor(points.ys, dtype=DTYPE)
    index = torch.as_tensor(used_entries(network))
    act = ACTIVATIONS[network.activation].forward
    sizes, bias = network.layer_sizes(), float(network.bias)
    last = len(sizes) - 1

    def loss(params: Tensor, theta: Tensor) -> Tensor:
        full = theta.index_put((index,), params)
        h, offset = x, 0
        for layer, (fan_in, fan_out) in enumerate(sizes):
            block = full[offset:offset + (fan_in + 1) * fan_out].reshape(fan_in + 1, fan_out)
            offset += block.numel()
            h = h @ block[:-1] + bias * block[-1]
            if layer < last and network.activation != "linear":
                h = act(h)
        return ((h.squeeze(-1) - y) ** 2).mean()

    return loss


def hessian(network: Network, points: Points, weights: np.ndarray) -> np.ndarray:
    """Returns the exact Hessian (P, P) of the full-batch MSE at one network's flat weights, over
    its used entries (`used_entries`), symmetrised against rounding; weights are not changed.
    By jets where they fit (models/analysis/jets.py: 0.07 ms for the question's network), else
    by autograd (`autograd_hessian`: 1.1 ms)."""
    if jets.fits(network, points):
        return _jet_hessians(network, points, [weights])[0]
    return autograd_hessian(network, points, weights)


def autograd_hessian(network: Network, points: Points, weights: np.ndarray) -> np.ndarray:
    """Returns `hessian` taken by autograd (`torch.autograd.functional.hessian`, vectorised)."""
    theta = torch.as_tensor(np.asarray(weights, dtype=np.float64))
    loss = loss_function(network, points, theta)
    h = torch.autograd.functional.hessian(loss, theta[used_entries(network)], vectorize=True)
    return _symmetrised(h)


def _jet_hessians(network: Network, points: Points, weights: list[np.ndarray]) -> np.ndarray:
    """Returns `hessian` at each of the weights (B, P, P), by jets, taken together."""
    found = jets.hessians(network, points, np.stack([np.asarray(w, dtype=np.float64)
                                                     for w in weights]))
    used = used_entries(network)
    found = found[:, used][:, :, used]
    return 0.5 * (found + found.transpose(0, 2, 1))


def _symmetrised(h: Tensor) -> np.ndarray:
    """Returns (h + h^T) / 2 of a Hessian (P, P), or of each of a batch (B, P, P)."""
    return (0.5 * (h + h.transpose(-1, -2))).numpy()


def warm_batched() -> None:
    """Loads what `torch.func` loads at its first use (~330 modules: 0.65-1.3 s) and from then
    on lets `hessians` take the Hessians of networks too large for jets together. Until a
    process has called it, `hessians` takes those one by one, rather than make a student's run
    wait for that first use: deploy/serve.py calls it before the server serves."""
    if _BATCHED.is_set():
        return
    network = Network(depth=1, width=2)
    weights = [np.zeros(network.parameter_count()), np.ones(network.parameter_count())]
    _BATCHED.set()
    try:
        _vmapped_hessians(network, Points(xs=(0.0, 1.0), ys=(0.0, 1.0)), weights)
    except BaseException:
        _BATCHED.clear()  # one by one, as before
        raise


def taken_together(network: Network, points: Points) -> bool:
    """Returns True when `hessians` takes this network's Hessians together (in one call, each
    costing a fraction of one taken alone), False when it takes them one by one."""
    return jets.fits(network, points) or (len(used_entries(network)) <= BATCH_LIMIT
                                          and _BATCHED.is_set())


def hessians(network: Network, points: Points, weights: list[np.ndarray]) -> list[np.ndarray]:
    """Returns `hessian` at each of several networks' flat weights, taken together where they
    can be: by jets where they fit (0.5 ms for 40 of the question's network), else up to
    BATCH_LIMIT parameters (once `warm_batched` has run) in one vectorised call
    (`torch.func.vmap` of reverse-mode twice, `jacrev` of `jacrev`: 3.7 ms for those 40),
    at most BATCH_ENTRIES numbers of Hessian at a time; else one by one."""
    if jets.fits(network, points):
        return list(_jet_hessians(network, points, weights)) if weights else []
    if len(weights) < 2 or len(used_entries(network)) > BATCH_LIMIT or not _BATCHED.is_set():
        return [autograd_hessian(network, points, w) for w in weights]
    return _vmapped_hessians(network, points, weights)


def _vmapped_hessians(network: Network, points: Points, weights: list[np.ndarray]
                      ) -> list[np.ndarray]:
    """Returns `hessian` at each of the weights by autograd, in calls of `torch.func.vmap`."""
    used = used_entries(network)
    index = torch.as_tensor(used)
    jacobian = torch.func.jacrev
    batched = torch.func.vmap(jacobian(jacobian(_loss_of(network, points))))
    size = max(1, BATCH_ENTRIES // len(used) ** 2)
    found: list[np.ndarray] = []
    for start in range(0, len(weights), size):
        thetas = torch.as_tensor(np.stack([np.asarray(w, dtype=np.float64)
                                           for w in weights[start:start + size]]))
        h = batched(thetas[:, index], thetas)
        found.extend(_symmetrised(h))
    return found


def spectrum(network: Network, points: Points, weights: np.ndarray,
             preconditioner: np.ndarray | None = None) -> Spectrum:
    """Returns the eigenvalues of the Hessian at `weights`, or with a diagonal `preconditioner`
    D (a full theta-sized vector) those of D^-1 H (as D^-1/2 H D^-1/2: the same eigenvalues,
    symmetric); exact up to EXACT_LIMIT parameters, else Lanczos estimates of the extremes.
    Raises ValueError where the Hessian overflows, RuntimeError where LAPACK cannot converge."""
    used = used_entries(network)
    scale = None if preconditioner is None else _scale(preconditioner, used)
    if len(used) <= EXACT_LIMIT:
        return _exact(hessian(network, points, weights), scale)
    theta = torch.as_tensor(np.asarray(weights, dtype=np.float64))
    loss, at = loss_function(network, points, theta), theta[used]
    d = None if scale is None else torch.as_tensor(scale)

    def product(v: Tensor) -> Tensor:  # H v, or D^-1/2 H D^-1/2 v
        u = v if d is None else d * v
        hv = torch.autograd.functional.hvp(loss, at, u)[1]
        return hv if d is None else d * hv

    return Spectrum(lanczos_extremes(product, len(used)), False, len(used))


def _scale(preconditioner: np.ndarray, used: np.ndarray) -> np.ndarray:
    """Returns D^-1/2 over the used entries of a full theta-sized diagonal preconditioner D."""
    return 1.0 / np.sqrt(np.asarray(preconditioner)[used])


def _exact(h: np.ndarray, scale: np.ndarray | None = None) -> Spectrum:
    """Returns the exact spectrum of the Hessian h, or of D^-1/2 h D^-1/2 with `scale` D^-1/2."""
    if scale is not None:
        h = scale[:, None] * h * scale[None, :]
    if not np.isfinite(h).all():  # weights on their way to a divergence
        raise ValueError("the Hessian is not finite at these weights")
    # torch's LAPACK runs on the one intra-op thread the app sets (models/engine/trainer.py):
    # numpy's BLAS threads fought the other sessions for the cores (a 500-parameter spectrum
    # took 24 ms to 1.1 s).
    return Spectrum(torch.linalg.eigvalsh(torch.as_tensor(h)).numpy(), True, len(h))


def spectra(network: Network, points: Points, weights: np.ndarray,
            preconditioner: np.ndarray | None = None, h: np.ndarray | None = None
            ) -> tuple[Spectrum, Spectrum | None]:
    """Returns `spectrum` of the Hessian and, with a `preconditioner`, of D^-1 H: from one
    Hessian where both are exact (Adam's and RMSprop's readings needed it twice); `h` is that
    Hessian when it was taken already (`hessians`)."""
    used = used_entries(network)
    if len(used) > EXACT_LIMIT:
        return spectrum(network, points, weights), None if preconditioner is None else \
            spectrum(network, points, weights, preconditioner)
    h = hessian(network, points, weights) if h is None else h
    plain = _exact(h)
    if preconditioner is None:
        return plain, None
    return plain, _exact(h, _scale(preconditioner, used))


def lanczos_extremes(product: Callable[[Tensor], Tensor], size: int,
                     steps: int = LANCZOS_STEPS) -> np.ndarray:
    """Returns [lambda_min, lambda_max] of the symmetric operator `product` (size x size),
    estimated by `steps` Lanczos steps with full reorthogonalisation from a fixed start."""
    steps = min(steps, size)
    basis = torch.zeros(steps, size, dtype=DTYPE)
    q = torch.randn(size, generator=torch.Generator().manual_seed(0), dtype=DTYPE)
    q /= q.norm()
    alphas, betas = [], []
    for j in range(steps):
        basis[j] = q
        w = product(q)
        alphas.append(float(w @ q))
        w -= basis[:j + 1].T @ (basis[:j + 1] @ w)  # twice is enough (Kahan)
        w -= basis[:j + 1].T @ (basis[:j + 1] @ w)
        beta = float(w.norm())
        if beta < 1e-12 * max(1.0, abs(alphas[-1])) or j == steps - 1:
            break
        betas.append(beta)
        q = w / beta
    k = len(alphas)
    tridiagonal = np.diag(alphas) + np.diag(betas[:k - 1], 1) + np.diag(betas[:k - 1], -1)
    ritz = np.linalg.eigvalsh(tridiagonal)
    return np.array([ritz[0], ritz[-1]])
