"""Memory stays flat: many runs in one session grow the process by a bounded amount."""

from __future__ import annotations

import gc

import psutil

from models.engine.trainer import chunk_epochs
from models.experiment import Experiment
from models.run.run import Run
from models.run.store import RunStore

MB = 1024 * 1024
# One store, like a server process's, with a small budget so that 200 runs go past it: the runs
# nobody reads are dropped. Its byte count undercounts Python's objects by about 1.2x (measured).
STORE = RunStore(budget=32 * MB)


def _play_to_the_end(experiment: Experiment) -> Run:
    """Returns a run of the experiment trained to its last epoch in a store, as the page does."""
    run = Run(experiment, STORE)
    chunk = chunk_epochs(experiment.run_identity())
    while not run.finished:
        run.advance(chunk)
    return run


def test_two_hundred_runs_grow_memory_by_less_than_50_mb():
    """200 different runs, one after another as one student would, add less than 50 MB beyond
    what the run store may hold (its budget: the runs nobody reads go past it)."""
    process = psutil.Process()
    base = Experiment().with_(epochs=500)
    for seed in range(20):  # warm up: allocator pools, imports, the first cache entries
        _play_to_the_end(base.with_(seed=seed))
    gc.collect()
    before = process.memory_info().rss
    for seed in range(20, 200):
        run = _play_to_the_end(base.with_(seed=seed))
    gc.collect()
    grown = process.memory_info().rss - before
    assert run.finished and run.history.count == 500
    assert grown < 50 * MB + 1.5 * STORE.budget, f"200 runs grew the process by {grown / MB:.1f} MB"
