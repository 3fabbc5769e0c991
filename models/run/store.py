"""The run store: a run is trained once per server process and read by every session showing it.

The tracks (models/run/track.py) are keyed by what determines a run's losses: its identity and
its schedule of mid-run changes. One session trains a track a block at a time; every session
reads it in place at its own epoch: no copy, no pickling, no trainer state restored per session.

A track never changes what it has recorded: a mid-run change of optimizer or learning rate is
another schedule, so another track, started from this one's state at the change (`fork`).
The store is bounded in bytes (STORE_BYTES) and lets go of the tracks nobody reads, oldest
first; a track that is read is never dropped.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict

from models.engine.trainer import Trainer
from models.run.history import History
from models.run.track import Track, TrackKey

# The tracks nobody reads are dropped once the store holds more than this. A track of the
# question's network played at the default pace holds about 0.5 MB (history 0.3 MB, frames and
# states 0.2 MB); the largest network allowed about 70 MB (snapshots 32 MB, frames 16 MB, the
# history and the trainer). 256 MiB keeps hundreds of small runs for a class returning to
# them and a few large ones, next to the ~500 MB a Streamlit process with torch takes anyway.
STORE_BYTES = 256 * 2**20

class RunStore:
    """The tracks of one server process (or of one test), by key; bounded in bytes."""

    def __init__(self, budget: int = STORE_BYTES) -> None:
        self.budget = budget
        self._tracks: OrderedDict[TrackKey, Track] = OrderedDict()
        self._lock = threading.Lock()

    def track(self, key: TrackKey, total: int) -> Track:
        """Returns the track of `key`, started if it is new: at epoch 0, or forked at its last
        change's epoch from the track of the schedule before it."""
        with self._lock:
            found = self._tracks.get(key)
            if found is not None:
                self._tracks.move_to_end(key)
                return found
        made = self._fork(key, total) if key.schedule[-1].epoch > 0 else Track.fresh(key)
        with self._lock:
            found = self._tracks.setdefault(key, made)  # another session may have made it too
            self._tracks.move_to_end(key)
            self._evict()
        return found

    def _fork(self, key: TrackKey, total: int) -> Track:
        at = key.schedule[-1].epoch
        before = tuple(c for c in key.schedule if c.epoch < at)
        parent = self.track(TrackKey(key.identity, before), total)
        parent.extend_to(at, total)
        # A track keeps its trainer's state at its first epoch (0, or its own fork's), and the
        # parent's changes all come before `at`: there is always a kept state to train on from.
        state = parent.state_at(at)
        first = key.schedule[0]
        trainer = Trainer(key.identity, first.optimizer, first.lr)
        trainer.restore(state)
        for change in key.schedule:
            if change.epoch == at:  # in order: a switch away and back restarts the optimizer
                trainer.set_training(change.optimizer, change.lr)
        track = Track(key, trainer)
        track.initial_layers = parent.initial_layers
        with parent.lock:  # the parent's records up to the fork are this track's too
            n = at
            losses = parent.frame_at(at).losses  # the fork's first frame has the same networks
            track.frames[-1] = dataclasses.replace(track.frames[-1], losses=losses)
            track.history = History(capacity=max(n, 1))
            track.history.append_rows(parent.history.stats[:n])
            track.history.last_losses = losses
            track.snapshots.kept = [s for s in parent.snapshots.kept if s.epoch <= at]
            track.frames = [f for f in parent.frames if f.epoch < at] + track.frames
            track.frame_bytes = sum(f.nbytes for f in track.frames)
            track.trajectory = [p for p in parent.trajectory if p.epoch < at] + track.trajectory
        return track

    def _evict(self) -> None:
        total = sum(t.nbytes for t in self._tracks.values())
        for key in list(self._tracks):
            if total <= self.budget:
                break
            track = self._tracks[key]
            if not len(track.readers):
                total -= track.nbytes
                del self._tracks[key]

    def __len__(self) -> int:
        return len(self._tracks)

    @property
    def nbytes(self) -> int:
        """Returns about how many bytes the store's tracks hold."""
        with self._lock:
            return sum(t.nbytes for t in self._tracks.values())

