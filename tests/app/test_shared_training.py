"""Identical runs are computed once: a class on one link costs one student's training.

The process's run store (models/run/store.py, components/live/shared_training.py) keys a run's
track by (run identity, schedule). These tests count the trainer's actual work (`Trainer.run`
calls) while sessions read the same run, and compare what every session gets against a run
trained alone.
"""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

from components.live import shared_training
from models.engine.trainer import Trainer, chunk_epochs, trainer_for
from models.experiment import Experiment
from models.question.presets import PRESETS
from models.run.run import Run
from models.run.store import RunStore
from models.run.track import Track

QUESTION = PRESETS["question"].experiment
LINK = {"preset": "question", "epochs": "3000", "play": "1"}  # several chunks of the live loop


def changed_alone(before: int, lr: float, after: int) -> np.ndarray:
    """Returns the question's losses (seed 0) trained alone: `before` epochs, then `after` more at
    learning rate `lr`: what a session that changed the rate at `before` must see."""
    reference = trainer_for(QUESTION)
    head, _ = reference.run(before)
    reference.set_training(QUESTION.training.optimizer, lr)
    tail, _ = reference.run(after)
    return np.concatenate([head, tail])[:, 0]


def played_in_blocks(run: Run, blocks: int, size: int) -> Run:
    """Returns the run advanced `blocks` blocks of `size` epochs, as a session playing it does."""
    for _ in range(blocks):
        run.advance(size)
    return run


@pytest.fixture(autouse=True)
def store(monkeypatch) -> RunStore:
    """Gives every test an empty store of its own as the process's store."""
    fresh = RunStore()
    monkeypatch.setattr(shared_training, "STORE", fresh)
    return fresh


@pytest.fixture
def training_calls(monkeypatch) -> list[int]:
    """Returns the list of epoch counts `Trainer.run` was asked for, growing as it trains."""
    calls: list[int] = []
    real_run = Trainer.run

    def counting_run(self, epochs):
        calls.append(epochs)
        return real_run(self, epochs)

    monkeypatch.setattr(Trainer, "run", counting_run)
    return calls


def test_a_second_session_on_the_same_link_trains_nothing(open_page, training_calls):
    """The second page opened on a link gets the first page's losses and costs no training."""
    first = open_page(LINK)
    first_calls = len(training_calls)
    second = open_page(LINK)
    assert not first.exception and not second.exception
    assert first_calls >= 3
    assert len(training_calls) == first_calls, "the second session trained again"

    first_run, second_run = first.session_state["run"], second.session_state["run"]
    assert second_run.epoch == first_run.epoch == 3000 and second_run.track is first_run.track
    alone = trainer_for(QUESTION.with_(epochs=3000))
    losses, _ = alone.run(3000)
    for run in (first_run, second_run):
        np.testing.assert_array_equal(run.history.loss, losses[:, 0])
        np.testing.assert_array_equal(run.frame.weights[0], alone.net.theta.numpy())


def test_a_different_seed_trains_its_own_run(open_page, training_calls):
    """The same link with another seed is another run: it trains, and its losses differ."""
    first = open_page(LINK)
    first_epochs = sum(training_calls)
    other = open_page({**LINK, "seed": "1"})
    assert not first.exception and not other.exception
    # every epoch of its own (counted in epochs: how many calls depends on the blocks the
    # play loop takes, which the process's load sets)
    assert first_epochs >= 3000 and sum(training_calls) - first_epochs >= 3000
    first_loss = first.session_state["run"].history.loss
    other_loss = other.session_state["run"].history.loss
    assert len(other_loss) == len(first_loss) == 3000
    assert not np.array_equal(other_loss, first_loss)


def test_sessions_asking_at_the_same_moment_share_one_training(store, training_calls):
    """Eight sessions asking for the same chunk at once wait for one training of it, and each
    reads the losses and weights a run trained alone has."""
    students = 8
    runs = [Run(QUESTION, store) for _ in range(students)]
    chunk = chunk_epochs(QUESTION.run_identity())
    start = threading.Barrier(students)

    def student(i: int) -> None:
        start.wait()
        runs[i].advance(chunk)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(students)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(training_calls) == chunk and len(store) == 1
    alone = trainer_for(QUESTION)
    expected, _ = alone.run(chunk)
    for run in runs:
        assert run.epoch == chunk
        np.testing.assert_array_equal(run.history.loss, expected[:, 0])
        np.testing.assert_array_equal(run.frame.weights[0], alone.net.theta.numpy())


