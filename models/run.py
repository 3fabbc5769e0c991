"""A run in progress: the trainer, its history and the schedule of mid-run changes.

The schedule (epoch, optimizer, learning rate) together with the experiment's run identity
determines every loss of the run, which is what lets identical runs be computed once and shared.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .experiment import Experiment
from .history import History
from .query import number_text
from .trainer import Trainer

# (run, epochs) -> (losses, gradient norms), each (epochs_done, K): the default trains in
# place; a cache may share the work between sessions.
Compute = Callable[["Run", int], tuple[np.ndarray, np.ndarray]]


class Run:
    """One session's run of an experiment; `advance` and `update` change it in place."""

    def __init__(self, experiment: Experiment):
        self.experiment = experiment
        self.trainer = Trainer(experiment)
        self.history = History(capacity=experiment.training.epochs)
        t = experiment.training
        self.schedule: tuple[tuple[int, str, float], ...] = ((0, t.optimizer, t.lr),)

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
            entry = (self.epoch, new.optimizer, new.lr)
            # Several changes between two epochs are one change.
            keep = self.schedule[:-1] if self.schedule[-1][0] == self.epoch else self.schedule
            self.schedule = keep + (entry,)
            if self.history.events and self.history.events[-1][0] == self.epoch:
                self.history.events.pop()
            if self.epoch > 0:
                self.history.mark(self.epoch, _change_label(old, new))
        self.experiment = experiment
        return True

    def advance(self, epochs: int, compute: Compute | None = None) -> None:
        """Trains up to `epochs` more epochs (never past the last) and records them."""
        n = min(epochs, self.experiment.training.epochs - self.epoch)
        if n <= 0 or self.trainer.diverged:
            return
        losses, grad_norms = compute(self, n) if compute else self.trainer.run(n)
        self.history.append(losses, grad_norms)
        if self.trainer.diverged:
            self.history.diverged_at = self.epoch + 1

    def key(self, epochs: int) -> tuple:
        """Returns what determines the next `epochs` epochs' losses: the cache key."""
        return (repr(self.experiment.run_identity()), self.schedule, self.epoch, epochs)


def _change_label(old, new) -> str:
    """Returns a short label for a training change, such as "lr=1e-3" or "opt=sgd"."""
    parts = []
    if new.optimizer != old.optimizer:
        parts.append(f"opt={new.optimizer}")
    if new.lr != old.lr:
        parts.append(f"lr={number_text(new.lr)}")
    return ", ".join(parts)
