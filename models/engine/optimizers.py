"""Optimizers that update one flat parameter buffer in place, one fused kernel a step if possible.

Training runs these updates inside its compiled loop (`compiled.Optim`, models/engine/compiled.py);
`FlatOptimizer.step` is the same update from Python, the one tests/models/engine/test_compiled.py
holds the compiled loop to, bit for bit, and the one test_exactness.py compares with torch.optim.
Each follows torch.optim's update (tests compare them step for step), except Adam under Keras
conventions, which places epsilon as Keras does (Kingma & Ba, 2015, sec. 2, "epsilon hat"):
    var -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps_hat),  eps_hat = 1e-7,
where torch divides by sqrt(v / (1 - b2^t)) + 1e-8. On a plateau the gradients are tiny, v is
tiny, and the two placements give visibly different steps.

Adam and momentum run torch's fused CPU kernels (what `torch.optim.Adam(fused=True)` calls):
one call instead of five or seven separate operations. The Keras placement is the same kernel
with eps = eps_hat / sqrt(1 - b2^t), because
    m / (sqrt(v) / sqrt(1 - b2^t) + eps_hat / sqrt(1 - b2^t)) = sqrt(1 - b2^t) m / (sqrt(v) + eps_hat).

RMSprop differs between the two frameworks in its decay and in where epsilon goes
(keras/src/optimizers/rmsprop.py in Keras 3.15.1, defaults momentum=0, centered=False; torch.optim):
    Keras:  v = 0.9 v + 0.1 g^2,    var -= lr g / sqrt(v + 1e-7)
    torch:  v = 0.99 v + 0.01 g^2,  var -= lr g / (sqrt(v) + 1e-8)
Epsilon inside the root weighs as sqrt(1e-7) ~ 3e-4 against sqrt(v): on a plateau, where
sqrt(v) is that small, Keras's steps are visibly shorter. Neither has a bias correction.
"""

from __future__ import annotations

import math

import torch

from models.engine.scripted import script

Tensor = torch.Tensor

BETA1, BETA2 = 0.9, 0.999
TORCH_ADAM_EPS, KERAS_ADAM_EPS = 1e-8, 1e-7
MOMENTUM = 0.9
RMSPROP_ALPHA, RMSPROP_EPS = 0.99, 1e-8  # torch.optim.RMSprop defaults
KERAS_RMSPROP_RHO, KERAS_RMSPROP_EPS = 0.9, 1e-7  # keras.optimizers.RMSprop defaults

OPTIMIZERS = {
    "adam": "Adam (b1 0.9, b2 0.999)",
    "sgd": "plain gradient descent",
    "momentum": "SGD with momentum 0.9",
    "rmsprop": "RMSprop (Keras: rho 0.9, eps 1e-7 inside the root; torch: alpha 0.99, eps 1e-8)",
}


