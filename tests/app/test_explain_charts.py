"""The explanation figures: landscape, slice, plateau bands, gradient norms, reference floors."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from components import palette as P
from components.figures.charts import LOG_FLOOR
from components.figures.explanation import (
    grad_norm_figure,
    landscape_figure,
    plateau_decorations,
    reference_decorations,
    slice_figure,
)
from models.analysis.plateaus import ABOVE_FLOOR, ON_FLOOR, Plateau
from models.experiment import Points

QUESTION = Points()
ROOT = Path(__file__).resolve().parents[2]


def _lstsq(points: Points) -> tuple[float, float, float]:
    x, y = np.array(points.xs), np.array(points.ys)
    (w, b), *_ = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), y, rcond=None)
    return w, b, float(np.mean((y - w * x - b) ** 2))


def _star(fig: go.Figure):
    return next(t for t in fig.data if t.name.startswith("least-squares line"))


def _trace(fig: go.Figure, name: str):
    return next(t for t in fig.data if t.name == name)


def test_landscape_contour_is_the_log_mse_above_the_lstsq_minimum_on_its_axes():
    """Every contour value is log10 of a brute-force MSE minus lstsq's minimum (clipped 6 decades
    down), and the star sits on lstsq's (w, b)."""
    slopes_path = np.linspace(-0.6, 0.2, 30)
    intercepts_path = np.linspace(0.8, 0.02, 30)
    fig = landscape_figure(QUESTION, slopes_path, intercepts_path, steps=31)
    contour = fig.data[0]
    assert isinstance(contour, go.Contour)
    w, b, floor = _lstsq(QUESTION)
    x, y = np.array(QUESTION.xs), np.array(QUESTION.ys)
    s, i = np.array(contour.x), np.array(contour.y)
    brute = np.array([[np.mean((y - sj * x - bi) ** 2) for sj in s] for bi in i]) - floor
    top = np.log10(brute.max())
    np.testing.assert_allclose(contour.z, np.log10(np.maximum(brute, 10 ** (top - 6))),
                               atol=1e-9)
    assert contour.contours.size == 0.25  # four levels a decade: log-spaced MSE levels
    star = _star(fig)
    assert star.marker.symbol == "star"
    assert star.x[0] == pytest.approx(w, rel=1e-12) and star.y[0] == pytest.approx(b, rel=1e-12)
    assert star.text[0] == f"w = {w:.4f}, b = {b:.4f}<br>MSE {floor:.4g}"
    assert star.cliponaxis is False  # the label shows even when the star is near an edge


def test_landscape_marks_the_path_its_start_and_where_it_is_now():
    """The path trace runs through the samples; start and now markers are its first and last."""
    slopes_path = np.linspace(-0.6, 0.2, 5000)
    intercepts_path = np.linspace(0.8, 0.02, 5000)
    fig = landscape_figure(QUESTION, slopes_path, intercepts_path, steps=21)
    path = _trace(fig, "training path (w_eff, b_eff)")
    assert len(path.x) <= 2000 and path.x[0] == -0.6 and path.x[-1] == 0.2
    assert (_trace(fig, "start").x[0], _trace(fig, "start").y[0]) == (-0.6, 0.8)
    assert (_trace(fig, "now").x[0], _trace(fig, "now").y[0]) == (0.2, 0.02)
    contour = fig.data[0]
    assert min(contour.x) < -0.6 and max(contour.x) > 0.2  # the whole path is in view
    assert min(contour.y) < 0.02 and max(contour.y) > 0.8


def test_landscape_draws_one_path_per_seed():
    """A (T, K) trajectory gives K paths, with one legend entry."""
    slopes = np.column_stack([np.linspace(-0.5, 0.2, 10), np.linspace(0.9, 0.2, 10)])
    intercepts = np.column_stack([np.linspace(0.3, 0.0, 10), np.linspace(-0.4, 0.0, 10)])
    fig = landscape_figure(QUESTION, slopes, intercepts, steps=11)
    paths = [t for t in fig.data if t.name == "training path (w_eff, b_eff)"]
    assert len(paths) == 2 and [p.showlegend for p in paths] == [True, False]
    assert paths[1].x[0] == 0.9


def test_landscape_without_a_path_yet_shows_the_valley():
    """Before the first redraw (empty path) the figure still has its contour and its star."""
    fig = landscape_figure(QUESTION, np.array([]), np.array([]), steps=11)
    assert isinstance(fig.data[0], go.Contour) and _star(fig)


