"""Figures that explain a run: the loss landscape, plateaus, gradient norms and simpler floors.

Pure functions of data, no `st.*` call, like `charts.py`, whose colours and log-axis floor they
share. Contours are drawn in log10 so that a valley a thousand times shallower than its rim
still shows rings: Plotly spaces contour levels evenly, so evenly spaced log levels are
log-spaced loss levels.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import plotly.graph_objects as go

from components import palette as P
from components.figures.charts import (
    FONT,
    GROWING,
    LOG_FLOOR,
    Decorations,
    bucket_index,
    level_line,
)
from models.analysis.floors import least_squares_line, polynomial_floor
from models.analysis.landscape import landscape_window, line_mse_grid
from models.analysis.plateaus import Plateau
from models.analysis.units import Units
from models.experiment import Points

DECADES = 6  # contour depth: levels below the highest value / DECADES are merged into the last
LEVELS_PER_DECADE = 4
MAX_PATH_POINTS = 2_000
MAX_SEEDS_DRAWN = 8
# Band labels sit in rows from the top of the plot; a label goes one row down when it would run
# into the one before it. A character of the 13 px label font is about 7.5 px, and the loss plot
# is about 550 px wide in its half of a 1,400 px page: 1.4% of the x-axis per character.
LABEL_CHAR = 0.014
LABEL_ROW = 0.075  # of the plot's height: one row of 13 px text in the 420 px chart


def _log_contour(x: np.ndarray, y: np.ndarray, values: np.ndarray, title: str,
                 hover: str) -> dict:
    """Returns a contour of log10(values), DECADES deep, with `values` in the hover text."""
    top = float(np.log10(max(np.max(values), LOG_FLOOR)))
    z = np.log10(np.maximum(values, 10.0 ** (top - DECADES)))
    low = float(np.floor(z.min() * LEVELS_PER_DECADE) / LEVELS_PER_DECADE)
    ticks = np.arange(np.ceil(low), np.floor(top) + 1)
    return dict(
        type="contour", x=x, y=y, z=z, customdata=values, hovertemplate=hover, name=title,
        contours=dict(start=low, end=top, size=1.0 / LEVELS_PER_DECADE), colorscale="Viridis",
        # the colour bar's title runs along it: written across, it took a fifth of the width
        line=dict(width=0.5), colorbar=dict(title=dict(text=title, side="right"), tickvals=ticks,
                                            ticktext=[f"1e{int(t)}" for t in ticks]))


def landscape_figure(points: Points, trajectory_slopes: np.ndarray,
                     trajectory_intercepts: np.ndarray, steps: int = 61) -> go.Figure:
    """Returns `landscape_chart`'s figure, validated by plotly."""
    return go.Figure(landscape_chart(points, trajectory_slopes, trajectory_intercepts, steps))


