"""A class opens the question's link at once: does every student's run finish fast and move?

usage: python -m benchmarks.classroom [N] [--processes 1|N|auto] [--query Q] [--browsers]

Starts the container's command, `PORT=<free> sh deploy/start.sh` (PLATEAU_PROCESSES from
--processes: one Streamlit process, or several behind nginx), on 127.0.0.1, then drives N
students at `/?preset=question&play=1` (plus `&Q`), all at the same moment:

1. a lone student, on a seed nobody else uses (so the shared cache cannot help it);
2. N students on the same link (seed 0): the run is trained once and shared;
3. N students each on their own seed (`&seed=i`): N different runs.

A student is a client of Streamlit's own websocket protocol (tests/harness/protocol.py): it
opens the page (a `rerun_script` BackMsg with the link's query), presses Play when the page has
drawn it (the button's trigger, as a browser's press or the link's page-ready signal does), and
reads the ForwardMsgs, rendering nothing: a real class's students each have a computer of their
own, so the server is what is measured. Its time is from opening the page to the status line's
`Finished · epoch 10000/10000`; its frames are the status-line updates it received from Play to
Finished, per second (each redraw while playing changes the epoch shown). With --browsers the
students are headless Chromium pages instead (a few, for an end-to-end check: on this machine
the browsers share the server's cores and measure themselves). (The former --agent mode, agent
API sessions, is replaced by this protocol mode, which also measures what reaches the page.)

A thread asks /_stcore/health (through nginx when there is one) every 0.25 s throughout.
Printed: each group's figures beside the goals of issue 16, the server's CPU per student
(summed over all its processes: Streamlit's and nginx's), the load average, and what went wrong.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import psutil

from benchmarks.students import Student, run_protocol_student
from tests.harness.server import ServerFailed, start_deployed, stop_deployed

LINK = "preset=question&play=1"
FINISHED = "Finished · epoch 10000/10000"
HEALTH_EVERY = 0.25  # seconds between health requests
# Issue 16's goals on a 2-core machine for 30 students: (slowest seconds, fewest frames/s).
GOALS = {"same link": (3.0, 5.0), "own seeds": (6.0, 3.0)}
HEALTH_GOAL = 1.0  # seconds: the slowest health answer allowed


@dataclass
class Phase:
    """One group's outcome and what it cost."""

    name: str
    students: list[Student]
    wall: float
    server_cpu: float  # CPU-seconds of every server process (Streamlit's and nginx's)
    # CPU-seconds of this script (the protocol students); None for browsers, whose page
    # processes come and go with their contexts
    client_cpu: float | None
    health: list[float]  # health answer times during the phase, seconds
    load: float  # the 1-minute load average at the phase's end
    machine_cpu: float  # CPU-seconds every process on the machine used (others' work too)

    def times(self) -> list[float]:
        """Returns the finished students' times, fastest first."""
        return sorted(s.seconds for s in self.students if s.seconds is not None)

    def fps(self) -> list[float]:
        """Returns the students' frames a second while playing, fewest first."""
        return sorted(s.fps for s in self.students if s.fps is not None)


class HealthPoller(threading.Thread):
    """Asks /_stcore/health every 0.25 s until stopped; records answer times and failures, and
    the server processes' largest resident memory together."""

    def __init__(self, url: str, servers: list[psutil.Process]):
        super().__init__(daemon=True)
        self.url, self.servers = url, servers
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
            rss = 0
            for server in self.servers:
                try:
                    rss += server.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_rss = max(self.peak_rss, rss)

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


def runs(process: psutil.Process, name: str) -> bool:
    """Returns True when the process's command line names `name` (False once it has exited)."""
    try:
        return name in " ".join(process.cmdline())
    except psutil.Error:
        return False


def server_processes(pid: int) -> list[psutil.Process]:
    """Returns the server's processes: start.sh's Streamlit processes and nginx's (its master
    and workers, not start.sh's once-a-second `sleep`), or start.sh itself when it became the
    one Streamlit process (exec)."""
    command = psutil.Process(pid)
    return [p for p in command.children(recursive=True)
            if runs(p, "streamlit") or runs(p, "nginx")] or [command]


