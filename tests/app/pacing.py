"""A fake clock for the live loop, and a way to play a run on it (components/live/player.play_loop).

The clock moves only when the loop sleeps or a test says training took time, so what a test
checks about the pace never depends on how fast the machine is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from components.live.load import DrawingLoad
from components.live.player import Clock, play_loop
from models.engine.trainer import Trainer
from models.experiment import Experiment
from models.run.run import Compute, Run
from models.run.store import RunStore
from tests.skipping import no_training  # noqa: F401  (the pace tests' Compute)


class FakeClock:
    """A clock that moves only when slept on or told to (`pass_time`)."""

    def __init__(self) -> None:
        self.time = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        """Returns the fake time in seconds."""
        return self.time

    def sleep(self, seconds: float) -> None:
        """Moves the time on by `seconds` at once, and notes the nap."""
        self.sleeps.append(seconds)
        self.time += seconds

    def pass_time(self, seconds: float) -> None:
        """Moves the time on, as training that took `seconds` would."""
        self.time += seconds

    def clock(self) -> Clock:
        """Returns this clock as the loop takes it."""
        return Clock(now=self.now, sleep=self.sleep, cpu=self.now)


def train(trainer: Trainer, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """Trains in place (every test's run is alone in a store of its own)."""
    return trainer.run(epochs)


def played(experiment: Experiment, rate: float, compute: Compute = train,
           behind: Callable[[], bool] = lambda: False, clock: FakeClock | None = None,
           store: RunStore | None = None, load: DrawingLoad | None = None
           ) -> tuple[Run, list[tuple[float, int]], FakeClock]:
    """Returns the run played to its end at `rate`, the (fake time, epoch) of every redraw, and
    the clock; `load` is the process's meter (a calm one of its own by default)."""
    clock = clock or FakeClock()
    run = Run(experiment, store)
    draws: list[tuple[float, int]] = []
    play_loop(run, lambda r: draws.append((clock.now(), r.epoch)), rate, clock.clock(),
              compute, behind, checkpoint=lambda: None, waiting=lambda: False,
              load=load or DrawingLoad(lambda: 0.0, clock.now))
    return run, draws, clock
