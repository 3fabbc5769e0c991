"""The explanation, live: why the loss stands where it stands.

Plateaus are found and named on the loss chart as the run goes; a linear network's weights are
folded into the one line they compute and followed across the exact (slope, intercept)
landscape; the saddle theory's curve is laid over a run it describes; and a sentence says, in
words, what the student is looking at right now.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from components.charts import Decorations, downsample_index
from components.explain_charts import (
    grad_norm_figure,
    landscape_figure,
    plateau_decorations,
    reference_decorations,
    slice_figure,
)
from models.floors import Floors
from models.landscape import loss_slice
from models.plateaus import ABOVE_FLOOR, DESCENDING, ON_FLOOR, Plateau, find_plateaus
from models.run import Run
from models.snapshots import Snapshot
from models.theory import (
    CONSTANT,
    effective_start,
    measured_half_time,
    normal_equations_latex,
    plateau_length,
    reference_floors,
    saxe_applies,
    saxe_curve,
)

SLICE = "loss_slice"  # session key: (run serial, epoch, figure) of the last slice asked for


def saxe_start(run: Run) -> float | None:
    """Returns u0 of the saddle theory for this run, or None when the theory does not apply.

    The theory assumes one learning rate throughout, so a run whose schedule changed is left
    without its curve.
    """
    if not saxe_applies(run.experiment) or len(run.schedule) > 1:
        return None
    return effective_start(run.experiment.points, *run.initial_layers)


def loss_decorations(run: Run, floors: Floors, log_y: bool) -> tuple[Decorations, list[Plateau]]:
    """Returns what the explanation adds to the loss chart (plateau bands, reference floors, the
    theory curve) and the plateaus found."""
    points, history = run.experiment.points, run.history
    refs = reference_floors(points)
    plateaus = find_plateaus(history.epochs, history.loss, history.grad_norm, floors.floor,
                             refs[CONSTANT]) if history.count >= 2 else []
    parts = plateau_decorations(plateaus)
    parts.extend(reference_decorations(refs, log_y, floors.floor,
                                       right=run.experiment.training.epochs))
    u0 = saxe_start(run)
    if u0 is not None:
        epochs = run.experiment.training.epochs
        curve = saxe_curve(points, run.experiment.training.lr, u0, epochs)
        keep = downsample_index(curve)
        parts.traces.append(dict(type="scatter", x=np.arange(1, epochs + 1)[keep], y=curve[keep],
                                 mode="lines", name="theory: Saxe et al. (2014)",
                                 line=dict(color="#e67e22", dash="dash", width=2)))
    return parts, plateaus


def narrative(run: Run, floors: Floors, plateaus: list[Plateau]) -> str:
    """Returns one or two sentences on what the run is doing now, in a student's words."""
    history = run.history
    if history.diverged_at is not None:
        return ("The loss became infinite: the steps were too large for this landscape and the "
                "weights flew off. Lower the learning rate and press Reset.")
    if history.count == 0:
        return f"Press Play. This network cannot go below its floor, the {floors.label}'s MSE."
    loss = float(history.loss[-1])
    last = plateaus[-1] if plateaus and plateaus[-1].end >= history.count else None
    kind = last.kind if last else DESCENDING
    if kind == ON_FLOOR:
        network = run.experiment.network
        if network.is_linear:
            why = "a linear network computes one line, and no line does better"
        elif network.activation == "square":
            why = (f"square units make a polynomial of degree at most {2 ** network.depth}, "
                   "and no such polynomial does better")
        else:
            why = "this network can already fit the points as well as anything can"
        return (f"**On the floor** since epoch {last.start}: the gap is {loss - floors.floor:.2e}. "
                f"It stops here because {why}. More epochs or another learning rate will not "
                "help; only another architecture or other data moves the floor.")
    if kind == ABOVE_FLOOR:
        return (f"**A plateau above the floor** since epoch {last.start}: the loss barely moves "
                "and the gradient is tiny, yet the gap is "
                f"{loss - floors.floor:.2e}. This network can do better: it sits on flat ground "
                "(a saddle, or saturated or dead units), not at the bottom.")
    return (f"**Still descending**: the gap to the floor is {loss - floors.floor:.2e}"
            f"{' and shrinking' if history.count > 1 else ''}.")