def test_slice_figure_is_log_loss_with_the_current_weights_at_the_centre():
    """The contour is log10 of the given losses and the marker sits at (0, 0)."""
    alphas = betas = np.linspace(-1.0, 1.0, 5)
    losses = 0.01 + np.add.outer(betas**2, alphas**2)
    fig = slice_figure(alphas, betas, losses)
    np.testing.assert_allclose(fig.data[0].z, np.log10(losses))
    centre = _trace(fig, "current weights")
    assert (centre.x[0], centre.y[0]) == (0.0, 0.0) and centre.text[0] == "current weights"


def _layout_of(parts) -> dict:
    return dict(shapes=parts.shapes, annotations=parts.annotations)


def test_each_plateau_is_one_band_labelled_with_its_kind():
    """Each plateau becomes a band from its start to its end epoch, labelled with its kind."""
    plateaus = [Plateau(1, 300, ABOVE_FLOOR, 0.03), Plateau(580, 1000, ON_FLOOR, 1e-15)]
    fig = go.Figure(go.Scatter(x=[1, 1000], y=[1, 0.1]), layout=_layout_of(plateau_decorations(plateaus)))
    bands = [(s.x0, s.x1) for s in fig.layout.shapes]
    assert bands == [(1, 300), (580, 1000)]
    assert [a.text for a in fig.layout.annotations] == [ABOVE_FLOOR, ON_FLOOR]


def test_grad_norm_figure_is_log_y_downsampled_and_keeps_zero_visible():
    """100,000 epochs become at most 2,000 points on a log axis, ends kept; zeros at LOG_FLOOR."""
    epochs = np.arange(1, 100_001)
    grad = np.exp(-epochs / 20_000.0)
    grad[-10:] = 0.0
    fig = grad_norm_figure(epochs, grad)
    trace = fig.data[0]
    assert len(trace.x) <= 2000 and trace.x[0] == 1 and trace.x[-1] == 100_000
    assert fig.layout.yaxis.type == "log" and trace.y[-1] == LOG_FLOOR
    assert trace.customdata[-1] == 0.0  # the hover says 0


def test_reference_lines_are_broken_legend_lines_at_their_values_each_its_own_style():
    """Each positive reference is a horizontal line at its value, named (with the value) in the
    legend, in its own colour and its own (never solid) dash, so the legend tells them apart; a
    zero reference is left out on a log axis and drawn on a linear one."""
    refs = {"constant prediction": 0.0313, "line through the origin": 0.00596}
    fig = go.Figure(reference_decorations(refs, log_y=True, right=500).traces)
    assert [tuple(t.y) for t in fig.data] == [(0.0313, 0.0313), (0.00596, 0.00596)]
    assert all(t.line.dash != "solid" and tuple(t.x) == (0, 500) for t in fig.data)
    assert len({t.line.dash for t in fig.data}) == len({t.line.color for t in fig.data}) == 2
    assert [t.name for t in fig.data] == ["constant prediction 3.130e-02",
                                          "line through the origin 5.960e-03"]
    with_zero = {**refs, "constant prediction": 0.0}
    assert [t.y[0] for t in go.Figure(reference_decorations(with_zero, log_y=True).traces).data] \
        == [0.00596]
    linear = go.Figure(reference_decorations(with_zero, log_y=False).traces)
    assert [t.y[0] for t in linear.data] == [0.0, 0.00596]


def test_a_reference_equal_to_the_networks_floor_is_not_drawn_twice():
    """Without biases the origin line is the floor: only the other references get lines."""
    refs = {"constant prediction": 0.0313, "line through the origin": 0.00596}
    fig = go.Figure(reference_decorations(refs, log_y=True, floor=0.00596).traces)
    assert [t.y[0] for t in fig.data] == [0.0313]


