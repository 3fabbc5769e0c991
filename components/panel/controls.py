"""The settings panel: network and training widgets in, an Experiment's parts out."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components import state as S
from components.panel.widget_values import LABELS, speed_label
from models import experiment as ex
from models.analysis.stability import THRESHOLDS, stable_lr_before_play
from models.edges.query import INITS
from models.engine.activations import ACTIVATIONS
from models.engine.optimizers import OPTIMIZERS
from models.numbers import number_text
from models.run.pace import AUTO, MAX, RUN_SECONDS, SLOWEST_AUTO, SPEED_STOPS


# Learning rates and init scales on a log scale: 1, 2, 5 per decade.
def _log_grid(bounds: tuple[float, float]) -> list[float]:
    """Returns 1, 2 and 5 times each power of ten within bounds, each the float of its short
    text (5 * 10.0**-6 would be 4.9999999999999996e-06 on the slider and in the link)."""
    low, high = bounds
    values = (float(f"{m}e{e}") for e in range(-8, 3) for m in (1, 2, 5))
    return [v for v in values if low <= v <= high]


LR_GRID = _log_grid(ex.LR_RANGE)
SCALE_GRID = _log_grid(ex.INIT_SCALE_RANGE)


def _log_slider(label: str, grid: list[float], key: str, help: str) -> float:
    """Returns the chosen value of a slider over a log grid (which also holds the current value)."""
    options = sorted(set(grid) | {st.session_state[key]})
    return st.select_slider(label, options=options, key=key, format_func=number_text, help=help)


def _speed_control() -> ex.Speed:
    """Returns the chosen speed; the link's own number is among the choices."""
    numbers = list(SPEED_STOPS)
    current = st.session_state[S.SPEED]
    if current is not AUTO and current not in (*numbers, MAX):
        numbers = sorted([*numbers, current])
    return st.selectbox(
        LABELS[S.SPEED], [AUTO, *numbers, MAX], key=S.SPEED, format_func=speed_label,
        help=f"Epochs shown a second while playing. auto plays the whole run in about "
             f"{RUN_SECONDS:g} s (at least {SLOWEST_AUTO:g} epochs a second); max as fast as "
             "the server trains. It takes effect at once and never changes the run itself.")


def _shown(key: str, draw: Callable[[], object]) -> object:
    """Returns the widget's value, or the link's value when a lecture link hides the control."""
    if key in st.session_state.get(S.HIDDEN, ()):
        return st.session_state[key]
    return draw()


def _heading(title: str, keys: tuple[str, ...]) -> None:
    """Draws a section heading unless a lecture link hides every control under it."""
    if not set(keys) <= set(st.session_state.get(S.HIDDEN, ())):
        st.subheader(title)


def render_network_controls() -> ex.Network:
    """Returns the network the widgets (or a lecture link's fixed values) describe; the widget
    values must be repaired first (widget_values.repair_widget_values, called by app.py)."""
    _heading("Network", (S.DEPTH, S.WIDTH, S.ACT, S.INIT))
    depth = _shown(S.DEPTH, lambda: st.slider(
        LABELS[S.DEPTH], *ex.DEPTH_RANGE, key=S.DEPTH,
        help="0 is a single linear layer: linear regression."))
    width = _shown(S.WIDTH, lambda: st.slider(
        LABELS[S.WIDTH], *ex.WIDTH_RANGE, key=S.WIDTH, disabled=depth == 0))
    activation = _shown(S.ACT, lambda: st.selectbox(
        LABELS[S.ACT], list(ACTIVATIONS), key=S.ACT,
        help="Keras's Dense layer uses 'linear' (none) unless told otherwise."))
    if S.ACT not in st.session_state.get(S.HIDDEN, ()):
        st.caption(ACTIVATIONS[activation].description)
    init = _shown(S.INIT, lambda: st.segmented_control(
        LABELS[S.INIT], INITS, key=S.INIT, required=True,
        help="keras: Glorot-uniform weights, zero biases, Keras's Adam and RMSprop. "
             "torch: nn.Linear's init and torch.optim's Adam and RMSprop."))
    if st.session_state.get(S.HIDDEN):  # a lecture link keeps to the decisions it offers
        bias, scale = st.session_state[S.BIAS], st.session_state[S.SCALE]
    else:
        with st.expander("Advanced: biases and initial scale"):
            bias = st.toggle(LABELS[S.BIAS], key=S.BIAS)
            scale = _log_slider(LABELS[S.SCALE], SCALE_GRID, S.SCALE,
                                "Multiplies the initial weights; small starts sit on a saddle.")
    return ex.Network(depth=int(depth), width=int(width), activation=activation, init=init,
                      bias=bias, init_scale=scale)


def _stable_lr_note(network: ex.Network, optimizer: str, lr: float) -> None:
    """Shows, for sgd and momentum, the largest stable learning rate at the initial weights
    (the threshold solved for lr: models/analysis/stability.py), and a warning above it."""
    points = st.session_state.get(S.LAST_VALID_POINTS, st.session_state.get(S.POINTS))
    if points is None:
        return
    largest = stable_lr_before_play(network, points, int(st.session_state[S.SEED]), optimizer)
    if largest is None:
        return
    formula = THRESHOLDS[optimizer].formula.replace("/lr", "/λ_max")
    st.caption(f"Largest stable lr at the start (seed {st.session_state[S.SEED]}): "
               f"{formula} = {largest:.3g}")
    if lr > largest:
        st.warning(f"lr {number_text(lr)} is above {largest:.3g}: the first steps overshoot "
                   "along the sharpest direction, and the loss may climb or diverge.",
                   icon=":material/warning:")


def render_training_controls(network: ex.Network | None = None) -> tuple[ex.Training, int, int]:
    """Returns (training settings, seed, number of seeds) from the widgets or a lecture link;
    given the network, says beside the learning rate how large it may be at the start."""
    _heading("Training", (S.OPT, S.LR, S.EPOCHS, S.SPEED, S.BATCH, S.SEED, S.SEEDS))
    optimizer = _shown(S.OPT, lambda: st.segmented_control(
        LABELS[S.OPT], list(OPTIMIZERS), key=S.OPT, required=True,
        help="Changing it while playing takes effect from the next step, with fresh state."))
    lr = _shown(S.LR, lambda: _log_slider(LABELS[S.LR], LR_GRID, S.LR,
                                          "Takes effect from the next step."))
    if network is not None and S.LR not in st.session_state.get(S.HIDDEN, ()):
        _stable_lr_note(network, optimizer, float(lr))
    epochs = _shown(S.EPOCHS, lambda: st.number_input(
        LABELS[S.EPOCHS], *ex.EPOCHS_RANGE, step=1000, key=S.EPOCHS))
    speed = _shown(S.SPEED, _speed_control)
    batch = _shown(S.BATCH, lambda: st.number_input(
        LABELS[S.BATCH], *ex.BATCH_RANGE, key=S.BATCH,
        help="A batch at least as large as the data is full batch "
             "(Keras's batch_size=32 on three points)."))
    seed = _shown(S.SEED, lambda: st.number_input(LABELS[S.SEED], *ex.SEED_RANGE, key=S.SEED))
    seeds = _shown(S.SEEDS, lambda: st.slider(
        LABELS[S.SEEDS], *ex.SEEDS_RANGE, key=S.SEEDS,
        help="Networks from seeds seed, seed+1, ...: is a plateau the architecture's or one "
             "unlucky start's?"))
    training = ex.Training(optimizer=optimizer, lr=float(lr), epochs=int(epochs),
                           batch=int(batch), speed=speed)
    return training, int(seed), int(seeds)
