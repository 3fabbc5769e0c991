"""Session-state keys, named once. Everything per student lives under these keys, nowhere else."""

from __future__ import annotations

import streamlit as st

from models.experiment import Experiment

# Widget keys: one per setting, the same names as the share link's parameters.
DEPTH, WIDTH, ACT, INIT, BIAS, SCALE = "depth", "width", "act", "init", "bias", "scale"
OPT, LR, EPOCHS, BATCH, SEED, SEEDS = "opt", "lr", "epochs", "batch", "seed", "seeds"
SPEED = "speed"  # holds the speed itself: experiment.AUTO, epochs a second, or inf for max
LOG_Y = "log_y"
REPLAY = "replay_epoch"  # the Replay epoch slider

# Non-widget state.
STARTED = "started"            # the share link has been read into the widgets
LINK_WARNINGS = "link_warnings"  # what the share link had that could not be used
WIDGET_WARNINGS = "widget_warnings"  # widget values from the browser that could not be used
LAST_SETTINGS = "last_settings"  # the settings' values the last run used, by widget key
POINTS = "points"              # the points loaded into the table (link, preset, upload)
LAST_VALID_POINTS = "last_valid_points"  # the last points the table held that were all valid
POINTS_VERSION = "points_version"  # bumped to give the table fresh contents (a preset, an upload)
RUN = "run"                    # models.run.Run of this session
PLAYING = "playing"            # True while the live loop should keep training
AUTOPLAY = "autoplay"          # the link said play=1
WAITING_FOR_PAGE = "waiting_for_page"  # play=1: starts once the browser has drawn the page
HIDDEN = "hidden"              # controls a lecture link hides (models.lecture.CONTROLS names)
REPLAY_OF = "replay_of"        # (run serial, epoch) the Replay epoch slider was set up for


STEP = "step_requested"        # Step was pressed: train one epoch on this run of the script
IMPORT_PROBLEMS = "import_problems"  # what a loaded experiment JSON had that was not used
UPLOAD_PROBLEMS = "points_upload_problems"  # what a loaded points CSV had that was not used
EDIT_PROBLEMS = "points_edit_problems"  # why the table's last edits could not be used
COMPARED = "compared"          # the last finished runs, drawn faded on the loss chart
SEARCHED = "searched"          # components.explain.search.KeptSearch: the last search
SLICE = "loss_slice"           # components.explain.explanation.KeptSlice: the last loss slice
# Widgets whose value a callback reads from the state.
LARGE_TEXT = "large_text"      # the projector switch
POINTS_CSV = "points_csv"      # the points CSV uploader
EXPERIMENT_JSON = "experiment_json"  # the experiment JSON uploader


def load_experiment(experiment: Experiment) -> None:
    """Puts an experiment's settings into the widgets' state (before the widgets are drawn)."""
    n, t = experiment.network, experiment.training
    st.session_state.update({
        DEPTH: n.depth, WIDTH: n.width, ACT: n.activation, INIT: n.init, BIAS: n.bias,
        SCALE: n.init_scale, OPT: t.optimizer, LR: t.lr, EPOCHS: t.epochs, BATCH: t.batch,
        SPEED: t.speed,
        SEED: experiment.seed, SEEDS: experiment.seeds, POINTS: experiment.points,
        LAST_VALID_POINTS: experiment.points,
    })
    st.session_state[POINTS_VERSION] = st.session_state.get(POINTS_VERSION, 0) + 1
