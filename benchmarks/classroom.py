"""A class opens one link at once: does every student's run finish fast and move, at what cost?

usage: python -m benchmarks.classroom [N] [--hall H] [--groups max,default,hall,played]
       [--processes 1|N|auto] [--query Q] [--before-lone-max S] [--browsers]

Starts the container's command, `PORT=<free> sh deploy/start.sh` (PLATEAU_PROCESSES from
--processes: one Streamlit process, or several behind nginx), on 127.0.0.1, then drives
students at the question's link `/?preset=question&play=1` (plus `&Q`), each group's students
all at the same moment. The groups of issue 21's goal table and one more, chosen with --groups
(all four by default; the whole set takes minutes):

- `max`, at `speed=max`: a lone student; N on one link (trained once, shared); N each on a
  seed of their own (`&seed=1..N`: N different runs);
- `default`, at the default pace (no speed in the link; a lone run takes about 5 s): a lone
  student; N on one link;
- `hall`, at the default pace: H (100) on one link, beside the lone default-paced student
  (run once for `default`, `hall` and `played` together);
- `played`, at the default pace: N open the link the lone default-paced student has just
  played, as a class does after the lecturer showed the run: the run is in the store of the
  process that served the lecturer (each process has its own), judged as N on one link.

Every other lone and one-link group opens a seed no earlier group opened (1000 + its place in
the list), so the server's shared run cannot carry over from one group to the next.

A student is a client of Streamlit's own websocket protocol (benchmarks/students.py,
tests/harness/protocol.py): it opens the page (a `rerun_script` BackMsg with the link's query),
presses Play when the page has drawn it, and reads the ForwardMsgs, rendering nothing: a real
class's students each have a computer of their own, so the server is what is measured. Its
time is from opening the page to the status line's `Finished · epoch 10000/10000`; its frames
are the status-line updates it received from Play to Finished, per second. The students are
tasks on one event loop of this process (about 24 us of CPU a message); their CPU is printed
for each group, with a warning when they kept more than half a core busy (then they may be
measuring themselves). With --browsers the
students are headless Chromium pages instead (a few, for an end-to-end check: on this machine
the browsers share the server's cores and measure themselves).

A thread asks /_stcore/health (through nginx when there is one) every 0.25 s throughout, and
reads the server processes' resident memory with it. Printed for each group: every figure
beside its goal in issue 21's table with met/MISSED (benchmarks/classroom_goals.py), the
server's CPU per student (summed over all its processes: Streamlit's and nginx's), the server's
peak resident memory, the clients' CPU, the load average; at the end, the whole table again in
Markdown, and what went wrong. The exit status is 0 when every goal judged was met.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from benchmarks.classroom_goals import (
    HALL_DEFAULT,
    LONE_DEFAULT,
    LONE_MAX,
    OWN_SEEDS_MAX,
    SAME_LINK_DEFAULT,
    SAME_LINK_MAX,
    Goal,
    Measured,
    Row,
    judge,
)
from benchmarks.classroom_server import (
    SERVER,
    HealthPoller,
    cpu_seconds,
    machine_cpu_seconds,
    resident_bytes,
    runs,
    server_processes,
)
from benchmarks.students import Student, run_class
from tests.harness.server import ServerFailed, start_deployed, stop_deployed

LINK = "preset=question&play=1"
FINISHED = "Finished · epoch 10000/10000"
GROUPS = ("max", "default", "hall", "played")
FRESH_SEED = 1000  # a lone or one-link group's seed: FRESH_SEED + its place in plans()
WARM_UP_SEED = 2000
# The students share one event loop: past about half a core of its CPU, a message more and more
# often waits for the loop before it is read (and timed), and the clients take that CPU from
# the server's cores. (A rule of thumb, not a measured threshold.)
CLIENT_BUSY_LIMIT = 0.5  # cores
MIB = 2**20


@dataclass(frozen=True)
class Plan:
    """One group of students: its name in issue 21's table, the --groups that run it, its
    pace ("max" or "default"), how many students, whether each has a seed of its own, and its
    goal."""

    name: str
    groups: frozenset[str]
    pace: str
    students: int
    own_seeds: bool
    goal: Goal
    seed: int = 0  # the seed of a lone or one-link group

    def queries(self, extra: str) -> list[str]:
        """Returns each student's query: the question's link at this pace, plus `extra`, on
        seeds 1..N (own seeds) or all on one seed no other group opens."""
        link = "&".join(part for part in (LINK, "speed=max" if self.pace == "max" else "", extra)
                        if part)
        if self.own_seeds:
            return [f"{link}&seed={seed}" for seed in range(1, self.students + 1)]
        return [f"{link}&seed={self.seed}"] * self.students


def plans(students: int, hall: int) -> list[Plan]:
    """Returns issue 21's groups in the order they run, each lone student before the groups
    measured against it."""
    max_, default = frozenset({"max"}), frozenset({"default"})
    lone_default = frozenset({"default", "hall", "played"})
    planned = [dataclasses.replace(plan, seed=FRESH_SEED + place) for place, plan in enumerate([
        Plan("one student alone, speed=max", max_, "max", 1, False, LONE_MAX),
        Plan(f"{students} on one link, speed=max", max_, "max", students, False, SAME_LINK_MAX),
        Plan(f"{students} on their own seeds, speed=max", max_, "max", students, True, OWN_SEEDS_MAX),
        Plan("one student alone, the default pace", lone_default, "default", 1, False,
             LONE_DEFAULT),
        Plan(f"{students} on one link, the default pace", default, "default", students, False,
             SAME_LINK_DEFAULT),
        Plan(f"{hall} on one link, the default pace", frozenset({"hall"}), "default", hall, False,
             HALL_DEFAULT),
    ])]
    # the class after the lecturer: the lone default-paced student's link, played just before
    played = Plan(f"{students} on a link played before, the default pace", frozenset({"played"}),
                  "default", students, False, SAME_LINK_DEFAULT, seed=planned[3].seed)
    return planned[:5] + [played] + planned[5:]


@dataclass
class Phase:
    """One group's outcome and what it cost."""

    plan: Plan
    students: list[Student]
    wall: float
    server_cpu: float  # CPU-seconds of every server process (Streamlit's and nginx's)
    # CPU-seconds of this script (the protocol students); None for browsers, whose page
    # processes come and go with their contexts
    client_cpu: float | None
    health: list[float]  # health answer times during the phase, seconds
    rss_before: int  # bytes resident in the server processes when the group started
    peak_rss: int  # the most bytes resident in them during the group
    load: float  # the 1-minute load average at the phase's end
    machine_cpu: float  # CPU-seconds every process on the machine used (others' work too)

    def times(self) -> list[float]:
        """Returns the finished students' times, fastest first."""
        return sorted(s.seconds for s in self.students if s.seconds is not None)

    def measured(self) -> Measured:
        """Returns the figures the goals judge."""
        return Measured([s.seconds for s in self.students],
                        [s.fps for s in self.students if s.fps is not None],
                        sum(len(s.errors) for s in self.students), self.server_cpu, self.health)


