"""Turns at the interpreter: at most a few playing sessions of a server process work at once.

Every session's script runs in its own thread of one Python process. Thirty sessions playing at
once are thirty threads asking for the one interpreter lock, and the server's own thread (which
answers /_stcore/health, takes button clicks and sends every message) waits behind all of them:
a health check took up to 5 s with a class on one 2-core machine. A session takes a turn for
each step of its play loop (a chunk of training and perhaps a redraw, some 10-100 ms) and gives
it back after; the others wait outside the interpreter, in order of arrival, so the server's
thread competes with a few threads instead of thirty and every session still moves on.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class Turns:
    """A first-come, first-served limit on how many threads work at once: `with turns.take():`.
    A turn given back goes straight to the thread that has waited longest, so a thread that
    gives its turn back and asks again at once cannot jump the queue."""

    def __init__(self, at_once: int) -> None:
        if at_once < 1:
            raise ValueError(f"at_once must be at least 1, not {at_once}")
        self._lock = threading.Lock()
        self._free = at_once
        self._waiting: deque[threading.Event] = deque()

    @contextmanager
    def take(self) -> Iterator[None]:
        """Waits for a turn, holds it for the `with` block (also when it raises), gives it back."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                mine = None
            else:
                mine = threading.Event()
                self._waiting.append(mine)
        if mine is not None:
            mine.wait()  # set by release(), which handed this thread its turn
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()  # the turn passes on without becoming free
            else:
                self._free += 1

    @property
    def waiting(self) -> int:
        """Returns how many threads are waiting for a turn now."""
        with self._lock:
            return len(self._waiting)
