"""The live part of the page as one fragment: the player's buttons, the run, its exports and
everything drawn of it.

Play, Pause, Step, Reset, the Replay epoch slider and the page-ready signal rerun only this
fragment (`st.fragment`), not the whole page: the sidebar, the points table and the notes above
stay as they are, and a class pressing Play costs the server this part's script run alone.
"""

from __future__ import annotations

import streamlit as st

from components.live.compare import remember, render_clear_button
from components.live.player import current_run, play, render_buttons
from components.live.view import LiveView
from components.panel.lecture_tools import render_exports
from components.streamlit_internals import forget_widgets
from models.analysis.floors import Floors
from models.experiment import Experiment


@st.fragment
def render_live(experiment: Experiment, floors: Floors, ready: bool) -> None:
    """Draws the buttons, the run's exports and the live view, then plays the run; `ready` is
    False while the points table has an error."""
    with st.container(horizontal=True, vertical_alignment="center"):
        play_button = render_buttons(ready)
        render_clear_button()
    run = current_run(experiment, ready)
    render_exports(run, floors.floor)
    view = LiveView(run, floors, ready)

    def finish() -> bool:
        # What a rerun of this part would show of the finished run besides what is drawn:
        # Play, and the Replay slider. (The run is kept to compare with the next one, whose
        # page shows it and the Clear button.)
        if not forget_widgets("play"):
            return False
        remember(run)
        play_button()
        view.show_replay(run)
        return True

    play(run, ready, view.draw, finish=finish)
