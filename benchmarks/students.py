"""benchmarks.classroom's students as clients of Streamlit's own websocket protocol.

A student opens the page (a `rerun_script` BackMsg with the link's query), presses Play when
the page has drawn it (the button's trigger, as a browser's press or the link's page-ready
signal does: naming the fragment the button is drawn in, so that only the live part reruns),
and reads the ForwardMsgs, rendering nothing (tests/harness/protocol.py's page
model, over websockets' asyncio client: a class is tasks on one event loop). Its time is from
opening the page to the status line's finish; its frames are the status-line updates it
received from Play to the finish, per second (each redraw while playing changes the epoch
shown).
"""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

from tests.harness.protocol import PageClient

STATUS = re.compile(r"#{1,6} ((Playing|Finished|Starting|Paused|Ready|Diverged|Waiting)\b.*)")


@dataclass
class Student:
    """One student's outcome: seconds to Finished (None if never), frames a second while
    playing, the loss the page showed at the end, what went wrong, and how many messages and
    bytes the server sent it (what its client had to read)."""

    seconds: float | None = None
    fps: float | None = None
    loss: str | None = None
    errors: list[str] = field(default_factory=list)
    messages: int = 0
    received_bytes: int = 0


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


async def run_protocol_student(base: str, query: str, timeout: float, finished: str,
                               start: asyncio.Event, http: Executor) -> Student:
    """Returns one protocol student's outcome: opens `?query`, presses Play once the page has
    drawn it, and waits for `finished` and the end of the run that showed it (which draws Play
    again; until the ninth round of issue 21, a rerun of the live part after it did).

    Every student of a class is a task on one event loop, because the students must not take
    the cores they measure: 100 students reading a recorded default-paced page replayed at 16
    frames a second (68,100 messages in 5 s) cost 79-93 us of CPU a message, 0.9-1.0 of a core,
    as threads of websockets' sync client (two thread handoffs a message), and 27 us, 0.33 of a
    core, as tasks. The first HTTP request (the XSRF cookie) blocks, so it runs on `http`, a
    pool with a thread per student."""
    student = Student()
    page = StudentPage(base, timeout=timeout)
    loop = asyncio.get_running_loop()
    await start.wait()
    opened = time.perf_counter()
    try:
        options = await loop.run_in_executor(http, page.handshake)
        async with connect(**options) as socket:
            async def read_until(done, what: str) -> None:
                try:  # (one deadline for the wait: asyncio.wait_for makes a task a message)
                    async with asyncio.timeout(timeout):
                        while not done():
                            page.receive(await socket.recv())
                except TimeoutError:
                    raise TimeoutError(f"no {what} within {timeout} s; the page shows "
                                       f"{page.texts()[:40]}") from None
            await socket.send(page.rerun_message(query)[0].SerializeToString())
            await read_until(lambda: page.run_finished(0), "the first run")  # play=1 waits for a signal
            play = page.widgets()["play"]
            pressed = time.perf_counter()
            # As the browser does: Play is drawn in the live fragment, so it reruns that alone.
            message, mark = page.rerun_message(query, [WidgetState(id=play.id, trigger_value=True)],
                                               fragment_id=play.fragment_id)
            await socket.send(message.SerializeToString())
            await read_until(lambda: page.status().startswith(("Finished", "Diverged")), finished)
            # The first end shown (more may have arrived since, had a rerun shown it again).
            done, shown = next((when, text) for when, text in page.statuses
                               if text.startswith(("Finished", "Diverged")))
            if shown != finished:
                raise RuntimeError(f"the page says {shown!r}")
            student.seconds = done - opened
            frames = sum(pressed < when <= done for when, _ in page.statuses)
            student.fps = frames / (done - pressed)
            await read_until(lambda: page.run_finished(mark), "the end of the Play run")
            student.loss = page.metrics().get("Loss")
            student.errors += [f"exception shown: {e.type}: {e.message[:200]}"
                               for e in page.exceptions()]
    except Exception as error:  # a timeout or a closed socket is this student's failure
        student.errors.append(f"{type(error).__name__}: {str(error)[:300]}")
    student.messages, student.received_bytes = page.messages, page.received_bytes
    return student


async def run_class(base: str, queries: list[str], timeout: float, finished: str) -> list[Student]:
    """Returns the outcomes of one protocol student per query, all opening at the same moment."""
    start = asyncio.Event()
    with ThreadPoolExecutor(max_workers=len(queries)) as http:
        tasks = [asyncio.create_task(run_protocol_student(base, q, timeout, finished, start, http))
                 for q in queries]
        await asyncio.sleep(0)  # every task is waiting at the start
        start.set()
        return list(await asyncio.gather(*tasks))
