"""The plateaus of too much and what the curvature tells of flat ground, each on a run trained
by the real engine: the issue's examples and cases of our own for every new label."""

import numpy as np
import pytest

from models.analysis.curvature import spectrum
from models.analysis.diagnosis import (
    DESCENT,
    DIVERGED,
    LOCAL,
    NOISE,
    SADDLE,
    TOO_LARGE,
)
from models.analysis.plateaus import recent_trend
from models.experiment import Experiment, Points, Training
from models.question.presets import PRESETS
from tests.models.analysis.test_diagnosis import link, trained

SIX = "x=-2,-1,0,1,2,3&y=0.5,-0.4,0.3,0.8,-0.6,0.1"
EIGHT = "x=-3,-2,-1,0,1,2,3,4&y=-0.1411,-0.9093,-0.8415,0,0.8415,0.9093,0.1411,-0.7568"
QUESTION_POINTS = "x=-1,0,1&y=-0.2445248,0.1232554,0.1713998"


def test_the_issues_step_too_large_is_named_with_its_sharpness_and_threshold():
    """6 points, tanh, 16 units, Adam at lr 0.2: the loss reaches 5e-16 near epoch 920 and then
    jumps to 1e-2; the page said Still descending. Now: the learning rate, the jump, and
    lambda_max(D^-1 H) against 38/lr = 190."""
    _, _, found = trained(link(f"{SIX}&depth=1&width=16&act=tanh&opt=adam&lr=0.2&epochs=2000"))
    assert found.label == TOO_LARGE and found.text.startswith(f"**{TOO_LARGE}**")
    assert "λ_max(D⁻¹H)" in found.text and "(2+2·0.9)/((1−0.9)·lr) = 190" in found.text
    assert "The loss had reached 5.07e-16 at epoch 921" in found.text


def test_a_deep_tanh_network_thrown_off_its_floor_names_the_learning_rate():
    """Depth 3, tanh, Adam at lr 0.2 on the six points: on the floor (6e-33) by epoch 1,113,
    then thrown to 0.16 with units saturated: the page said Saturated units, try smaller initial
    weights. Now the learning rate."""
    _, _, found = trained(link(f"{SIX}&depth=3&width=10&act=tanh&opt=adam&lr=0.2&epochs=3000"))
    assert found.label == TOO_LARGE and "at epoch 1,113 and jumped to" in found.text
    assert "smaller initial weights" not in found.text


def test_a_batch_of_two_of_eight_points_is_mini_batch_noise_not_descent():
    """SGD at lr 0.05 on batches of 2 of 8 points: the loss scatters by 0.87 in ln(loss) about
    a trend that noise explains; last < first holds, but it is not descending."""
    run, _, found = trained(link(f"{EIGHT}&depth=1&width=10&act=tanh&opt=sgd&lr=0.05"
                                 "&epochs=3000&batch=2"))
    assert run.history.loss[-1] < run.history.loss[0]
    assert found.label == NOISE and "each step sees 2 of the 8 points" in found.text
    assert "jumped" not in found.text  # a batch pulling away is not a step too large
    assert not recent_trend(run.history.loss).descending


def test_the_same_network_in_full_batch_is_not_noise():
    """The same run with the whole batch descends smoothly, or stands: never Mini-batch noise."""
    _, _, found = trained(link(f"{EIGHT}&depth=1&width=10&act=tanh&opt=sgd&lr=0.05&epochs=3000"))
    assert found.label != NOISE


def test_the_saddle_presets_plateau_counts_its_ways_down():
    """Epoch 300 of the saddle preset: the theory's saddle, and 10 of 20 directions curve down
    at -0.274 (2 mean(xy) = 0.277 at zero weights)."""
    _, _, found = trained(PRESETS["saddle"].experiment, 300)
    assert found.label == SADDLE
    assert "10 directions curve down (the steepest: -2.74e-01)" in found.text


def test_a_relu_pair_stuck_as_a_line_is_a_local_minimum_with_no_way_down():
    """Two relu units on the question's points, sgd 0.05, seed 20: the loss stands at 5.676e-3
    (the linear floor, both units acting as one line) above the floor 0; the exact Hessian has
    no negative eigenvalue."""
    run, _, found = trained(link(f"{QUESTION_POINTS}&depth=1&width=2&act=relu&opt=sgd&lr=0.05"
                                 "&epochs=2000&seed=20"))
    assert found.label == LOCAL and "No way down at second order" in found.text
    shown = run.shown_at(run.epoch)
    eigen = spectrum(run.experiment.network, run.experiment.points, shown.weights[0])
    assert eigen.smallest >= -eigen.tolerance


def test_flat_ground_with_a_way_down_is_a_saddle_by_the_curvature():
    """Depth 4, tanh, Adam at lr 0.2 on the six points ends flat at epoch 3,000 with 2 of 361
    directions curving down: A saddle, with their count and the steepest curvature."""
    _, _, found = trained(link(f"{SIX}&depth=4&width=10&act=tanh&opt=adam&lr=0.2&epochs=3000"))
    assert found.label == SADDLE and "2 of 361 directions" in found.text


def test_a_diverged_run_gives_the_sharpness_against_the_threshold():
    """SGD at lr 1 on x = -100..100: H's sharpness is (2/3)(x·x) ~ 6,667 against 2/lr = 2."""
    experiment = Experiment(points=Points((-100.0, 0.0, 100.0), (1.0, 0.0, 1.0)),
                            training=Training("sgd", 1.0, 200))
    _, _, found = trained(experiment)
    assert found.label == DIVERGED
    assert "λ_max(H) =" in found.text and "against its threshold 2/lr = 2 at lr 1" in found.text


def test_still_descending_is_the_recent_trend_not_last_below_first():
    """A loss that fell 100x and then scatters flat is not descending; a steady fall is."""
    rng = np.random.default_rng(0)
    fell = np.concatenate([np.geomspace(1, 0.01, 500), 0.01 * np.exp(rng.normal(0, 0.3, 500))])
    assert not recent_trend(fell).descending and recent_trend(fell).noisy
    assert recent_trend(np.geomspace(1, 0.5, 1000)).descending
    _, _, question = trained(PRESETS["question"].experiment, 2_000)
    assert question.label == DESCENT and "fell by a factor" in question.text


@pytest.mark.parametrize("factor", [1.0, 3.0])
def test_a_loss_without_a_jump_names_no_jump(factor):
    """The question's own run and a slow one never say the loss jumped."""
    _, _, found = trained(PRESETS["question"].experiment.with_(lr=1e-5 * factor, epochs=3000))
    assert "jumped" not in found.text
