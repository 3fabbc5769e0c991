"""The points table: edit the data; every cell is checked before training may use it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import state as S
from models.experiment import Points
from models.points import parse_rows


def render_points_table() -> tuple[Points, bool]:
    """Returns (points to train on, whether the table is valid); shows what is wrong if not.

    The editor's input is the last loaded points, never its own output fed back (streamlit
    #7749: every second edit would vanish); a new version number starts a fresh editor.
    """
    base: Points = st.session_state[S.POINTS]
    frame = pd.DataFrame({"x": base.xs, "y": base.ys})
    edited = st.data_editor(
        frame, num_rows="dynamic", key=f"points_{st.session_state[S.POINTS_VERSION]}",
        hide_index=True, width="stretch", alt="Training points, x and y",
        column_config={"x": st.column_config.NumberColumn("x", format="%.7g"),
                       "y": st.column_config.NumberColumn("y", format="%.7g")})
    points, problems = parse_rows(list(zip(edited["x"].tolist(), edited["y"].tolist(), strict=False)))
    if problems:
        st.error("Training waits until the table is fixed:\n\n- " + "\n- ".join(problems[:8]),
                 icon=":material/table:")
        return st.session_state.get(S.LAST_VALID_POINTS, base), False
    st.session_state[S.LAST_VALID_POINTS] = points
    return points, True
