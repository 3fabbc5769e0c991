"""The record of a run: per-epoch loss statistics over the seeds; a session's view of it carries
the changes that session marked.

Memory is bounded by the epoch limit: four float64 numbers per epoch (median, min and max loss over
the seeds, and the median gradient norm), 3.2 MB for a 100,000-epoch run however many seeds, plus
the last epoch's per-seed losses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

MEDIAN, LOW, HIGH, GRAD_NORM = 0, 1, 2, 3


class Event(NamedTuple):
    """A change marked on the loss chart: at `epoch`, what changed (`label`)."""

    epoch: int
    label: str


class _Records:
    """What both a run's history and a view of its first epochs read: `stats` rows and `count`."""

    stats: np.ndarray
    count: int

    @property
    def epochs(self) -> np.ndarray:
        """Returns the 1-based epoch numbers recorded so far."""
        return np.arange(1, self.count + 1)

    @property
    def loss(self) -> np.ndarray:
        """Returns the median loss over the seeds at every recorded epoch."""
        return self.stats[: self.count, MEDIAN]

    @property
    def grad_norm(self) -> np.ndarray:
        """Returns the median gradient norm over the seeds at every recorded epoch."""
        return self.stats[: self.count, GRAD_NORM]


@dataclass
class History(_Records):
    """Grows as a run advances; `append` changes it in place."""

    capacity: int
    stats: np.ndarray = field(init=False)
    count: int = 0
    last_losses: np.ndarray | None = None  # (K,) the latest epoch's loss of every seed
    # A track's history marks nothing (each session's view carries its own marks: `upto`); the
    # charts read `events` of either.
    events: list[Event] = field(default_factory=list)
    diverged_at: int | None = None  # 1-based epoch whose loss was not finite

    def __post_init__(self):
        self.stats = np.empty((self.capacity, 4), dtype=np.float64)

    def append(self, losses: np.ndarray, grad_norms: np.ndarray) -> None:
        """Records losses and gradient norms (epochs, K) after the current epoch, in place."""
        n = len(losses)
        if n == 0:
            return
        block = self._room(n)
        block[:, MEDIAN] = np.median(losses, axis=1)
        block[:, LOW] = losses.min(axis=1)
        block[:, HIGH] = losses.max(axis=1)
        block[:, GRAD_NORM] = np.median(grad_norms, axis=1)
        self.count += n
        self.last_losses = losses[-1].copy()

    def append_rows(self, rows: np.ndarray) -> None:
        """Records rows of statistics (epochs, 4) as another history computed them, in place."""
        self._room(len(rows))[:] = rows
        self.count += len(rows)

    def _room(self, n: int) -> np.ndarray:
        """Returns the next n rows, growing the array when the run outgrew it (the epochs setting
        was raised mid-run); rows already recorded stay where readers find them."""
        if self.count + n > self.capacity:
            grown = np.empty((max(self.count + n, 2 * self.capacity), 4), dtype=np.float64)
            grown[: self.count] = self.stats[: self.count]
            self.stats, self.capacity = grown, len(grown)
        return self.stats[self.count: self.count + n]

    def upto(self, count: int, last_losses: np.ndarray | None, events: list[Event],
             diverged: bool) -> HistoryView:
        """Returns a view of the first `count` epochs (no copy: the rows are read in place, and
        `append` only writes rows past them); `diverged` when the view ends where the run
        diverged."""
        return HistoryView(self.stats[:count], count, last_losses, events,
                           self.diverged_at if diverged else None)


@dataclass(frozen=True)
class HistoryView(_Records):
    """The first `count` epochs of a History, as one session shows them: read-only."""

    stats: np.ndarray
    count: int
    last_losses: np.ndarray | None
    events: list[Event]
    diverged_at: int | None
