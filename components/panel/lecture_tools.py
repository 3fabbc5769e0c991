"""Tools for lecturers: a link that shows only chosen controls (with a QR code for a slide),
exports that load back, and a large-text switch for projectors."""

from __future__ import annotations

import io

import segno
import streamlit as st

from components import state as S
from components.panel.share import link_to
from models.edges.exports import experiment_from_json, experiment_json, history_csv
from models.edges.lecture import CONTROLS
from models.experiment import Experiment
from models.run.run import Run
from models.scripts.keras_script import keras_script
from models.scripts.pytorch_script import pytorch_script

LABELS = {"points": "points table", "depth": "hidden layers", "width": "units", "act": "activation",
          "init": "framework defaults", "opt": "optimizer", "lr": "learning rate",
          "epochs": "epochs", "speed": "speed", "batch": "batch size", "seed": "seed", "seeds": "seeds"}


# Drawn on every script run of every session (the panel's expander only hides it) and 12.6 ms
# of pure-Python encoding each time: a class on one link shares one, a session reuses its own.
@st.cache_data(max_entries=1_000, ttl=3_600, show_spinner=False)
def qr_png(url: str) -> bytes:
    """Returns a QR code of the URL as PNG bytes, large enough to scan off a projected slide."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def render_lecture_link(experiment: Experiment) -> None:
    """Draws the "Make a lecture link" panel: pick what students see, copy or scan the link.
    Its content is drawn only while it is open: the link's code box alone made every student's
    browser load a 1.5 MB syntax highlighter on opening the page, before the charts drew."""
    panel = st.expander("Make a lecture link", icon=":material/school:", key="lecture_panel",
                        on_change="rerun")
    if not panel.open:
        return
    with panel:
        shown = st.pills("Controls students see", CONTROLS, selection_mode="multi",
                         default=list(CONTROLS), format_func=LABELS.get, key="lecture_shown")
        autoplay = st.toggle("Start playing when the page opens", value=True,
                             key="lecture_autoplay")
        url = link_to(experiment, frozenset(CONTROLS) - set(shown), autoplay)
        st.code(url, language=None, wrap_lines=True)
        st.image(qr_png(url), caption="Scan to open this run", width=220)


def _load_json() -> None:
    upload = st.session_state.get(S.EXPERIMENT_JSON)
    if not hasattr(upload, "getvalue"):  # none, or a file the server does not have (a
        return  # crafted client's file id: Streamlit hands back a DeletedFile)
    experiment, warnings = experiment_from_json(upload.getvalue())
    if experiment is None:
        st.session_state[S.IMPORT_PROBLEMS] = warnings
        return
    S.load_experiment(experiment)
    st.session_state[S.IMPORT_PROBLEMS] = warnings
    st.session_state[S.PLAYING] = False


def render_exports(run: Run, floor: float) -> None:
    """Draws downloads of the run's history (CSV) and the experiment (JSON), and a JSON loader."""
    with st.expander("Export or import", icon=":material/download:"):
        left, right = st.columns(2)
        left.download_button("History as CSV", lambda: history_csv(run.history, floor),
                             file_name="plateau-lab-history.csv", mime="text/csv",
                             on_click="ignore", icon=":material/table_view:")
        right.download_button("Experiment as JSON", experiment_json(run.experiment),
                              file_name="plateau-lab-experiment.json", mime="application/json",
                              on_click="ignore", icon=":material/data_object:")
        render_script_downloads(run)
        st.file_uploader("Load an experiment JSON", type=["json"], key=S.EXPERIMENT_JSON,
                         on_change=_load_json, max_upload_size=1)
        problems = st.session_state.get(S.IMPORT_PROBLEMS)
        if problems:
            st.warning("\n".join(f"- {p}" for p in problems), title="From the JSON file")


def render_script_downloads(run: Run) -> None:
    """Draws the "PyTorch script" and "Keras script" downloads: this run as code to take home."""
    st.caption("This run as a script that trains it again from the same start and ends by "
               "printing `final loss:`. PyTorch (float64) reproduces the app's losses; Keras "
               "(float32) agrees to about 1e-4 with the keras defaults. With several seeds both "
               "train the first one.")
    left, right = st.columns(2)
    # Built when clicked (a callable): a script of a large network is long, and most pages
    # never ask for one.
    left.download_button("PyTorch script", lambda: pytorch_script(run.experiment, run.schedule),
                         file_name="plateau_lab_pytorch.py", mime="text/x-python",
                         on_click="ignore", icon=":material/code:", key="pytorch_script")
    right.download_button("Keras script", lambda: keras_script(run.experiment, run.schedule),
                          file_name="plateau_lab_keras.py", mime="text/x-python",
                          on_click="ignore", icon=":material/code:", key="keras_script")


def large_text() -> bool:
    """Draws the projector switch; returns True when text should be large."""
    big = st.toggle("Large text for projectors", key=S.LARGE_TEXT)
    if big:
        # Streamlit sizes its text in rem, so a larger root font scales the whole page.
        st.html("<style>html { font-size: 22px; }</style>")
    return big
