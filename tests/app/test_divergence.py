"""A run whose loss blows up stops, says where, and keeps what it had before."""

from __future__ import annotations

import base64

import numpy as np

from components import state as S

EXPLODING = {"x": "1000000,-1000000,3", "y": "1,2,3", "opt": "sgd", "lr": "10", "epochs": "100",
             "play": "1"}


def test_a_diverging_run_stops_with_the_epoch_and_keeps_its_chart(open_page, chart_of):
    """SGD at lr 10 on x near 1e6 overflows: the status names the first non-finite epoch, the
    history and the chart keep only the finite epochs before it, and no exception shows."""
    at = open_page(EXPLODING)
    assert not at.exception
    run = at.session_state[S.RUN]
    epoch = run.history.diverged_at
    assert epoch is not None and f"## Diverged at epoch {epoch}" in [m.value for m in at.markdown]
    assert run.history.count == epoch - 1 and np.isfinite(run.history.loss).all()
    loss_trace = next(t for t in chart_of(at, "loss")["data"] if t.get("name") == "loss")
    x = loss_trace["x"]  # plotly sends arrays as typed binary: {"dtype": ..., "bdata": base64}
    epochs = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]) if "bdata" in x else x
    assert list(epochs) == list(range(1, epoch))


def test_play_after_divergence_starts_over(open_page):
    """Pressing Play on a diverged run starts a fresh run from epoch 0 of the same settings."""
    at = open_page(EXPLODING)
    first = at.session_state[S.RUN]
    at.button(key="play").click().run()
    assert at.session_state[S.RUN] is not first
    assert at.session_state[S.RUN].history.diverged_at is not None  # same settings, same fate
