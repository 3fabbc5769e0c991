"""The share link: malformed parameters are named in a warning, and the link follows the controls."""

from __future__ import annotations

import re

import pytest

# (query, text the warning must contain: the parameter named as the page writes it)
MALFORMED = [
    ({"lr": "abc"}, "`lr=abc`"),
    ({"depth": "99"}, "`depth=99`"),
    ({"act": "__import__('os')"}, "`act=__import__('os')`"),
    ({"x": "1,2", "y": "1"}, "`x` has 2 values and `y` has 1"),
    ({"x": "nan,1", "y": "1,2"}, "`x=nan,1`"),
    ({"unknown": "1"}, "`unknown`"),
    ({"lr": ["1e-3", "1e-2"]}, "`lr` was given 2 times"),
    ({"preset": "nope"}, "`preset=nope`"),
    ({"epochs": "1e999"}, "`epochs=1e999`"),
    ({"seeds": "2.5"}, "`seeds=2.5`"),
]
IDS = ["lr-text", "depth-high", "act-code", "x-y-lengths", "x-nan", "unknown", "repeated",
       "preset-unknown", "epochs-infinite", "seeds-fraction"]


@pytest.mark.parametrize(("query", "named"), MALFORMED, ids=IDS)
def test_malformed_parameter_is_named_in_a_warning(open_page, query, named):
    """A malformed parameter gives one warning naming it, and the page runs without exception."""
    at = open_page(query)
    assert not at.exception
    assert len(at.warning) == 1
    assert named in at.warning[0].value


def test_code_in_a_link_is_never_run(open_page):
    """An activation written as Python code falls back to `linear`."""
    at = open_page({"act": "__import__('os')"})
    assert at.session_state["act"] == "linear"


def test_out_of_range_depth_is_clamped(open_page):
    """depth=99 is clamped to the largest allowed depth, 8."""
    at = open_page({"depth": "99"})
    assert at.session_state["depth"] == 8


def test_mismatched_points_fall_back_to_the_question(open_page):
    """x and y of different lengths fall back to the question's points."""
    at = open_page({"x": "1,2", "y": "1"})
    assert at.session_state["points"].xs == (-1.0, 0.0, 1.0)


def test_valid_link_gives_no_warning(open_page):
    """A link whose every value is valid shows no warning."""
    at = open_page({"depth": "2", "act": "tanh", "lr": "0.001", "x": "0,1,2", "y": "1,2,4"})
    assert not at.exception
    assert not at.warning
    assert at.session_state["points"].ys == (1.0, 2.0, 4.0)


def test_link_follows_depth(open_page):
    """After depth is changed to 3 the page's link says depth=3."""
    at = open_page()
    at.slider(key="depth").set_value(3).run()
    assert not at.exception
    assert at.query_params["depth"] == "3"


def test_link_follows_learning_rate(open_page):
    """After the learning rate is changed to 1e-3 the page's link says lr=0.001."""
    at = open_page()
    at.select_slider(key="lr").set_value(1e-3).run()
    assert at.query_params["lr"] == "0.001"


def test_link_spells_out_the_preset(open_page):
    """A `preset=relu` link is rewritten to every setting of the preset, with no `preset=`."""
    at = open_page({"preset": "relu"})
    assert at.query_params["act"] == "relu"
    assert at.query_params["epochs"] == "3000"
    assert "preset" not in at.query_params


def test_link_keeps_play(open_page):
    """A link that asked to play keeps `play=1`, so copying it autoplays too."""
    at = open_page({"play": "1", "epochs": "50"})
    assert at.query_params["play"] == "1"


def outside_code(markdown: str) -> str:
    """Returns markdown with its `code spans` removed: the text Markdown would format."""
    return re.sub(r"`[^`]*`", "", markdown)


MARKDOWN_IN_VALUES = {
    "act": "[log in](https://example.com)",
    "lr": "**big**",
    "init": "__import__('os')",
}

@pytest.mark.parametrize(("key", "value"), MARKDOWN_IN_VALUES.items(), ids=MARKDOWN_IN_VALUES)
def test_values_in_warnings_are_shown_as_code(open_page, key, value):
    """A malformed value appears in its warning only inside code spans, never as Markdown."""
    at = open_page({key: value})
    assert value not in outside_code(at.warning[0].value)


def test_a_long_value_is_shortened_in_its_warning(open_page):
    """A 1,500-character value gives a warning of a few lines, not the whole value."""
    at = open_page({"act": "a" * 1500})
    assert len(at.warning[0].value) < 400


def test_learning_rate_choices_read_as_short_numbers(open_page):
    """Every learning rate on the slider is written as its short form (5e-06, 0.0001)."""
    at = open_page()
    for option in at.select_slider(key="lr").options:
        assert option == f"{float(option):g}"
