"""The question's share link in a real browser: autoplay to the end, loss on its floor."""

from __future__ import annotations

import pytest

from tests.browser.dom import readouts, screenshot, wait_finished

pytestmark = pytest.mark.browser


def test_question_link_plays_to_its_floor(new_page):
    """`/?preset=question&play=1` plays 10,000 epochs and ends with Loss within 0.1% of Floor."""
    page = new_page("/?preset=question&play=1")
    wait_finished(page, 10_000)
    shown = readouts(page)
    screenshot(page, "question")
    assert abs(shown["Loss"] - shown["Floor"]) <= 1e-3 * shown["Floor"]
    assert page.locator('[data-testid="stException"]').count() == 0


def test_hostile_link_warns_and_still_plays(new_page):
    """A link with code, an infinite rate and bad points warns, and Play still finishes."""
    page = new_page("/?act=__import__('os')&lr=1e999&x=1,2,3&y=nan")
    page.get_by_text("not used").first.wait_for()
    assert page.locator('[data-testid="stAlert"]').count() >= 1
    page.get_by_text("Ready · 0/10000 epochs", exact=True).wait_for()
    page.locator(".st-key-play button").first.click()
    wait_finished(page, 10_000)
    screenshot(page, "hostile")
    assert page.locator('[data-testid="stException"]').count() == 0
