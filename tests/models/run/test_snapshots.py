"""Replay snapshots: which epochs are kept, that a replay equals a run stopped there, and the
memory bound."""

import numpy as np
import pytest

from models.engine.trainer import Trainer
from models.experiment import MAX_PARAMETERS_TIMES_SEEDS
from models.question.presets import PRESETS
from models.run.run import Run
from models.run.snapshots import (
    MAX_SEEDS_KEPT,
    MAX_SNAPSHOT_BYTES,
    MAX_SNAPSHOTS,
    predict,
    snapshot_epochs,
)
from tests.skipping import no_training

QUESTION = PRESETS["question"].experiment
GRID = np.linspace(-1.5, 1.5, 31)


def test_a_run_keeps_its_start_its_end_and_log_spaced_epochs_near_the_start():
    """Epoch 0, every one of the first ten epochs, about 200 in all, and the last epoch."""
    run = Run(QUESTION)
    run.advance(10_000, no_training)
    epochs = [s.epoch for s in run.snapshots.kept]
    assert epochs[0] == 0 and epochs[-1] == 10_000 and epochs == sorted(set(epochs))
    assert epochs[:11] == list(range(11))
    assert 150 <= len(epochs) <= MAX_SNAPSHOTS + 1
    gaps = np.diff(epochs)
    assert gaps.max() <= 2 * 10_000 / (MAX_SNAPSHOTS // 2)  # spread over the whole run


def test_the_kept_epochs_are_half_log_spaced_half_even():
    """For 10,000 epochs and 200 snapshots: 1, 2, 3, ... from a geometric spread, and every
    100th epoch from the even one."""
    epochs = snapshot_epochs(10_000, 200)
    assert set(range(100, 10_001, 100)) <= set(epochs.tolist())
    assert epochs[0] == 1 and epochs[-1] == 10_000 and len(epochs) <= 200


@pytest.mark.parametrize("activation, depth", [("linear", 1), ("relu", 2), ("tanh", 1),
                                               ("linear", 0)])
def test_a_replayed_epoch_is_the_run_stopped_at_that_epoch(activation, depth):
    """The snapshot a finished run shows for an epoch predicts what a fresh run trained to that
    epoch predicts, and has its effective line and losses (equal to float rounding)."""
    experiment = QUESTION.with_(activation=activation, depth=depth, epochs=600, lr=1e-2,
                                seeds=3)
    finished = Run(experiment)
    finished.advance(600)
    for chosen in (0, 1, 7, 150, 599):
        shown = finished.shown_at(chosen)
        assert shown.epoch <= chosen
        fresh = Run(experiment)
        fresh.advance(shown.epoch)
        np.testing.assert_allclose(predict(experiment.network, shown.weights, GRID),
                                   fresh.trainer.predict(GRID), rtol=1e-12, atol=1e-15)
        if shown.epoch:
            np.testing.assert_array_equal(shown.losses, fresh.history.last_losses)
        if experiment.network.is_linear:
            slopes, intercepts = fresh.trainer.effective_line()
            np.testing.assert_allclose(shown.slopes, slopes, rtol=1e-12)
            np.testing.assert_allclose(shown.intercepts, intercepts, rtol=1e-12)


def test_replay_shows_the_nearest_snapshot_at_or_before_and_the_latest_from_the_end():
    """Between two kept epochs the earlier is shown; from the run's latest epoch on, the live
    networks; replaying changes nothing about the run."""
    run = Run(QUESTION.with_(epochs=2_000))
    run.advance(1_500)
    epochs = [s.epoch for s in run.snapshots.kept]
    between = next(e + 1 for e, f in zip(epochs, epochs[1:]) if f - e > 1)
    assert run.shown_at(between).epoch == between - 1
    theta = run.trainer.net.theta.clone()
    latest = run.shown_at(1_500)
    assert latest.epoch == 1_500 and run.epoch == 1_500
    np.testing.assert_array_equal(latest.weights, theta.view(1, -1).numpy())
    assert bool((run.trainer.net.theta == theta).all())


def test_only_the_seeds_the_fit_draws_keep_their_weights():
    """64 seeds: weights of the first 8 (the fit chart's curves), losses and lines of all 64."""
    run = Run(QUESTION.with_(seeds=64, epochs=20))
    run.advance(20)
    last = run.snapshots.kept[-1]
    assert last.weights.shape == (MAX_SEEDS_KEPT, QUESTION.network.parameter_count())
    assert last.losses.shape == last.slopes.shape == (64,)


@pytest.mark.parametrize("depth, width, seeds", [(1, 10, 64), (2, 170, 64), (8, 256, 4)])
def test_snapshot_memory_stays_under_its_bound_for_a_100000_epoch_run(depth, width, seeds):
    """A 100,000-epoch run keeps at most MAX_SNAPSHOT_BYTES (32 MiB) of snapshots and at most
    201 of them: the question's network with 64 seeds, the largest with 64 seeds, the largest
    allowed at all."""
    experiment = QUESTION.with_(depth=depth, width=width, seeds=seeds, epochs=100_000)
    assert experiment.network.parameter_count() * seeds <= MAX_PARAMETERS_TIMES_SEEDS
    run = Run(experiment)
    run.advance(100_000, no_training)
    kept = run.snapshots.kept
    assert run.snapshots.nbytes <= MAX_SNAPSHOT_BYTES and len(kept) <= MAX_SNAPSHOTS + 1
    assert kept[0].epoch == 0 and kept[-1].epoch == 100_000


def test_raising_the_epochs_mid_run_keeps_the_bound():
    """Epochs raised from 1,000 to 100,000 after the end: old and new snapshots together stay
    within the bound, epoch 0 and the newest kept."""
    run = Run(QUESTION.with_(epochs=1_000))
    run.advance(1_000, no_training)
    assert run.update(run.experiment.with_(epochs=100_000))
    run.advance(99_000, no_training)
    kept = [s.epoch for s in run.snapshots.kept]
    assert kept[0] == 0 and kept[-1] == 100_000 and len(kept) <= MAX_SNAPSHOTS + 1


def test_networks_from_a_snapshot_have_its_hidden_units():
    """The hidden units read from a snapshot's weights are those of a fresh run stopped at
    that epoch: a replayed relu network shows the units it had then."""
    from models.analysis.units import hidden_units
    from models.run.snapshots import networks

    experiment = PRESETS["relu"].experiment.with_(epochs=300, seeds=3)
    run = Run(experiment)
    run.advance(300)
    shown = run.shown_at(120)
    fresh = Run(experiment)
    fresh.advance(shown.epoch)
    xs = np.asarray(experiment.points.xs)
    replayed = hidden_units(networks(experiment.network, shown.weights), 1, xs, xs)
    live = hidden_units(fresh.trainer.net, 1, xs, xs)
    np.testing.assert_allclose(replayed.outputs, live.outputs, rtol=1e-12, atol=1e-15)
    assert (replayed.dead == live.dead).all()


def test_adam_snapshots_keep_seed_zeros_preconditioner_as_the_trainer_had_it():
    """An Adam run's snapshots hold the optimizer, lr and seed 0's diagonal preconditioner of
    that epoch (epoch 0 none: no second moments yet); sgd keeps none."""
    run = Run(QUESTION.with_(seeds=3, epochs=40, lr=1e-3))
    run.advance(40)
    first, last = run.snapshots.kept[0], run.snapshots.kept[-1]
    assert first.preconditioner is None and (last.optimizer, last.lr) == ("adam", 1e-3)
    expected = run.trainer.optimizer.preconditioner().view(3, -1)[0].numpy()
    np.testing.assert_array_equal(last.preconditioner, expected)
    sgd = Run(QUESTION.with_(optimizer="sgd", epochs=5))
    sgd.advance(5)
    assert sgd.snapshots.kept[-1].preconditioner is None


def test_snapshots_with_a_preconditioner_stay_under_the_bound():
    """The largest network with 64 seeds, Adam, 100,000 epochs: every snapshot after epoch 0
    carries a preconditioner and the whole stays within MAX_SNAPSHOT_BYTES."""
    def steps_only(trainer: Trainer, epochs: int) -> tuple[np.ndarray, np.ndarray]:
        trainer.optimizer.t += epochs  # Adam's state past step 0: a preconditioner exists
        return no_training(trainer, epochs)

    run = Run(QUESTION.with_(depth=2, width=170, seeds=64, epochs=100_000))
    run.advance(100_000, steps_only)
    kept = run.snapshots.kept
    assert all(s.preconditioner is not None for s in kept[1:])
    assert run.snapshots.nbytes <= MAX_SNAPSHOT_BYTES and kept[-1].epoch == 100_000
