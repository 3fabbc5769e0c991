"""A class opens the question's link at once: how long until every student sees it finish?

usage: python -m benchmarks.classroom [N] [--timeout S] [--agent]    (N students, default 30)

Starts one `streamlit run app.py` on a free 127.0.0.1 port with the repository's config, then
drives N students (browser contexts of one headless Chromium, opened together) to
`/?preset=question&play=1` and times each until its page says `Finished · epoch 10000/10000`:

1. a lone student, on a seed nobody else uses (so the shared cache cannot help it);
2. N students on the same link (seed 0): the run is trained once and shared;
3. N students each on their own seed (`&seed=i`): N different runs.

A thread asks /_stcore/health every 0.25 s throughout. Printed: each group's median and
slowest time, the slowest health answer, page errors and exceptions shown, and where the CPU
went (the server, the browser, everything else on the machine): on one machine the students'
browser shares the cores with the server, which a real class does not.
With --agent the students are sessions of Streamlit's agent API instead of browsers (turned on
for this benchmark's own server only, by a command-line flag): the same script runs, training and
figures included, but nothing renders, which measures the server alone.
Goals: every student finishes without an error; on the same link the slowest takes at most 2x
the lone student; health always answers within 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil
from playwright.async_api import async_playwright

from tests.harness.server import CHROMIUM, CHROMIUM_ARGS, ServerFailed, start_app, stop

LINK = "/?preset=question&play=1"
FINISHED = "Finished · epoch 10000/10000"
HEALTH_EVERY = 0.25  # seconds between health requests
HEALTH_GOAL = 1.0    # seconds: the slowest health answer allowed
SAME_LINK_GOAL = 2.0  # the slowest same-link student / the lone student


@dataclass
class Student:
    """One student's outcome: seconds to Finished (None if never) and what went wrong."""

    seconds: float | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class Phase:
    """One group's outcome and what it cost."""

    name: str
    students: list[Student]
    wall: float
    server_cpu: float
    browser_cpu: float
    machine_cpu: float  # CPU-seconds used by everything on the machine
    health: list[float]  # health answer times during the phase, seconds

    def times(self) -> list[float]:
        """Returns the finished students' times, fastest first."""
        return sorted(s.seconds for s in self.students if s.seconds is not None)


class HealthPoller(threading.Thread):
    """Asks /_stcore/health every 0.25 s until stopped; records answer times and failures, and
    the server's largest resident memory."""

    def __init__(self, url: str, server: psutil.Process):
        super().__init__(daemon=True)
        self.url, self.server = url, server
        self.answers: list[tuple[float, float]] = []  # (when, seconds to answer)
        self.failures: list[str] = []
        self.peak_rss = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(HEALTH_EVERY):
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as response:
                    ok = response.read() == b"ok"
                took = time.perf_counter() - start
                self.answers.append((start, took))
                if not ok:
                    self.failures.append(f"answer after {took:.2f} s was not 'ok'")
            except OSError as error:
                self.failures.append(f"{type(error).__name__}: {error}")
            try:
                self.peak_rss = max(self.peak_rss, self.server.memory_info().rss)
            except psutil.Error:
                pass

    def between(self, start: float, end: float) -> list[float]:
        """Returns the answer times of the requests sent between two perf_counter moments."""
        return [took for when, took in self.answers if start <= when <= end]


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """Returns the user + system CPU seconds the living processes among these have used."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def browser_processes() -> list[psutil.Process]:
    """Returns Chromium's processes started (through Playwright) by this script."""
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if "chrom" in process.name().lower():
                found.append(process)
        except psutil.Error:
            pass
    return found


