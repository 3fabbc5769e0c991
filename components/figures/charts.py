"""Figures as pure functions of data: the loss against its floors, and the fit.

No `st.*` call here: tests check the traces and numbers; the page only places the figures.
Each trace sends at most MAX_POINTS points so the browser stays light on a 100,000-epoch run:
the loss curve (and its band) the lowest and highest point of fixed buckets over the whole run
(`bucket_index`: full buckets never change, so the live chart sends only what is new), other
curves picked by MinMaxLTTB (tsdownsample); plateaus and sudden drops survive either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
from tsdownsample import MinMaxLTTBDownsampler

from components import palette as P
from models.analysis.floors import Floors
from models.run.history import HIGH, LOW, History
from models.run.snapshots import MAX_SEEDS_KEPT  # the curves drawn are the seeds a replay keeps

MAX_POINTS = 2_000
# A trace's `meta` key: how many of its first points stay as they are from frame to frame, which
# the live chart then sends once (components/live_chart.py's GROWING, named there: this package
# does not import streamlit; tests/app/test_live_chart.py checks that the two agree).
GROWING = "settled"
# The fit's resolution: steps per the points' y span. The chart shows that span in about 300
# pixels, so a step is a third of a pixel: finer steps only redrew curves that looked the same.
CURVE_STEPS = 1_000
LOG_FLOOR = 1e-20  # a loss of exactly 0 has no place on a log axis; drawn here, hover says 0
FONT = dict(size=15)
HEIGHT, LEGEND_ROW = 420, 24  # pixels: a chart, and one row of its legend at FONT's size
F32_MAX = float(np.finfo(np.float32).max)


def downsample_index(y: np.ndarray, most: int = MAX_POINTS) -> np.ndarray:
    """Returns the indices of at most `most` points of y that keep its shape (first and last)."""
    if len(y) <= most:
        return np.arange(len(y))
    finite = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    return MinMaxLTTBDownsampler().downsample(finite, n_out=most)


def bucket_index(y: np.ndarray, total: int, most: int = MAX_POINTS) -> tuple[np.ndarray, int]:
    """Returns the indices of the points of y (the first len(y) epochs of a run of `total`) that
    a growing curve shows, and how many of them are settled. The run's epochs are cut into
    fixed buckets of `ceil(total / ((most - 1) // 2))`; a full bucket shows its lowest and
    highest point (and the very first point), the bucket still filling shows all its points,
    and the latest point is always shown. A full bucket's points never change as the run goes
    on, so each frame need only send what comes after them (the settled points first,
    `settled` of them); plateaus and sudden drops keep their extremes, and the curve has at
    most `most` points (plus a bucket while it fills) however long the run.
    """
    n, width = len(y), max(1, -(-max(total, 1) // max(1, (most - 1) // 2)))
    full = n // width
    finite = np.nan_to_num(np.asarray(y[: full * width], dtype=np.float64), nan=0.0,
                           posinf=np.finfo(np.float64).max, neginf=np.finfo(np.float64).min)
    if width == 1:
        settled = np.arange(full)
    else:
        base = np.arange(full) * width
        buckets = finite.reshape(full, width)
        extremes = np.stack([base + buckets.argmin(axis=1), base + buckets.argmax(axis=1)], axis=1)
        settled = np.unique(np.concatenate([[0] if full else [], extremes.ravel()]).astype(np.int64))
    tail = np.arange(full * width, n)
    if n and not len(tail) and settled[-1] != n - 1:
        tail = np.array([n - 1])  # the curve ends at the latest epoch, as the status line does
    return np.concatenate([settled, tail]).astype(np.int64), len(settled)


def _f32(values: np.ndarray) -> np.ndarray:
    """Returns values as float32, the huge ones (a diverging run) capped at float32's largest."""
    return np.clip(values, -F32_MAX, F32_MAX).astype(np.float32)


def loss_figure(history: History, floors: Floors, log_y: bool = True, epochs: int | None = None,
                compared: list[tuple[str, np.ndarray, np.ndarray]] = (),
                extra: Decorations | None = None) -> go.Figure:
    """Returns `loss_chart`'s figure, validated by plotly."""
    return go.Figure(loss_chart(history, floors, log_y, epochs, compared, extra))


