"""The live loop at its pace, on a fake clock: what it shows when, without waiting on the machine.

`play_loop` takes its clock, its compute and its browser check as parameters. The fake clock
moves only when the loop sleeps (or when a test's compute says training took time), so every
number here is the same on a fast machine and a slow one.
"""

from __future__ import annotations

import numpy as np
import pytest

from components.live.load import DrawingLoad
from components.live.player import MAX_SLEEP, REDRAW_EVERY, STALLED_NAP, play_loop
from models.engine.trainer import Trainer, chunk_epochs
from models.question.presets import PRESETS
from models.run.pace import AUTO, MAX, block_epochs, epochs_per_second
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


def test_in_a_class_of_paced_runs_each_redraws_ten_times_a_second_and_leaves_the_count():
    """While another session of the process plays a paced run, a paced loop redraws about every
    CLASS_REDRAW_EVERY s instead of REDRAW_EVERY; a run at speed=max is not counted; and a
    loop's count is gone when it ends, finished or failed."""
    from components.live.player import CLASS_REDRAW_EVERY

    clock = FakeClock()
    load = DrawingLoad(lambda: 0.0, clock.now)
    with load.paced():  # another student's paced run
        run, draws, _ = played(QUESTION.with_(epochs=3_000), 1_000.0, no_training, clock=clock,
                               load=load)
        crowded_at_max: list[bool] = []
        play_loop(Run(QUESTION.with_(epochs=300)),
                  lambda r: crowded_at_max.append(load.crowded()), MAX, clock.clock(),
                  no_training, lambda: False, checkpoint=lambda: None, waiting=lambda: False,
                  load=load)
    per_second = len(draws) / 3.0
    assert run.finished and 0.85 / CLASS_REDRAW_EVERY <= per_second <= 1.05 / CLASS_REDRAW_EVERY
    assert per_second < 0.9 / REDRAW_EVERY, per_second
    assert crowded_at_max and not any(crowded_at_max)  # the max run counted for nobody
    assert not load.crowded()

    def failing(run: Run) -> None:
        assert load.crowded()  # both counted while playing
        raise RuntimeError("a redraw failed")

    with load.paced(), pytest.raises(RuntimeError):
        play_loop(Run(QUESTION.with_(epochs=300)), failing, 100.0, clock.clock(), no_training,
                  lambda: False, checkpoint=lambda: None, waiting=lambda: False, load=load)
    with load.paced():
        assert not load.crowded()  # the failed loop counts no more: this one is alone


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
                         load=DrawingLoad(lambda: 0.0, clock.now))
    assert finished is False and 0 < run.epoch < 1_000 and not run.finished


def test_redraws_that_take_much_of_a_saturated_core_are_spaced_out_and_brought_back():
    """What redrawing cost over each window (the redraws' own CPU and the server thread's), as
    a share of a core: above BUSY, with the process saturated, the redraws are spaced out by
    STRETCH_STEP a window (at most MAX_STRETCH); with the process unsaturated brought back by a
    step for every such window, however long since the last redraw; below CALM straight back;
    never closer than REDRAW_EVERY; in between the spacing stays."""
    from components.live.load import BUSY, CALM, MAX_STRETCH, STRETCH_STEP

    clock, server, process = FakeClock(), [0.0], [0.0]
    load = DrawingLoad(lambda: server[0], clock.now, window=0.5, process_cpu=lambda: process[0])

    def window(drawing: float, sending: float = 0.0, seconds: float = 0.5,
               saturated: bool = True) -> float:
        load.count(drawing / 2)  # two redraws
        load.count(drawing / 2)
        server[0] += sending
        process[0] += seconds if saturated else drawing + sending
        clock.pass_time(seconds)
        return load.stretch()

    assert load.stretch() == 1.0  # no whole window yet
    assert window(0.2, 0.2) == STRETCH_STEP and load.busy == pytest.approx(0.8)
    assert window(0.5) == STRETCH_STEP ** 2
    assert window((BUSY + CALM) / 8, (BUSY + CALM) / 8) == STRETCH_STEP ** 2  # as it was
    assert window(0.1) == 1.0  # 0.2 of a core: below CALM, straight back
    assert window(0.1) == 1.0 and window(0.0) == 1.0  # never closer than REDRAW_EVERY
    for _ in range(20):
        window(0.5)
    assert load.stretch() == MAX_STRETCH  # within a window: unchanged
    # Redrawing much, but the process is not saturated (it has time to spare): closer again,
    # a step for every such window (1 s: two).
    assert window(0.4, saturated=False) == pytest.approx(MAX_STRETCH / STRETCH_STEP)
    assert window(0.8, seconds=1.0, saturated=False) == \
        pytest.approx(MAX_STRETCH / STRETCH_STEP ** 3)
    # Redrawing takes little (the class has gone): straight back to REDRAW_EVERY.
    assert window(0.1) == 1.0


def test_sessions_spaced_out_advance_in_larger_blocks_on_one_grid():
    """While redraws are stretched, a session advances blocks a power of two times larger (the
    largest not above the stretch), so sessions on one run keep showing the same epochs."""
    from components.live.load import shared_grid

    assert [shared_grid(s) for s in (0.5, 1.0, 1.49, 1.5, 2.25, 3.375, 7.99, 8.0, 20.0)] == \
        [1, 1, 1, 1, 2, 2, 4, 8, 16]


