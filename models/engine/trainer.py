"""The trainer: owns K networks and their optimizer state and advances them by whole epochs.

A run is fully determined by its identity (`RunIdentity`: points, network, seeds, batch) and
its schedule of optimizer and learning-rate changes, so the same run always gives the same
losses; `snapshot`/`restore` let a cache hand a run's state from one session to another.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from models.engine.compiled import Steps, optimizer_steps, train_block
from models.engine.mlp import DTYPE, MLPBatch
from models.engine.optimizers import FlatOptimizer
from models.experiment import Experiment, RunIdentity

# One intra-op thread: the tensors are tiny, and thread hand-offs cost more than they save.
torch.set_num_threads(1)


# Epochs of mini-batch orders drawn at once: one generator call per network per block instead of
# one per epoch (64 seeds x one randperm an epoch doubled the cost of an 8-point, batch-1 epoch),
# while the draws stay small (64 epochs x 50 points x 64 seeds: 1.6 MB).
SHUFFLE_BLOCK = 64


def shuffle_orders(generators: list[torch.Generator], epochs: int, n: int) -> torch.Tensor:
    """Returns the next `epochs` mini-batch orders of each generator's network, (epochs, K, n)
    indices; advances each generator by exactly epochs x n uniform draws.

    An epoch's order is the argsort of n uniform doubles (a uniformly random permutation; ties
    have probability ~n^2 / 2^53). Drawn in one call per generator for a block of epochs, the
    draws are the same as one epoch at a time, so a run's orders do not depend on how it was cut
    into chunks (tests/models/engine/test_trainer.py checks it), and the exported scripts
    reproduce them epoch by epoch.
    """
    draws = torch.stack([torch.rand(epochs, n, generator=g, dtype=DTYPE) for g in generators],
                        dim=1)
    return draws.argsort(dim=-1, stable=True)


class Kept(NamedTuple):
    """A trainer's networks as they were after `epoch` (within a block it trained): the flat
    weights (K * P,), the second moments (like them; None without), and the optimizer's step
    count then."""

    epoch: int
    theta: torch.Tensor
    v: torch.Tensor | None
    steps: int


def train_epochs(net: MLPBatch, x: torch.Tensor, y: torch.Tensor, batch: int,
                 shufflers: list[torch.Generator], steps: Steps, epochs: int,
                 keep: list[int] | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Returns each epoch's loss and its last batch's squared gradient norm, each (epochs, K),
    after training the K networks of `net` (changed in place) on their points x, y (K, n, 1)
    in batches of `batch`, shuffled by each network's generator, with `steps`
    (`compiled.optimizer_steps`) updating net.theta from net.grad after each batch; and the
    weights and second moments (None without) after each epoch index in `keep` (ascending),
    one row each. Every number of network k depends on network k alone (its row of x and y,
    its generator), so networks of different runs can be trained in one pass
    (models/engine/cohort.py). The epochs run in one TorchScript call, or one a block of
    shuffles (`compiled.py`)."""
    k, n = net.k, x.shape[1]
    keep = keep or []
    sse = torch.zeros(epochs, k, dtype=DTYPE)
    grad_sq = torch.empty(epochs, k, dtype=DTYPE)
    kept = torch.empty(len(keep), net.theta.numel(), dtype=DTYPE)
    kept_v = torch.empty(len(keep), steps.v.numel(), dtype=DTYPE) if keep and \
        steps.v.numel() else None
    if batch >= n:
        train_block(net, x.unsqueeze(0), y.unsqueeze(0), batch, sse, grad_sq, steps, 0, keep,
                    kept, kept_v)
    else:
        done = 0  # keeps before this block of shuffles
        for first in range(0, epochs, SHUFFLE_BLOCK):
            block = min(SHUFFLE_BLOCK, epochs - first)
            index = shuffle_orders(shufflers, block, n).unsqueeze(-1)  # (E, K, n, 1)
            xs = torch.gather(x.expand(block, -1, -1, -1), 2, index)
            ys = torch.gather(y.expand(block, -1, -1, -1), 2, index)
            rows = slice(first, first + block)
            mine = [e - first for e in keep if first <= e < first + block]
            here = slice(done, done + len(mine))
            train_block(net, xs, ys, batch, sse[rows], grad_sq[rows], steps,
                        first * steps_an_epoch(n, batch), mine, kept[here],
                        None if kept_v is None else kept_v[here])
            done += len(mine)
    # the epoch's loss: sum over its batches of (batch size / n) x batch MSE = SSE / n
    return sse.div_(n), grad_sq, kept, kept_v


