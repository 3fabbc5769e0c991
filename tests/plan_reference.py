"""The engine's training loop as it ran before it was compiled (`models/engine/compiled.py`):
the plan of `Workspace` and `FlatOptimizer.step`, called from Python one operation at a time.
It is the independent answer the compiled loop must equal to the bit."""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from models.engine.mlp import DTYPE, MLPBatch
from models.engine.trainer import SHUFFLE_BLOCK, Trainer, shuffle_orders


def train_epochs(net: MLPBatch, x: torch.Tensor, y: torch.Tensor, batch: int,
                 shufflers: list[torch.Generator], step, epochs: int
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Returns each epoch's loss and last batch's squared gradient norm, (epochs, K)."""
    k, n = net.k, x.shape[1]
    sse = torch.zeros(epochs, k, dtype=DTYPE)
    grad_sq = torch.empty(epochs, k, dtype=DTYPE)
    sse_rows, grad_sq_rows = sse.view(epochs, k, 1, 1).unbind(0), \
        grad_sq.view(epochs, k, 1, 1).unbind(0)
    grad_row, grad_column = net.grad.view(k, 1, -1), net.grad.view(k, -1, 1)
    if batch >= n:
        work = net.workspace(n)
        work.load(x, y)
        for e in range(epochs):
            work.backprop(sse_rows[e])
            torch.bmm(grad_row, grad_column, out=grad_sq_rows[e])
            step()
    else:
        batch_sse = torch.empty(k, 1, 1, dtype=DTYPE)
        for first in range(0, epochs, SHUFFLE_BLOCK):
            block = min(SHUFFLE_BLOCK, epochs - first)
            index = shuffle_orders(shufflers, block, n).unsqueeze(-1)
            xs = torch.gather(x.expand(block, -1, -1, -1), 2, index)
            ys = torch.gather(y.expand(block, -1, -1, -1), 2, index)
            for e in range(first, first + block):
                x_e, y_e = xs[e - first], ys[e - first]
                for start in range(0, n, batch):
                    work = net.workspace(min(batch, n - start))
                    work.load(x_e[:, start:start + batch], y_e[:, start:start + batch])
                    work.backprop(batch_sse)
                    sse_rows[e].add_(batch_sse)
                    step()
                torch.bmm(grad_row, grad_column, out=grad_sq_rows[e])
    return sse.div_(n), grad_sq


def run(trainer: Trainer, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """`Trainer.run` on the plan from Python: (losses, gradient norms), the trainer changed."""
    net = trainer.net
    step = partial(trainer.optimizer.step, net.theta, net.grad, trainer.lr)
    losses, grad_sq = train_epochs(net, trainer.x, trainer.y, trainer.batch, trainer.shufflers,
                                   step, epochs)
    return trainer.finish(losses, grad_sq)
