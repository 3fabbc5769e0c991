"""The curvature, live: the Sharpness against its threshold, the Flat and Downhill directions as
"k of P", and the curvature chart, all of seed 0 at the epoch shown.

Drawn with the explanation's other charts. The readings come from the run's cache
(models/analysis/sharpness.py): while playing, only at snapshot epochs; paused or replayed, at
the epoch shown.
"""

from __future__ import annotations

import streamlit as st

from components import state as S
from components.explain.explanation import once
from components.figures.curvature import curvature_chart, curvature_numbers
from components.live_chart import FigureJson, LiveChart, UpdateBus, figure_json
from components.slot import Slot
from models.analysis.sharpness import Reading, chart_readings, reading, reading_epoch
from models.run.run import Run
from models.run.snapshots import Snapshot


def direction_readouts(found: Reading | None) -> tuple[str, str]:
    """Returns the Flat and Downhill directions' texts, "k of P", or what is known instead."""
    if found is None:
        return "—", "—"
    eigen = found.hessian
    if eigen.exact:
        return f"{eigen.flat} of {eigen.parameters}", f"{eigen.downhill} of {eigen.parameters}"
    downhill = f"≥ 1 of {eigen.parameters}" if eigen.has_downhill else f"0 of {eigen.parameters}"
    return "—", downhill


class CurvatureView:
    """The curvature's readouts and chart; `draw` fills them for the epoch shown."""

    def __init__(self, run: Run, bus: UpdateBus):
        st.caption("The curvature of the loss at seed 0's weights: the Hessian's eigenvalues. "
                   "A negative one is a way down; the largest, the sharpness, must stay below "
                   "what the learning rate allows.")
        chart_column, side_column = st.columns([3, 1])
        with chart_column:
            self.chart = LiveChart("curvature", bus, rank=5,
                                   alt="Sharpness over the run and the Hessian's spectrum")
        with side_column:
            self.readouts = [Slot() for _ in range(3)]
            self.note = Slot()

    def draw(self, run: Run, replayed: Snapshot | None = None) -> None:
        """Redraws the readouts and the chart for the replayed epoch, or the run now."""
        if replayed is not None:
            epoch = replayed.epoch
        else:
            settled = not st.session_state.get(S.PLAYING) or run.finished
            epoch = reading_epoch(run, settled)
        if run.history.diverged_at is not None:
            epoch = min(epoch, run.snapshots.kept[-1].epoch)
        shown = reading(run, epoch)
        # The chart's JSON once per track and epoch for every session that shows the run as
        # it is: built with plotly's subplots, it cost each session ~20 ms a second while playing.
        def chart() -> tuple[FigureJson, str]:
            return (figure_json(curvature_chart(chart_readings(run, epoch), shown)),
                    curvature_numbers(shown))

        self.chart.draw_json(*once(run, replayed, "curvature_chart", epoch, chart))
        sharp, flat, downhill = self.readouts
        value = "—" if shown is None or shown.sharpness is None else f"{shown.sharpness:.3g}"
        # the number only: the formula does not fit beside it, so it goes in the help
        beside = None if shown is None else f"threshold {shown.threshold:.3g}"
        formula = "" if shown is None else f" Threshold here: {shown.formula}; sharpness " \
            f"{shown.measure}."
        sharp.show((value, beside, formula), lambda place: place.metric(
            "Sharpness", value, delta=beside, delta_color="off", delta_arrow="off",
            help=f"The largest eigenvalue of the Hessian (for Adam and RMSprop, of the "
                 "Hessian divided by the optimizer's preconditioner): above the "
                 f"threshold, steps overshoot (Cohen et al., 2021, 2022).{formula}"))
        flat_text, downhill_text = direction_readouts(shown)
        flat.show(flat_text, lambda place: place.metric(
            "Flat directions", flat_text,
            help="Eigenvalues within a millionth of the largest |eigenvalue| of zero."))
        downhill.show(downhill_text, lambda place: place.metric(
            "Downhill directions", downhill_text,
            help="Negative eigenvalues: directions in which the loss curves down."))
        if shown is None:
            note = "The network is too large to read its curvature here."
        elif not shown.hessian.exact:
            note = "Estimated by Lanczos iteration on Hessian-vector products: the network is " \
                   "too large for the exact spectrum."
        else:
            note = f"Seed 0 at epoch {shown.epoch:,}."
        self.note.show(note, lambda place: place.caption(note))
