"""A session's run: the run store's track of its experiment (models/run/store.py), read up to
the session's own epoch, with the session's schedule of mid-run changes and their marks.

The schedule (epoch, optimizer, learning rate) together with the experiment's run identity
determines every loss of the run, which is what lets identical runs be computed once and shared:
sessions showing the same run read one track, each at its own epoch and pace.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from models.engine.mlp import MLPBatch
from models.engine.trainer import Trainer
from models.experiment import Experiment
from models.numbers import number_text
from models.run.history import Event, HistoryView
from models.run.snapshots import Snapshot, Snapshots, networks
from models.run.store import RunStore
from models.run.track import Change, Compute, LinePoint, Track, TrackKey, train

__all__ = ["Change", "Compute", "LinePoint", "Run", "RunStore"]

T = TypeVar("T")
_SERIALS = itertools.count(1)


class Run:
    """One session's run of an experiment; `advance` and `update` change it in place (and may
    extend the shared track it reads, never change what the track has recorded)."""

    def __init__(self, experiment: Experiment, store: RunStore | None = None):
        self.serial = next(_SERIALS)  # tells runs apart after they are gone (run comparison)
        self.experiment = experiment
        # Without a store of the process's, a run is alone in a store of its own (tests, scripts).
        self.store = RunStore() if store is None else store
        t = experiment.training
        self.schedule: tuple[Change, ...] = (Change(0, t.optimizer, t.lr),)
        self.events: list[Event] = []
        self.epoch = 0  # the epochs this session has shown: a frame of its track
        self._follow()

    def _follow(self) -> None:
        """Reads the track of the current schedule (found or started in the store)."""
        key = TrackKey(self.experiment.run_identity(), self.schedule)
        self.track: Track = self.store.track(key, self.experiment.training.epochs)
        self.track.readers.add(self)

    @property
    def trainer(self) -> Trainer:
        """Returns the track's trainer, at the track's frontier (which may be ahead of this
        run's epoch when other sessions read the same track): for tests and scripts that train
        a run alone. What the page draws comes from `frame`."""
        return self.track.trainer

    @property
    def frame(self) -> Snapshot:
        """Returns the networks at this run's epoch (the kept seeds' weights and every loss)."""
        return self.track.frame_at(self.epoch)

    def networks(self) -> MLPBatch:
        """Returns the networks at this run's epoch as an engine batch (of the frame's seeds)."""
        return networks(self.experiment.network, self.frame.weights)

    @property
    def history(self) -> HistoryView:
        """Returns the record of this run's epochs so far, read in place from the track."""
        track = self.track
        diverged = track.diverged and self.epoch >= track.epoch
        return track.history.upto(self.epoch, self.frame.losses if self.epoch else None,
                                  self.events, diverged)

    @property
    def snapshots(self) -> Snapshots:
        """Returns the track's replay snapshots (`shown_at` keeps to this run's epochs)."""
        return self.track.snapshots

    @property
    def trajectory(self) -> list[LinePoint]:
        """Returns the collapsed line of a linear network sampled up to this run's epoch."""
        points = self.track.trajectory
        if points and points[-1].epoch > self.epoch:
            return [p for p in points if p.epoch <= self.epoch]
        return points

    @property
    def initial_layers(self) -> tuple[np.ndarray, np.ndarray]:
        """Returns seed 0's first and last weight matrices before training."""
        return self.track.initial_layers

    def memo(self, name: str, epoch: int, compute: Callable[[], T]) -> T:
        """Returns what `compute()` returns for this run at `epoch`, computed once: a reading of
        the run (its diagnosis, its curvature) that every redraw and every session showing the
        same run and epoch shares. `name` tells the readings apart; `compute` must depend on
        nothing but the run up to `epoch`."""
        return self.track.memo(name, epoch, compute)

    def memo_many(self, name: str, epochs: list[int],
                  compute: Callable[[list[int]], list]) -> None:
        """Keeps `memo(name, e, ...)` for each of `epochs`, those not kept yet computed together
        once for every session (`compute(missing)` returns them in order)."""
        self.track.memo_many(name, epochs, compute)

    def memoized(self, name: str, epoch: int) -> bool:
        """Returns True when `memo(name, epoch, ...)` would answer without computing."""
        return self.track.memoized(name, epoch)

    @property
    def finished(self) -> bool:
        """Returns True when the last epoch is done or the loss diverged."""
        track = self.track
        return (track.diverged and self.epoch >= track.epoch) or \
            self.epoch >= self.experiment.training.epochs

    def update(self, experiment: Experiment) -> bool:
        """Applies new settings; returns False when they need a fresh run instead.

        An optimizer or learning-rate change takes effect from the next epoch and is marked on
        the chart; more or fewer epochs move the finish line of the same run.
        """
        if experiment.run_identity() != self.experiment.run_identity():
            return False
        new, old = experiment.training, self.experiment.training
        if (new.optimizer, new.lr) != (old.optimizer, old.lr):
            entry = Change(self.epoch, new.optimizer, new.lr)
            # Several changes between two epochs are one entry, except a switch of optimizer
            # after epoch 0: it restarts the optimizer's state, so the schedule must keep it for
            # the schedule to determine the run (adam -> sgd -> adam is not "no change").
            last = self.schedule[-1]
            merge = last.epoch == self.epoch and (self.epoch == 0 or new.optimizer == old.optimizer)
            self.schedule = (self.schedule[:-1] if merge else self.schedule) + (entry,)
            if self.events and self.events[-1].epoch == self.epoch:
                self.events.pop()
            if self.epoch > 0:
                # Label against the settings before this epoch, so merged changes show in full.
                before = next(c for c in reversed(self.schedule) if c.epoch < self.epoch)
                label = _change_label(before, entry)
                if label:
                    self.events.append(Event(self.epoch, label))
                elif self.schedule[-2].epoch == self.epoch:  # switched away and back: fresh state
                    self.events.append(Event(self.epoch, f"opt={new.optimizer} (restarted)"))
                else:  # changed and changed back: nothing happened
                    self.schedule = self.schedule[:-1]
            self.track.readers.discard(self)
            self.experiment = experiment
            self._follow()
        self.experiment = experiment
        return True

    def advance(self, epochs: int, compute: Compute = train, exact: bool = True) -> None:
        """Moves up to `epochs` more epochs on (never past the last): to the track's frame there,
        training the track first if no session has yet. `exact` makes that frame when another
        session trained past it in a larger block (a Step); a playing session (not `exact`)
        moves to the newest frame there is, which the other sessions on the run show too."""
        end = min(self.epoch + epochs, self.experiment.training.epochs)
        if end <= self.epoch or self.finished:
            return
        self.track.extend_to(end, self.experiment.training.epochs, compute)
        if exact:
            self.track.fill_frame(end)
        self.epoch = self.track.next_frame(self.epoch, end)

    def shown_at(self, epoch: int) -> Snapshot:
        """Returns what a replay of `epoch` shows: the newest snapshot at or before it, or the
        networks at this run's epoch from there on."""
        if epoch >= self.epoch:
            return self.frame
        return self.snapshots.at(epoch)


def _change_label(old: Change, new: Change) -> str:
    """Returns a short label for a change of optimizer or lr, such as "lr=1e-3" or "opt=sgd"."""
    parts = []
    if new.optimizer != old.optimizer:
        parts.append(f"opt={new.optimizer}")
    if new.lr != old.lr:
        parts.append(f"lr={number_text(new.lr)}")
    return ", ".join(parts)
