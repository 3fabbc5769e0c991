"""One thread at a time does the process's tensor work: `TENSOR_WORK`, held around a training
pass, the recording of its block, and a reading's Hessians and forward passes
(`one_at_a_time`).

Why: PyTorch lets go of the interpreter lock around every tensor operation, and a step of the
question's network is dozens of operations of a few microseconds each. When many threads are
ready to run (a server with 30 students each on a seed of their own: 30 script threads each
training, recording and reading its own run), every let-go hands the interpreter lock to
another thread and back, a kernel wake-up each. A thread waiting here sleeps outside the
interpreter lock, so the one working lets go of it and takes it back with nobody to hand it to.
Measured, three runs each way, alternated:
- `benchmarks/cohort.py`, 30 students in one process: 11.4-15.5 CPU-s, half of it the kernel's
  (620,000-990,000 thread switches); with the lock 3.5-4.8 CPU-s (71,000-78,000 switches).
- Served, 15 students on seeds of their own in one process at `speed=max`: 0.79-1.04 server
  CPU-s a student, 10.7-13.6 s to the slowest Finished; with the lock 0.41-0.60 and 6.4-9.5 s.

Hold it only around code that takes no other lock and waits for nothing: a holder waiting for
another thread that needs it would wait for ever. Never around a whole reading of the page:
the frame's calls a cached function (`st.cache_data` takes a lock per key) that trains. It is
re-entrant, so such code may call more of it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

TENSOR_WORK = threading.RLock()


def one_at_a_time(function: Callable[P, R]) -> Callable[P, R]:
    """Returns `function` run under `TENSOR_WORK`: for a function of many small tensor operations
    that takes no other lock and calls nothing that might (a reading's Hessian, a forward pass)."""

    @functools.wraps(function)
    def serial(*args: P.args, **kwargs: P.kwargs) -> R:
        with TENSOR_WORK:
            return function(*args, **kwargs)

    return serial