def test_the_figures_package_does_not_import_streamlit():
    """The figure builders are pure: a fresh interpreter importing them has no streamlit loaded."""
    script = ("import json, sys\nimport components.figures.charts, components.figures.explanation\n"
              "print(json.dumps('streamlit' in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) is False


def test_band_labels_that_would_overlap_go_a_row_lower():
    """Two bands 100 epochs apart on a 10,000-epoch axis: the second label goes one row down;
    a band far to the right stays on the top row. Labels are the ones given."""
    from components.figures.explanation import LABEL_ROW, plateau_decorations

    bands = [Plateau(1, 100, ABOVE_FLOOR, 0.1), Plateau(101, 300, ABOVE_FLOOR, 0.1),
             Plateau(6000, 10000, ON_FLOOR, 0.0)]
    parts = plateau_decorations(bands, ["A saddle", "Too few units", "On the floor"], 10_000)
    assert [a["text"] for a in parts.annotations] == ["A saddle", "Too few units", "On the floor"]
    assert [a["y"] for a in parts.annotations] == [1, pytest.approx(1 - LABEL_ROW), 1]


def test_units_figure_tells_unit_states_apart_by_colour_and_dash():
    """Active units are solid, dead dotted and saturated dashed, each in its own colour, one
    legend entry per state with its count; the points' x are dotted lines."""
    from components.figures.explanation import units_figure
    from models.analysis.units import Units

    grid = np.linspace(-1, 1, 5)
    units = Units("relu", grid, np.vstack([np.maximum(grid, 0), np.zeros(5), np.zeros(5),
                                           np.ones(5)]),
                  np.zeros((4, 2)), np.array([False, True, True, False]),
                  np.array([False, False, False, True]))
    fig = units_figure(units, np.array([0.2, 0.5]), "seed 0")
    styles = [(t.line.color, t.line.dash) for t in fig.data]
    assert [dash for _, dash in styles] == ["solid", "dot", "dot", "dash"]
    assert len({colour for colour, _ in styles}) == 3  # and colour too, where it can be seen
    assert [t.name for t in fig.data if t.showlegend] == [
        "active (1)", "dead: 0 on every point (2)", "saturated on nearly every point (1)"]
    assert [s.x0 for s in fig.layout.shapes] == [0.2, 0.5]


def test_loss_chart_lines_differ_by_dash_and_compared_runs_by_marker():
    """On the loss chart the loss (solid), the floor (dashed), the linear floor (dash-dot), a
    reference floor (dotted) and the theory curve each have their own dash, and each earlier
    run its own marker symbol: none is told apart by colour alone."""
    from components.figures.charts import loss_figure
    from models.analysis.floors import floors
    from models.experiment import Network
    from models.run.history import History

    history = History(capacity=3)
    history.append(np.array([[0.5], [0.4], [0.3]]), np.array([[0.1], [0.1], [0.1]]))
    points = Points((0.0, 1.0, 2.0, 3.0), (0.0, 1.0, 0.0, 1.0))
    earlier = [(f"run {i}", np.arange(1, 4), np.array([0.6, 0.5, 0.4])) for i in range(3)]
    refs = reference_decorations({"constant prediction": 0.25}, log_y=True, right=10)
    refs.traces.append(dict(type="scatter", x=[1, 2], y=[0.4, 0.3], mode="lines", name="theory",
                            line=dict(color=P.THEORY, dash=P.THEORY_DASH)))
    fig = loss_figure(history, floors(points, Network(width=2, activation="relu")), False, 10,
                      earlier, refs)
    line = {t.name.split(" ")[0]: t.line.dash for t in fig.data}
    floor_dash = [s.line.dash for s in fig.layout.shapes if s.y0 == s.y1]
    assert len(floor_dash) == 1
    dashes = [line["loss"], floor_dash[0], line["linear"], line["constant"], line["theory"]]
    assert len(set(dashes)) == 5, dashes
    symbols = [t.marker.symbol for t in fig.data if t.name.startswith("run ")]
    assert len(set(symbols)) == 3 and "lines" in fig.data[0].mode and \
        "markers" in fig.data[0].mode


def test_each_plateau_band_is_named_by_its_label_not_only_its_tint():
    """Bands of different kinds (different tints) each carry a label starting at the band."""
    plateaus = [Plateau(1, 300, ABOVE_FLOOR, 0.03), Plateau(580, 1000, ON_FLOOR, 1e-15)]
    parts = plateau_decorations(plateaus, None, 1000)
    assert len({s["fillcolor"] for s in parts.shapes}) == 2
    assert [(a["x"], a["text"]) for a in parts.annotations] == [(1, ABOVE_FLOOR),
                                                                (580, ON_FLOOR)]


def test_the_questions_log_and_its_reproductions_differ_by_marker():
    """On the student's model the printed log is open circles and the reproductions of the other
    learning rate carry another marker symbol, not only another colour."""
    from components.explain.question_log import log_decorations
    from models.question.presets import PRESETS

    parts = log_decorations(PRESETS["question_log"].experiment)
    symbols = [t["marker"]["symbol"] for t in parts.traces]
    assert symbols[0] == "circle-open" and len(parts.traces) >= 2
    assert all(s != "circle-open" for s in symbols[1:])


def test_a_lower_bound_floor_line_is_labelled_lower_bound():
    """The loss chart names a lower bound "lower bound", never "floor"."""
    from components.figures.charts import loss_figure
    from models.analysis.floors import floors
    from models.experiment import Network
    from models.run.history import History

    history = History(capacity=2)
    history.append(np.array([[0.5], [0.4]]), np.array([[0.1], [0.1]]))
    wave = Points(tuple(float(x) for x in range(8)), tuple(float(np.sin(x)) for x in range(8)))
    fig = loss_figure(history, floors(wave, Network(width=1, activation="relu")), True, 10)
    names = [t.name for t in fig.data]
    assert any(n.startswith("lower bound 0") for n in names)
    assert not any(n.startswith("floor") for n in names)
