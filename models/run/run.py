"""A run in progress: the trainer, its history, the schedule of mid-run changes and the
snapshots a replay shows (models/run/snapshots.py).

The schedule (epoch, optimizer, learning rate) together with the experiment's run identity
determines every loss of the run, which is what lets identical runs be computed once and shared.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import NamedTuple, TypeVar

import numpy as np

from models.engine.trainer import Trainer
from models.experiment import Experiment
from models.numbers import number_text
from models.run.history import History
from models.run.snapshots import Snapshot, Snapshots, take

# (run, epochs) -> (losses, gradient norms), each (epochs_done, K): the default trains in
# place; a cache may share the work between sessions.
Compute = Callable[["Run", int], tuple[np.ndarray, np.ndarray]]


class Change(NamedTuple):
    """One entry of a run's schedule: from `epoch` on, `optimizer` at learning rate `lr`."""

    epoch: int
    optimizer: str
    lr: float


class LinePoint(NamedTuple):
    """The line a linear network computes at an epoch: each seed's slope and intercept (K,)."""

    epoch: int
    slopes: np.ndarray
    intercepts: np.ndarray


class RunKey(NamedTuple):
    """What determines a run's next `epochs` epochs: a cache key, equal for equal runs."""

    identity: str  # repr of the RunIdentity: plain text, cheap for a cache to hash
    schedule: tuple[Change, ...]
    epoch: int
    epochs: int


T = TypeVar("T")
_SERIALS = itertools.count(1)
MAX_TRAJECTORY = 2_000


class Run:
    """One session's run of an experiment; `advance` and `update` change it in place."""

    def __init__(self, experiment: Experiment):
        self.serial = next(_SERIALS)  # tells runs apart after they are gone (run comparison)
        self.experiment = experiment
        t = experiment.training
        self.trainer = Trainer(experiment.run_identity(), t.optimizer, t.lr)
        self.history = History(capacity=experiment.training.epochs)
        self.schedule: tuple[Change, ...] = (Change(0, t.optimizer, t.lr),)
        # The collapsed line of a linear network, sampled as the run advances; thinned by half
        # whenever it reaches MAX_TRAJECTORY samples.
        self.trajectory: list[LinePoint] = []
        # Seed 0's first two weight matrices before training: where the saddle theory starts.
        self.initial_layers = (self.trainer.net.weights[0][0].numpy().copy(),
                               self.trainer.net.weights[-1][0].numpy().copy())
        self.snapshots = Snapshots(take(self.trainer, None))
        self._memo: dict[tuple[str, int], object] = {}
        self._sample_line()

    def memo(self, name: str, epoch: int, compute: Callable[[], T]) -> T:
        """Returns what `compute()` returns for this run at `epoch`, computed once: a reading of
        the run (its diagnosis, its curvature) that every redraw and every session showing the
        same run and epoch shares. `name` tells the readings apart; `compute` must depend on
        nothing but the run up to `epoch`."""
        key = (name, epoch)
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[return-value]

    def _sample_line(self) -> None:
        if not self.experiment.network.is_linear:
            return
        slope, intercept = self.trainer.effective_line()
        self.trajectory.append(LinePoint(self.epoch, slope, intercept))
        if len(self.trajectory) >= MAX_TRAJECTORY:
            self.trajectory = self.trajectory[::2] + ([self.trajectory[-1]]
                                                      if len(self.trajectory) % 2 == 0 else [])

    @property
    def epoch(self) -> int:
        """Returns the number of epochs trained so far."""
        return self.trainer.epoch

    @property
    def finished(self) -> bool:
        """Returns True when the last epoch is done or the loss diverged."""
        return self.trainer.diverged or self.epoch >= self.experiment.training.epochs

    def update(self, experiment: Experiment) -> bool:
        """Applies new settings; returns False when they need a fresh run instead.

        An optimizer or learning-rate change takes effect from the next epoch and is marked on
        the chart; more or fewer epochs move the finish line of the same run.
        """
        if experiment.run_identity() != self.experiment.run_identity():
            return False
        new, old = experiment.training, self.experiment.training
        if (new.optimizer, new.lr) != (old.optimizer, old.lr):
            self.trainer.set_training(new.optimizer, new.lr)
            entry = Change(self.epoch, new.optimizer, new.lr)
            # Several changes between two epochs are one entry, except a switch of optimizer
            # after epoch 0: it restarts the optimizer's state, so the schedule must keep it for
            # the schedule to determine the run (adam -> sgd -> adam is not "no change").
            last = self.schedule[-1]
            merge = last.epoch == self.epoch and (self.epoch == 0 or new.optimizer == old.optimizer)
            self.schedule = (self.schedule[:-1] if merge else self.schedule) + (entry,)
            if self.history.events and self.history.events[-1].epoch == self.epoch:
                self.history.events.pop()
            if self.epoch > 0:
                # Label against the settings before this epoch, so merged changes show in full.
                before = next(c for c in reversed(self.schedule) if c.epoch < self.epoch)
                label = _change_label(before, entry)
                if label:
                    self.history.mark(self.epoch, label)
                elif self.schedule[-2].epoch == self.epoch:  # switched away and back: fresh state
                    self.history.mark(self.epoch, f"opt={new.optimizer} (restarted)")
                else:  # changed and changed back: nothing happened
                    self.schedule = self.schedule[:-1]
        self.experiment = experiment
        return True

    def advance(self, epochs: int, compute: Compute | None = None) -> None:
        """Trains up to `epochs` more epochs (never past the last) and records them, stopping
        at each epoch a snapshot is kept of to take it."""
        end = min(self.epoch + epochs, self.experiment.training.epochs)
        while self.epoch < end and not self.trainer.diverged:
            total = self.experiment.training.epochs
            n = min(end, self.snapshots.next_epoch(self.epoch, total)) - self.epoch
            losses, grad_norms = compute(self, n) if compute else self.trainer.run(n)
            self.history.append(losses, grad_norms)
            if self.trainer.diverged:
                self.history.diverged_at = self.epoch + 1
                return
            self._sample_line()
            if self.snapshots.wants(self.epoch, total):
                self.snapshots.record(take(self.trainer, losses[-1]))

    def shown_at(self, epoch: int) -> Snapshot:
        """Returns what a replay of `epoch` shows: the newest snapshot at or before it, or the
        networks as they are now from the latest epoch on."""
        if epoch >= self.epoch:
            return take(self.trainer, self.history.last_losses)
        return self.snapshots.at(epoch)

    def key(self, epochs: int) -> RunKey:
        """Returns what determines the next `epochs` epochs' losses: the cache key."""
        return RunKey(repr(self.experiment.run_identity()), self.schedule, self.epoch, epochs)


def _change_label(old: Change, new: Change) -> str:
    """Returns a short label for a change of optimizer or lr, such as "lr=1e-3" or "opt=sgd"."""
    parts = []
    if new.optimizer != old.optimizer:
        parts.append(f"opt={new.optimizer}")
    if new.lr != old.lr:
        parts.append(f"lr={number_text(new.lr)}")
    return ", ".join(parts)