def open_at_once(base: str, queries: list[str], timeout: float, finished: str,
                 browser=None) -> list[Student]:
    """Returns the students' outcomes after opening every query at the same moment, one student
    each: protocol clients, or pages of the BrowserSession `browser`."""
    if browser is not None:
        from benchmarks.classroom_browsers import run_browser_phase
        return run_browser_phase(browser, [f"{base}/?{q}" for q in queries], timeout, finished)
    return asyncio.run(run_class(base, queries, timeout, finished))


def run_phase(plan: Plan, queries: list[str], base: str, timeout: float, servers,
              health: HealthPoller, browser=None) -> Phase:
    """Runs one group against the server; returns its outcome and what it cost."""
    me = psutil.Process()
    server_before, client_before = cpu_seconds(servers), cpu_seconds([me])
    machine_before, rss_before = machine_cpu_seconds(), resident_bytes(servers)
    start = time.perf_counter()
    students = open_at_once(base, queries, timeout, FINISHED, browser)
    wall = time.perf_counter() - start
    return Phase(plan, students, wall, cpu_seconds(servers) - server_before,
                 None if browser else cpu_seconds([me]) - client_before,
                 health.between(start, start + wall), rss_before,
                 max(rss_before, health.peak_between(start, start + wall)),
                 os.getloadavg()[0], machine_cpu_seconds() - machine_before)


