"""Exports load back: the experiment's JSON is the share link, the history's CSV is every epoch."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from models.analysis.floors import floors
from models.edges.exports import difference_label, experiment_from_json, experiment_json, history_csv
from models.edges.lecture import CONTROLS, hide_text, parse_hidden
from models.experiment import Experiment, Points
from models.question.presets import PRESETS
from models.run.run import Run


def test_every_preset_round_trips_through_its_json():
    """experiment_from_json(experiment_json(e)) gives e back with no warning, for every preset."""
    for preset in PRESETS.values():
        assert experiment_from_json(experiment_json(preset.experiment).encode()) == (
            preset.experiment, [])


def test_odd_points_and_settings_round_trip_exactly():
    """Floats that need all 17 digits and unusual settings survive the JSON unchanged."""
    e = Experiment(points=Points((0.1, 1 / 3, -2e-7), (1e6, -0.30000000000000004, 2.5)),
                   seed=123_456, seeds=7).with_(activation="gelu", lr=3.7e-4, width=33)
    assert experiment_from_json(experiment_json(e).encode()) == (e, [])


def test_json_that_is_not_an_experiment_changes_nothing_and_says_why():
    """Not JSON, another document, or a missing parameters object each give a reason, no
    experiment."""
    for data in (b"\xff\xfe", b"{not json", b"[1, 2]", json.dumps({"format": "x"}).encode(),
                 json.dumps({"format": "plateau-lab/experiment-1"}).encode(),
                 b"[" * 100_000):
        experiment, problems = experiment_from_json(data)
        assert experiment is None and problems


def test_bad_values_inside_the_json_are_replaced_with_warnings_like_a_link():
    """A JSON export edited to hold a bad value loads with the link parser's warning."""
    document = json.loads(experiment_json(Experiment()))
    document["parameters"]["lr"] = "abc"
    experiment, warnings = experiment_from_json(json.dumps(document).encode())
    assert experiment == Experiment() and any(w.startswith("`lr=abc`") for w in warnings)


def test_history_csv_holds_every_epoch_with_loss_and_gap():
    """The CSV has one row per epoch whose loss and gap equal the history's, to the last digit."""
    run = Run(Experiment(seeds=3).with_(epochs=250))
    run.advance(250)
    floor = floors(run.experiment.points, run.experiment.network).floor
    rows = list(csv.DictReader(io.StringIO(history_csv(run.history, floor))))
    assert len(rows) == 250 and [int(r["epoch"]) for r in rows] == list(range(1, 251))
    loss = np.array([float(r["loss"]) for r in rows])
    assert np.array_equal(loss, run.history.loss)
    assert np.array_equal(np.array([float(r["gap"]) for r in rows]), run.history.loss - floor)
    assert all(float(r["loss_min_over_seeds"]) <= float(r["loss"]) <= float(r["loss_max_over_seeds"])
               for r in rows)


def test_difference_labels_name_what_changed():
    """A run's label names the settings that differ from the reference, or says they are the same."""
    base = Experiment()
    assert difference_label(base.with_(activation="relu"), base) == "act=relu"
    assert difference_label(base.with_(lr=1e-3), base) == "lr=0.001"
    assert difference_label(base, base) == "same settings"


def test_hide_reads_known_controls_and_warns_about_the_rest():
    """`hide=` keeps the controls it names (any case, spaces) and warns about unknown names."""
    hidden, warnings = parse_hidden({"hide": " ACT, lr ,points,frobnicate"})
    assert hidden == {"act", "lr", "points"}
    assert len(warnings) == 1 and "frobnicate" in warnings[0]
    assert parse_hidden({}) == (frozenset(), [])
    assert hide_text(set(CONTROLS)) == ",".join(CONTROLS)
