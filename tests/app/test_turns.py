"""Turns: at most a few playing sessions work at once, served in order of arrival."""

from __future__ import annotations

import threading

import pytest

from components.turns import Turns


def test_no_more_than_at_once_work_together():
    turns, lock = Turns(at_once=2), threading.Lock()
    working, most = [0], [0]
    start = threading.Barrier(8)

    def session() -> None:
        start.wait()
        for _ in range(50):
            with turns.take():
                with lock:
                    working[0] += 1
                    most[0] = max(most[0], working[0])
                threading.Event().wait(0.0005)
                with lock:
                    working[0] -= 1

    threads = [threading.Thread(target=session) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert most[0] == 2
    assert turns.waiting == 0


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