def landscape_chart(points: Points, trajectory_slopes: np.ndarray,
                    trajectory_intercepts: np.ndarray, steps: int = 61) -> dict:
    """Returns the MSE over (slope, intercept) with the training path and the lstsq line starred,
    as plain "data" and "layout" dicts (built as often as a class's sessions redraw it: plotly's
    validation cost more than the rest).

    Trajectories are (T,) for one network or (T, K) for K seeds, oldest first (one entry per
    redraw of the page). The contour shows log10 of the MSE above its minimum, the only way a
    valley whose floor is 0.0057 shows its shape; the hover gives the MSE itself.
    """
    slopes_path = np.asarray(trajectory_slopes, dtype=np.float64)
    intercepts_path = np.asarray(trajectory_intercepts, dtype=np.float64)
    (s_low, s_high), (b_low, b_high) = landscape_window(points, slopes_path, intercepts_path)
    slopes = np.linspace(s_low, s_high, steps)
    intercepts = np.linspace(b_low, b_high, steps)
    mse = line_mse_grid(points, slopes, intercepts)
    floor = polynomial_floor(points, 1)
    contour = _log_contour(slopes, intercepts, mse - floor, "MSE above its minimum",
                           "slope %{x:.4f}<br>intercept %{y:.4f}<br>MSE above the minimum "
                           "%{customdata:.3e}<extra></extra>")
    traces: list = [contour]
    # (T,) or (T, K) -> (T, K); evenly spaced samples, first and last kept: the path is smooth
    paths_s = slopes_path.reshape(len(slopes_path), -1) if slopes_path.size else np.empty((0, 0))
    paths_b = intercepts_path.reshape(paths_s.shape)
    keep = np.unique(np.linspace(0, len(paths_s) - 1, min(len(paths_s), MAX_PATH_POINTS))
                     .astype(int))
    for k in range(min(paths_s.shape[1], MAX_SEEDS_DRAWN)):
        s, b = paths_s[keep, k], paths_b[keep, k]
        first = k == 0
        traces += [
            dict(type="scatter", x=s, y=b, mode="lines", name="training path (w_eff, b_eff)",
                 line=dict(color=P.WHITE, width=2.5 if first else 1), showlegend=first,
                 hoverinfo="skip"),
            dict(type="scatter", x=s[:1], y=b[:1], mode="markers", name="start",
                 marker=dict(symbol="circle-open", size=11, color=P.WHITE, line=dict(width=2)),
                 showlegend=first),
            dict(type="scatter", x=s[-1:], y=b[-1:], mode="markers", name="now",
                 marker=dict(size=11, color=P.LOSS, line=dict(color=P.WHITE, width=2)),
                 showlegend=first)]
    line = least_squares_line(points)
    # the star's label on the side of the star facing the window's centre, drawn past the axes
    # if need be: at "bottom right" it was clipped when the star sat near the right edge
    side = ("bottom " if line.intercept > (b_low + b_high) / 2 else "top ") + \
        ("left" if line.slope > (s_low + s_high) / 2 else "right")
    traces.append(dict(
        type="scatter", x=[line.slope], y=[line.intercept], mode="markers+text",
        name="least-squares line", cliponaxis=False,
        text=[f"w = {line.slope:.4f}, b = {line.intercept:.4f}<br>MSE {floor:.4g}"],
        textposition=side, textfont=dict(color=P.WHITE, size=13),
        hovertemplate="least-squares line<br>w %{x:.6f}<br>b %{y:.6f}<br>"
                      f"MSE {floor:.6g}<extra></extra>",
        marker=dict(symbol="star", size=18, color=P.FLOOR, line=dict(color=P.WHITE, width=1))))
    # The legend goes below the plot, in one row of short names: above it, in four long
    # entries, it took a third of the chart.
    return dict(data=traces, layout=dict(
        height=460, margin=dict(l=10, r=10, t=10, b=10), font=FONT, uirevision="landscape",
        xaxis=dict(title=dict(text="slope w")), yaxis=dict(title=dict(text="intercept b")),
        # grey behind the legend: the white path and start marker show in it
        legend=dict(orientation="h", yanchor="top", y=-0.28, x=0,
                    bgcolor=P.LEGEND_BACKDROP)))


def slice_figure(alphas: np.ndarray, betas: np.ndarray, losses: np.ndarray) -> go.Figure:
    """Returns the loss over a filter-normalised 2-D slice, with the current weights marked."""
    losses = np.asarray(losses, dtype=np.float64)
    fig = go.Figure(data=[_log_contour(alphas, betas, np.maximum(losses, LOG_FLOOR), "loss",
                                 "alpha %{x:.3f}<br>beta %{y:.3f}<br>loss %{customdata:.3e}"
                                 "<extra></extra>")])
    fig.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="markers+text", name="current weights",
                             text=["current weights"], textposition="top center",
                             textfont=dict(color=P.WHITE, size=13),
                             marker=dict(size=12, color=P.LOSS, line=dict(color=P.WHITE, width=2))))
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=30, b=10), font=FONT,
                      uirevision="slice", showlegend=False,
                      xaxis_title="alpha (random direction 1, filter-normalised)",
                      yaxis_title="beta (random direction 2)")
    return fig


def plateau_decorations(plateaus: Iterable[Plateau], labels: list[str] | None = None,
                        right: float | None = None) -> Decorations:
    """Returns a shaded band per plateau with its label (`labels`, default its kind), as shapes
    and annotations to add; `right` is the x-axis's end, which sets how much of it a label
    covers, so labels that would overlap go a row lower."""
    parts, rows = Decorations(), []  # rows: where the last label of each row ends, in epochs
    plateaus = list(plateaus)
    labels = labels or [p.kind for p in plateaus]
    span = right or max((p.end for p in plateaus), default=1)
    for plateau, label in zip(plateaus, labels, strict=True):
        parts.shapes.append(dict(type="rect", x0=plateau.start, x1=plateau.end, yref="paper",
                                 y0=0, y1=1, fillcolor=P.PLATEAU_TINTS[plateau.kind],
                                 line=dict(width=0), layer="below"))
        row = next((i for i, end in enumerate(rows) if end < plateau.start), len(rows))
        end = plateau.start + LABEL_CHAR * (len(label) + 1) * span
        rows[row:row + 1] = [end]
        parts.annotations.append(dict(text=label, x=plateau.start, yref="paper",
                                      y=1 - LABEL_ROW * row, xanchor="left", yanchor="top",
                                      showarrow=False, font=dict(size=13)))
    return parts