class FlatOptimizer:
    """Holds one optimizer's state for a flat buffer; `step` changes theta in place."""

    def __init__(self, name: str, theta: Tensor, keras: bool = False,
                 parts: tuple[int, ...] | None = None):
        """`parts`, when given, are the sizes theta splits into, in order: the fused kernels then
        step each part as a tensor of its own, so a part's numbers are exactly those of a
        buffer of that part alone (the kernels' vector lanes and scalar tail depend on where an
        element sits in its tensor; models/engine/cohort.py steps several runs' buffers in one
        call)."""
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name!r}")
        self.name = name
        self.keras = keras
        self._steps = 0
        self._step_tensor = torch.zeros((), dtype=theta.dtype)  # where the fused kernel reads it
        self._one = torch.ones((), dtype=theta.dtype)
        self.m = torch.zeros_like(theta) if name in ("adam", "momentum") else None
        self.v = torch.zeros_like(theta) if name in ("adam", "rmsprop") else None
        self._denominator = torch.empty_like(theta) if name == "rmsprop" else None
        self.parts = parts
        self._lists: tuple[Tensor, Tensor, list[list[Tensor]]] | None = None

    def _split(self, theta: Tensor, grad: Tensor) -> list[list[Tensor]]:
        """Returns the fused kernels' tensor lists [thetas, grads, ms, vs, steps] (ms, vs empty
        when there is no such state): one tensor each, or one per part, every part at the same
        step count."""
        if self._lists is not None and self._lists[0] is theta and self._lists[1] is grad:
            return self._lists[2]
        buffers = [theta, grad, self.m, self.v]
        if self.parts is None:
            lists = [[b] if b is not None else [] for b in buffers]
        else:
            lists = [list(b.split(self.parts)) if b is not None else [] for b in buffers]
        lists.append([self._step_tensor] * len(lists[0]))
        self._lists = (theta, grad, lists)
        return lists

    @property
    def t(self) -> int:
        """Returns the number of steps taken."""
        return self._steps

    @t.setter
    def t(self, steps: int) -> None:
        self._steps = steps
        self._step_tensor.fill_(steps)

    def step(self, theta: Tensor, grad: Tensor, lr: float) -> None:
        """Applies one update to theta (in place) from grad; advances the step count."""
        self._steps += 1
        if self.name == "sgd":
            theta.add_(grad, alpha=-lr)
        elif self.name == "momentum":
            # torch: buf = mu*buf + g (the first step copies g, which is the same from zeros)
            thetas, grads, ms, _, _ = self._split(theta, grad)
            torch._fused_sgd_(thetas, grads, ms, weight_decay=0.0, momentum=MOMENTUM,
                              lr=lr, dampening=0.0, nesterov=False, maximize=False,
                              is_first_step=False)
        elif self.name == "rmsprop" and self.keras:
            self.v.mul_(KERAS_RMSPROP_RHO).addcmul_(grad, grad, value=1.0 - KERAS_RMSPROP_RHO)
            torch.add(self.v, KERAS_RMSPROP_EPS, out=self._denominator).sqrt_()
            theta.addcdiv_(grad, self._denominator, value=-lr)
        elif self.name == "rmsprop":
            self.v.mul_(RMSPROP_ALPHA).addcmul_(grad, grad, value=1.0 - RMSPROP_ALPHA)
            torch.sqrt(self.v, out=self._denominator).add_(RMSPROP_EPS)
            theta.addcdiv_(grad, self._denominator, value=-lr)
        else:
            self._step_tensor.add_(self._one)  # a 0-dim tensor: no scalar wrapping
            eps = TORCH_ADAM_EPS
            if self.keras:
                eps = KERAS_ADAM_EPS / math.sqrt(1.0 - BETA2**self._steps)
            thetas, grads, ms, vs, steps = self._split(theta, grad)
            torch._fused_adam_(thetas, grads, ms, vs, [], steps, lr=lr,
                               beta1=BETA1, beta2=BETA2, weight_decay=0.0, eps=eps,
                               amsgrad=False, maximize=False)

    def preconditioner(self, first: int | None = None) -> Tensor | None:
        """Returns the diagonal D (a new tensor like theta, or like its `first` entries) by which
        this optimizer divides what it steps along, read from the update rules above:
        theta -= lr * D^-1 * m for Adam, where m is the running mean of gradients;
        theta -= lr * D^-1 * g for RMSprop. None for sgd and momentum (D = 1) and before the
        first step (no second moments yet).
        Adam (torch's fused kernel): step lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps),
        so D = (1 - b1^t) (sqrt(v / (1 - b2^t)) + eps), with Keras's eps_hat / sqrt(1 - b2^t)
        as eps under Keras conventions: eps and both bias corrections enter D.
        One TorchScript call, as `MLPBatch.effective_line` (a run's record reads it at every
        frame); elementwise, so the first entries are what the whole would hold there.
        """
        return preconditioner(self.name, self.keras, self.v, self._steps, first)


def preconditioner(name: str, keras: bool, v: Tensor | None, steps: int,
                   first: int | None = None) -> Tensor | None:
    """Returns the diagonal preconditioner of optimizer `name` with second moments v after
    `steps` steps, of v's `first` entries (all by default): `FlatOptimizer.preconditioner`."""
    if v is None or steps == 0:
        return None
    first = v.numel() if first is None else first
    if name == "rmsprop":
        if keras:
            return _diagonal(v, first, 1, 1.0, 1.0, KERAS_RMSPROP_EPS)
        return _diagonal(v, first, 2, 1.0, 1.0, RMSPROP_EPS)
    correction2 = 1.0 - BETA2**steps
    eps = KERAS_ADAM_EPS / math.sqrt(correction2) if keras else TORCH_ADAM_EPS
    return _diagonal(v, first, 0, 1.0 - BETA1**steps, correction2, eps)


def preconditioners(name: str, keras: bool, v: Tensor, steps: list[int]) -> Tensor:
    """Returns `preconditioner` of each row of v (M, P): second moments after steps[i] steps
    (each at least one), in one call, bitwise what `preconditioner` gives each row (the same
    IEEE operations, with each row's bias corrections as a column)."""
    if name == "rmsprop":  # no bias correction: one call over all the rows, as one vector
        return preconditioner(name, keras, v.reshape(-1), 1).reshape(v.shape)
    correction2 = [1.0 - BETA2**t for t in steps]
    eps = [KERAS_ADAM_EPS / math.sqrt(c) if keras else TORCH_ADAM_EPS for c in correction2]
    column = [torch.tensor(values, dtype=v.dtype)[:, None]
              for values in ([1.0 - BETA1**t for t in steps], correction2, eps)]
    scale, correction, epsilon = column
    return scale * ((v / correction).sqrt() + epsilon)


def _diagonal_of(v: Tensor, first: int, form: int, scale: float, correction: float,
                 eps: float) -> Tensor:
    """D from the second moments' first entries: Adam's scale (sqrt(v / correction) + eps)
    (form 0), Keras's RMSprop sqrt(v + eps) (1), torch's sqrt(v) + eps (2)."""
    v = v[:first]
    if form == 1:
        return (v + eps).sqrt()
    if form == 2:
        return v.sqrt() + eps
    return scale * ((v / correction).sqrt() + eps)


_diagonal = script(_diagonal_of)
