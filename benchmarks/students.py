"""benchmarks.classroom's students as clients of Streamlit's own websocket protocol.

A student opens the page (a `rerun_script` BackMsg with the link's query), presses Play when
the page has drawn it (the button's trigger, as a browser's press or the link's page-ready
signal does), and reads the ForwardMsgs, rendering nothing (tests/harness/protocol.py). Its
time is from opening the page to the status line's finish; its frames are the status-line
updates it received from Play to the finish, per second (each redraw while playing changes the
epoch shown).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from streamlit.proto.WidgetStates_pb2 import WidgetState

from tests.harness.protocol import PageClient

STATUS = re.compile(r"## ((Playing|Finished|Starting|Paused|Ready|Diverged|Waiting)\b.*)")


@dataclass
class Student:
    """One student's outcome: seconds to Finished (None if never), frames a second while
    playing, the loss the page showed at the end, and what went wrong."""

    seconds: float | None = None
    fps: float | None = None
    loss: str | None = None
    errors: list[str] = field(default_factory=list)


class StudentPage(PageClient):
    """A PageClient that also notes when each status-line update arrived."""

    def __init__(self, base_url: str, *, timeout: float):
        super().__init__(base_url, timeout=timeout)
        self.statuses: list[tuple[float, str]] = []

    def _take(self, message) -> None:
        super()._take(message)
        if message.WhichOneof("type") == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            if element.WhichOneof("type") == "markdown":
                status = STATUS.match(element.markdown.body)
                if status:
                    self.statuses.append((time.perf_counter(), status[1]))

    def status(self) -> str:
        """Returns the latest status line received ("" before the first)."""
        return self.statuses[-1][1] if self.statuses else ""


def run_protocol_student(base: str, query: str, timeout: float, finished: str,
                         start: threading.Barrier) -> Student:
    """Returns one protocol student's outcome: opens `?query`, presses Play once the page has
    drawn it, and waits for `finished` and the run after it (which redraws the buttons)."""
    student = Student()
    page = StudentPage(base, timeout=timeout)
    start.wait()
    opened = time.perf_counter()
    try:
        page.connect(query)
        page.wait_for_run(0)  # the first run lays the page out; play=1 waits for a signal
        play = page.widgets()["play"]
        pressed = time.perf_counter()
        mark = page.rerun(query, [WidgetState(id=play.id, trigger_value=True)])
        page.wait_until(lambda p: p.status().startswith(("Finished", "Diverged")), what=finished)
        # The first end shown (more may have arrived since: the rerun after it shows it again).
        done, shown = next((when, text) for when, text in list(page.statuses)
                           if text.startswith(("Finished", "Diverged")))
        if shown != finished:
            raise RuntimeError(f"the page says {shown!r}")
        student.seconds = done - opened
        frames = sum(pressed < when <= done for when, _ in page.statuses)
        student.fps = frames / (done - pressed)
        page.wait_for_run(mark)  # the run that ends playing redraws Play; the loss is final
        student.loss = page.metrics().get("Loss")
        student.errors += [f"exception shown: {e.type}: {e.message[:200]}" for e in page.exceptions()]
    except Exception as error:  # a timeout or a closed socket is this student's failure
        student.errors.append(f"{type(error).__name__}: {str(error)[:300]}")
    finally:
        page.close()
    return student
