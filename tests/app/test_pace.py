"""The live loop at its pace, on a fake clock: what it shows when, without waiting on the machine.

`play_loop` takes its clock, its compute and its browser check as parameters. The fake clock
moves only when the loop sleeps (or when a test's compute says training took time), so every
number here is the same on a fast machine and a slow one.
"""

from __future__ import annotations

import numpy as np
import pytest

from components.live.player import MAX_SLEEP, REDRAW_EVERY, ProcessLoad, play_loop
from models.engine.trainer import Trainer
from models.question.presets import PRESETS
from models.run.pace import AUTO, epochs_per_second
from models.run.run import Run
from models.run.store import RunStore
from tests.app.pacing import FakeClock, no_training, played

QUESTION = PRESETS["question"].experiment


def test_speed_1000_shows_about_a_thousand_epochs_a_second():
    """At 1,000 epochs a second the page shows epoch ~1000 t at every redraw (within a block of
    64 epochs ahead) and the 3,000-epoch run lasts 3 fake seconds."""
    run, draws, clock = played(QUESTION.with_(epochs=3_000), 1_000.0)
    assert run.finished and draws[-1][1] == 3_000
    for t, epoch in draws:
        assert 1_000 * t - 1 <= epoch <= 1_000 * t + 64, (t, epoch)
    assert clock.time == pytest.approx(3.0, abs=0.07)


@pytest.mark.parametrize("rate", [10.0, 1_000.0, 20_000.0])
def test_the_page_redraws_about_ten_times_a_second_at_any_pace(rate):
    """Slow motion is smooth: about 1 / REDRAW_EVERY redraws a second at 10, 1,000 or 20,000
    epochs a second, each showing new epochs; and no nap is longer than MAX_SLEEP, so Pause
    waits no longer."""
    epochs = int(rate * 3)
    run, draws, clock = played(QUESTION.with_(epochs=epochs), rate, no_training)
    per_second = len(draws) / clock.time
    assert 0.7 / REDRAW_EVERY <= per_second <= 1.05 / REDRAW_EVERY, per_second
    assert all(b[1] > a[1] for a, b in zip(draws, draws[1:]))
    assert max(clock.sleeps) <= MAX_SLEEP


def test_the_default_plays_10000_and_100000_epochs_in_about_the_same_time():
    """auto plays a run in about 5 s whatever its length: 10,000 and 100,000 epochs both."""
    times = []
    for epochs in (10_000, 100_000):
        experiment = QUESTION.with_(epochs=epochs)
        rate = epochs_per_second(AUTO, epochs)
        run, draws, clock = played(experiment, rate, no_training)
        assert run.epoch == epochs and draws[-1][1] == epochs
        times.append(clock.time)
    assert times == pytest.approx([5.0, 5.0], abs=0.1)


def test_a_run_too_slow_for_its_pace_goes_as_fast_as_it_trains_and_does_not_race_later():
    """Epochs that take 1 ms each (the first 512) cannot keep 5,000 a second: the run takes
    their time (0.512 s), then goes on at the pace from where it is, not at once to make up
    the time lost: its last block of 256 starts when its first epoch is due, 257 epochs
    (0.0514 s) later."""
    clock = FakeClock()

    def slow_start(trainer: Trainer, epochs: int):
        clock.pass_time(1e-3 * max(0, min(epochs, 512 - trainer.epoch)))
        return no_training(trainer, epochs)

    run, draws, _ = played(QUESTION.with_(epochs=1_024), 5_000.0, slow_start, clock=clock)
    assert run.finished and clock.time == pytest.approx(0.512 + 257 / 5_000, abs=0.002)
    assert draws[-1] == (clock.time, 1_024)


def test_the_pace_changes_when_epochs_are_shown_not_what_they_compute():
    """A run played at 100 epochs a second has the losses and weights of one played at max."""
    experiment = QUESTION.with_(epochs=300, lr=1e-2)
    slow, _, _ = played(experiment, 100.0)
    fast, _, _ = played(experiment, float("inf"))
    np.testing.assert_array_equal(slow.history.stats[:300], fast.history.stats[:300])
    np.testing.assert_array_equal(slow.trainer.net.theta, fast.trainer.net.theta)


def test_sessions_at_one_speed_share_their_training(monkeypatch):
    """The pace's blocks do not depend on the clock: a second session playing the same run at
    the same speed on another clock reads every block from the store's track."""
    calls: list[int] = []
    real_run = Trainer.run
    monkeypatch.setattr(Trainer, "run", lambda self, n: calls.append(n) or real_run(self, n))
    experiment = QUESTION.with_(epochs=1_000)
    store = RunStore()
    first, _, _ = played(experiment, 1_000.0, store=store)
    trained = len(calls)
    clock = FakeClock()
    clock.pass_time(0.0123)  # another moment, another clock
    second, _, _ = played(experiment, 1_000.0, clock=clock, store=store)
    assert trained > 1 and len(calls) == trained
    np.testing.assert_array_equal(second.history.stats[:1000], first.history.stats[:1000])


def test_the_loop_ends_its_run_when_a_rerun_waits_and_leaves_the_run_where_it_was():
    """Pause pressed inside the live fragment: the loop sees the rerun waiting, stops before
    its next block and says it did not finish; the run keeps its epochs."""
    clock = FakeClock()
    run = Run(QUESTION.with_(epochs=1_000))
    asked = iter([False] * 5 + [True])
    finished = play_loop(run, lambda r: None, 1_000.0, clock.clock(), behind=lambda: False,
                         checkpoint=lambda: None, waiting=lambda: next(asked),
                         load=ProcessLoad(lambda: 0.0, clock.now))
    assert finished is False and 0 < run.epoch < 1_000 and not run.finished


def test_a_busy_process_spaces_its_redraws_out_and_a_calm_one_brings_them_back():
    """The process's CPU over each window, as a share of a core: above BUSY the redraws are
    spaced out by STRETCH_STEP a window (at most MAX_STRETCH), below CALM brought back, never
    closer than REDRAW_EVERY; in between the spacing stays."""
    from components.live.player import BUSY, CALM, MAX_STRETCH, STRETCH_STEP

    clock, cpu = FakeClock(), [0.0]
    load = ProcessLoad(lambda: cpu[0], clock.now, window=0.5)

    def window(share: float) -> float:
        cpu[0] += share * 0.5
        clock.pass_time(0.5)
        return load.stretch()

    assert load.stretch() == 1.0  # no whole window yet
    assert window(0.95) == STRETCH_STEP and load.busy == pytest.approx(0.95)
    assert window(1.0) == STRETCH_STEP ** 2
    assert window((BUSY + CALM) / 2) == STRETCH_STEP ** 2  # neither busy nor calm: as it was
    assert window(0.3) == STRETCH_STEP
    assert window(0.3) == 1.0 and window(0.1) == 1.0  # never closer than REDRAW_EVERY
    for _ in range(20):
        window(1.0)
    assert load.stretch() == MAX_STRETCH
    assert load.stretch() == MAX_STRETCH  # within a window: unchanged
