"""Turns: at most a few playing sessions work at once, served in order of arrival."""

from __future__ import annotations

import threading
import time

import pytest

from components.live.turns import Turns


def test_no_more_than_at_once_work_together():
    """Two sessions hold turns together (they meet inside) while a third waits outside, and it
    gets its turn once one is given back. No step depends on how the threads are scheduled."""
    turns, entered = Turns(at_once=2), []
    inside = threading.Barrier(2, timeout=30)  # only two sessions that both hold a turn meet
    release = threading.Event()

    def session() -> None:
        with turns.take():
            entered.append(1)
            if len(entered) <= 2:
                inside.wait()
                release.wait(timeout=30)

    threads = [threading.Thread(target=session) for _ in range(3)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30  # a wait for the threads to arrive, not a timing
    while not (len(entered) == 2 and turns.waiting == 1) and time.monotonic() < deadline:
        time.sleep(0.001)
    assert (len(entered), turns.waiting) == (2, 1)
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert len(entered) == 3 and turns.waiting == 0
    assert not inside.broken


def test_turns_go_in_order_of_arrival_and_a_returning_thread_queues_behind():
    turns, order = Turns(at_once=1), []
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        with turns.take():
            holding.set()
            release.wait()
            order.append("first")
        with turns.take():  # asks again at once: behind the two already waiting
            order.append("first again")

    def later(name: str) -> None:
        with turns.take():
            order.append(name)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    holding.wait()
    for name in ("second", "third"):
        threads.append(threading.Thread(target=later, args=(name,)))
        threads[-1].start()
        while turns.waiting < len(threads) - 1:
            threading.Event().wait(0.001)
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["first", "second", "third", "first again"]


def test_a_turn_comes_back_when_the_block_raises():
    turns = Turns(at_once=1)
    with pytest.raises(RuntimeError), turns.take():
        raise RuntimeError("a rerun stops the loop")
    done = threading.Event()

    def next_session() -> None:
        with turns.take():
            done.set()

    thread = threading.Thread(target=next_session)
    thread.start()
    thread.join(timeout=5)
    assert done.is_set()


def test_at_least_one_turn():
    with pytest.raises(ValueError):
        Turns(at_once=0)
