"""Preset buttons: one click loads a whole experiment into the controls and the table."""

from __future__ import annotations

import streamlit as st

from components import state as S
from models.question.presets import PRESETS


def _apply(name: str) -> None:
    # A callback runs before the widgets are drawn, so it may set their state. The speed stays
    # as the student (or the lecture link) set it: a preset is about what is trained.
    experiment = PRESETS[name].experiment
    S.load_experiment(experiment.with_(speed=st.session_state.get(S.SPEED,
                                                                  experiment.training.speed)))
    st.session_state[S.PLAYING] = False


def render_presets() -> None:
    """Draws one button per preset."""
    st.subheader("Presets")
    for name, preset in PRESETS.items():
        st.button(preset.title, key=f"preset_{name}", on_click=_apply, args=(name,),
                  width="stretch")


def preset_note(experiment) -> str | None:
    """Returns the 'why' note of the preset this experiment is (at any speed), if it is one."""
    for preset in PRESETS.values():
        if preset.experiment == experiment.with_(speed=preset.experiment.training.speed):
            return preset.why
    return None
