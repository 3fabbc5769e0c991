"""benchmarks/frame.py runs: a class of sessions on one run store draws, and each session's
frames are measured (their cost is the benchmark's business, not a test's)."""

from benchmarks.frame import class_round
from components.live import shared_training


def test_a_small_class_draws_and_leaves_the_process_store_as_it_was():
    store = shared_training.STORE
    first, others = class_round(sessions=3, frames=4)
    assert first > 0 and others > 0
    assert shared_training.STORE is store
