"""Every chart's text alternative: its numbers in words, the same as the readouts beside it, and
kept current as the chart is redrawn."""

from __future__ import annotations

import numpy as np

from components.figures.descriptions import fit_numbers, grad_norm_numbers, units_numbers
from models.analysis.floors import Line
from models.analysis.units import Units
from tests.app.live_charts import numbers_shown


def _numbers(at, name: str) -> str:
    return numbers_shown([e.proto.bytes for e in at.get("bidi_component")], name)


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _step(at, times: int = 1):
    for _ in range(times):
        at.button(key="step").click().run()
    return at


def test_the_loss_chart_says_the_epoch_loss_floor_and_gap_the_readouts_show(open_page):
    """After one and then three steps the loss chart's words give that epoch of all and the
    Loss, Floor and Gap readouts' values."""
    at = open_page({"preset": "question", "epochs": "40"})
    assert _numbers(at, "loss").startswith("No epoch trained yet of 40.")
    for epoch in (1, 3):
        _step(at, 1 if epoch == 1 else 2)
        words = _numbers(at, "loss")
        assert words.startswith(f"Epoch {epoch} of 40: loss {_metric(at, 'Loss')};")
        assert f"the floor is {_metric(at, 'Floor')}" in words
        assert f"gap {_metric(at, 'Gap')}" in words


def test_the_landscape_and_fit_say_where_the_line_is_and_the_best_line(open_page):
    """On a linear network the landscape's words give the Effective slope and intercept readouts
    and the least-squares line; the fit's the points and the least-squares line."""
    at = _step(open_page({"preset": "question", "epochs": "40"}), 2)
    landscape = _numbers(at, "landscape")
    assert f"w = {_metric(at, 'Effective slope')}, b = {_metric(at, 'Effective intercept')}" \
        in landscape
    best = f"w = {_metric(at, 'Least-squares slope')}, b = {_metric(at, 'Least-squares intercept')}"
    assert best in landscape
    fit = _numbers(at, "fit")
    assert fit.startswith("3 points") and \
        f"y = {_metric(at, 'Least-squares slope')}x + {_metric(at, 'Least-squares intercept')}" in fit
    assert _numbers(at, "grad_norm").startswith("Gradient norm at epoch 2:")


def test_the_hidden_units_chart_counts_units_as_the_readout_does(open_page):
    """On a ReLU network the units chart's words count the dead units the readout counts."""
    at = _step(open_page({"preset": "relu", "epochs": "40"}), 2)
    dead = _metric(at, "Dead units").split(" of ")[0]
    words = _numbers(at, "units")
    assert "10 units: " in words and f", {dead} dead, " in words
    assert words.count("unit ") >= 10  # each of the 10 units named, with its outputs


def test_fit_numbers_read_the_networks_curve_at_each_points_x():
    """A curve y = 2x + 1 over the grid predicts 1 at x = 0 and 3 at x = 1."""
    grid = np.linspace(-1, 2, 31)
    words = fit_numbers(np.array([0.0, 1.0]), np.array([1.5, 2.5]), grid, 2 * grid + 1,
                        Line(0.5, 1.0))
    assert "x 0: y 1.5, network 1;" in words and "x 1: y 2.5, network 3." in words
    assert words.endswith("Least-squares line y = 0.5000x + 1.0000.")


def test_grad_norm_numbers_name_the_latest_largest_and_smallest():
    """Norms 0.5, 2, 0.001 at epochs 1-3: latest 1e-3, largest 2 at 1... at epoch 2."""
    words = grad_norm_numbers(np.array([1, 2, 3]), np.array([0.5, 2.0, 0.001]))
    assert words == ("Gradient norm at epoch 3: 1.000e-03; largest 2.000e+00 at epoch 2, "
                     "smallest 1.000e-03 at epoch 3.")


def test_units_numbers_list_each_units_state_and_output_at_the_points():
    """Two units, one dead: each named with its state and its outputs at the points' x."""
    grid = np.linspace(-1, 1, 5)
    units = Units("relu", grid, np.vstack([np.maximum(grid, 0), np.zeros(5)]), np.zeros((2, 2)),
                  np.array([False, True]), np.zeros(2, dtype=bool))
    words = units_numbers(units, ["active", "dead"], np.array([0.5, -1.0]))
    assert words == ("2 units: 1 active, 1 dead, 0 saturated. Outputs at the points' x "
                     "(-1, 0.5): unit 1 (active): 0, 0.5; unit 2 (dead): 0, 0.")


def test_the_fits_words_give_the_networks_exact_prediction_at_each_point():
    """A ReLU network's curve bends between grid samples; the grid holds the points' own x, so
    the words read its prediction there exactly: as the trainer predicts at the points alone."""
    from components.figures.charts import prediction_grid
    from models.analysis.floors import least_squares_line
    from models.engine.trainer import trainer_for
    from models.experiment import Experiment, Network, Points

    points = Points((-1.0, 0.013, 0.5, 1.0), (0.2, -0.3, 0.4, 0.1))
    trainer = trainer_for(Experiment(points=points, network=Network(activation="relu", width=4),
                                     seed=3))
    xs, ys = np.asarray(points.xs), np.asarray(points.ys)
    grid = prediction_grid(xs)
    assert set(xs) <= set(grid) and np.all(np.diff(grid) > 0)
    words = fit_numbers(xs, ys, grid, trainer.predict(grid)[0], least_squares_line(points))
    for x, y, exact in zip(xs, ys, trainer.predict(xs)[0], strict=True):
        assert f"x {x:.4g}: y {y:.4g}, network {exact:.4g}" in words