def test_a_reader_behind_the_frontier_sees_its_own_epoch(store):
    """A session that joins a run another has trained far ahead (in the blocks every session at
    one speed asks for) plays it from the start: its history, losses and weights are those of
    its own epoch, not of the frontier's."""
    leader = played_in_blocks(Run(QUESTION, store), 16, 256)
    late = Run(QUESTION, store)
    late.advance(256)
    assert late.epoch == 256 and late.history.count == 256 and not late.finished
    alone = trainer_for(QUESTION)
    expected, _ = alone.run(256)
    np.testing.assert_array_equal(late.history.loss, expected[:, 0])
    np.testing.assert_array_equal(late.history.last_losses, expected[-1])
    np.testing.assert_array_equal(late.frame.weights[0], alone.net.theta.numpy())
    assert leader.epoch == 4096 and leader.history.count == 4096


def test_a_change_of_learning_rate_forks_and_leaves_the_other_session_unchanged(store):
    """Two sessions on one link; one changes the learning rate at epoch 512: each sees its own
    run (the changed one equals a trainer given the same change), and the first session's curve
    and weights are what they were."""
    steady, changer = Run(QUESTION, store), Run(QUESTION, store)
    steady.advance(2048)
    changer.advance(512)
    curve = steady.history.loss.copy()
    weights = steady.frame.weights.copy()
    assert changer.update(QUESTION.with_(lr=0.05)) and changer.track is not steady.track
    changer.advance(1536)
    steady.advance(0)
    np.testing.assert_array_equal(changer.history.loss, changed_alone(512, 0.05, 1536))
    np.testing.assert_array_equal(steady.history.loss, curve)
    np.testing.assert_array_equal(steady.frame.weights, weights)
    assert changer.history.events == [(512, "lr=0.05")] and steady.history.events == []


def test_a_fork_behind_the_frontier_starts_from_the_state_at_that_epoch(store):
    """A session changes the learning rate at epoch 256 while the track it reads is at 4096: the
    fork continues from the state at 256 (weights and Adam's moments), as a lone run would."""
    played_in_blocks(Run(QUESTION, store), 16, 256)
    behind = Run(QUESTION, store)
    behind.advance(256)
    behind.update(QUESTION.with_(lr=0.02))
    behind.advance(256)
    np.testing.assert_array_equal(behind.history.loss, changed_alone(256, 0.02, 256))


def test_a_session_closing_mid_run_leaves_the_others_reading(store):
    """A session gone mid-run (its run collected) does not stop or change the others' run; the
    track stays while read, and goes once nobody reads it and the store is over its budget."""
    store.budget = 0  # every unread track goes at the next change
    leaving, staying = Run(QUESTION, store), Run(QUESTION, store)
    leaving.advance(1024)
    staying.advance(512)
    track: Track = staying.track
    del leaving
    gc.collect()
    assert len(track.readers) == 1
    staying.advance(1024)
    Run(QUESTION.with_(seed=5), store)  # another track: the store evicts what nobody reads
    assert staying.track is track and staying.epoch == 1536
    alone = trainer_for(QUESTION)
    expected, _ = alone.run(1536)
    np.testing.assert_array_equal(staying.history.loss, expected[:, 0])
    keys = {track.key}
    del staying
    gc.collect()
    Run(QUESTION.with_(seed=6), store)
    assert not keys & set(store._tracks)


def test_the_store_keeps_within_its_budget_by_dropping_unread_tracks(store):
    """Past its budget the store drops the tracks nobody reads, oldest first."""
    store.budget = 3 * 2**20
    for seed in range(40):
        run = Run(QUESTION.with_(seed=seed, epochs=2000), store)
        run.advance(2000)
    del run
    gc.collect()
    Run(QUESTION.with_(seed=99), store)
    assert store.nbytes <= store.budget and 0 < len(store) < 40


def test_step_replay_speed_reset_and_play_on_a_run_another_session_finished(open_page,
                                                                          training_calls):
    """One session plays a link to its end; a second opens it and Steps (one epoch exactly,
    though the first trained in blocks), replays, changes the speed, resets and plays: it sees
    the run a lone trainer gives at each point, trains only the one epoch its Step needed
    between blocks, and the first session's run is unchanged."""
    link = {"preset": "question", "epochs": "600", "lr": "1e-2"}
    first = open_page({**link, "play": "1"})
    first_run = first.session_state["run"]
    curve = first_run.history.loss.copy()
    alone = trainer_for(QUESTION.with_(epochs=600, lr=1e-2))
    expected, _ = alone.run(600)
    trained = sum(training_calls)

    second = open_page(link)
    second.button(key="step").click().run()
    run = second.session_state["run"]
    assert run.track is first_run.track and run.epoch == 1
    np.testing.assert_array_equal(run.history.loss, expected[:1, 0])
    assert sum(training_calls) - trained <= 1  # a frame at epoch 1, trained from epoch 0's state

    second.selectbox(key="speed").set_value(second.selectbox(key="speed").options[-1]).run()
    assert second.session_state["run"] is run and run.epoch == 1  # the speed is not the run's
    second.button(key="reset").click().run()
    assert second.session_state["run"].epoch == 0
    before = sum(training_calls)
    second.button(key="play").click().run()
    run = second.session_state["run"]
    assert run.epoch == 600 and run.track is first_run.track and sum(training_calls) == before
    np.testing.assert_array_equal(run.history.loss, expected[:, 0])
    second.slider(key="replay_epoch").set_value(300).run()
    assert not second.exception and second.session_state["run"].epoch == 600
    np.testing.assert_array_equal(first_run.history.loss, curve)
    assert first_run.epoch == 600


