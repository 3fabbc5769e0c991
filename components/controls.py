"""The settings panel: network and training widgets in, an Experiment's parts out."""

from __future__ import annotations

import streamlit as st

from components import state as S
from models import experiment as ex
from models.activations import ACTIVATIONS
from models.optimizers import OPTIMIZERS
from models.query import INITS, number_text

# Learning rates and init scales on a log scale: 1, 2, 5 per decade.
LR_GRID = sorted({m * 10.0**e for e in range(-6, 2) for m in (1, 2, 5)
                  if ex.LR_RANGE[0] <= m * 10.0**e <= ex.LR_RANGE[1]})
SCALE_GRID = sorted({m * 10.0**e for e in range(-4, 2) for m in (1, 2, 5)
                     if ex.INIT_SCALE_RANGE[0] <= m * 10.0**e <= ex.INIT_SCALE_RANGE[1]})


def _log_slider(label: str, grid: list[float], key: str, help: str) -> float:
    """Returns the chosen value of a slider over a log grid (which also holds the current value)."""
    options = sorted(set(grid) | {st.session_state[key]})
    return st.select_slider(label, options=options, key=key, format_func=number_text, help=help)


def render_network_controls() -> ex.Network:
    """Returns the network the widgets describe."""
    st.subheader("Network")
    depth = st.slider("Hidden layers", *ex.DEPTH_RANGE, key=S.DEPTH,
                      help="0 is a single linear layer: linear regression.")
    width = st.slider("Units per hidden layer", *ex.WIDTH_RANGE, key=S.WIDTH,
                      disabled=depth == 0)
    activation = st.selectbox("Activation", list(ACTIVATIONS), key=S.ACT,
                              format_func=lambda a: f"{a} — {ACTIVATIONS[a].description}",
                              help="Keras's Dense layer uses 'linear' (none) unless told otherwise.")
    init = st.segmented_control("Framework defaults", INITS, key=S.INIT, required=True,
                                help="keras: Glorot-uniform weights, zero biases, Keras's Adam "
                                     "epsilon. torch: nn.Linear's init and torch.optim's Adam.")
    with st.expander("Advanced: biases and initial scale"):
        bias = st.toggle("Biases", key=S.BIAS)
        scale = _log_slider("Initial weight scale", SCALE_GRID, S.SCALE,
                            "Multiplies the initial weights; small starts sit on a saddle.")
    return ex.Network(depth=depth, width=width, activation=activation, init=init,
                      bias=bias, init_scale=scale)


def render_training_controls() -> tuple[ex.Training, int, int]:
    """Returns (training settings, seed, number of seeds) from the widgets."""
    st.subheader("Training")
    optimizer = st.segmented_control("Optimizer", list(OPTIMIZERS), key=S.OPT, required=True,
                                     help="Changing it while playing takes effect from the next "
                                          "step, with fresh optimizer state.")
    lr = _log_slider("Learning rate", LR_GRID, S.LR, "Takes effect from the next step.")
    epochs = st.number_input("Epochs", *ex.EPOCHS_RANGE, step=1000, key=S.EPOCHS)
    batch = st.number_input("Batch size", *ex.BATCH_RANGE, key=S.BATCH,
                            help="A batch at least as large as the data is full batch "
                                 "(Keras's batch_size=32 on three points).")
    seed = st.number_input("Seed", *ex.SEED_RANGE, key=S.SEED)
    seeds = st.slider("Seeds trained together", *ex.SEEDS_RANGE, key=S.SEEDS,
                      help="Networks from seeds seed, seed+1, ...: is a plateau the "
                           "architecture's or one unlucky start's?")
    training = ex.Training(optimizer=optimizer, lr=float(lr), epochs=int(epochs),
                           batch=int(batch))
    return training, int(seed), int(seeds)