def loss_chart(history: History, floors: Floors, log_y: bool = True, epochs: int | None = None,
               compared: list[tuple[str, np.ndarray, np.ndarray]] = (),
               extra: Decorations | None = None, seeds: int = 0) -> dict:
    """Returns the loss-against-epoch chart: the loss (with a min-max band over seeds), the floor
    as a labelled dashed line, the linear floor, earlier runs (label, epochs, loss) as faded
    curves, marked changes, and `extra` traces, shapes and annotations from the explanation.

    A dict of plain "data" and "layout", not validated: the live page builds one about ten
    times a second, and plotly.py's validation of it cost more than all the rest of a frame.
    """
    parts = Decorations()
    clip = (lambda v: np.maximum(v, LOG_FLOOR)) if log_y else (lambda v: v)
    for i, (label, run_epochs, run_loss) in enumerate(compared):
        colour, symbol, dash = P.COMPARED[i % len(P.COMPARED)]
        parts.traces.append(dict(
            type="scatter", x=run_epochs, y=clip(run_loss), mode="lines+markers", name=label,
            opacity=0.45, line=dict(width=1.5, color=colour, dash=dash), customdata=run_loss,
            # a few markers along the curve name the run without colour
            marker=dict(symbol=symbol, size=8, color=colour, maxdisplayed=12),
            hovertemplate=f"{label}<br>epoch %{{x}}<br>loss %{{customdata:.4e}}<extra></extra>"))
    loss = history.loss
    # Fixed buckets over the whole run (its `epochs`), so the points of full buckets stay the
    # same from frame to frame: the live chart sends only what comes after them.
    keep, settled = bucket_index(loss, epochs or history.count)
    # Sent as 32-bit numbers: 7 significant digits where the chart shows 4, and half the bytes
    # (a 32-seed run of 100,000 epochs stays under 100 KB a redraw).
    x = history.epochs[keep].astype(np.int32)
    growing = {GROWING: settled}  # the trace's first `settled` points never change (live_chart.py)
    shown = _f32(clip(loss[keep]))
    # The band from the first frame on when the run has `seeds` (its traces keep their places
    # as the run grows: the live chart sends only the points added to them)
    count = len(history.last_losses) if history.last_losses is not None else seeds
    if count > 1:
        for column, name in ((HIGH, "max over seeds"), (LOW, "min over seeds")):
            parts.traces.append(dict(
                type="scatter", x=x,
                y=_f32(clip(history.stats[: history.count, column][keep])),
                mode="lines", line=dict(width=0), name=name, hoverinfo="skip", uid=f"loss-{name}",
                meta=growing,
                showlegend=column == LOW, fill="tonexty" if column == LOW else None,
                fillcolor=P.BAND))
        loss_name = f"median loss of {count} seeds"
    else:
        loss_name = "loss"
    parts.traces.append(dict(
        type="scatter", x=x, y=shown, mode="lines", name=loss_name, uid="loss", meta=growing,
        line=dict(color=P.LOSS, dash=P.LOSS_DASH, width=2.5),
        customdata=_f32(np.column_stack([loss[keep], loss[keep] - floors.floor])),
        hovertemplate="epoch %{x}<br>loss %{customdata[0]:.4e}<br>gap %{customdata[1]:.4e}"
                      "<extra></extra>"))
    right = epochs or max(history.count, 1)
    name = "floor" if floors.exact else "lower bound"
    _floor_line(parts, floors.floor, f"{name} {floors.floor:.3e} ({floors.label})" if floors.floor
                else f"{name} 0 ({floors.label})", log_y)
    if floors.linear_floor != floors.floor:
        parts.traces.append(level_line(floors.linear_floor,
                                       f"linear floor {floors.linear_floor:.3e}", P.LINEAR,
                                       P.LINEAR_DASH, right))
    for epoch, label in history.events:
        parts.shapes.append(dict(type="line", x0=epoch, x1=epoch, yref="paper", y0=0, y1=1,
                                 line=dict(color=P.CHANGE, dash=P.CHANGE_DASH, width=1.5)))
        parts.annotations.append(dict(text=label, x=epoch, yref="paper", y=1, xanchor="right",
                                      yanchor="top", showarrow=False))
    if history.diverged_at is not None:
        parts.shapes.append(dict(type="line", x0=history.diverged_at, x1=history.diverged_at,
                                 yref="paper", y0=0, y1=1, line=dict(color=P.FLOOR, width=2)))
        parts.annotations.append(dict(text=f"diverged at epoch {history.diverged_at}",
                                      x=history.diverged_at, yref="paper", y=1,
                                      xanchor="left", yanchor="top", showarrow=False))
    if extra is not None:
        parts.extend(extra)
    layout = dict(
        height=chart_height(parts.traces), margin=dict(l=10, r=10, t=70, b=10), font=FONT,
        uirevision="loss",
        xaxis=dict(title=dict(text="epoch"), range=[0, epochs] if epochs else None),
        yaxis=dict(title=dict(text="MSE loss"), type="log" if log_y else "linear",
                   exponentformat="e", dtick=decade_step(shown) if log_y else None),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), hovermode="x unified",
        shapes=parts.shapes, annotations=parts.annotations)
    return {"data": parts.traces, "layout": layout}


def chart_height(traces: list[dict]) -> int:
    """Returns a chart's height in pixels: 420, plus a legend row for each entry past the second,
    so a legend of floors, seeds and earlier runs above the plot does not squash the plot."""
    entries = sum(1 for t in traces if t.get("showlegend", True) and t.get("name"))
    return HEIGHT + LEGEND_ROW * max(0, entries - 2)


