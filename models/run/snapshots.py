"""Snapshots of a run for replay: the networks as they were at chosen epochs.

A snapshot holds what the page draws of a run at one epoch, and nothing more:
- the flat parameters (float64, as trained) of the first MAX_SEEDS_KEPT seeds, whose curves the
  fit chart draws (and whose hidden units a chart can show);
- every seed's loss at that epoch as the history records it (the Loss and Seeds readouts);
- for a linear network, every seed's effective line w_eff x + b_eff (its readouts, the landscape);
- the optimizer and learning rate the trainer held, and for Adam and RMSprop seed 0's diagonal
  preconditioner D (one P-vector: `FlatOptimizer.preconditioner`), which the curvature needs
  (models/analysis/stability.py). The second moments of the other seeds are not kept.
Which epochs: 0 (the starting weights), about MAX_SNAPSHOTS more spread over the run, half
log-spaced from epoch 1 (a run changes fastest at its start) and half evenly to the last epoch,
which is always one of them.
Memory is bounded: a run keeps at most MAX_SNAPSHOT_BYTES of snapshots, counting room for a
preconditioner in each (epoch 0 has none, a later one may: the optimizer can change). A snapshot of the
largest network allowed (MAX_PARAMETERS_TIMES_SEEDS = 2,000,000 float64 parameters, of which at
most 8 seeds kept: at most 16 MB) leaves room for two, epoch 0 and the last; the question's
network (31 parameters) keeps 184 of a 10,000-epoch run (the log-spaced and even
epochs overlap at the start) in 50 kB.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from models.engine.activations import ACTIVATIONS
from models.engine.mlp import DTYPE, MLPBatch, effective_line
from models.engine.optimizers import preconditioner, preconditioners
from models.engine.trainer import Kept
from models.experiment import Network

MAX_SNAPSHOTS = 200  # after epoch 0
MAX_SEEDS_KEPT = 8  # the fit chart draws the first 8 seeds' curves (components/figures/charts.py)
MAX_SNAPSHOT_BYTES = 32 * 2**20


@dataclass(frozen=True)
class Snapshot:
    """The networks after `epoch` epochs: weights (S, P) of the first S seeds, and every seed's
    loss (K,) (None at epoch 0, before any) and effective line (K,) (None unless linear); the
    optimizer and lr that trained the epoch and will take the next step, and seed 0's diagonal
    preconditioner (P,) (None for sgd and momentum, and before a first step)."""

    epoch: int
    weights: np.ndarray
    losses: np.ndarray | None
    slopes: np.ndarray | None
    intercepts: np.ndarray | None
    optimizer: str
    lr: float
    preconditioner: np.ndarray | None

    @property
    def nbytes(self) -> int:
        """Returns the bytes its arrays hold."""
        arrays = (self.weights, self.losses, self.slopes, self.intercepts, self.preconditioner)
        return sum(a.nbytes for a in arrays if a is not None)

    def of_seeds(self, seeds: int) -> Snapshot:
        """Returns this snapshot with the weights of its first `seeds` networks only (a copy of
        them when it holds more): what `take` gives with that many seeds at the same moment."""
        if len(self.weights) <= seeds:
            return self
        return replace(self, weights=self.weights[:seeds].copy())


def take(trainer, losses: np.ndarray | None, seeds: int = MAX_SEEDS_KEPT) -> Snapshot:
    """Returns a snapshot of a trainer (models.trainer.Trainer) now, with the weights of its
    first `seeds` networks; `losses` (K,) are its last epoch's losses. The trainer is only read."""
    opt = trainer.optimizer
    return take_kept(trainer, Kept(trainer.epoch, trainer.net.theta, opt.v, opt.t), losses,
                     seeds)


