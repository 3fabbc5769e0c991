"""Memory stays flat: many runs in one session grow the process by a bounded amount."""

from __future__ import annotations

import gc

import psutil
import streamlit as st

from components.live.shared_training import compute_shared
from models.engine.trainer import chunk_epochs
from models.experiment import Experiment
from models.run.run import Run

MB = 1024 * 1024


def _play_to_the_end(experiment: Experiment) -> Run:
    """Returns a run of the experiment trained to its last epoch through the shared cache."""
    run = Run(experiment)
    chunk = chunk_epochs(experiment.run_identity())
    while not run.finished:
        run.advance(chunk, compute_shared)
    return run


def test_two_hundred_runs_grow_memory_by_less_than_50_mb():
    """200 different runs, one after another as one student would, add less than 50 MB."""
    st.cache_data.clear()
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
    assert grown < 50 * MB, f"200 runs grew the process by {grown / MB:.1f} MB"
    st.cache_data.clear()