def lone_seconds(phases: list[Phase], pace: str) -> float | None:
    """Returns the lone student's seconds at this pace, if one was measured and finished."""
    return next((p.times()[0] for p in phases
                 if p.plan.students == 1 and p.plan.pace == pace and p.times()), None)


def report(phase: Phase, rows: list[Row]) -> str:
    """Returns a phase's lines: each figure beside its goal, then memory, clients and machine."""
    busy = 100 * phase.machine_cpu / (phase.wall * (psutil.cpu_count() or 1))
    others = max(0.0, phase.machine_cpu - phase.server_cpu - (phase.client_cpu or 0.0))
    if phase.client_cpu is None:
        clients = "browsers: not counted"
    else:
        cores = phase.client_cpu / phase.wall
        messages = sum(s.messages for s in phase.students)
        received = sum(s.received_bytes for s in phase.students)
        clients = (f"{phase.client_cpu:.1f} CPU-s = {cores:.2f} of a core over the wall; read "
                   f"{messages:,} messages, {received / MIB:.0f} MiB "
                   f"({1e6 * phase.client_cpu / max(messages, 1):.0f} us CPU a message)"
                   + (f"; over {CLIENT_BUSY_LIMIT} of a core: the clients may be measuring "
                      "themselves" if cores > CLIENT_BUSY_LIMIT else ""))
    return "\n".join([
        f"{phase.plan.name}: {len(phase.students)} student(s), wall {phase.wall:.2f} s",
        *(row.line() for row in rows),
        f"  server memory          peak {phase.peak_rss / MIB:.0f} MiB resident, all processes "
        f"({(phase.peak_rss - phase.rss_before) / MIB:+.0f} over the group's start)",
        f"  clients                {clients}",
        f"  machine                load average {phase.load:.2f}; its cores {busy:.0f}% busy, "
        f"{others:.1f} CPU-s of it other work"])


def classroom(plan_list: list[Plan], processes: str, query: str, timeout: float,
              browsers: bool, before: float | None) -> int:
    """Runs the planned groups against `sh deploy/start.sh`; prints the figures beside their
    goals; returns 0 when every goal judged is met."""
    log = Path(tempfile.mkstemp(prefix="classroom-server-", suffix=".log")[1])
    try:
        started = start_deployed(log, processes)
    except ServerFailed as failure:
        sys.exit(str(failure))
    base, browser_session, health = started.url, None, None
    judged: list[tuple[Phase, list[Row]]] = []
    try:
        servers = server_processes(started.process.pid)
        health = HealthPoller(f"{base}/_stcore/health", servers)
        health.start()
        if browsers:
            from benchmarks.classroom_browsers import BrowserSession
            browser_session = BrowserSession()
        replicas = sum(runs(p, SERVER) for p in servers)
        print(f"classroom: {', '.join(p.name for p in plan_list)} "
              f"({'browsers' if browsers else 'protocol clients'}) on `{LINK}`"
              f"{f' + `{query}`' if query else ''}, PLATEAU_PROCESSES={processes}: {replicas} "
              f"Streamlit process(es){' behind nginx' if replicas > 1 else ''}, "
              f"{psutil.cpu_count()} cores, load average before {os.getloadavg()[0]:.2f}", flush=True)
        # Untimed warm-up: each process's first script runs import torch and plotly.
        open_at_once(base, [f"preset=question&epochs=10&play=1&seed={WARM_UP_SEED + i}"
                            for i in range(max(replicas, 1) * 4)],
                     timeout, "Finished · epoch 10/10", browser_session)
        phases: list[Phase] = []
        for plan in plan_list:
            phase = run_phase(plan, plan.queries(query), base=base, timeout=timeout,
                              servers=servers, health=health, browser=browser_session)
            phases.append(phase)
            rows = judge(plan.goal, phase.measured(), lone_seconds(phases, plan.pace), before)
            judged.append((phase, rows))
            print(report(phase, rows), flush=True)
    finally:
        if browser_session:
            browser_session.close()
        if health:
            health.done.set()
            health.join(timeout=15)
        stop_deployed(started.process)
    return summary(judged, health, log)


