"""The question's printed log on the loss chart, and which learning rate it came from.

On the student's model (the question's points and network) the loss chart carries the printed
losses as markers. From a start like the student's (its first epoch prints the log's first
loss) both candidate learning rates are trained over the log's epochs and a sentence computed
from those two runs says which one the log came from.
"""

from __future__ import annotations

import streamlit as st

from components import palette as P
from components.figures.charts import Decorations
from models.experiment import Experiment
from models.numbers import number_text
from models.question.printed_log import is_students_model, printed_log
from models.question.reproduce import (
    LEARNING_RATES,
    Reproduction,
    first_epoch_loss,
    reproduce,
    starts_like_the_log,
    verdict,
)


# Two 91-epoch runs of a 31-parameter network: small, and the same for everyone on one start.
@st.cache_data(max_entries=256, ttl=3_600, show_spinner=False)
def _reproductions(key: str, _experiment: Experiment) -> tuple[list[Reproduction], float]:
    # `key` is the start (the run identity of one seed): the learning rate and epochs do not
    # change it, and the reproductions set their own. No reproductions from a start unlike the student's.
    log = printed_log()
    like = starts_like_the_log(_experiment, log)
    return ([reproduce(_experiment, lr, log) for lr in LEARNING_RATES] if like else [],
            first_epoch_loss(_experiment))


def _start_reproductions(experiment: Experiment) -> tuple[list[Reproduction], float]:
    start = experiment.with_(seeds=1).run_identity()  # they train seed 0 of the experiment alone
    return _reproductions(repr(start), experiment)


def log_decorations(experiment: Experiment) -> Decorations:
    """Returns the printed log's markers, and from a start like the student's the reproduction at each
    learning rate the run is not using, as dotted curves; nothing for another model."""
    parts = Decorations()
    if not is_students_model(experiment):
        return parts
    log = printed_log()
    parts.traces.append(dict(
        type="scatter", x=log.epochs, y=log.losses, mode="markers", name="the question's log",
        marker=dict(color=P.LOG_MARKER, size=6, symbol=P.LOG_SYMBOL, line=dict(width=1.5)),
        hovertemplate="the question's log<br>epoch %{x}<br>loss %{y:.4f}<extra></extra>"))
    reproductions, _ = _start_reproductions(experiment)
    for r in reproductions:
        if r.lr != experiment.training.lr:
            parts.traces.append(dict(
                type="scatter", x=log.epochs, y=r.losses, mode="lines+markers",
                name=f"lr {number_text(r.lr)} from this start",
                line=dict(color=P.LOG_REPRODUCED, dash=P.LOG_REPRODUCED_DASH, width=2),
                marker=dict(color=P.LOG_REPRODUCED, symbol=P.LOG_REPRODUCED_SYMBOL, size=6,
                            maxdisplayed=15)))
    return parts


def render_log_verdict(experiment: Experiment) -> None:
    """Draws, on the student's model, which learning rate reproduces the printed log, or why
    this start cannot tell."""
    if not is_students_model(experiment):
        return
    log = printed_log()
    reproductions, first = _start_reproductions(experiment)
    if reproductions:
        st.markdown(verdict(reproductions, log))
    else:
        digits = log.decimals
        st.caption(f"The markers on the loss chart are the question's printed log. This start's "
                   f"first epoch prints {first:.{digits}f}, the log's "
                   f"{log.losses[0]:.{digits}f}: the preset \"The question's own log\" starts "
                   f"like the student's and says which learning rate the log came from.")
