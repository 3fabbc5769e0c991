"""Own seeds in one process: N students each on a seed of their own, with and without cohorts.

usage: python -m benchmarks.cohort [N] [--repeats 3] [--frame-ms 0]

N threads (30) each play the question's run on a seed of its own (seeds 1..N, 10,000 epochs) as
the page does at `speed=max`: `Run(experiment, store).advance(block)` in a loop, the block the
play loop uses, all in one run store (a fresh one each repeat), every thread started at once.
`--frame-ms` burns that much CPU after each block, holding the GIL, for the drawing of a frame.
Printed for each way, the median over the repeats: the process's CPU-seconds, the wall time to
the slowest student's finish, the fewest blocks a second a student got (its frames a second
cannot be more), and with cohorts the mean number of runs trained in one pass. Every student's
losses are checked to be bitwise the same both ways.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import numpy as np

from components.live.player import REDRAW_EVERY
from models.engine.cohort import Cohorts
from models.engine.trainer import chunk_epochs
from models.experiment import QUESTION
from models.run.pace import MAX, block_end, block_epochs
from models.run.run import Compute, Run, RunStore
from models.run.track import train_alone


def _busy(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def play(students: int, compute: Compute, frame_seconds: float) -> tuple[dict, list]:
    """Returns the figures of one class and each student's losses (epochs, K)."""
    store = RunStore()
    runs = [Run(QUESTION.with_(seed=i + 1), store) for i in range(students)]
    block = block_epochs(chunk_epochs(runs[0].experiment.run_identity()), MAX, REDRAW_EVERY)
    go, finished, rates = threading.Event(), [0.0] * students, [0.0] * students

    def student(i: int) -> None:
        run, blocks = runs[i], 0
        go.wait()
        start = time.perf_counter()
        while not run.finished:
            run.advance(block_end(run.epoch, block) - run.epoch, compute)
            blocks += 1
            if frame_seconds:
                _busy(frame_seconds)
        finished[i] = time.perf_counter() - start
        rates[i] = blocks / finished[i]

    threads = [threading.Thread(target=student, args=(i,)) for i in range(students)]
    for t in threads:
        t.start()
    cpu, wall = time.process_time(), time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    figures = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
               "slowest": max(finished), "fewest": min(rates)}
    return figures, [run.track.history.stats[:run.epoch].copy() for run in runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("students", nargs="?", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--frame-ms", type=float, default=0.0)
    args = parser.parse_args()
    seen: dict[str, list] = {"alone": [], "cohorts": []}
    losses: dict[str, list] = {}
    sizes = []
    for _ in range(args.repeats):
        figures, losses["alone"] = play(args.students, train_alone, args.frame_ms / 1e3)
        seen["alone"].append(figures)
        cohorts = Cohorts()
        figures, losses["cohorts"] = play(args.students, cohorts.train, args.frame_ms / 1e3)
        seen["cohorts"].append(figures)
        sizes.append(cohorts.members / max(cohorts.passes, 1))
        for a, b in zip(losses["alone"], losses["cohorts"], strict=True):
            assert np.array_equal(a, b), "a student's run differs with cohorts"
    print(f"{args.students} students on seeds of their own, {QUESTION.training.epochs:,} epochs "
          f"each, frame {args.frame_ms} ms; medians of {args.repeats}")
    print(f"{'':10}{'CPU-s':>8}{'wall s':>8}{'slowest s':>11}{'fewest blocks/s':>17}")
    for way, runs in seen.items():
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{way:10}{med['cpu']:8.2f}{med['wall']:8.2f}{med['slowest']:11.2f}"
              f"{med['fewest']:17.1f}")
    print(f"runs a pass with cohorts: {statistics.median(sizes):.1f} (median of the means); "
          "every student's record is bitwise the same both ways")


if __name__ == "__main__":
    main()
