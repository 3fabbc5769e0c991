"""The "Search 64 starts" button: this network's best, estimated from many restarts.

The search is deterministic, so it is cached by what it trains (`st.cache_data`, bounded): a
class pressing the button on one link trains it once. It is the experiment's own architecture,
optimizer and learning rate; `models/analysis/search.py` bounds its work and says what it used.
"""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from components import state as S
from models.analysis.diagnosis import Search
from models.analysis.search import STARTS, search_experiment, search_starts
from models.experiment import Experiment
from models.run.run import Run


# 256 results of three numbers each; an hour, like the shared training chunks.
class KeptSearch(NamedTuple):
    """The last search a session ran: the experiment it trained, and what it found."""

    experiment: Experiment
    search: Search


@st.cache_data(max_entries=256, ttl=3_600, show_spinner=False)
def _search(batch: Experiment) -> Search:
    return search_starts(batch)


def searched(run: Run) -> Search | None:
    """Returns the search this session ran for the run's experiment, if it ran one."""
    kept = st.session_state.get(S.SEARCHED)
    return kept.search if kept and kept.experiment == search_experiment(run.experiment) else None


def render_search(run: Run) -> Search | None:
    """Draws the search button and what it found; returns the search of this experiment."""
    batch = search_experiment(run.experiment)
    starts, epochs = batch.seeds, batch.training.epochs
    if st.button(f"Search {starts} starts", key="search_starts", icon=":material/travel_explore:",
                 help=f"Trains {starts} restarts of this network together ({epochs:,} epochs "
                      "each, the same optimizer and learning rate) and draws the lowest final "
                      "loss: an estimate of this network's best, not a floor."):
        with st.spinner(f"Training {starts} starts…"):
            st.session_state[S.SEARCHED] = KeptSearch(batch, _search(batch))
    found = searched(run)
    if found is not None:
        fewer = f" (only {starts} fit the parameter limit)" if starts < STARTS else ""
        cut = (f", cut from {run.experiment.training.epochs:,}"
               if epochs < run.experiment.training.epochs else "")
        st.caption(f"Best of {found.starts} starts{fewer}, {found.epochs:,} epochs each{cut}: "
                   f"{found.best:.3e}, an estimate of this network's best, not its floor.")
    return found
