"""Presets reach the controls both ways: through a `preset=` link and through their buttons."""

from __future__ import annotations

import pytest

from models.question.presets import PRESETS

# The controls' session-state keys (components/state.py) and the Experiment value each holds.
CONTROLS = {
    "depth": lambda e: e.network.depth, "width": lambda e: e.network.width,
    "act": lambda e: e.network.activation, "init": lambda e: e.network.init,
    "opt": lambda e: e.training.optimizer, "lr": lambda e: e.training.lr,
    "epochs": lambda e: e.training.epochs, "batch": lambda e: e.training.batch,
    "seed": lambda e: e.seed, "seeds": lambda e: e.seeds,
}


def controls_of(at) -> dict:
    """Returns what the controls hold, by key."""
    return {key: at.session_state[key] for key in CONTROLS}


def expected_controls(name: str) -> dict:
    """Returns what the controls should hold once preset `name` is loaded."""
    experiment = PRESETS[name].experiment
    return {key: value(experiment) for key, value in CONTROLS.items()}


@pytest.mark.parametrize("name", PRESETS)
def test_preset_link_opens_without_exception(open_page, name):
    """A `preset=<name>` link opens the page without an exception or a warning."""
    at = open_page({"preset": name})
    assert not at.exception
    assert not at.warning


@pytest.mark.parametrize("name", PRESETS)
def test_preset_link_sets_the_controls(open_page, name):
    """A `preset=<name>` link puts the preset's settings and points into the controls."""
    at = open_page({"preset": name})
    assert controls_of(at) == expected_controls(name)
    assert at.session_state["points"] == PRESETS[name].experiment.points


@pytest.mark.parametrize("name", PRESETS)
def test_preset_button_loads_it(open_page, name):
    """Clicking a preset's button after changing the controls loads the preset again."""
    at = open_page()
    at.slider(key="depth").set_value(3).run()
    at.number_input(key="seed").set_value(7).run()
    at.button(key=f"preset_{name}").click().run()
    assert not at.exception
    assert controls_of(at) == expected_controls(name)
    assert at.session_state["run"].experiment == PRESETS[name].experiment


@pytest.mark.parametrize("name", PRESETS)
def test_preset_shows_its_note(open_page, name):
    """A loaded preset shows its note beside the points."""
    at = open_page({"preset": name})
    assert [info.value for info in at.info] == [PRESETS[name].why]


def test_a_preset_keeps_the_speed_the_student_chose(open_page):
    """A preset is about what is trained: after its button the Speed control holds the speed
    chosen before (a number, and max), and the run plays at it."""
    from models.run.pace import MAX

    at = open_page({"speed": "250"})
    at.button(key="preset_relu").click().run()
    assert at.selectbox(key="speed").value == 250.0
    assert at.session_state["run"].experiment.training.speed == 250.0
    at.selectbox(key="speed").set_value(MAX).run()
    at.button(key="preset_saddle").click().run()
    assert not at.exception and at.selectbox(key="speed").value == MAX
    assert controls_of(at) == expected_controls("saddle")
