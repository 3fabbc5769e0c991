"""The first student on a fresh server process against the next ones: what a class arriving at a
just-started container (a deploy, a restart, a new pod of the autoscaler) waits for.

usage: python -m benchmarks.first_student [--rounds N] [--query Q]

Each round starts the container's command (`sh deploy/start.sh`, PLATEAU_PROCESSES=1: one
process, no nginx) and, once it answers health, sends three protocol students one after another
(benchmarks/students.py: they open `?preset=question&play=1&speed=max` with their own seeds
and press Play). It prints, as medians over the rounds: the seconds from start to health, and
each student's seconds to Finished and the server CPU-seconds of their visit, the first beside
its goal (no more than 1.5x the third's: a process ready when it says so). Medians, not single
times: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from benchmarks.students import run_class
from tests.harness.server import start_deployed, stop_deployed

FINISHED = "Finished · epoch 10000/10000"
GOAL = 1.5  # the first student's time, at most this many times the third's
STUDENTS = 3


def one_round(query: str, log: Path) -> tuple[float, list[float], list[float]]:
    """Returns the seconds to health, and each student's seconds and server CPU-seconds."""
    started_at = time.perf_counter()
    server = start_deployed(log, "1")
    healthy = time.perf_counter() - started_at
    try:
        process = psutil.Process(server.process.pid)  # start.sh exec'd the one server

        def cpu() -> float:
            times = process.cpu_times()
            return times.user + times.system

        seconds, cpus = [], []
        for n in range(STUDENTS):
            before = cpu()
            student, = asyncio.run(run_class(server.url, [f"{query}&seed={n + 1}"], 120, FINISHED))
            if student.errors or student.seconds is None:
                raise RuntimeError(f"student {n + 1}: {student.errors}")
            seconds.append(student.seconds)
            cpus.append(cpu() - before)
        return healthy, seconds, cpus
    finally:
        stop_deployed(server.process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--query", default="preset=question&play=1&speed=max")
    options = parser.parse_args()
    rounds = []
    with tempfile.TemporaryDirectory() as folder:
        for n in range(options.rounds):
            rounds.append(one_round(options.query, Path(folder) / f"round{n}.log"))
    median = statistics.median
    print(f"first_student: `sh deploy/start.sh` (one process), {options.rounds} rounds, "
          f"?{options.query}, medians; load average {psutil.getloadavg()[0]:.2f}")
    print(f"  start to health          {median(r[0] for r in rounds):.2f} s")
    for n in range(STUDENTS):
        print(f"  student {n + 1}: to Finished {median(r[1][n] for r in rounds):.2f} s, "
              f"server CPU {median(r[2][n] for r in rounds):.2f} s")
    ratio = median(r[1][0] / r[1][-1] for r in rounds)
    verdict = "met" if ratio <= GOAL else "MISSED"
    print(f"  first / third student    {ratio:.2f}x      goal <= {GOAL}x   {verdict}")


if __name__ == "__main__":
    main()