def take_kept(trainer, kept: Kept, losses: np.ndarray | None,
              seeds: int = MAX_SEEDS_KEPT) -> Snapshot:
    """Returns a snapshot of a trainer's networks as a block kept them on its way (`Kept`:
    weights, second moments and step count at an epoch behind the trainer's), as `take` gives
    it at that epoch; `losses` (K,) are that epoch's. The trainer is only read (its
    architecture, optimizer and learning rate, the same all along its block)."""
    net, opt = trainer.net, trainer.optimizer
    weights = kept.theta.numpy().reshape(net.k, -1)[:seeds].copy()
    slopes = intercepts = None
    if trainer.identity.network.is_linear:
        slopes, intercepts = (a.numpy().copy() for a in effective_line(net.network, kept.theta,
                                                                        net.k))
    diagonal = preconditioner(opt.name, opt.keras, kept.v, kept.steps, first=net.size)
    return Snapshot(kept.epoch, weights, None if losses is None else np.array(losses),
                    slopes, intercepts, opt.name, trainer.lr,
                    None if diagonal is None else diagonal.numpy())


def take_all_kept(trainer, kept: list[Kept], losses: list[np.ndarray],
                  seeds: int = MAX_SEEDS_KEPT) -> list[Snapshot]:
    """Returns `take_kept` of each of a block's kept states, with that epoch's losses, bitwise
    the same: the effective lines and the preconditioners of them all in one call each (a
    10,000-epoch run keeps 184, most in its first blocks, and two calls a snapshot were most of
    what recording a block cost a class on seeds of their own)."""
    if len(kept) < 2:
        return [take_kept(trainer, k, row, seeds) for k, row in zip(kept, losses, strict=True)]
    net, opt = trainer.net, trainer.optimizer
    thetas = torch.stack([k.theta for k in kept])  # (M, K * P)
    weights = thetas.numpy().reshape(len(kept), net.k, -1)[:, :seeds]
    slopes = intercepts = [None] * len(kept)
    if trainer.identity.network.is_linear:
        slopes, intercepts = (list(a.numpy().reshape(len(kept), net.k))
                              for a in effective_line(net.network, thetas.reshape(-1),
                                                      len(kept) * net.k))
    diagonals: list = [None] * len(kept)
    moments = [i for i, k in enumerate(kept) if k.v is not None and k.steps]
    if moments:
        rows = preconditioners(opt.name, opt.keras,
                               torch.stack([kept[i].v[:net.size] for i in moments]),
                               [kept[i].steps for i in moments]).numpy()
        for i, row in zip(moments, rows, strict=True):
            diagonals[i] = row.copy()
    return [Snapshot(k.epoch, w.copy(), None if epoch_losses is None else np.array(epoch_losses),
                     None if slope is None else slope.copy(),
                     None if intercept is None else intercept.copy(), opt.name, trainer.lr,
                     diagonal)
            for k, w, epoch_losses, slope, intercept, diagonal
            in zip(kept, weights, losses, slopes, intercepts, diagonals, strict=True)]


