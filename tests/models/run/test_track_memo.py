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


def test_readers_asking_for_many_readings_together_compute_each_once():
    """memo_many: readers asking at once for overlapping sets of epochs compute every reading
    once, each reader's claimed ones in one call, and find all of theirs kept afterwards."""
    track, calls, lock = _track(), [], threading.Lock()

    def compute(epochs: list[int]) -> list[str]:
        with lock:
            calls.append(list(epochs))
        time.sleep(0.05)
        return [f"reading {e}" for e in epochs]

    asked = [[1, 2, 3], [2, 3, 4], [4, 5], [1, 5, 6]] * 4
    _at_once(len(asked), lambda i: track.memo_many("curvature", asked[i], compute))
    computed = [e for call in calls for e in call]
    assert sorted(computed) == [1, 2, 3, 4, 5, 6]
    for epoch in range(1, 7):
        assert track.memoized("curvature", epoch)
        assert track.memo("curvature", epoch, lambda: "again") == f"reading {epoch}"


def test_when_the_reader_computing_many_fails_the_others_go_on_and_memo_computes_them():
    track, started = _track(), threading.Event()

    def failing(epochs: list[int]) -> list[str]:
        started.set()
        time.sleep(0.05)
        raise RuntimeError("its script was stopped")

    def read(i: int) -> str:
        if i == 0:
            try:
                track.memo_many("curvature", [7, 8], failing)
            except RuntimeError as error:
                return str(error)
            return "no error"
        started.wait(timeout=5)
        track.memo_many("curvature", [7, 8], lambda epochs: ["never"] * len(epochs))
        return "waited"

    # (a reader arriving after the failure finds nothing claimed and computes them itself)
    assert _at_once(3, read) == ["its script was stopped", "waited", "waited"]
    assert track.memo("curvature", 7, lambda: "alone") in ("alone", "never")
    assert track.memo("curvature", 8, lambda: "alone") == track.memo("curvature", 7, str)


def test_a_reading_that_reads_many_computes_those_it_lacks_on_its_own():
    """A reader computing a reading (memo) that asks for many computes the missing ones itself,
    as memo's nested readings do, and keeps them."""
    track = _track()

    def outer() -> str:
        track.memo_many("curvature", [1, 2], lambda epochs: [f"r{e}" for e in epochs])
        return "outer"

    assert track.memo("frame", 0, outer) == "outer"
    assert track.memo("curvature", 2, lambda: "again") == "r2"
