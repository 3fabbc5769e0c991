"""Sessions on seeds of their own, playing at once in one store, train in cohorts
(models/engine/cohort.py) and see exactly the runs they see alone."""

import threading

import numpy as np

from models.experiment import QUESTION
from models.run.run import Run, RunStore
from models.run.track import COHORTS, train_alone


def test_runs_played_at_once_are_bitwise_the_runs_played_alone():
    experiments = [QUESTION.with_(seed=s, epochs=600, lr=lr)
                   for s, lr in zip(range(1, 9), [1e-2, 1e-2, 1e-2, 3e-2] * 2, strict=True)]
    store = RunStore()
    runs = [Run(e, store) for e in experiments]
    members_before = COHORTS.members

    def play(run: Run, block: int) -> None:
        while not run.finished:
            run.advance(block)

    threads = [threading.Thread(target=play, args=(run, 64 if i % 3 else 50))
               for i, run in enumerate(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert COHORTS.members > members_before
    for run, experiment in zip(runs, experiments, strict=True):
        alone = Run(experiment, RunStore())
        while not alone.finished:
            alone.advance(64, train_alone)
        assert run.epoch == alone.epoch == 600
        np.testing.assert_array_equal(run.track.history.stats[:600],
                                      alone.track.history.stats[:600])
        np.testing.assert_array_equal(run.track.trainer.net.theta, alone.track.trainer.net.theta)
        np.testing.assert_array_equal(run.frame.weights, alone.frame.weights)
