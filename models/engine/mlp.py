"""A batch of K MLPs with a hand-written backward pass, all parameters in one flat buffer.

Why not nn.Sequential + autograd: the networks here are tiny (1 -> 10 -> 1 on three points), so
a step's time is per-operation overhead, not arithmetic. So a step is a short fixed plan of
batched kernels writing into buffers allocated once (`Workspace`), and nothing else:
- each network's parameters are contiguous in `theta` (network-major), so one bmm gives every
  network's squared gradient norm and one fused optimizer call updates them all;
- a layer's parameters are stored as P = [W^T; b], shape (fan_in + 1, fan_out), and each layer's
  input carries a column of ones (zeros without biases), so z = [a, 1] P is one bmm forward
  and dP = [a, 1]^T dz is one bmm backward, weights and bias together; one bmm serves all K;
- the input layer (fan_in 1) and the output layer (fan_out 1) have outer products where a
  general layer has matrix products: one elementwise kernel each, cheaper than a bmm over K;
- a linear network's backward pass never forms an n x width matrix (see `Workspace._plan`).
The gradients are the textbook backward pass for y = W_L f(... f(W_1 x + b_1) ...) + b_L with
MSE loss; `tests/models/engine/test_exactness.py` checks them and whole runs against autograd.
Training runs this plan as one TorchScript call a block (models/engine/compiled.py, bitwise the
same); `Workspace` runs it from Python for one pass (`predict`, `loss_and_grad`).
"""

from __future__ import annotations

import math
from functools import partial

import torch

from models.engine.activations import ACTIVATIONS
from models.engine.scripted import script
from models.experiment import Network

Tensor = torch.Tensor
DTYPE = torch.float64  # floors are float64; training in float64 lets a run land on them exactly


class MLPBatch:
    """K networks of one architecture. `theta` and `grad` are flat; `weights`/`biases` view them.

    Shapes: weights[l] is (K, fan_out, fan_in), biases[l] is (K, 1, fan_out), inputs (K, N, 1);
    params[l] is the layer's (K, fan_in + 1, fan_out) block [W^T; b] that the kernels use.
    """

    def __init__(self, network: Network, seeds: list[int]):
        self.network = network
        self.k = len(seeds)
        self.activation = ACTIVATIONS[network.activation]
        self.linear = network.activation == "linear"
        self.size = network.parameter_count()  # of one network
        self.theta = torch.zeros(self.k * self.size, dtype=DTYPE)
        self.grad = torch.zeros_like(self.theta)
        self.params, self.param_grads = _blocks(self.theta, network, self.k), \
            _blocks(self.grad, network, self.k)
        self.weights = [p[:, :-1].transpose(1, 2) for p in self.params]
        self.biases = [p[:, -1:] for p in self.params]
        self.weight_grads = [g[:, :-1].transpose(1, 2) for g in self.param_grads]
        self.bias_grads = [g[:, -1:] for g in self.param_grads]
        self._workspaces: dict[int, Workspace] = {}
        self._initialise(seeds)

    def _initialise(self, seeds: list[int]) -> None:
        """Fills theta in place: each network from its own seed, layer by layer, W then b."""
        scale = self.network.init_scale
        for k, seed in enumerate(seeds):
            gen = torch.Generator().manual_seed(int(seed))
            for w, b in zip(self.weights, self.biases, strict=True):
                fan_out, fan_in = w.shape[1:]
                if self.network.init == "keras":
                    # Glorot/Xavier uniform (Glorot & Bengio, 2010), Keras's Dense default
                    limit = math.sqrt(6.0 / (fan_in + fan_out))
                    w[k].copy_(_uniform((fan_out, fan_in), limit, gen))
                else:
                    # nn.Linear.reset_parameters: kaiming_uniform(a=sqrt(5)) gives 1/sqrt(fan_in)
                    bound = 1.0 / math.sqrt(fan_in)
                    w[k].copy_(_uniform((fan_out, fan_in), bound, gen))
                    if self.network.bias:
                        b[k].copy_(_uniform((1, fan_out), bound, gen))
                w[k].mul_(scale)

    def workspace(self, n: int) -> Workspace:
        """Returns the (cached) buffers for batches of n points; load data before each use."""
        if n not in self._workspaces:
            self._workspaces[n] = Workspace(self, n)
        return self._workspaces[n]

    def loss_and_grad(self, x: Tensor, y: Tensor) -> Tensor:
        """Returns each network's MSE (K,) and writes d(MSE)/d(theta) into self.grad."""
        work = self.workspace(x.shape[1])
        work.load(x, y)
        sse = torch.empty(self.k, 1, 1, dtype=DTYPE)
        work.backprop(sse)
        return sse.view(self.k) / x.shape[1]

    def predict(self, xs: Tensor) -> Tensor:
        """Returns the K networks' predictions (K, G) at the points xs (G,)."""
        work = Workspace(self, len(xs))  # not cached: a plotting grid can be large
        work.load(xs.to(DTYPE).reshape(1, -1, 1), None)
        return work.forward().squeeze(-1).clone()

    def effective_line(self) -> tuple[Tensor, Tensor]:
        """Returns (slope (K,), intercept (K,)) of the affine map a linear network computes.

        W_eff = W_L ... W_1 and b_eff = W_L ... W_2 b_1 + ... + b_L: fold the layers from the input.
        One TorchScript call (`_effective_line`): a run's record takes it at every frame, in
        threads that would otherwise hand the interpreter lock over at each of its operations.
        """
        return effective_line(self.network, self.theta, self.k)


