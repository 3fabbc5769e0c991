"""Runs and their history: mid-run changes, the schedule, the finish line, per-epoch statistics."""

import numpy as np
import pytest

from models.engine.trainer import trainer_for
from models.experiment import QUESTION, Experiment, Points, Training
from models.run.history import GRAD_NORM, HIGH, LOW, MEDIAN, Event, History
from models.run.run import Change, LinePoint, Run, RunStore

BASE = Experiment(training=Training(lr=1e-2, epochs=100))


def test_new_learning_rate_keeps_the_run_and_marks_the_epoch():
    """An lr change mid-run keeps the run, is marked at the current epoch and scheduled; the run
    reads a new track from there, and the track it read before keeps what it recorded."""
    run = Run(BASE)
    run.advance(40)
    before = run.track
    assert run.update(BASE.with_(lr=1e-3)) is True
    assert run.epoch == 40 and run.track is not before and before.trainer.lr == 1e-2
    assert run.history.events == [(40, "lr=0.001")]
    assert run.schedule == ((0, "adam", 1e-2), (40, "adam", 1e-3))
    assert run.trainer.lr == 1e-3


def test_a_mid_run_change_leaves_no_stale_setting_in_the_trainer():
    """After a change of lr and optimizer, every lr and optimizer the trainer holds is the new one:
    it keeps the run's identity, never an Experiment or Training that could go stale."""
    run = Run(BASE)
    run.advance(20)
    run.update(BASE.with_(optimizer="sgd", lr=1e-3))
    kept = vars(run.trainer).values()
    assert not any(isinstance(value, (Experiment, Training)) for value in kept)
    assert run.trainer.identity == BASE.run_identity() == run.experiment.run_identity()
    assert (run.trainer.optimizer.name, run.trainer.lr) == ("sgd", 1e-3)
    assert run.trainer.snapshot()["lr"] == 1e-3 and run.trainer.snapshot()["optimizer"] == "sgd"


def test_new_optimizer_keeps_the_run_and_marks_the_epoch():
    """An optimizer change mid-run keeps the run, is marked and scheduled, and is used."""
    run = Run(BASE)
    run.advance(25)
    assert run.update(BASE.with_(optimizer="sgd")) is True
    assert run.history.events == [(25, "opt=sgd")]
    assert run.schedule[-1] == (25, "sgd", 1e-2)
    assert run.trainer.optimizer.name == "sgd"


def test_change_takes_effect_from_the_next_epoch():
    """After an lr change the losses equal a trainer given the same change at the same epoch."""
    run = Run(BASE)
    run.advance(30)
    run.update(BASE.with_(optimizer="momentum", lr=1e-3))
    run.advance(30)
    reference = trainer_for(BASE)
    head, _ = reference.run(30)
    reference.set_training("momentum", 1e-3)
    tail, _ = reference.run(30)
    np.testing.assert_array_equal(run.history.loss, np.concatenate([head, tail])[:, 0])


def test_changes_before_the_first_epoch_replace_the_start_and_are_not_marked():
    """At epoch 0 a change replaces the first schedule entry and marks nothing."""
    run = Run(BASE)
    run.update(BASE.with_(lr=1e-3))
    run.update(BASE.with_(lr=1e-3, optimizer="rmsprop"))
    assert run.schedule == ((0, "rmsprop", 1e-3),)
    assert run.history.events == []


def test_several_changes_between_two_epochs_are_one_event_naming_all_of_them():
    """An lr then an optimizer change at one epoch give one event that names both."""
    run = Run(BASE)
    run.advance(10)
    run.update(BASE.with_(lr=1e-3))
    run.update(BASE.with_(lr=1e-3, optimizer="sgd"))
    assert run.history.events == [(10, "opt=sgd, lr=0.001")]
    assert run.schedule[-1] == (10, "sgd", 1e-3)


def test_a_change_undone_at_the_same_epoch_leaves_no_trace():
    """Changing lr and changing it back before training on marks nothing and schedules nothing."""
    run = Run(BASE)
    run.advance(10)
    run.update(BASE.with_(lr=1e-3))
    run.update(BASE)
    assert run.history.events == []
    assert run.schedule == ((0, "adam", 1e-2),)


def test_schedule_tells_apart_an_optimizer_round_trip_from_an_lr_round_trip():
    """adam -> sgd -> adam restarts Adam's state, so its schedule differs from lr -> lr back."""
    restarted, kept = Run(BASE), Run(BASE)
    for run in (restarted, kept):
        run.advance(20)
    restarted.update(BASE.with_(optimizer="sgd"))
    restarted.update(BASE)
    kept.update(BASE.with_(lr=5e-2))
    kept.update(BASE)
    assert restarted.trainer.optimizer.t == 0 and kept.trainer.optimizer.t == 20
    assert restarted.track.key != kept.track.key  # different states may never share a track
    restarted.advance(10)
    kept.advance(10)
    assert not np.array_equal(restarted.history.loss, kept.history.loss)
    assert restarted.history.events == [(20, "opt=adam (restarted)")]