def machine_cpu_seconds() -> float:
    """Returns the CPU seconds every core of the machine has spent busy since boot."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


async def run_student(page, url: str, timeout: float, finished: str) -> Student:
    """Returns how long the page took from opening `url` to showing `finished`, and its errors."""
    student = Student()
    page.on("pageerror", lambda error: student.errors.append(f"page error: {error}"))
    start = time.perf_counter()
    try:
        await page.goto(url, timeout=timeout * 1000)
        await page.get_by_text(finished).first.wait_for(timeout=timeout * 1000)
        student.seconds = time.perf_counter() - start
    except Exception as error:  # a timeout or a lost page is this student's failure, not the run's
        student.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
    try:
        for element in await page.locator('[data-testid="stException"]').all():
            student.errors.append("exception shown: " + (await element.inner_text())[:200])
    except Exception as error:
        student.errors.append(f"could not read the page: {error}")
    return student


def run_agent_student(url: str, timeout: float, finished: str) -> Student:
    """Returns how long an agent API session took to run the app at `url` until it settled
    showing `finished`, and what went wrong (no browser: the server's work alone)."""
    student = Student()
    parts = urlsplit(url)
    endpoint = f"{parts.scheme}://{parts.netloc}/_stcore/agent/interact"
    body: dict = {"query_params": parse_qs(parts.query)}
    start = time.perf_counter()
    try:
        while True:  # a run longer than server.agentWaitTimeout answers 202: ask again to wait
            request = urllib.request.Request(endpoint, data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    snapshot = json.loads(response.read())
                    waiting = response.status == 202
            except urllib.error.HTTPError as error:
                snapshot, waiting = json.loads(error.read()), False
            if not waiting:
                break
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"not settled after {timeout:.0f} s")
            body = {"session_id": snapshot["session_id"]}
        text = json.dumps(snapshot, ensure_ascii=False)
        if snapshot.get("status") != "ready":
            student.errors.append(f"status {snapshot.get('status')}: {text[:200]}")
        elif finished not in text:
            student.errors.append(f"settled without {finished!r}")
        else:
            student.seconds = time.perf_counter() - start
    except (OSError, ValueError, KeyError) as error:
        student.errors.append(f"{type(error).__name__}: {error}")
    return student


async def run_phase(browser, name: str, urls: list[str], timeout: float,
                    server: psutil.Process, health: HealthPoller, finished: str = FINISHED) -> Phase:
    """Opens every url at the same moment, each in its own browser context (or, with no
    browser, its own agent API session); returns the outcome."""
    if browser is None:
        pages = []
        # One thread per student (asyncio's default pool would run only a few at once).
        pool = ThreadPoolExecutor(max_workers=len(urls))
        loop = asyncio.get_running_loop()
        runs = [loop.run_in_executor(pool, run_agent_student, u, timeout, finished) for u in urls]
    else:
        contexts = [await browser.new_context(viewport={"width": 1400, "height": 1000})
                    for _ in urls]
        pages = [await context.new_page() for context in contexts]
        runs = [run_student(p, u, timeout, finished) for p, u in zip(pages, urls)]
    server_before, browser_before = cpu_seconds([server]), cpu_seconds(browser_processes())
    machine_before, start = machine_cpu_seconds(), time.perf_counter()
    students = await asyncio.gather(*runs)
    wall = time.perf_counter() - start
    phase = Phase(name, list(students), wall,
                  server_cpu=cpu_seconds([server]) - server_before,
                  browser_cpu=cpu_seconds(browser_processes()) - browser_before,
                  machine_cpu=machine_cpu_seconds() - machine_before,
                  health=health.between(start, start + wall))
    for page in pages:
        await page.context.close()
    if browser is None:
        pool.shutdown()
    return phase


def report(phase: Phase, students: int, cores: int) -> str:
    """Returns a phase's lines: times, errors, health and where the CPU went."""
    times = phase.times()
    errors = sum(len(s.errors) for s in phase.students)
    if times:
        timing = f"median {statistics.median(times):6.2f} s, slowest {times[-1]:6.2f} s"
    else:
        timing = "nobody finished"
    other = max(0.0, phase.machine_cpu - phase.server_cpu - phase.browser_cpu)
    slowest_health = max(phase.health, default=float("nan"))
    return (f"{phase.name:<22} {timing}, finished {len(times)}/{students}, errors {errors}\n"
            f"{'':<22} wall {phase.wall:6.2f} s; CPU-s server {phase.server_cpu:6.1f}, "
            f"browser {phase.browser_cpu:6.1f}, other {other:6.1f} "
            f"(machine {100 * phase.machine_cpu / (phase.wall * cores):3.0f}% busy); "
            f"slowest health {slowest_health:.3f} s")


async def classroom(students: int, timeout: float, agent: bool) -> int:
    """Runs the three phases against a fresh server; prints the figures; returns 0 when every
    goal is met."""
    log = Path(tempfile.mkstemp(prefix="classroom-server-", suffix=".log")[1])
    # The repository's config, with the agent API on only for this benchmark's own server.
    flags = ["--server.enableAgentApi=true", "--server.agentWaitTimeout=600"] if agent else []
    try:
        started = start_app(log, flags)
    except ServerFailed as failure:
        sys.exit(str(failure))
    server, base = started.process, started.url
    health = None
    try:
        health = HealthPoller(f"{base}/_stcore/health", psutil.Process(server.pid))
        health.start()
        cores = psutil.cpu_count() or 1
        print(f"classroom: {students} students ({'agent API sessions' if agent else 'browsers'}), "
              f"{base}, {cores} cores, "
              f"load average before {os.getloadavg()[0]:.2f}", flush=True)
        async with async_playwright() as pw:
            browser = None if agent else await pw.chromium.launch(executable_path=CHROMIUM,
                                                                  args=CHROMIUM_ARGS)
            proc = psutil.Process(server.pid)
            # Warm-up (untimed): the server's first script run imports torch and plotly.
            await run_phase(browser, "warm-up", [f"{base}/?preset=question&epochs=10&play=1"
                                                 f"&seed={students + 2}"], timeout, proc, health,
                            finished="Finished · epoch 10/10")
            lone = await run_phase(browser, "lone student", [f"{base}{LINK}&seed={students + 1}"],
                                   timeout, proc, health)
            print(report(lone, 1, cores), flush=True)
            same = await run_phase(browser, f"same link ({students})", [f"{base}{LINK}"] * students,
                                   timeout, proc, health)
            print(report(same, students, cores), flush=True)
            own = await run_phase(browser, f"own seeds ({students})",
                                  [f"{base}{LINK}&seed={i}" for i in range(1, students + 1)],
                                  timeout, proc, health)
            print(report(own, students, cores), flush=True)
            if browser is not None:
                await browser.close()
    finally:
        if health is not None:
            health.done.set()
            health.join(timeout=15)
        stop(server)

    answers = [took for _, took in health.answers]
    print(f"health: {len(answers)} answers, slowest {max(answers, default=float('nan')):.3f} s, "
          f"over {HEALTH_GOAL:.0f} s: {sum(t > HEALTH_GOAL for t in answers)}, "
          f"failed: {len(health.failures)}; server peak RSS {health.peak_rss / 2**20:.0f} MiB")
    for phase in (lone, same, own):
        for i, student in enumerate(phase.students):
            for error in student.errors:
                print(f"  {phase.name} student {i}: {error}")
    for failure in health.failures[:10]:
        print(f"  health: {failure}")

    lone_time = lone.times()[0] if lone.times() else float("inf")
    same_slowest = max(same.times(), default=float("inf"))
    goals = {
        "every student finished without an error": all(
            s.seconds is not None and not s.errors for p in (lone, same, own) for s in p.students),
        f"same link slowest {same_slowest:.2f} s <= {SAME_LINK_GOAL:.0f} x lone {lone_time:.2f} s "
        f"(ratio {same_slowest / lone_time:.2f})": same_slowest <= SAME_LINK_GOAL * lone_time,
        f"health always within {HEALTH_GOAL:.0f} s": bool(answers) and not health.failures
        and max(answers) <= HEALTH_GOAL,
    }
    for goal, met in goals.items():
        print(f"{'met   ' if met else 'MISSED'} {goal}")
    print(f"server log: {log}")
    return 0 if all(goals.values()) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("students", nargs="?", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds a student may wait for Finished (default 600)")
    parser.add_argument("--agent", action="store_true",
                        help="students are agent API sessions, not browsers: the server alone")
    args = parser.parse_args()
    sys.exit(asyncio.run(classroom(args.students, args.timeout, args.agent)))


if __name__ == "__main__":
    main()