def machine_cpu_seconds() -> float:
    """Returns the CPU seconds every core of the machine has spent busy since boot."""
    times = psutil.cpu_times()  # (guest time is inside user already; steal is not ours)
    return sum(getattr(times, kind, 0.0) for kind in ("user", "nice", "system", "irq", "softirq"))


def run_phase(name: str, base: str, queries: list[str], timeout: float, servers,
              health: HealthPoller, finished: str = FINISHED, browser=None) -> Phase:
    """Opens every query at the same moment, one student each (protocol clients, or pages of
    the BrowserSession `browser`); returns the outcome."""
    me = psutil.Process()
    server_before, client_before = cpu_seconds(servers), cpu_seconds([me])
    machine_before = machine_cpu_seconds()
    start = time.perf_counter()
    if browser is None:
        barrier = threading.Barrier(len(queries))
        # One thread per student: each waits on its socket, all start at the barrier.
        with ThreadPoolExecutor(max_workers=len(queries)) as pool:
            students = list(pool.map(lambda q: run_protocol_student(base, q, timeout, finished,
                                                                    barrier), queries))
    else:
        from benchmarks.classroom_browsers import run_browser_phase
        students = run_browser_phase(browser, [f"{base}/?{q}" for q in queries], timeout, finished)
    wall = time.perf_counter() - start
    return Phase(name, students, wall, cpu_seconds(servers) - server_before,
                 None if browser else cpu_seconds([me]) - client_before,
                 health.between(start, start + wall),
                 os.getloadavg()[0], machine_cpu_seconds() - machine_before)


def report(phase: Phase, goal: tuple[float, float] | None = None) -> str:
    """Returns a phase's lines: times and frames beside the goals, health, CPU and load."""
    times, fps, n = phase.times(), phase.fps(), len(phase.students)
    errors = sum(len(s.errors) for s in phase.students)
    if times:
        timing = f"median {statistics.median(times):5.2f} s, slowest {times[-1]:5.2f} s"
        if goal:
            timing += f" (goal <= {goal[0]:.0f} s: {'met' if times[-1] <= goal[0] else 'MISSED'})"
    else:
        timing = "nobody finished"
    frames = (f"frames/s while playing: fewest {fps[0]:4.1f}, median {statistics.median(fps):4.1f}"
              + (f" (goal >= {goal[1]:.0f}: {'met' if fps[0] >= goal[1] else 'MISSED'})"
                 if goal else "")) if fps else "frames/s: not measured"
    slowest_health = max(phase.health, default=float("nan"))
    busy = 100 * phase.machine_cpu / (phase.wall * (psutil.cpu_count() or 1))
    others = max(0.0, phase.machine_cpu - phase.server_cpu - (phase.client_cpu or 0.0))
    clients = "(browsers: not counted)" if phase.client_cpu is None else f"{phase.client_cpu:5.1f} s"
    return (f"{phase.name:<16} finished {len(times)}/{n}, errors {errors}; {timing}\n"
            f"{'':<16} {frames}\n"
            f"{'':<16} slowest health {slowest_health:.3f} s (goal <= {HEALTH_GOAL:.0f} s); "
            f"server CPU {phase.server_cpu:5.1f} s = {phase.server_cpu / n:.2f} per student; "
            f"clients {clients}; wall {phase.wall:5.2f} s; "
            f"load average {phase.load:.2f}; the machine's cores {busy:.0f}% busy, "
            f"{others:.1f} CPU-s of it other work")


