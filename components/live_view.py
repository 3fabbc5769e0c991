"""The live part of the page: status, readouts, the charts and the explanation, redrawn as the
run advances."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import streamlit as st

from components import explain
from components import state as S
from components.charts import fit_figure, loss_figure, prediction_grid
from components.compare import compared_curves
from components.live_chart import PLOTLY_CONFIG, LiveChart, UpdateBus
from components.player import status_text
from components.question_log import log_decorations
from components.replay import render_replay, replay_mark
from components.units_view import UnitsView
from models.floors import Floors
from models.plateaus import on_floor
from models.run import Run
from models.snapshots import predict
from models.theory import CONSTANT, reference_floors

EXPLAIN_EVERY = 1.0  # seconds between redraws of the explanation's charts while playing


def sci(value: float | None) -> str:
    """Returns a value in scientific notation with 4 significant digits, or a dash."""
    return "—" if value is None or not np.isfinite(value) else f"{value:.3e}"


def make_live_view(run: Run, floors: Floors, ready: bool) -> Callable[[Run], None]:
    """Lays out the live elements' slots for this run; returns the function that fills them."""
    status = st.empty()
    replayed = render_replay(run)  # None, or the snapshot a paused run is scrubbed back to
    story = st.empty()
    bus = UpdateBus()  # the charts' changes of each redraw travel in it together
    slots = [c.empty() for c in st.columns(4)]
    if not floors.exact:
        st.caption(f"The floor is only a lower bound: {floors.why}")
    left, right = st.columns(2)
    with left:
        log_y = st.toggle("Log scale", value=True, key=S.LOG_Y)
        loss_chart = LiveChart("loss", bus, alt="Loss against epoch with its floor")
    with right:
        st.caption("The fit: the points, the network's curve and the least-squares line")
        fit_chart = LiveChart("fit", bus, rank=1, alt="Points and the network's fit")
    st.subheader("Why it stops")
    linear = run.experiment.network.is_linear
    line_readouts = st.empty() if linear else None
    landscape_column, side_column = st.columns([3, 2])
    with landscape_column:
        if linear:
            st.caption("The landscape of every line y = w x + b: a linear network can only "
                       "move on it, and its lowest point is the floor.")
            landscape_chart = LiveChart("landscape", bus, rank=2, alt="Loss over slope and intercept")
        else:
            sliced = explain.render_slice(run)
            if sliced is not None:
                st.plotly_chart(sliced, config=PLOTLY_CONFIG, key="slice_chart",
                                alt="Loss slice around the current weights")
    with side_column:
        st.caption("Gradient norm: near zero on a plateau, whether or not it is the floor.")
        grad_chart = LiveChart("grad_norm", bus, rank=3, alt="Gradient norm against epoch")
        saxe = st.empty()
    units = None if linear else UnitsView(run, bus)
    bus.place()
    scale = reference_floors(run.experiment.points)[CONSTANT]
    compared = compared_curves(run)
    explained_at = [float("-inf")]  # when the explanation's charts were last drawn

    shown: dict[str, object] = {}  # what each slot shows in this script run

    def show(slot: str, content: object, paint: Callable[[], object]) -> None:
        # Each element sent is work for every browser showing the page: send only changes.
        if slot not in shown or shown[slot] != content:
            paint()
            shown[slot] = content

    def draw(run: Run) -> None:
        paint(run)
        bus.flush()

    def paint(run: Run) -> None:
        history = run.history
        if replayed is None:
            loss = float(history.loss[-1]) if history.count else None
            seed_losses, when = history.last_losses, "latest"
        else:
            loss = float(history.loss[replayed.epoch - 1]) if replayed.epoch else None
            seed_losses, when = replayed.losses, "replayed"
        text = status_text(run, ready)
        show("status", text, lambda: status.markdown(f"#### {text}"))
        value = sci(loss)
        show("loss", value, lambda: slots[0].metric(
            "Loss", value, help=f"The MSE at the {when} epoch (median over seeds)."))
        floor_text, gap, gap_note = explain.floor_readouts(floors, loss, sci)
        show("floor", floor_text, lambda: slots[1].metric(
            "Floor", floor_text,
            help=f"The {floors.label}'s MSE: the lowest loss this network can reach on these "
                 f"points. {floors.why}"))
        show("gap", gap, lambda: slots[2].metric("Gap", gap, help="Loss minus floor.",
                                                 delta=gap_note, delta_color="off",
                                                 delta_arrow="off"))
        if seed_losses is not None and len(seed_losses) > 1:
            done = f"{int(on_floor(seed_losses, floors.floor, scale).sum())} of " \
                   f"{len(seed_losses)}"
            show("seeds", done, lambda: slots[3].metric(
                "Seeds at the floor", done, help="Runs whose loss is within 1% of the floor."))
        extra, plateaus = explain.loss_decorations(run, floors, log_y)
        extra.extend(log_decorations(run.experiment))
        if replayed is not None:
            extra.extend(replay_mark(replayed.epoch))
        figure = loss_figure(history, floors, log_y, run.experiment.training.epochs, compared,
                             extra)
        loss_chart.draw(figure)
        xs = np.asarray(run.experiment.points.xs)
        grid = prediction_grid(xs)
        curves = run.trainer.predict(grid) if replayed is None else \
            predict(run.experiment.network, replayed.weights, grid)
        fit_chart.draw(fit_figure(xs, np.asarray(run.experiment.points.ys), grid, curves, floors,
                                  figure.layout.height))
        # The story and the explanation's charts change slowly: while playing they are redrawn
        # about once a second, so the time goes to training and to the loss chart; the last
        # redraw of a run always has them.
        now = time.monotonic()
        if not (run.finished or not st.session_state.get(S.PLAYING)
                or now - explained_at[0] >= EXPLAIN_EVERY):
            return
        explained_at[0] = now
        narrative = explain.narrative(run, floors, plateaus)
        if replayed is not None:  # the story is the run's, not the replayed epoch's
            narrative = f"At the run's latest epoch, {run.epoch:,}: {narrative}"
        show("story", narrative, lambda: story.markdown(narrative))
        if linear:
            with line_readouts.container():
                explain.render_line_readouts(run, floors, replayed)
            landscape_chart.draw(explain.line_landscape(run, replayed))
        grad_chart.draw(explain.grad_norm_chart(run))
        if units:
            units.draw(run)
        with saxe.container():
            explain.render_saxe_readouts(run)

    return draw
