"""The share link: read once when a session starts, then kept in step with the controls."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from components import state as S
from components.streamlit_internals import browser_connected
from models.edges.lecture import hide_text, parse_hidden
from models.edges.query import from_query, to_query, wants_autoplay
from models.experiment import Experiment


def start_session() -> None:
    """On a session's first run, loads the link's experiment into the controls and keeps its
    warnings to show; later runs leave everything as the student set it."""
    if st.session_state.get(S.STARTED):
        return
    raw = {key: st.query_params.get_all(key) for key in st.query_params.keys()}
    experiment, warnings = from_query(raw)
    hidden, hide_warnings = parse_hidden(raw)
    S.load_experiment(experiment)
    st.session_state[S.LINK_WARNINGS] = warnings + hide_warnings
    st.session_state[S.HIDDEN] = hidden
    st.session_state[S.AUTOPLAY] = wants_autoplay(raw)
    # In a browser, play=1 waits until the page has drawn all of itself (see player.py);
    # without one (AppTest) there is nothing to wait for.
    waits = st.session_state[S.AUTOPLAY] and browser_connected()
    st.session_state[S.WAITING_FOR_PAGE] = waits
    st.session_state[S.PLAYING] = st.session_state[S.AUTOPLAY] and not waits
    st.session_state[S.STARTED] = True


def render_link_warnings() -> None:
    """Shows what the share link, and since the last interaction the controls, had that
    could not be used, and what was used instead."""
    warnings = st.session_state.get(S.LINK_WARNINGS) or []
    if warnings:
        st.warning("\n".join(f"- {w}" for w in warnings), title="Some of the link was not used",
                   icon=":material/link_off:")
    replaced = st.session_state.get(S.WIDGET_WARNINGS) or []
    if replaced:
        st.warning("\n".join(f"- {w}" for w in replaced),
                   title="Some control values could not be used", icon=":material/tune:")


def link_parameters(experiment: Experiment, hidden=frozenset(), autoplay: bool = False) -> dict:
    """Returns the query parameters of a link to this experiment (with hide= and play=1)."""
    params = to_query(experiment)
    if hidden:
        params["hide"] = hide_text(hidden)
    if autoplay:
        params["play"] = "1"
    return params


def link_to(experiment: Experiment, hidden=frozenset(), autoplay: bool = False) -> str:
    """Returns the full URL of this page showing the experiment."""
    return f"{st.context.url}?{urlencode(link_parameters(experiment, hidden, autoplay))}"


def sync_link(experiment: Experiment) -> None:
    """Writes the experiment into the page's URL, so copying it shares this exact run."""
    params = link_parameters(experiment, st.session_state.get(S.HIDDEN, frozenset()),
                             st.session_state.get(S.AUTOPLAY, False))
    current = {key: st.query_params.get(key) for key in st.query_params.keys()}
    if current != params:
        st.query_params.from_dict(params)
