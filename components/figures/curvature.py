"""The curvature chart: the sharpness over the run's snapshots beside its stability threshold,
and the Hessian's spectrum at the epoch shown. Pure: readings in, a figure out."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components import palette as P
from components.figures.charts import decade_step
from models.analysis.sharpness import Reading

# The spectrum's three kinds of direction, each a colour and a marker (told apart without colour)
SPECTRUM_STYLES = {"downhill": (P.VERMILLION, "triangle-down"), "flat": (P.BLACK, "line-ns-open"),
                   "uphill": (P.BLUE, "triangle-up")}


def threshold_of(readings: list[Reading]) -> float | None:
    """Returns the stability threshold when every reading shares it (one optimizer and lr)."""
    found = {(r.optimizer, r.lr) for r in readings}
    return readings[-1].threshold if readings and len(found) == 1 else None


# The two panels' axes and titles as plotly's make_subplots lays them out, worked out once: the
# chart is built as plain dicts on these (plotly.py's validation of every trace and update cost
# ~20 ms a chart, and a class playing one run builds it at each of the chart's snapshots).
_PANELS = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.12,
                        subplot_titles=("Sharpness over the run", "Spectrum at the epoch shown")
                        ).to_dict()["layout"]
_PANELS.pop("template", None)


def _scatter(panel: int, **settings: object) -> dict:
    suffix = "" if panel == 1 else str(panel)
    return {"type": "scatter", **settings, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def curvature_chart(readings: list[Reading], shown: Reading | None) -> dict:
    """Returns the chart as plain "data" and "layout" dicts (`curvature_figure` validates it):
    left, the sharpness (what the optimizer's threshold bounds) and the steepest downhill
    curvature |lambda_min| over the snapshots, log scale, with the threshold where it is fixed;
    right, every eigenvalue of the Hessian at the epoch shown."""
    traces: list[dict] = []
    known = [r for r in readings if r.sharpness is not None and r.sharpness > 0]
    if known:
        measure = known[-1].measure
        traces.append(_scatter(1, x=[r.epoch for r in known], y=[r.sharpness for r in known],
                               mode="lines+markers", name=f"sharpness {measure}",
                               line=dict(color=P.LOSS, dash=P.LOSS_DASH)))
    down = [r for r in readings if r.hessian.has_downhill]
    if down:
        traces.append(_scatter(1, x=[r.epoch for r in down], y=[-r.hessian.smallest for r in down],
                               mode="markers", name="steepest downhill |λ_min(H)|",
                               marker=dict(color=P.VERMILLION, symbol="triangle-down")))
    threshold = threshold_of(readings)
    if threshold is not None and readings:
        traces.append(_scatter(1, x=[readings[0].epoch, readings[-1].epoch],
                               y=[threshold, threshold], mode="lines",
                               name=f"threshold {readings[-1].formula} = {threshold:.3g}",
                               line=dict(color=P.FLOOR, dash=P.FLOOR_DASH)))
    # Every tick a power of ten with its exponent (a bare "5" or "2" between decades read as a
    # curvature of 5 or 2), at most about eight of them.
    shown_values = np.array([r.sharpness for r in known] + [-r.hessian.smallest for r in down]
                            + ([threshold] if threshold is not None else []), dtype=float)
    if shown is not None and shown.hessian.exact:
        eigen, tolerance = shown.hessian.eigenvalues, shown.hessian.tolerance
        kinds = {"downhill": eigen < -tolerance, "flat": np.abs(eigen) <= tolerance,
                 "uphill": eigen > tolerance}
        for kind, chosen in kinds.items():
            colour, symbol = SPECTRUM_STYLES[kind]
            traces.append(_scatter(2, x=eigen[chosen], y=np.zeros(int(chosen.sum())),
                                   mode="markers", name=f"{kind} ({int(chosen.sum())})",
                                   marker=dict(color=colour, symbol=symbol, size=12)))
    layout = {**_PANELS,
              "xaxis": {**_PANELS["xaxis"], "title": {"text": "epoch"}},
              "yaxis": {**_PANELS["yaxis"], "type": "log", "title": {"text": "curvature"},
                        "exponentformat": "e", "dtick": decade_step(shown_values)},
              "xaxis2": {**_PANELS["xaxis2"], "title": {"text": "eigenvalue of H"}},
              "yaxis2": {**_PANELS["yaxis2"], "visible": False},
              "height": 360, "margin": dict(l=10, r=10, t=40, b=10),
              "legend": dict(orientation="h", y=-0.25)}
    return {"data": traces, "layout": layout}


def curvature_figure(readings: list[Reading], shown: Reading | None) -> go.Figure:
    """Returns `curvature_chart`'s figure, validated by plotly."""
    return go.Figure(curvature_chart(readings, shown))


def curvature_numbers(shown: Reading | None) -> str:
    """Returns the chart's numbers in words, for screen readers."""
    if shown is None:
        return "No curvature read yet."
    eigen = shown.hessian
    sharp = "not defined before a first step" if shown.sharpness is None else \
        f"{shown.sharpness:.3g} against the threshold {shown.formula} = {shown.threshold:.3g}"
    counts = "" if eigen.flat is None else \
        f" {eigen.flat} of {eigen.parameters} directions flat, {eigen.downhill} downhill."
    return (f"At epoch {shown.epoch:,}: sharpness {shown.measure} {sharp}; eigenvalues of H from "
            f"{eigen.smallest:.3g} to {eigen.largest:.3g}.{counts}")
