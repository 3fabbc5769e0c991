"""A track's readings (Track.memo) are computed once for all its readers, also when many ask at
the same moment: the others wait for the one computing it."""

from __future__ import annotations

import threading
import time

import pytest

from models.question.presets import PRESETS
from models.run.run import Run

QUESTION = PRESETS["question"].experiment


def _track():
    return Run(QUESTION.with_(epochs=100)).track


def _at_once(readers: int, read) -> list:
    """Returns what `read(i)` returned in each of `readers` threads started together."""
    start, results = threading.Barrier(readers), [None] * readers

    def reader(i: int) -> None:
        start.wait()
        results[i] = read(i)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_readers_asking_together_compute_a_reading_once_and_all_get_it():
    track, calls = _track(), []

    def compute() -> list:
        calls.append(1)
        time.sleep(0.05)  # long enough that every reader asks while it is being computed
        return ["the reading"]

    results = _at_once(16, lambda i: track.memo("frame", 7, compute))
    assert len(calls) == 1
    assert all(r is results[0] for r in results) and results[0] == ["the reading"]
    assert track.memo("frame", 7, compute) is results[0] and len(calls) == 1


def test_when_the_computing_reader_fails_the_waiting_ones_compute_it_themselves():
    track, calls, first = _track(), [], threading.Event()

    def compute() -> str:
        calls.append(1)
        if not first.is_set():
            first.set()
            time.sleep(0.05)
            raise RuntimeError("its script was stopped")
        return "computed"

    def read(i: int) -> str:
        try:
            return track.memo("frame", 3, compute)
        except RuntimeError as error:
            return str(error)

    results = _at_once(4, read)
    assert sorted(results).count("its script was stopped") == 1
    assert results.count("computed") == 3 and 2 <= len(calls) <= 4
    assert track.memo("frame", 3, compute) == "computed"


def test_a_reading_that_reads_another_gets_it_while_another_reader_computes_that_one():
    """Reader one computes A, which reads B, while reader two is computing B: a reader already
    computing a reading computes what it reads on its own (so no readers can wait on each
    other in a ring); both get the right values."""
    track, b_started = _track(), threading.Event()

    def b() -> str:
        b_started.set()
        time.sleep(0.05)
        return "b"

    def a() -> str:
        b_started.wait(timeout=5)
        return "a+" + track.memo("b", 0, b)

    results = _at_once(2, lambda i: track.memo("a", 0, a) if i == 0 else track.memo("b", 0, b))
    assert results == ["a+b", "b"]
    assert track.memo("a", 0, a) == "a+b" and track.memo("b", 0, b) == "b"


@pytest.mark.parametrize("readers", [1, 8])
def test_a_reading_is_kept_for_the_next_reader(readers):
    track, calls = _track(), []
    _at_once(readers, lambda i: track.memo("x", 1, lambda: calls.append(1) or len(calls)))
    assert track.memo("x", 1, lambda: 99) == 1 and len(calls) == 1
