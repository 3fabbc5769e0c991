"""Two students at once in two browser contexts: each page shows its own experiment."""

from __future__ import annotations

import pytest

from models.question.presets import PRESETS
from tests.app.reading import least_squares_mse
from tests.browser.dom import readouts, wait_finished

pytestmark = pytest.mark.browser


def test_two_links_at_once_show_their_own_floor(new_page):
    """Two pages playing different links at the same time each end on their own floor."""
    two = new_page("/?preset=two_points&epochs=500&play=1")
    question = new_page("/?preset=question&epochs=500&play=1")
    wait_finished(two, 500)
    wait_finished(question, 500)
    points = PRESETS["question"].experiment.points
    assert readouts(two)["Floor"] == 0.0
    assert readouts(question)["Floor"] == pytest.approx(least_squares_mse(points.xs, points.ys),
                                                       rel=1e-3)
