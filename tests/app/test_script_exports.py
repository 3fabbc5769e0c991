"""The export panel's scripts: both buttons are there, and the PyTorch script of the page's own
finished run prints the loss the page shows."""

from __future__ import annotations

from components import state as S
from models.scripts.pytorch_script import pytorch_script
from tests.run_script import run_script

LABELS = {"PyTorch script", "Keras script", "History as CSV"}


def test_export_panel_offers_both_scripts_and_the_csv(open_page):
    """The export panel has download buttons labelled "PyTorch script", "Keras script" and
    "History as CSV"."""
    at = open_page({"preset": "question"})
    assert not at.exception
    assert LABELS <= {b.label for b in at.get("download_button")}


def test_pytorch_script_of_the_pages_run_prints_its_loss(open_page, tmp_path):
    """After the page plays a 200-epoch tanh run, the script made from the page's run (what the
    button sends) ends with that run's final loss, which the Loss readout shows."""
    at = open_page({"preset": "question", "act": "tanh", "lr": "0.001", "epochs": "200",
                    "play": "1"})
    run = at.session_state[S.RUN]
    assert run.finished and not at.exception
    final, _ = run_script(pytorch_script(run.experiment, run.schedule), tmp_path)
    assert abs(final - run.history.loss[-1]) <= 1e-6 * run.history.loss[-1]
    assert {m.label: m.value for m in at.metric}["Loss"] == f"{final:.3e}"
