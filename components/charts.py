"""Figures as pure functions of data: the loss against its floors, and the fit.

No `st.*` call here: tests check the traces and numbers; the page only places the figures.
Each trace sends at most MAX_POINTS points, picked by MinMaxLTTB (tsdownsample) so plateaus
and sudden drops survive: the browser stays light on a 100,000-epoch run.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from tsdownsample import MinMaxLTTBDownsampler

from models.floors import Floors
from models.history import HIGH, LOW, History

MAX_POINTS = 2_000
LOG_FLOOR = 1e-20  # a loss of exactly 0 has no place on a log axis; drawn here, hover says 0
LOSS, FLOOR, LINEAR, BAND = "#1f5fbf", "#c0392b", "#7f8c8d", "rgba(31,95,191,0.18)"
FONT = dict(size=15)


def downsample_index(y: np.ndarray, most: int = MAX_POINTS) -> np.ndarray:
    """Returns the indices of at most `most` points of y that keep its shape (first and last)."""
    if len(y) <= most:
        return np.arange(len(y))
    finite = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    return MinMaxLTTBDownsampler().downsample(finite, n_out=most)


def loss_figure(history: History, floors: Floors, log_y: bool = True, epochs: int | None = None,
                compared: list[tuple[str, np.ndarray, np.ndarray]] = ()) -> go.Figure:
    """Returns the loss-against-epoch chart with the floor and the linear floor as dashed lines,
    and earlier runs (label, epochs, loss) as faded curves."""
    fig = go.Figure()
    for label, run_epochs, run_loss in compared:
        fig.add_trace(go.Scatter(
            x=run_epochs, y=np.maximum(run_loss, LOG_FLOOR) if log_y else run_loss, mode="lines",
            name=label, opacity=0.45, line=dict(width=1.5), customdata=run_loss,
            hovertemplate=f"{label}<br>epoch %{{x}}<br>loss %{{customdata:.4e}}<extra></extra>"))
    loss = history.loss
    keep = downsample_index(loss)
    x = history.epochs[keep]
    shown = np.maximum(loss[keep], LOG_FLOOR) if log_y else loss[keep]
    if history.last_losses is not None and len(history.last_losses) > 1:
        for column, name in ((HIGH, "max over seeds"), (LOW, "min over seeds")):
            band = history.stats[: history.count, column][keep]
            fig.add_trace(go.Scatter(
                x=x, y=np.maximum(band, LOG_FLOOR) if log_y else band, mode="lines",
                line=dict(width=0), name=name, hoverinfo="skip", showlegend=column == LOW,
                fill="tonexty" if column == LOW else None, fillcolor=BAND))
        loss_name = f"median loss of {len(history.last_losses)} seeds"
    else:
        loss_name = "loss"
    fig.add_trace(go.Scatter(
        x=x, y=shown, mode="lines", name=loss_name, line=dict(color=LOSS, width=2.5),
        customdata=np.column_stack([loss[keep], loss[keep] - floors.floor]),
        hovertemplate="epoch %{x}<br>loss %{customdata[0]:.4e}<br>gap %{customdata[1]:.4e}"
                      "<extra></extra>"))
    right = epochs or max(history.count, 1)
    _floor_line(fig, floors.floor, f"floor {floors.floor:.3e} ({floors.label})" if floors.floor
                else f"floor 0 ({floors.label})", FLOOR, log_y)
    if floors.linear_floor != floors.floor:
        level_line(fig, floors.linear_floor, f"linear floor {floors.linear_floor:.3e}", LINEAR,
                   "dash", right)
    for epoch, label in history.events:
        fig.add_vline(x=epoch, line=dict(color="#8e44ad", dash="dot", width=1.5),
                      annotation_text=label, annotation_position="top left")
    if history.diverged_at is not None:
        fig.add_vline(x=history.diverged_at, line=dict(color=FLOOR, width=2),
                      annotation_text=f"diverged at epoch {history.diverged_at}")
    fig.update_layout(
        height=420, margin=dict(l=10, r=10, t=70, b=10), font=FONT, uirevision="loss",
        xaxis=dict(title="epoch", range=[0, epochs] if epochs else None),
        yaxis=dict(title="MSE loss", type="log" if log_y else "linear", exponentformat="e",
                   dtick=decade_step(shown) if log_y else None),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), hovermode="x unified")
    return fig


def decade_step(values: np.ndarray, most_ticks: int = 8) -> int:
    """Returns how many decades apart log-axis ticks go so every label shows its exponent
    (1e-3, not a bare 5 between 0.01 and 0.1) and at most about `most_ticks` are drawn."""
    positive = values[values > 0] if len(values) else values
    if len(positive) == 0:
        return 1
    decades = np.log10(positive.max()) - np.log10(positive.min())
    return max(1, int(np.ceil(decades / most_ticks)))


def level_line(fig: go.Figure, value: float, label: str, color: str, dash: str,
               right: float) -> None:
    """Adds a horizontal line named in the legend (labels beside lines would pile up where
    floors lie close together)."""
    fig.add_trace(go.Scatter(x=[0, right], y=[value, value], mode="lines", name=label,
                             line=dict(color=color, dash=dash, width=1.5), hoverinfo="skip"))


def _floor_line(fig: go.Figure, value: float, label: str, color: str, log_y: bool) -> None:
    """Adds a dashed horizontal line with its label, or only the label where log y can't show 0."""
    if value > 0 or not log_y:
        fig.add_hline(y=value, line=dict(color=color, dash="dash", width=2))
        # add_hline's own annotation lands at the wrong height on a log axis (plotly.py #3317):
        # annotations on log axes take log10 of the value.
        fig.add_annotation(text=label, xref="paper", x=1, xanchor="right", yanchor="bottom",
                           y=np.log10(value) if log_y else value, showarrow=False,
                           font=dict(color=color, size=14), bgcolor="rgba(255,255,255,0.7)")
    else:
        fig.add_annotation(text=f"{label}: no line on a log scale",
                           xref="paper", yref="paper", x=1, y=0.98, xanchor="right",
                           yanchor="top", showarrow=False, font=dict(color=color, size=14),
                           bgcolor="rgba(255,255,255,0.7)")


def fit_figure(xs: np.ndarray, ys: np.ndarray, grid: np.ndarray, predictions: np.ndarray,
               floors: Floors) -> go.Figure:
    """Returns the points, the networks' prediction curves (K, G) and the least-squares line."""
    fig = go.Figure()
    for k, curve in enumerate(predictions[:8]):  # a few seeds are enough to show the spread
        fig.add_trace(go.Scatter(
            x=grid, y=curve, mode="lines", name="network" if k == 0 else f"seed +{k}",
            line=dict(color=LOSS, width=3 if k == 0 else 1), opacity=1.0 if k == 0 else 0.35,
            showlegend=k == 0))
    line = floors.line
    fig.add_trace(go.Scatter(x=grid, y=line.slope * grid + line.intercept, mode="lines",
                             name=f"least-squares line y = {line.slope:.4f}x + {line.intercept:.4f}",
                             line=dict(color=LINEAR, dash="dash", width=2)))
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name="points",
                             marker=dict(color=FLOOR, size=12, line=dict(color="white", width=1))))
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=30, b=10), font=FONT,
                      uirevision="fit", xaxis_title="x", yaxis_title="y",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    return fig


def prediction_grid(xs: np.ndarray, count: int = 200) -> np.ndarray:
    """Returns `count` x values spanning the points plus a 25% margin on each side."""
    low, high = float(np.min(xs)), float(np.max(xs))
    margin = 0.25 * (high - low) if high > low else 1.0
    return np.linspace(low - margin, high + margin, count)
