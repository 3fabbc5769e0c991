"""Run comparison: the session's last finished runs stay on the loss chart as faded curves,
each labelled with what differed from the current settings (as TensorBoard compares runs)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from components import state as S
from components.figures.charts import downsample_index
from models.edges.exports import difference_label
from models.experiment import Experiment
from models.run.run import Run

MAX_COMPARED = 5
POINTS_PER_CURVE = 600  # faded context curves need less detail than the live one


@dataclass(frozen=True)
class FinishedRun:
    """A finished run, reduced to what the chart draws."""

    serial: int
    experiment: Experiment
    epochs: np.ndarray
    loss: np.ndarray


def remember(run: Run) -> None:
    """Keeps a finished run (once) among the last five of this session."""
    kept: list[FinishedRun] = st.session_state.setdefault(S.COMPARED, [])
    if not run.finished or run.history.count == 0 or any(r.serial == run.serial for r in kept):
        return
    keep = downsample_index(run.history.loss, POINTS_PER_CURVE)
    kept.append(FinishedRun(run.serial, run.experiment, run.history.epochs[keep],
                            run.history.loss[keep].copy()))
    del kept[:-MAX_COMPARED]


def compared_curves(current: Run) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Returns (label, epochs, loss) of the remembered runs other than the current one."""
    return [(difference_label(r.experiment, current.experiment), r.epochs, r.loss)
            for r in st.session_state.get(S.COMPARED, []) if r.serial != current.serial]


def render_clear_button() -> None:
    """Draws the button that forgets the compared runs (only when there are some)."""
    if st.session_state.get(S.COMPARED):
        st.button("Clear compared runs", key="clear_compared", icon=":material/layers_clear:",
                  on_click=lambda: st.session_state.__setitem__(S.COMPARED, []))