def unit_state(units: Units) -> list[str]:
    """Returns "dead", "saturated" or "active" for each unit."""
    return ["dead" if d else "saturated" if s else "active"
            for d, s in zip(units.dead, units.saturated, strict=True)]


def units_figure(units: Units, points_x: np.ndarray, seed_text: str) -> go.Figure:
    """Returns `units_chart`'s figure, validated by plotly."""
    return go.Figure(units_chart(units, points_x, seed_text))


def units_chart(units: Units, points_x: np.ndarray, seed_text: str) -> dict:
    """Returns each hidden unit's output over x, coloured and dashed by its state, with the
    points' x as dotted lines; the legend names each state once, with its count. Plain dicts,
    as `landscape_chart`."""
    states = unit_state(units)
    names = {"active": "active", "dead": "dead: 0 on every point",
             "saturated": "saturated on nearly every point"}
    traces, shown = [], set()
    for j, (curve, state) in enumerate(zip(units.outputs, states, strict=True)):
        traces.append(dict(
            type="scatter", x=units.grid, y=curve, mode="lines", legendgroup=state,
            name=f"{names[state]} ({states.count(state)})", showlegend=state not in shown,
            line=dict(color=P.UNIT_STYLES[state][0], dash=P.UNIT_STYLES[state][1], width=2),
            hovertemplate=f"unit {j + 1} ({state})<br>x %{{x:.3g}}<br>output %{{y:.3g}}"
                          "<extra></extra>"))
        shown.add(state)
    shapes = [dict(type="line", x0=float(x), x1=float(x), yref="paper", y0=0, y1=1,
                   line=dict(color=P.FLOOR, dash="dot", width=1), layer="below")
              for x in np.unique(np.asarray(points_x, dtype=np.float64))]
    return dict(data=traces, layout=dict(
        height=300, margin=dict(l=10, r=10, t=60, b=10), font=FONT, uirevision="units",
        shapes=shapes, xaxis=dict(title=dict(text=f"x (dotted: the points' x) · {seed_text}")),
        yaxis=dict(title=dict(text="unit output")),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0)))


def grad_norm_figure(epochs: np.ndarray, grad_norm: np.ndarray, total: int | None = None
                     ) -> go.Figure:
    """Returns `grad_norm_chart`'s figure, validated by plotly."""
    return go.Figure(grad_norm_chart(epochs, grad_norm, total))


def grad_norm_chart(epochs: np.ndarray, grad_norm: np.ndarray, total: int | None = None
                    ) -> dict:
    """Returns a small log-y chart of the gradient norm per epoch (at most 2,000 points), as
    plain dicts, as `landscape_chart`. It grows as the loss curve does (`bucket_index` over the
    run's `total` epochs): its settled points never change, so the live chart sends them once
    (the whole curve went at every explanation redraw, ~48 KB a second for each student)."""
    grad_norm = np.asarray(grad_norm, dtype=np.float64)
    keep, settled = bucket_index(grad_norm, total or len(grad_norm))
    return dict(data=[dict(
        type="scatter", x=np.asarray(epochs)[keep], y=np.maximum(grad_norm[keep], LOG_FLOOR),
        mode="lines", name="gradient norm", line=dict(color=P.GRAD_NORM, width=2),
        uid="grad_norm", meta={GROWING: settled}, customdata=grad_norm[keep],
        hovertemplate="epoch %{x}<br>|gradient| %{customdata:.3e}<extra></extra>")],
        layout=dict(height=220, margin=dict(l=10, r=10, t=10, b=10), font=FONT,
                    uirevision="grad_norm", showlegend=False,
                    xaxis=dict(title=dict(text="epoch")),
                    yaxis=dict(title=dict(text="|gradient|"), type="log", exponentformat="e")))


def reference_decorations(refs: dict[str, float], log_y: bool, floor: float | None = None,
                          right: float = 1.0) -> Decorations:
    """Returns a line per reference floor, each in its own colour and dash, named in the legend.

    A value of 0 has no place on a log axis, and a reference equal to `floor` (a linear network
    without biases: the origin line) is already drawn as the floor: both are left out.
    """
    parts = Decorations()
    for name, value in refs.items():
        if (value <= 0 and log_y) or (floor is not None and np.isclose(value, floor, rtol=1e-12,
                                                                         atol=0.0)):
            continue
        colour, dash = P.REFERENCE_STYLES[name]
        parts.traces.append(level_line(value, f"{name} {value:.3e}", colour, dash, right))
    return parts
