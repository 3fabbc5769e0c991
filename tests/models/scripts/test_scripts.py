"""Runs taken home as code: the exported scripts, run with `python` in an empty directory as a
student would, end with the app's final loss (PyTorch to 1e-6, Keras to float32's precision)."""

from __future__ import annotations

import pytest

from models.engine.activations import ACTIVATIONS
from models.experiment import Experiment, Points
from models.question.presets import PRESETS
from models.run.run import Run
from models.scripts.common import MAX_EMBEDDED_PARAMETERS, number
from models.scripts.keras_script import KERAS_ACTIVATIONS, keras_script
from models.scripts.pytorch_script import TORCH_ACTIVATIONS, pytorch_script
from tests.keras_reference import FLOAT32_RTOL
from tests.run_script import run_script

QUESTION = PRESETS["question"].experiment
FIVE = Points(xs=(-1.0, -0.5, 0.0, 0.5, 1.0), ys=(0.1, 0.2, -0.3, 0.4, 0.0))


def _question() -> Run:
    """The question preset, 300 epochs."""
    return _played(QUESTION.with_(epochs=300))


def _tanh() -> Run:
    """tanh units, Adam 1e-3, with the learning rate doubled after epoch 120."""
    return _played(QUESTION.with_(activation="tanh", lr=1e-3, epochs=300),
                   (120, dict(lr=2e-3)))


def _rmsprop() -> Run:
    """sigmoid units, RMSprop on five points in mini-batches of 2, switched to Adam after 150."""
    return _played(QUESTION.with_(points=FIVE, activation="sigmoid", optimizer="rmsprop", lr=1e-4,
                                  batch=2, epochs=250), (150, dict(optimizer="adam", lr=1e-3)))


def _played(experiment: Experiment, change: tuple[int, dict] | None = None) -> Run:
    """Returns the run played to its end as the page plays it, with an optional mid-run change."""
    run = Run(experiment)
    if change:
        run.advance(change[0])
        assert run.update(experiment.with_(**change[1]))
    run.advance(experiment.training.epochs)
    assert run.finished
    return run


RUNS = {"question": _question, "tanh": _tanh, "rmsprop": _rmsprop}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_pytorch_script_prints_the_apps_final_loss(name, tmp_path):
    """The PyTorch script's last line is the app's final loss within 1e-6, and it prints the loss
    like Keras's log on the way."""
    run = RUNS[name]()
    final, lines = run_script(pytorch_script(run.experiment, run.schedule), tmp_path)
    assert final == pytest.approx(float(run.history.loss[-1]), rel=1e-6)
    epochs = run.experiment.training.epochs
    assert f"Epoch {epochs}/{epochs}" in lines and lines[-2].startswith(" - loss: ")


@pytest.mark.parametrize("name", sorted(RUNS))
def test_keras_script_prints_the_apps_final_loss(name, tmp_path):
    """The Keras script (float32 Keras, torch backend) ends within float32's tolerance of the app."""
    run = RUNS[name]()
    final, _ = run_script(keras_script(run.experiment, run.schedule), tmp_path)
    assert final == pytest.approx(float(run.history.loss[-1]), rel=FLOAT32_RTOL)


def test_several_seeds_export_the_first_network_and_say_so(tmp_path):
    """With 3 seeds the app shows the median; the script trains seed 0 and its loss is that
    network's, as its comment says; with 1 seed the two are the same thing."""
    run = _played(QUESTION.with_(activation="tanh", lr=1e-3, epochs=200, seeds=3))
    source = pytorch_script(run.experiment, run.schedule)
    assert "trains the first one only (seed 0)" in source
    final, _ = run_script(source, tmp_path)
    single = _played(QUESTION.with_(activation="tanh", lr=1e-3, epochs=200))
    assert final == pytest.approx(float(single.history.loss[-1]), rel=1e-6)
    assert float(run.history.loss[-1]) != pytest.approx(final, rel=1e-3)  # the median is another


def test_a_large_network_is_drawn_from_its_seed_as_the_app_draws_it(tmp_path):
    """Past MAX_EMBEDDED_PARAMETERS the start is drawn in the script from the seed, and with this
    torch it is still the app's start: the losses agree."""
    experiment = QUESTION.with_(depth=4, width=40, activation="relu", init="torch",
                                optimizer="momentum", lr=1e-3, epochs=60, seed=5)
    assert experiment.network.parameter_count() > MAX_EMBEDDED_PARAMETERS
    run = _played(experiment)
    source = pytorch_script(run.experiment, run.schedule)
    assert "INITIAL = _draw_start()" in source and "will not match" in source
    final, _ = run_script(source, tmp_path)
    assert final == pytest.approx(float(run.history.loss[-1]), rel=1e-6)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_and_init_writes_valid_python(activation):
    """Every activation has torch and Keras code, and both scripts compile for both inits."""
    assert activation in TORCH_ACTIVATIONS and activation in KERAS_ACTIVATIONS
    for init in ("keras", "torch"):
        run = Run(QUESTION.with_(activation=activation, init=init, bias=init == "keras"))
        for source in (pytorch_script(run.experiment, run.schedule),
                       keras_script(run.experiment, run.schedule)):
            compile(source, "plateau_lab_run.py", "exec")


def test_only_numbers_and_registry_names_reach_the_code():
    """Numbers are written with repr(float) (a non-finite one is refused), an unknown optimizer
    in the schedule is refused, and a torch-init Keras script says it will not match."""
    assert number(0.1) == "0.1" and float(number(1 / 3)) == 1 / 3
    with pytest.raises(ValueError):
        number(float("nan"))
    with pytest.raises(ValueError):
        pytorch_script(QUESTION, ((0, "adam'); import os; ('", 1e-3),))
    assert "will not match its losses" in keras_script(QUESTION.with_(init="torch"),
                                                       ((0, "adam", 1e-5),))


def test_a_chaotic_run_magnifies_rounding_in_the_engine_itself():
    """What the scripts' docstrings say: tanh with RMSprop at lr 1e-3 on the question's points
    bounces around its minimum, and a start changed by 1e-15 (relative) ends over 1% apart
    after 500 epochs (measured 7.5%), so no script can match such a run to rounding."""
    from models.question.presets import PRESETS
    from models.run.run import Run

    experiment = PRESETS["question"].experiment.with_(
        activation="tanh", optimizer="rmsprop", lr=1e-3, epochs=500)
    exact, nudged = Run(experiment), Run(experiment)
    nudged.trainer.net.theta.mul_(1 + 1e-15)
    exact.advance(500)
    nudged.advance(500)
    apart = abs(exact.history.loss[-1] - nudged.history.loss[-1]) / exact.history.loss[-1]
    assert apart > 0.01
    assert abs(exact.history.loss[49] - nudged.history.loss[49]) < 1e-12  # not at the start
