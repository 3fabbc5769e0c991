"""One thread at a time does the process's tensor work (models/engine/serial.py): a pass, the
recording of a block and a reading's tensor work wait while another thread holds the lock, and
go on, with the numbers they give alone, once it is let go. No figure here depends on the
machine's speed: a thread that must wait is checked not to have finished only after it was
seen to start, and every wait for a finish is bounded generously."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from models.analysis.curvature import hessian
from models.engine.cohort import Cohorts
from models.engine.serial import TENSOR_WORK, one_at_a_time
from models.engine.trainer import trainer_for
from models.experiment import QUESTION
from models.run.run import Run, RunStore
from models.run.snapshots import predict

GENEROUS = 120.0  # seconds: a bound for a finish, never a measure


def held_elsewhere(work) -> tuple[object, bool]:
    """Returns what `work()` returned and whether it was still waiting while another thread
    held TENSOR_WORK (after it had started)."""
    holding, let_go, started, done = (threading.Event() for _ in range(4))
    result: list = []

    def holder() -> None:
        with TENSOR_WORK:
            holding.set()
            let_go.wait(GENEROUS)

    def worker() -> None:
        started.set()
        result.append(work())
        done.set()

    threading.Thread(target=holder, daemon=True).start()
    assert holding.wait(GENEROUS)
    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    assert started.wait(GENEROUS)
    waited = not done.wait(0.3)  # it cannot finish while the lock is held elsewhere
    let_go.set()
    thread.join(GENEROUS)
    assert done.is_set(), "the work never finished once the lock was let go"
    return result[0], waited


def test_a_pass_waits_for_the_thread_holding_the_lock_and_gives_its_numbers():
    alone = trainer_for(QUESTION.with_(seed=7)).run(50)[0]
    got, waited = held_elsewhere(lambda: trainer_for(QUESTION.with_(seed=7)).run(50)[0])
    assert waited
    assert np.array_equal(got, alone)


def test_a_cohort_pass_waits_too():
    cohorts = Cohorts(window=0.0)
    got, waited = held_elsewhere(lambda: cohorts.train(trainer_for(QUESTION.with_(seed=8)), 40)[0])
    assert waited
    assert np.array_equal(got, trainer_for(QUESTION.with_(seed=8)).run(40)[0])


def test_a_run_advancing_waits_and_records_what_it_trains_alone():
    store = RunStore()
    got, waited = held_elsewhere(lambda: Run(QUESTION.with_(seed=9), store).advance(30) or 0)
    assert waited
    run = Run(QUESTION.with_(seed=9), store)
    assert run.track.epoch == 30
    expected = trainer_for(QUESTION.with_(seed=9)).run(30)[0]
    assert np.array_equal(run.track.history.last_losses, expected[-1])


@pytest.mark.parametrize("work", [
    lambda w: hessian(QUESTION.network, QUESTION.points, w),
    lambda w: predict(QUESTION.network, w[None, :], np.linspace(-1, 1, 5)),
])
def test_a_readings_tensor_work_waits_and_gives_its_numbers(work):
    weights = trainer_for(QUESTION.with_(seeds=1)).net.theta.numpy().copy()
    expected = work(weights)  # and any first-call set-up done
    got, waited = held_elsewhere(lambda: work(weights))
    assert waited
    assert np.array_equal(got, expected)


def test_the_lock_is_reentrant_so_tensor_work_may_call_more_of_it():
    outer = one_at_a_time(lambda: trainer_for(QUESTION.with_(seed=3)).run(5)[0])
    assert np.array_equal(outer(), trainer_for(QUESTION.with_(seed=3)).run(5)[0])


def test_threads_training_their_own_runs_at_once_each_get_the_numbers_they_get_alone():
    # Many threads, each a run of its own, training and recording at once through the lock
    # and the cohorts: nobody waits for ever, and nobody's numbers change.
    store, epochs = RunStore(), 300
    runs = [Run(QUESTION.with_(seed=20 + i, epochs=epochs), store) for i in range(8)]

    def play(run: Run) -> None:
        while not run.finished:
            run.advance(37)

    threads = [threading.Thread(target=play, args=(run,), daemon=True) for run in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(GENEROUS)
    assert not any(t.is_alive() for t in threads)
    for i, run in enumerate(runs):
        alone = trainer_for(QUESTION.with_(seed=20 + i, epochs=epochs)).run(epochs)[0]
        assert np.array_equal(run.track.history.last_losses, alone[-1])
        assert np.array_equal(run.track.history.loss, np.median(alone, axis=1))
