"""The explanation, live: why the loss stands where it stands.

Plateaus are found and named on the loss chart as the run goes; a linear network's weights are
folded into the one line they compute and followed across the exact (slope, intercept)
landscape; the saddle theory's curve is laid over a run it describes; and a sentence says, in
words, what the student is looking at right now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, TypeVar

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from components import palette as P
from components import state as S
from components.explain.search import searched
from components.figures import explanation as figures
from components.figures.charts import Decorations, downsample_index, level_line
from components.figures.descriptions import grad_norm_numbers, landscape_numbers, slice_numbers
from components.figures.explanation import (
    landscape_chart,
    plateau_decorations,
    reference_decorations,
    slice_figure,
)
from components.slot import Slot
from models.analysis.diagnosis import Diagnosis, band_labels, diagnose_run, saxe_start
from models.analysis.floors import Floors
from models.analysis.landscape import loss_slice
from models.analysis.plateaus import Plateau, find_plateaus
from models.analysis.theory import (
    CONSTANT,
    measured_half_time,
    normal_equations_latex,
    plateau_length,
    reference_floors,
    saxe_curve,
)
from models.run.run import LinePoint, Run
from models.run.snapshots import Snapshot

T = TypeVar("T")


def once(run: Run, replayed: Snapshot | None, name: str, epoch: int, compute: Callable[[], T]) -> T:
    """Returns compute(): once per track and `epoch` for every session that shows the run as it
    is (`Run.memo`), or for this session alone while it replays a snapshot."""
    return compute() if replayed is not None else run.memo(name, epoch, compute)


def diagnosis(run: Run, floors: Floors, plateaus: list[Plateau]) -> Diagnosis | None:
    """Returns the run's diagnosis (models/analysis/diagnosis.py), with this session's search if
    any; while playing it reads the curvature at snapshot epochs only, never per frame."""
    settled = not st.session_state.get(S.PLAYING) or run.finished
    return diagnose_run(run, floors, plateaus, searched(run), settled)


def loss_decorations(run: Run, floors: Floors, log_y: bool
                     ) -> tuple[Decorations, list[Plateau], Diagnosis | None]:
    """Returns what the explanation adds to the loss chart (plateau bands labelled as the
    diagnosis names them, reference floors, the theory curve, the best of many starts), the
    plateaus found, and the diagnosis (for `narrative`: one diagnosis a frame, not two)."""
    points, history = run.experiment.points, run.history
    refs = reference_floors(points)
    plateaus = find_plateaus(history.epochs, history.loss, history.grad_norm, floors.floor,
                             refs[CONSTANT]) if history.count >= 2 else []
    found = diagnosis(run, floors, plateaus)
    epochs = run.experiment.training.epochs
    parts = plateau_decorations(plateaus, band_labels(plateaus, history.count,
                                                      found.label if found else None), epochs)
    parts.extend(reference_decorations(refs, log_y, floors.floor, right=epochs))
    best = searched(run)
    if best is not None and (best.best > 0 or not log_y):
        parts.traces.append(level_line(best.best, f"best of {best.starts} starts "
                                       f"{best.best:.3e} (an estimate)", P.ESTIMATE, P.ESTIMATE_DASH,
                                       epochs))
    u0 = saxe_start(run)
    if u0 is not None:
        curve = saxe_curve(points, run.experiment.training.lr, u0, epochs)
        keep = downsample_index(curve)
        parts.traces.append(dict(type="scatter", x=np.arange(1, epochs + 1)[keep], y=curve[keep],
                                 mode="lines", name="theory: Saxe et al. (2014)",
                                 line=dict(color=P.THEORY, dash=P.THEORY_DASH, width=2)))
    return parts, plateaus, found


def narrative(found: Diagnosis | None, floors: Floors) -> tuple[str | None, str]:
    """Returns the diagnosis's label (None before there is one) and its sentence (it begins with
    the label, in bold), or what to do first."""
    if found is None:
        bound = "" if floors.exact else f" (only a lower bound: {floors.why})"
        return None, (f"Press Play. This network cannot go below its floor, the "
                      f"{floors.label}'s MSE{bound}.")
    return found.label, found.text


def announcement(label: str | None) -> str:
    """Returns what the diagnosis's polite live region says: its label only, so a screen reader
    speaks when the label changes and never at a frame that only moved the numbers (the
    sentence, with them, is read on demand)."""
    return f"Diagnosis: {label}." if label else "No diagnosis yet."


def floor_readouts(floors: Floors, loss: float | None, sci) -> tuple[str, str, str | None]:
    """Returns the Floor and Gap readouts' values (formatted by `sci`) and a note under the Gap:
    "≥ …" and "at least" for a lower bound (the whole words would not fit the readout)."""
    gap = sci(None if loss is None else loss - floors.floor)
    if floors.exact:
        return sci(floors.floor), gap, None
    return f"≥ {sci(floors.floor)}", gap if loss is None else f"≥ {gap}", \
        None if loss is None else "at least"


class LineReadouts:
    """The collapsed line of a linear network next to the least-squares line. The equations and
    the least-squares line do not change in a script run (its points and network are fixed):
    drawn once; the effective line is sent when its readouts change."""

    def __init__(self, run: Run, floors: Floors):
        st.latex(r"y = \underbrace{W_L \cdots W_1}_{w_\mathrm{eff}}\,x + "
                 r"\underbrace{W_L \cdots W_2 b_1 + \dots + b_L}_{b_\mathrm{eff}}")
        if run.experiment.network.bias:
            st.caption("The best line solves the normal equations; its MSE is the floor:")
            st.latex(normal_equations_latex(run.experiment.points))
        cells = st.columns(4)
        self.slope, self.intercept = Slot(cells[0].empty()), Slot(cells[1].empty())
        cells[2].metric("Least-squares slope", f"{floors.line.slope:.4f}")
        cells[3].metric("Least-squares intercept", f"{floors.line.intercept:.4f}")

    def draw(self, run: Run, shown: Snapshot | None = None) -> None:
        """Shows the effective line: the latest one, or the one of the replayed snapshot."""
        line = run.trajectory[-1] if shown is None else shown
        slope = f"{float(np.median(line.slopes)):.4f}"
        intercept = f"{float(np.median(line.intercepts)):.4f}"
        self.slope.show(slope, lambda place: place.metric("Effective slope", slope))
        self.intercept.show(intercept, lambda place: place.metric("Effective intercept", intercept))


def line_landscape(run: Run, floors: Floors, shown: Snapshot | None = None
                   ) -> tuple[dict, str]:
    """Returns the (slope, intercept) landscape as plain dicts, with this run's path (seeds as
    columns) up to now or, replaying, up to the snapshot `shown`, where it ends; and its numbers
    in words, whose lowest point is the page's least-squares line and its MSE (`floors`)."""
    path = run.trajectory if shown is None else \
        [p for p in run.trajectory if p.epoch < shown.epoch] + [
            LinePoint(shown.epoch, shown.slopes, shown.intercepts)]
    slopes = np.array([p.slopes for p in path])
    intercepts = np.array([p.intercepts for p in path])
    figure = landscape_chart(run.experiment.points, slopes, intercepts)
    return figure, landscape_numbers(float(np.median(slopes[-1])), float(np.median(intercepts[-1])),
                                     floors.line, floors.linear_floor)


