"""The diagnosis on the page: labels, lower-bound readouts, the hidden units and the search."""

from __future__ import annotations

from models.analysis.diagnosis import DEAD, LABELS, SATURATED, TOO_FEW
from tests.app.reading import readouts
from tests.models.analysis.test_diagnosis import LINKS


def _played(open_page, label: str):
    query = dict(p.split("=") for p in LINKS[label].split("&"))
    at = open_page(query)
    return at.button(key="play").click().run()


def _story(at) -> str:
    """Returns the sentence under the status line: the markdown that begins with a label."""
    return next(m.value for m in at.markdown
                if any(m.value.startswith(f"**{label}**") for label in LABELS))


def test_too_few_units_reads_a_lower_bound_floor_and_names_its_label(open_page):
    """One relu unit on 8 points: Floor ≥ 0.000e+00, Gap "at least", the bold label first."""
    at = _played(open_page, TOO_FEW)
    assert not at.exception
    shown = readouts(at)
    assert shown["Floor"] == "≥ 0.000e+00" and shown["Gap"].startswith("≥ ")
    assert next(m for m in at.metric if m.label == "Gap").delta == "at least"
    assert _story(at).startswith(f"**{TOO_FEW}**")
    assert any("7 would be enough" in c.value for c in at.caption)


def test_dead_and_saturated_units_are_read_out_as_k_of_w(open_page):
    """Dead units `5 of 5` for the dead relu link, Saturated units `10 of 10` for the tanh one."""
    dead = _played(open_page, DEAD)
    assert readouts(dead)["Dead units"] == "5 of 5" and _story(dead).startswith(f"**{DEAD}**")
    saturated = _played(open_page, SATURATED)
    assert readouts(saturated)["Saturated units"] == "10 of 10"
    assert _story(saturated).startswith(f"**{SATURATED}**")


def test_an_exact_floor_never_reads_as_a_bound_and_every_story_has_one_label(open_page):
    """The question's floor has no ≥; its story begins with exactly one of the labels."""
    at = open_page({"preset": "question", "epochs": "300"})
    at = at.button(key="play").click().run()
    assert not readouts(at)["Floor"].startswith("≥")
    stories = [m.value for m in at.markdown if any(m.value.startswith(f"**{label}**")
                                                    for label in LABELS)]
    assert len(stories) == 1


def test_search_button_draws_the_best_of_64_starts_as_an_estimate(open_page, chart_of):
    """After Search 64 starts the loss chart has a dotted "best of 64 starts" line, called an
    estimate, never the floor."""
    at = _played(open_page, TOO_FEW)
    at = at.button(key="search_starts").click().run()
    assert not at.exception
    assert any("Best of 64 starts" in c.value and "not its floor" in c.value for c in at.caption)
    names = [t.get("name", "") for t in chart_of(at, "loss")["data"]]
    best = [n for n in names if n.startswith("best of 64 starts")]
    assert best and "estimate" in best[0] and "floor" not in best[0]
