"""A track's readings: what is computed of its run at an epoch (the diagnosis, the curvature, what
a redraw shows), computed once for every session that reads the track, and kept.

Every session showing a run reads the same track (models/run/track.py), and a class shows the
same epochs at about the same moment: each reading is computed by one reader while the others
wait for it, and kept, the least recently read going first.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")

# Readings kept per track, the least recently read going first. What a redraw shows (the charts'
# JSON, up to ~60 KB a frame) is most of it, and a class reads only the epochs it is near: 4,096
# of them could hold a quarter of a gigabyte per track outside the store's budget. The run's
# own readings read at every redraw (the curvature chart's, chart_epochs) stay in, being read.
MAX_MEMO = 512
_computing = threading.local()  # .depth: how many readings this thread is computing now
_MISSING = object()


def _computed(compute: Callable[[], T]) -> T:
    """Returns compute(), counted as a reading this thread is computing (see Readings.memo)."""
    _computing.depth = getattr(_computing, "depth", 0) + 1
    try:
        return compute()
    finally:
        _computing.depth -= 1


class Readings:
    """The readings of one track, by (name, epoch)."""

    def __init__(self) -> None:
        self.memos: OrderedDict[tuple[str, int], object] = OrderedDict()
        self._computing: dict[tuple[str, int], Future] = {}  # readings being computed, by key
        self._lock = threading.Lock()

    def memo(self, name: str, epoch: int, compute: Callable[[], T]) -> T:
        """Returns `compute()` for the run at `epoch`, computed once for all its readers: a
        reader that finds it being computed waits for it. (Without the wait, 50 sessions on a
        fresh run in one process made 291 computations of 150 frames, one of them 19 times.) A
        reader that is computing a reading itself computes a nested one on its own rather than
        wait, so no two readers wait on each other; if the computing reader fails (its script
        stopped), the waiting ones compute it themselves."""
        key = (name, epoch)
        try:
            value = self.memos[key]
        except KeyError:
            pass
        else:
            with contextlib.suppress(KeyError):  # another session's reading just dropped it
                self.memos.move_to_end(key)
            return value  # type: ignore[return-value]
        self.memo_many(name, [epoch], lambda epochs: [compute()])
        value = self.memos.get(key, _MISSING)
        # gone already (past MAX_MEMO), or its computing reader failed: this reader alone
        return self._compute(key, compute) if value is _MISSING else value  # type: ignore

    def memo_many(self, name: str, epochs: list[int],
                  compute: Callable[[list[int]], list]) -> None:
        """Keeps the readings `name` at `epochs`, those not kept yet computed together:
        `compute(missing)` returns them in the order asked. As `memo`, each is computed once for
        all readers: a reader claims those nobody is computing and computes them in one call,
        then waits for those another reader claimed. (Each checking what was kept and computing
        the rest, a class of 15 finishing one run together took the same 40 Hessians 15 times,
        8-24 ms a session where one reader's 15 would do.) A reader computing a reading already
        computes what it lacks on its own; if another reader fails, `memo` computes it later.
        (`memo` is this for one reading.)"""
        if getattr(_computing, "depth", 0):
            mine = [e for e in dict.fromkeys(epochs) if (name, e) not in self.memos]
            theirs: list[Future] = []
            claimed: dict[int, Future] = {}
        else:
            with self._lock:
                mine, theirs, claimed = [], [], {}
                for epoch in dict.fromkeys(epochs):
                    key = (name, epoch)
                    if key in self.memos:
                        continue
                    pending = self._computing.get(key)
                    if pending is None:
                        claimed[epoch] = self._computing[key] = Future()
                        mine.append(epoch)
                    else:
                        theirs.append(pending)
        if mine:
            try:
                values = _computed(lambda: compute(mine))
            except BaseException as error:
                for epoch, pending in claimed.items():
                    self._finish((name, epoch), pending, error=error)
                raise
            for epoch, value in zip(mine, values, strict=True):
                self._keep((name, epoch), value)
                if epoch in claimed:
                    self._finish((name, epoch), claimed[epoch], value=value)
        for pending in theirs:
            with contextlib.suppress(BaseException):  # its failure: `memo` computes it alone
                pending.result()

    def memoized(self, name: str, epoch: int) -> bool:
        """Returns True when the reading `name` at `epoch` is kept (a `memo` of it computes
        nothing)."""
        return (name, epoch) in self.memos

    def _compute(self, key: tuple[str, int], compute: Callable[[], T]) -> T:
        """Computes a reading on this thread and keeps it."""
        value = _computed(compute)
        self._keep(key, value)
        return value

    def _keep(self, key: tuple[str, int], value: object) -> None:
        """Keeps a reading, the least recently read going past MAX_MEMO."""
        self.memos[key] = value
        while len(self.memos) > MAX_MEMO:
            self.memos.popitem(last=False)

    def _finish(self, key: tuple[str, int], pending: Future, value: object = None,
                error: BaseException | None = None) -> None:
        with self._lock:
            self._computing.pop(key, None)
        if error is None:
            pending.set_result(value)
        else:
            pending.set_exception(error)