@pytest.mark.parametrize("changes", [
    {"xs": (0.0, 1.0, 2.0), "ys": (1.0, 0.0, 1.0)},
    {"depth": 2}, {"width": 3}, {"activation": "relu"}, {"init": "torch"}, {"bias": False},
    {"init_scale": 0.5}, {"seed": 1}, {"seeds": 2}, {"batch": 1},
])
def test_changes_to_the_run_identity_need_a_fresh_run(changes):
    """Points, network, seed, seeds or batch changes return False and leave the run unchanged."""
    run = Run(BASE)
    run.advance(5)
    assert run.update(BASE.with_(**changes)) is False
    assert run.experiment == BASE and run.epoch == 5


def test_more_epochs_extend_the_same_run():
    """Raising the epochs keeps the run and lets it advance past the old finish line."""
    run = Run(BASE.with_(epochs=20))
    run.advance(100)
    assert run.finished and run.epoch == 20
    assert run.update(BASE.with_(epochs=50)) is True
    assert not run.finished
    run.advance(100)
    assert run.epoch == 50 and run.history.count == 50
    assert run.history.events == [] and len(run.schedule) == 1


def test_fewer_epochs_than_done_finish_the_run():
    """Lowering the epochs below the epochs done finishes the run without losing history."""
    run = Run(BASE)
    run.advance(30)
    assert run.update(BASE.with_(epochs=10)) is True
    assert run.finished
    run.advance(5)
    assert run.epoch == 30 and run.history.count == 30


def test_advance_never_goes_past_the_last_epoch():
    """Advancing by more than is left stops exactly at the last epoch."""
    run = Run(BASE.with_(epochs=12))
    run.advance(5)
    run.advance(5)
    run.advance(5)
    assert run.epoch == 12 and run.history.count == 12 and run.finished
    np.testing.assert_array_equal(run.history.epochs, np.arange(1, 13))


def test_advance_uses_the_compute_function_when_given():
    """A compute function's losses are what the history records; it is asked for the block
    at once, and keeps the networks at the snapshot epochs on its way (epochs 1 and 2 here;
    3 is the block's end)."""
    run = Run(BASE.with_(seeds=2))
    calls = []

    def compute(trainer, epochs):
        calls.append(epochs)
        losses, norms = trainer.run(epochs)
        return losses * 0 + 7.0, norms

    run.advance(3, compute)
    assert calls == [3] and [s.epoch for s in run.snapshots.kept] == [0, 1, 2, 3]
    np.testing.assert_array_equal(run.history.loss, [7.0, 7.0, 7.0])


def test_divergence_is_recorded_at_the_first_non_finite_epoch():
    """A diverging run finishes, and diverged_at is the 1-based epoch of the first bad loss."""
    points = Points((1000.0, 2000.0, 3000.0), (1.0, 2.0, 3.0))
    experiment = Experiment(points=points, training=Training(optimizer="sgd", lr=10.0, epochs=100))
    reference = trainer_for(experiment)
    finite, _ = reference.run(100)
    run = Run(experiment)
    run.advance(100)
    assert run.finished and run.history.count == len(finite) < 100
    assert run.history.diverged_at == len(finite) + 1
    assert np.isfinite(run.history.loss).all()


def test_history_statistics_match_numpy():
    """Median, min, max and median gradient norm over seeds equal numpy's on the appended data."""
    rng = np.random.default_rng(0)
    losses, norms = rng.random((6, 5)), rng.random((6, 5))
    history = History(capacity=10)
    history.append(losses[:2], norms[:2])
    history.append(losses[2:], norms[2:])
    stats = history.stats[: history.count]
    np.testing.assert_array_equal(stats[:, MEDIAN], np.median(losses, axis=1))
    np.testing.assert_array_equal(stats[:, LOW], losses.min(axis=1))
    np.testing.assert_array_equal(stats[:, HIGH], losses.max(axis=1))
    np.testing.assert_array_equal(stats[:, GRAD_NORM], np.median(norms, axis=1))
    np.testing.assert_array_equal(history.loss, np.median(losses, axis=1))
    np.testing.assert_array_equal(history.last_losses, losses[-1])
    np.testing.assert_array_equal(history.epochs, np.arange(1, 7))


