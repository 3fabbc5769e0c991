"""The question's printed log on the page: markers on the question preset's loss chart, and on
its own preset a verdict computed from the two learning rates' runs."""

from __future__ import annotations

import base64

import numpy as np

from models.question.printed_log import printed_log


def _values(array) -> np.ndarray:
    """Returns a plotly array as numbers (it sends arrays as typed binary: dtype + base64)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


def test_question_preset_draws_the_printed_log_as_markers(open_page, chart_of):
    """The question preset's loss chart has a "the question's log" marker trace holding the
    shipped log's epochs and losses."""
    at = open_page({"preset": "question"})
    assert not at.exception
    trace = next(t for t in chart_of(at, "loss")["data"] if t.get("name") == "the question's log")
    log = printed_log()
    assert trace["mode"] == "markers"
    assert list(_values(trace["x"])) == list(log.epochs)
    assert np.array_equal(_values(trace["y"]), log.losses)
    # seed 0 does not start like the student: the page says so instead of judging the rates
    assert any("The question's own log" in c.value for c in at.caption)


def test_log_preset_says_which_learning_rate_the_log_came_from(open_page, chart_of):
    """The "The question's own log" preset shows the verdict naming lr 0.0001 and draws that
    rate's run from the same start beside the markers."""
    at = open_page({"preset": "question_log"})
    assert not at.exception
    assert any(m.value.startswith("From this start, **lr 0.0001 reproduces the printed log**")
               for m in at.markdown)
    names = [t.get("name") for t in chart_of(at, "loss")["data"]]
    assert "the question's log" in names and "lr 0.0001 from this start" in names


def test_another_model_has_no_log(open_page, chart_of):
    """The ReLU preset is not the student's model: no markers, no verdict."""
    at = open_page({"preset": "relu"})
    names = [t.get("name") for t in chart_of(at, "loss")["data"]]
    assert "the question's log" not in names
    assert not any(m.value.startswith("From this start") for m in at.markdown)


def test_the_log_is_drawn_only_for_the_students_network():
    """The printed log belongs to Dense layers with biases at Keras's scale: the saddle preset
    (the question's points, no biases, a thousand times smaller start) gets no markers."""
    from models.question.presets import PRESETS
    from models.question.printed_log import is_students_model

    assert is_students_model(PRESETS["question"].experiment)
    assert not is_students_model(PRESETS["saddle"].experiment)
    assert not is_students_model(PRESETS["question"].experiment.with_(bias=False))