def classroom(students: int, processes: str, query: str, timeout: float, browsers: bool) -> int:
    """Runs the phases against `sh deploy/start.sh`; prints the figures; returns 0 when every
    goal is met."""
    link = f"{LINK}&{query}" if query else LINK
    log = Path(tempfile.mkstemp(prefix="classroom-server-", suffix=".log")[1])
    try:
        started = start_deployed(log, processes)
    except ServerFailed as failure:
        sys.exit(str(failure))
    base, browser_session, health = started.url, None, None
    phases: list[Phase] = []
    try:
        servers = server_processes(started.process.pid)
        health = HealthPoller(f"{base}/_stcore/health", servers)
        health.start()
        if browsers:
            from benchmarks.classroom_browsers import BrowserSession
            browser_session = BrowserSession()
        replicas = sum(runs(p, "streamlit") for p in servers)
        print(f"classroom: {students} students ({'browsers' if browsers else 'protocol clients'}) "
              f"on `{link}`, PLATEAU_PROCESSES={processes}: {replicas} Streamlit process(es)"
              f"{' behind nginx' if replicas > 1 else ''}, {psutil.cpu_count()} cores, "
              f"load average before {os.getloadavg()[0]:.2f}", flush=True)
        run = partial(run_phase, base=base, timeout=timeout, servers=servers,
                      health=health, browser=browser_session)
        # Untimed warm-ups: each process's first script run imports torch and plotly.
        run("warm-up", queries=[f"preset=question&epochs=10&play=1&seed={students + 2 + i}"
                                for i in range(max(replicas, 1) * 4)],
            finished="Finished · epoch 10/10")
        phases.append(run("lone student", queries=[f"{link}&seed={students + 1}"]))
        print(report(phases[-1]), flush=True)
        phases.append(run("same link", queries=[link] * students))
        print(report(phases[-1], GOALS["same link"]), flush=True)
        phases.append(run("own seeds", queries=[f"{link}&seed={i}" for i in range(1, students + 1)]))
        print(report(phases[-1], GOALS["own seeds"]), flush=True)
    finally:
        if browser_session:
            browser_session.close()
        if health:
            health.done.set()
            health.join(timeout=15)
        stop_deployed(started.process)
    return summary(phases, health, log)


def summary(phases: list[Phase], health: HealthPoller, log: Path) -> int:
    """Prints the whole run's health, errors and goals; returns 0 when every goal is met."""
    # The warm-up's first script runs import torch and plotly while holding the interpreter: a
    # server's start, not a class; the goal counts the answers during the three groups.
    answers = [took for phase in phases for took in phase.health]
    print(f"health: {len(answers)} answers during the groups (and "
          f"{len(health.answers) - len(answers)} before), slowest "
          f"{max(answers, default=float('nan')):.3f} s, "
          f"over {HEALTH_GOAL:.0f} s: {sum(t > HEALTH_GOAL for t in answers)}, failed: "
          f"{len(health.failures)}; server peak RSS {health.peak_rss / 2**20:.0f} MiB (all processes)")
    for phase in phases:
        for i, student in enumerate(phase.students):
            for error in student.errors:
                print(f"  {phase.name} student {i}: {error}")
    for failure in health.failures[:10]:
        print(f"  health: {failure}")
    lone, same, own = phases
    alone = lone.times()[0] if lone.times() else float("nan")
    for phase in (same, own):  # (the default pace's goal, issue 11: within 1.5x)
        print(f"{phase.name}: slowest {max(phase.times(), default=float('nan')) / alone:.1f}x "
              f"the lone student's {alone:.2f} s")
    goals = {
        "every student finished without an error": all(
            s.seconds is not None and not s.errors for p in phases for s in p.students),
        f"health always within {HEALTH_GOAL:.0f} s": bool(answers) and not health.failures
        and max(answers) <= HEALTH_GOAL,
    }
    losses = {s.loss for s in same.students}
    if None not in losses:  # (browsers' losses are not read)
        goals[f"same link: every page ends on one loss ({', '.join(sorted(losses)[:3])})"] = \
            len(losses) == 1
    for name, phase in (("same link", same), ("own seeds", own)):
        slowest, fewest = GOALS[name]
        goals[f"{name}: slowest <= {slowest:.0f} s"] = max(phase.times(), default=1e9) <= slowest
        if phase.fps():
            goals[f"{name}: every student >= {fewest:.0f} frames/s"] = phase.fps()[0] >= fewest
    for goal, met in goals.items():
        print(f"{'met   ' if met else 'MISSED'} {goal}")
    print(f"server log: {log}")
    return 0 if all(goals.values()) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("students", nargs="?", type=int, default=30)
    parser.add_argument("--processes", default="auto",
                        help="deploy/start.sh's PLATEAU_PROCESSES: 1, N or auto (default)")
    parser.add_argument("--query", default="",
                        help="more of the link's query, e.g. speed=max (default: none)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds a student may wait for Finished (default 600)")
    parser.add_argument("--browsers", action="store_true",
                        help="students are headless Chromium pages (an end-to-end check)")
    args = parser.parse_args()
    sys.exit(classroom(args.students, args.processes, args.query, args.timeout, args.browsers))


if __name__ == "__main__":
    main()