def test_a_stretched_loop_shows_only_epochs_on_the_larger_grid():
    """A run played while the process is busy: every epoch drawn (but the last) is a multiple
    of the block times the grid, as every other session of the process draws them."""
    from components.live.load import shared_grid

    class Busy(DrawingLoad):
        def stretch(self) -> float:
            return 5.0

    clock = FakeClock()
    run = Run(QUESTION.with_(epochs=3_000))
    drawn = []
    play_loop(run, lambda r: drawn.append(r.epoch), 1_000.0, clock.clock(),
              behind=lambda: False, checkpoint=lambda: None, waiting=lambda: False, load=Busy())
    step = block_epochs(chunk_epochs(run.experiment.run_identity()), 1_000.0, REDRAW_EVERY) * \
        shared_grid(5.0)
    assert run.finished and drawn[-1] == 3_000 and len(drawn) > 2
    assert all(epoch % step == 0 for epoch in drawn[:-1]), (step, drawn)


def _explained_draws(seconds_apart: float, draws: int) -> None:
    """An AppTest script: a playing run's view drawn `draws` times, `seconds_apart` of a fake
    clock apart; leaves which draws redrew the explanation in session state."""
    import streamlit as st

    from components import state as S
    from components.live import view as live_view
    from models.analysis.floors import floors
    from models.experiment import QUESTION
    from models.run.run import Run

    class Clock:
        now = 0.0

        @classmethod
        def monotonic(cls) -> float:
            return cls.now

    live_view.time = Clock  # the view's own clock only
    st.session_state[S.PLAYING] = True
    run = Run(QUESTION.with_(epochs=5_000))
    view = live_view.LiveView(run, floors(QUESTION.points, QUESTION.network), True)
    explained, drawn = [], []
    view._draw_explanation = lambda r, plateaus: explained.append(len(drawn))
    for _ in range(draws):
        run.advance(10)
        view.draw(run)
        drawn.append(run.epoch)
        Clock.now += seconds_apart
    st.session_state["explained"] = explained


@pytest.mark.parametrize(("seconds_apart", "expected"), [
    (0.125, [0, 8, 16]),          # eight redraws a second: once a second
    (2.0, [0, 5, 10, 15, 20]),    # a crowded server's redraws, 2 s apart: every fifth
])
def test_a_playing_view_explains_once_a_second_and_not_before_five_redraws(seconds_apart,
                                                                          expected):
    """The explanation is redrawn while playing at most once a second and once in
    EXPLAIN_FRAMES redraws: a crowded server's sparse redraws do not each carry it."""
    from streamlit.testing.v1 import AppTest

    from components.live import view as live_view

    try:
        app = AppTest.from_function(_explained_draws, default_timeout=120,
                                    kwargs=dict(seconds_apart=seconds_apart, draws=21))
        app.run()
        assert not app.exception, app.exception
        assert app.session_state["explained"] == expected
    finally:
        live_view.time = __import__("time")


def test_a_run_slower_than_its_pace_and_never_drawn_still_reaches_a_checkpoint_each_block():
    """Training slower than the pace (always due) while the server has not sent the last
    redraw (never drawn): each block still ends at a checkpoint, where Streamlit stops the
    script for a waiting rerun."""
    clock = FakeClock()

    def slow(trainer, epochs):  # each block takes longer than the pace allows
        clock.pass_time(1.0)
        return no_training(trainer, epochs)

    class Stopped(Exception):
        pass

    checkpoints = []

    def checkpoint() -> None:
        checkpoints.append(clock.now())
        if len(checkpoints) == 3:
            raise Stopped

    run = Run(QUESTION.with_(epochs=100_000))
    with pytest.raises(Stopped):
        play_loop(run, lambda r: pytest.fail("drawn while the server is behind"), 1_000.0,
                  clock.clock(), slow, behind=lambda: True, checkpoint=checkpoint,
                  waiting=lambda: False, load=DrawingLoad(lambda: 0.0, clock.now))
    assert len(checkpoints) == 3 and 0 < run.epoch < 100_000


def test_a_block_whose_frame_is_not_there_yet_naps_instead_of_asking_again_at_once():
    """A due block that does not move the run (another session is still recording it) naps
    STALLED_NAP before asking again: asking at once, over and over, took the interpreter from
    the session recording the block."""
    clock = FakeClock()
    run = Run(QUESTION.with_(epochs=512))
    advance, asked = run.advance, []

    def stalled_at_first(epochs, compute=no_training, exact=True):
        asked.append(clock.now())
        if clock.now() < 0.05 and len(asked) < 1_000:  # the block's frame is not there yet
            return
        advance(epochs, no_training, exact)

    run.advance = stalled_at_first
    play_loop(run, lambda r: None, float("inf"), clock.clock(), no_training,
              behind=lambda: False, checkpoint=lambda: None, waiting=lambda: False,
              load=DrawingLoad(lambda: 0.0, clock.now))
    stalled = [when for when in asked if when < 0.05]
    assert run.finished and len(stalled) <= 0.05 / STALLED_NAP + 1
    assert STALLED_NAP in clock.sleeps
