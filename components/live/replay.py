"""Replay: while a run is paused or over, a slider scrubs back through it.

The page then draws the networks as the run's nearest kept snapshot at or before the chosen
epoch has them (models/run/snapshots.py): the fit, the effective line and its readouts, the place
on the landscape, the loss readouts; the loss chart marks the epoch. Moving the slider never
trains and never changes the run: Play continues from the run's latest epoch (or starts over
once it is finished). The slider takes the keyboard natively (arrows, Page Up/Down, Home, End).
"""

from __future__ import annotations

import streamlit as st

from components import palette as P
from components import state as S
from components.figures.charts import Decorations
from models.run.run import Run
from models.run.snapshots import Snapshot


def render_replay(run: Run, place=None) -> Snapshot | None:
    """Draws the Replay epoch slider while the run is paused or over, in `place` (an st.empty)
    or here; returns the snapshot to show instead of the latest networks, or None to show the
    latest."""
    if run.epoch == 0 or st.session_state.get(S.PLAYING) or \
            st.session_state.get(S.WAITING_FOR_PAGE):
        return None
    if place is not None:
        with place.container():
            return render_replay(run)
    if st.session_state.get(S.REPLAY_OF) != (run.serial, run.epoch):
        # the run stopped somewhere new: the slider starts at its latest epoch
        st.session_state[S.REPLAY] = run.epoch
        st.session_state[S.REPLAY_OF] = (run.serial, run.epoch)
    chosen = st.slider("Replay epoch", 0, run.epoch, key=S.REPLAY,
                       help="Scrub back through the run: the page shows the networks as they "
                            "were then (arrows, Page Up/Down, Home and End move it). It never "
                            "changes the run; Play goes on from its latest epoch.")
    if chosen >= run.epoch:
        return None
    shown = run.shown_at(chosen)
    nearest = "" if shown.epoch == chosen else \
        f" (the nearest of {len(run.snapshots.kept)} kept snapshots at or before {chosen:,})"
    then = "Play starts it over" if run.finished else "Play goes on from there"
    st.caption(f"Showing the networks at epoch **{shown.epoch:,}**{nearest}. The run itself "
               f"stays at epoch {run.epoch:,}: {then}.")
    return shown


def replay_mark(epoch: int) -> Decorations:
    """Returns the loss chart's mark of the replayed epoch: a vertical line and its label."""
    parts = Decorations()
    parts.shapes.append(dict(type="line", x0=epoch, x1=epoch, yref="paper", y0=0, y1=1,
                             line=dict(color=P.REPLAY_MARK, dash=P.REPLAY_MARK_DASH, width=2)))
    parts.annotations.append(dict(text=f"replay: epoch {epoch:,}", x=epoch, yref="paper", y=0,
                                  xanchor="left", yanchor="bottom", showarrow=False,
                                  font=dict(color=P.TEXT, size=13),
                                  bgcolor=P.LABEL_BACKDROP))
    return parts
