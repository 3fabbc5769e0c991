"""How far apart the sessions of one server process space their redraws while playing
(components/live/player.py): the process's drawing load, and the count of sessions playing a
paced run. Plain Python (no Streamlit), one meter a process.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator

# Every session playing in this server process draws in one Python interpreter. A class of 30
# on one link shares its training and what a redraw shows (the run store's memos), so a redraw
# costs little, but 30 of them ten times a second add up. What the redraws cost the process is
# measured (DrawingLoad): past a share of a core, they are spaced out for every session of the
# process alike, so a crowded server still trains, opens pages and answers its health check.
# Redraws are spaced out only when the process is saturated (SATURATED of a core: a process runs
# its Python under one interpreter lock, so about one core is all it has) and redrawing takes
# more than BUSY of it; brought closer again when redrawing takes less than CALM, or the process
# is no longer saturated. Training alone saturating it (speed=max) is no reason to redraw less.
SATURATED, BUSY, CALM = 0.9, 0.4, 0.25
STRETCH_STEP, MAX_STRETCH = 1.5, 20.0  # the factor a window changes it by; at most 1.6 s apart
LOAD_WINDOW = 0.5  # seconds the load is measured over


def _server_thread_cpu() -> float:
    # The main thread runs Streamlit's event loop: it serialises and sends every message.
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(threading.main_thread().ident))
    except (AttributeError, OSError):  # not on this platform: the redraws' own cost only
        return 0.0


class DrawingLoad:
    """How far apart this process's sessions space their redraws: `stretch()` times the
    player's interval (REDRAW_EVERY, or CLASS_REDRAW_EVERY while `crowded()`: more than one
    session plays a paced run, each counted while it is in `paced()`).

    Each LOAD_WINDOW it takes the CPU that redrawing cost the process as a share of a core (the
    redraws' own, each `count`ed by its session, and the server thread's, which sends them) and
    the whole process's share. With the process saturated and redrawing past BUSY, the redraws
    are spaced out by STRETCH_STEP; with the process unsaturated brought closer again (by a step
    for every such window, however long ago the last redraw was), down to the unstretched
    interval, and straight back to it when redrawing takes less than CALM: a student alone on a
    process a class had just left waited up to a second between redraws for seconds. (A
    per-redraw estimate, the server's sending divided among the redraws, fed back on itself:
    fewer redraws made each look dearer, and a class of 30 on a 60%-busy machine saw 1.4
    redraws a second.)"""

    def __init__(self, server_cpu: Callable[[], float] = _server_thread_cpu,
                 now: Callable[[], float] = time.monotonic, window: float = LOAD_WINDOW,
                 process_cpu: Callable[[], float] = time.process_time) -> None:
        self._server_cpu, self._now, self._window = server_cpu, now, window
        self._process_cpu = process_cpu
        self._lock = threading.Lock()
        self._since, self._server_since = now(), server_cpu()
        self._process_since = process_cpu()
        self._drawing, self._stretch = 0.0, 1.0
        self._paced = 0  # sessions of the process playing a paced run now
        self.busy = 0.0  # the share of a core redrawing took over the last whole window
        self.process = 0.0  # the share of a core the whole process took (training too)

    @contextlib.contextmanager
    def paced(self) -> Iterator[None]:
        """Counts this session among those playing a paced run, for as long as the block runs."""
        with self._lock:
            self._paced += 1
        try:
            yield
        finally:
            with self._lock:
                self._paced -= 1

    def crowded(self) -> bool:
        """Returns True while more than one session of the process plays a paced run."""
        return self._paced > 1

    def count(self, drawing: float) -> None:
        """Counts one redraw that took `drawing` CPU-seconds of its own thread."""
        with self._lock:
            self._drawing += drawing

    def stretch(self) -> float:
        """Returns the factor redraw intervals are stretched by now (1 when the process is calm)."""
        with self._lock:
            now = self._now()
            elapsed = now - self._since
            if elapsed >= self._window:
                server, process = self._server_cpu(), self._process_cpu()
                self.busy = (self._drawing + server - self._server_since) / elapsed
                self.process = (process - self._process_since) / elapsed
                if self.busy > BUSY and self.process > SATURATED:
                    self._stretch = min(MAX_STRETCH, self._stretch * STRETCH_STEP)
                elif self.busy < CALM:  # redrawing takes little (a crowd has left): at once
                    self._stretch = 1.0
                elif self.process < SATURATED:
                    calm_windows = int(elapsed // self._window)
                    self._stretch = max(1.0, self._stretch / STRETCH_STEP ** calm_windows)
                self._since, self._server_since, self._drawing = now, server, 0.0
                self._process_since = process
            return self._stretch


process_load = DrawingLoad()  # this process's


def shared_grid(stretch: float) -> int:
    """Returns how many blocks a session advances at once while redraws are `stretch`ed: the
    largest power of two not above the stretch (1 when calm)."""
    return 2 ** max(0, math.floor(math.log2(max(stretch, 1.0))))