def render_line_readouts(run: Run, floors: Floors, shown: Snapshot | None = None) -> None:
    """Shows the collapsed line of a linear network next to the least-squares line: the
    latest one, or the one of the replayed snapshot `shown`."""
    st.latex(r"y = \underbrace{W_L \cdots W_1}_{w_\mathrm{eff}}\,x + "
             r"\underbrace{W_L \cdots W_2 b_1 + \dots + b_L}_{b_\mathrm{eff}}")
    if run.experiment.network.bias:
        st.caption("The best line solves the normal equations; its MSE is the floor:")
        st.latex(normal_equations_latex(run.experiment.points))
    slopes, intercepts = run.trajectory[-1][1:] if shown is None else (shown.slopes,
                                                                        shown.intercepts)
    cells = st.columns(4)
    cells[0].metric("Effective slope", f"{float(np.median(slopes)):.4f}")
    cells[1].metric("Effective intercept", f"{float(np.median(intercepts)):.4f}")
    cells[2].metric("Least-squares slope", f"{floors.line.slope:.4f}")
    cells[3].metric("Least-squares intercept", f"{floors.line.intercept:.4f}")


def line_landscape(run: Run, shown: Snapshot | None = None) -> go.Figure:
    """Returns the (slope, intercept) landscape with this run's path (seeds as columns), up to
    now or, replaying, up to the snapshot `shown`, where it ends."""
    path = run.trajectory if shown is None else \
        [p for p in run.trajectory if p[0] < shown.epoch] + [(shown.epoch, shown.slopes,
                                                              shown.intercepts)]
    slopes = np.array([s for _, s, _ in path])
    intercepts = np.array([b for _, _, b in path])
    return landscape_figure(run.experiment.points, slopes, intercepts)


def render_saxe_readouts(run: Run) -> None:
    """Shows the predicted and the measured length of the saddle plateau side by side."""
    u0 = saxe_start(run)
    if u0 is None:
        return
    points, lr = run.experiment.points, run.experiment.training.lr
    predicted = plateau_length(points, lr, u0)
    measured = measured_half_time(run.history.loss, points) if run.history.count else None
    left, right = st.columns(2)
    left.metric("Predicted plateau (epochs)", f"{predicted:.0f}",
                help="t½ = ln(u*/u0 − 1) / (4·lr·mean(xy)): when the weights' product is half "
                     "way to the least-squares slope (Saxe et al., 2014, eq. 12).")
    right.metric("Measured plateau (epochs)", "—" if measured is None else f"{measured:.0f}",
                 help="The epoch at which the loss is half way down, as in the prediction.")


def _slice_request(run: Run) -> None:
    alphas, betas, losses = loss_slice(run.trainer, 0)
    st.session_state[SLICE] = (run.serial, run.epoch, slice_figure(alphas, betas, losses))


def render_slice(run: Run) -> go.Figure | None:
    """Draws the button for a loss slice around the current weights; returns the last slice of
    this run, if one was asked for."""
    st.button("Slice the loss around the current weights", key="slice", on_click=_slice_request,
              args=(run,), icon=":material/grid_on:",
              help="Two random filter-normalised directions (Li et al., 2018), for seed 0.")
    kept = st.session_state.get(SLICE)
    if kept and kept[0] == run.serial:
        st.caption(f"Computed at epoch {kept[1]}.")
        return kept[2]
    return None


def grad_norm_chart(run: Run) -> go.Figure:
    """Returns the gradient norm chart of the run."""
    return grad_norm_figure(run.history.epochs, run.history.grad_norm)
