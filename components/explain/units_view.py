"""The hidden units, live: each unit's output over x, dead and saturated units in their colours,
their count as a readout, and the many-starts search beside them.

Drawn with the explanation's other charts (about once a second while playing). The chart shows
one network: the seed whose latest loss is the median, the run the loss chart's curve stands for.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from components.explain.explanation import once
from components.explain.search import render_search
from components.figures.charts import prediction_grid
from components.figures.descriptions import units_numbers
from components.figures.explanation import unit_state, units_chart
from components.live_chart import FigureJson, LiveChart, UpdateBus, figure_json
from components.slot import Slot
from models.analysis.units import DEAD_FAMILY, SATURATING, Units, hidden_units, median_seed
from models.run.run import Run
from models.run.snapshots import Snapshot, networks


def shown_units(run: Run, replayed: Snapshot | None = None) -> tuple[Units, int]:
    """Returns the last hidden layer of the seed shown (the median run, now or at the replayed
    snapshot, among the seeds it keeps) and that seed's index."""
    xs = np.asarray(run.experiment.points.xs, dtype=np.float64)
    shown = run.frame if replayed is None else replayed
    net = networks(run.experiment.network, shown.weights)
    losses = None if shown.losses is None else shown.losses[:net.k]
    k = median_seed(losses)
    return hidden_units(net, k, xs, prediction_grid(xs)), k


def unit_readout(units: Units) -> tuple[str, str] | None:
    """Returns ("Dead units" or "Saturated units", "k of W") for the activations that have them."""
    if units.activation in DEAD_FAMILY:
        return "Dead units", f"{int(units.dead.sum())} of {units.width}"
    if units.activation in SATURATING:
        return "Saturated units", f"{int(units.saturated.sum())} of {units.width}"
    return None


class UnitsView:
    """The hidden-units chart, its readout and the search button; `draw` redraws them."""

    def __init__(self, run: Run, bus: UpdateBus):
        st.caption("The hidden units: what each unit of the last hidden layer outputs over x. "
                   "The output layer adds these curves up (times its weights).")
        chart_column, side_column = st.columns([3, 2])
        with chart_column:
            self.chart = LiveChart("units", bus, rank=4, alt="Each hidden unit's output over x")
        with side_column:
            self.readout = Slot()
            render_search(run)

    def draw(self, run: Run, replayed: Snapshot | None = None) -> None:
        """Redraws the chart and the readout from the run's current weights, or the replayed
        snapshot's."""
        def compute() -> tuple[FigureJson, str, tuple[str, str] | None]:
            units, k = shown_units(run, replayed)
            seeds = run.experiment.seeds
            seed = run.experiment.seed + k
            which = f"seed {seed}" if seeds == 1 else f"seed {seed}, the median of {seeds}"
            xs = np.asarray(run.experiment.points.xs)
            return (figure_json(units_chart(units, xs, which)),
                    f"{which}: " + units_numbers(units, unit_state(units), xs),
                    unit_readout(units))

        # once per track and epoch for every session showing the run as it is
        figure, words, readout = once(run, replayed, "units", run.epoch, compute)
        self.chart.draw_json(figure, words)
        if readout:  # (None for an activation that has neither: the same all the run)
            label, value = readout
            self.readout.show(readout, lambda place: place.metric(label, value, help=(
                "Units whose output is 0 on every point: no gradient reaches them."
                if label == "Dead units" else
                "Units whose slope is below 1% of its largest on nearly every point.")))