def snapshot_epochs(total: int, count: int) -> np.ndarray:
    """Returns at most `count` epochs in 1..total, sorted: half log-spaced from 1, half evenly
    spaced up to `total`, which is always among them."""
    even = max(1, count // 2)
    spread = np.geomspace(1, total, count - even) if count > even else np.empty(0)
    evenly = np.arange(1, even + 1) * total / even
    return np.unique(np.round(np.concatenate([spread, evenly])).astype(np.int64))


class Snapshots:
    """A run's snapshots, oldest first, starting with epoch 0; `record` changes it in place."""

    def __init__(self, first: Snapshot):
        self.kept: list[Snapshot] = [first]
        # a snapshot of this run is as large as the first, plus a preconditioner (one seed's
        # weights' worth) that the first may lack: as many as fit in the budget
        size = first.nbytes + (first.weights[0].nbytes if first.preconditioner is None else 0)
        self.capacity = int(max(1, min(MAX_SNAPSHOTS, MAX_SNAPSHOT_BYTES // size - 1)))
        # the epochs to keep for a run of `_total` epochs, worked out again when the setting changes
        self._total, self._epochs = 0, np.empty(0, dtype=np.int64)

    def planned(self, total: int) -> np.ndarray:
        """Returns the epochs a run of `total` epochs keeps snapshots of (after epoch 0)."""
        return self._wanted(total)

    def _wanted(self, total: int) -> np.ndarray:
        if self._total != total:  # the epochs setting changed: so does the spread
            self._total, self._epochs = total, snapshot_epochs(total, self.capacity)
        return self._epochs

    def next_epoch(self, epoch: int, total: int) -> int:
        """Returns the next epoch after `epoch` to keep a snapshot of (`total` past the last)."""
        wanted = self._wanted(total)
        i = int(np.searchsorted(wanted, epoch, side="right"))
        return int(wanted[i]) if i < len(wanted) else total

    def between(self, start: int, end: int, total: int) -> np.ndarray:
        """Returns the epochs a run of `total` epochs keeps snapshots of after `start` and
        before `end`."""
        wanted = self._wanted(total)
        return wanted[np.searchsorted(wanted, start, side="right"):
                      np.searchsorted(wanted, end, side="left")]

    def wants(self, epoch: int, total: int) -> bool:
        """Returns True when a run of `total` epochs keeps a snapshot of `epoch`."""
        wanted = self._wanted(total)
        i = int(np.searchsorted(wanted, epoch))
        return i < len(wanted) and int(wanted[i]) == epoch

    def record(self, snapshot: Snapshot) -> None:
        """Keeps a snapshot newer than the last; past the capacity (the epochs setting was
        raised mid-run) every other one between the first and the newest goes."""
        if snapshot.epoch <= self.kept[-1].epoch:
            return
        self.kept.append(snapshot)
        if len(self.kept) > self.capacity + 1:
            self.kept = self.kept[:1] + self.kept[1:-1][1::2] + self.kept[-1:]

    def at(self, epoch: int) -> Snapshot:
        """Returns the newest snapshot at or before `epoch` (epoch 0's before the first)."""
        epochs = [s.epoch for s in self.kept]
        return self.kept[max(0, int(np.searchsorted(epochs, epoch, side="right")) - 1)]

    @property
    def nbytes(self) -> int:
        """Returns the bytes the kept snapshots hold."""
        return sum(s.nbytes for s in self.kept)


def networks(network: Network, weights: np.ndarray) -> MLPBatch:
    """Returns the networks given by flat weights (S, P) as an engine batch (models/engine/mlp.py), for
    what reads a live one (the hidden units); the weights are copied."""
    net = MLPBatch(network, list(range(len(weights))))
    net.theta.copy_(torch.from_numpy(np.ascontiguousarray(weights, dtype=np.float64)).reshape(-1))
    return net


def predict(network: Network, weights: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Returns the predictions (S, len(xs)) of networks given by flat weights (S, P).

    The textbook forward pass y = W_L f(... f(W_1 x + b_1) ...) + b_L over the engine's layout
    (models/engine/mlp.py): network-major, each layer a (fan_in + 1, fan_out) block [W^T; b]. Without
    biases the engine ignores the bias entries, and so does this.
    """
    theta = torch.from_numpy(np.ascontiguousarray(weights, dtype=np.float64))
    k, last = theta.shape[0], len(network.layer_sizes()) - 1
    activation, bias = ACTIVATIONS[network.activation], float(network.bias)
    out = torch.as_tensor(np.asarray(xs, dtype=np.float64)).reshape(1, -1, 1).expand(k, -1, 1)
    offset = 0
    with torch.no_grad():
        for layer, (fan_in, fan_out) in enumerate(network.layer_sizes()):
            size = (fan_in + 1) * fan_out
            block = theta[:, offset:offset + size].reshape(k, fan_in + 1, fan_out).to(DTYPE)
            offset += size
            out = torch.bmm(out, block[:, :-1]) + bias * block[:, -1:]
            if layer < last and network.activation != "linear":
                out = activation.forward(out)
    return out.squeeze(-1).numpy()
