"""The curvature on the page: Sharpness beside its threshold, Flat and Downhill directions as
"k of P", the new labels, and the largest stable learning rate before Play."""

from __future__ import annotations

from models.analysis.diagnosis import LABELS, LOCAL, TOO_LARGE
from tests.app.reading import readouts


def _played(open_page, query: str):
    at = open_page(dict(p.split("=") for p in query.split("&")))
    return at.button(key="play").click().run()


def _story(at) -> str:
    return next(m.value for m in at.markdown
                if any(m.value.startswith(f"**{label}**") for label in LABELS))


def test_the_questions_floor_reads_29_of_31_flat_and_0_of_31_downhill(open_page):
    """The question played to its end: 29 of 31 flat, 0 of 31 downhill, Adam's sharpness
    beside 38/lr."""
    at = _played(open_page, "preset=question&speed=max")
    assert not at.exception
    shown = readouts(at)
    assert shown["Flat directions"] == "29 of 31" and shown["Downhill directions"] == "0 of 31"
    sharpness = next(m for m in at.metric if m.label == "Sharpness")
    assert sharpness.delta == "threshold 3.8e+06" and "(2+2·0.9)/((1−0.9)·lr)" in sharpness.help


def test_the_issues_step_too_large_is_named_on_the_page(open_page):
    """6 points, tanh 16, Adam at lr 0.2, 2,000 epochs: Learning rate too large."""
    at = _played(open_page, "x=-2,-1,0,1,2,3&y=0.5,-0.4,0.3,0.8,-0.6,0.1&depth=1&width=16"
                            "&act=tanh&opt=adam&lr=0.2&epochs=2000&speed=max")
    assert not at.exception and _story(at).startswith(f"**{TOO_LARGE}**")
    assert readouts(at)["Downhill directions"].endswith("of 49")


def test_a_relu_pair_stuck_as_a_line_reads_a_local_minimum(open_page):
    """Two relu units on the question's points, seed 20: A local minimum, 0 downhill."""
    at = _played(open_page, "x=-1,0,1&y=-0.2445248,0.1232554,0.1713998&depth=1&width=2"
                            "&act=relu&opt=sgd&lr=0.05&epochs=2000&seed=20&speed=max")
    assert _story(at).startswith(f"**{LOCAL}**") and readouts(at)["Downhill directions"] == "0 of 7"


def test_before_play_sgd_shows_its_largest_stable_rate_and_warns_above_it(open_page):
    """Linear regression on the question's points has sharpness 2: sgd is stable below 1; at
    lr 2 the page warns before Play."""
    at = open_page({"preset": "question", "depth": "0", "opt": "sgd", "lr": "2"})
    assert any("Largest stable lr at the start (seed 0): 2/λ_max = 1" in c.value
               for c in at.caption)
    assert any("is above 1" in w.value for w in at.warning)
    calm = open_page({"preset": "question", "depth": "0", "opt": "sgd", "lr": "0.5"})
    assert not any("is above" in w.value for w in calm.warning)