def saxe_readouts(run: Run) -> tuple[str, str] | None:
    """Returns the predicted and the measured length of the saddle plateau, as the readouts
    show them, or None when the saddle theory does not describe the run."""
    u0 = saxe_start(run)
    if u0 is None:
        return None
    points, lr = run.experiment.points, run.experiment.training.lr
    predicted = plateau_length(points, lr, u0)
    measured = measured_half_time(run.history.loss, points) if run.history.count else None
    return f"{predicted:.0f}", "—" if measured is None else f"{measured:.0f}"


def render_saxe_readouts(readouts: tuple[str, str] | None) -> None:
    """Shows the predicted and the measured length of the saddle plateau side by side."""
    if readouts is None:
        return
    predicted, measured = readouts
    left, right = st.columns(2)
    left.metric("Predicted plateau (epochs)", predicted,
                help="t½ = ln(u*/u0 − 1) / (4·lr·mean(xy)): when the weights' product is half "
                     "way to the least-squares slope (Saxe et al., 2014, eq. 12).")
    right.metric("Measured plateau (epochs)", measured,
                 help="The epoch at which the loss is half way down, as in the prediction.")


class KeptSlice(NamedTuple):
    """The last loss slice a session asked for: of which run (its serial), at which epoch."""

    serial: int
    epoch: int
    figure: go.Figure


def _slice_request(run: Run) -> None:
    alphas, betas, losses = loss_slice(run.networks(), run.experiment.points, 0)
    figure = slice_figure(alphas, betas, losses)
    figure.layout.meta = slice_numbers(alphas, betas, losses)  # its words travel with it
    st.session_state[S.SLICE] = KeptSlice(run.serial, run.epoch, figure)


def render_slice(run: Run) -> go.Figure | None:
    """Draws the button for a loss slice around the current weights; returns the last slice of
    this run, if one was asked for (its numbers in words in its layout's `meta`)."""
    st.button("Slice the loss around the current weights", key="slice", on_click=_slice_request,
              args=(run,), icon=":material/grid_on:",
              help="Two random filter-normalised directions (Li et al., 2018), for seed 0.")
    kept = st.session_state.get(S.SLICE)
    if kept and kept.serial == run.serial:
        st.caption(f"Computed at epoch {kept.epoch}.")
        return kept.figure
    return None


def grad_norm_chart(run: Run) -> tuple[dict, str]:
    """Returns the gradient norm chart of the run (plain dicts) and its numbers in words."""
    epochs, norms = run.history.epochs, run.history.grad_norm
    return figures.grad_norm_chart(epochs, norms, run.experiment.training.epochs), \
        grad_norm_numbers(epochs, norms)
