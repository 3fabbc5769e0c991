"""A batch of K MLPs with a hand-written backward pass, all parameters in one flat buffer.

Why not nn.Sequential + autograd: the networks here are tiny (1 -> 10 -> 1 on three points), so
a step's time is per-operation overhead, not arithmetic. Keeping K networks' weights as batched
(K, out, in) matrices lets one bmm serve every seed, and laying all weights and biases out in one
flat tensor lets the optimizer update everything with a handful of whole-buffer operations.
The gradients are the textbook backward pass for y = W_L f(... f(W_1 x + b_1) ...) + b_L with
MSE loss; `tests/models/test_mlp.py` checks them against autograd.
"""

from __future__ import annotations

import math

import torch

from .activations import ACTIVATIONS
from .experiment import Network

Tensor = torch.Tensor
DTYPE = torch.float64  # floors are float64; training in float64 lets a run land on them exactly


class MLPBatch:
    """K networks of one architecture. `theta` and `grad` are flat; `weights`/`biases` view them.

    Shapes: weights[l] is (K, fan_out, fan_in), biases[l] is (K, 1, fan_out), inputs (K, N, 1).
    """

    def __init__(self, network: Network, seeds: list[int]):
        self.network = network
        self.k = len(seeds)
        self.activation = ACTIVATIONS[network.activation]
        self.linear = network.activation == "linear"
        sizes = network.layer_sizes()
        total = sum(self.k * (i * o + o) for i, o in sizes)
        self.theta = torch.zeros(total, dtype=DTYPE)
        self.grad = torch.zeros(total, dtype=DTYPE)
        self.weights, self.biases, self.weight_grads, self.bias_grads = [], [], [], []
        offset = 0
        for fan_in, fan_out in sizes:
            for store, grads, shape in ((self.weights, self.weight_grads, (self.k, fan_out, fan_in)),
                                        (self.biases, self.bias_grads, (self.k, 1, fan_out))):
                n = math.prod(shape)
                store.append(self.theta[offset:offset + n].view(shape))
                grads.append(self.grad[offset:offset + n].view(shape))
                offset += n
        # Without biases the bias entries stay zero: their gradient is masked in backward().
        # owner[i] is the network that flat entry i belongs to: per-network gradient norms in
        # one index_add_ whatever the depth.
        self.owner = torch.cat([torch.arange(self.k).repeat_interleave(v.numel() // self.k)
                                for pair in zip(self.weights, self.biases) for v in pair])
        self.trainable = torch.ones(total, dtype=DTYPE)
        if not network.bias:
            for b in self.biases:
                self.trainable[_span(self.theta, b)] = 0.0
        self._initialise(seeds)

    def _initialise(self, seeds: list[int]) -> None:
        """Fills theta in place: each network from its own seed, layer by layer, W then b."""
        scale = self.network.init_scale
        for k, seed in enumerate(seeds):
            gen = torch.Generator().manual_seed(int(seed))
            for w, b in zip(self.weights, self.biases, strict=False):
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

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor], list[Tensor]]:
        """Returns (prediction (K, N, 1), pre-activations, layer inputs); x is (K, N, 1)."""
        pre, inputs = [], []
        a = x
        last = len(self.weights) - 1
        for layer, (w, b) in enumerate(zip(self.weights, self.biases, strict=False)):
            inputs.append(a)
            z = torch.baddbmm(b, a, w.transpose(1, 2))
            pre.append(z)
            a = z if layer == last or self.linear else self.activation.forward(z)
        return a, pre, inputs

    def loss_and_grad(self, x: Tensor, y: Tensor) -> Tensor:
        """Returns each network's MSE (K,) and writes d(MSE)/d(theta) into self.grad."""
        prediction, pre, inputs = self.forward(x)
        error = prediction - y
        loss = error.pow(2).mean(dim=(1, 2))
        dz = error * (2.0 / error.shape[1])  # d(mean squared error)/d(prediction)
        for layer in range(len(self.weights) - 1, -1, -1):
            torch.bmm(dz.transpose(1, 2), inputs[layer], out=self.weight_grads[layer])
            torch.sum(dz, dim=1, keepdim=True, out=self.bias_grads[layer])
            if layer == 0:
                break
            da = torch.bmm(dz, self.weights[layer])
            if self.linear:
                dz = da
            else:
                # inputs[layer] is the activation output a = f(z) of the layer below
                dz = da * self.activation.derivative(pre[layer - 1], inputs[layer])
        if not self.network.bias:
            self.grad.mul_(self.trainable)
        return loss

    def predict(self, xs: Tensor) -> Tensor:
        """Returns the K networks' predictions (K, G) at the points xs (G,)."""
        with torch.no_grad():
            x = xs.to(DTYPE).reshape(1, -1, 1).expand(self.k, -1, 1).contiguous()
            return self.forward(x)[0].squeeze(-1)

    def effective_line(self) -> tuple[Tensor, Tensor]:
        """Returns (slope (K,), intercept (K,)) of the affine map a linear network computes.

        W_eff = W_L ... W_1 and b_eff = W_L ... W_2 b_1 + ... + b_L: fold the layers from the input.
        """
        slope = self.weights[0]            # (K, width, 1)
        intercept = self.biases[0].transpose(1, 2)  # (K, width, 1)
        for w, b in zip(self.weights[1:], self.biases[1:], strict=False):
            slope = torch.bmm(w, slope)
            intercept = torch.bmm(w, intercept) + b.transpose(1, 2)
        return slope.reshape(self.k), intercept.reshape(self.k)


def _uniform(shape: tuple[int, int], limit: float, gen: torch.Generator) -> Tensor:
    """Returns a float64 tensor drawn uniformly from [-limit, limit)."""
    return (torch.rand(shape, generator=gen, dtype=DTYPE) * 2.0 - 1.0) * limit


def _span(flat: Tensor, view: Tensor) -> slice:
    """Returns the slice of `flat` that the contiguous view `view` covers."""
    start = (view.data_ptr() - flat.data_ptr()) // flat.element_size()
    return slice(start, start + view.numel())
