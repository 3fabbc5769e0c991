"""A track: one run's shared record in the run store (models/run/store.py), and how it trains.

A track is keyed by what determines its losses: the run's identity and its schedule of mid-run
changes (`TrackKey`). It holds the per-epoch statistics (History), the replay snapshots, a
*frame* at every epoch a block of training ended and at every snapshot epoch (what the page
draws at that epoch: the kept seeds' weights, every seed's loss, the collapsed line), the
trainer at its frontier, and the readings of the run computed at an epoch (`memo`: the
diagnosis, the curvature; models/run/readings.py). One producer at a time extends a track,
under its lock; every reader (a session's `Run`, models/run/run.py) keeps its own epoch and
reads the records up to it in place. A track never changes what it has recorded.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple, TypeVar

import numpy as np

from models.engine.cohort import Cohorts
from models.engine.trainer import Trainer, chunk_epochs
from models.experiment import RunIdentity
from models.run.history import History
from models.run.readings import Readings
from models.run.snapshots import MAX_SEEDS_KEPT, Snapshot, Snapshots, take, take_all_kept

T = TypeVar("T")
# A track's frames (the kept seeds' weights at every block end) are capped too: past it, the
# frames no reader can still reach (behind every reader's epoch) go, and a late reader moves in
# larger steps.
FRAME_BYTES = 16 * 2**20
# The trainer's whole state (weights, optimizer moments, shuffle generators: 5.8 kB for the
# question's network, mostly the generator) is kept at epoch 0 and then at most every
# STATE_EVERY chunks of training, so a session that changes the learning rate (or steps) behind
# the track's frontier starts from the newest state before its epoch and trains at most that
# far on its own (about 0.1 s) instead of from the start. Measured: a state at every frame made
# a 500-epoch track of the question's network 1.8 MB, 0.9 MB of it states.
STATE_EVERY = 4
# ... and in at most this many bytes a track: past it, every other state goes (the first and
# the newest stay), so a session forking further behind trains further on its own. A large
# network plays long: 16 layers of 256 (461,313 parameters, 11 MB a state with Adam's moments)
# kept one every 4 epochs, ~100 MB a second, and a protocol test's server grew past 20 GB.
STATE_BYTES = 64 * 2**20
# What the Python objects around the arrays cost (measured: tracks of the question's network
# took 1.7x what their arrays hold), per frame, snapshot and kept state.
OBJECT_BYTES = 1_000
# A frame keeps every seed's weights while they are at most this many numbers (the hidden units
# and the diagnosis read the median seed, which may be any of them), else the first
# MAX_SEEDS_KEPT, which the fit chart draws.
ALL_SEEDS_FRAME = 32_768
# (trainer, epochs) -> (losses, gradient norms), each (epochs_done, K): how a track trains. It
# keeps the networks at the trainer's `keep` epochs on the way (`kept`), as `Trainer.run` and
# cohorts do. Tests pass their own (to move time on without training); the page trains.
Compute = Callable[[Trainer, int], tuple[np.ndarray, np.ndarray]]


# A block of training keeps its trainer's networks at the snapshot epochs on its way (one
# TorchScript call instead of one a snapshot epoch: a 10,000-epoch run has 184, most of them in
# its first blocks) while they are at most this many numbers: a cohort's pass copies all its
# members' weights and second moments at each such epoch, 50 members x 256 x 8 bytes x 2 x
# the ~90 snapshot epochs of a first block = 18 MB at most. Larger networks stop at each.
KEEP_NUMBERS = 256

# The process's cohorts: tracks of different sessions that ask for a block of one kind at the
# same time (30 students each on a seed of their own) train in one batched pass.
COHORTS = Cohorts()


def train(trainer: Trainer, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """Trains `epochs` epochs in place and returns their (losses, gradient norms): together with
    the tracks of other sessions asking meanwhile (models/engine/cohort.py), with the numbers
    the trainer gives alone."""
    return COHORTS.train(trainer, epochs)


def train_alone(trainer: Trainer, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """Trains `epochs` epochs in place, never with other tracks; returns (losses, gradient
    norms). What `train` did before cohorts: benchmarks/cohort.py compares the two."""
    return trainer.run(epochs)


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


class TrackKey(NamedTuple):
    """What determines every loss of a run: equal for equal runs."""

    identity: RunIdentity
    schedule: tuple[Change, ...]


MAX_TRAJECTORY = 2_000


def _epoch(snapshot: Snapshot) -> int:
    return snapshot.epoch


def _state_bytes(state: dict) -> int:
    tensors = [state["theta"], state["m"], state["v"], *state["shufflers"]]
    return sum(t.numel() * t.element_size() for t in tensors if t is not None)


class Track:
    """One run's shared record; `extend_to` and `memo` change it (under its lock), readers only
    read it."""

    def __init__(self, key: TrackKey, trainer: Trainer) -> None:
        self.key, self.trainer = key, trainer
        self.lock = threading.RLock()
        self.readers: weakref.WeakSet = weakref.WeakSet()  # the sessions' runs reading it
        self.history = History(capacity=1)
        self.frame_seeds = trainer.net.k if trainer.net.theta.numel() <= ALL_SEEDS_FRAME \
            else MAX_SEEDS_KEPT
        first = take(trainer, None, self.frame_seeds)
        self.snapshots = Snapshots(take(trainer, None))
        # sorted by epoch; one list, so a reader never sees it half changed (a list's append and
        # insert are atomic in CPython)
        self.frames: list[Snapshot] = []
        self.frame_bytes = 0
        self.states: dict[int, dict] = {}
        self.state_bytes = 0
        self.state_every = STATE_EVERY * chunk_epochs(key.identity)
        self.trajectory: list[LinePoint] = []
        self.readings = Readings()  # the diagnosis, the curvature, what a redraw shows
        self._add_frame(first)

    @classmethod
    def fresh(cls, key: TrackKey) -> Track:
        """Returns a track at epoch 0 of a schedule that starts at 0 with its first entry."""
        first = key.schedule[0]
        track = cls(key, Trainer(key.identity, first.optimizer, first.lr))
        # Seed 0's first and last weight matrices before training: where the saddle theory starts.
        net = track.trainer.net
        track.initial_layers = (net.weights[0][0].numpy().copy(), net.weights[-1][0].numpy().copy())
        return track

    @property
    def epoch(self) -> int:
        """Returns the track's frontier: the epochs trained so far."""
        return self.trainer.epoch

    @property
    def framed(self) -> int:
        """Returns the epoch of the newest frame: the frontier once its block is recorded. The
        trainer's epoch moves first, while the block's losses, snapshot and frame are still
        being recorded under the lock."""
        return self.frames[-1].epoch

    @property
    def diverged(self) -> bool:
        """Returns True when the loss went non-finite at the frontier."""
        return self.trainer.diverged

    def _add_frame(self, frame: Snapshot, at_frontier: bool = True) -> None:
        """Adds the newest frame; at the trainer's frontier, its whole state is kept too when
        one is due (a frame a block kept on its way has no such state)."""
        if self.trainer.identity.network.is_linear:
            self.trajectory.append(LinePoint(frame.epoch, frame.slopes, frame.intercepts))
            if len(self.trajectory) >= MAX_TRAJECTORY:
                self.trajectory = self.trajectory[:1] + self.trajectory[2::2] + \
                    ([self.trajectory[-1]] if len(self.trajectory) % 2 == 0 else [])
        last = max(self.states, default=None)
        # the first frame's state is always kept: forks and filled frames train on from it
        if at_frontier and (last is None or frame.epoch - last >= self.state_every):
            state = self.trainer.snapshot()
            self.states[frame.epoch] = state
            self.state_bytes += _state_bytes(state) + OBJECT_BYTES
            if self.state_bytes > STATE_BYTES:
                self._thin_states()
        self.frames.append(frame)
        self.frame_bytes += frame.nbytes
        if self.frame_bytes > FRAME_BYTES:
            self._drop_unreachable_frames()

    def _thin_states(self) -> None:
        epochs = sorted(self.states)
        kept = {*epochs[::2], epochs[-1]}
        self.states = {e: self.states[e] for e in epochs if e in kept}
        self.state_bytes = sum(_state_bytes(s) + OBJECT_BYTES for s in self.states.values())

    def _drop_unreachable_frames(self) -> None:
        # Only frames behind every reader (and never the first nor the newest) can go.
        behind = min((r.epoch for r in list(self.readers)), default=self.epoch)
        last = len(self.frames) - 1
        self.frames = [f for i, f in enumerate(self.frames)
                       if f.epoch >= behind or i in (0, last) or i % 2 == 0]
        self.frame_bytes = sum(f.nbytes for f in self.frames)

    def extend_to(self, epoch: int, total: int, compute: Compute = train) -> None:
        """Trains the track up to `epoch` (a run of `total` epochs, which sets the snapshots'
        spread) in one block, its networks kept at each snapshot epoch on the way (a block to
        each snapshot epoch for networks of more than KEEP_NUMBERS numbers), with a frame at
        each of those and at the end; nothing when it is there already or diverged. The first
        reader to ask trains; the others wait, until its frame is there too: a reader that went
        by the trainer's epoch found no frame to move to yet, and a playing session asked again
        at once, over and over (a hall of 50 in one process: 12,706 of 16,097 asks moved
        nobody, while the interpreter they took was what the recording waited for)."""
        if self.framed >= epoch:
            return
        trainer = self.trainer
        with self.lock:
            while self.epoch < epoch and not self.diverged:
                start = self.epoch
                if trainer.net.theta.numel() <= KEEP_NUMBERS:
                    # one block, the networks kept at the snapshot epochs on its way
                    end = epoch
                    trainer.keep = tuple(int(e) for e in self.snapshots.between(start, end,
                                                                                 total))
                else:  # a block to each snapshot epoch
                    end = min(epoch, self.snapshots.next_epoch(start, total))
                    trainer.keep = ()
                losses, grad_norms = compute(trainer, end - start)
                if trainer.keep:
                    raise RuntimeError("a Compute must keep the networks at `trainer.keep`")
                for frame in take_all_kept(trainer, trainer.kept,
                                           [losses[k.epoch - start - 1] for k in trainer.kept],
                                           self.frame_seeds):
                    self.snapshots.record(frame.of_seeds(MAX_SEEDS_KEPT))
                    self._add_frame(frame, at_frontier=False)
                trainer.kept = []
                self.history.append(losses, grad_norms)
                if self.diverged:
                    self.history.diverged_at = self.epoch + 1
                losses = self.history.last_losses if self.history.count else None
                frame = take(self.trainer, losses, self.frame_seeds)
                if not self.diverged and self.snapshots.wants(self.epoch, total):
                    self.snapshots.record(frame.of_seeds(MAX_SEEDS_KEPT))
                self._add_frame(frame)

    def fill_frame(self, epoch: int) -> None:
        """Adds a frame at `epoch` (behind the frontier) when there is none: from the newest kept
        state before it, trained on in a private trainer; what the track recorded is unchanged.
        A reader that wants an epoch another reader trained past in a larger block (a Step
        behind a run played at max) gets that epoch, not the next frame. Without a kept state
        (a large network) nothing is added, and the reader moves to the nearest frame."""
        if epoch >= self.epoch or self.frame_at(epoch).epoch == epoch:
            return
        trained = self._trained_to(epoch)
        if trained is None:
            return
        frame = take(trained[0], trained[1], self.frame_seeds)
        with self.lock:
            j = bisect.bisect_left(self.frames, epoch, key=_epoch)
            if j < len(self.frames) and self.frames[j].epoch == epoch:
                return
            self.frames.insert(j, frame)
            self.frame_bytes += frame.nbytes

    def frame_at(self, epoch: int) -> Snapshot:
        """Returns the newest frame at or before `epoch` (epoch 0's before any)."""
        frames = self.frames
        return frames[max(bisect.bisect_right(frames, epoch, key=_epoch) - 1, 0)]

    def next_frame(self, after: int, upto: int) -> int:
        """Returns where a reader at epoch `after` that wants `upto` goes: the newest frame at or
        before `upto` past `after`, else the first frame after `after`, else `after`."""
        frames = self.frames
        i = bisect.bisect_right(frames, upto, key=_epoch) - 1
        if i >= 0 and frames[i].epoch > after:
            return frames[i].epoch
        j = bisect.bisect_right(frames, after, key=_epoch)
        return frames[j].epoch if j < len(frames) else after

    def _trained_to(self, epoch: int) -> tuple[Trainer, np.ndarray | None] | None:
        """Returns a private trainer at `epoch` (behind the frontier), trained on from the newest
        kept state before it, and its last epoch's losses (K,); None without a kept state. The
        track is only read."""
        start = max((e for e in self.states if e <= epoch), default=None)
        if start is None:
            return None
        first = self.key.schedule[0]
        trainer = Trainer(self.key.identity, first.optimizer, first.lr)
        trainer.restore(self.states[start])
        if epoch == start:  # a kept state is at a frame
            return trainer, self.frame_at(start).losses
        losses, _ = trainer.run(epoch - start)
        return trainer, losses[-1]

    def state_at(self, epoch: int) -> dict | None:
        """Returns the trainer's whole state at `epoch` of this track (trained on privately
        from a kept state when it falls between them), or None when no kept state precedes it."""
        if epoch == self.epoch:
            return self.trainer.snapshot()
        trained = self._trained_to(epoch)
        return None if trained is None else trained[0].snapshot()

    def memo(self, name: str, epoch: int, compute: Callable[[], T]) -> T:
        """Returns `compute()` for this track at `epoch`, computed once for all its readers
        (Readings.memo)."""
        return self.readings.memo(name, epoch, compute)

    def memo_many(self, name: str, epochs: list[int],
                  compute: Callable[[list[int]], list]) -> None:
        """Keeps the readings `name` at `epochs`, those not kept yet computed together once for
        all readers (Readings.memo_many)."""
        self.readings.memo_many(name, epochs, compute)

    def memoized(self, name: str, epoch: int) -> bool:
        """Returns True when the reading `name` at `epoch` is kept."""
        return self.readings.memoized(name, epoch)

    @property
    def memos(self) -> OrderedDict[tuple[str, int], object]:
        """The readings kept, the least recently read first."""
        return self.readings.memos

    @property
    def nbytes(self) -> int:
        """Returns about how many bytes the track holds."""
        return (self.history.stats.nbytes + self.snapshots.nbytes + self.frame_bytes
                + OBJECT_BYTES * (len(self.frames) + len(self.snapshots.kept)) + self.state_bytes
                + 4 * self.trainer.net.theta.numel() * 8)
