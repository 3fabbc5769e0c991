"""The pace of a live run: which epoch the page should show at a given moment.

A training run of 10,000 epochs takes a fraction of a second, too fast for a class to see the
loss fall. The page plays it at a speed instead (`Training.speed`, epochs a second):
- AUTO (`experiment.Pace.AUTO`): the whole run in about RUN_SECONDS, whatever its length, never slower than
  SLOWEST_AUTO epochs a second: 10,000 epochs at 2,000 a second, 100,000 at 20,000;
- a number: that many epochs a second;
- MAX (inf): as fast as the machine trains.
The pace decides only *when* an epoch is trained and shown. Training goes in blocks whose
bounds depend on the speed alone (`block_epochs`, `block_end`), not on the clock, so sessions
playing one run at one speed ask the shared cache for the same chunks.
"""

from __future__ import annotations

import math

from models.experiment import AUTO, Speed

MAX = math.inf
RUN_SECONDS = 5.0
SLOWEST_AUTO = 10.0
SPEED_STOPS = (10.0, 100.0, 1_000.0, 10_000.0, 100_000.0)  # the Speed control's numbers


def epochs_per_second(speed: Speed, epochs: int) -> float:
    """Returns the epochs a second a run of `epochs` is played at (inf for MAX)."""
    if speed is AUTO:
        return max(SLOWEST_AUTO, epochs / RUN_SECONDS)
    return float(speed)


def block_epochs(chunk: int, rate: float, redraw_every: float) -> int:
    """Returns how many epochs to train at a time: `chunk` (a power of two, about 0.025 s of
    training) at full speed, and at a slower pace the largest power of two the pace shows in
    one redraw interval, so a redraw never shows more than one block ahead of the pace."""
    per_redraw = rate * redraw_every
    if per_redraw >= chunk:
        return chunk
    return 2 ** max(0, math.floor(math.log2(max(per_redraw, 1.0))))


def block_end(epoch: int, block: int) -> int:
    """Returns the epoch the block holding `epoch` ends at: the next multiple of `block`, so a
    run stopped anywhere (a Step, a Pause) joins the same blocks again."""
    return (epoch // block + 1) * block


class Pacer:
    """The pace from where the loop started: epoch `epoch` at time `now`, `rate` a second on.

    `due` and `wait` only read it; `keep_up` moves its origin when the machine cannot train as
    fast as the pace asks, so a run that fell behind goes on at the pace from where it is
    instead of racing to make up the lost time.
    """

    def __init__(self, rate: float, epoch: int, now: float):
        if not rate > 0:
            raise ValueError(f"a pace needs a positive rate, not {rate}")
        self.rate = rate
        self._epoch, self._time = epoch, now

    def due(self, now: float) -> float:
        """Returns the (fractional) epoch the page should show at `now`: inf at MAX."""
        if math.isinf(self.rate):
            return math.inf
        return self._epoch + self.rate * max(0.0, now - self._time)

    def wait(self, epoch: int, now: float) -> float:
        """Returns the seconds from `now` until `epoch` is due (0 when it is)."""
        if math.isinf(self.rate):
            return 0.0
        return max(0.0, self._time + (epoch - self._epoch) / self.rate - now)

    def keep_up(self, epoch: int, now: float, slack: float) -> None:
        """Moves the origin to (`epoch`, `now`) when the run is more than `slack` epochs behind
        the pace; changes the pacer."""
        if self.due(now) - epoch > slack:
            self._epoch, self._time = epoch, now
