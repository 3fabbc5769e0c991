"""Training work shared across sessions: identical runs are computed once.

The trainer is deterministic, so a chunk of epochs is a pure function of the run's identity,
its schedule of changes and where the chunk starts. A class opening one link asks for the same
chunks; `st.cache_data` computes each once (it holds a lock per key, so the others wait for the
first rather than repeat it) and hands everyone a copy of the losses and the state after it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from models.run.run import Run

# Above this many parameters x seeds the state is too large to copy through the cache cheaply.
MAX_SHARED_PARAMETERS = 50_000


# 1,000 chunks of ~20 kB (losses, gradient norms and a small state each): at most ~20 MB.
@st.cache_data(max_entries=1_000, ttl=3_600, show_spinner=False)
def _chunk(key: tuple, _run: Run, epochs: int) -> tuple[np.ndarray, np.ndarray, dict]:
    # `_run` is left out of the key: `key` already fixes its state (identity, schedule, epoch).
    losses, grad_norms = _run.trainer.run(epochs)
    return losses, grad_norms, _run.trainer.snapshot()


def compute_shared(run: Run, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """Returns the next `epochs` epochs' (losses, gradient norms), from the shared cache when
    another session computed them already; leaves the run's trainer in the state after them."""
    if run.experiment.network.parameter_count() * run.experiment.seeds > MAX_SHARED_PARAMETERS:
        return run.trainer.run(epochs)
    losses, grad_norms, snapshot = _chunk(run.key(epochs), run, epochs)
    run.trainer.restore(snapshot)
    return losses, grad_norms
