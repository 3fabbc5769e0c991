"""A block of training epochs as one TorchScript call: the interpreter lock is let go once a block,
not at every tensor operation.

Why: every PyTorch operation called from Python lets the interpreter lock go and takes it back.
A step of the question's network is about ten operations on tiny tensors, so a thread training
10,000 epochs asks for the lock back some 100,000 times; in a server where other sessions'
threads run Python meanwhile, each of those asks waits for another thread to give the lock up
(up to the interpreter's 5 ms switch interval). A class of 30 students on their own seeds spent
most of its CPU in those hand-overs (`python -m benchmarks.cohort`). Called once, this script
runs its whole loop with the lock let go; the only Python left is the call.

Exactness: the script runs the same kernels on the same buffers in the same order as the
engine's plan (`models/engine/mlp.py`'s `Workspace`, which stays the reference for one
forward or backward pass), so every number is bitwise what that plan gives;
tests/models/engine/test_compiled.py checks it for every activation, optimizer, convention and
batching against the plan run from Python.

Every tensor the loop touches is made inside the script (views of the buffers it is given):
a tensor made in Python carries a Python object, and the loop taking references to such tensors
out of a list took the lock back again (measured: 20,000 products into a list of Python-made
rows took 0.39 s beside a thread running Python, against 0.02 s alone).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

from models.engine.activations import INV_SQRT_2PI, LEAKY_SLOPE
from models.engine.optimizers import (
    BETA1,
    BETA2,
    KERAS_ADAM_EPS,
    KERAS_RMSPROP_EPS,
    KERAS_RMSPROP_RHO,
    MOMENTUM,
    RMSPROP_ALPHA,
    RMSPROP_EPS,
    TORCH_ADAM_EPS,
)
from models.engine.scripted import script

Tensor = torch.Tensor
DTYPE = torch.float64
_EMPTY = torch.empty(0, dtype=DTYPE)  # what the script takes for a tensor not given
# TorchScript takes no float from the module's globals, so the scripts are handed these.
ACTIVATION_CONSTANTS = [LEAKY_SLOPE, 1.0 / math.sqrt(2.0), INV_SQRT_2PI]  # as activations.py
OPTIMIZER_CONSTANTS = [MOMENTUM, KERAS_RMSPROP_RHO, KERAS_RMSPROP_EPS, RMSPROP_ALPHA, RMSPROP_EPS,
                       TORCH_ADAM_EPS, KERAS_ADAM_EPS, BETA1, BETA2]

# Hidden activations by code, in the order the script's branches test them.
ACTIVATION_CODES = {name: code for code, name in enumerate(
    ("linear", "relu", "leaky_relu", "tanh", "sigmoid", "gelu", "elu", "softplus", "sin",
     "square"))}
# Optimizers by code; RMSprop's two conventions are two codes (Adam's differ in epsilon only).
OPTIMIZER_CODES = {("sgd", False): 0, ("sgd", True): 0, ("momentum", False): 1,
                   ("momentum", True): 1, ("rmsprop", True): 2, ("rmsprop", False): 3,
                   ("adam", False): 4, ("adam", True): 4}


def activate(code: int, z: Tensor, c: list[float]) -> Tensor:
    if code == 1:
        return torch.relu(z)
    if code == 2:
        return torch.nn.functional.leaky_relu(z, c[0])
    if code == 3:
        return torch.tanh(z)
    if code == 4:
        return torch.sigmoid(z)
    if code == 5:
        return torch.nn.functional.gelu(z)
    if code == 6:
        return torch.nn.functional.elu(z)
    if code == 7:
        return torch.nn.functional.softplus(z)
    if code == 8:
        return torch.sin(z)
    if code == 9:
        return z * z
    return z


def derivative(code: int, z: Tensor, a: Tensor, c: list[float]) -> Tensor:
    if code == 1:
        return (z > 0).to(z.dtype)
    if code == 2:
        return torch.where(z > 0, 1.0, torch.full_like(z, c[0]))
    if code == 3:
        return 1.0 - a * a
    if code == 4:
        return a * (1.0 - a)
    if code == 5:
        cdf = 0.5 * (1.0 + torch.erf(z * c[1]))
        return cdf + z * torch.exp(-0.5 * z * z) * c[2]
    if code == 6:
        return torch.where(z > 0, 1.0, a + 1.0).to(z.dtype)
    if code == 7:
        return torch.sigmoid(z)
    if code == 8:
        return torch.cos(z)
    if code == 9:
        return 2.0 * z
    return torch.ones_like(z)


class Work:
    """The buffers of one step for batches of m points, and every view of them and of the
    parameters the step uses, made once (as `Workspace._plan` binds them)."""

    def __init__(self, params: list[Tensor], weights: list[Tensor], fans: list[int], m: int,
                 bias: bool, act: int, constants: list[float]):
        self.constants = constants
        self.act = act
        self.linear = act == 0
        last = len(params) - 1
        k = params[0].shape[0]
        one = 1.0 if bias else 0.0
        self.inputs: list[Tensor] = []
        self.inputs_t: list[Tensor] = []
        self.values: list[Tensor] = []
        self.pre: list[Tensor] = []
        self.dz: list[Tensor] = []
        for layer in range(last + 1):
            a = torch.full([k, m, fans[2 * layer] + 1], one, dtype=torch.float64)
            self.inputs.append(a)
            self.inputs_t.append(a.transpose(1, 2))
            self.values.append(a[:, :, :-1])
            self.dz.append(torch.empty([k, m, fans[2 * layer + 1]], dtype=torch.float64))
            if layer < last:
                self.pre.append(torch.empty([k, m, fans[2 * layer + 1]], dtype=torch.float64))
        self.output = torch.empty([k, m, 1], dtype=torch.float64)
        self.y = torch.empty([k, m, 1], dtype=torch.float64)
        self.error = torch.empty([k, m, 1], dtype=torch.float64)
        self.error_t = self.error.transpose(1, 2)
        self.scale = torch.full([], 2.0 / m, dtype=torch.float64)
        # forward: layer l writes z[l] from its input, by an outer product when fan_in is 1
        self.z: list[Tensor] = []
        self.outer: list[bool] = []
        self.heads: list[Tensor] = []
        self.tails: list[Tensor] = []
        for layer in range(last + 1):
            if layer == last:
                self.z.append(self.output)
            elif self.linear:
                self.z.append(self.values[layer + 1])
            else:
                self.z.append(self.pre[layer])
            self.outer.append(fans[2 * layer] == 1)
            self.heads.append(params[layer][:, :1])
            self.tails.append(params[layer][:, 1:])
        # backward of a linear network: s[l] = [a_l, 1]^T dz_L, and the rows v[l] below
        self.s: list[Tensor] = []
        self.v: list[Tensor] = []
        # backward of a nonlinear one: da[l] = dz[l] W_l, by an outer product when fan_out is 1
        self.da: list[Tensor] = []
        self.column: list[bool] = []
        for layer in range(last + 1):
            fan_in = fans[2 * layer]
            self.s.append(torch.empty([k, fan_in + 1, 1], dtype=torch.float64))
            self.v.append(torch.empty([k, 1, fan_in], dtype=torch.float64))
            self.da.append(torch.empty([k, m, fan_in], dtype=torch.float64))
            self.column.append(weights[layer].shape[1] == 1)


def backprop(w: Work, params: list[Tensor], weights: list[Tensor], param_grads: list[Tensor],
             sse: Tensor):
    """Writes each network's sum of squared errors into sse (K, 1, 1) and d(MSE)/d(theta) of
    the loaded batch into the gradients: `Workspace.backprop`, operation for operation."""
    last = len(params) - 1
    for layer in range(last + 1):
        z = w.z[layer]
        if w.outer[layer]:
            torch.addcmul(w.tails[layer], w.values[layer], w.heads[layer], out=z)
        else:
            torch.bmm(w.inputs[layer], params[layer], out=z)
        if layer < last and not w.linear:
            w.values[layer + 1].copy_(activate(w.act, z, w.constants))
    torch.sub(w.output, w.y, out=w.error)
    torch.bmm(w.error_t, w.error, out=sse)
    dz_last = w.dz[last]
    torch.mul(w.error, w.scale, out=dz_last)
    torch.bmm(w.inputs_t[last], dz_last, out=param_grads[last])
    if w.linear:
        v = weights[last]
        for layer in range(last - 1, -1, -1):
            torch.bmm(w.inputs_t[layer], dz_last, out=w.s[layer])
            torch.mul(w.s[layer], v, out=param_grads[layer])
            if layer > 0:
                torch.bmm(v, weights[layer], out=w.v[layer])
                v = w.v[layer]
        return
    for layer in range(last, 0, -1):
        da = w.da[layer]
        if w.column[layer]:
            torch.mul(w.dz[layer], weights[layer], out=da)
        else:
            torch.bmm(w.dz[layer], weights[layer], out=da)
        torch.mul(da, derivative(w.act, w.pre[layer - 1], w.values[layer], w.constants),
                  out=w.dz[layer - 1])
        torch.bmm(w.inputs_t[layer - 1], w.dz[layer - 1], out=param_grads[layer - 1])


class Optim:
    """One optimizer's update of a block of networks: groups of networks (bounds, as offsets
    into theta) that share a learning rate and a step count, each group stepped by one call,
    its fused kernels given each network's buffer as a tensor of its own (parts)."""

    def __init__(self, opt: int, keras: bool, theta: Tensor, grad: Tensor, m: Tensor,
                 v: Tensor, bounds: list[int], parts: list[list[int]], lrs: list[float],
                 t0: list[int], c: list[float]):
        self.c = c
        self.opt = opt
        self.keras = keras
        self.lrs = lrs
        self.counts = [torch.full([], float(s), dtype=torch.float64) for s in t0]
        self.one = torch.ones([], dtype=torch.float64)
        self.theta: list[Tensor] = []
        self.grad: list[Tensor] = []
        self.v: list[Tensor] = []
        self.split: list[list[list[Tensor]]] = []
        for g in range(len(lrs)):
            a, b = bounds[g], bounds[g + 1]
            self.theta.append(theta[a:b])
            self.grad.append(grad[a:b])
            self.v.append(v[a:b] if v.numel() > 0 else v)
            own = parts[g]
            self.split.append([
                list(theta[a:b].split(own)), list(grad[a:b].split(own)),
                list(m[a:b].split(own)) if m.numel() > 0 else [],
                list(v[a:b].split(own)) if v.numel() > 0 else [],
                [self.counts[g] for _ in own]])

    def step(self):
        for g in range(len(self.lrs)):
            lr = self.lrs[g]
            theta, grad, v = self.theta[g], self.grad[g], self.v[g]
            if self.opt == 0:
                theta.add_(grad, alpha=-lr)
            elif self.opt == 1:
                lists = self.split[g]
                torch._fused_sgd_(lists[0], lists[1], lists[2], weight_decay=0.0,
                                  momentum=self.c[0], lr=lr, dampening=0.0, nesterov=False,
                                  maximize=False, is_first_step=False)
            elif self.opt == 2:
                v.mul_(self.c[1]).addcmul_(grad, grad, value=1.0 - self.c[1])
                theta.addcdiv_(grad, torch.add(v, self.c[2]).sqrt_(), value=-lr)
            elif self.opt == 3:
                v.mul_(self.c[3]).addcmul_(grad, grad, value=1.0 - self.c[3])
                theta.addcdiv_(grad, torch.sqrt(v).add_(self.c[4]), value=-lr)
            else:
                self.counts[g].add_(self.one)
                eps = self.c[5]
                if self.keras:
                    eps = self.c[6] / math.sqrt(1.0 - self.c[8] ** self.counts[g].item())
                lists = self.split[g]
                torch._fused_adam_(lists[0], lists[1], lists[2], lists[3], [], lists[4],
                                   lr=lr, beta1=self.c[7], beta2=self.c[8], weight_decay=0.0,
                                   eps=eps, amsgrad=False, maximize=False)