def steps_an_epoch(n: int, batch: int) -> int:
    """Returns the optimizer steps an epoch takes: one a batch."""
    return -(-n // batch)


class Trainer:
    """Trains identity.seeds networks together; `run` changes the networks in place.

    It is given the run's identity and its first optimizer and learning rate, never a whole
    experiment: `set_training` changes the two later, and nothing else of the settings is kept
    that could go stale.
    """

    def __init__(self, identity: RunIdentity, optimizer: str, lr: float):
        self.identity = identity
        seeds = [identity.seed + k for k in range(identity.seeds)]
        self.net = MLPBatch(identity.network, seeds)
        k = self.net.k
        xs = torch.tensor(identity.points.xs, dtype=DTYPE)
        ys = torch.tensor(identity.points.ys, dtype=DTYPE)
        self.x = xs.reshape(1, -1, 1).expand(k, -1, 1).contiguous()
        self.y = ys.reshape(1, -1, 1).expand(k, -1, 1).contiguous()
        self.n = len(xs)
        self.batch = min(identity.batch, self.n)
        # Mini-batch shuffles: network k draws its orders from its own generator seeded seed + k,
        # so it is exactly the run a student gets from seed + k alone (`shuffle_orders`).
        self.shufflers = [torch.Generator().manual_seed(s) for s in seeds]
        self.epoch = 0
        self.diverged = False
        self.lr = lr
        self.optimizer = FlatOptimizer(optimizer, self.net.theta,
                                       keras=identity.network.init == "keras")
        # Epochs a block of training keeps the networks at on its way (models/run/track.py
        # asks for its snapshot epochs), and what the last block kept: the next `run` (or
        # cohort pass) takes `keep` and leaves `kept`.
        self.keep: tuple[int, ...] = ()
        self.kept: list[Kept] = []

    def keep_indices(self, epochs: int) -> list[int]:
        """Returns the indices, within a block of `epochs` from here, of the epochs in `keep`."""
        return [e - self.epoch - 1 for e in self.keep if self.epoch < e <= self.epoch + epochs]

    def keeping(self, start: int, t0: int, indices: list[int], theta: torch.Tensor,
                v: torch.Tensor | None) -> None:
        """Sets `kept` after a block that started at epoch `start` at step count t0, from the
        rows of theta and v (None without second moments) kept at those block indices: only
        the epochs it did train (a block stops at divergence). Clears `keep`."""
        each = steps_an_epoch(self.n, self.batch)
        self.kept = [Kept(start + 1 + i, theta[j], None if v is None else v[j], t0 + (i + 1) * each)
                     for j, i in enumerate(indices) if start + 1 + i <= self.epoch]
        self.keep = ()

    def set_training(self, optimizer: str, lr: float) -> None:
        """Changes the learning rate, and the optimizer (fresh state) if it is another one."""
        if optimizer != self.optimizer.name:
            self.optimizer = FlatOptimizer(optimizer, self.net.theta, keras=self.optimizer.keras)
        self.lr = lr

    def run(self, epochs: int) -> tuple[np.ndarray, np.ndarray]:
        """Returns (losses, gradient norms), each (epochs_done, K); changes the networks, and
        keeps them at the epochs of `keep` on the way (`kept`).

        Each epoch's loss is the mean of its batch losses, each taken before its update (what
        Keras prints); its gradient norm is the last batch's. At the first non-finite loss the
        run stops, `diverged` is set, and only the epochs before it are returned.
        """
        net, opt = self.net, self.optimizer
        size = net.theta.numel()
        steps = optimizer_steps(opt.name, opt.keras, net.theta, net.grad, opt.m, opt.v,
                                [0, size], [[size]], [self.lr], [opt.t])
        start, t0, indices = self.epoch, opt.t, self.keep_indices(epochs)
        losses, grad_sq, kept, kept_v = train_epochs(net, self.x, self.y, self.batch,
                                                     self.shufflers, steps, epochs, indices)
        opt.t += epochs * steps_an_epoch(self.n, self.batch)
        result = self.finish(losses, grad_sq)
        self.keeping(start, t0, indices, kept, kept_v)
        return result

    def finish(self, losses: torch.Tensor, grad_sq: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """Returns (losses, gradient norms) up to the first epoch any network diverged, from a
        block of epochs trained on this trainer's networks (`train_epochs`' (epochs, K) losses
        and squared norms, taken square roots of in place); moves `epoch` on, sets `diverged`.
        The networks stay where the whole block left them, diverged or not."""
        epochs = losses.shape[0]
        finite = torch.isfinite(losses).all(dim=1)
        done = epochs if bool(finite.all()) else int(torch.argmin(finite.to(torch.int8)))
        self.diverged = done < epochs
        self.epoch += done
        return losses[:done].numpy(), grad_sq[:done].sqrt_().numpy()

    def predict(self, xs: np.ndarray) -> np.ndarray:
        """Returns the K networks' predictions (K, len(xs)) at xs."""
        return self.net.predict(torch.as_tensor(np.asarray(xs, dtype=np.float64))).numpy()

    def effective_line(self) -> tuple[np.ndarray, np.ndarray]:
        """Returns the (slope, intercept) arrays (K,) of the line a linear network computes."""
        slope, intercept = self.net.effective_line()
        return slope.numpy().copy(), intercept.numpy().copy()

    def snapshot(self) -> dict:
        """Returns a copy of everything `restore` needs to continue this run exactly."""
        opt = self.optimizer
        return {
            "theta": self.net.theta.clone(), "epoch": self.epoch, "diverged": self.diverged,
            "shufflers": [g.get_state() for g in self.shufflers], "lr": self.lr,
            "optimizer": opt.name, "t": opt.t,
            "m": None if opt.m is None else opt.m.clone(),
            "v": None if opt.v is None else opt.v.clone(),
        }

    def restore(self, snap: dict) -> None:
        """Puts this trainer (same run identity) into the state a snapshot recorded."""
        self.net.theta.copy_(snap["theta"])
        self.epoch, self.diverged, self.lr = snap["epoch"], snap["diverged"], snap["lr"]
        for generator, state in zip(self.shufflers, snap["shufflers"], strict=True):
            generator.set_state(state)
        keras = self.optimizer.keras
        self.optimizer = FlatOptimizer(snap["optimizer"], self.net.theta, keras=keras)
        self.optimizer.t = snap["t"]
        for name in ("m", "v"):
            if snap[name] is not None:
                getattr(self.optimizer, name).copy_(snap[name])


def trainer_for(experiment: Experiment) -> Trainer:
    """Returns a fresh trainer at the experiment's start, with its optimizer and learning rate;
    the trainer keeps only the run's identity, not the experiment."""
    training = experiment.training
    return Trainer(experiment.run_identity(), training.optimizer, training.lr)


def chunk_epochs(identity: RunIdentity, budget_seconds: float = 0.025) -> int:
    """Returns how many epochs make about `budget_seconds` of training for a run of this identity.

    A deterministic estimate (so chunks of the same run line up across sessions and a cache can
    share them): a step costs a fixed overhead per layer plus arithmetic in the parameter count.
    Measured on a 2-core CI-class machine; rounded down to a power of two.
    """
    network, k, n = identity.network, identity.seeds, len(identity.points)
    layers = network.depth + 1
    steps = math.ceil(n / min(identity.batch, n))
    step_us = 30.0 + 12.0 * layers + network.parameter_count() * k * n / 300.0
    epochs = budget_seconds * 1e6 / (steps * step_us)
    return int(2 ** max(0, min(11, math.floor(math.log2(max(epochs, 1.0))))))
