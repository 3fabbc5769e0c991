"""Play / Pause / Step / Reset, and the live loop that trains between redraws.

While playing, the script trains a chunk of about 0.08 s, redraws the readouts and charts, and
repeats. Every `st.*` call in a redraw is a point where a pending rerun (a slider moved, Pause
pressed) stops this script, so the page stays usable; the run itself lives in session state
and the next script run carries on from where this one stopped.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components import state as S
from components.compare import remember
from components.shared_training import compute_shared
from models.experiment import Experiment
from models.run import Run
from models.trainer import chunk_epochs


def _set_playing(playing: bool) -> None:
    # The button says what it will do when drawn (Play or Pause), so a double click sets the
    # same state twice instead of toggling back.
    run: Run | None = st.session_state.get(S.RUN)
    if playing and run is not None and run.finished:
        st.session_state[S.RUN] = None  # Play after the end starts over
    st.session_state[S.PLAYING] = playing


def _step() -> None:
    st.session_state[S.PLAYING] = False
    st.session_state[S.STEP] = True


def _reset() -> None:
    st.session_state[S.PLAYING] = False
    st.session_state[S.RUN] = None


def render_buttons(ready: bool) -> None:
    """Draws the player's buttons; `ready` is False while the points table has an error."""
    playing = st.session_state.get(S.PLAYING, False)
    with st.container(horizontal=True):
        st.button("Pause" if playing else "Play", key="play", on_click=_set_playing,
                  args=(not playing,),
                  type="primary", icon=":material/pause:" if playing else ":material/play_arrow:",
                  disabled=not ready, shortcut="Space",
                  help="Play or pause (Space)")
        st.button("Step", key="step", on_click=_step, icon=":material/skip_next:",
                  disabled=not ready, shortcut="S", help="Train one epoch (S)")
        st.button("Reset", key="reset", on_click=_reset, icon=":material/replay:",
                  shortcut="Backspace", help="Start again from the initial weights (Backspace)")


def current_run(experiment: Experiment) -> Run:
    """Returns this session's run, updated to the experiment or started afresh if it must be."""
    run: Run | None = st.session_state.get(S.RUN)
    if run is None or not run.update(experiment):
        run = Run(experiment)
        st.session_state[S.RUN] = run
    return run


def status_text(run: Run, ready: bool) -> str:
    """Returns the status line: Ready, Playing, Paused, Finished or Diverged, with the epoch."""
    total = run.experiment.training.epochs
    if run.history.diverged_at is not None:
        return f"Diverged at epoch {run.history.diverged_at}"
    if run.finished:
        return f"Finished · epoch {run.epoch}/{total}"
    if not ready:
        return f"Waiting for valid points · epoch {run.epoch}/{total}"
    if st.session_state.get(S.PLAYING):
        return f"Playing · epoch {run.epoch}/{total}"
    return f"Paused · epoch {run.epoch}/{total}" if run.epoch else f"Ready · 0/{total} epochs"


def play(run: Run, ready: bool, draw: Callable[[Run], None]) -> None:
    """Draws the run, then trains and redraws until it finishes, pauses or a rerun stops it."""
    remember(run)
    draw(run)
    if not ready:
        return
    if st.session_state.pop(S.STEP, False):
        run.advance(1, compute_shared)
        remember(run)
        draw(run)
    if not st.session_state.get(S.PLAYING):
        return
    chunk = chunk_epochs(run.experiment)
    while not run.finished:
        run.advance(chunk, compute_shared)
        draw(run)
    st.session_state[S.PLAYING] = False
    st.rerun()  # redraw the buttons: Play again, not Pause