@dataclass
class Decorations:
    """Traces, shapes and annotations (plain dicts) to add to a figure in one go."""

    traces: list[dict] = field(default_factory=list)
    shapes: list[dict] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)

    def extend(self, other: Decorations) -> None:
        """Adds another set of decorations to this one (in place)."""
        self.traces += other.traces
        self.shapes += other.shapes
        self.annotations += other.annotations


def decade_step(values: np.ndarray, most_ticks: int = 8) -> int:
    """Returns how many decades apart log-axis ticks go so every label shows its exponent
    (1e-3, not a bare 5 between 0.01 and 0.1) and at most about `most_ticks` are drawn."""
    positive = values[values > 0] if len(values) else values
    if len(positive) == 0:
        return 1
    decades = np.log10(positive.max()) - np.log10(positive.min())
    return max(1, int(np.ceil(decades / most_ticks)))


def level_line(value: float, label: str, color: str, dash: str, right: float) -> dict:
    """Returns a horizontal line named in the legend (labels beside lines would pile up where
    floors lie close together)."""
    return dict(type="scatter", x=[0, right], y=[value, value], mode="lines", name=label,
                line=dict(color=color, dash=dash, width=1.5), hoverinfo="skip")


def _floor_line(parts: Decorations, value: float, label: str, log_y: bool) -> None:
    """Adds the floor's dashed horizontal line with its label, or only the label where log y
    can't show 0."""
    line = dict(color=P.FLOOR, dash=P.FLOOR_DASH, width=2)
    if value > 0 or not log_y:
        parts.shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=value, y1=value,
                                 line=line))
        # annotations on a log axis take log10 of the value (plotly.py #3317)
        parts.annotations.append(dict(
            text=label, xref="paper", x=1, xanchor="right", yanchor="bottom",
            y=float(np.log10(value)) if log_y else value, showarrow=False,
            font=dict(color=P.TEXT, size=14), bgcolor=P.LABEL_BACKDROP))
    else:  # named in the legend only: a label inside the plot would sit on the plateau bands
        parts.traces.append(dict(type="scatter", x=[None], y=[None], mode="lines",
                                 name=f"{label}: no line on a log scale",
                                 line=line))


def fit_figure(xs: np.ndarray, ys: np.ndarray, grid: np.ndarray, predictions: np.ndarray,
               floors: Floors, height: int = HEIGHT) -> go.Figure:
    """Returns `fit_chart`'s figure, validated by plotly."""
    return go.Figure(fit_chart(xs, ys, grid, predictions, floors, height))


def fit_chart(xs: np.ndarray, ys: np.ndarray, grid: np.ndarray, predictions: np.ndarray,
              floors: Floors, height: int = HEIGHT) -> dict:
    """Returns, as plain dicts (not validated), the points, the networks' prediction curves
    (K, G) and the least-squares line, `height` pixels tall (the page gives it the loss chart's
    height beside it).

    The curves are rounded to CURVE_STEPS-ths of the points' y span, below a pixel: on a
    plateau the curve stops changing, and the live page then sends and redraws nothing.
    """
    step = (float(np.ptp(ys)) or 1.0) / CURVE_STEPS
    with np.errstate(invalid="ignore", over="ignore"):
        predictions = np.round(np.asarray(predictions)[:MAX_SEEDS_KEPT] / step) * step
    traces = [dict(type="scatter", x=grid, y=curve, mode="lines",
                   name="network" if k == 0 else f"seed +{k}",
                   line=dict(color=P.LOSS, width=3 if k == 0 else 1),
                   opacity=1.0 if k == 0 else 0.35, showlegend=k == 0)
              for k, curve in enumerate(predictions)]  # a few seeds show the spread
    line = floors.line
    traces.append(dict(type="scatter", x=grid, y=line.slope * grid + line.intercept,
                       mode="lines", line=dict(color=P.LINEAR, dash=P.LINEAR_DASH, width=2),
                       name=f"least-squares line y = {line.slope:.4f}x + {line.intercept:.4f}"))
    traces.append(dict(type="scatter", x=xs, y=ys, mode="markers", name="points",
                       marker=dict(color=P.FLOOR, size=12, line=dict(color=P.WHITE, width=1))))
    return {"data": traces, "layout": dict(
        height=height, margin=dict(l=10, r=10, t=70, b=10), font=FONT, uirevision="fit",
        xaxis=dict(title=dict(text="x")), yaxis=dict(title=dict(text="y")),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))}


def prediction_grid(xs: np.ndarray, count: int = 200) -> np.ndarray:
    """Returns `count` x values spanning the points plus a 25% margin on each side, and the
    points' own x among them (sorted), so a curve drawn over the grid passes through the
    network's exact prediction at each point and the words that read it there are exact."""
    low, high = float(np.min(xs)), float(np.max(xs))
    margin = 0.25 * (high - low) if high > low else 1.0
    return np.union1d(np.linspace(low - margin, high + margin, count), np.asarray(xs, dtype=float))
