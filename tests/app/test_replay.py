"""The Speed control and the Replay epoch slider on the page (AppTest).

A session without a browser plays as fast as it trains (nobody watches it), so these tests see
the control and the replay, not the pace: tests/app/test_pace.py checks the pace on a fake
clock.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest

from components.figures.charts import fit_figure, prediction_grid
from models.analysis.floors import floors
from models.engine.trainer import Trainer, trainer_for
from models.question.presets import PRESETS
from models.run.pace import AUTO, MAX
from models.run.run import Run
from tests.app.reading import readouts, status

QUESTION = PRESETS["question"].experiment
FINISHED = {"preset": "question", "epochs": "600", "lr": "1e-2", "play": "1"}


def values(array) -> np.ndarray:
    """Returns a trace's array as sent: plain, or Plotly's typed binary {"dtype", "bdata"}."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array, dtype=np.float64)


def test_the_speed_control_shows_the_links_speed_and_sets_the_runs(open_page):
    """speed=250 is a choice of the Speed control (beside 10 ... 100,000, auto and max) and
    the run's speed; choosing max changes the speed, not the run."""
    at = open_page({"preset": "question", "speed": "250"})
    speed = at.selectbox(key="speed")
    assert speed.label == "Speed" and speed.value == 250.0
    assert speed.options[0].startswith("auto") and speed.options[-1].startswith("max")
    assert "250 epochs a second" in speed.options
    run = at.session_state["run"]
    assert run.experiment.training.speed == 250.0
    speed.set_value(MAX).run()
    assert at.session_state["run"] is run and run.experiment.training.speed == float("inf")


def test_changing_the_speed_mid_run_keeps_the_run(open_page):
    """Three Steps, then another speed: the same run at the same epoch, nothing restarted."""
    at = open_page({"preset": "question"})
    for _ in range(3):
        at.button(key="step").click().run()
    run = at.session_state["run"]
    assert at.slider(key="replay_epoch").max == 3  # laid out after the last Step
    at.selectbox(key="speed").set_value(10.0).run()
    assert not at.exception
    assert at.session_state["run"] is run and run.epoch == 3
    assert status(at) == "Paused · epoch 3/10000"


def test_a_lecture_link_can_hide_the_speed_and_keep_its_value(open_page):
    """hide=speed removes the control; the link's speed still applies."""
    at = open_page({"preset": "question", "speed": "100", "hide": "speed"})
    assert not at.exception and not at.warning
    assert not [s for s in at.selectbox if s.label == "Speed"]
    assert at.session_state["run"].experiment.training.speed == 100.0


def test_a_malformed_speed_is_replaced_with_a_warning(open_page):
    """speed=fast warns, naming the parameter and the default used instead."""
    at = open_page({"speed": "fast"})
    (warning,) = at.warning
    assert "`speed=fast`" in warning.value and "used auto" in warning.value
    assert at.selectbox(key="speed").value is AUTO


def test_after_a_run_the_replay_slider_at_its_start_shows_the_starting_line(open_page,
                                                                           monkeypatch):
    """A finished run gets a Replay epoch slider at its last epoch; at 0 the Effective slope
    and intercept are the starting weights' (a fresh trainer's), and nothing is trained."""
    at = open_page(FINISHED)
    assert status(at) == "Finished · epoch 600/600"
    slider = at.slider(key="replay_epoch")
    assert slider.label == "Replay epoch" and slider.value == 600 and slider.max == 600
    run = at.session_state["run"]
    losses = run.history.loss.copy()
    trained = []
    monkeypatch.setattr(Trainer, "run", lambda self, n: trained.append(n))
    slider.set_value(0).run()
    assert not at.exception and not trained
    slopes, intercepts = trainer_for(run.experiment).effective_line()
    shown = readouts(at)
    assert shown["Effective slope"] == f"{float(np.median(slopes)):.4f}"
    assert shown["Effective intercept"] == f"{float(np.median(intercepts)):.4f}"
    assert shown["Loss"] == "—"
    assert any("epoch **0**" in c.value for c in at.caption)
    assert at.session_state["run"] is run and run.epoch == 600
    np.testing.assert_array_equal(run.history.loss, losses)


@pytest.mark.parametrize("chosen", [37, 450])
def test_a_replayed_epoch_shows_what_a_run_paused_there_shows(open_page, chart_of, chosen):
    """The replay shows the nearest kept epoch at or before the chosen one, and says which;
    its readouts and fit curve are a fresh run's paused at that epoch."""
    at = open_page(FINISHED)
    run = at.session_state["run"]
    at.slider(key="replay_epoch").set_value(chosen).run()
    kept = run.snapshots.at(chosen).epoch
    assert kept <= chosen
    assert any(f"epoch **{kept:,}**" in c.value for c in at.caption)
    fresh = Run(run.experiment)
    fresh.advance(kept)
    slopes, _ = fresh.trainer.effective_line()
    floor = floors(QUESTION.points, QUESTION.network)
    shown = readouts(at)
    assert shown["Effective slope"] == f"{float(np.median(slopes)):.4f}"
    assert shown["Loss"] == f"{fresh.history.loss[-1]:.3e}"
    xs = np.asarray(QUESTION.points.xs)
    grid = prediction_grid(xs)
    expected = fit_figure(xs, np.asarray(QUESTION.points.ys), grid, fresh.trainer.predict(grid),
                          floor)
    curve = chart_of(at, "fit")["data"][0]
    np.testing.assert_allclose(values(curve["y"]), expected.data[0].y, atol=1e-12)
    now = next(t for t in chart_of(at, "landscape")["data"] if t.get("name") == "now")
    np.testing.assert_allclose(values(now["x"]), slopes[:1], rtol=1e-12)
    assert any(m.value.startswith(f"At the run's latest epoch, {run.epoch:,}:")
               for m in at.markdown)
    loss_chart = chart_of(at, "loss")
    assert any(s.get("x0") == kept for s in loss_chart["layout"]["shapes"])
    assert any(a.get("text") == f"replay: epoch {kept:,}"
               for a in loss_chart["layout"]["annotations"])

