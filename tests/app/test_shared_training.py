"""Identical runs are computed once: a class on one link costs one student's training.

`components.shared_training` keys each chunk of epochs by (run identity, schedule, start epoch,
epochs) in `st.cache_data`. These tests count the trainer's actual work (`Trainer.run` calls)
while sessions ask for the same run, and compare what every session gets against the first.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import streamlit as st

from components.live.shared_training import compute_shared
from models.engine.trainer import Trainer, chunk_epochs
from models.question.presets import PRESETS
from models.run.run import Run

QUESTION = PRESETS["question"].experiment
LINK = {"preset": "question", "epochs": "3000", "play": "1"}  # several chunks of the live loop


@pytest.fixture(autouse=True)
def empty_cache():
    """Starts and leaves every test with an empty shared cache (it is process-wide)."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


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
    assert second_run.epoch == first_run.epoch == 3000
    np.testing.assert_array_equal(second_run.history.stats[:3000], first_run.history.stats[:3000])
    grid = np.linspace(-1.5, 1.5, 7)
    np.testing.assert_array_equal(second_run.trainer.predict(grid), first_run.trainer.predict(grid))


def test_a_different_seed_trains_its_own_run(open_page, training_calls):
    """The same link with another seed is another run: it trains, and its losses differ."""
    first = open_page(LINK)
    first_calls = len(training_calls)
    other = open_page({**LINK, "seed": "1"})
    assert not first.exception and not other.exception
    assert len(training_calls) >= 2 * first_calls
    first_loss = first.session_state["run"].history.loss
    other_loss = other.session_state["run"].history.loss
    assert len(other_loss) == len(first_loss) == 3000
    assert not np.array_equal(other_loss, first_loss)


def test_sessions_asking_at_the_same_moment_share_one_training(training_calls):
    """Eight sessions asking for the same chunk at once wait for one training of it."""
    students = 8
    runs = [Run(QUESTION) for _ in range(students)]
    chunk = chunk_epochs(QUESTION.run_identity())
    losses: list[np.ndarray | None] = [None] * students
    start = threading.Barrier(students)

    def student(i: int) -> None:
        start.wait()
        losses[i], _ = compute_shared(runs[i], chunk)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(students)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert training_calls == [chunk]
    alone = Run(QUESTION).trainer  # the same chunk trained without any cache
    expected, _ = Trainer.run(alone, chunk)
    for run, got in zip(runs, losses):
        np.testing.assert_array_equal(got, expected)
        assert run.epoch == chunk
        np.testing.assert_array_equal(run.trainer.net.theta, alone.net.theta)


def test_a_run_continued_after_a_shared_chunk_matches_one_trained_alone(training_calls):
    """A session that took its first chunk from the cache continues exactly as if it trained it."""
    chunk = chunk_epochs(QUESTION.run_identity())
    compute_shared(Run(QUESTION), chunk)
    follower = Run(QUESTION)
    compute_shared(follower, chunk)
    assert len(training_calls) == 1
    follower_next, _ = follower.trainer.run(chunk)

    alone = Run(QUESTION).trainer
    alone.run(chunk)
    alone_next, _ = alone.run(chunk)
    np.testing.assert_array_equal(follower_next, alone_next)
