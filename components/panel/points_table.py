"""The points table: edit the data, or load it from a CSV file; every cell is checked before
training may use it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import state as S
from models.edges.points import MAX_CSV_BYTES, edit_problems, parse_csv, parse_rows, to_csv
from models.experiment import Points


def _load_csv() -> None:
    # A callback: runs before the table is drawn, so a good file can replace its contents.
    upload = st.session_state.get(S.POINTS_CSV)
    if not hasattr(upload, "getvalue"):  # none, or a file the server does not have (a
        return  # crafted client's file id: Streamlit hands back a DeletedFile)
    points, problems = parse_csv(upload.getvalue())
    st.session_state[S.UPLOAD_PROBLEMS] = problems
    if points is not None:
        st.session_state[S.POINTS] = points
        st.session_state[S.LAST_VALID_POINTS] = points
        st.session_state[S.POINTS_VERSION] += 1


def _checked_edits() -> None:
    # Before the editor is drawn: Streamlit applies its edit state inside st.data_editor and
    # raises on rows or columns the table does not have, which only a crafted client sends.
    # Such edits are dropped whole: a fresh editor shows the last valid points.
    key = f"points_{st.session_state[S.POINTS_VERSION]}"
    edits = st.session_state.get(key)
    if edits is None:
        return
    problems = edit_problems(edits, len(st.session_state[S.POINTS]))
    if problems:
        st.session_state[S.EDIT_PROBLEMS] = problems
        st.session_state[S.POINTS] = st.session_state.get(S.LAST_VALID_POINTS,
                                                          st.session_state[S.POINTS])
        st.session_state[S.POINTS_VERSION] += 1


def render_points_table() -> tuple[Points, bool]:
    """Returns (points to train on, whether the table is valid); shows what is wrong if not.

    The editor's input is the last loaded points, never its own output fed back (streamlit
    #7749: every second edit would vanish); a new version number starts a fresh editor.
    """
    if S.POINTS in st.session_state.get(S.HIDDEN, ()):
        return st.session_state[S.POINTS], True
    _checked_edits()
    base: Points = st.session_state[S.POINTS]
    st.markdown("**Points**", help="Edit any cell; add or delete rows (2 to 50 points).")
    frame = pd.DataFrame({"x": base.xs, "y": base.ys})
    edited = st.data_editor(
        frame, num_rows="dynamic", key=f"points_{st.session_state[S.POINTS_VERSION]}",
        hide_index=True, width="stretch", alt="Training points, x and y",
        column_config={"x": st.column_config.NumberColumn("x", format="%.7g"),
                       "y": st.column_config.NumberColumn("y", format="%.7g")})
    points, problems = parse_rows(list(zip(edited["x"].tolist(), edited["y"].tolist())))
    valid = points if points is not None else st.session_state.get(S.LAST_VALID_POINTS, base)
    with st.popover("CSV: load or save points", icon=":material/upload_file:"):
        st.file_uploader("Load points from a CSV file (two columns x, y; header optional)",
                         type=["csv", "txt"], key=S.POINTS_CSV, on_change=_load_csv,
                         max_upload_size=1)
        st.caption(f"At most 50 rows and {MAX_CSV_BYTES // 1024} KB; a bad file changes nothing.")
        st.download_button("Download these points", to_csv(valid), file_name="points.csv",
                           mime="text/csv", on_click="ignore", icon=":material/download:")
    dropped_edits = st.session_state.pop(S.EDIT_PROBLEMS, None)
    if dropped_edits:
        st.warning("The table's edits could not be used, so it shows the last valid points:"
                   "\n\n- " + "\n- ".join(dropped_edits[:8]), icon=":material/table:")
    upload_problems = st.session_state.get(S.UPLOAD_PROBLEMS)
    if upload_problems:
        st.error("The CSV file was not loaded:\n\n- " + "\n- ".join(upload_problems[:8]),
                 icon=":material/upload_file:")
    if problems:
        st.error("Training waits until the table is fixed:\n\n- " + "\n- ".join(problems[:8]),
                 icon=":material/table:")
        return valid, False
    st.session_state[S.LAST_VALID_POINTS] = points
    return points, True