def effective_line(network: Network, theta: Tensor, k: int) -> tuple[Tensor, Tensor]:
    """Returns (slope (K,), intercept (K,)) of the line each of K linear networks of this
    architecture computes, given their flat weights theta (K * P,): `MLPBatch.effective_line`."""
    fans = [f for pair in network.layer_sizes() for f in pair]
    return _effective_line(theta, fans, k)


def _fold(theta: Tensor, fans: list[int], k: int) -> tuple[Tensor, Tensor]:
    rows, offset = theta.view([k, -1]), 0
    slope, intercept = theta, theta  # set at layer 0
    for layer in range(len(fans) // 2):
        fan_in, fan_out = fans[2 * layer], fans[2 * layer + 1]
        size = (fan_in + 1) * fan_out
        p = rows[:, offset:offset + size].view([k, fan_in + 1, fan_out])
        offset += size
        w, b = p[:, :-1].transpose(1, 2), p[:, -1:].transpose(1, 2)
        if layer == 0:
            slope, intercept = w, b  # (K, width, 1)
        else:
            slope = torch.bmm(w, slope)
            intercept = torch.bmm(w, intercept) + b
    return slope.reshape([k]), intercept.reshape([k])


class Workspace:
    """Every buffer one step needs for batches of n points, and the step's plan over them.

    inputs[l] is layer l's input with its column of ones, (K, n, fan_in + 1); for a nonlinear
    network pre[l] holds hidden layer l's pre-activation z (the derivative needs it). The plan
    is the step's operations as zero-argument calls with every view bound once: on networks
    this small, slicing and branching in Python each step would cost as much as the kernels.
    """

    def __init__(self, net: MLPBatch, n: int):
        self.net, self.n = net, n
        k, sizes = net.k, net.network.layer_sizes()
        one = 1.0 if net.network.bias else 0.0  # zeros make every bias gradient exactly 0
        self.inputs = [torch.full((k, n, i + 1), one, dtype=DTYPE) for i, _ in sizes]
        self.values = [a[..., :-1] for a in self.inputs]  # the inputs without their ones
        self.output = torch.empty(k, n, 1, dtype=DTYPE)
        self.y = torch.empty(k, n, 1, dtype=DTYPE)
        self.error = torch.empty(k, n, 1, dtype=DTYPE)
        self.error_t = self.error.transpose(1, 2)
        self._forward, self._backward = self._plan(sizes)

    def _plan(self, sizes: list[tuple[int, int]]) -> tuple[list, list]:
        """Returns the forward and backward passes as lists of calls on this workspace."""
        net, k, n, last = self.net, self.net.k, self.n, len(sizes) - 1
        act = net.activation
        pre = [torch.empty(k, n, o, dtype=DTYPE) for _, o in sizes[:-1]]
        forward, backward = [], []
        for layer, (p, (fan_in, _)) in enumerate(zip(net.params, sizes, strict=True)):
            z = self.output if layer == last else self.values[layer + 1] if net.linear \
                else pre[layer]
            if fan_in == 1:  # z = x w + b is an outer product: one elementwise kernel, not bmm
                forward.append(partial(torch.addcmul, p[:, 1:], self.values[layer], p[:, :1],
                                       out=z))
            else:
                forward.append(partial(torch.bmm, self.inputs[layer], p, out=z))
            if layer < last and not net.linear:
                forward.append(partial(_apply, act.forward, z, self.values[layer + 1]))
        # d(MSE)/d(prediction) = 2 (prediction - y) / n; the scale is a 0-dim tensor because a
        # Python float is wrapped into a tensor on every call
        dz = [torch.empty(k, n, o, dtype=DTYPE) for _, o in sizes]
        backward.append(partial(torch.mul, self.error, torch.tensor(2.0 / n, dtype=DTYPE),
                                out=dz[last]))
        inputs_t = [a.transpose(1, 2) for a in self.inputs]
        backward.append(partial(torch.bmm, inputs_t[last], dz[last], out=net.param_grads[last]))
        if net.linear:
            # Without activations every dz is rank one per network: dz_l = dz_L v_l with the row
            # v_l = W_L ... W_(l+1), so dP_l = ([a_l, 1]^T dz_L) v_l. Small bmms and one
            # elementwise product per layer instead of two n x width matrix products.
            v = net.weights[last]  # (K, 1, fan_out of the layer below)
            for layer in range(last - 1, -1, -1):
                fan_in = sizes[layer][0]
                s = torch.empty(k, fan_in + 1, 1, dtype=DTYPE)
                backward.append(partial(torch.bmm, inputs_t[layer], dz[last], out=s))
                backward.append(partial(torch.mul, s, v, out=net.param_grads[layer]))
                if layer > 0:
                    v_below = torch.empty(k, 1, fan_in, dtype=DTYPE)
                    backward.append(partial(torch.bmm, v, net.weights[layer], out=v_below))
                    v = v_below
            return forward, backward
        for layer in range(last, 0, -1):
            w, fan_in = net.weights[layer], sizes[layer][0]
            da = torch.empty(k, n, fan_in, dtype=DTYPE)  # d loss / d a of the layer below
            # fan_out 1: dz W is an outer product, again one elementwise kernel
            backward.append(partial(torch.mul if w.shape[1] == 1 else torch.bmm, dz[layer], w,
                                    out=da))
            # da/dz from the pre-activation and the activation output a = f(z)
            backward.append(partial(_chain, act.derivative, pre[layer - 1], self.values[layer],
                                    da, dz[layer - 1]))
            backward.append(partial(torch.bmm, inputs_t[layer - 1], dz[layer - 1],
                                    out=net.param_grads[layer - 1]))
        return forward, backward

    def load(self, x: Tensor, y: Tensor | None) -> None:
        """Copies inputs x and targets y, (K or 1, n, 1), into the buffers."""
        self.values[0].copy_(x)
        if y is not None:
            self.y.copy_(y)

    def forward(self) -> Tensor:
        """Returns the prediction buffer (K, n, 1) after a forward pass of the loaded x."""
        for call in self._forward:
            call()
        return self.output

    def backprop(self, sse: Tensor) -> None:
        """Writes each network's sum of squared errors into sse (K, 1, 1) and d(MSE)/d(theta)
        of the loaded batch into net.grad."""
        for call in self._forward:
            call()
        torch.sub(self.output, self.y, out=self.error)
        torch.bmm(self.error_t, self.error, out=sse)
        for call in self._backward:
            call()


def _apply(f, z: Tensor, out: Tensor) -> None:
    """Writes f(z) into out."""
    out.copy_(f(z))


def _chain(derivative, z: Tensor, a: Tensor, da: Tensor, out: Tensor) -> None:
    """Writes da * f'(z) into out: the chain rule through an activation."""
    torch.mul(da, derivative(z, a), out=out)


_effective_line = script(_fold)


def _blocks(flat: Tensor, network: Network, k: int) -> list[Tensor]:
    """Returns views of flat (K * parameter_count,) as each layer's (K, fan_in + 1, fan_out)."""
    rows, blocks, offset = flat.view(k, -1), [], 0
    for fan_in, fan_out in network.layer_sizes():
        n = (fan_in + 1) * fan_out
        blocks.append(rows[:, offset:offset + n].view(k, fan_in + 1, fan_out))
        offset += n
    return blocks


def _uniform(shape: tuple[int, int], limit: float, gen: torch.Generator) -> Tensor:
    """Returns a float64 tensor drawn uniformly from [-limit, limit)."""
    return (torch.rand(shape, generator=gen, dtype=DTYPE) * 2.0 - 1.0) * limit