def test_hostile_widget_values_put_only_parsed_experiments_in_the_store(store):
    """Whatever the browser sends, the store's keys are the run identities of valid experiments
    (a key is made from `Experiment.run_identity()` only): hostile link values are replaced
    before any run starts."""
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP, TIMEOUT

    hostile = [{"lr": "1e999"}, {"width": "-3"}, {"x": "1,nan,3", "y": "1,2,3"},
               {"activation": "__import__('os')"}, {"epochs": "9" * 40}, {"seed": "0x10"},
               {"depth": "1e9", "optimizer": "evil", "batch": "-1"}]
    for query in hostile:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        for key, value in {"preset": "question", "play": "1", **query}.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, query
    assert len(store) >= 1
    for key in store._tracks:
        identity = key.identity
        rebuilt = Experiment(points=identity.points, network=identity.network,
                             seed=identity.seed, seeds=identity.seeds).run_identity()
        assert rebuilt.points == identity.points and rebuilt.network == identity.network
        assert all(np.isfinite(identity.points.xs)) and all(np.isfinite(identity.points.ys))
        assert all(isinstance(c.lr, float) and 0 < c.lr < 10 for c in key.schedule)


def test_a_learning_rate_changed_while_paused_keeps_the_seeds_losses_at_the_fork(store):
    """Paused at epoch 3 of a ReLU run of 4 seeds, the lr changes: the run reads its new track at
    epoch 3, whose frame keeps every seed's loss there (the Seeds and hidden-units readouts read
    them), equal to the track it forked from."""
    experiment = PRESETS["relu"].experiment.with_(seeds=4)
    run = Run(experiment, store)
    for _ in range(3):
        run.advance(1)
    before = run.history.last_losses.copy()
    run.update(experiment.with_(lr=experiment.training.lr / 10))
    assert run.epoch == 3 and run.history.count == 3
    np.testing.assert_array_equal(run.history.last_losses, before)
    np.testing.assert_array_equal(run.frame.losses, before)


def test_a_session_playing_behind_another_trains_nothing_and_shows_its_frames(store,
                                                                              training_calls):
    """A session whose blocks end between the frames another session left (its load meter
    read at another moment) moves to those frames and trains nothing; a Step (exact) still
    gets its own epoch, and every epoch shown has the losses a run trained alone has."""
    first = Run(QUESTION.with_(epochs=3000), store)
    for _ in range(6):
        first.advance(500)
    trained = sum(training_calls)
    frames = {frame.epoch for frame in first.track.frames}
    second, shown = Run(QUESTION.with_(epochs=3000), store), []
    while not second.finished:
        second.advance(384, exact=False)  # ends at 384, 768, ...: none of them a frame
        shown.append(second.epoch)
    assert sum(training_calls) == trained, "the second session trained a copy of its own"
    assert set(shown) <= frames and shown[-1] == 3000
    third = Run(QUESTION.with_(epochs=3000), store)
    third.advance(384)
    assert third.epoch == 384 and sum(training_calls) > trained
    alone = trainer_for(QUESTION.with_(epochs=3000))
    losses, _ = alone.run(3000)
    np.testing.assert_array_equal(second.history.loss, losses[:, 0])


def test_the_play_loop_on_a_run_played_before_trains_nothing(store, training_calls):
    """The lecturer played the link before the class opened it: the class's play loops read the
    frames that run left, whatever their blocks, and train nothing."""
    from tests.app.pacing import played

    experiment = QUESTION.with_(epochs=3000)
    lecturer = Run(experiment, store)
    for _ in range(5):
        lecturer.advance(600)  # frames at 600, 1200, ...: not where the loop's blocks end
    trained = sum(training_calls)
    run, draws, _ = played(experiment, 2000.0, store=store)
    assert run.finished and draws[-1][1] == 3000
    assert sum(training_calls) == trained
