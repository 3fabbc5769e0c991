"""Two students on two links, in one server process: each sees only their own experiment."""

from __future__ import annotations

from models.question.presets import PRESETS
from tests.app.reading import least_squares_mse, readouts, status


def test_two_sessions_keep_their_own_points_floor_and_history(open_page):
    """Two pages opened on different presets and played in turn each keep their own run."""
    two = open_page({"preset": "two_points", "epochs": "500"})
    question = open_page({"preset": "question", "epochs": "300"})
    two.button(key="play").click().run()
    question.button(key="play").click().run()
    two.run()  # a rerun after the other session trained changes nothing here
    assert not two.exception and not question.exception

    assert two.session_state["points"] == PRESETS["two_points"].experiment.points
    assert question.session_state["points"] == PRESETS["question"].experiment.points
    assert readouts(two)["Floor"] == "0.000e+00"
    question_points = PRESETS["question"].experiment.points
    assert readouts(question)["Floor"] == f"{least_squares_mse(question_points.xs, question_points.ys):.3e}"
    assert status(two) == "Finished · epoch 500/500"
    assert status(question) == "Finished · epoch 300/300"
    assert two.session_state["run"].history.count == 500
    assert question.session_state["run"].history.count == 300


def test_a_control_change_stays_in_its_session(open_page):
    """Changing depth in one page leaves the other page's controls and link as they were."""
    first, second = open_page(), open_page()
    first.slider(key="depth").set_value(5).run()
    second.run()
    assert first.session_state["depth"] == 5
    assert second.session_state["depth"] == 1
    assert second.query_params["depth"] == "1"
