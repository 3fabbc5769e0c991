"""The explanation figures: landscape, slice, plateau bands, gradient norms, reference floors."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

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


def test_reference_lines_are_dotted_legend_lines_at_their_values():
    """Each positive reference is a dotted horizontal line at its value, named (with the value)
    in the legend; a zero reference is left out on a log axis and drawn on a linear one."""
    refs = {"constant prediction": 0.0313, "line through the origin": 0.00596, "zero": 0.0}
    fig = go.Figure(reference_decorations(refs, log_y=True, right=500).traces)
    assert [tuple(t.y) for t in fig.data] == [(0.0313, 0.0313), (0.00596, 0.00596)]
    assert all(t.line.dash == "dot" and tuple(t.x) == (0, 500) for t in fig.data)
    assert [t.name for t in fig.data] == ["constant prediction 3.130e-02",
                                          "line through the origin 5.960e-03"]
    linear = go.Figure(reference_decorations(refs, log_y=False).traces)
    assert [t.y[0] for t in linear.data] == [0.0313, 0.00596, 0.0]


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


def test_units_figure_colours_dead_units_and_names_each_state_once():
    """Dead units are grey and dotted, one legend entry per state with its count; the points'
    x are dotted lines."""
    from components.figures.explanation import UNIT_COLOURS, units_figure
    from models.analysis.units import Units

    grid = np.linspace(-1, 1, 5)
    units = Units("relu", grid, np.vstack([np.maximum(grid, 0), np.zeros(5), np.zeros(5)]),
                  np.zeros((3, 2)), np.array([False, True, True]), np.zeros(3, dtype=bool))
    fig = units_figure(units, np.array([0.2, 0.5]), "seed 0")
    colours = [t.line.color for t in fig.data]
    assert colours == [UNIT_COLOURS["active"], UNIT_COLOURS["dead"], UNIT_COLOURS["dead"]]
    assert [t.name for t in fig.data if t.showlegend] == ["active (1)", "dead: 0 on every point (2)"]
    assert [s.x0 for s in fig.layout.shapes] == [0.2, 0.5]


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