def keep_at(e: int, j: int, keep: list[int], theta: Tensor, v: Tensor, kept: Tensor,
            kept_v: Tensor) -> int:
    """After epoch e: when it is keep[j], copies the weights (and the second moments, if any)
    into row j of kept (kept_v); returns the next j."""
    if j < len(keep) and keep[j] == e:
        kept[j].copy_(theta)
        if kept_v.numel() > 0:
            kept_v[j].copy_(v)
        return j + 1
    return j


def train(epochs: int, theta: Tensor, grad: Tensor, fans: list[int], act: int, bias: bool,
          x: Tensor, y: Tensor, batch: int, sse: Tensor, grad_sq: Tensor, constants: list[float],
          opt: int, keras: bool, m: Tensor, v: Tensor, bounds: list[int],
          parts: list[list[int]], lrs: list[float], t0: list[int], c: list[float],
          keep: list[int], kept: Tensor, kept_v: Tensor):
    """Trains `epochs` epochs (see `train_block`)."""
    j = 0
    optim = Optim(opt, keras, theta, grad, m, v, bounds, parts, lrs, t0, c)
    k = sse.shape[1]
    n = x.shape[2]
    rows = theta.view([k, -1])
    grad_rows = grad.view([k, -1])
    params: list[Tensor] = []
    param_grads: list[Tensor] = []
    weights: list[Tensor] = []
    offset = 0
    for layer in range(len(fans) // 2):
        size = (fans[2 * layer] + 1) * fans[2 * layer + 1]
        shape = [k, fans[2 * layer] + 1, fans[2 * layer + 1]]
        p = rows[:, offset:offset + size].view(shape)
        params.append(p)
        weights.append(p[:, :-1].transpose(1, 2))
        param_grads.append(grad_rows[:, offset:offset + size].view(shape))
        offset += size
    sse_rows = sse.view([epochs, k, 1, 1]).unbind(0)
    grad_sq_rows = grad_sq.view([epochs, k, 1, 1]).unbind(0)
    grad_row = grad.view([k, 1, -1])
    grad_column = grad.view([k, -1, 1])
    whole = Work(params, weights, fans, min(batch, n), bias, act, constants)
    if batch >= n:
        whole.values[0].copy_(x[0])
        whole.y.copy_(y[0])
        for e in range(epochs):
            backprop(whole, params, weights, param_grads, sse_rows[e])
            torch.bmm(grad_row, grad_column, out=grad_sq_rows[e])
            optim.step()
            j = keep_at(e, j, keep, theta, v, kept, kept_v)
        return
    tail = whole if n % batch == 0 else Work(params, weights, fans, n % batch, bias, act,
                                             constants)
    batch_sse = torch.empty([k, 1, 1], dtype=torch.float64)
    for e in range(epochs):
        for start in range(0, n, batch):
            w = whole if start + batch <= n else tail
            w.values[0].copy_(x[e, :, start:start + batch])
            w.y.copy_(y[e, :, start:start + batch])
            backprop(w, params, weights, param_grads, batch_sse)
            sse_rows[e].add_(batch_sse)
            optim.step()
        torch.bmm(grad_row, grad_column, out=grad_sq_rows[e])
        j = keep_at(e, j, keep, theta, v, kept, kept_v)


_train = script(train)


class Steps(NamedTuple):
    """An optimizer's update of a batch of networks, as `train_block` applies it: the optimizer
    (a code of OPTIMIZER_CODES), its state m and v for all of theta (empty where it keeps
    none; changed in place), and groups theta[bounds[g]:bounds[g+1]] stepped with learning
    rate lrs[g] from step count t0[g], their fused kernels given parts[g] (each network's size
    in the group) as tensors of their own."""

    opt: int
    keras: bool
    m: Tensor
    v: Tensor
    bounds: list[int]
    parts: list[list[int]]
    lrs: list[float]
    t0: list[int]


def optimizer_steps(name: str, keras: bool, theta: Tensor, grad: Tensor, m: Tensor | None,
                    v: Tensor | None, bounds: list[int], parts: list[list[int]],
                    lrs: list[float], t0: list[int]) -> Steps:
    """Returns the update of the optimizer `name` (with its state m and v, None where it keeps
    none) for a batch of networks: see `Steps`."""
    return Steps(OPTIMIZER_CODES[name, keras], keras, _EMPTY if m is None else m,
                 _EMPTY if v is None else v, bounds, parts, lrs, t0)


def train_block(net, x: Tensor, y: Tensor, batch: int, sse: Tensor, grad_sq: Tensor,
                steps: Steps, taken: int = 0, keep: list[int] | None = None,
                kept: Tensor | None = None, kept_v: Tensor | None = None) -> None:
    """Trains net's K networks (an `MLPBatch`, changed in place) for sse.shape[0] epochs in one
    call, writing each epoch's sum of squared errors (summed over its batches) and its last
    batch's squared gradient norm into the rows of sse and grad_sq, each (epochs, K).
    x and y are (epochs, K, n, 1): each epoch's points in the order it takes them, batches of
    `batch` from the front; with one batch an epoch, (1, K, n, 1) serves every epoch.
    `steps` is the update applied after each batch, `taken` the steps it took already (in
    earlier blocks of the same training). After each epoch e in `keep` (indices into the
    block, ascending) the weights are copied into the next row of `kept`, and the second
    moments (steps.v, when it has any) into the next row of `kept_v`."""
    network = net.network
    fans = [f for pair in network.layer_sizes() for f in pair]
    _train(sse.shape[0], net.theta, net.grad, fans, ACTIVATION_CODES[network.activation],
           network.bias, x, y, batch, sse, grad_sq, ACTIVATION_CONSTANTS, steps.opt, steps.keras,
           steps.m, steps.v, steps.bounds, steps.parts, steps.lrs,
           [t + taken for t in steps.t0], OPTIMIZER_CONSTANTS, keep or [],
           _EMPTY if kept is None else kept, _EMPTY if kept_v is None else kept_v)