def summary(judged: list[tuple[Phase, list[Row]]], health: HealthPoller, log: Path) -> int:
    """Prints what went wrong, one loss per link, and every figure beside its goal as a
    Markdown table; returns 0 when every goal judged is met."""
    during = sum(len(phase.health) for phase, _ in judged)
    print(f"health: {during} answers during the groups (and {len(health.answers) - during} "
          f"outside them), failed: {len(health.failures)}")
    for failure in health.failures[:10]:
        print(f"  health: {failure}")
    missed = bool(health.failures)
    for phase, _ in judged:
        for i, student in enumerate(phase.students):
            for error in student.errors:
                print(f"  {phase.plan.name}, student {i}: {error}")
        losses = {s.loss for s in phase.students}
        if phase.plan.students > 1 and not phase.plan.own_seeds and None not in losses:
            one = len(losses) == 1  # (browsers' losses are not read)
            missed |= not one
            print(f"{'met   ' if one else 'MISSED'} {phase.plan.name}: every page ends on one "
                  f"loss ({', '.join(sorted(losses)[:3])})")
    print("\n| group | figure | measured | goal | |\n| --- | --- | --- | --- | --- |")
    for phase, rows in judged:
        for row in rows:
            verdict = {True: "met", False: "**MISSED**", None: "not judged"}[row.met]
            print(f"| {phase.plan.name} | {row.what} | {row.figure} | {row.goal} | {verdict} |")
        print(f"| {phase.plan.name} | server peak memory | {phase.peak_rss / MIB:.0f} MiB | | |")
    print(f"\nserver log: {log}")
    missed |= any(row.met is False for _, rows in judged for row in rows)
    return 1 if missed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("students", nargs="?", type=int, default=30,
                        help="students in a class (default 30)")
    parser.add_argument("--hall", type=int, default=100,
                        help="students in the lecture hall (default 100)")
    parser.add_argument("--groups", default=",".join(GROUPS),
                        help=f"which groups, comma-separated, of {', '.join(GROUPS)} (default all)")
    parser.add_argument("--processes", default="auto",
                        help="deploy/start.sh's PLATEAU_PROCESSES: 1, N or auto (default)")
    parser.add_argument("--query", default="",
                        help="more of every group's link query (the groups set the pace and the seed) "
                             "(default: none)")
    parser.add_argument("--before-lone-max", type=float, default=None, metavar="SECONDS",
                        help="today's lone student at speed=max, to judge 'no slower than today'")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds a student may wait for Finished (default 600)")
    parser.add_argument("--browsers", action="store_true",
                        help="students are headless Chromium pages (an end-to-end check)")
    args = parser.parse_args()
    groups = {g.strip() for g in args.groups.split(",") if g.strip()}
    if not groups or groups - set(GROUPS):
        parser.error(f"--groups takes some of {', '.join(GROUPS)}; got {args.groups!r}")
    chosen = [plan for plan in plans(args.students, args.hall) if plan.groups & groups]
    sys.exit(classroom(chosen, args.processes, args.query, args.timeout, args.browsers,
                       args.before_lone_max))


if __name__ == "__main__":
    main()
