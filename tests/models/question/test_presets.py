"""Presets show what their titles promise: each is trained fully and checked against its floor."""

import numpy as np
import pytest

from models.edges.query import from_query, to_query
from models.engine.trainer import trainer_for
from models.experiment import QUESTION_XS, QUESTION_YS
from models.question.presets import PRESETS


def question_floor() -> float:
    """Returns the MSE of numpy's least-squares line through the question's points."""
    design = np.column_stack([QUESTION_XS, np.ones(3)])
    coefficients, *_ = np.linalg.lstsq(design, np.array(QUESTION_YS), rcond=None)
    return float(np.mean((np.array(QUESTION_YS) - design @ coefficients) ** 2))


def final_losses(name: str) -> np.ndarray:
    """Returns every seed's loss after training the preset for all its epochs."""
    experiment = PRESETS[name].experiment
    trainer = trainer_for(experiment)
    losses, _ = trainer.run(experiment.training.epochs)
    assert not trainer.diverged and len(losses) == experiment.training.epochs
    return losses[-1]


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_is_a_valid_experiment_that_round_trips(name):
    """Every preset has a title and a note, and survives the share link unchanged."""
    preset = PRESETS[name]
    assert preset.title and preset.why
    assert from_query(to_query(preset.experiment)) == (preset.experiment, [])
    assert from_query({"preset": name}) == (preset.experiment, [])


def test_question_preset_is_the_question_as_asked():
    """The question preset is 1 hidden layer of 10 linear units, Adam lr 1e-5, batch 32, 10,000
    epochs, on the question's points."""
    experiment = PRESETS["question"].experiment
    network, training = experiment.network, experiment.training
    assert (experiment.points.xs, experiment.points.ys) == (QUESTION_XS, QUESTION_YS)
    assert (network.depth, network.width, network.activation) == (1, 10, "linear")
    assert (training.optimizer, training.lr, training.batch, training.epochs) == ("adam", 1e-5, 32,
                                                                               10_000)


def test_question_preset_ends_on_its_floor():
    """The question's run ends within 0.1% of the least-squares line's MSE (0.005676)."""
    floor = question_floor()
    assert final_losses("question") == pytest.approx([floor], rel=1e-3)


def test_relu_preset_ends_far_below_the_linear_floor():
    """Adding a ReLU takes the loss below 1e-4, far under the linear floor."""
    assert (final_losses("relu") < 1e-4).all()


def test_sigmoid_preset_ends_below_the_linear_floor():
    """Sigmoid units get through the linear floor by the end of the run."""
    assert (final_losses("sigmoid") < question_floor()).all()


def test_two_points_preset_fits_exactly():
    """Through two points a linear network reaches (nearly) 0."""
    assert (final_losses("two_points") < 1e-10).all()


def test_deep_linear_preset_lands_on_the_same_floor():
    """Four linear hidden layers end within 0.1% of the question's floor."""
    assert PRESETS["deep_linear"].experiment.network.depth > 1
    assert final_losses("deep_linear") == pytest.approx([question_floor()], rel=1e-3)


def test_the_questions_experiment_is_defined_once_and_compared_by_value():
    """The question preset, the defaults and the printed log's model are one experiment: equal by
    value, and the log's comparison follows any change of the points or the network."""
    from models.experiment import DEFAULT, QUESTION, Network
    from models.question.printed_log import is_students_model

    assert PRESETS["question"].experiment == QUESTION == DEFAULT
    assert QUESTION.network == Network(depth=1, width=10, activation="linear", init="keras",
                                       bias=True, init_scale=1.0)
    assert is_students_model(QUESTION.with_(lr=1e-4, seed=7, epochs=5))
    for change in ({"width": 11}, {"init": "torch"}, {"init_scale": 0.5}, {"bias": False},
                   {"ys": (0.0, 0.0, 0.0)}):
        assert not is_students_model(QUESTION.with_(**change))
