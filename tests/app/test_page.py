"""The page in AppTest: opening, the player's buttons, the readouts and the points table."""

from __future__ import annotations

import re

from models.experiment import QUESTION_XS, QUESTION_YS
from tests.app.reading import SCI, least_squares_mse, readouts, status


def played(open_page, epochs: int | None = None, query=None):
    """Returns the page after Play ran to the end (with `epochs` set first, if given)."""
    at = open_page(query)
    if epochs is not None:
        at.number_input(key="epochs").set_value(epochs).run()
    return at.button(key="play").click().run()


def stepped(at, times: int = 1):
    """Returns the page after pressing Step `times` times."""
    for _ in range(times):
        at.button(key="step").click().run()
    return at


def test_plain_open_runs_without_exception(open_page):
    """A plain open, no link, runs the page without an exception."""
    at = open_page()
    assert not at.exception


def test_plain_open_is_ready_at_epoch_zero(open_page):
    """A plain open waits for Play: status Ready at epoch 0 and no loss yet."""
    at = open_page()
    assert status(at) == "Ready · 0/10000 epochs"
    assert readouts(at)["Loss"] == "—"


def test_play_runs_to_the_last_epoch(open_page):
    """Play on a 200-epoch run ends with the status `Finished · epoch 200/200`."""
    at = played(open_page, epochs=200)
    assert not at.exception
    assert status(at) == "Finished · epoch 200/200"


def test_readouts_are_loss_floor_gap_with_four_digits(open_page):
    """After Play the first readouts are Loss, Floor and Gap, each with 4 significant digits."""
    at = played(open_page, epochs=200)
    first = at.metric[:3]  # the explanation below the charts adds readouts of its own
    assert [m.label for m in first] == ["Loss", "Floor", "Gap"]
    for metric in first:
        assert re.fullmatch(SCI, metric.value), f"{metric.label} shows {metric.value!r}"


def test_floor_is_the_least_squares_mse(open_page):
    """The Floor readout of the linear question is the least-squares line's MSE (numpy)."""
    at = open_page({"preset": "question"})
    assert float(readouts(at)["Floor"]) == float(f"{least_squares_mse(QUESTION_XS, QUESTION_YS):.3e}")


def test_question_ends_on_its_floor(open_page):
    """The question, played for its 10,000 epochs, ends with Loss within 0.1% of Floor."""
    at = played(open_page, query={"preset": "question"})
    assert not at.exception
    assert status(at) == "Finished · epoch 10000/10000"
    loss, floor = float(readouts(at)["Loss"]), float(readouts(at)["Floor"])
    assert abs(loss - floor) <= 1e-3 * floor


def test_step_trains_one_epoch(open_page):
    """Step trains exactly one epoch and pauses there."""
    at = stepped(open_page())
    assert not at.exception
    assert at.session_state["run"].epoch == 1
    assert at.session_state["run"].history.count == 1
    assert status(at) == "Paused · epoch 1/10000"


def test_reset_returns_to_epoch_zero(open_page):
    """Reset after a few Steps starts again at epoch 0."""
    at = stepped(open_page(), times=3)
    at.button(key="reset").click().run()
    assert not at.exception
    assert at.session_state["run"].epoch == 0
    assert status(at) == "Ready · 0/10000 epochs"


def test_learning_rate_change_keeps_the_run_and_marks_it(open_page):
    """A new learning rate between two Steps continues the same run and marks the change."""
    at = stepped(open_page())
    run = at.session_state["run"]
    at.select_slider(key="lr").set_value(1e-4).run()
    stepped(at)
    assert not at.exception
    assert at.session_state["run"] is run
    assert run.epoch == 2
    assert run.history.events == [(1, "lr=0.0001")]


def test_seed_change_starts_a_new_run(open_page):
    """A new seed after a Step starts a fresh run at epoch 0."""
    at = stepped(open_page())
    run = at.session_state["run"]
    at.number_input(key="seed").set_value(1).run()
    assert not at.exception
    assert at.session_state["run"] is not run
    assert at.session_state["run"].epoch == 0


def _edit_points(at, edits: dict):
    """Returns the page after the points table received `edits` (the data editor's edit state)."""
    # AppTest has no setter for st.data_editor: its keyed edit state is the way in.
    key = f"points_{at.session_state['points_version']}"
    at.session_state[key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [], **edits}
    return at.run()


def test_empty_cell_shows_an_error_naming_it(open_page):
    """An emptied cell shows an error that names its row and column."""
    at = _edit_points(open_page(), {"edited_rows": {0: {"x": None}}})
    assert not at.exception
    assert len(at.error) == 1
    assert "Row 1, x is empty" in at.error[0].value


def test_bad_table_waits_for_valid_points(open_page):
    """With a bad cell the status says `Waiting for valid points` and Play and Step are off."""
    at = _edit_points(open_page(), {"edited_rows": {1: {"y": None}}})
    assert status(at).startswith("Waiting for valid points")
    assert at.button(key="play").disabled
    assert at.button(key="step").disabled


def test_too_few_rows_shows_an_error(open_page):
    """A table cut to one row says at least two points are needed."""
    at = _edit_points(open_page(), {"deleted_rows": [0, 1]})
    assert not at.exception
    assert "add at least 2 points" in at.error[0].value
    assert status(at).startswith("Waiting for valid points")


def test_added_row_trains_on_the_new_points(open_page):
    """A valid added row becomes part of the run's points."""
    at = _edit_points(open_page(), {"added_rows": [{"x": 2.0, "y": 0.5}]})
    assert not at.exception
    assert not at.error
    points = at.session_state["run"].experiment.points
    assert points.xs == (*QUESTION_XS, 2.0)
    assert points.ys == (*QUESTION_YS, 0.5)
