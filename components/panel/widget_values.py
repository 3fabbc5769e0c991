"""Widget values parsed at the edge, before the controls are drawn: what a browser (or a crafted
client) sent for each setting goes through the share link's table and bounds
(models/edges/widgets.py); a value that cannot be used is replaced, with a warning for the page."""

from __future__ import annotations

import streamlit as st

from components import state as S
from components.streamlit_internals import (
    REJECTED,
    SENT,
    browser_connected,
    coalesce_loop_calls,
    guard_widget_states,
    read_config_without_lock,
)
from models.edges.widgets import SETTING_KEYS, read_widget_values
from models.experiment import AUTO, Speed
from models.run.pace import MAX, RUN_SECONDS

# Every control's label, by widget key (the link's parameter names): one row per setting.
LABELS = {S.DEPTH: "Hidden layers", S.WIDTH: "Units per hidden layer", S.ACT: "Activation",
          S.INIT: "Framework defaults", S.BIAS: "Biases", S.SCALE: "Initial weight scale",
          S.OPT: "Optimizer", S.LR: "Learning rate", S.EPOCHS: "Epochs", S.BATCH: "Batch size",
          S.SEED: "Seed", S.SEEDS: "Seeds trained together", S.SPEED: "Speed"}
MAX_WARNINGS = 8
# Once per process, when the panel is first imported: from then on every session's incoming
# widget states pass the guard, which keeps what was sent for repair_widget_values to read.
guard_widget_states()


def speed_label(speed: Speed) -> str:
    """Returns how the Speed control names a speed: its label, never read back (a label the
    browser sends is turned into its option by Streamlit's own select box, in the guard)."""
    if speed is AUTO:
        return f"auto: the run in about {RUN_SECONDS:g} s"
    if speed == MAX:
        return "max: as fast as it trains"
    return f"{int(speed) if float(speed).is_integer() else speed:,} epochs a second"


def _one(value: object) -> object:
    # Sliders and segmented controls send their value as a list of one.
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def repair_widget_values() -> None:
    """Puts a usable value into every setting's widget state before the widgets are drawn,
    parsed from what the browser sent as a link value is (models/edges/widgets.py), and keeps a
    warning for each value replaced and each widget state Streamlit could not read. Call it
    once a script run, before any setting's widget is drawn."""
    if browser_connected():  # not under AppTest, which swaps options of its own in and out
        read_config_without_lock()  # once per process: a class's threads queued on its lock
        coalesce_loop_calls()  # once per process: one wake-up of the event loop a batch
    sent = st.session_state.pop(SENT, None)
    rejected = st.session_state.pop(REJECTED, [])
    readings = {key: st.session_state[key] for key in SETTING_KEYS if key in st.session_state}
    clean, warnings = read_widget_values(
        readings, {key: _one(value) for key, value in (sent or {}).items()},
        last=st.session_state.get(S.LAST_SETTINGS, {}), labels=LABELS)
    for key, value in clean.items():
        if key not in st.session_state or st.session_state[key] != value:
            st.session_state[key] = value
    st.session_state[S.LAST_SETTINGS] = clean
    warnings += [f"`{key}`: {why}; kept its previous value."
                 for key, why in rejected if key not in SETTING_KEYS]
    if sent is not None or warnings:  # a new message from the browser: its own warnings
        more = len(warnings) - MAX_WARNINGS
        st.session_state[S.WIDGET_WARNINGS] = warnings[:MAX_WARNINGS] + (
            [f"… and {more} more."] if more > 0 else [])