def test_history_median_of_an_even_number_of_seeds_is_the_mean_of_the_middle_two():
    """With 4 seeds the median is the mean of the two middle losses (hand-computed)."""
    history = History(capacity=1)
    history.append(np.array([[4.0, 1.0, 3.0, 10.0]]), np.array([[1.0, 2.0, 3.0, 4.0]]))
    assert history.loss.tolist() == [3.5]
    assert history.grad_norm.tolist() == [2.5]


def test_history_grows_past_its_capacity():
    """Appending more epochs than the capacity keeps every earlier epoch and the new ones."""
    history = History(capacity=3)
    first, second = np.arange(3.0)[:, None], np.arange(3.0, 10.0)[:, None]
    history.append(first, first)
    history.append(second, second)
    assert history.count == 10 and history.capacity >= 10
    np.testing.assert_array_equal(history.loss, np.arange(10.0))


def test_history_ignores_an_empty_append():
    """Appending zero epochs changes nothing."""
    history = History(capacity=2)
    history.append(np.empty((0, 3)), np.empty((0, 3)))
    assert history.count == 0 and history.last_losses is None


def test_track_key_is_identity_and_schedule_not_epoch_or_total_epochs():
    """Runs of one experiment read one track whatever their epoch and finish line; another
    schedule is another track."""
    store = RunStore()
    run = Run(BASE, store)
    run.advance(3)
    assert Run(BASE.with_(epochs=500), store).track is run.track
    other = Run(BASE, store)
    other.update(BASE.with_(lr=0.5))
    assert other.track.key != run.track.key and len(store) == 2


def test_schedule_trajectory_and_key_name_their_parts():
    """Schedule entries, line samples and the track key are named: what each part is reads off
    the type, and equal runs still give equal, hashable keys."""
    run = Run(BASE)
    run.advance(10)
    run.update(BASE.with_(lr=1e-3))
    assert run.schedule[-1] == Change(epoch=10, optimizer="adam", lr=1e-3)
    assert run.history.events[-1] == Event(epoch=10, label="lr=0.001")
    point = run.trajectory[-1]
    assert isinstance(point, LinePoint) and point.epoch == 10
    np.testing.assert_array_equal(point.slopes, run.trainer.effective_line()[0])
    twin = Run(BASE)
    twin.advance(10)
    twin.update(BASE.with_(lr=1e-3))
    assert run.track.key == twin.track.key and hash(run.track.key) == hash(twin.track.key)
    assert run.track.key.schedule == run.schedule


def test_a_tracks_readings_keep_the_recently_read_and_drop_the_least_recently_read(monkeypatch):
    """Past MAX_MEMO readings, the one read least recently goes: a reading every redraw asks
    for (the curvature chart's) stays however many frames come after it."""
    from models.run import readings

    monkeypatch.setattr(readings, "MAX_MEMO", 3)
    run = Run(QUESTION.with_(epochs=50))
    computed = []

    def read(name: str, epoch: int) -> str:
        return run.memo(name, epoch, lambda: computed.append((name, epoch)) or f"{name}{epoch}")

    read("chart", 0)
    for epoch in range(1, 6):
        read("frame", epoch)
        assert read("chart", 0) == "chart0"  # read at every redraw: never recomputed
    assert computed.count(("chart", 0)) == 1
    assert list(run.track.memos) == [("frame", 4), ("frame", 5), ("chart", 0)]
    read("frame", 1)  # dropped long ago: computed again
    assert computed.count(("frame", 1)) == 2


def test_a_tracks_trainer_states_stay_within_their_bytes_and_forks_behind_train_the_same(
        monkeypatch):
    """Past STATE_BYTES, every other kept trainer state goes (the first and the newest stay); a
    state asked for behind the frontier is then trained on from an older one, to the same
    numbers as a track that kept them all."""
    from models.run import track as track_module
    from models.run.run import RunStore

    experiment, blocks = QUESTION.with_(epochs=16_384), 16  # a state kept at each block's end

    def played() -> Run:
        run = Run(experiment, RunStore())
        for _ in range(blocks):
            run.advance(experiment.training.epochs // blocks)
        return run

    full = played()
    one = track_module._state_bytes(full.track.states[0]) + track_module.OBJECT_BYTES
    assert len(full.track.states) == blocks + 1
    monkeypatch.setattr(track_module, "STATE_BYTES", 5 * one)
    thinned = played()
    states = thinned.track.states
    assert thinned.track.state_bytes <= 5 * one < full.track.state_bytes
    assert 0 in states and max(states) == max(full.track.states) == 16_384
    for epoch in (7, 5000, 16_000):
        ours, theirs = thinned.track.state_at(epoch), full.track.state_at(epoch)
        assert ours["theta"].equal(theirs["theta"]) and ours["v"].equal(theirs["v"])
