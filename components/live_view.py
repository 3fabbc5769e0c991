"""The live part of the page: status, readouts and both charts, redrawn as the run advances."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from components import state as S
from components.charts import fit_figure, loss_figure, prediction_grid
from components.player import status_text
from models.floors import Floors
from models.run import Run

PLOTLY_CONFIG = {"displaylogo": False,
                 "toImageButtonOptions": {"format": "png", "scale": 3}}  # slide resolution


def sci(value: float | None) -> str:
    """Returns a value in scientific notation with 4 significant digits, or a dash."""
    return "—" if value is None or not np.isfinite(value) else f"{value:.3e}"


def within_floor(losses: np.ndarray, floor: float) -> np.ndarray:
    """Returns which losses ended within 1% of the floor (below 1e-6 when the floor is 0)."""
    return losses <= (floor * 1.01 if floor > 0 else 1e-6)


def make_live_view(floors: Floors, ready: bool) -> Callable[[Run], None]:
    """Lays out empty slots for the live elements; returns the function that fills them."""
    status = st.empty()
    loss_slot, floor_slot, gap_slot, seeds_slot = st.columns(4)
    loss_m, floor_m, gap_m, seeds_m = (c.empty() for c in (loss_slot, floor_slot, gap_slot,
                                                           seeds_slot))
    left, right = st.columns(2)
    with left:
        log_y = st.toggle("Log scale", value=True, key=S.LOG_Y)
        loss_chart = st.empty()
    with right:
        st.caption("The fit: points, the network's curve, the least-squares line")
        fit_chart = st.empty()

    def draw(run: Run) -> None:
        history = run.history
        loss = float(history.loss[-1]) if history.count else None
        status.markdown(f"#### {status_text(run, ready)}")
        loss_m.metric("Loss", sci(loss), help="The MSE at the latest epoch (median over seeds).")
        floor_m.metric("Floor", sci(floors.floor), help=f"The {floors.label}'s MSE: the lowest "
                       "loss this network can reach on these points.")
        gap_m.metric("Gap", sci(None if loss is None else loss - floors.floor),
                     help="Loss minus floor.")
        if history.last_losses is not None and len(history.last_losses) > 1:
            done = int(within_floor(history.last_losses, floors.floor).sum())
            seeds_m.metric("Seeds at the floor", f"{done} of {len(history.last_losses)}",
                           help="Runs whose loss is within 1% of the floor.")
        loss_chart.plotly_chart(loss_figure(history, floors, log_y,
                                            run.experiment.training.epochs),
                                config=PLOTLY_CONFIG, alt="Loss against epoch with its floor")
        xs = np.asarray(run.experiment.points.xs)
        grid = prediction_grid(xs)
        fit_chart.plotly_chart(fit_figure(xs, np.asarray(run.experiment.points.ys), grid,
                                          run.trainer.predict(grid), floors),
                               config=PLOTLY_CONFIG, alt="Points and the network's fit")

    return draw
