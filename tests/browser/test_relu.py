"""A ReLU between the layers in a real browser: the network bends and the loss falls to ~0."""

from __future__ import annotations

import pytest

from tests.browser.dom import readouts, screenshot, wait_finished

pytestmark = pytest.mark.browser


def test_relu_link_fits_the_points(new_page):
    """`act=relu&lr=0.01&epochs=3000` on the question plays to a loss below 1e-4."""
    page = new_page("/?preset=question&act=relu&lr=0.01&epochs=3000&play=1")
    wait_finished(page, 3_000)
    shown = readouts(page)
    screenshot(page, "relu")
    assert shown["Loss"] < 1e-4
